"""Leadership: of several ``muster run`` processes on one database, exactly one runs the
singletons (the outbox sender, the due-work scheduler), the one holding a lease row.

The lease (``models.leases.Lease``) names its holder, its term and when it expires. The holder
renews it every ``renew_seconds``, pushing ``expires_at`` to ``lease_seconds`` ahead; the
others try to take it every ``renew_seconds`` and succeed once it has expired, so a holder that
died is replaced within ``lease_seconds + renew_seconds``. Taking and renewing are conditional
UPDATEs, the same on SQLite and PostgreSQL; every taking raises ``term`` by one, so a holder
whose holder-and-term still match knows nobody else has held the lease since.

A holder stops its singletons at once when a renewal finds the lease taken (it was paused
past the expiry). One that cannot renew, its database not answering, gives up when
``expires_at - renew_seconds`` passes, before anyone else may take over.

SQLite is one process's database: there a holder that is a live process of this machine is
never replaced, whatever the expiry (a long transaction may hold up its renewals), and one
that died is replaced at once (a restart after a crash need not wait); a second ``muster run``
finds the lease held and is refused.

The fence. A holder may be paused (a stalled VM, a stopped process) and resume after another
took over, with the sender in the middle of its work. So every transaction of the sender
begins by checking, in that transaction, that its holder and term still hold (``fence``). On
PostgreSQL the check locks the lease row for share until the transaction ends, so a takeover
(an UPDATE of that row) waits for it; on SQLite every transaction holds the write lock anyway.
Hence once a new holder has taken the lease, the old one can no longer claim a message, nor
record one as sent, failed or pending again; and the new holder makes the rows left
``sending`` pending again only after it took the lease, when nothing the old holder does can
reach the database any more.

What remains is the window the outbox already allows after a crash: messages the old holder
claimed (at most a batch of them) whose request it made, or was making while it learnt of the
loss, but whose answer it could not record. They stay ``sending``, the new holder sends them
again, and a person may get one of them twice. A message recorded as ``sent`` is never sent
again. Clocks: lease times come from each process's clock; a skew between machines shifts
when a standby considers the lease expired (keep them synchronised with NTP), never what the
fence lets through.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, cast

from sqlalchemy import ColumnElement, Select, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock, SystemClock
from bot.config import ReplicasConfig
from bot.recovery import Recovery
from models.db import Database
from models.leases import Lease

log = logging.getLogger(__name__)

SINGLETONS = "singletons"  # the one lease: the sender and the scheduler go together
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
LEASE = Lease.__table__  # type: ignore[attr-defined]
GRACEFUL_SECONDS = 5.0  # on stop, the sends in flight may finish and be recorded


class LeaseLost(Exception):
    """This process no longer holds the lease it acted under."""


class AnotherProcessServes(Exception):
    """SQLite: another live process holds the lease; the message is one line for the operator."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: ``<host>/<pid>/<process start>/<random>``, unique to one start of
    one process. The start time (clock ticks since boot, 0 where unknown) tells a process from
    a later one given the same id, as a restarted container's often is."""

    host: str
    pid: int
    started: int
    token: str

    @classmethod
    def this_process(cls) -> Holder:
        pid = os.getpid()
        return cls(socket.gethostname()[:120], pid, _start_ticks(pid), secrets.token_hex(6))

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        try:
            host, pid, started, token = text.rsplit("/", 3)
            return cls(host, int(pid), int(started), token)
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.host}/{self.pid}/{self.started}/{self.token}"

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"

    def is_here(self) -> bool:
        """A process of this machine (only SQLite relies on it: its database is one
        machine's file, so process ids cannot be confused with another machine's)."""
        return self.host == socket.gethostname()[:120]

    def is_dead(self) -> bool:
        """It no longer runs: no such process, a zombie waiting to be reaped, or another
        process under the same id. For ``is_here`` ones."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        state = _proc_stat(self.pid)
        if not state:  # no /proc here: the process exists, that is all we know
            return False
        return state[0] == "Z" or (self.started != 0 and int(state[19]) != self.started)


def _start_ticks(pid: int) -> int:
    state = _proc_stat(pid)
    return int(state[19]) if state else 0


def _proc_stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: state first, start time 20th."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return []


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


def _still_held(held: Term) -> tuple[object, ...]:
    return (LEASE.c.name == held.name, LEASE.c.holder == held.holder, LEASE.c.term == held.term)


def _row(name: str) -> Select[tuple[object, ...]]:
    return select(LEASE).where(LEASE.c.name == name)


def _ensure_row(db: Database, name: str) -> object:
    """An expired, unheld row, unless there is one already."""
    dialect = postgresql if db.dialect == "postgresql" else sqlite
    row = {"name": name, "holder": "", "term": 0, "expires_at": NEVER, "acquired_at": NEVER}
    return dialect.insert(LEASE).values(**row).on_conflict_do_nothing(index_elements=["name"])


# -- the sender's transactions, fenced -------------------------------------------------------

Fence = Callable[[AsyncConnection], Awaitable[None]]


class _FencedEngine:
    """Only ``begin()``: the outbox store opens every transaction that way, and anything else
    a future store might use fails loudly instead of going unfenced."""

    def __init__(self, engine: AsyncEngine, check: Fence) -> None:
        self._engine = engine
        self._check = check
        self.dialect = engine.dialect

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.begin() as connection:
            await self._check(connection)
            yield connection


class FencedDatabase(Database):
    """The same database and engine, each transaction begun by checking the lease."""

    def __init__(self, db: Database, check: Fence) -> None:  # no super(): no engine of its own
        self.url = db.url
        self._inner = db
        self._check = check
        self.engine = cast(AsyncEngine, _FencedEngine(db.engine, check))
        self.sessions = db.sessions

    @asynccontextmanager
    async def session(self) -> AsyncIterator[object]:  # type: ignore[override]
        async with self._inner.session() as session:
            await self._check(await session.connection())
            yield session

    async def dispose(self) -> None:
        """The engine belongs to the application's database, not to this view of it."""


# -- keeping (or waiting for) the lease --------------------------------------------------------


class Singletons(Protocol):
    """What runs only on the holder."""

    async def start(self, fenced: FencedDatabase) -> None: ...

    async def stop(self, timeout: float) -> None:  # noqa: ASYNC109
        """Stop; work in flight may finish within ``timeout`` seconds (0: cancel it)."""
        ...


class Leadership:
    """Holds the lease and runs the singletons while it does; otherwise waits to take over.

    ``start()`` makes the first attempt (with ``exclusive``, for SQLite: refuses to run beside
    another live holder), then a task renews or retries every ``renew_seconds``. ``step()`` is
    one renewal or attempt, for tests that move a ``FrozenClock`` instead of waiting.
    """

    def __init__(
        self,
        db: Database,
        singletons: Singletons,
        config: ReplicasConfig,
        *,
        clock: Clock | None = None,
        holder: Holder | None = None,
        exclusive: bool = False,
    ) -> None:
        self.db = db
        self.singletons = singletons
        self.config = config
        self.clock = clock or SystemClock()  # real time: a lease is about processes, not days
        self.holder = holder or Holder.this_process()
        self.exclusive = exclusive
        self.held: Term | None = None
        self._task: asyncio.Task[None] | None = None
        self._stepping = asyncio.Lock()
        # Tries come every renew_seconds whatever happens (a longer wait would let the lease
        # lapse); a run of failures is logged once, and its end once.
        self.renewals = Recovery("the lease renewal", log)

    @property
    def ttl(self) -> timedelta:
        return timedelta(seconds=self.config.lease_seconds)

    @property
    def holding(self) -> bool:
        return self.held is not None

    @property
    def state(self) -> str:
        """One of: holding; standby (waiting to take over); stopped (not even waiting)."""
        if self.held is not None:
            return "holding"
        return "standby" if self._task is not None and not self._task.done() else "stopped"

    async def start(self) -> None:
        await self.step()
        if self.exclusive and not self.holding:
            raise AnotherProcessServes(await self._refusal())
        if not self.holding:
            log.info("another process runs the sender and the scheduler; standing by")
        self._task = asyncio.create_task(self._keep(), name="lease-keeper")

    async def stop(self) -> None:
        """Stop trying; as holder, stop the singletons gracefully, then let the lease go."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        async with self._stepping:
            held = self.held
            if held is None:
                return
            await self._stop_singletons(timeout=min(GRACEFUL_SECONDS, self._seconds_left(held)))
            self.held = None
            try:
                await release(self.db, held, self.clock.now())
            except Exception as error:  # stopping anyway; it expires on its own
                log.warning("could not release the lease: %s", type(error).__name__)

    async def step(self) -> None:
        """Renew the lease if held, else try to take it."""
        async with self._stepping:
            if self.held is not None:
                await self._renew(self.held)
            if self.held is None:
                await self._take()

    async def _renew(self, held: Term) -> None:
        try:
            renewed = await self._renewal(held)
        except Exception as error:  # a timeout, or the database away
            if self.exclusive or self.clock.now() < self._lapse_at(held):
                raise  # the next step tries again
            why = f"could not renew the lease in time ({type(error).__name__})"
            await self._lose(why, timeout=self._seconds_left(held))
            return
        if renewed is None:
            await self._lose("another process has taken over the lease", timeout=0.0)
        else:
            self.held = renewed

    async def _renewal(self, held: Term) -> Term | None:
        now = self.clock.now()
        if self.exclusive:  # nobody takes over from a live process: wait as long as it takes
            return await renew(self.db, held, now, self.ttl)
        patience = (self._lapse_at(held) - now).total_seconds()
        async with asyncio.timeout(max(patience, self.config.renew_seconds)):
            return await renew(self.db, held, now, self.ttl)

    async def _take(self) -> None:
        now = self.clock.now()
        async with asyncio.timeout(self.config.lease_seconds):
            held = await acquire(self.db, str(self.holder), now, self.ttl, exclusive=self.exclusive)
        if held is None:
            return
        self.held = held
        log.info("took the lease: running the sender and the scheduler", extra={"term": held.term})
        try:
            await self.singletons.start(FencedDatabase(self.db, self._fence_for(held)))
        except Exception:
            log.exception("could not start the singletons; letting the lease go")
            await self._stop_singletons(timeout=0.0)
            self.held = None
            with suppress(Exception):
                await release(self.db, held, self.clock.now())

    async def _lose(self, why: str, *, timeout: float) -> None:  # noqa: ASYNC109
        log.warning("%s: stopping the sender and the scheduler", why)
        self.held = None
        await self._stop_singletons(timeout)

    async def _stop_singletons(self, timeout: float) -> None:  # noqa: ASYNC109
        try:
            await self.singletons.stop(timeout)
        except Exception:
            log.exception("stopping the singletons failed")

    def _fence_for(self, held: Term) -> Fence:
        async def check(connection: AsyncConnection) -> None:
            await fence(connection, held)

        return check

    def _lapse_at(self, held: Term) -> datetime:
        """Give up a renewal-less lease this long before it expires: no one may take over
        while our sends run, and those in flight may still be recorded."""
        return held.expires_at - timedelta(seconds=self.config.renew_seconds)

    def _seconds_left(self, held: Term) -> float:
        return max(0.0, (held.expires_at - self.clock.now()).total_seconds())

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.config.renew_seconds)
            try:
                await self.step()
            except Exception as error:  # the database is away: the next step tries again
                self.renewals.failed(error)
            else:
                self.renewals.succeeded()

    async def _refusal(self) -> str:
        lease = await current_holder(self.db)
        holder = Holder.parse(lease.holder) if lease is not None else None
        who = f" ({holder.describe()})" if holder is not None else ""
        return (
            f"another muster run{who} is serving this SQLite database; SQLite serves one "
            "process at a time (use PostgreSQL to run several)"
        )
