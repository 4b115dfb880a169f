"""A person's own settings: help and language; and whether they can be reached at all
(blocking the bot in their private chat, and unblocking it)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, CommandHandler, filters

from bot.callbacks import CallbackData
from bot.context import MusterContext
from bot.i18n import LANGUAGES, Html, text
from bot.outbox.queue import keyboard
from bot.services import accounts
from handlers.buttons import button
from handlers.interaction import Interaction, interaction, pressed_data
from models import Role

# Each role sees its own section of /help after those of the roles below it.
HELP_SECTIONS = {
    Role.VOLUNTEER: ("volunteer",),
    Role.LEADER: ("volunteer", "leader"),
    Role.ADMIN: ("volunteer", "leader", "admin"),
}


@dataclass(frozen=True)
class LanguageChoice(CallbackData):
    prefix = "lang"
    language: str


@interaction
async def on_help(update: Update, context: MusterContext, it: Interaction) -> None:
    it.reply(help_text(it.actor.language, it.actor.role))


def help_text(language: str, role: Role) -> Html:
    return Html("\n\n".join(text(language, f"help.{part}") for part in HELP_SECTIONS[role]))


@interaction
async def on_language(update: Update, context: MusterContext, it: Interaction) -> None:
    buttons = [[(it.t(f"common.language_{c}"), LanguageChoice(c).pack()) for c in LANGUAGES]]
    it.reply(it.t("common.choose_language"), keyboard(buttons))


@interaction
async def on_language_chosen(update: Update, context: MusterContext, it: Interaction) -> None:
    choice = LanguageChoice.unpack(pressed_data(update))
    await accounts.set_language(it.session, it.actor.telegram_id, choice.language)
    t = it.translator_for(choice.language)
    it.edit(update.callback_query.message.message_id, t("common.language_set"))


@interaction
async def on_bot_membership(update: Update, context: MusterContext, it: Interaction) -> None:
    """Telegram's ``my_chat_member``: in a private chat, the person blocked or unblocked the
    bot (in a group, the bot was added or removed: not a person's reachability)."""
    change = update.my_chat_member
    assert change is not None
    if change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
    await accounts.note_blocked(
        it.session, telegram_id=it.actor.telegram_id, blocked=blocked, now=it.now
    )


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("help", on_help),
        CommandHandler("language", on_language, filters=filters.ChatType.PRIVATE),
        button(LanguageChoice, on_language_chosen),
        ChatMemberHandler(on_bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
