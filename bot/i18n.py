"""Texts in catalogs, one TOML file per area and language: ``bot/locales/<lang>/<area>.toml``.

A key is ``<area>.<name>`` (nested tables add dots). Texts are HTML (Telegram's subset) with
``{placeholders}``; every value given to a placeholder is HTML-escaped unless wrapped in
``Html``, so user-typed text can never break the formatting of a reply.
"""

from __future__ import annotations

import html
import string
import tomllib
from collections.abc import Mapping
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_datetime

LANGUAGES = ("zh", "en")
LOCALES_DIR = Path(__file__).parent / "locales"
BABEL_LOCALE = {"zh": "zh_CN", "en": "en_GB"}
_formatter = string.Formatter()


class Html(str):
    """Text that is already HTML and must not be escaped again."""


class MissingText(KeyError):
    pass


def _flatten(prefix: str, table: Mapping[str, Any], into: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _flatten(name, value, into)
        else:
            into[name] = str(value)


@cache
def catalog(language: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for file in sorted((LOCALES_DIR / language).glob("*.toml")):
        _flatten(file.stem, tomllib.loads(file.read_text(encoding="utf-8")), texts)
    return texts


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in _formatter.parse(text) if name}


def escape(value: object) -> str:
    return value if isinstance(value, Html) else html.escape(str(value), quote=False)


def text(language: str, key: str, **params: object) -> Html:
    """The text for ``key`` in ``language`` with escaped parameters filled in."""
    texts = catalog(language if language in LANGUAGES else LANGUAGES[0])
    try:
        template = texts[key]
    except KeyError:
        raise MissingText(f"{language}:{key}") from None
    return Html(template.format(**{name: escape(value) for name, value in params.items()}))


class Translator:
    """Texts and dates for one recipient: their language, the community's timezone."""

    def __init__(self, language: str, zone: tzinfo) -> None:
        self.language = language if language in LANGUAGES else LANGUAGES[0]
        self.zone = zone

    def __call__(self, key: str, **params: object) -> Html:
        return text(self.language, key, **params)

    def has(self, key: str) -> bool:
        return key in catalog(self.language)

    def datetime(self, instant: datetime, fmt: str = "medium") -> str:
        """An instant shown in the community's timezone, in the recipient's language."""
        return format_datetime(
            instant.astimezone(self.zone), fmt, locale=BABEL_LOCALE[self.language]
        )

    def when(self, instant: datetime) -> str:
        """Short form for lists: e.g. ``12-03 14:00``."""
        return instant.astimezone(self.zone).strftime("%m-%d %H:%M")
