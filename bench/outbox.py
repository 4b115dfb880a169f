"""Benchmark: Muster's outbox sender beside PTB's ``AIORateLimiter``, delivering the same
call-out to the same 3,000 volunteers of the fake Bot API server (in its own process).

* **Ceiling** (the fake's limits off, the sender's pacing off): how fast the sender itself can
  go and the CPU it spends per message, its database bookkeeping included: SQLite, and
  PostgreSQL when a URL is given; beside plain ``bot.send_message`` calls with no outbox, the
  floor that PTB and HTTP cost on this machine.
* **Telegram's limits on** (30/s overall, 1/s per chat, 20/min per group, as the fake enforces
  them): the sender at its default pacing, then a naive broadcaster (``asyncio.gather`` of
  ``bot.send_message``) on an ``ExtBot`` with PTB's ``AIORateLimiter``, default settings and
  ``max_retries=3``: delivered, lost, sustained rate, 429s provoked.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from sqlalchemy import func
from sqlmodel import select
from telegram.ext import AIORateLimiter, ExtBot

from bench.fake_server import FakeServerProcess, recipients
from bench.report import Row
from bench.suite import Options
from bot.clock import SystemClock
from bot.outbox.queue import PRIORITY_BULK, Outgoing, enqueue, keyboard
from bot.outbox.sender import OutboxSender, SenderLimits
from models import OutboxMessage, OutboxState
from models.base import metadata
from models.db import Database

CALL_OUT = (
    "🚨 <b>Flood patrol tonight</b>\n"
    "River bank, compound 3 gate · 20:00–23:00\n"
    "Needed: 50 volunteers (swimming or first aid welcome)\n"
    "Can you come?"
)
BUTTONS = keyboard([[("✅ I'll go", "co:yes:42"), ("❌ Can't go", "co:no:42")]])
NO_LIMITS = SenderLimits(
    global_per_second=1_000_000, per_chat_per_second=1_000_000, per_group_per_minute=1_000_000
)
QUIET_SECONDS = 15.0  # no send for this long: whatever was not delivered is lost


async def run(options: Options) -> list[Row]:
    rows = []
    async with FakeServerProcess(users=options.messages) as server:
        sqlite_url = f"sqlite+aiosqlite:///{options.work / 'bench-outbox.db'}"
        databases = [("sqlite", sqlite_url)]
        if options.postgres_url:
            databases.append(("postgresql", options.postgres_url))
        rows.append(await plain_ptb(server, NO_LIMITS.concurrency, options.messages))
        for name, url in databases:
            row = await outbox_sender(server, url, NO_LIMITS, options.messages)
            rows.append(replace(row, scenario="outbox sender, limits off", database=name))
        await server.limits(telegram=True)
        row = await outbox_sender(server, sqlite_url, SenderLimits(), options.messages)
        rows.append(replace(row, scenario="outbox sender, Telegram's limits", database="sqlite"))
        for retries in (0, 3):
            rows.append(await ptb_rate_limiter(server, retries, options.messages))
    return rows


async def outbox_sender(
    server: FakeServerProcess, url: str, limits: SenderLimits, messages: int
) -> Row:
    """Seed the outbox, then time the sender from its start until every row is settled."""
    db = await _fresh_database(url)
    try:
        await _seed(db, recipients(messages))
        await server.reset()
        async with ExtBot(server.token, base_url=server.base_url) as bot:
            sender = OutboxSender(db, bot, SystemClock(), limits)
            started, cpu = time.perf_counter(), time.process_time()
            await sender.start()
            await server.wait(messages, quiet=QUIET_SECONDS)
            await _settled(db)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            await sender.stop()
        stats = await server.stats()
        lost = messages - await _count(db, OutboxState.SENT)
    finally:
        await db.dispose()
    return _row("outbox sender", messages, stats, seconds, cpu, lost=lost)


async def plain_ptb(server: FakeServerProcess, workers: int, messages: int) -> Row:
    """The reference for the ceiling: ``bot.send_message`` in as many workers as the sender
    has requests in flight, with no outbox at all. The sender's own cost is the difference."""
    await server.reset()
    async with ExtBot(server.token, base_url=server.base_url) as bot:
        chats = iter(recipients(messages))

        async def worker() -> None:
            for chat in chats:
                await bot.send_message(chat, CALL_OUT, parse_mode="HTML", reply_markup=BUTTONS)

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(workers)))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    stats = await server.stats()
    name = f"reference: send_message x{workers}, no outbox"
    return _row(name, messages, stats, seconds, cpu, lost=messages - stats["chats"])


async def ptb_rate_limiter(server: FakeServerProcess, max_retries: int, messages: int) -> Row:
    """A naive broadcaster: every message at once through ``asyncio.gather``, PTB's rate
    limiter doing the pacing."""
    await server.reset()
    limiter = AIORateLimiter(max_retries=max_retries)
    async with ExtBot(server.token, base_url=server.base_url, rate_limiter=limiter) as bot:
        send: Callable[[int], Coroutine[Any, Any, Any]] = lambda chat: bot.send_message(  # noqa: E731
            chat, CALL_OUT, parse_mode="HTML", reply_markup=BUTTONS
        )
        started, cpu = time.perf_counter(), time.process_time()
        results = await asyncio.gather(
            *(send(chat) for chat in recipients(messages)), return_exceptions=True
        )
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    stats = await server.stats()
    errors = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
    note = ", ".join(f"{n} {kind}" for kind, n in errors.most_common())
    settings = "default settings" if max_retries == 0 else f"max_retries={max_retries}"
    name = f"PTB AIORateLimiter, {settings}"
    return _row(name, messages, stats, seconds, cpu, lost=messages - stats["chats"], note=note)


def _row(
    scenario: str,
    messages: int,
    stats: dict[str, Any],
    seconds: float,
    cpu: float,
    *,
    lost: int,
    note: str = "",
) -> Row:
    span = (stats["last"] or 0.0) - (stats["first"] or 0.0)
    return Row(
        scenario=scenario,
        database="-",
        messages=messages,
        delivered=stats["chats"],
        lost=lost,
        duplicates=stats["duplicates"],
        too_many_requests=stats["too_many_requests"],
        seconds=round(seconds, 2),
        rate=round((stats["sends"] - 1) / span, 1) if span > 0 else 0.0,
        cpu_ms_per_message=round(cpu * 1000 / messages, 3),
        note=note,
    )


async def _fresh_database(url: str) -> Database:
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.run_sync(metadata.create_all)
    return db


async def _seed(db: Database, chats: list[int]) -> None:
    now = SystemClock().now()
    for start in range(0, len(chats), 1000):
        batch = [
            Outgoing.message(chat, CALL_OUT, BUTTONS, priority=PRIORITY_BULK, topic="callout:42")
            for chat in chats[start : start + 1000]
        ]
        async with db.session() as session:
            await enqueue(session, now, batch)


async def _count(db: Database, *states: OutboxState) -> int:
    async with db.session() as session:
        query = select(func.count()).where(OutboxMessage.state.in_(states))  # type: ignore[attr-defined]
        return (await session.exec(query)).one()


async def _settled(db: Database) -> None:
    """Every row sent or failed, and recorded so: the sender's work is done."""
    while await _count(db, OutboxState.PENDING, OutboxState.SENDING):  # noqa: ASYNC110
        await asyncio.sleep(0.1)
