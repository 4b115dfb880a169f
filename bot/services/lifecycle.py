"""A volunteer's own pauses and departure.

``/pause`` stops call-outs until a date or until ``/resume``; a pause whose date has passed
is over by itself (``available_for_callouts`` is the one rule other services reuse, with
``registered_volunteer_id``: whose profile an account is).
``/leave`` deletes the personal data but keeps the anonymous volunteer row, so service-hour
totals stay true; ``bot.services.erasure`` removes every other trace of the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, false, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.dialogs import store as dialog_store
from bot.errors import DomainError, InvalidInput, NotRegistered
from bot.services import audit, erasure
from models import (
    Party,
    TeamMember,
    Volunteer,
    VolunteerAvailability,
    VolunteerSkill,
)

# Pause lengths offered as buttons; ``None`` means until /resume.
PAUSE_CHOICES: dict[str, timedelta | None] = {
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "1w": timedelta(weeks=1),
    "1m": timedelta(days=30),
    "open": None,
}


@dataclass(frozen=True)
class PauseState:
    paused: bool
    until: datetime | None = None  # None while paused: until /resume


def is_available_for_callouts(volunteer: Volunteer, now: datetime) -> bool:
    """Registered, and not paused (or the pause's date has passed)."""
    if volunteer.left_at is not None:
        return False
    if not volunteer.paused:
        return True
    return volunteer.paused_until is not None and as_utc(volunteer.paused_until) <= now


def available_for_callouts(now: datetime) -> ColumnElement[bool]:
    """The same rule as ``is_available_for_callouts``, as a SQL condition on ``Volunteer``."""
    return and_(
        Volunteer.left_at.is_(None),
        or_(
            Volunteer.paused.is_(false()),
            and_(Volunteer.paused_until.is_not(None), Volunteer.paused_until <= now),
        ),
    )


def pause_state(volunteer: Volunteer, now: datetime) -> PauseState:
    if is_available_for_callouts(volunteer, now):
        return PauseState(False)
    until = volunteer.paused_until
    return PauseState(True, as_utc(until) if until else None)


async def current_pause(session: AsyncSession, *, telegram_id: int, now: datetime) -> PauseState:
    return pause_state(await _registered(session, telegram_id), now)


async def pause(
    session: AsyncSession, *, telegram_id: int, choice: str, now: datetime
) -> PauseState:
    if choice not in PAUSE_CHOICES:
        raise InvalidInput()
    volunteer = await _registered(session, telegram_id)
    length = PAUSE_CHOICES[choice]
    volunteer.paused = True
    volunteer.paused_until = now + length if length else None
    return pause_state(volunteer, now)


async def resume(session: AsyncSession, *, telegram_id: int, now: datetime) -> PauseState:
    """Receive call-outs again; returns the state before, so the reply can say what changed."""
    volunteer = await _registered(session, telegram_id)
    before = pause_state(volunteer, now)
    volunteer.paused = False
    volunteer.paused_until = None
    return before


async def check_can_leave(session: AsyncSession, *, telegram_id: int) -> None:
    """Before asking for the confirmation: is there a profile to delete?"""
    await _registered(session, telegram_id, missing="lifecycle.nothing_to_delete")


async def forget_unfinished_dialog(
    session: AsyncSession, *, telegram_id: int, flow: str, now: datetime
) -> bool:
    """``/leave`` from someone not signed up, part-way through signing up (``flow``): the
    dialog is closed and what they typed into it (name, phone) deleted. True when there was
    one; a signed-up volunteer leaves through the confirmation instead."""
    if await session.scalar(select(Volunteer.id).where(signed_up_as(telegram_id))) is not None:
        return False
    conversation = await dialog_store.open_dialog(session, telegram_id)
    if conversation is None or conversation.flow != flow:
        return False
    dialog_store.close(conversation, now)
    return True


async def leave(session: AsyncSession, *, telegram_id: int, now: datetime) -> None:
    """Delete the volunteer's personal data and their account; keep the anonymous row."""
    volunteer = await _registered(session, telegram_id, missing="lifecycle.nothing_to_delete")
    volunteer_id = volunteer.id
    assert volunteer_id is not None
    name, phone = volunteer.name, volunteer.phone
    for table in (VolunteerSkill, VolunteerAvailability, TeamMember):
        await session.exec(delete(table).where(table.volunteer_id == volunteer_id))
    volunteer.name = volunteer.phone = volunteer.compound = volunteer.address = None
    volunteer.party = Party.NONE  # party membership is personal data too
    volunteer.consent_visible = False
    volunteer.paused, volunteer.paused_until = False, None
    volunteer.telegram_id = None
    volunteer.left_at = now
    await session.flush()
    # Every other trace of them: their account, messages to them, their id in others' records.
    await erasure.forget_person(
        session, telegram_id=telegram_id, volunteer_id=volunteer_id, name=name, phone=phone
    )
    # No actor id: the entry must not tie the anonymous row back to a Telegram account.
    await audit.record(
        session,
        now=now,
        actor=None,
        action="volunteer_left",
        target_type="volunteer",
        target_id=volunteer_id,
    )


def signed_up_as(telegram_id: int) -> ColumnElement[bool]:
    """The condition on ``Volunteer`` for this Telegram account's profile, unless they left."""
    return and_(Volunteer.telegram_id == telegram_id, Volunteer.left_at.is_(None))


async def registered_volunteer_id(session: AsyncSession, *, telegram_id: int) -> int:
    """The volunteer id of a signed-up account that has not left, else ``NotRegistered``."""
    volunteer_id = await session.scalar(select(Volunteer.id).where(signed_up_as(telegram_id)))
    if volunteer_id is None:
        raise NotRegistered()
    return volunteer_id


async def _registered(
    session: AsyncSession, telegram_id: int, missing: str | None = None
) -> Volunteer:
    volunteer = await session.scalar(select(Volunteer).where(signed_up_as(telegram_id)))
    if volunteer is None:
        raise DomainError(missing) if missing else NotRegistered()
    return volunteer
