"""The service-hours ledger: one row per credited piece of service, never edited in place
(a leader's correction is a row of its own, and the audit log says who made it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import TelegramId, UTCDateTime


class ServiceHours(SQLModel, table=True):
    __tablename__ = "service_hours"
    # A source (a call-out attendance, a visit) credits a volunteer once, however often the
    # crediting code runs (restarts, retries, double presses).
    __table_args__ = (UniqueConstraint("source", "source_id", "volunteer_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(
        sa_column=Column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    )
    minutes: int  # may be negative for a correction
    source: str = Field(max_length=16)  # "callout", "visit", "correction"
    source_id: int
    kind: str = Field(default="credit", max_length=16)  # "credit" or "correction:<n>"
    served_at: datetime = Field(sa_type=UTCDateTime, index=True)  # when the service happened
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: int | None = Field(default=None, sa_type=TelegramId)  # a leader, for corrections
    note: str | None = Field(default=None, max_length=200)
