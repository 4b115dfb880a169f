"""I'll go for a batch of presses in one transaction (``group_filling.answer_go_many``): each
presser gets their own outcome and position, exactly as one press after another would, and a
press that may not answer is refused alone, leaving the others' untouched."""

from __future__ import annotations

from sqlmodel import select

from bot.clock import FrozenClock
from bot.errors import NotAsked, NotRegistered, Paused, StaleButton
from bot.services.callouts.buttons import NO_ETA
from bot.services.callouts.filling import Outcome, PressResult
from bot.services.callouts.group_filling import GoRequest, answer_go_many
from models import Callout, CalloutResponse, Volunteer
from models.callouts import ResponseState
from models.db import Database
from tests.seed import seed_volunteer
from tests.seed_callouts import create_and_deliver, decline, go, pause, seed_crowd, seed_leader

STRANGER, UNKNOWN = 9_001, 9_002


async def go_many(
    db: Database, callout_id: int, clock: FrozenClock, presses: list[tuple[int, int]]
) -> list[PressResult | Exception]:
    """(telegram id, eta) pressed in their private chats, handled in one transaction."""
    async with db.session() as session:
        return await answer_go_many(
            session,
            callout_id=callout_id,
            presses=[GoRequest(person, eta, person) for person, eta in presses],
            now=clock.now(),
        )


async def queue_numbers(db: Database, callout_id: int) -> dict[int, tuple[ResponseState, int]]:
    async with db.session() as session:
        rows = await session.exec(
            select(Volunteer.telegram_id, CalloutResponse.state, CalloutResponse.queue_number)
            .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
            .where(CalloutResponse.callout_id == callout_id)
        )
        return {person: (ResponseState(state), number) for person, state, number in rows.all()}


async def test_a_batch_gives_each_presser_their_own_outcome_and_the_refused_spoil_nothing(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    crowd = await seed_crowd(db, 12)
    callout_id, _ = await create_and_deliver(db, clock.now(), needed=5)
    await seed_volunteer(db, STRANGER, "Not asked")  # signed up after the call-out went out
    assert (await go(db, crowd[0], callout_id, clock)).outcome == Outcome.CONFIRMED
    assert (await decline(db, crowd[1], callout_id, clock)).outcome == Outcome.DECLINED
    await pause(db, crowd[2], None)

    results = await go_many(
        db,
        callout_id,
        clock,
        [
            (crowd[0], NO_ETA),  # confirmed already
            (crowd[3], 7),  # an arrival estimate no button offers: forged
            (crowd[1], NO_ETA),  # declined before, changed their mind
            (STRANGER, NO_ETA),
            *((person, NO_ETA) for person in crowd[4:12]),
            (crowd[2], NO_ETA),  # paused
            (UNKNOWN, NO_ETA),  # never signed up
        ],
    )

    told = dict(
        zip(
            [crowd[0], crowd[3], crowd[1], STRANGER, *crowd[4:12], crowd[2], UNKNOWN],
            results,
            strict=True,
        )
    )
    assert isinstance(told[crowd[3]], StaleButton)
    assert isinstance(told[STRANGER], NotAsked) and isinstance(told[crowd[2]], Paused)
    assert isinstance(told[UNKNOWN], NotRegistered)
    again = told[crowd[0]]
    assert isinstance(again, PressResult) and again.outcome == Outcome.ALREADY_CONFIRMED
    # The four free places to the first four who may claim one, in the order given; each saw
    # the count just after their own press.
    for count, person in enumerate([crowd[1], *crowd[4:7]], start=2):
        result = told[person]
        assert isinstance(result, PressResult) and result.outcome == Outcome.CONFIRMED
        assert result.callout.confirmed == count and result.card_stale
    # The rest in the waiting line, in order, each told their own position.
    for position, person in enumerate(crowd[7:12], start=1):
        result = told[person]
        assert isinstance(result, PressResult) and result.outcome == Outcome.WAITING
        assert result.mine.position == position and result.callout.confirmed == 5

    held = await queue_numbers(db, callout_id)
    assert {p for p, (state, _) in held.items() if state == ResponseState.CONFIRMED} == {
        crowd[0],
        crowd[1],
        *crowd[4:7],
    }
    line = sorted((n, p) for p, (state, n) in held.items() if state == ResponseState.WAITING)
    assert [p for _, p in line] == crowd[7:12]
    # The refused left no trace: still only invited (or, for the stranger, not asked at all).
    assert held[crowd[3]] == (ResponseState.INVITED, None)
    assert held[crowd[2]] == (ResponseState.INVITED, None)
    assert STRANGER not in held
    async with db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None and (callout.confirmed, callout.waiting_issued) == (5, 5)

    # A later batch joins the line behind them.
    (late,) = await go_many(db, callout_id, clock, [(crowd[3], NO_ETA)])
    assert isinstance(late, PressResult) and late.outcome == Outcome.WAITING
    assert late.mine.position == 6
