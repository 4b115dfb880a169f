"""Helpers for the outbox tests: volunteers the fake server will deliver to, a seeded outbox,
and a running sender on the real PTB ``Bot`` over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import func, insert
from sqlmodel import select
from telegram import Bot

from bot.clock import Clock
from bot.outbox.queue import PRIORITY_BULK, Outgoing, enqueue
from bot.outbox.quiet import QuietHours
from bot.outbox.sender import OutboxSender, SenderLimits
from models import Account, OutboxMessage, OutboxState
from models.db import Database
from tests.fake_telegram import FakeTelegram, FakeUser

UNLIMITED = SenderLimits(
    global_per_second=10_000, per_chat_per_second=10_000, per_group_per_minute=1_000_000
)
UNSETTLED = (OutboxState.PENDING, OutboxState.SENDING)


def volunteers(server: FakeTelegram, ids: Iterable[int], language: str = "en") -> list[FakeUser]:
    """People who have started the bot, so Telegram lets it write to them."""
    people = []
    for user_id in ids:
        person = server.user(user_id, f"Volunteer {user_id}", language_code=language)
        person.open_chat()
        people.append(person)
    return people


async def add_accounts(db: Database, ids: Iterable[int], now: datetime) -> None:
    rows = [{"telegram_id": i, "language": "en", "created_at": now} for i in ids]
    async with db.engine.begin() as connection:
        await connection.execute(insert(Account), rows)


def call_out(chat_id: int, **kw: object) -> Outgoing:
    """The message a call-out sends one volunteer (its text names them, to check delivery)."""
    kw.setdefault("priority", PRIORITY_BULK)
    kw.setdefault("topic", "callout:1")
    return Outgoing.message(chat_id, f"Flood patrol tonight, volunteer {chat_id}", **kw)  # type: ignore[arg-type]


async def put(db: Database, now: datetime, *messages: Outgoing) -> None:
    async with db.session() as session:
        await enqueue(session, now, messages)


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.session() as session:
        return list((await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all())  # type: ignore[call-overload]


async def unsettled(db: Database) -> int:
    async with db.session() as session:
        query = select(func.count()).where(OutboxMessage.state.in_(UNSETTLED))  # type: ignore[attr-defined]
        return (await session.exec(query)).one()  # type: ignore[call-overload]


async def settled(db: Database, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Wait until nothing is left to send (every row sent or failed)."""
    async with asyncio.timeout(timeout):
        while await unsettled(db):  # noqa: ASYNC110 (the database has no event to wait on)
            await asyncio.sleep(0.05)


@asynccontextmanager
async def running_sender(
    server: FakeTelegram,
    db: Database,
    clock: Clock,
    limits: SenderLimits = UNLIMITED,
    quiet_hours: QuietHours | None = None,
) -> AsyncIterator[OutboxSender]:
    """A started sender on a real ``telegram.Bot`` pointed at the fake server."""
    async with Bot(server.token, base_url=server.base_url) as bot:
        sender = OutboxSender(db, bot, clock, limits, quiet_hours)
        await sender.start()
        try:
            yield sender
        finally:
            await sender.stop()
