"""Leases: which process of several runs a singleton (the outbox sender, the scheduler).

One row per singleton name. A process holds the lease while ``expires_at`` is in the future
and the row names it as ``holder``; it renews well before then. ``term`` grows by one at every
acquisition, so whatever a holder does under an old term can be told from the new one's.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Lease(SQLModel, table=True):
    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=160)  # "<host>/<pid>/<random>" of the holding process
    term: int = 0
    expires_at: datetime = Field(sa_type=UTCDateTime)
    acquired_at: datetime = Field(sa_type=UTCDateTime)
