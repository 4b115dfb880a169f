"""The sender's bookkeeping in the outbox table, the same on SQLite and PostgreSQL.

States: ``pending`` -> ``sending`` (claimed by the sender, shortly before the call) -> ``sent`` or
``failed``, or back to ``pending`` to retry. Every transaction here is short and makes no
network call. Claims and outcomes are batched: the sender writes the outcomes of everything
that finished and claims the next few messages in one transaction, so a broadcast costs a
transaction per handful of messages rather than two per message.

Only one sender drains a database. Claiming re-checks ``state = 'pending'`` (and reads the
payload as it is then), so a message coalesced by ``enqueue`` while it waited is sent as it is
now, and a message recorded as sent is never claimed again.

After a crash, rows left ``sending`` are the only ones whose fate is unknown: they were claimed
and maybe sent, or sent but their outcome not yet written (at most a fraction of a second of
sends). :meth:`OutboxStore.recover` makes them pending again, so they may be delivered twice.
That is the one repeat allowed; a row recorded as ``sent`` is never sent again.

What is due: a pending row whose ``not_before`` has come, except a routine row during quiet hours
(``bot.outbox.quiet``) and a proactive new message (a notice or bulk message, not a reply or
an alert) to a person in the middle of a form: it waits until the form ends, or until the
form has not moved for ``FORM_HOLD`` (an abandoned form holds nothing for long), so a
monthly report or a reminder never lands between a question and its answer.

A row that is done (sent or failed) keeps no content: its payload is emptied in the same
statement that records the outcome, so texts about people (names, phones, addresses) live in
the database only while they wait to go out. A row marked ``erase_when_done`` is deleted then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Update, and_, bindparam, delete, func, not_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.outbox.queue import IF_REPEATED, PRIORITY_NOTICE
from bot.outbox.schedule import Ticket
from bot.outbox.verdicts import Kind, Verdict
from models import Account, Conversation, OutboxMessage, OutboxState
from models.db import Database
from models.types import UTCDateTime

OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]
FORM_HOLD = timedelta(minutes=10)  # a form untouched this long no longer holds messages back
# Methods that put a new message in the chat (edits and deletions do not interrupt anyone).
NEW_MESSAGES = ("send_message", "send_document", "send_photo", "send_location", "copy_message")


@dataclass(frozen=True)
class Claimed:
    """A message the sender has claimed, with its content as of the claim."""

    ticket: Ticket
    method: str
    payload: dict[str, Any]
    attempts: int
    # The outbox's highest id when this was claimed: if Telegram says the chat is unreachable,
    # only what was queued up to then fails with it. A reply queued afterwards (the person came
    # back and wrote) gets its own try.
    horizon: int = 0

    @property
    def chat_id(self) -> int:
        return self.ticket.chat_id


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed message, to be written in the next transaction."""

    message: Claimed
    verdict: Verdict
    at: datetime
    attempts: int
    due: datetime | None = None  # when a retry may go


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recover(self) -> int:
        """Rows a crash left ``sending`` become pending again (their fate is unknown). They
        are at most the messages that were in flight; one that may have reached its reader
        already and has words for that (``Outgoing.saying_if_repeated``) now says them."""
        async with self.db.engine.begin() as connection:
            repeats = await connection.execute(
                select(OUTBOX.c.id, OUTBOX.c.payload).where(OUTBOX.c.state == OutboxState.SENDING)
            )
            for row_id, payload in repeats.all():
                if IF_REPEATED in payload:
                    again = {**payload, "text": payload[IF_REPEATED]}
                    del again[IF_REPEATED]
                    await connection.execute(
                        update(OUTBOX).where(OUTBOX.c.id == row_id).values(payload=again)
                    )
            result = await connection.execute(
                update(OUTBOX)
                .where(OUTBOX.c.state == OutboxState.SENDING)
                .values(state=OutboxState.PENDING)
            )
        return result.rowcount

    async def load_due(
        self,
        now: datetime,
        *,
        limit: int,
        per_chat: int,
        outcomes: Sequence[Outcome] = (),
        quiet: bool = False,
    ) -> list[Ticket]:
        """Up to ``limit`` due messages (after writing ``outcomes``): the most urgent chats
        first, each with its first ``per_chat`` messages, so that a chat's older messages are
        loaded with its most urgent one and still go first. ``quiet``: it is quiet hours, so
        routine messages are not due.

        One pass over the pending rows (a window, a sort), whatever the outbox's history: it
        costs a few milliseconds for thousands of pending messages on SQLite and PostgreSQL."""
        by_chat = {"partition_by": OUTBOX.c.chat_id}
        pending = (
            select(
                OUTBOX.c.id,
                OUTBOX.c.chat_id,
                OUTBOX.c.priority,
                func.row_number().over(**by_chat, order_by=OUTBOX.c.id).label("place"),
                func.min(OUTBOX.c.priority).over(**by_chat).label("chat_priority"),
                func.min(OUTBOX.c.id).over(**by_chat).label("chat_first"),
            )
            .where(
                OUTBOX.c.state == OutboxState.PENDING,
                OUTBOX.c.not_before <= now,
                not_(_interrupts_a_form(now)),
                *([OUTBOX.c.routine.is_(False)] if quiet else []),
            )
            .subquery()
        )
        query = (
            select(pending.c.id, pending.c.chat_id, pending.c.priority)
            .where(pending.c.place <= per_chat)
            .order_by(pending.c.chat_priority, pending.c.chat_first, pending.c.place)
            .limit(limit)
        )
        async with self.db.engine.begin() as connection:
            await _write(connection, outcomes)
            rows = await connection.execute(query)
            return [Ticket(r.id, r.chat_id, r.priority) for r in rows]

    async def claim(
        self, tickets: Sequence[Ticket], outcomes: Sequence[Outcome] = ()
    ) -> list[Claimed]:
        """Write ``outcomes``, then mark the tickets' rows ``sending`` if they are still
        pending; returns those, in the order of ``tickets``."""
        claim = (
            update(OUTBOX)
            .where(OUTBOX.c.id.in_([t.id for t in tickets]), OUTBOX.c.state == OutboxState.PENDING)
            .values(state=OutboxState.SENDING)
            .returning(OUTBOX.c.id, OUTBOX.c.method, OUTBOX.c.payload, OUTBOX.c.attempts)
        )
        async with self.db.engine.begin() as connection:
            await _write(connection, outcomes)
            rows = {r.id: r for r in await connection.execute(claim)} if tickets else {}
            horizon = (await connection.execute(select(func.max(OUTBOX.c.id)))).scalar() or 0
        return [
            Claimed(t, rows[t.id].method, rows[t.id].payload, rows[t.id].attempts, horizon)
            for t in tickets
            if t.id in rows
        ]

    async def write(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        async with self.db.engine.begin() as connection:
            await _write(connection, outcomes)

    async def release(self, tickets: Iterable[Ticket]) -> None:
        """Claimed but never sent (the sender is stopping, or a claim's answer was lost):
        pending again."""
        params = [{"row": t.id} for t in tickets]
        if not params:
            return
        async with self.db.engine.begin() as connection:
            await connection.execute(_RELEASE, params)


def _interrupts_a_form(now: datetime) -> ColumnElement[bool]:
    """A proactive new message to a person whose form moved within ``FORM_HOLD``."""
    in_a_form = select(CONVERSATIONS.c.telegram_id).where(
        CONVERSATIONS.c.flow != "", CONVERSATIONS.c.updated_at > now - FORM_HOLD
    )
    return and_(
        OUTBOX.c.priority >= PRIORITY_NOTICE,
        OUTBOX.c.method.in_(NEW_MESSAGES),
        OUTBOX.c.chat_id.in_(in_a_form),
    )


def _each_row(*also: ColumnElement[bool]) -> Update:
    """An UPDATE of the outbox row bound as ``row``: run as an executemany, once per row."""
    return update(OUTBOX).where(OUTBOX.c.id == bindparam("row"), *also)


_SENT = _each_row().values(
    state=OutboxState.SENT,
    payload={},
    sent_at=bindparam("at", type_=UTCDateTime()),
    sent_message_id=bindparam("message_id"),
    attempts=bindparam("tries"),
)
_RETRY = _each_row().values(
    state=OutboxState.PENDING,
    not_before=bindparam("due", type_=UTCDateTime()),
    attempts=bindparam("tries"),
    last_error=bindparam("error"),
)
_FAILED = _each_row().values(
    state=OutboxState.FAILED, payload={}, attempts=bindparam("tries"), last_error=bindparam("error")
)
# What else was waiting for an unreachable chat when the failed message was claimed fails with
# it, and the person is marked.
_FAIL_CHAT = (
    update(OUTBOX)
    .where(
        OUTBOX.c.chat_id == bindparam("chat"),
        OUTBOX.c.state == OutboxState.PENDING,
        OUTBOX.c.id <= bindparam("horizon"),
    )
    .values(state=OutboxState.FAILED, payload={}, last_error=bindparam("error"))
)
_MARK_UNREACHABLE = (
    update(ACCOUNTS)
    .where(ACCOUNTS.c.telegram_id == bindparam("chat"), ACCOUNTS.c.unreachable_at.is_(None))
    .values(unreachable_at=bindparam("at", type_=UTCDateTime()))
)
_ERASE_DONE = delete(OUTBOX).where(
    OUTBOX.c.erase_when_done.is_(True),
    OUTBOX.c.state.in_([OutboxState.SENT, OutboxState.FAILED]),
)
_RELEASE = _each_row(OUTBOX.c.state == OutboxState.SENDING).values(state=OutboxState.PENDING)


async def _write(connection: AsyncConnection, outcomes: Sequence[Outcome]) -> None:
    """Each kind of outcome is one executemany, so a batch costs a few statements."""
    sent: list[dict[str, Any]] = []
    retries: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    unreachable = []
    for o in outcomes:
        row, kind, error = o.message.ticket.id, o.verdict.kind, o.verdict.error
        if kind is Kind.SENT:
            message_id = o.verdict.message_id
            sent.append({"row": row, "at": o.at, "message_id": message_id, "tries": o.attempts})
        elif kind in (Kind.RETRY, Kind.RATE_LIMITED):
            retries.append({"row": row, "due": o.due, "tries": o.attempts, "error": error})
        else:
            failed.append({"row": row, "tries": o.attempts, "error": error})
            if kind is Kind.UNREACHABLE:
                unreachable.append(o)
    for statement, params in ((_SENT, sent), (_RETRY, retries), (_FAILED, failed)):
        if params:
            await connection.execute(statement, params)
    if sent or failed:
        done = [p["row"] for p in (*sent, *failed)]
        await connection.execute(_ERASE_DONE.where(OUTBOX.c.id.in_(done)))
    if unreachable:
        chats = [
            {"chat": o.message.chat_id, "error": o.verdict.error, "horizon": o.message.horizon}
            for o in unreachable
        ]
        await connection.execute(_FAIL_CHAT, chats)
        gone = [o.message.chat_id for o in unreachable]
        await connection.execute(_ERASE_DONE.where(OUTBOX.c.chat_id.in_(gone)))
        people = [{"chat": o.message.chat_id, "at": o.at} for o in unreachable]
        # Groups (negative ids) have no account; the update simply finds none.
        await connection.execute(_MARK_UNREACHABLE, people)
