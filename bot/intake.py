"""The intake: no update is lost to a crash, and none is handled twice.

Every update is written to ``intake_update`` (``models.intake``) before Telegram is told it
arrived, and handled from there:

- Long polling: PTB's ``Updater`` calls ``bot.get_updates``, puts what it got into the
  application's update queue and only then moves the offset past the last of them; the next
  ``getUpdates`` confirms that offset to Telegram. Our bot (``IntakeBot``) stores the whole
  batch in one transaction before ``get_updates`` returns it, so the offset never passes an
  update that is not stored, at one commit per batch rather than per update. A database that
  does not answer holds the polling up (Telegram keeps the updates) until it does.
- Webhook: PTB's webhook handler answers Telegram when its ``post`` returns, after awaiting
  ``put``; our queue (``IntakeQueue``) stores the update inside ``put``, so the 200 goes out
  after the commit, and a failed commit is a 500, which Telegram retries.

An update stored but not yet handled is claimed by the process that stored it until
``claimed_until``, renewed while that process still holds it (queued or being handled).
Handling marks the row handled in the same transaction as the update's effects
(``consume``, called by ``handlers.interaction``), conditionally: of two processes that both
try, one commits and the other finds it handled and rolls back. Updates that no handler
consumed (nothing matched, or the handler failed) are marked handled after their handling
ends, together with the others that ended meanwhile (one commit for them all). What a crash
leaves (stored, not handled) is claimed and handled at the next start, and by any replica's
sweep once its claim has run out; a long-polling process (only one polls) takes them all at
start. The payload is dropped when the update is handled; the bare
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
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, Update
from telegram._utils.types import JSONDict
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.crash_points import crash_point
from bot.telegram_http import AiohttpRequest
from models.db import Database, dialect_insert
from models.intake import IntakeUpdate

log = logging.getLogger(__name__)

CLAIM = timedelta(seconds=60)  # how long a stored update is its process's, unless renewed
SWEEP_SECONDS = 20.0  # renew own claims, take over expired ones
TOMBSTONES_KEPT = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours
PRUNE_EVERY = timedelta(hours=1)


class AlreadyHandled(Exception):
    """The update was handled before (by another process, or before a restart)."""


@dataclass
class Ticket:
    """The update being handled, in its handling's context: consumed once its handler's
    transaction committed."""

    update_id: int
    consumed: bool = False


_ticket: ContextVar[Ticket | None] = ContextVar("intake_ticket", default=None)


def current_ticket() -> Ticket | None:
    """The ticket of the update handled in this context (None outside the intake)."""
    return _ticket.get()


# --- in a handler's transaction -----------------------------------------------------------


async def consume(session: AsyncSession, now: datetime) -> None:
    """Mark the update being handled as handled, in the handler's own transaction, so that its
    effects and the mark commit together. ``AlreadyHandled`` when another did it first: the
    caller rolls back. A no-op outside the intake (an update handed to the application
    directly) and for a second handler of the same update."""
    ticket = _ticket.get()
    if not (await consume_all(session, [ticket], now))[0]:
        assert ticket is not None
        raise AlreadyHandled(ticket.update_id)


async def consume_all(
    session: AsyncSession, tickets: Sequence[Ticket | None], now: datetime
) -> list[bool]:
    """``consume`` for a batch of updates in one statement: for each, True when it is to be
    handled in this transaction, False when it was handled before."""
    pending = [ticket.update_id for ticket in tickets if ticket and not ticket.consumed]
    fresh = await mark_all_handled(session, pending, now) if pending else set()
    return [not ticket or ticket.consumed or ticket.update_id in fresh for ticket in tickets]


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
    return update_id in await store_batch(session, [(update_id, payload)], now=now)


async def store_batch(
    session: AsyncSession, updates: Sequence[tuple[int, dict[str, Any]]], *, now: datetime
) -> set[int]:
    """Write a batch of updates (update_id, payload) in one statement, claimed by this
    process; the ids that are new (the others were stored before: delivered again)."""
    rows = [
        {"update_id": update_id, "payload": payload, "received_at": now,
         "claimed_until": now + CLAIM}
        for update_id, payload in updates
    ]  # fmt: skip
    result = await session.exec(
        dialect_insert(session, IntakeUpdate)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(IntakeUpdate.update_id)
    )
    return {row[0] for row in result.all()}


async def mark_handled(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Handled: the payload (names, phone numbers) goes. False if it was already."""
    return update_id in await mark_all_handled(session, [update_id], now)


async def mark_all_handled(
    session: AsyncSession, update_ids: Sequence[int], now: datetime
) -> set[int]:
    """``mark_handled`` for several at once; the ids that were not handled before."""
    result = await session.exec(
        update(IntakeUpdate)
        .where(IntakeUpdate.update_id.in_(update_ids), IntakeUpdate.handled_at.is_(None))
        .values(handled_at=now, payload=None, claimed_until=None)
        .returning(IntakeUpdate.update_id)
    )
    return {row[0] for row in result.all()}


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
        self._fetched: dict[int, bool] = {}  # stored by ``get_updates``, not yet put: new?
        self._unconsumed: list[int] = []  # handled, no handler consumed them: to mark
        self._marker: asyncio.Task[None] | None = None
        self._bot: Bot | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._pruned_at: datetime | None = None

    async def receive(self, updates: Sequence[dict[str, Any]]) -> set[int]:
        """Store updates that just came in, in one transaction; the ids that are new and to
        be handled here. Long polling waits for a database that does not answer (the offset
        stays); a webhook request fails instead (Telegram sends it again)."""
        crash_point("intake.fetched")
        rows = [(update["update_id"], update) for update in updates]
        pause = 1.0
        while True:
            try:
                async with self.db.session() as session:
                    new = await store_batch(session, rows, now=self.clock.now())
                break
            except (SQLAlchemyError, OSError) as error:
                if not self.polling:
                    raise
                log.warning(
                    "could not store updates (Telegram keeps them until they are): %s",
                    type(error).__name__,
                    extra={"updates": len(rows)},
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
        crash_point("intake.stored")
        self._held |= new
        return new

    async def fetched(self, updates: Sequence[dict[str, Any]]) -> None:
        """A ``getUpdates`` batch as Telegram sent it, stored before the Updater sees it
        (``IntakeBot``)."""
        if updates:
            new = await self.receive(updates)
            self._fetched.update((u["update_id"], u["update_id"] in new) for u in updates)

    async def arrived(self, update: Update) -> bool:
        """An update on its way into the queue: True when it is new and to be handled here.
        Stored already when it came in a ``getUpdates`` batch; stored now otherwise."""
        new = self._fetched.pop(update.update_id, None)
        if new is None:
            new = update.update_id in await self.receive([update.to_dict()])
        return new

    @asynccontextmanager
    async def handling(self, update: object) -> AsyncIterator[None]:
        """Around the handling of one update (``bot.update_processor``): handlers consume it
        in their transaction; if none did, it is marked handled after handling ends (not when
        it was cut short: then it is handled again)."""
        if not isinstance(update, Update):
            yield
            return
        ticket = Ticket(update.update_id)
        token = _ticket.set(ticket)
        done = False
        try:
            yield
            done = True
        finally:
            _ticket.reset(token)
            if done and not ticket.consumed:
                self._mark_later(update.update_id)
            else:
                self._held.discard(update.update_id)

    def _mark_later(self, update_id: int) -> None:
        """Group commit: the updates whose handling ended while a mark was being committed
        go together in the next one. Held (its claim renewed) until then."""
        self._unconsumed.append(update_id)
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._mark_unconsumed(), name="intake:mark")

    async def _mark_unconsumed(self) -> None:
        while self._unconsumed:
            update_ids, self._unconsumed = self._unconsumed, []
            try:
                async with self.db.session() as session:
                    await mark_all_handled(session, update_ids, self.clock.now())
            except (SQLAlchemyError, OSError) as error:  # handled again after the claim runs out
                log.warning(
                    "could not mark updates handled: %s",
                    type(error).__name__,
                    extra={"updates": len(update_ids)},
                )
            finally:
                self._held.difference_update(update_ids)

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
        if self._marker is not None:
            await self._marker  # the last marks (it ends when none are left)
            self._marker = None

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
        self._held.add(update_id)
        try:
            update = Update.de_json(payload, self._bot) if payload is not None else None
        except Exception:  # e.g. blanked by /leave meanwhile: nothing left to handle
            update = None
        if update is None:
            log.warning(
                "an update left unhandled could not be read", extra={"update_id": update_id}
            )
            self._mark_later(update_id)
            return
        await self.queue.hand_over(update)


class IntakeQueue(asyncio.Queue[object]):
    """The application's update queue. PTB's webhook handler awaits ``put`` before it answers
    Telegram: storing the update here makes it durable first. (Long polling stores a whole
    batch before ``put``: ``IntakeBot``.)"""

    def __init__(self, intake: Intake) -> None:
        super().__init__()
        self._intake = intake

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await self._intake.arrived(item):
            return  # delivered again: stored (and handled, or being handled) already
        await super().put(item)

    async def hand_over(self, update: Update) -> None:
        """An update already stored (left from before), into the queue as it is."""
        await super().put(update)


class IntakeBot(ExtBot[None]):
    """The application's bot: a ``getUpdates`` batch is stored, in one transaction, before
    PTB's ``Updater`` sees it (and so before it moves the offset past it). It is stored as
    Telegram sent it, before PTB makes objects of it: no second conversion to JSON."""

    __slots__ = ("_intake",)

    def __init__(self, intake: Intake, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._intake = intake

    async def _post(self, endpoint: str, data: JSONDict | None = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and result:
            await self._intake.fetched(result)
        return result


def intake_bot(intake: Intake, *, token: str, base_url: str, base_file_url: str) -> IntakeBot:
    """As ``ApplicationBuilder`` builds its bot (a pool of 256 connections for requests, one
    for ``getUpdates``), over aiohttp (``bot.telegram_http``)."""
    return IntakeBot(
        intake,
        token=token,
        base_url=base_url,
        base_file_url=base_file_url,
        request=AiohttpRequest(connections=256),
        get_updates_request=AiohttpRequest(connections=1),
    )
