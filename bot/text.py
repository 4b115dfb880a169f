"""Text typed by people, checked and trimmed: shared by the forms' text-like fields and the
services that take such text (below both). Each failure is an ``InvalidInput`` whose catalog
text tells the person what is expected, so the form can simply ask again."""

from __future__ import annotations

import unicodedata

from bot.errors import InvalidInput

# HTML tags and entities, and Markdown emphasis/links: never useful in a registry field.
MARKUP_CHARACTERS = frozenset("<>&*_[]`")
# Bidirectional overrides can make a text display differently from what it is.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(
    text: str,
    *,
    min_length: int = 1,
    max_length: int,
    multiline: bool = False,
    allow_markup: bool = False,
) -> str:
    """The text trimmed (runs of spaces folded, and newlines too unless ``multiline``), or
    ``InvalidInput`` saying what is wrong with it."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    cleaned = ("\n" if multiline else " ").join(line for line in lines if line).strip()
    if not cleaned:
        raise InvalidInput("dialog.error.empty")
    if any(_is_control(ch) for ch in cleaned):
        raise InvalidInput("dialog.error.control")
    if len(cleaned) > max_length:
        raise InvalidInput("dialog.error.too_long", max=max_length, length=len(cleaned))
    if len(cleaned) < min_length:
        raise InvalidInput("dialog.error.too_short", min=min_length)
    if not allow_markup and MARKUP_CHARACTERS.intersection(cleaned):
        raise InvalidInput("dialog.error.markup")
    if not any(ch.isalnum() for ch in cleaned):
        raise InvalidInput("dialog.error.no_words")
    return cleaned


def _is_control(ch: str) -> bool:
    return ch != "\n" and (unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS)
