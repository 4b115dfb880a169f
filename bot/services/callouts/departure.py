"""Leaving and pausing, as far as call-outs go: a place belongs to someone who is still here.

``/leave`` gives up every place the volunteer holds (confirmed, or in a waiting line, of a
call-out that has neither ended nor been cancelled), and the confirmation first lists them.
``/pause`` asks whether to keep them: a pause may be for a day, with a duty already promised.
Places are given up through ``filling``'s withdraw path, so the next in line is promoted and
told and the leader's card shows it, exactly as when the volunteer presses Withdraw.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Translator
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.services import lifecycle
from bot.services.callouts import filling, roster
from bot.services.callouts.filling import HeldPlace
from bot.services.callouts.views import CalloutView, Display, left_message
from bot.services.lifecycle import PauseState, registered_volunteer_id
from models import Account, Callout, CalloutResponse
from models.callouts import CalloutStatus, ResponseState


async def places_to_give_up(
    session: AsyncSession, *, telegram_id: int, now: datetime
) -> list[HeldPlace]:
    """Before ``/leave``'s confirmation: is there a profile to delete, and which places go
    with it."""
    await lifecycle.check_can_leave(session, telegram_id=telegram_id)
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    return await filling.places_held(session, volunteer_id=volunteer_id, now=now)


async def places_before_pause(
    session: AsyncSession, *, telegram_id: int, now: datetime
) -> list[HeldPlace]:
    """The places a pause would ask about (none: nothing to ask)."""
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    return await filling.places_held(session, volunteer_id=volunteer_id, now=now)


@dataclass(frozen=True)
class Departure:
    given_up: list[HeldPlace]
    promoted: bool  # someone from a waiting line got a place that was given up


async def leave(
    session: AsyncSession, *, telegram_id: int, now: datetime, display: Display
) -> Departure:
    """Give up every place, then delete the personal data. Their copies of the call-outs
    still running lose their buttons and say they left (a press there would find nobody)."""
    await lifecycle.check_can_leave(session, telegram_id=telegram_id)
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    copies = await _own_copies(session, volunteer_id, telegram_id, now)
    language = await session.scalar(
        select(Account.language).where(Account.telegram_id == telegram_id)
    )
    given_up = await filling.give_up_places(
        session, volunteer_id=volunteer_id, now=now, display=display
    )
    freed = [p.callout_id for p in given_up if p.state == ResponseState.CONFIRMED]
    promoted = await _promoted(session, freed, now)
    await lifecycle.leave(session, telegram_id=telegram_id, now=now)
    for callout_id in freed:  # the leaders' notices, queued above, lose the name too
        await roster.tell_leader_of_changes(session, callout_id, now, display)
    t = display.translator(language or display.group_language)
    await enqueue(session, now, await _left_copies(session, t, display, telegram_id, copies))
    return Departure(given_up, promoted)


async def _own_copies(
    session: AsyncSession, volunteer_id: int, telegram_id: int, now: datetime
) -> list[tuple[int, int]]:
    """(call-out, message) of each copy of a call-out sent to them (``roster.Copy``: the
    invitation, a reminder to answer or before the start, an offer again, the notice of a place
    from the waiting line or of a new time) that has neither ended nor been cancelled: the
    messages whose buttons they could press."""
    callout_ids = (
        await session.exec(
            select(Callout.id)
            .join(CalloutResponse, CalloutResponse.callout_id == Callout.id)
            .where(
                CalloutResponse.volunteer_id == volunteer_id,
                Callout.status != CalloutStatus.CANCELLED,
                Callout.ends_at > now,
            )
        )
    ).all()
    return await roster.sent_copies(
        session, telegram_id, [c for c in callout_ids if c is not None], roster.Copy
    )


async def _promoted(session: AsyncSession, callout_ids: list[int], now: datetime) -> bool:
    if not callout_ids:
        return False
    first = await session.exec(
        select(CalloutResponse.id).where(
            CalloutResponse.callout_id.in_(callout_ids), CalloutResponse.promoted_at == now
        )
    )
    return first.first() is not None


async def _left_copies(
    session: AsyncSession,
    t: Translator,
    display: Display,
    telegram_id: int,
    copies: list[tuple[int, int]],
) -> list[Outgoing]:
    """Their copies, edited to say they left; deleted from the outbox once sent, as the
    goodbye is (they must not leave the chat id behind)."""
    edits = []
    for callout_id, message_id in copies:
        callout = await session.get(Callout, callout_id)
        assert callout is not None
        left = left_message(t, display, CalloutView.of(callout))
        edit = Outgoing.edit(telegram_id, message_id, left.html, priority=PRIORITY_NOTICE)
        edits.append(replace(edit, erase_when_done=True))
    return edits


@dataclass(frozen=True)
class Paused:
    state: PauseState
    given_up: list[HeldPlace]
    promoted: bool = False  # as ``Departure.promoted``


async def pause(
    session: AsyncSession,
    *,
    telegram_id: int,
    choice: str,
    keep_places: bool,
    now: datetime,
    display: Display,
) -> Paused:
    """Pause call-outs; unless the volunteer keeps them, give up the places they hold."""
    state = await lifecycle.pause(session, telegram_id=telegram_id, choice=choice, now=now)
    if keep_places:
        return Paused(state, [])
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    given_up = await filling.give_up_places(
        session, volunteer_id=volunteer_id, now=now, display=display
    )
    freed = [p.callout_id for p in given_up if p.state == ResponseState.CONFIRMED]
    return Paused(state, given_up, await _promoted(session, freed, now))
