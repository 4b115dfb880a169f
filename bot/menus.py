"""The command menu (the "/" button) each person sees, by role.

Everyone's private chat shows the volunteers' menu (set once at start, in both languages). A
leader's or an administrator's private chat gets its own menu (``BotCommandScopeChat``), set
when their role changes (through the outbox, in the transaction that changes it) and again at
every start; a volunteer's own menu is deleted, so the shared one shows again.
"""

from __future__ import annotations

from bot.i18n import text
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing
from models import Role

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
ADMIN_COMMANDS = (*LEADER_COMMANDS[:2], "promote", "demote", "invite", *LEADER_COMMANDS[2:])

MENUS: dict[Role, tuple[str, ...]] = {
    Role.VOLUNTEER: VOLUNTEER_COMMANDS,
    Role.LEADER: LEADER_COMMANDS,
    Role.ADMIN: ADMIN_COMMANDS,
}


def menu_commands(role: Role, language: str) -> list[tuple[str, str]]:
    """(command, description) pairs of the role's menu, described in ``language``."""
    return [(command, str(text(language, f"commands.{command}"))) for command in MENUS[role]]


def menu_update(telegram_id: int, role: Role, language: str) -> Outgoing:
    """The outbox call that gives this person the menu of their role."""
    if role == Role.VOLUNTEER:
        return Outgoing(telegram_id, "delete_my_commands", {}, priority=PRIORITY_NOTICE)
    payload = {"commands": menu_commands(role, language)}
    return Outgoing(telegram_id, "set_my_commands", payload, priority=PRIORITY_NOTICE)
