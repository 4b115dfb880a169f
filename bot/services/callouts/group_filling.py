"""I'll go for many at once: the presses on one call-out that arrived together, decided in
one transaction (group commit, ``handlers.press_batches``).

Each press gets what it would have got alone, in the order given: the first ones the free
places, the rest the next numbers of the waiting line. The statements are per batch, not per
press: the call-out locked once, the pressers and their answers read in one query, the
places and numbers taken by one compare-and-set of the call-out's counts (read under its
lock, backed by the table's CHECK), the new answers written in one insert and the changed
ones in one update. A press that may not answer (not signed up, not reached, paused, a
forged arrival estimate) is refused on its own, before anything is written for it, and
spoils nothing for the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, case, insert, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.errors import DomainError, NotAsked, NotRegistered, Paused, StaleButton
from bot.services.callouts.clashes import clashes_of
from bot.services.callouts.filling import (
    TAKES_A_PLACE,
    Outcome,
    PressResult,
    eta_minutes_of,
    locked_callout,
    waiting_position,
    write,
)
from bot.services.callouts.views import CalloutView, MyAnswer
from bot.services.lifecycle import available_for_callouts
from models import Callout, CalloutResponse, Team, Volunteer
from models.callouts import CalloutStatus, ResponseState


@dataclass(frozen=True)
class GoRequest:
    """One I'll go press: who, the arrival estimate on the button, the chat it was pressed in."""

    telegram_id: int
    eta: int
    chat_id: int


@dataclass(frozen=True)
class _Answer:
    """A presser's answer as read (plain values: no ORM object per press)."""

    id: int
    state: ResponseState
    queue_number: int | None
    eta_minutes: int | None


@dataclass(frozen=True)
class _Presser:
    volunteer_id: int
    eta_minutes: int | None
    response: _Answer | None


async def answer_go_many(
    session: AsyncSession,
    *,
    callout_id: int,
    presses: Sequence[GoRequest],
    now: datetime,
) -> list[PressResult | DomainError]:
    """``filling.answer_go`` for each press, in order, in this one transaction: a result, or
    the refusal of that press alone. Each telegram id at most once in a batch."""
    callout = await locked_callout(session, callout_id)
    found = await _pressers(session, callout, presses, now)
    view = CalloutView.of(callout)
    results: list[PressResult | DomainError | None] = []
    claimers: list[tuple[int, _Presser]] = []
    for index, presser in enumerate(found):
        if isinstance(presser, DomainError):
            results.append(presser)
        elif _holds_one(presser.response):
            results.append(await _already_in(session, callout, view, presser))
        elif callout.status != CalloutStatus.OPEN:
            results.append(await _unchanged(session, Outcome.NOT_OPEN, callout, view, presser))
        elif as_utc(callout.ends_at) <= now:
            results.append(await _unchanged(session, Outcome.OVER, callout, view, presser))
        else:
            results.append(None)
            claimers.append((index, presser))
    if claimers:
        for index, result in await _claim_all(session, callout, claimers, now):
            results[index] = result
    return [result for result in results if result is not None]


async def _pressers(
    session: AsyncSession, callout: Callout, presses: Sequence[GoRequest], now: datetime
) -> list[_Presser | DomainError]:
    """Each presser as ``filling.answering_volunteer`` finds them, with their answer, read for
    the whole batch in one query (and one more for the group chats pressed in)."""
    ids = [press.telegram_id for press in presses]
    rows = await session.exec(
        select(  # type: ignore[call-overload]  # SQLModel's select() is typed up to 4 columns
            Volunteer.telegram_id,
            Volunteer.id,
            case((available_for_callouts(now), True), else_=False),
            CalloutResponse.id,
            CalloutResponse.state,
            CalloutResponse.queue_number,
            CalloutResponse.eta_minutes,
        )
        .outerjoin(
            CalloutResponse,
            and_(
                CalloutResponse.callout_id == callout.id,
                CalloutResponse.volunteer_id == Volunteer.id,
            ),
        )
        .where(col(Volunteer.telegram_id).in_(ids), col(Volunteer.left_at).is_(None))
    )
    by_id = {
        telegram_id: (
            vid,
            bool(ok),
            None if rid is None else _Answer(rid, ResponseState(state), number, eta),
        )
        for telegram_id, vid, ok, rid, state, number, eta in rows.all()
    }
    groups = await _groups_reached(session, callout, presses)
    found: list[_Presser | DomainError] = []
    for press in presses:
        try:
            eta = eta_minutes_of(press.eta)
        except StaleButton as error:
            found.append(error)
            continue
        row = by_id.get(press.telegram_id)
        if row is None:
            found.append(NotRegistered())
            continue
        volunteer_id, available, response = row
        private = press.chat_id == press.telegram_id
        reached = response is not None if private else press.chat_id in groups
        if not reached:
            found.append(NotAsked("callout.answer"))
            continue
        if not available:  # their own call-out: they are told why, and how to come back
            found.append(Paused("callout.answer"))
            continue
        found.append(_Presser(volunteer_id, eta, response))
    return found


async def _groups_reached(
    session: AsyncSession, callout: Callout, presses: Sequence[GoRequest]
) -> set[int]:
    """Of the group chats pressed in, those the call-out was posted in (its teams' groups)."""
    chats = {press.chat_id for press in presses if press.chat_id != press.telegram_id}
    if not chats or not callout.post_in_team_groups or not callout.team_ids:
        return set()
    rows = await session.exec(
        select(Team.group_chat_id).where(
            Team.id.in_(list(callout.team_ids)), Team.group_chat_id.in_(list(chats))
        )
    )
    return {chat for chat in rows.all() if chat is not None}


def _holds_one(response: _Answer | None) -> bool:
    return response is not None and response.state in (
        ResponseState.CONFIRMED,
        ResponseState.WAITING,
    )


async def _already_in(
    session: AsyncSession, callout: Callout, view: CalloutView, presser: _Presser
) -> PressResult:
    """Pressed I'll go again: harmless; a new arrival estimate is kept (as alone)."""
    response = presser.response
    assert response is not None
    confirmed = response.state == ResponseState.CONFIRMED
    outcome = Outcome.ALREADY_CONFIRMED if confirmed else Outcome.ALREADY_WAITING
    eta = presser.eta_minutes
    if eta is not None and eta != response.eta_minutes:
        await write(
            session,
            update(CalloutResponse)
            .where(CalloutResponse.id == response.id)
            .values(eta_minutes=eta),
        )
        response = replace(response, eta_minutes=eta)
        outcome = Outcome.ETA_UPDATED if confirmed else outcome
    return PressResult(outcome, view, await _mine(session, callout, response))


async def _unchanged(
    session: AsyncSession, outcome: Outcome, callout: Callout, view: CalloutView, presser: _Presser
) -> PressResult:
    return PressResult(outcome, view, await _mine(session, callout, presser.response))


async def _mine(session: AsyncSession, callout: Callout, response: _Answer | None) -> MyAnswer:
    """As ``filling.my_answer``, from the answer as read."""
    if response is None:
        return MyAnswer(None)
    position = None
    if response.state == ResponseState.WAITING and response.queue_number is not None:
        assert callout.id is not None
        position = await waiting_position(session, callout.id, response.queue_number)
    return MyAnswer(response.state, response.eta_minutes, position)


async def _claim_all(
    session: AsyncSession,
    callout: Callout,
    claimers: list[tuple[int, _Presser]],
    now: datetime,
) -> list[tuple[int, PressResult]]:
    """The free places to the first claimers, numbers in the waiting line to the rest: one
    compare-and-set of the call-out's counts, then the answers."""
    seen_confirmed, seen_issued = callout.confirmed, callout.waiting_issued
    free = len(claimers) if callout.needed is None else max(0, callout.needed - seen_confirmed)
    taken = min(len(claimers), free)
    counted = (
        await write(
            session,
            update(Callout)
            .where(
                Callout.id == callout.id,
                Callout.status == CalloutStatus.OPEN,
                Callout.confirmed == seen_confirmed,
                Callout.waiting_issued == seen_issued,
            )
            .values(
                confirmed=Callout.confirmed + taken,
                waiting_issued=Callout.waiting_issued + (len(claimers) - taken),
                revision=Callout.revision + 1,
            )
            .returning(Callout.confirmed),
        )
    ).first()
    if counted is None:  # cannot happen under the lock; the batch is redone press by press
        raise StaleButton()
    answers = [
        _answer(presser, None if n < taken else seen_issued + n - taken + 1, now)
        for n, (_, presser) in enumerate(claimers)
    ]
    await _write_answers(session, callout, claimers, answers)
    ahead = 0  # those waiting before this batch
    if taken < len(claimers):
        assert callout.id is not None
        ahead = await waiting_position(session, callout.id, seen_issued)
    view = CalloutView.of(callout)
    results = []
    for n, (index, presser) in enumerate(claimers):
        if n < taken:
            mine = MyAnswer(ResponseState.CONFIRMED, presser.eta_minutes)
            found = await clashes_of(
                session, volunteer_id=presser.volunteer_id, callout_id=view.id, now=now
            )
            result = PressResult(
                Outcome.CONFIRMED,
                replace(view, confirmed=seen_confirmed + n + 1),
                mine,
                tuple(found),
                card_stale=True,
            )
        else:
            mine = MyAnswer(ResponseState.WAITING, presser.eta_minutes, ahead + n - taken + 1)
            result = PressResult(
                Outcome.WAITING, replace(view, confirmed=counted[0]), mine, card_stale=True
            )
        results.append((index, result))
    return results


def _answer(presser: _Presser, queue_number: int | None, now: datetime) -> dict[str, object]:
    state = ResponseState.CONFIRMED if queue_number is None else ResponseState.WAITING
    return {
        "volunteer_id": presser.volunteer_id,
        "state": state,
        "waiting_since": None if queue_number is None else now,
        "queue_number": queue_number,
        "responded_at": now,
        "eta_minutes": presser.eta_minutes,
        "promoted_at": None,
    }


async def _write_answers(
    session: AsyncSession,
    callout: Callout,
    claimers: list[tuple[int, _Presser]],
    answers: list[dict[str, object]],
) -> None:
    """New answers in one insert; answers moved on from invited / declined / withdrawn in one
    update, conditional on still being one of those (else the batch is redone alone)."""
    new = [
        {"callout_id": callout.id, **answer}
        for (_, presser), answer in zip(claimers, answers, strict=True)
        if presser.response is None
    ]
    if new:
        await session.exec(insert(CalloutResponse), params=new)
    moved = {
        presser.response.id: answer
        for (_, presser), answer in zip(claimers, answers, strict=True)
        if presser.response is not None
    }
    if not moved:
        return
    by_id = CalloutResponse.id

    def per_answer(name: str) -> object:
        """This column's value for each answer (typed as the column, for PostgreSQL)."""
        column = getattr(CalloutResponse, name)
        whens = {rid: literal(answer[name], column.type) for rid, answer in moved.items()}
        return case(whens, value=by_id, else_=column)

    changed = await write(
        session,
        update(CalloutResponse)
        .where(by_id.in_(list(moved)), CalloutResponse.state.in_(TAKES_A_PLACE))
        .values(
            state=per_answer("state"),
            queue_number=per_answer("queue_number"),
            waiting_since=per_answer("waiting_since"),
            eta_minutes=per_answer("eta_minutes"),
            responded_at=answers[0]["responded_at"],
            promoted_at=None,
        ),
    )
    if changed.rowcount != len(moved):
        raise StaleButton()
