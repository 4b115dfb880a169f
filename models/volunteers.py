"""The volunteer registry: profiles, skills, availability, teams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.enums import Party
from models.types import TelegramId, UTCDateTime


class Volunteer(SQLModel, table=True):
    """A signed-up volunteer. ``/leave`` blanks every personal field and unlinks the account;
    the row stays so that service hours keep counting in totals, anonymised."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int | None = Field(
        default=None,
        sa_column=Column(
            TelegramId, ForeignKey("account.telegram_id", ondelete="SET NULL"), unique=True
        ),
    )
    name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32)  # E.164
    compound: str | None = Field(default=None, max_length=64, index=True)
    address: str | None = Field(default=None, max_length=128)  # building / room
    party: Party = Field(default=Party.NONE, sa_type=String(16))
    consent_visible: bool = False
    leaderboard_visible: bool = False  # agreed to be shown on leaderboards
    paused: bool = False
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    registered_at: datetime = Field(sa_type=UTCDateTime)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class VolunteerSkill(SQLModel, table=True):
    volunteer_id: int = Field(
        sa_column=Column(ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True)
    )
    skill: str = Field(primary_key=True, max_length=24)


class VolunteerAvailability(SQLModel, table=True):
    volunteer_id: int = Field(
        sa_column=Column(ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True)
    )
    slot: str = Field(primary_key=True, max_length=24)


class Team(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    leader_telegram_id: int | None = Field(default=None, sa_type=TelegramId)
    group_chat_id: int | None = Field(default=None, sa_type=TelegramId)
    created_by: int = Field(sa_type=TelegramId)
    created_at: datetime = Field(sa_type=UTCDateTime)


class TeamMember(SQLModel, table=True):
    team_id: int = Field(
        sa_column=Column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    )
    volunteer_id: int = Field(
        sa_column=Column(ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True)
    )
    added_by: int = Field(sa_type=TelegramId)
    added_at: datetime = Field(sa_type=UTCDateTime)
