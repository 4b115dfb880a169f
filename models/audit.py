"""The audit log: refused attempts and every change a leader makes to someone else's record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from models.types import Json, TelegramId, UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_telegram_id: int | None = Field(default=None, sa_type=TelegramId, index=True)
    action: str = Field(max_length=48)
    allowed: bool = True
    target_type: str | None = Field(default=None, max_length=24)
    target_id: str | None = Field(default=None, max_length=48)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=Json)
