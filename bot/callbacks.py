"""Typed callback data: a small frozen dataclass per kind of button, packed as
``prefix:field:field`` (at most 64 bytes, Telegram's limit) and parsed in one place.

Callback data comes from the client and can be forged: parsing only checks its shape; every
handler still checks that the presser may do what the button says.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar, Self, get_type_hints

from bot.errors import StaleButton

MAX_BYTES = 64
SEPARATOR = ":"


class BadCallbackData(StaleButton):
    """Callback data that does not parse: an old client, or a forged press."""


@dataclasses.dataclass(frozen=True)
class CallbackData:
    """Subclass with ``prefix`` and typed fields (``int``, ``str`` or ``bool``)."""

    prefix: ClassVar[str]

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
        hints = get_type_hints(cls)
        try:
            kwargs = {f.name: _cast(hints[f.name], v) for f, v in zip(fields, values, strict=True)}
        except ValueError as exc:
            raise BadCallbackData() from exc
        return cls(**kwargs)

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """For ``CallbackQueryHandler(pattern=...)``: this kind's prefix."""
        return re.compile(rf"^{re.escape(cls.prefix)}(?::|$)")


def _cast(kind: Any, value: str) -> Any:
    if kind is int:
        return int(value)
    if kind is bool:
        if value not in ("0", "1"):
            raise ValueError(value)
        return value == "1"
    return value
