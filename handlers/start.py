"""/start: the front door (sign-up for newcomers, the menu for volunteers, deep links)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.context import MusterContext
from handlers.interaction import Interaction, interaction


@interaction
async def on_start(update: Update, context: MusterContext, it: Interaction) -> None:
    it.reply(it.t("common.welcome", community=it.services.config.community.name))


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CommandHandler("start", on_start, filters=filters.ChatType.PRIVATE)]
