"""A person's own settings: help and language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData
from bot.context import MusterContext
from bot.i18n import LANGUAGES
from bot.outbox.queue import keyboard
from bot.services import accounts
from handlers.interaction import Interaction, interaction
from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageChoice(CallbackData):
    prefix = "lang"
    language: str


@interaction
async def on_help(update: Update, context: MusterContext, it: Interaction) -> None:
    it.reply(it.t(f"common.help_{it.actor.role.value}"))


@interaction
async def on_language(update: Update, context: MusterContext, it: Interaction) -> None:
    buttons = [[(it.t(f"common.language_{code}"), LanguageChoice(code).pack()) for code in LANGUAGES]]
    it.reply(it.t("common.choose_language"), keyboard(buttons))


@interaction
async def on_language_chosen(update: Update, context: MusterContext, it: Interaction) -> None:
    choice = LanguageChoice.unpack(update.callback_query.data or "")
    await accounts.set_language(it.session, it.actor.telegram_id, choice.language)
    t = it.translator_for(choice.language)
    it.edit(update.callback_query.message.message_id, t("common.language_set"))


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("help", on_help),
        CommandHandler("language", on_language),
        CallbackQueryHandler(on_language_chosen, pattern=LanguageChoice.pattern()),
    ]
