"""Escalation when a call-out is not full in time: after 10 minutes it widens from the chosen
team to the whole community, after 30 it reminds those who have not answered, after an hour it
tells the leader it is still short. Each wave runs once, even run twice at the same moment or
after the bot was down; a full call-out skips a wave; closing or the deadline ends them. A wave
and a leader's Widen at the same moment ask each newcomer once, with one message."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import CalloutsConfig, EscalationWave
from bot.i18n import Translator
from bot.services.callouts import closing, delivery, escalation, roster
from bot.services.callouts.views import WaveAction, WaveRecord
from models import AuditEntry, Callout
from models.db import Database
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import (
    DISPLAY,
    LEADER,
    LEADER_ID,
    create_and_deliver,
    go,
    messages_to,
    seed_leader,
    states,
    withdraw,
)


async def run_waves(db: Database, clock: FrozenClock) -> list[WaveRecord]:
    """One scheduler tick of the escalation work."""
    async with db.session() as session:
        due = await escalation.due_escalations(session, now=clock.now())
    ran = []
    for callout_id in due:
        async with db.session() as session:
            record = await escalation.run_due_wave(
                session, callout_id=callout_id, now=clock.now(), display=DISPLAY
            )
        if record is not None:
            ran.append(record)
    return ran


async def a_patrol_team_call_out(db: Database, clock: FrozenClock, needed: int = 3) -> int:
    """Two in the patrol team are asked; two more volunteers live in the community."""
    await seed_leader(db, language="en")
    members = [await seed_volunteer(db, n, f"Member {n}", language="en") for n in (1, 2)]
    for n in (3, 4):
        await seed_volunteer(db, n, f"Neighbour {n}", language="en")
    team_id = await seed_team(db, "Patrol team", members)
    callout_id, delivery = await create_and_deliver(
        db, clock.now(), everyone=False, team_ids=(team_id,), needed=needed, title="Flood patrol"
    )
    assert delivery.invited == 2
    return callout_id


async def load(db: Database, callout_id: int) -> Callout:
    async with db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None
        return callout


async def test_still_short_it_widens_then_reminds_then_tells_the_leader(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_patrol_team_call_out(db, clock)

    clock.advance(minutes=9)
    assert await run_waves(db, clock) == []  # not yet
    clock.advance(minutes=1)
    [widened] = await run_waves(db, clock)
    assert (widened.action, widened.count) == (WaveAction.WIDEN, 2)
    assert set(await states(db, callout_id)) == {1, 2, 3, 4}

    await go(db, 1, callout_id, clock)
    clock.advance(minutes=20)
    [reminded] = await run_waves(db, clock)
    assert (reminded.action, reminded.count) == (WaveAction.REMIND, 3)  # all but who answered
    assert sum("we still need your answer" in m for m in await messages_to(db, 3)) == 1

    clock.advance(minutes=30)
    [told] = await run_waves(db, clock)
    assert told.action == WaveAction.TELL_LEADER
    [notice] = [m for m in await messages_to(db, LEADER_ID) if "is still short:" in m]
    assert "1 of 3 confirmed, 2 more needed" in notice

    clock.advance(hours=5)
    assert await run_waves(db, clock) == []  # escalation is over
    callout = await load(db, callout_id)
    assert (callout.wave, callout.next_wave_at) == (3, None)


async def test_the_roster_card_shows_each_wave_and_the_next(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_patrol_team_call_out(db, clock)
    t = Translator("en", DISPLAY.zone)

    async def card_text() -> str:
        async with db.session() as session:
            card = await roster.load_card(session, callout_id)
        return roster.render_card(t, card, DISPLAY.callouts).html

    assert "⏭ Sat 21 Nov, 9:10: ask the whole community, if still short" in await card_text()
    clock.advance(minutes=10)
    await run_waves(db, clock)
    text = await card_text()
    assert "• Sat 21 Nov, 9:10 asked the whole community: 2 more" in text
    assert "⏭ Sat 21 Nov, 9:30: remind those who have not answered, if still short" in text


async def test_a_full_call_out_skips_a_wave_and_a_withdrawal_brings_the_next_back(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_patrol_team_call_out(db, clock, needed=2)
    await go(db, 1, callout_id, clock)
    await go(db, 2, callout_id, clock)

    clock.advance(minutes=10)
    [skipped] = await run_waves(db, clock)
    assert skipped == WaveRecord(WaveAction.WIDEN, clock.now(), 0, skipped=True)
    assert set(await states(db, callout_id)) == {1, 2}  # nobody else was asked

    await withdraw(db, 2, callout_id, "confirmed", clock)
    clock.advance(minutes=20)
    [reminded] = await run_waves(db, clock)
    assert (reminded.action, reminded.skipped) == (WaveAction.REMIND, False)


async def test_a_wave_runs_once_even_when_two_ticks_run_it_at_the_same_moment(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_patrol_team_call_out(db, clock)
    clock.advance(minutes=10)

    async def tick() -> WaveRecord | None:
        async with db.session() as session:
            return await escalation.run_due_wave(
                session, callout_id=callout_id, now=clock.now(), display=DISPLAY
            )

    results = await asyncio.gather(tick(), tick(), tick())
    assert [r.action for r in results if r is not None] == [WaveAction.WIDEN]
    assert await run_waves(db, clock) == []
    async with db.session() as session:
        waves = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "callout.wave"))
        ).all()
    assert [(w.actor_telegram_id, w.detail["step"]) for w in waves] == [(None, "widen")]


async def invitations_to(db: Database, telegram_id: int) -> int:
    return sum("Flood patrol" in m for m in await messages_to(db, telegram_id))


async def test_the_widening_wave_and_the_leaders_widen_at_once_ask_each_newcomer_once(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_patrol_team_call_out(db, clock)
    clock.advance(minutes=10)

    async def wave() -> int:
        async with db.session() as session:
            record = await escalation.run_due_wave(
                session, callout_id=callout_id, now=clock.now(), display=DISPLAY
            )
        return record.count if record is not None else 0

    async def leader_widens() -> int:
        async with db.session() as session:
            return await delivery.widen_to_everyone(
                session, actor=LEADER, callout_id=callout_id, now=clock.now(), display=DISPLAY
            )

    asked = await asyncio.gather(wave(), leader_widens(), leader_widens())

    assert sum(asked) == 2  # the two neighbours, by whichever got there first
    assert set(await states(db, callout_id)) == {1, 2, 3, 4}
    assert [await invitations_to(db, person) for person in (1, 2, 3, 4)] == [1, 1, 1, 1]


async def test_two_widenings_that_do_not_wait_for_each_other_invite_each_newcomer_once(
    db: Database, clock: FrozenClock
) -> None:
    """The call-out asks everyone already; two newcomers signed up since. Two widenings run
    at once without the call-out's lock (a no-op change of ``everyone`` takes none): the
    second reads before the first commits, so both try to invite the newcomers. The
    answer's unique key decides: no error, one invitation and one message each."""
    callout_id = await a_patrol_team_call_out(db, clock)
    async with db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None
        await delivery.widen(session, callout=callout, now=clock.now(), display=DISPLAY)
    for n in (5, 6):
        await seed_volunteer(db, n, f"Newcomer {n}", language="en")
    first_asked = asyncio.Event()

    async def widen(first: bool) -> int:
        if not first:
            await first_asked.wait()
        async with db.session() as session:
            callout = await session.get(Callout, callout_id)
            assert callout is not None
            count = await delivery.widen(session, callout=callout, now=clock.now(), display=DISPLAY)
            if first:  # still uncommitted while the second one asks
                first_asked.set()
                await asyncio.sleep(0.3)
        return count

    asked = await asyncio.gather(widen(True), widen(False))

    assert asked == [2, 0]
    assert set(await states(db, callout_id)) == {1, 2, 3, 4, 5, 6}
    assert [await invitations_to(db, person) for person in (5, 6)] == [1, 1]


async def test_after_the_bot_was_down_each_overdue_wave_runs_once_in_order(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await a_patrol_team_call_out(db, clock)
    clock.advance(hours=2)  # everything fell due while nobody looked

    ran = [await run_waves(db, clock) for _ in range(4)]

    assert [[r.action for r in tick] for tick in ran] == [
        [WaveAction.WIDEN],
        [WaveAction.REMIND],
        [WaveAction.TELL_LEADER],
        [],
    ]
    assert len((await load(db, callout_id)).waves_done) == 3


async def test_closing_or_the_answer_deadline_ends_the_waves(
    db: Database, clock: FrozenClock
) -> None:
    closed_id = await a_patrol_team_call_out(db, clock)
    async with db.session() as session:
        await closing.close_callout(
            session, actor=LEADER, callout_id=closed_id, now=clock.now(), display=DISPLAY
        )
    deadline_id, _ = await create_and_deliver(
        db, clock.now(), response_deadline=clock.now() + timedelta(minutes=5)
    )

    clock.advance(minutes=10)
    assert await run_waves(db, clock) == []
    assert (await load(db, closed_id)).next_wave_at is None
    deadline_passed = await load(db, deadline_id)
    assert (deadline_passed.wave, deadline_passed.next_wave_at) == (0, None)


async def test_the_waves_are_what_the_config_says(db: Database, clock: FrozenClock) -> None:
    settings = CalloutsConfig(waves=[EscalationWave(after_minutes=5, action="tell_leader")])
    display = replace(DISPLAY, callouts=settings)
    await seed_leader(db, language="en")
    callout_id, _ = await create_and_deliver(db, clock.now())
    async with db.session() as session:  # delivered under the default config: due at 10 min
        callout = await session.get(Callout, callout_id)
        assert callout is not None
        callout.next_wave_at = clock.now() + timedelta(minutes=5)

    clock.advance(minutes=5)
    async with db.session() as session:
        record = await escalation.run_due_wave(
            session, callout_id=callout_id, now=clock.now(), display=display
        )
    assert record is not None and record.action == WaveAction.TELL_LEADER
    assert (await load(db, callout_id)).next_wave_at is None  # the only wave
    assert CalloutsConfig(waves=[]).waves == []  # escalation can be turned off
