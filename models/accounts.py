"""Telegram accounts known to the bot, their roles and invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from models.enums import Role
from models.types import TelegramId, UTCDateTime


class Account(SQLModel, table=True):
    """Anyone who has talked to the bot; a volunteer profile hangs off it once they sign up."""

    telegram_id: int = Field(sa_column=Column(TelegramId, primary_key=True, autoincrement=False))
    language: str = Field(max_length=2)
    role: Role = Field(default=Role.VOLUNTEER, sa_type=String(16))
    first_name: str = Field(default="", max_length=128)
    # Their Telegram @username, lower-cased, as last seen (for `muster admin add @username`).
    username: str | None = Field(default=None, max_length=32, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Invite(SQLModel, table=True):
    """A one-time deep link (t.me/<bot>?start=<code>) granting a role to whoever opens it."""

    code: str = Field(primary_key=True, max_length=32)
    role: Role = Field(sa_type=String(16))
    created_by: int = Field(sa_type=TelegramId)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, sa_type=TelegramId)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
