"""The intake: no update is lost to a crash, and none is handled twice.

Every update is written to ``intake_update`` (``models.intake``) before Telegram is told it
arrived, and handled from there:

- Long polling: PTB's ``Updater`` puts each fetched update into the application's update
  queue and only then moves the offset past it, and the next ``getUpdates`` confirms that
  offset to Telegram. Our queue (``IntakeQueue``) commits the row inside ``put``, so the
  offset never passes an update that is not stored. A database that does not answer holds
  the polling up (Telegram keeps the updates) until it does.
- Webhook: PTB's webhook handler answers Telegram when its ``post`` returns, after awaiting
  ``put``; so the 200 goes out after the commit, and a failed commit is a 500, which
  Telegram retries.

An update stored but not yet handled is claimed by the process that stored it until
``claimed_until``, renewed while that process still holds it (queued or being handled).
Handling marks the row handled in the same transaction as the update's effects
(``consume``, called by ``handlers.interaction``), conditionally: of two processes that both
try, one commits and the other finds it handled and rolls back. Updates that no handler
consumed (nothing matched, or the handler failed) are marked handled when their handling
ends. What a crash leaves (stored, not handled) is claimed and handled at the next start,
and by any replica's sweep once its claim has run out; a long-polling process (only one
polls) takes them all at start. The payload is dropped when the update is handled; the bare
row stays two days, so an update Telegram delivers again (its offset was not yet confirmed at
the crash) is recognised and skipped.

The intake is also the queue that presses can be taken from in batches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, Update

from bot.clock import Clock
from bot.crash_points import crash_point
from models.db import Database
from models.intake import IntakeUpdate

log = logging.getLogger(__name__)

CLAIM = timedelta(seconds=60)  # how long a stored update is its process's, unless renewed
SWEEP_SECONDS = 20.0  # renew own claims, take over expired ones
TOMBSTONES_KEPT = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours
PRUNE_EVERY = timedelta(hours=1)


class AlreadyHandled(Exception):
    """The update was handled before (by another process, or before a restart)."""


@dataclass
class _Ticket:
    update_id: int
    consumed: bool = False


_ticket: ContextVar[_Ticket | None] = ContextVar("intake_ticket", default=None)


# --- in a handler's transaction -----------------------------------------------------------


async def consume(session: AsyncSession, now: datetime) -> None:
    """Mark the update being handled as handled, in the handler's own transaction, so that its
    effects and the mark commit together. ``AlreadyHandled`` when another did it first: the
    caller rolls back. A no-op outside the intake (an update handed to the application
    directly) and for a second handler of the same update."""
    ticket = _ticket.get()
    if ticket is None or ticket.consumed:
        return
    if not await mark_handled(session, ticket.update_id, now):
        raise AlreadyHandled(ticket.update_id)


def consumed() -> None:
    """The transaction that consumed the update committed."""
    ticket = _ticket.get()
    if ticket is not None:
        ticket.consumed = True


# --- the table ------------------------------------------------------------------------------


async def store(
    session: AsyncSession, *, update_id: int, payload: dict[str, Any], now: datetime
) -> bool:
    """Write an update as it arrives, claimed by this process; False when it was stored
    before (handled or not): Telegram delivered it again."""
    dialect = session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.exec(
        insert(IntakeUpdate)
        .values(update_id=update_id, payload=payload, received_at=now, claimed_until=now + CLAIM)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    return bool(result.rowcount)


async def mark_handled(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Handled: the payload (names, phone numbers) goes. False if it was already."""
    result = await session.exec(
        update(IntakeUpdate)
        .where(IntakeUpdate.update_id == update_id, IntakeUpdate.handled_at.is_(None))
        .values(handled_at=now, payload=None, claimed_until=None)
    )
    return result.rowcount == 1


async def claim_left(
    session: AsyncSession, *, now: datetime, everything: bool, skip: Sequence[int] = ()
) -> list[tuple[int, dict[str, Any] | None]]:
    """Claim the stored, unhandled updates whose claim ran out (or every one, for the single
    long-polling process at start), oldest first. A conditional UPDATE: of several replicas
    sweeping at once, each row goes to one."""
    statement = update(IntakeUpdate).where(IntakeUpdate.handled_at.is_(None))
    if not everything:
        statement = statement.where(
            or_(IntakeUpdate.claimed_until.is_(None), IntakeUpdate.claimed_until < now)
        )
    if skip:
        statement = statement.where(IntakeUpdate.update_id.not_in(skip))
    result = await session.exec(
        statement.values(claimed_until=now + CLAIM).returning(
            IntakeUpdate.update_id, IntakeUpdate.payload
        )
    )
    return sorted((row[0], row[1]) for row in result.all())


async def renew(session: AsyncSession, update_ids: Sequence[int], now: datetime) -> None:
    await session.exec(
        update(IntakeUpdate)
        .where(IntakeUpdate.update_id.in_(update_ids), IntakeUpdate.handled_at.is_(None))
        .values(claimed_until=now + CLAIM)
    )


async def prune(session: AsyncSession, now: datetime) -> int:
    result = await session.exec(
        delete(IntakeUpdate).where(IntakeUpdate.handled_at < now - TOMBSTONES_KEPT)
    )
    return result.rowcount


# --- the process's side ---------------------------------------------------------------------


class Intake:
    """One per process: stores what arrives, hands it to the application through ``queue``,
    marks it handled, and takes over what is left."""

    def __init__(self, db: Database, clock: Clock, *, polling: bool) -> None:
        self.db = db
        self.clock = clock
        self.polling = polling
        self.queue = IntakeQueue(self)
        self._held: set[int] = set()  # stored or claimed here, not yet handled
        self._bot: Bot | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._pruned_at: datetime | None = None

    async def receive(self, update: Update) -> bool:
        """Store an update that just came in; True when it is new and to be handled here.
        Long polling waits for a database that does not answer (the offset stays); a webhook
        request fails instead (Telegram sends it again)."""
        crash_point("intake.fetched")
        payload = update.to_dict()
        pause = 1.0
        while True:
            try:
                async with self.db.session() as session:
                    new = await store(
                        session, update_id=update.update_id, payload=payload, now=self.clock.now()
                    )
                break
            except (SQLAlchemyError, OSError) as error:
                if not self.polling:
                    raise
                log.warning(
                    "could not store an update (Telegram keeps it until it is): %s",
                    type(error).__name__,
                    extra={"update_id": update.update_id},
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
        crash_point("intake.stored")
        if new:
            self._held.add(update.update_id)
        return new

    @asynccontextmanager
    async def handling(self, update: object) -> AsyncIterator[None]:
        """Around the handling of one update (``bot.update_processor``): handlers consume it
        in their transaction; if none did, it is marked handled when handling ends (not when
        it was cut short: then it is handled again)."""
        if not isinstance(update, Update):
            yield
            return
        ticket = _Ticket(update.update_id)
        token = _ticket.set(ticket)
        try:
            yield
            if not ticket.consumed:
                await self._mark_handled(update.update_id)
        finally:
            _ticket.reset(token)
            self._held.discard(update.update_id)

    async def _mark_handled(self, update_id: int) -> None:
        try:
            async with self.db.session() as session:
                await mark_handled(session, update_id, self.clock.now())
        except (SQLAlchemyError, OSError) as error:  # handled again after its claim runs out
            log.warning(
                "could not mark an update handled: %s",
                type(error).__name__,
                extra={"update_id": update_id},
            )

    async def start(self, bot: Bot) -> None:
        """Hand over what was left unhandled, then keep sweeping."""
        self._bot = bot
        await self._sweep_once(everything=self.polling)
        self._sweeper = asyncio.create_task(self._sweep(), name="intake:sweep")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self._sweep_once(everything=False)
            except (SQLAlchemyError, OSError) as error:
                log.warning("intake sweep failed: %s", type(error).__name__)

    async def _sweep_once(self, *, everything: bool) -> None:
        now = self.clock.now()
        async with self.db.session() as session:
            held = sorted(self._held)
            if held:
                await renew(session, held, now)
            left = await claim_left(session, now=now, everything=everything, skip=held)
            if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
                await prune(session, now)
                self._pruned_at = now
        if left:
            log.info("handling updates left unhandled", extra={"updates": len(left)})
        for update_id, payload in left:
            await self._hand_over(update_id, payload)

    async def _hand_over(self, update_id: int, payload: dict[str, Any] | None) -> None:
        try:
            update = Update.de_json(payload, self._bot)
        except Exception:  # e.g. blanked by /leave meanwhile: nothing left to handle
            update = None
        if update is None:
            log.warning(
                "an update left unhandled could not be read", extra={"update_id": update_id}
            )
            await self._mark_handled(update_id)
            return
        self._held.add(update_id)
        await self.queue.hand_over(update)


class IntakeQueue(asyncio.Queue[object]):
    """The application's update queue. PTB's ``Updater`` awaits ``put`` for each update before
    it moves the polling offset, and its webhook handler before it answers: storing the update
    here makes it durable first."""

    def __init__(self, intake: Intake) -> None:
        super().__init__()
        self._intake = intake

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await self._intake.receive(item):
            return  # delivered again: stored (and handled, or being handled) already
        await super().put(item)

    async def hand_over(self, update: Update) -> None:
        """An update already stored (left from before), into the queue as it is."""
        await super().put(update)
