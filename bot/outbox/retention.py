"""Pruning the outbox: messages done (sent, or given up on) longer ago than
``[outbox] retention_days`` are deleted by the scheduler, so the table stays the size of
recent traffic. Their content was already dropped when they were done (``bot.outbox.store``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_

from bot.runtime import Runtime
from models import OutboxMessage, OutboxState
from models.db import Database

OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
PRUNE_EVERY = timedelta(hours=1)  # a scan of the done rows; the scheduler ticks every few seconds

# When each running bot (by its database) last pruned. Only a pace: a restart prunes at once.
_last_pruned: dict[int, datetime] = {}


async def prune_outbox(db: Database, *, now: datetime, retention: timedelta) -> int:
    """Delete what was sent before ``now - retention``, and what failed (it has no send
    time) if it was queued before then; returns how many rows went."""
    before = now - retention
    async with db.engine.begin() as connection:
        result = await connection.execute(
            delete(OUTBOX).where(
                or_(
                    and_(OUTBOX.c.state == OutboxState.SENT, OUTBOX.c.sent_at < before),
                    and_(OUTBOX.c.state == OutboxState.FAILED, OUTBOX.c.created_at < before),
                )
            )
        )
    return result.rowcount


async def prune_old_outbox_rows(runtime: Runtime, now: datetime) -> int:
    last = _last_pruned.get(id(runtime.db))
    if last is not None and last <= now < last + PRUNE_EVERY:
        return 0
    _last_pruned[id(runtime.db)] = now
    retention = timedelta(days=runtime.config.outbox.retention_days)
    await prune_outbox(runtime.db, now=now, retention=retention)
    return 0  # nothing to send: the sender need not be woken
