"""A person's own settings: help and language; and whether they can be reached at all
(blocking the bot in their private chat, and unblocking it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ChatMemberHandler, CommandHandler, filters

from bot.button_data import CallbackData
from bot.context import Handlers, MusterContext
from bot.i18n import LANGUAGES, Html, text
from bot.menus import own_menu
from bot.outbox.queue import keyboard
from bot.services import accounts
from bot.services.callouts import delivery
from bot.services.leader_scope import leads_a_team
from handlers.buttons import button
from handlers.interaction import Interaction, interaction, pressed_data
from models import Role

# Each role sees its own section of /help after those of the roles below it.
HELP_SECTIONS = {
    Role.VOLUNTEER: ("volunteer",),
    Role.LEADER: ("volunteer", "leader"),
    Role.ADMIN: ("volunteer", "leader", "admin"),
}
TEAM_LEADER_SECTIONS = ("volunteer", "team_leader")  # a volunteer who leads a team


@dataclass(frozen=True)
class HelpPress(CallbackData):
    """A section of a leader's /help (``section`` of ``HELP_SECTIONS``), or "" for the
    overview."""

    prefix = "help"
    section: str


@dataclass(frozen=True)
class LanguageChoice(CallbackData):
    prefix = "lang"
    language: str


@interaction
async def on_help(update: Update, context: MusterContext, it: Interaction) -> None:
    """A volunteer's /help is one short list; a leader's or an administrator's is grouped by
    role, each group's details one tap away."""
    sections = await _sections(it)
    if len(sections) == 1:
        it.reply(help_text(it.actor.language, it.actor.role))
    else:
        it.reply(*_help_overview(it, sections))


@interaction
async def on_help_press(update: Update, context: MusterContext, it: Interaction) -> None:
    assert update.callback_query is not None and update.callback_query.message is not None
    section = HelpPress.unpack(pressed_data(update)).section
    message_id = update.callback_query.message.message_id
    sections = await _sections(it)
    if len(sections) == 1:  # someone else's /help (in a group): left as it is
        return
    if section in sections:
        back = keyboard([[(it.t("help.button_back"), HelpPress("").pack())]])
        it.edit(message_id, it.t(f"help.{section}"), back)
    else:
        it.edit(message_id, *_help_overview(it, sections))


async def _sections(it: Interaction) -> tuple[str, ...]:
    """The /help sections for this person: by role, and a team's tools for a volunteer who
    leads a team."""
    if it.actor.role == Role.VOLUNTEER and await leads_a_team(
        it.session, telegram_id=it.actor.telegram_id
    ):
        return TEAM_LEADER_SECTIONS
    return HELP_SECTIONS[it.actor.role]


def _help_overview(it: Interaction, sections: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    lines = [it.t("help.overview_title")]
    lines += [it.t(f"help.overview.{section}") for section in sections]
    lines.append(it.t("help.overview_tap"))
    rows = [[(it.t(f"help.button.{section}"), HelpPress(section).pack())] for section in sections]
    return "\n\n".join(lines), keyboard(rows)


def help_text(language: str, role: Role) -> Html:
    return Html("\n\n".join(text(language, f"help.{part}") for part in HELP_SECTIONS[role]))


@interaction
async def on_language(update: Update, context: MusterContext, it: Interaction) -> None:
    buttons = [[(it.t(f"common.language_{c}"), LanguageChoice(c).pack()) for c in LANGUAGES]]
    it.reply(it.t("common.choose_language"), keyboard(buttons))


@interaction
async def on_language_chosen(update: Update, context: MusterContext, it: Interaction) -> None:
    assert update.callback_query is not None and update.callback_query.message is not None
    choice = LanguageChoice.unpack(pressed_data(update))
    await accounts.set_language(
        it.session, telegram_id=it.actor.telegram_id, language=choice.language
    )
    t = it.translator_for(choice.language)
    it.edit(update.callback_query.message.message_id, t("common.language_set"))
    menu = await own_menu(it.session, it.actor, choice.language)
    if menu is not None:  # their own menu, described in the new language
        it.send(menu)


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
    if not blocked:
        await offer_again_if_back(it)


async def offer_again_if_back(it: Interaction) -> None:
    """Whoever had blocked the bot and is back is offered the open call-outs they missed."""
    if it.actor.came_back:
        await delivery.offer_again(
            it.session, telegram_id=it.actor.telegram_id, now=it.now, display=it.runtime.display
        )


def routes() -> Handlers:
    return [
        CommandHandler("help", on_help),
        button(HelpPress, on_help_press),
        CommandHandler("language", on_language, filters=filters.ChatType.PRIVATE),
        button(LanguageChoice, on_language_chosen),
        ChatMemberHandler(on_bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
