"""Reminders before the start ("still coming?"): 24 hours and 1 hour before, to the confirmed
only, each once; not to someone who said yes after a reminder's moment; after the bot was
down only the nearest one; and afresh when the leader changes the time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.clock import FrozenClock
from bot.errors import NotAsked, StaleButton
from bot.services.callouts import departure, reminders, rescheduling
from models import OutboxMessage
from models.db import Database
from tests.seed import seed_volunteer
from tests.seed_callouts import (
    DISPLAY,
    LEADER,
    create_and_deliver,
    decline,
    go,
    messages_to,
    seed_leader,
    withdraw,
)

STILL_COMING = "Are you still coming?"


async def tick(db: Database, clock: FrozenClock) -> int:
    async with db.session() as session:
        return await reminders.send_start_reminders(session, now=clock.now(), display=DISPLAY)


async def reminders_to(db: Database, telegram_id: int) -> list[str]:
    return [m for m in await messages_to(db, telegram_id) if STILL_COMING in m]


async def a_duty_in_30_hours(db: Database, clock: FrozenClock, needed: int = 2) -> int:
    await seed_leader(db)
    for n in (1, 2, 3, 4):
        await seed_volunteer(db, n, f"V{n}", language="en")
    start = clock.now() + timedelta(hours=30)
    callout_id, _ = await create_and_deliver(
        db, clock.now(), starts_at=start, ends_at=start + timedelta(hours=4), needed=needed
    )
    return callout_id


async def test_the_confirmed_are_reminded_a_day_and_an_hour_before_each_once(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_duty_in_30_hours(db, clock)
    await go(db, 1, callout_id, clock)
    await go(db, 2, callout_id, clock)
    await go(db, 3, callout_id, clock)  # waiting
    await decline(db, 4, callout_id, clock)

    clock.advance(hours=5, minutes=59)
    assert await tick(db, clock) == 0
    clock.advance(minutes=1)  # 24 hours before
    assert await tick(db, clock) == 2
    assert await tick(db, clock) == 0  # never twice
    clock.advance(hours=23)  # 1 hour before
    assert await tick(db, clock) == 2
    clock.advance(minutes=30)
    assert await tick(db, clock) == 0

    assert [len(await reminders_to(db, n)) for n in (1, 2, 3, 4)] == [2, 2, 0, 0]
    [first, _] = await reminders_to(db, 1)
    assert "your task starts Sun 22 Nov, 15:00" in first  # in English, in Shanghai time


async def test_whoever_said_yes_after_a_reminders_moment_does_not_get_it(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_duty_in_30_hours(db, clock)
    clock.advance(hours=10)  # the 24-hour reminder's moment has passed
    await go(db, 1, callout_id, clock)
    assert await tick(db, clock) == 0
    clock.advance(hours=19)
    assert await tick(db, clock) == 1  # the hour-before one, yes


async def test_after_the_bot_was_down_only_the_nearest_reminder_goes_out(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_duty_in_30_hours(db, clock)
    await go(db, 1, callout_id, clock)
    clock.advance(hours=29, minutes=30)  # both moments passed while it was down
    assert await tick(db, clock) == 1
    assert await tick(db, clock) == 0
    assert len(await reminders_to(db, 1)) == 1


async def test_a_new_time_starts_the_reminders_afresh(db: Database, clock: FrozenClock) -> None:
    callout_id = await a_duty_in_30_hours(db, clock)
    await go(db, 1, callout_id, clock)
    clock.advance(hours=29)
    assert await tick(db, clock) == 1
    later = clock.now() + timedelta(hours=3)
    async with db.session() as session:
        await rescheduling.change_time(
            session,
            actor=LEADER,
            callout_id=callout_id,
            starts_at=later,
            ends_at=later + timedelta(hours=2),
            now=clock.now(),
            display=DISPLAY,
        )
    assert await tick(db, clock) == 0  # the notice of the new time asked already
    clock.advance(hours=2)
    assert await tick(db, clock) == 1  # an hour before the new start
    assert len(await reminders_to(db, 1)) == 2


async def test_yes_keeps_the_place_and_a_withdrawal_since_is_noticed(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_duty_in_30_hours(db, clock)
    await go(db, 1, callout_id, clock)
    async with db.session() as session:
        still = await reminders.confirm_still_coming(session, telegram_id=1, callout_id=callout_id)
    assert still.confirmed and still.callout.title == "Vaccination duty"

    await withdraw(db, 1, callout_id, "confirmed", clock)
    async with db.session() as session:
        assert not (
            await reminders.confirm_still_coming(session, telegram_id=1, callout_id=callout_id)
        ).confirmed


async def test_yes_on_a_call_out_never_sent_is_refused_without_a_word_about_it(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_duty_in_30_hours(db, clock)
    await seed_volunteer(db, 9, "Late")  # signed up after it was sent
    async with db.session() as session:
        with pytest.raises(NotAsked) as forged:
            await reminders.confirm_still_coming(session, telegram_id=9, callout_id=callout_id)
    assert forged.value.key == StaleButton.key and forged.value.action == "callout.answer"


async def test_after_leaving_the_reminder_loses_its_buttons(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_duty_in_30_hours(db, clock)
    await go(db, 1, callout_id, clock)
    clock.advance(hours=6)  # 24 hours before
    assert await tick(db, clock) == 1
    async with db.session() as session:  # Telegram took it: message 77 in their chat
        await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.chat_id) == 1,
                col(OutboxMessage.payload)["text"].as_string().contains(STILL_COMING),
            )
            .values(sent_message_id=77)
        )
    async with db.session() as session:
        await departure.leave(session, telegram_id=1, now=clock.now(), display=DISPLAY)
    async with db.session() as session:
        edits = (
            await session.exec(
                select(OutboxMessage.payload).where(
                    OutboxMessage.chat_id == 1, OutboxMessage.method == "edit_message_text"
                )
            )
        ).all()
    assert [(edit["message_id"], "reply_markup" in edit) for edit in edits] == [(77, False)]
    assert "You have left Muster" in edits[0]["text"]
