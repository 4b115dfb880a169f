"""The call-out commands are offered to the right people: every volunteer's /help and menu
name /tasks, /checkin, /checkout and /hours; only leaders' /help names /callout and /callouts."""

from __future__ import annotations

import pytest

from bot.app import MENU_COMMANDS
from bot.i18n import LANGUAGES, text
from tests.test_roles_help import named_in_help, registered_commands

VOLUNTEER_DUTY_COMMANDS = {"tasks", "checkin", "checkout", "hours"}
LEADER_CALLOUT_COMMANDS = {"callout", "callouts"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_offers_the_call_out_commands_by_role(language: str) -> None:
    volunteer, leader, admin = (
        named_in_help(language, r) for r in ("volunteer", "leader", "admin")
    )
    assert volunteer >= VOLUNTEER_DUTY_COMMANDS and not volunteer & LEADER_CALLOUT_COMMANDS
    assert leader >= VOLUNTEER_DUTY_COMMANDS | LEADER_CALLOUT_COMMANDS
    assert admin >= VOLUNTEER_DUTY_COMMANDS | LEADER_CALLOUT_COMMANDS


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_menu_lists_the_duty_commands_each_described(language: str) -> None:
    assert set(MENU_COMMANDS) >= VOLUNTEER_DUTY_COMMANDS
    assert not set(MENU_COMMANDS) & LEADER_CALLOUT_COMMANDS  # the menu is everyone's
    assert set(MENU_COMMANDS) <= registered_commands()
    assert all(text(language, f"commands.{command}") for command in MENU_COMMANDS)
