"""Waking the outbox sender of another replica: PostgreSQL's LISTEN and NOTIFY.

A reply written by a replica that does not hold the lease would otherwise wait for the
holder's next look at the outbox (``[outbox] poll_seconds``). So after its transaction has
committed, such a replica sends a NOTIFY, and the holder, listening on a connection of its
own, wakes its sender. Best effort: a notification lost (the holder changing, its listening
connection broken) only means that the next poll finds the message.

SQLite serves one process, whose sender is woken directly; none of this applies there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from models.db import Database

log = logging.getLogger(__name__)

CHANNEL = "muster_outbox"


def applies_to(db: Database) -> bool:
    return db.dialect == "postgresql"


class HolderWaker:
    """On a replica without the sender: ``wake()`` after a commit notifies the holder. A
    burst of wakes costs one NOTIFY in flight and at most one more after it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._again = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._notify(), name="wake-holder")

    async def _notify(self) -> None:
        while self._again:
            self._again = False
            try:
                async with self.db.engine.begin() as connection:
                    await connection.exec_driver_sql(f"NOTIFY {CHANNEL}")
            except Exception as error:  # the holder's poll finds the message anyway
                log.warning("could not notify the sending replica: %s", type(error).__name__)


class WakeListener:
    """On the holder: calls ``on_wake`` for every notification, on a connection kept for it."""

    def __init__(self, db: Database, on_wake: Callable[[], None]) -> None:
        self.db = db
        self.on_wake = on_wake
        self._connection: AsyncConnection | None = None
        self._driver: Any = None  # the asyncpg connection under it

    async def start(self) -> None:
        connection = await self.db.engine.connect()
        try:
            self._driver = (await connection.get_raw_connection()).driver_connection
            await self._driver.add_listener(CHANNEL, self._notified)
            self._driver.add_termination_listener(self._lost)
        except BaseException:
            await connection.close()
            raise
        self._connection = connection

    async def stop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if not self._driver.is_closed():
                self._driver.remove_termination_listener(self._lost)
                await self._driver.remove_listener(CHANNEL, self._notified)
        finally:
            await connection.close()

    def _notified(self, *_: object) -> None:
        self.on_wake()

    def _lost(self, *_: object) -> None:
        log.warning("the connection listening for other replicas' replies was lost; "
                    "their replies now wait for the outbox's next poll")  # fmt: skip
