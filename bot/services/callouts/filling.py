"""I'll go / Can't go / Withdraw: first come, first served, enforced by the database.

A place is taken by one conditional UPDATE (``confirmed + 1`` only while open and short of
``needed``), backed by the table's CHECK (``confirmed <= needed``) and the unique answer per
volunteer; nothing is decided by reading a count into Python and writing it back.

Every change of an answer first touches the call-out's row (``revision + 1``). That takes the
row's lock on PostgreSQL (READ COMMITTED) and is the write lock on SQLite (BEGIN IMMEDIATE), so
changes of one call-out's answers happen one after another: the waiting line's numbers are
handed out in order, a freed place goes to the first in line, and since everything locks the
call-out before any answer row, two changes never wait for each other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    or_,
    update,
)
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.errors import NotAsked, NotFound, NotRegistered, Paused, StaleButton
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.services.callouts import roster
from bot.services.callouts.buttons import ETA_CHOICES, NO_ETA
from bot.services.callouts.clashes import Clash, clashes_of
from bot.services.callouts.views import (
    CalloutView,
    Display,
    MyAnswer,
    clash_question,
    personal_message,
)
from bot.services.lifecycle import (
    available_for_callouts,
    registered_volunteer_id,
    signed_up_as,
)
from models import Account, Callout, CalloutResponse, Team, Volunteer
from models.callouts import CalloutStatus, ResponseState
from models.db import locked_row

TAKES_A_PLACE = (ResponseState.INVITED, ResponseState.DECLINED, ResponseState.WITHDRAWN)


class Outcome(StrEnum):
    """What a press did; each has a short answer ``callouts.toast.<outcome>``."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    LEFT_WAITING = "left_waiting"
    ALREADY_CONFIRMED = "already_confirmed"
    ETA_UPDATED = "eta_updated"
    ALREADY_WAITING = "already_waiting"
    ALREADY_DECLINED = "already_declined"
    USE_WITHDRAW = "use_withdraw"  # "Can't go" on an old message from someone confirmed
    ANSWER_CHANGED = "answer_changed"  # an old Withdraw button: their answer has moved on
    NOT_OPEN = "not_open"
    OVER = "over"


@dataclass(frozen=True)
class PressResult:
    outcome: Outcome
    callout: CalloutView
    mine: MyAnswer
    clashes: tuple[Clash, ...] = ()  # confirmed elsewhere at the same time (see ``clashes``)
    card_stale: bool = False  # the leader's roster card no longer shows the answers

    @property
    def changed(self) -> bool:
        return self.outcome in (
            Outcome.CONFIRMED,
            Outcome.WAITING,
            Outcome.DECLINED,
            Outcome.WITHDRAWN,
            Outcome.LEFT_WAITING,
            Outcome.ETA_UPDATED,
        )


# -- the three presses ---------------------------------------------------------------------


async def answer_go(
    session: AsyncSession,
    *,
    telegram_id: int,
    callout_id: int,
    eta: int,
    now: datetime,
    chat_id: int,
) -> PressResult:
    """I'll go: a place if one is free, else the end of the waiting line. ``chat_id`` is
    the chat the button was pressed in (see ``answering_volunteer``). Only decides: the
    call-out's row moves on (``revision``), which is what marks the leader's card stale for
    the card refresher; the caller renders the volunteer's view from the result."""
    eta_minutes = eta_minutes_of(eta)
    callout = await locked_callout(session, callout_id)
    volunteer_id = await answering_volunteer(session, telegram_id, callout, chat_id, now)
    response = await response_of(session, callout_id, volunteer_id)
    if response is not None and response.state in (ResponseState.CONFIRMED, ResponseState.WAITING):
        return await _already_in(session, callout, response, eta_minutes)
    if callout.status != CalloutStatus.OPEN:
        return await _result(session, Outcome.NOT_OPEN, callout_id, response)
    if as_utc(callout.ends_at) <= now:
        return await _result(session, Outcome.OVER, callout_id, response)
    claim = await _claim(session, callout_id)
    if claim is None:
        return await _result(session, Outcome.NOT_OPEN, callout_id, response)
    if claim.queue_number is None:
        changes: dict[str, object] = {"state": ResponseState.CONFIRMED, "waiting_since": None}
    else:
        changes = {"state": ResponseState.WAITING, "waiting_since": now}
    changes |= {
        "queue_number": claim.queue_number,
        "responded_at": now,
        "eta_minutes": eta_minutes,
        "promoted_at": None,
    }
    expected = ResponseState(response.state) if response else None
    await _set_answer(session, callout_id, volunteer_id, expected, changes)
    view = replace(CalloutView.of(callout), confirmed=claim.confirmed)
    if claim.queue_number is not None:
        position = await waiting_position(session, callout_id, claim.queue_number)
        mine = MyAnswer(ResponseState.WAITING, eta_minutes, position)
        return PressResult(Outcome.WAITING, view, mine, card_stale=True)
    found = await clashes_of(session, volunteer_id=volunteer_id, callout_id=callout_id, now=now)
    mine = MyAnswer(ResponseState.CONFIRMED, eta_minutes)
    return PressResult(Outcome.CONFIRMED, view, mine, tuple(found), card_stale=True)


async def keep_one(
    session: AsyncSession,
    telegram_id: int,
    *,
    keep_id: int,
    drop_id: int,
    now: datetime,
    display: Display,
) -> PressResult:
    """Of two clashing call-outs the volunteer keeps ``keep_id``: their confirmed place on
    ``drop_id`` is withdrawn as a Withdraw press would (the first in line gets it, the leader
    is told). Once that answer has moved on, the withdraw path says so."""
    if keep_id == drop_id:
        raise StaleButton()
    return await withdraw(
        session,
        telegram_id=telegram_id,
        callout_id=drop_id,
        was=ResponseState.CONFIRMED.value,
        now=now,
        display=display,
    )


async def answer_decline(
    session: AsyncSession,
    *,
    telegram_id: int,
    callout_id: int,
    now: datetime,
    chat_id: int,
) -> PressResult:
    """Can't go. From the waiting line it means leaving it; a confirmed volunteer is pointed
    to Withdraw instead (an old message's button never drops a confirmed place). Locking the
    call-out marks its card stale, as with I'll go."""
    callout = await locked_callout(session, callout_id)
    volunteer_id = await answering_volunteer(session, telegram_id, callout, chat_id, now)
    response = await response_of(session, callout_id, volunteer_id)
    state = ResponseState(response.state) if response else None
    if state == ResponseState.CONFIRMED:
        return await _result(session, Outcome.USE_WITHDRAW, callout_id, response)
    if state == ResponseState.DECLINED:
        return await _result(session, Outcome.ALREADY_DECLINED, callout_id, response)
    if callout.status != CalloutStatus.OPEN or not await _lock_open(session, callout_id):
        return await _result(session, Outcome.NOT_OPEN, callout_id, response)
    changes = {
        "state": ResponseState.DECLINED,
        "responded_at": now,
        "queue_number": None,
        "waiting_since": None,
        "eta_minutes": None,
    }
    await _set_answer(session, callout_id, volunteer_id, state, changes)
    outcome = Outcome.LEFT_WAITING if state == ResponseState.WAITING else Outcome.DECLINED
    result = await _result(
        session, outcome, callout_id, await response_of(session, callout_id, volunteer_id)
    )
    return replace(result, card_stale=True)


async def withdraw(
    session: AsyncSession,
    *,
    telegram_id: int,
    callout_id: int,
    was: str,
    now: datetime,
    display: Display,
) -> PressResult:
    """Take a confirmed place back (the first in line gets it, and is told) or leave the
    waiting line. ``was`` is the answer the button was shown for. Only someone who answered
    has an answer to take back (a paused volunteer too: the places they kept are theirs)."""
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    response = await response_of(session, callout_id, volunteer_id)
    if response is None:
        raise NotAsked("callout.answer")
    callout = await locked_callout(session, callout_id)
    state = ResponseState(response.state)
    if state not in (ResponseState.CONFIRMED, ResponseState.WAITING) or state != was:
        return await _result(session, Outcome.ANSWER_CHANGED, callout_id, response)
    if callout.status == CalloutStatus.CANCELLED:
        return await _result(session, Outcome.NOT_OPEN, callout_id, response)
    await _take_off(session, callout_id, volunteer_id, state, now, display)
    outcome = Outcome.WITHDRAWN if state == ResponseState.CONFIRMED else Outcome.LEFT_WAITING
    result = await _result(
        session, outcome, callout_id, await response_of(session, callout_id, volunteer_id)
    )
    return replace(result, card_stale=True)


async def _take_off(
    session: AsyncSession,
    callout_id: int,
    volunteer_id: int,
    state: ResponseState,
    now: datetime,
    display: Display,
) -> None:
    """The one withdraw path: the answer (read as ``state``) becomes withdrawn; a confirmed
    place goes to the first in line, who is told, and so is the leader. Locking the call-out
    marks its card stale (the card refresher follows)."""
    await lock_callout(session, callout_id)
    changes = {
        "state": ResponseState.WITHDRAWN,
        "responded_at": now,
        "queue_number": None,
        "waiting_since": None,
    }
    await _set_answer(session, callout_id, volunteer_id, state, changes)
    if state == ResponseState.CONFIRMED:
        await write(
            session,
            update(Callout).where(Callout.id == callout_id).values(confirmed=Callout.confirmed - 1),
        )
        await promote_first_waiting(session, callout_id, now, display)
        await roster.tell_leader_of_changes(session, callout_id, now, display)


# -- every place at once (leaving, pausing) ------------------------------------------------


@dataclass(frozen=True)
class HeldPlace:
    """A place a volunteer holds: confirmed, or in the waiting line, of a call-out that has
    neither ended nor been cancelled."""

    callout_id: int
    title: str
    starts_at: datetime
    state: ResponseState


async def places_held(
    session: AsyncSession, *, volunteer_id: int, now: datetime
) -> list[HeldPlace]:
    rows = await session.exec(
        select(Callout.id, Callout.title, Callout.starts_at, CalloutResponse.state)
        .join(CalloutResponse, CalloutResponse.callout_id == Callout.id)
        .where(
            CalloutResponse.volunteer_id == volunteer_id,
            CalloutResponse.state.in_([ResponseState.CONFIRMED, ResponseState.WAITING]),
            Callout.status != CalloutStatus.CANCELLED,
            Callout.ends_at > now,
        )
        .order_by(Callout.starts_at, Callout.id)
    )
    return [
        HeldPlace(callout_id, title, as_utc(starts_at), ResponseState(state))
        for callout_id, title, starts_at, state in rows.all()
        if callout_id is not None
    ]


async def give_up_places(
    session: AsyncSession, *, volunteer_id: int, now: datetime, display: Display
) -> list[HeldPlace]:
    """Withdraw from every place held, as a Withdraw press would (the next in line promoted
    and told, each card brought up to date). Call-outs are locked in id order, so two of these
    never wait for each other in a circle."""
    places = await places_held(session, volunteer_id=volunteer_id, now=now)
    for place in sorted(places, key=lambda p: p.callout_id):
        await _take_off(session, place.callout_id, volunteer_id, place.state, now, display)
    return places


async def promote_first_waiting(
    session: AsyncSession, callout_id: int, now: datetime, display: Display
) -> int | None:
    """Give a free place to the first in the waiting line and tell them, in their language.
    The caller holds the call-out's lock. Returns the promoted volunteer's id."""
    first = (
        await session.exec(
            select(CalloutResponse.id, CalloutResponse.volunteer_id)
            .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
            .where(
                CalloutResponse.callout_id == callout_id,
                CalloutResponse.state == ResponseState.WAITING,
                Volunteer.telegram_id.is_not(None),  # skip whoever left meanwhile
                ~exists().where(  # and whoever blocked the bot: they keep their turn
                    Account.telegram_id == Volunteer.telegram_id,
                    Account.unreachable_at.is_not(None),
                ),
            )
            .order_by(CalloutResponse.queue_number)
            .limit(1)
        )
    ).first()
    if first is None or not await _take_place(session, callout_id):
        return None
    response_id, volunteer_id = first
    await write(
        session,
        update(CalloutResponse)
        .where(CalloutResponse.id == response_id)
        .values(
            state=ResponseState.CONFIRMED,
            queue_number=None,
            waiting_since=None,
            responded_at=now,
            promoted_at=now,
        ),
    )
    await _tell_promoted(session, callout_id, volunteer_id, now, display)
    return volunteer_id


# -- the database steps --------------------------------------------------------------------


async def write(
    session: AsyncSession, statement: Executable, params: dict[str, Any] | None = None
) -> Any:
    """A plain SQL write: the session's loaded objects are not updated to match (answers
    and call-outs are always read afresh), which spares the ORM's bookkeeping."""
    return await session.exec(  # type: ignore[call-overload]  # a plain Executable
        statement, params=params, execution_options={"synchronize_session": False}
    )


async def lock_callout(session: AsyncSession, callout_id: int) -> None:
    """Touch the call-out's row: its lock, taken before any change of its answers (see the
    top of this module)."""
    locked = await write(
        session,
        update(Callout).where(Callout.id == callout_id).values(revision=Callout.revision + 1),
    )
    if not locked.rowcount:
        raise NotFound()


async def _lock_open(session: AsyncSession, callout_id: int) -> bool:
    """Lock the call-out for this change; False when it is no longer open."""
    locked = await write(
        session,
        update(Callout)
        .where(Callout.id == callout_id, Callout.status == CalloutStatus.OPEN)
        .values(revision=Callout.revision + 1),
    )
    return bool(locked.rowcount)


@dataclass(frozen=True)
class Claim:
    """What I'll go got: a place (``queue_number`` None) or a number in the waiting line;
    and how many are confirmed now."""

    confirmed: int
    queue_number: int | None = None


# Built once: a press runs them with its call-out's id (no statement built per press).
_CALLOUT_ID: BindParameter[int] = bindparam("callout_id")
_TAKE_PLACE = (
    update(Callout)
    .where(
        Callout.id == _CALLOUT_ID,
        Callout.status == CalloutStatus.OPEN,
        or_(Callout.needed.is_(None), Callout.confirmed < Callout.needed),
    )
    .values(confirmed=Callout.confirmed + 1, revision=Callout.revision + 1)
    .returning(Callout.confirmed)
)
_JOIN_THE_LINE = (
    update(Callout)
    .where(Callout.id == _CALLOUT_ID, Callout.status == CalloutStatus.OPEN)
    .values(waiting_issued=Callout.waiting_issued + 1, revision=Callout.revision + 1)
    .returning(Callout.confirmed, Callout.waiting_issued)
)


async def _claim(session: AsyncSession, callout_id: int) -> Claim | None:
    """A place if one is free, else the next number in the waiting line; each one
    conditional UPDATE that also locks the call-out and marks its card stale (``revision``).
    None when the call-out is no longer open."""
    params = {"callout_id": callout_id}
    taken = (await write(session, _TAKE_PLACE, params)).first()
    if taken is not None:
        return Claim(int(taken[0]))
    joined = (await write(session, _JOIN_THE_LINE, params)).first()
    return Claim(int(joined[0]), int(joined[1])) if joined is not None else None


async def _take_place(session: AsyncSession, callout_id: int) -> bool:
    """The one way a place is taken: a conditional UPDATE."""
    taken = await write(
        session,
        update(Callout)
        .where(
            Callout.id == callout_id,
            Callout.status == CalloutStatus.OPEN,
            or_(Callout.needed.is_(None), Callout.confirmed < Callout.needed),
        )
        .values(confirmed=Callout.confirmed + 1),
    )
    return bool(taken.rowcount)


async def _set_answer(
    session: AsyncSession,
    callout_id: int,
    volunteer_id: int,
    expected: ResponseState | None,
    changes: dict[str, object],
) -> None:
    """Move an answer on from the state it was read in; if it moved meanwhile (a press from
    another device), the whole change is rolled back and the press answered as stale."""
    if expected is None:
        await write(
            session,
            insert(CalloutResponse).values(
                callout_id=callout_id, volunteer_id=volunteer_id, **changes
            ),
        )
        return
    moved = await write(
        session,
        update(CalloutResponse)
        .where(
            CalloutResponse.callout_id == callout_id,
            CalloutResponse.volunteer_id == volunteer_id,
            CalloutResponse.state == expected,
        )
        .values(**changes),
    )
    if not moved.rowcount:
        raise StaleButton()


# -- reading -------------------------------------------------------------------------------


async def answering_volunteer(
    session: AsyncSession, telegram_id: int, callout: Callout, chat_id: int, now: datetime
) -> int:
    """The presser's volunteer id, if the call-out reached them and they may answer it now:
    pressed in their private chat, they were sent it (they have an answer row: an invitation,
    or the private copy of a group press); pressed in a group chat, it was posted there (one
    of its teams' groups, where anyone answers for themselves). Paused volunteers answer
    nothing (told so: ``Paused``). Anything else is a forged press: ``NotAsked``, which
    reveals nothing."""
    was_reached = reached(callout, chat_id, private=chat_id == telegram_id)
    row = (
        await session.exec(
            select(
                Volunteer.id,
                case((was_reached, True), else_=False),
                case((available_for_callouts(now), True), else_=False),
            ).where(signed_up_as(telegram_id))
        )
    ).first()
    if row is None:
        raise NotRegistered()
    volunteer_id, on_their_list, available = row
    if not on_their_list:
        raise NotAsked("callout.answer")
    if not available:  # paused: told so, and how to come back, not "out of date"
        raise Paused("callout.answer")
    return volunteer_id


def reached(callout: Callout, chat_id: int, *, private: bool) -> ColumnElement[bool]:
    if private:
        return exists().where(
            CalloutResponse.callout_id == callout.id,
            CalloutResponse.volunteer_id == Volunteer.id,
        )
    if not callout.post_in_team_groups or not callout.team_ids:
        return false()
    return exists().where(Team.id.in_(list(callout.team_ids)), Team.group_chat_id == chat_id)


def eta_minutes_of(eta: int) -> int | None:
    if eta == NO_ETA:
        return None
    if eta not in ETA_CHOICES:
        raise StaleButton()  # forged or from a version that offered other choices
    return eta


async def locked_callout(session: AsyncSession, callout_id: int) -> Callout:
    """The call-out as it is now, locked for this press on PostgreSQL (on SQLite the
    transaction holds the write lock already), so what the press decides and shows is exact."""
    callout = await locked_row(session, Callout, callout_id)
    if callout is None:
        raise NotFound()
    return callout


async def response_of(
    session: AsyncSession, callout_id: int, volunteer_id: int
) -> CalloutResponse | None:
    return (
        await session.exec(
            select(CalloutResponse)
            .where(
                CalloutResponse.callout_id == callout_id,
                CalloutResponse.volunteer_id == volunteer_id,
            )
            .execution_options(populate_existing=True)
        )
    ).first()


async def waiting_position(session: AsyncSession, callout_id: int, queue_number: int) -> int:
    """1 for the first in line. Exact: everyone with a smaller number got it, and committed,
    before this transaction could take the call-out's lock."""
    ahead = await session.exec(
        select(func.count())
        .select_from(CalloutResponse)
        .where(
            CalloutResponse.callout_id == callout_id,
            CalloutResponse.state == ResponseState.WAITING,
            CalloutResponse.queue_number <= queue_number,
        )
    )
    return int(ahead.one())


async def my_answer(session: AsyncSession, response: CalloutResponse | None) -> MyAnswer:
    if response is None:
        return MyAnswer(None)
    state = ResponseState(response.state)
    position = None
    if state == ResponseState.WAITING and response.queue_number is not None:
        position = await waiting_position(session, response.callout_id, response.queue_number)
    return MyAnswer(state, response.eta_minutes, position)


async def _result(
    session: AsyncSession, outcome: Outcome, callout_id: int, response: CalloutResponse | None
) -> PressResult:
    callout = CalloutView.of(await locked_callout(session, callout_id))
    return PressResult(outcome, callout, await my_answer(session, response))


async def _already_in(
    session: AsyncSession, callout: Callout, response: CalloutResponse, eta: int | None
) -> PressResult:
    """Pressed I'll go again: harmless; a new arrival estimate is kept."""
    assert callout.id is not None
    confirmed = response.state == ResponseState.CONFIRMED
    outcome = Outcome.ALREADY_CONFIRMED if confirmed else Outcome.ALREADY_WAITING
    if eta is not None and eta != response.eta_minutes:
        response.eta_minutes = eta
        await session.flush()
        outcome = Outcome.ETA_UPDATED if confirmed else outcome
    return await _result(session, outcome, callout.id, response)


async def _tell_promoted(
    session: AsyncSession, callout_id: int, volunteer_id: int, now: datetime, display: Display
) -> None:
    row = (
        await session.exec(
            select(Account.telegram_id, Account.language)
            .join(Volunteer, Volunteer.telegram_id == Account.telegram_id)
            .where(Volunteer.id == volunteer_id)
        )
    ).first()
    if row is None:
        return
    telegram_id, language = row
    t = display.translator(language)
    view = CalloutView.of(await locked_callout(session, callout_id))
    mine = await my_answer(session, await response_of(session, callout_id, volunteer_id))
    message = personal_message(t, display, view, mine, lead=t("callouts.promoted_lead"))
    # Their earlier copies still show the waiting line's button: they show the place now.
    current = personal_message(t, display, view, mine)
    earlier = await roster.sent_copies(session, telegram_id, [callout_id], roster.ANSWER_VIEWS)
    messages = [
        *(
            Outgoing.edit(telegram_id, message_id, current.html, current.markup)
            for _, message_id in earlier
        ),
        Outgoing.message(
            telegram_id,
            message.html,
            message.markup,
            priority=PRIORITY_NOTICE,
            topic=roster.copy_topic(roster.Copy.PROMOTED, callout_id),
        ),
    ]
    # A place from the waiting line may clash with one taken since: asked which to keep.
    for clash in await clashes_of(
        session, volunteer_id=volunteer_id, callout_id=callout_id, now=now
    ):
        question = clash_question(t, view, clash)
        messages.append(
            Outgoing.message(
                telegram_id,
                question.html,
                question.markup,
                priority=PRIORITY_NOTICE,
                topic=roster.copy_topic(roster.Copy.CLASH, callout_id),
            )
        )
    await enqueue(session, now, messages)
