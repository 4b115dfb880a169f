"""The primary sender's transactions, fenced: each begins by checking, in that transaction,
that the lease is still held under the term the sender was started with (``lease.fence``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import cast

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models.db import Database

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
