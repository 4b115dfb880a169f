"""The async engine and sessions.

SQLite is the embedded default. Two things make it safe under concurrent updates: WAL with a
busy timeout, and ``BEGIN IMMEDIATE`` for every transaction, so that a transaction which reads
and then writes never fails with SQLITE_BUSY when another writer got there first (a deferred
transaction cannot wait for the write lock; an immediate one can).

A connection that saw a storage fault is thrown away, not reused. SQLite opens a file it may
not write (read-only, immutable) read-only, and such a connection says "attempt to write a
readonly database" for ever, even once the permissions are restored; so an error of the
storage (read-only, disk full, I/O) counts as a disconnect, and the pool opens fresh
connections. On PostgreSQL the pool checks a connection before lending it (``pool_pre_ping``),
so one the server closed is replaced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, event
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

import models  # noqa: F401  (registers the tables)
from models.base import metadata
from models.health import HealthProbe

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql

T = TypeVar("T", bound=SQLModel)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# SQLite's words for a storage that does not take writes (its error names are not kept by
# every driver; the messages are stable).
SQLITE_STORAGE_FAULTS = (
    "readonly database",
    "disk i/o error",
    "database or disk is full",
    "unable to open database file",
)
PROBE = HealthProbe.__table__  # type: ignore[attr-defined]
PROBES_KEPT = timedelta(days=1)


# PostgreSQL's: a read-only server (a standby after a failover, default_transaction_read_only),
# a full disk, an I/O error. A connection to a read-only server stays read-only.
POSTGRES_STORAGE_FAULTS = frozenset({"25006", "53100", "58030"})


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    else:
        _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if getattr(context.original_exception, "sqlstate", None) in POSTGRES_STORAGE_FAULTS:
            context.is_disconnect = True  # discard it: the next one may reach a writable server


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if is_storage_fault(context.original_exception):
            context.is_disconnect = True  # discard this connection and the pool's others


def is_storage_fault(error: BaseException) -> bool:
    """SQLite could not write its files: read-only, immutable, full, or an I/O error."""
    message = str(error).lower()
    return any(fault in message for fault in SQLITE_STORAGE_FAULTS)


class Database:
    """The engine and a session factory; one session per unit of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def create_all(self) -> None:
        """Create the tables directly (tests); deployments use the migrations."""
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    async def probe_write(self, name: str, now: datetime) -> None:
        """Write this process's probe row: raises if the database does not take writes.
        Rows of processes gone for a day are removed on the way."""
        row = {"name": name, "probed_at": now}
        upsert = upsert_into(self.dialect, PROBE).values(**row)
        upsert = upsert.on_conflict_do_update(index_elements=["name"], set_={"probed_at": now})
        async with self.engine.begin() as connection:
            await connection.execute(upsert)
            await connection.execute(delete(PROBE).where(PROBE.c.probed_at < now - PROBES_KEPT))

    async def dispose(self) -> None:
        await self.engine.dispose()


def dialect_insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT in the session's dialect, so that rows already there can be skipped
    (``on_conflict_do_nothing``) the same way on PostgreSQL and SQLite."""
    return upsert_into(session.bind.dialect.name if session.bind else "sqlite", table)


def upsert_into(dialect: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with ``on_conflict_do_*`` for the dialect named. PostgreSQL's module is
    loaded when first needed: a bot on SQLite does without it (2 MB)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    return sqlite.insert(table)


async def locked_row(session: AsyncSession, model: type[T], row_id: int) -> T | None:
    """The row as it is now, locked until the transaction ends (``FOR UPDATE`` on PostgreSQL;
    on SQLite the writing transaction holds the database's lock already): one writer at a
    time, so an older read never wins."""
    statement = (
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()
