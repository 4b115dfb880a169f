"""``muster init``: a first config file from four answers (token, community name, timezone,
language); every other key keeps its default, documented in ``config.example.toml``."""

from __future__ import annotations

import getpass
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import EXAMPLE_COMMUNITY_NAME, TOKEN_ENV, ConfigError
from bot.i18n import LANGUAGES

DEFAULT_TIMEZONE = "Asia/Shanghai"
TOKEN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class SetupAnswers:
    token: str  # empty: the token comes from MUSTER_TELEGRAM_TOKEN
    name: str
    timezone: str
    language: str


def ask_setup(
    *,
    token: str | None,
    name: str | None,
    timezone: str | None,
    language: str | None,
    ask: Callable[[str], str] = input,
) -> SetupAnswers:
    """What was not given is asked for, again until the answer can be used; a given value
    that cannot be used is refused (``ConfigError``) before anything is asked."""
    for given, problem in (
        (token, _token_problem),
        (name, _name_problem),
        (timezone, _zone_problem),
        (language, _language_problem),
    ):
        if given is not None and (trouble := problem(given.strip())):
            raise ConfigError(trouble)
    token = _given_or_asked(
        token,
        "Bot token from @BotFather (empty: set it later in " + TOKEN_ENV + "): ",
        _token_problem,
        _secret_input if ask is input else ask,
    )
    name = _given_or_asked(name, "Your community's name (residents see it): ", _name_problem, ask)
    timezone = _given_or_asked(timezone, f"Timezone [{DEFAULT_TIMEZONE}]: ", _zone_problem, ask)
    language = _given_or_asked(
        language, "Default language, zh or en [zh]: ", _language_problem, ask
    )
    return SetupAnswers(
        token=token,
        name=name,
        timezone=timezone or DEFAULT_TIMEZONE,
        language=language.lower() or LANGUAGES[0],
    )


def _given_or_asked(
    given: str | None,
    question: str,
    problem: Callable[[str], str | None],
    ask: Callable[[str], str],
) -> str:
    return _ask_until(question, problem, ask) if given is None else given.strip()


def write_config(path: Path, answers: SetupAnswers) -> None:
    token = (
        f"token = {_toml(answers.token)}"
        if answers.token
        else f'# token = "…"   (not set here: {TOKEN_ENV} gives it)'
    )
    path.write_text(
        f"""# Written by `muster init`. Every other key, its default and what it does:
# config.example.toml in Muster's source.

[telegram]
# The token from @BotFather. The environment variable {TOKEN_ENV} wins over this.
{token}

[bot]
timezone = {_toml(answers.timezone)}
default_language = {_toml(answers.language)}
# Telegram user ids of administrators. Empty: `muster run` prints a one-time link, and
# whoever opens it first becomes the first administrator.
admins = []

[community]
name = {_toml(answers.name)}
""",
        encoding="utf-8",
    )


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def _ask_until(
    question: str, problem: Callable[[str], str | None], ask: Callable[[str], str]
) -> str:
    while True:
        answer = ask(question).strip()
        trouble = problem(answer)
        if trouble is None:
            return answer
        print(trouble, file=sys.stderr)


def _secret_input(question: str) -> str:
    """The token is not echoed at a terminal; piped answers are read as they come."""
    if sys.stdin.isatty():
        return getpass.getpass(question)
    return input(question)


def _token_problem(token: str) -> str | None:
    if not token or TOKEN.match(token.strip()):
        return None
    return "a token looks like 123456789:AAH…: digits, a colon, then letters and digits"


def _name_problem(name: str) -> str | None:
    if not name.strip():
        return "the name cannot be empty"
    if name.strip() == EXAMPLE_COMMUNITY_NAME:
        return f"{EXAMPLE_COMMUNITY_NAME!r} is the example's name: give your community's"
    return None


def _zone_problem(zone: str) -> str | None:
    if not zone:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{zone!r} is not an IANA timezone (e.g. Asia/Shanghai, Europe/Berlin)"
    return None


def _language_problem(language: str) -> str | None:
    if not language or language.lower() in LANGUAGES:
        return None
    return "zh or en"
