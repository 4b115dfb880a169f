"""Typed callback data: a small frozen dataclass per kind of button, packed as
``prefix:field:field`` (at most 64 bytes, Telegram's limit) and parsed in one place.

Callback data comes from the client and can be forged. Telegram, however, delivers with
every press the message the button was on, as Telegram stored it: a client can forge the
data but not that message. So every press passes one check (``check_press``, applied to
every button route by ``handlers.buttons.button``) before any handler sees it:

- the data must be one of the buttons of the pressed message (else it is forged);
- the message must be in a chat type the kind of button declares (``chats``), and a
  private chat must be the presser's own;
- the data must parse: a number is ASCII digits within the database's INTEGER range.

A forged press is refused as stale (nothing is revealed) and audit-logged. A press on a
message Telegram no longer shows the bot (``InaccessibleMessage``: deleted, or too old) or
on no message at all (inline mode, which Muster does not use) cannot be checked, so it is
answered as stale and does nothing. Handlers still check that the presser may do what the
button says (roles, recipients).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Collection
from typing import Any, ClassVar, Self, get_type_hints

from bot.errors import NotAllowed, StaleButton

MAX_BYTES = 64
SEPARATOR = ":"
# Ids in callback data are row ids (INTEGER on PostgreSQL and SQLite): anything outside this
# range is no row of ours, and would not even bind as a query parameter.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_INT = re.compile(r"-?[0-9]{1,10}")

PRIVATE = frozenset({"private"})
GROUPS = frozenset({"group", "supergroup"})
PRIVATE_OR_GROUPS = PRIVATE | GROUPS


class BadCallbackData(StaleButton):
    """Callback data that does not parse: an old client, or a forged press."""


class ForgedPress(NotAllowed):
    """A press whose data is not on the pressed message, or a button pressed in a chat it was
    never sent to: answered as stale (nothing revealed) and audit-logged as a refusal, with
    the message it was pressed on as its target."""

    key = StaleButton.key

    def __init__(self, reason: str, data: str, message: PressedOn | None = None) -> None:
        where = f"{message.chat_id}/{message.message_id}" if message else None
        super().__init__(
            "button.forged", target_type="message" if message else "button", target_id=where
        )
        self.detail = {
            "reason": reason,
            # escaped: forged data may hold NUL or control characters no database column takes
            "data": data[:MAX_BYTES].encode("unicode_escape").decode(),
        }


@dataclasses.dataclass(frozen=True)
class CallbackData:
    """Subclass with ``prefix`` and typed fields (``int``, ``str`` or ``bool``); ``chats`` are
    the chat types its buttons are sent to (private chats unless declared)."""

    prefix: ClassVar[str]
    chats: ClassVar[frozenset[str]] = PRIVATE

    def pack(self) -> str:
        parts = [self.prefix]
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            text = str(int(value)) if isinstance(value, bool) else str(value)
            if SEPARATOR in text:
                raise ValueError(f"{field.name} may not contain {SEPARATOR!r}")
            parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self:
        prefix, *values = data.split(SEPARATOR)
        fields = dataclasses.fields(cls)
        if prefix != cls.prefix or len(values) != len(fields):
            raise BadCallbackData()
        hints = _field_types(cls)
        try:
            kwargs = {f.name: _cast(hints[f.name], v) for f, v in zip(fields, values, strict=True)}
        except ValueError as exc:
            raise BadCallbackData() from exc
        return cls(**kwargs)

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """For ``CallbackQueryHandler(pattern=...)``: this kind's prefix."""
        return re.compile(rf"^{re.escape(cls.prefix)}(?::|$)")


@functools.cache
def _field_types(kind: type[CallbackData]) -> dict[str, Any]:
    """A kind's field types, resolved once (``get_type_hints`` costs a press ~0.4 ms)."""
    return get_type_hints(kind)


@dataclasses.dataclass(frozen=True)
class PressedOn:
    """What Telegram says about the message a button was pressed on (``None`` fields: it sent
    an ``InaccessibleMessage``, or no message)."""

    chat_type: str | None
    chat_id: int | None
    buttons: Collection[str] | None  # the callback data of every button on it
    message_id: int | None = None


def check_press(
    kind: type[CallbackData] | None, data: str, *, presser_id: int, message: PressedOn
) -> CallbackData | None:
    """The one check every press passes; returns the parsed data (``None`` for no ``kind``:
    data that no route takes). Raises ``ForgedPress`` or ``StaleButton``."""
    if message.buttons is None or message.chat_type is None:
        raise StaleButton()  # nothing to check it against: deleted, too old, or inline
    if data not in message.buttons:
        raise ForgedPress("not on the pressed message", data, message)
    if kind is None:
        raise StaleButton()  # a button of ours that no route takes any more
    private = message.chat_type in PRIVATE
    if message.chat_type not in kind.chats or (private and message.chat_id != presser_id):
        raise ForgedPress(f"{kind.prefix} pressed in a {message.chat_type} chat", data, message)
    return kind.unpack(data)


def _cast(kind: Any, value: str) -> Any:
    if kind is int:
        if not _INT.fullmatch(value) or not INT_MIN <= int(value) <= INT_MAX:
            raise ValueError(value)
        return int(value)
    if kind is bool:
        if value not in ("0", "1"):
            raise ValueError(value)
        return value == "1"
    return value
