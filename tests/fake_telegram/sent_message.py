"""Read-only views of what the bot sent, for test assertions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class SentFile:
    """A file the bot sent (document or photo), with its bytes when uploaded."""

    file_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class SentMessage:
    """Snapshot of a bot message at the moment it was sent or edited.

    ``message`` is the Telegram ``Message`` JSON the bot received back. Use
    :attr:`current` for the latest state of the same message (after later edits).
    """

    chat_id: int
    message_id: int
    method: str
    message: JSON
    html: str | None = None
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    document: SentFile | None = None
    photo: SentFile | None = None
    edited: bool = False
    was_deleted: bool = False  # deleted at the time of this snapshot
    seq: int = 0
    time: float = 0.0
    resolver: Callable[[], SentMessage] | None = field(default=None, repr=False, compare=False)

    # -- content --------------------------------------------------------------------
    @property
    def text(self) -> str | None:
        """Plain text (tags removed, entities decoded); the caption for media."""
        return self.message.get("text", self.message.get("caption"))

    @property
    def caption(self) -> str | None:
        return self.message.get("caption")

    @property
    def entities(self) -> list[JSON]:
        return self.message.get("entities", self.message.get("caption_entities", []))

    @property
    def location(self) -> JSON | None:
        return self.message.get("location")

    @property
    def date(self) -> int:
        return int(self.message["date"])

    # -- keyboards ------------------------------------------------------------------
    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        markup = self.message.get("reply_markup") or {}
        return markup.get("inline_keyboard", [])

    @property
    def buttons(self) -> list[list[str]]:
        """Inline keyboard button texts, row by row."""
        return [[b["text"] for b in row] for row in self.inline_keyboard]

    @property
    def callback_data(self) -> list[list[str | None]]:
        """Inline keyboard ``callback_data`` row by row (``None`` for other buttons)."""
        return [[b.get("callback_data") for b in row] for row in self.inline_keyboard]

    def button(self, text: str) -> JSON:
        """The inline button with exactly this text."""
        for row in self.inline_keyboard:
            for button in row:
                if button["text"] == text:
                    return button
        raise AssertionError(f"no inline button {text!r}; buttons: {self.buttons}")

    def button_data(self, text: str) -> str | None:
        return self.button(text).get("callback_data")

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Reply keyboard button texts if this message set one, else ``None``."""
        markup = self.reply_markup or {}
        if "keyboard" not in markup:
            return None
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in markup["keyboard"]]

    @property
    def removes_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    @property
    def force_reply(self) -> bool:
        return bool((self.reply_markup or {}).get("force_reply"))

    # -- live state -----------------------------------------------------------------
    @property
    def current(self) -> SentMessage:
        """The same message as it is now (after any later edits)."""
        return self.resolver() if self.resolver else self

    @property
    def deleted(self) -> bool:
        """Whether the bot has deleted this message (now)."""
        return self.current.was_deleted

    def describe(self) -> str:
        kind = "edited" if self.edited else self.method
        parts = [f"#{self.message_id} [{kind}] {self.text!r}"]
        if self.document:
            parts.append(f"document={self.document.file_name!r}")
        if self.photo:
            parts.append("photo")
        if self.location:
            parts.append(f"location={self.location}")
        if self.buttons:
            parts.append(f"buttons={self.buttons}")
        if self.reply_keyboard:
            parts.append(f"reply_keyboard={self.reply_keyboard}")
        return " ".join(parts)
