"""The command menu (the "/" button) each person sees, by role.

Everyone's private chat shows the volunteers' menu (set once at start, in both languages). A
leader's or an administrator's private chat gets its own menu (``BotCommandScopeChat``), set
when their role changes (through the outbox, in the transaction that changes it) and again at
every start; so does a volunteer who leads a team (the volunteers' menu and their team's
tools, see ``bot.services.leader_scope``), when made or no longer a team's leader. A
volunteer's own menu is deleted, so the shared one shows again.

Whoever has a menu of their own has a team's tools, which is who may open the leaders' board:
with ``[dashboard] enabled`` the sender sets their chat's menu button to the board with the
menu, and back to Telegram's default when the menu is deleted (``bot.dashboard.entry``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Translator, text
from bot.outbox.queue import (
    MENU_LANGUAGE,
    PRIORITY_NOTICE,
    REMOVE_KEYBOARD,
    Outgoing,
    reply_keyboard,
)
from bot.services.accounts import Actor
from bot.services.leader_scope import leads_a_team
from bot.services.lifecycle import pause_state, signed_up_as
from models import Role, Volunteer

VOLUNTEER_COMMANDS = (
    "start",
    "help",
    "tasks",
    "checkin",
    "checkout",
    "hours",
    "profile",
    "language",
    "pause",
    "resume",
    "leave",
)
LEADER_COMMANDS = (
    "start",
    "help",
    "callout",
    "callouts",
    "broadcast",
    "volunteers",
    "teams",
    "elders",
    "rounds",
    "duty",
    "report",
    "tasks",
    "checkin",
    "hours",
    "profile",
    "language",
)
TEAM_LEADER_COMMANDS = (  # a volunteer who leads a team: their team's tools first
    "start",
    "help",
    "callout",
    "callouts",
    "elders",
    "rounds",
    "tasks",
    "checkin",
    "checkout",
    "hours",
    "profile",
    "language",
    "pause",
    "resume",
)
ADMIN_COMMANDS = (*LEADER_COMMANDS[:2], "promote", "demote", "invite", *LEADER_COMMANDS[2:])

MENUS: dict[Role, tuple[str, ...]] = {
    Role.VOLUNTEER: VOLUNTEER_COMMANDS,
    Role.LEADER: LEADER_COMMANDS,
    Role.ADMIN: ADMIN_COMMANDS,
}


def menu_commands(role: Role, language: str, *, leads_team: bool = False) -> list[tuple[str, str]]:
    """(command, description) pairs of the role's menu (a volunteer who leads a team: with
    the team's tools), described in ``language``."""
    commands = TEAM_LEADER_COMMANDS if role == Role.VOLUNTEER and leads_team else MENUS[role]
    return [(command, str(text(language, f"commands.{command}"))) for command in commands]


def menu_update(
    telegram_id: int, role: Role, language: str, *, leads_team: bool = False
) -> Outgoing:
    """The outbox call that gives this person the menu of their role."""
    if role == Role.VOLUNTEER and not leads_team:
        return Outgoing(telegram_id, "delete_my_commands", {}, priority=PRIORITY_NOTICE)
    payload = {
        "commands": menu_commands(role, language, leads_team=leads_team),
        MENU_LANGUAGE: language,  # the board's menu button goes with it (the sender)
    }
    return Outgoing(telegram_id, "set_my_commands", payload, priority=PRIORITY_NOTICE)


async def own_menu(session: AsyncSession, actor: Actor, language: str) -> Outgoing | None:
    """The outbox call that sets this person's own menu again (in ``language``), if they have
    one: a leader, an administrator or a volunteer who leads a team."""
    if actor.role != Role.VOLUNTEER:
        return menu_update(actor.telegram_id, actor.role, language)
    if await leads_a_team(session, telegram_id=actor.telegram_id):
        return menu_update(actor.telegram_id, actor.role, language, leads_team=True)
    return None


def volunteer_keyboard(t: Translator, paused: bool) -> dict[str, Any]:
    """A volunteer's buttons under the text field: three rows of two, tasks and check-in,
    hours and pause (or resume), profile and help."""
    pause = "resume" if paused else "pause"
    rows = (("tasks", "checkin"), ("hours", pause), ("profile", "help"))
    markup = reply_keyboard(
        [[t(f"menu.button.{name}") for name in row] for row in rows], one_time=False
    )
    return {**markup, "is_persistent": True}


async def home_keyboard(
    session: AsyncSession, t: Translator, telegram_id: int, now: datetime
) -> dict[str, Any]:
    """The keyboard to leave when a dialog ends: a signed-up volunteer's buttons (a step's
    own keyboard, for sharing a location say, had taken their place), else none."""
    volunteer = await session.scalar(select(Volunteer).where(signed_up_as(telegram_id)))
    if volunteer is None:
        return REMOVE_KEYBOARD
    return volunteer_keyboard(t, pause_state(volunteer, now).paused)
