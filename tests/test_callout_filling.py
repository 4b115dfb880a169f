"""First come, first served, kept by the database: places, the waiting line, withdrawing and
changing one's mind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.clock import FrozenClock
from bot.errors import NotAsked, NotRegistered, Paused, StaleButton
from bot.services.callouts.filling import Outcome
from models import Account, Callout, CalloutResponse, Volunteer
from models.callouts import ResponseState, Urgency
from models.db import Database
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import (
    create_and_deliver,
    decline,
    go,
    messages_to,
    pause,
    seed_crowd,
    seed_leader,
    set_group_chat,
    states,
    withdraw,
)

TEAM_GROUP, OTHER_GROUP = -100777, -100888


async def confirmed_in_database(db: Database, callout_id: int) -> tuple[int, int]:
    """The call-out's counter and the number of confirmed answers: they must agree."""
    async with db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None
        answers = await session.exec(
            select(func.count())
            .select_from(CalloutResponse)
            .where(
                CalloutResponse.callout_id == callout_id,
                CalloutResponse.state == ResponseState.CONFIRMED,
            )
        )
        return callout.confirmed, answers.one()


async def test_500_volunteers_pressing_for_50_places_leave_exactly_50_confirmed(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    crowd = await seed_crowd(db, 500)
    callout_id, delivery = await create_and_deliver(db, clock.now(), needed=50)
    assert delivery.invited == 500

    results = await asyncio.gather(*(go(db, person, callout_id, clock) for person in crowd))

    confirmed = [r for r in results if r.outcome == Outcome.CONFIRMED]
    waiting = [r for r in results if r.outcome == Outcome.WAITING]
    assert len(confirmed) == 50
    assert len(waiting) == 450
    assert sorted(r.mine.position for r in waiting) == list(range(1, 451))
    assert await confirmed_in_database(db, callout_id) == (50, 50)


async def test_30_presses_at_once_for_10_places_each_get_their_own_outcome_and_place(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    crowd = await seed_crowd(db, 30)
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=10)

    results = await asyncio.gather(*(go(db, person, callout_id, clock) for person in crowd))

    told = dict(zip(crowd, results, strict=True))
    async with db.session() as session:
        rows = await session.exec(
            select(Volunteer.telegram_id, CalloutResponse.state, CalloutResponse.queue_number)
            .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
            .where(CalloutResponse.callout_id == callout_id)
        )
        answers = {person: (state, number) for person, state, number in rows.all()}
    confirmed = {p for p, (state, _) in answers.items() if state == ResponseState.CONFIRMED}
    line = sorted((n, p) for p, (state, n) in answers.items() if state == ResponseState.WAITING)
    # Exactly the places filled, no more; everyone else in the line, in one order.
    assert len(confirmed) == 10 and len(line) == 20
    assert await confirmed_in_database(db, callout_id) == (10, 10)
    # Each presser was told what the database holds for them: their place, or their own
    # number in the line; and each saw the count as it was just after their own press.
    for person in confirmed:
        assert told[person].outcome == Outcome.CONFIRMED
        assert told[person].mine.state == ResponseState.CONFIRMED
    for position, (_, person) in enumerate(line, start=1):
        assert told[person].outcome == Outcome.WAITING
        assert told[person].mine.position == position
        assert told[person].callout.confirmed == 10
    assert sorted(told[p].callout.confirmed for p in confirmed) == list(range(1, 11))
    assert all(told[p].card_stale for p in crowd)  # the leader's card is to follow


async def test_the_database_itself_refuses_more_confirmed_than_needed(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=2)
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            await session.exec(update(Callout).where(Callout.id == callout_id).values(confirmed=3))


async def test_pressing_twice_is_harmless_and_answered(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=5)

    first = await go(db, 1, callout_id, clock)
    second = await go(db, 1, callout_id, clock)

    assert first.outcome == Outcome.CONFIRMED
    assert second.outcome == Outcome.ALREADY_CONFIRMED
    assert await confirmed_in_database(db, callout_id) == (1, 1)


async def test_an_arrival_estimate_is_kept_and_can_be_changed(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang")
    callout_id, _ = await create_and_deliver(db, clock.now(), urgency=Urgency.EMERGENCY)

    first = await go(db, 1, callout_id, clock, eta=30)
    changed = await go(db, 1, callout_id, clock, eta=15)

    assert (first.outcome, first.mine.eta_minutes) == (Outcome.CONFIRMED, 30)
    assert (changed.outcome, changed.mine.eta_minutes) == (Outcome.ETA_UPDATED, 15)
    with pytest.raises(StaleButton):  # forged: not one of the offered estimates
        await go(db, 1, callout_id, clock, eta=999)


async def test_a_withdrawal_promotes_the_first_in_line_and_tells_them_in_their_language(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang", language="zh")
    await seed_volunteer(db, 2, "Alice", language="en")
    await seed_volunteer(db, 3, "Li", language="zh")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=1)
    await go(db, 1, callout_id, clock)
    assert (await go(db, 2, callout_id, clock)).mine.position == 1
    assert (await go(db, 3, callout_id, clock)).mine.position == 2

    result = await withdraw(db, 1, callout_id, "confirmed", clock)

    assert result.outcome == Outcome.WITHDRAWN
    assert await states(db, callout_id) == {
        1: ResponseState.WITHDRAWN,
        2: ResponseState.CONFIRMED,
        3: ResponseState.WAITING,
    }
    assert "A place opened up" in (await messages_to(db, 2))[-1]
    assert (await go(db, 3, callout_id, clock)).mine.position == 1  # moved up the line
    assert await confirmed_in_database(db, callout_id) == (1, 1)


async def test_a_place_is_never_given_to_someone_who_blocked_the_bot(
    db: Database, clock: FrozenClock
) -> None:
    """Needed 1: Wang goes; Alice, first in line, blocks the bot; Li is second. When Wang
    withdraws, the place goes to Li (who can be told), and Alice keeps her turn."""
    await seed_leader(db)
    for telegram_id, name in ((1, "Wang"), (2, "Alice"), (3, "Li")):
        await seed_volunteer(db, telegram_id, name, language="en")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=1)
    for telegram_id in (1, 2, 3):
        await go(db, telegram_id, callout_id, clock)
    async with db.session() as session:
        await session.exec(
            update(Account).where(Account.telegram_id == 2).values(unreachable_at=clock.now())
        )

    await withdraw(db, 1, callout_id, "confirmed", clock)

    assert await states(db, callout_id) == {
        1: ResponseState.WITHDRAWN,
        2: ResponseState.WAITING,
        3: ResponseState.CONFIRMED,
    }


async def test_an_old_withdraw_button_does_nothing_once_the_answer_changed(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang")
    await seed_volunteer(db, 2, "Li")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=1)
    await go(db, 1, callout_id, clock)
    await go(db, 2, callout_id, clock)  # waiting
    await withdraw(db, 1, callout_id, "confirmed", clock)  # Li is promoted

    stale = await withdraw(db, 2, callout_id, "waiting", clock)  # Li's old "leave the line"

    assert stale.outcome == Outcome.ANSWER_CHANGED
    assert (await states(db, callout_id))[2] == ResponseState.CONFIRMED


async def test_a_declined_volunteer_can_change_their_mind_while_places_are_open(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang")
    await seed_volunteer(db, 2, "Li")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=1)

    assert (await decline(db, 1, callout_id, clock)).outcome == Outcome.DECLINED
    assert (await decline(db, 1, callout_id, clock)).outcome == Outcome.ALREADY_DECLINED
    assert (await go(db, 1, callout_id, clock)).outcome == Outcome.CONFIRMED

    await decline(db, 2, callout_id, clock)
    late = await go(db, 2, callout_id, clock)  # the one place is taken now
    assert (late.outcome, late.mine.position) == (Outcome.WAITING, 1)


async def test_cant_go_from_the_waiting_line_leaves_it(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    for person in (1, 2, 3):
        await seed_volunteer(db, person, f"V{person}")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=1)
    for person in (1, 2, 3):
        await go(db, person, callout_id, clock)

    left = await decline(db, 2, callout_id, clock)

    assert left.outcome == Outcome.LEFT_WAITING
    assert (await go(db, 3, callout_id, clock)).mine.position == 1


async def test_cant_go_on_an_old_message_never_drops_a_confirmed_place(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang")
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=3)
    await go(db, 1, callout_id, clock)

    result = await decline(db, 1, callout_id, clock)

    assert result.outcome == Outcome.USE_WITHDRAW
    assert (await states(db, callout_id))[1] == ResponseState.CONFIRMED


async def test_as_many_as_possible_confirms_everyone(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    crowd = await seed_crowd(db, 30)
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=None)

    results = await asyncio.gather(*(go(db, person, callout_id, clock) for person in crowd))

    assert {r.outcome for r in results} == {Outcome.CONFIRMED}
    assert await confirmed_in_database(db, callout_id) == (30, 30)


async def test_someone_not_asked_can_still_answer_for_themselves_in_the_team_group(
    db: Database, clock: FrozenClock
) -> None:
    """A volunteer outside the targeted team, pressing in the team's group chat where the
    call-out was posted: anyone there answers for themselves."""
    await seed_leader(db)
    team = await seed_team(db, "Patrol")  # nobody in it: only the group is asked
    await set_group_chat(db, team, TEAM_GROUP)
    callout_id, delivery = await create_and_deliver(
        db, clock.now(), needed=3, everyone=False, team_ids=(team,)
    )
    assert delivery.invited == 0
    await seed_volunteer(db, 1, "Wang")

    assert (await go(db, 1, callout_id, clock, chat_id=TEAM_GROUP)).outcome == Outcome.CONFIRMED


async def test_a_press_counts_only_from_someone_the_call_out_reached(
    db: Database, clock: FrozenClock
) -> None:
    """Not sent it, pressed in a group it was not posted in, or paused: refused, nothing
    changes, and the refusal says nothing about the call-out (the paused are told they are)."""
    await seed_leader(db)
    asked, resting = await seed_volunteer(db, 1, "Wang"), await seed_volunteer(db, 3, "Chen")
    await seed_volunteer(db, 2, "Li")  # not in the team: never sent it
    team = await seed_team(db, "Patrol", [asked, resting])
    await set_group_chat(db, team, TEAM_GROUP)
    callout_id, delivery = await create_and_deliver(
        db, clock.now(), needed=1, everyone=False, team_ids=(team,), post_in_team_groups=False
    )
    assert delivery.invited == 2
    await pause(db, 3, until=None)

    for press in (
        go(db, 2, callout_id, clock),  # never sent it
        decline(db, 2, callout_id, clock),
        go(db, 2, callout_id, clock, chat_id=TEAM_GROUP),  # not posted in the group
        go(db, 2, callout_id, clock, chat_id=OTHER_GROUP),
        withdraw(db, 2, callout_id, "confirmed", clock),  # no answer to take back
    ):
        with pytest.raises(NotAsked) as refused:
            await press
        assert (refused.value.key, refused.value.action) == (StaleButton.key, "callout.answer")
    # Sent it, but paused since: refused too, and told why (it is their own call-out).
    for press in (go(db, 3, callout_id, clock), decline(db, 3, callout_id, clock)):
        with pytest.raises(Paused) as paused:
            await press
        assert (paused.value.key, paused.value.action) == (
            "callouts.toast.paused",
            "callout.answer",
        )

    assert await states(db, callout_id) == {1: ResponseState.INVITED, 3: ResponseState.INVITED}
    assert await confirmed_in_database(db, callout_id) == (0, 0)
    assert (await go(db, 1, callout_id, clock)).outcome == Outcome.CONFIRMED


async def test_strangers_are_told_to_sign_up(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    callout_id, _ = await create_and_deliver(db, clock.now())
    with pytest.raises(NotRegistered):
        await go(db, 424242, callout_id, clock)


async def test_a_call_out_that_has_ended_takes_no_more_answers(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang")
    callout_id, _ = await create_and_deliver(db, clock.now())
    clock.advance(timedelta(days=2))

    assert (await go(db, 1, callout_id, clock)).outcome == Outcome.OVER
    assert (await states(db, callout_id))[1] == ResponseState.INVITED
