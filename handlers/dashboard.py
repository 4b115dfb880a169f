"""/dashboard: the leaders' live board, a Telegram Mini App (``bot.dashboard``). In a private
chat it comes as a button that opens it inside Telegram; in a group (where Telegram refuses
such buttons) as a link to the private chat. Volunteers are refused like any leader command."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler

from bot.context import MusterContext
from bot.dashboard.entry import board_keyboard, private_chat_keyboard
from bot.services.leader_scope import require_team_tools
from handlers.interaction import Interaction, interaction


@interaction
async def on_dashboard(update: Update, context: MusterContext, it: Interaction) -> None:
    await require_team_tools(it.session, it.actor, "dashboard.open")
    board = it.runtime.config.dashboard
    chat = update.effective_chat
    if not board.enabled:
        it.reply(it.t("menu.board_off"))
    elif chat is not None and chat.type == ChatType.PRIVATE:
        it.reply(it.t("menu.board_open"), board_keyboard(it.t, board.url))
    else:
        it.reply(
            it.t("menu.board_in_private"), private_chat_keyboard(it.t, it.runtime.bot_username)
        )


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CommandHandler("dashboard", on_dashboard)]
