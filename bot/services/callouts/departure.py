"""Leaving and pausing, as far as call-outs go: a place belongs to someone who is still here.

``/leave`` gives up every place the volunteer holds (confirmed, or in a waiting line, of a
call-out that has neither ended nor been cancelled), and the confirmation first lists them.
``/pause`` asks whether to keep them: a pause may be for a day, with a duty already promised.
Places are given up through ``filling``'s withdraw path, so the next in line is promoted and
told and the leader's card shows it, exactly as when the volunteer presses Withdraw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import lifecycle
from bot.services.callouts import filling, roster
from bot.services.callouts.filling import HeldPlace
from bot.services.callouts.views import Display
from bot.services.lifecycle import PauseState, registered_volunteer_id


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


async def leave(
    session: AsyncSession, *, telegram_id: int, now: datetime, display: Display
) -> list[HeldPlace]:
    """Give up every place, then delete the personal data; returns the places given up."""
    await lifecycle.check_can_leave(session, telegram_id=telegram_id)
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    given_up = await filling.give_up_places(
        session, volunteer_id=volunteer_id, now=now, display=display
    )
    await lifecycle.leave(session, telegram_id=telegram_id, now=now)
    for place in given_up:  # the leaders' notices, queued above, lose the name too
        await roster.tell_leader_of_changes(session, place.callout_id, now, display)
    return given_up


@dataclass(frozen=True)
class Paused:
    state: PauseState
    given_up: list[HeldPlace]


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
    return Paused(state, given_up)
