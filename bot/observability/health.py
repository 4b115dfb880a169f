"""Is this process fit to serve? The database answers, and the outbox sender is running (or,
on a replica that does not hold the lease, this process stands by to take it over)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot.runtime import Services
from models import OutboxMessage, OutboxState
from models.db import Database

CHECK_SECONDS = 3.0  # a database slower than this to answer counts as down


@dataclass(frozen=True)
class Health:
    database: str  # "ok", or why not
    # "running"; "standby" on a replica waiting to take over from the one that runs it; or
    # "stopped" (it died, or this process no longer even waits for it).
    sender: str

    @property
    def healthy(self) -> bool:
        return self.database == "ok" and self.sender in ("running", "standby")

    def as_json(self) -> dict[str, Any]:
        status = "ok" if self.healthy else "unavailable"
        return {"status": status, "database": self.database, "sender": self.sender}


async def check_health(services: Services) -> Health:
    return Health(await _database_state(services.db), _sender_state(services))


async def _database_state(db: Database) -> str:
    try:
        await asyncio.wait_for(db.ping(), CHECK_SECONDS)
    except TimeoutError:
        return f"no answer within {CHECK_SECONDS:g}s"
    except Exception as error:  # any failure to answer means: not fit to serve
        return f"error: {type(error).__name__}"
    return "ok"


def _sender_state(services: Services) -> str:
    sender = services.sender
    if sender is not None and sender.running:
        return "running"
    leadership = services.leadership
    if sender is None and leadership is not None and leadership.state == "standby":
        return "standby"
    return "stopped"


async def outbox_pending(db: Database) -> int:
    """Messages waiting to be sent, for the outbox depth gauge."""
    query = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.PENDING)
    )
    async with db.engine.connect() as connection:
        return int((await asyncio.wait_for(connection.execute(query), CHECK_SECONDS)).scalar_one())
