"""Announcements (``/broadcast``): a leader's text, maybe with a photo or a document, sent to
an audience, and who of it pressed "Got it".

Whether a recipient's message was delivered is the state of its outbox row (the
announcement's topic); only what the outbox cannot know is kept here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import Json, TelegramId, UTCDateTime

TEXT_MAX = 3000  # leaves room for the bot's heading within Telegram's 4096 characters


class AnnouncementStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its time; may still be edited or withdrawn
    SENT = "sent"
    WITHDRAWN = "withdrawn"


class Announcement(SQLModel, table=True):
    __table_args__ = (Index("ix_announcement_due", "status", "send_at"),)

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=TEXT_MAX)
    # A photo or a document, by the Telegram file id the leader's upload got.
    attachment_kind: str | None = Field(default=None, max_length=16)  # "photo" / "document"
    attachment_file_id: str | None = Field(default=None, max_length=256)
    attachment_name: str | None = Field(default=None, max_length=128)
    ask_ack: bool = True  # recipients get a "Got it" button

    # Who receives it (the same targeting as call-outs, without skills).
    team_ids: list[int] = Field(default_factory=list, sa_type=Json)
    compounds: list[str] = Field(default_factory=list, sa_type=Json)
    party_only: bool = False
    everyone: bool = False

    status: AnnouncementStatus = Field(default=AnnouncementStatus.SCHEDULED, sa_type=String(16))
    send_at: datetime = Field(sa_type=UTCDateTime)
    created_by: int = Field(sa_type=TelegramId)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Targeted volunteers already known to have blocked the bot: no message was queued.
    unreachable: int = 0
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # The sender's status card: in which chat, and what it last showed.
    card_chat_id: int | None = Field(default=None, sa_type=TelegramId)
    card_shown: str | None = Field(default=None, max_length=64)


class AnnouncementRecipient(SQLModel, table=True):
    """One volunteer an announcement was sent to; ``acknowledged_at`` is their "Got it"."""

    __tablename__ = "announcement_recipient"
    __table_args__ = (UniqueConstraint("announcement_id", "volunteer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(
        sa_column=Column(ForeignKey("announcement.id", ondelete="CASCADE"), nullable=False)
    )
    volunteer_id: int = Field(
        sa_column=Column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
