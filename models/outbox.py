"""The one outbox: every message Muster sends is a row here before it goes to Telegram.

It is a queue, not an archive: once a message is sent or given up on, its content (the
payload) is dropped, and the row itself is pruned after ``[outbox] retention_days``. What stays
meanwhile (chat, topic, state, the sent message's id) is what progress counts and edits need."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from models.enums import OutboxState
from models.types import Json, TelegramId, UTCDateTime


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "priority", "not_before", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=TelegramId, index=True)
    method: str = Field(max_length=32)  # Bot API method: sendMessage, editMessageText, ...
    payload: dict[str, Any] = Field(sa_type=Json)
    state: OutboxState = Field(default=OutboxState.PENDING, sa_type=String(16))
    priority: int = 5  # lower goes first: replies to a person before a broadcast
    attempts: int = 0
    not_before: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=256)
    sent_message_id: int | None = None
    # What the message belongs to (a call-out, a round...), for progress counts and edits.
    topic: str | None = Field(default=None, max_length=48, index=True)
    # Replaces a still-pending message with the same key (e.g. rapid edits of one card).
    coalesce_key: str | None = Field(default=None, max_length=64, index=True)
    # Delete the row once it is sent or given up on: a message to someone whose account is
    # being deleted (/leave's goodbye) must not leave their chat id behind.
    erase_when_done: bool = False
    # Waits while the community's quiet hours last (reminders, summaries, non-emergency
    # call-outs); see ``bot.outbox.quiet``.
    routine: bool = False
