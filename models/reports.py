"""Reports for the street office: each one asked for (``/report``) or due (the monthly report
to the administrators) is a row here, produced in the background and sent once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import TelegramId, UTCDateTime


class ReportRun(SQLModel, table=True):
    __tablename__ = "report_run"
    # The monthly report goes to each administrator once per month, however often the
    # scheduler looks (on-request runs have no ``monthly`` key, and NULLs never collide).
    __table_args__ = (
        UniqueConstraint("monthly", "recipient_id"),
        Index("ix_report_run_open", "done_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(sa_type=TelegramId)
    language: str = Field(max_length=2)
    first_day: date = Field(sa_type=Date)  # local dates, both included
    last_day: date = Field(sa_type=Date)
    team_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("team.id", ondelete="CASCADE"))
    )  # None: the whole community
    monthly: str | None = Field(default=None, max_length=7)  # "2026-10" for the monthly report
    requested_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
