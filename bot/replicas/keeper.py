"""Keeping the lease, or waiting to take it over: the singletons run while it is held."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock, SystemClock
from bot.config import ReplicasConfig
from bot.recovery import Recovery
from bot.replicas.fenced import Fence, FencedDatabase
from bot.replicas.holder import Holder
from bot.replicas.lease import Term, acquire, current_holder, fence, release, renew
from bot.tasks import cancel_and_wait
from models.db import Database

log = logging.getLogger(__name__)

GRACEFUL_SECONDS = 5.0  # on stop, the sends in flight may finish and be recorded


class AnotherProcessServes(Exception):
    """SQLite: another live process holds the lease; the message is one line for the operator."""


class Singletons(Protocol):
    """What runs only on the holder."""

    async def start(self, fenced: FencedDatabase) -> None: ...

    async def stop(self, timeout: float) -> None:  # noqa: ASYNC109
        """Stop; work in flight may finish within ``timeout`` seconds (0: cancel it)."""
        ...


class LeaseKeeper:
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
        await cancel_and_wait(task)
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
