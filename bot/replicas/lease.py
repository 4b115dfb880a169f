"""The lease row: taken, renewed and released by conditional UPDATEs, the same on SQLite and
PostgreSQL, and the fence every primary transaction begins with (``bot.replicas`` says how
they fit together)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Insert, Select, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.replicas.holder import Holder
from models.db import Database, upsert_into
from models.leases import Lease

log = logging.getLogger(__name__)

SINGLETONS = "singletons"  # the one lease: the sender and the scheduler go together
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
LEASE = Lease.__table__  # type: ignore[attr-defined]


class LeaseLost(Exception):
    """This process no longer holds the lease it acted under."""


@dataclass(frozen=True)
class Term:
    """A lease held: by whom, which acquisition, until when."""

    name: str
    holder: str
    term: int
    expires_at: datetime


# -- the lease row ----------------------------------------------------------------------------


async def acquire(
    db: Database,
    holder: str,
    now: datetime,
    ttl: timedelta,
    *,
    name: str = SINGLETONS,
    exclusive: bool = False,
) -> Term | None:
    """Take the lease if it has expired; None if someone else holds it. ``exclusive``
    (SQLite): a holder that is a live process of this machine keeps it whatever its expiry,
    one that died loses it at once."""
    until = now + ttl
    async with db.engine.begin() as connection:
        await connection.execute(_ensure_row(db, name))
        current = (await connection.execute(_row(name))).one()
        takeable: ColumnElement[bool] = LEASE.c.expires_at <= now
        previous = Holder.parse(current.holder) if exclusive else None
        if previous is not None and previous.is_here() and current.holder != holder:
            if not previous.is_dead():
                return None
            log.info("the lease holder %s has died; taking over", previous.describe())
            takeable = true()
        term = (
            await connection.execute(
                update(LEASE)
                .where(LEASE.c.name == name, LEASE.c.term == current.term, takeable)
                .values(holder=holder, term=LEASE.c.term + 1, expires_at=until, acquired_at=now)
                .returning(LEASE.c.term)
            )
        ).scalar()
    return None if term is None else Term(name, holder, term, until)


async def renew(db: Database, held: Term, now: datetime, ttl: timedelta) -> Term | None:
    """Push the expiry on; None if another has taken the lease since. A lease that expired
    without anyone taking it is still its holder's: nobody else ran the singletons."""
    until = now + ttl
    async with db.engine.begin() as connection:
        result = await connection.execute(
            update(LEASE).where(*_still_held(held)).values(expires_at=until)
        )
    return Term(held.name, held.holder, held.term, until) if result.rowcount == 1 else None


async def release(db: Database, held: Term, now: datetime) -> None:
    """Expire the lease now and name no holder, so a standby takes over at its next try."""
    async with db.engine.begin() as connection:
        await connection.execute(
            update(LEASE).where(*_still_held(held)).values(holder="", expires_at=now)
        )


async def fence(connection: AsyncConnection, held: Term) -> None:
    """In the caller's transaction: raise ``LeaseLost`` if another has taken the lease since
    ``held``; on PostgreSQL keep the row locked for share, so that no takeover commits before
    this transaction does."""
    query = select(LEASE.c.term).where(*_still_held(held)).with_for_update(read=True)
    if (await connection.execute(query)).scalar() is None:
        raise LeaseLost(f"lease {held.name!r} term {held.term} is no longer held")


async def current_holder(db: Database, name: str = SINGLETONS) -> Lease | None:
    """The lease row as it is (for messages and tests)."""
    async with db.engine.connect() as connection:
        row = (await connection.execute(_row(name))).one_or_none()
    return None if row is None else Lease(**row._mapping)


def _still_held(held: Term) -> tuple[ColumnElement[bool], ...]:
    return (LEASE.c.name == held.name, LEASE.c.holder == held.holder, LEASE.c.term == held.term)


def _row(name: str) -> Select[tuple[object, ...]]:
    return select(LEASE).where(LEASE.c.name == name)


def _ensure_row(db: Database, name: str) -> Insert:
    """An expired, unheld row, unless there is one already."""
    row = {"name": name, "holder": "", "term": 0, "expires_at": NEVER, "acquired_at": NEVER}
    insert = upsert_into(db.dialect, LEASE).values(**row)
    return insert.on_conflict_do_nothing(index_elements=["name"])
