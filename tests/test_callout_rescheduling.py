"""A leader changes a call-out's time: those who said yes or are waiting are told (in their
language, with their buttons), those who declined or never answered are not, the audit log
keeps the old and the new time; and impossible times are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.errors import DomainError, InvalidInput, NotAllowed
from bot.services.accounts import Actor
from bot.services.callouts import closing, rescheduling
from models import AuditEntry, Role
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
)

NEW_TIME = "New time."


async def test_those_coming_or_waiting_are_told_the_new_time(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    for n, language in ((1, "en"), (2, "zh"), (3, "en"), (4, "en"), (5, "en")):
        await seed_volunteer(db, n, f"V{n}", language=language)
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=2)
    await go(db, 1, callout_id, clock)
    await go(db, 2, callout_id, clock)
    await go(db, 3, callout_id, clock)  # waiting
    await decline(db, 4, callout_id, clock)  # 5 never answers
    start = clock.now() + timedelta(days=2)

    async with db.session() as session:
        done = await rescheduling.change_time(
            session,
            actor=LEADER,
            callout_id=callout_id,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            now=clock.now(),
            display=DISPLAY,
        )

    assert done.told == 3 and done.callout.starts_at == start
    [english] = [m for m in await messages_to(db, 1) if NEW_TIME in m]
    assert "It was Sun 22 Nov, 8:00–12:00" in english  # the date once, no seconds
    assert "Mon 23 Nov, 9:00–12:00" in english
    assert any("时间已更改" in m for m in await messages_to(db, 2))
    assert any("number 1 on the waiting list" in m for m in await messages_to(db, 3))
    for untold in (4, 5):
        assert not any(NEW_TIME in m for m in await messages_to(db, untold))
    async with db.session() as session:
        [logged] = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "callout.change_time"))
        ).all()
    assert logged.detail["old_start"] == "2026-11-22T00:00:00+00:00"
    assert logged.detail["new_start"] == "2026-11-23T01:00:00+00:00"


async def test_impossible_times_and_cancelled_call_outs_are_refused(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    callout_id, _ = await create_and_deliver(db, clock.now())
    now = clock.now()

    async def change(start_in: timedelta, end_in: timedelta, actor: Actor = LEADER) -> None:
        async with db.session() as session:
            await rescheduling.change_time(
                session,
                actor=actor,
                callout_id=callout_id,
                starts_at=now + start_in,
                ends_at=now + end_in,
                now=now,
                display=DISPLAY,
            )

    with pytest.raises(InvalidInput) as backwards:
        await change(timedelta(hours=5), timedelta(hours=4))
    assert backwards.value.key == "callouts.invalid.times"
    with pytest.raises(InvalidInput) as over:
        await change(timedelta(hours=-5), timedelta(hours=-1))
    assert over.value.key == "callouts.invalid.over"
    with pytest.raises(NotAllowed):
        await change(timedelta(hours=1), timedelta(hours=2), Actor(1, "en", Role.VOLUNTEER))
    async with db.session() as session:
        await closing.cancel_callout(
            session, actor=LEADER, callout_id=callout_id, now=now, display=DISPLAY
        )
    with pytest.raises(DomainError) as cancelled:
        await change(timedelta(hours=1), timedelta(hours=2))
    assert cancelled.value.key == "callouts.card.not_open"
