"""The write probe: ``/healthz`` proves the database takes writes by updating one row.

One row per process (``name`` is its host and pid), so replicas on PostgreSQL never wait
for each other's probe. A read-only file, an immutable one or a full disk fails the write
while a ``SELECT 1`` still answers.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class HealthProbe(SQLModel, table=True):
    __tablename__ = "health_probe"

    name: str = Field(primary_key=True, max_length=160)
    probed_at: datetime = Field(sa_type=UTCDateTime)
