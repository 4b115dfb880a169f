"""What a person sent, as the dialog engine sees it (nothing of Telegram's types leaks in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

InputKind = Literal[
    "text", "contact", "location", "photo", "document", "voice", "video", "video_note", "audio",
    "other",
]  # fmt: skip
# Messages that carry a file (and may carry a caption).
MEDIA_KINDS = ("photo", "document", "voice", "video", "video_note", "audio")


@dataclass(frozen=True)
class UserInput:
    kind: InputKind
    text: str = ""
    contact_phone: str = ""
    contact_user_id: int | None = None  # None: a contact card of someone not on Telegram
    latitude: float = 0.0
    longitude: float = 0.0
    file_id: str = ""  # a photo or a document, as Telegram stores it
    file_name: str = ""  # a document's name
    file_size: int = 0  # bytes, as Telegram reports it (0: not said)
    caption: str = ""  # the text sent with a photo, a document or a voice message
    message_id: int = 0  # the message itself, so that it can be copied on as it is
    other: str = ""  # what it was instead ("sticker", ...), for logs

    @classmethod
    def typed(cls, text: str) -> UserInput:
        return cls("text", text=text)

    @classmethod
    def contact(cls, phone: str, user_id: int | None) -> UserInput:
        return cls("contact", contact_phone=phone, contact_user_id=user_id)

    @classmethod
    def location(cls, latitude: float, longitude: float) -> UserInput:
        return cls("location", latitude=latitude, longitude=longitude)

    @classmethod
    def photo(cls, file_id: str, **details: Any) -> UserInput:
        return cls("photo", file_id=file_id, **details)

    @classmethod
    def document(cls, file_id: str, file_name: str, **details: Any) -> UserInput:
        return cls("document", file_id=file_id, file_name=file_name, **details)

    @classmethod
    def media(cls, kind: InputKind, file_id: str, **details: Any) -> UserInput:
        """A voice message, a video, a round video or a recording (``details``: size,
        caption, message id)."""
        return cls(kind, file_id=file_id, **details)

    @classmethod
    def unsupported(cls, what: str) -> UserInput:
        return cls("other", other=what)
