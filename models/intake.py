"""The intake: every update from Telegram is a row here before Telegram is told it arrived.

A row is written when the update comes in (long polling: before the next ``getUpdates``
confirms its offset; webhook: before the 200), and marked handled in the same transaction as
the update's effects. Once handled, its payload (the update as Telegram sent it, with the
sender's name and perhaps a phone number) is dropped; the bare row stays for two days as a
tombstone, so that Telegram delivering the same update again (its offset was not yet
confirmed when the process died) is recognised and not handled twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from models.types import Json, UTCDateTime


class IntakeUpdate(SQLModel, table=True):
    __tablename__ = "intake_update"

    # Telegram's update_id: not a person's id (it counts updates).
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: dict[str, Any] | None = Field(default=None, sa_type=Json)  # None once handled
    received_at: datetime = Field(sa_type=UTCDateTime)
    # Who handles it: the process that holds the claim until then (renewed while it works).
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
