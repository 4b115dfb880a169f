"""Conversation state, kept in the database so a restart (or another replica) carries on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models.types import Json, TelegramId, UTCDateTime


class Conversation(SQLModel, table=True):
    """At most one open dialog per private chat: which form, which step, the answers so far."""

    telegram_id: int = Field(sa_column=Column(TelegramId, primary_key=True, autoincrement=False))
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=Json)
    version: int = 0  # bumped on every new step; stale button presses are recognised by it
    updated_at: datetime = Field(sa_type=UTCDateTime)
