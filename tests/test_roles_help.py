"""/help is true to the bot: it names only commands that exist, each for the roles allowed."""

from __future__ import annotations

import re

import pytest
from telegram.ext import CommandHandler

from bot.i18n import LANGUAGES
from bot.routes import AREAS
from handlers.account import help_text
from models import Role

LEADER_COMMANDS = {
    "teams",
    "volunteers",
    "callout",
    "callouts",
    "broadcast",
    "report",
    "elders",
    "rounds",
    "round_now",
}
ADMIN_COMMANDS = {"promote", "demote", "invite"}
ROLES = ("volunteer", "leader", "admin")


def registered_commands() -> set[str]:
    return {
        command
        for area in AREAS
        for handler in area.routes()
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }


def named_in_help(language: str, role: str) -> set[str]:
    return set(re.findall(r"(?<![<\w])/([a-z_]+)", help_text(language, Role(role))))


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_names_only_commands_that_exist(language: str) -> None:
    for role in ROLES:
        assert named_in_help(language, role) <= registered_commands(), role


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_is_in_the_administrators_help(language: str) -> None:
    assert registered_commands() <= named_in_help(language, "admin")


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_offers_each_role_its_own_commands(language: str) -> None:
    volunteer, leader, admin = (named_in_help(language, role) for role in ROLES)
    assert not (LEADER_COMMANDS | ADMIN_COMMANDS) & volunteer
    assert leader >= LEADER_COMMANDS and not ADMIN_COMMANDS & leader
    assert admin >= LEADER_COMMANDS | ADMIN_COMMANDS
    assert volunteer <= leader <= admin
