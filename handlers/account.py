"""A person's own settings: help and language."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

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


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("help", on_help),
        CommandHandler("language", on_language, filters=filters.ChatType.PRIVATE),
        button(LanguageChoice, on_language_chosen),
    ]
