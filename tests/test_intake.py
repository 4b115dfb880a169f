"""The intake (``bot.intake``): every update is a row before Telegram is told it arrived, is
handled once, keeps no personal data once handled, and what a stop left is handled at the
next start. The crashes themselves are in ``tests/test_e2e_intake_crash.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select
from telegram import Update

from bot import intake
from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from models.callouts import ResponseState
from models.db import Database
from models.intake import IntakeUpdate
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot
from tests.seed_callouts import create, leader_in_telegram, states, volunteer_in_telegram


async def intake_rows(db: Database) -> list[IntakeUpdate]:
    async with db.session() as session:
        return list((await session.exec(select(IntakeUpdate))).all())


async def test_a_press_is_stored_handled_once_and_its_payload_dropped_even_if_sent_again(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en", phone="+8613800000102")
    callout_id = await create(bot.db, clock.now(), needed=3)
    await run_due_work(bot.runtime)
    await alice.expect_message("Call-out for volunteers")

    query_id = await alice.press("✅ I'll go")
    await alice.expect_message("You are going")
    assert (await alice.expect_callback_answer()).text
    (press,) = [u for u in bot.telegram.updates.history if "callback_query" in u]
    (row,) = await intake_rows(bot.db)
    assert row.update_id == press["update_id"]
    assert row.handled_at is not None and row.payload is None  # no name, no phone left

    # Telegram delivers it again (as after a crash before the offset was confirmed).
    polls = len(bot.telegram.find_calls("getUpdates"))
    bot.telegram.updates.redeliver(press)
    await bot.telegram.wait_for(lambda: len(bot.telegram.find_calls("getUpdates")) > polls + 1)
    await asyncio.sleep(0.2)
    answers = bot.telegram.find_calls("answerCallbackQuery")
    assert [a.params["callback_query_id"] for a in answers] == [query_id]  # answered once
    assert await states(bot.db, callout_id) == {alice.id: ResponseState.CONFIRMED}


async def started(bot: RunningBot) -> FakeUser:
    """Alice, who sent /start and was welcomed."""
    alice = bot.user(301, "Alice", language="en")
    await alice.send("/start")
    await alice.expect_message("Sunshine Community")
    return alice


@contextmanager
def statements_on(table: str) -> Iterator[list[str]]:
    """The INSERT and UPDATE statements on ``table`` that any engine runs meanwhile."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split(None, 3)
        if words[:1] == ["UPDATE"] and words[1:2] == [table]:
            seen.append("UPDATE")
        elif words[:3] == ["INSERT", "INTO", table]:
            seen.append("INSERT")

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


async def test_a_batch_of_updates_is_stored_in_one_statement_and_one_sent_again_is_skipped(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    alice = await started(bot)
    await bot.stop()

    # While the bot is down: Telegram delivers the /start again (as after a crash before its
    # offset was confirmed), and Alice sends /help twice. The next getUpdates brings all three.
    (start,) = bot.telegram.updates.history
    bot.telegram.updates.redeliver(start)
    await alice.send("/help")
    await alice.send("/help")
    with statements_on("intake_update") as statements:
        await bot.start()
        await alice.expect_message("/tasks")
        await alice.expect_message("/tasks")
        await bot.telegram.wait_for(lambda: not bot.telegram.updates.pending)
    assert statements.count("INSERT") == 1  # the batch of three, in one transaction
    welcomes = [
        m for m in bot.telegram.world.chat_messages(alice.id, from_bot=True)
        if "Sunshine Community" in (m.html or "")
    ]  # fmt: skip
    assert len(welcomes) == 1  # the /start delivered again was not handled again
    rows = await intake_rows(bot.db)
    assert len(rows) == 3 and all(row.handled_at is not None for row in rows)


async def test_updates_no_handler_consumed_are_marked_handled_together(
    db: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with db.session() as session:
        await intake.store_batch(session, [(n, {"update_id": n}) for n in (1, 2, 3)], now=now)
    process = intake.Intake(db, clock, polling=True)

    async def handle(update_id: int) -> None:  # nothing matched: no handler consumed it
        async with process.handling(Update(update_id)):
            await asyncio.sleep(0)

    with statements_on("intake_update") as statements:
        await asyncio.gather(*(handle(n) for n in (1, 2, 3)))
        await process.stop()
    assert statements == ["UPDATE"]  # one commit for the three
    assert all(row.handled_at is not None for row in await intake_rows(db))


async def test_an_update_stored_but_not_handled_is_handled_at_the_next_start(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    alice = await started(bot)
    (handled,) = await intake_rows(bot.db)
    now = bot.runtime.clock.now()
    await bot.stop()

    # A crash left a /help stored and unhandled (its claim still running: the one polling
    # process takes it anyway, it has no other owner).
    message = dict(bot.telegram.updates.history[0])
    message["update_id"] = handled.update_id + 1
    message["message"] = {**message["message"], "text": "/help", "message_id": 999}
    db = Database(bot.config.database.url)
    async with db.session() as session:
        assert await intake.store(session, update_id=message["update_id"], payload=message, now=now)
    await db.dispose()
    await bot.start()
    await alice.expect_message("/tasks")
    rows = {row.update_id: row for row in await intake_rows(bot.db)}
    assert rows[message["update_id"]].handled_at is not None


async def test_of_two_processes_handling_one_update_only_one_commits(
    db: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with db.session() as session:
        assert await intake.store(session, update_id=7, payload={"update_id": 7}, now=now)
    async with db.session() as session:  # stored again: Telegram sent it twice
        assert not await intake.store(session, update_id=7, payload={"update_id": 7}, now=now)

    async with db.session() as first:
        assert await intake.mark_handled(first, 7, now)
    async with db.session() as second:
        assert not await intake.mark_handled(second, 7, now)


async def test_a_batch_of_presses_consumes_its_updates_in_one_statement_skipping_the_handled(
    db: Database, clock: FrozenClock
) -> None:
    """``consume_all``, as a batch of presses calls it: each update not handled before is
    marked handled in the batch's transaction; one handled elsewhere drops out; one handed to
    the application outside the intake (no ticket), or consumed already here, goes on."""
    now = clock.now()
    async with db.session() as session:
        await intake.store_batch(session, [(n, {"update_id": n}) for n in (1, 2, 3)], now=now)
    async with db.session() as elsewhere:
        assert await intake.mark_handled(elsewhere, 2, now)
    done_here = intake.Ticket(3, consumed=True)
    tickets = [intake.Ticket(1), intake.Ticket(2), None, done_here]

    async with db.session() as session:
        assert await intake.consume_all(session, tickets, now) == [True, False, True, True]
    async with db.session() as session:
        assert await intake.consume_all(session, [intake.Ticket(1)], now) == [False]
    handled = {row.update_id: row.handled_at for row in await intake_rows(db)}
    assert handled[1] is not None and handled[3] is None  # 3 is its handler's to mark


async def test_replicas_sweeping_at_once_each_take_different_updates(
    db: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with db.session() as session:
        for update_id in range(1, 21):
            await intake.store(session, update_id=update_id, payload={"n": update_id}, now=now)
    later = now + intake.CLAIM * 2  # the process that stored them died

    async def sweep() -> list[int]:
        async with db.session() as session:
            taken = await intake.claim_left(session, now=later, everything=False)
        return [update_id for update_id, _ in taken]

    first, second = await asyncio.gather(sweep(), sweep())
    assert sorted(first + second) == list(range(1, 21))
    assert not set(first) & set(second)
    async with db.session() as session:  # claimed now: not expired, nobody else takes them
        assert await intake.claim_left(session, now=later, everything=False) == []
