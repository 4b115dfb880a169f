"""What a recipient sees of an announcement, in their own language: the bot's heading, the
leader's text as written (escaped), any photo or document just before it, and "Got it"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.i18n import Translator
from bot.outbox.queue import PRIORITY_BULK, Outgoing, keyboard
from bot.services.announcements.audience import Audience
from bot.services.announcements.buttons import GotIt
from models.announcements import Announcement, AnnouncementStatus

PHOTO, DOCUMENT = "photo", "document"


@dataclass(frozen=True)
class Attachment:
    kind: str  # PHOTO or DOCUMENT
    file_id: str
    name: str = ""


@dataclass(frozen=True)
class AnnouncementView:
    id: int
    text: str
    attachment: Attachment | None
    ask_ack: bool
    audience: Audience
    status: AnnouncementStatus
    send_at: datetime
    sent_at: datetime | None
    created_by: int
    unreachable: int
    reminded_at: datetime | None = None

    @classmethod
    def of(cls, announcement: Announcement) -> AnnouncementView:
        assert announcement.id is not None
        attachment = None
        if announcement.attachment_kind and announcement.attachment_file_id:
            attachment = Attachment(
                announcement.attachment_kind,
                announcement.attachment_file_id,
                announcement.attachment_name or "",
            )
        return cls(
            announcement.id,
            announcement.text,
            attachment,
            announcement.ask_ack,
            Audience.of(announcement),
            AnnouncementStatus(announcement.status),
            announcement.send_at,
            announcement.sent_at,
            announcement.created_by,
            announcement.unreachable,
            announcement.reminded_at,
        )

    @property
    def is_pending(self) -> bool:
        return self.status == AnnouncementStatus.SCHEDULED


def topic(announcement_id: int) -> str:
    """The text messages' topic: their outbox states are the delivery counts."""
    return f"announce:{announcement_id}"


def got_it_markup(t: Translator, announcement_id: int, *, read: bool = False) -> dict[str, Any]:
    label = t("broadcast.button.read" if read else "broadcast.button.got_it")
    return keyboard([[(label, GotIt(announcement_id).pack())]])


def recipient_messages(
    t: Translator, community: str, view: AnnouncementView, chat_id: int, *, reminder: bool = False
) -> list[Outgoing]:
    """The announcement for one recipient: the attachment, then the text (with "Got it").
    A reminder repeats only the text, under a line saying why it came again."""
    messages = []
    if view.attachment is not None and not reminder:
        method = "send_photo" if view.attachment.kind == PHOTO else "send_document"
        messages.append(
            Outgoing(
                chat_id,
                method,
                {view.attachment.kind: view.attachment.file_id},
                priority=PRIORITY_BULK,
                topic=f"announce-file:{view.id}",
            )
        )
    text = t("broadcast.message", community=community, text=view.text)
    if reminder:
        text = t("broadcast.reminder", message=text)
    markup = got_it_markup(t, view.id) if view.ask_ack else None
    messages.append(
        Outgoing.message(
            chat_id,
            text,
            markup,
            priority=PRIORITY_BULK,
            topic=f"announce-remind:{view.id}" if reminder else topic(view.id),
        )
    )
    return messages
