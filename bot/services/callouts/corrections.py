"""A leader corrects a volunteer's service hours for a call-out (forgot to check in, stayed
longer than planned), with a reason. The ledger keeps every row (the correction is a row of its
own), the audit log says who changed what from what to what, and the volunteer is told."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.errors import DomainError, InvalidInput, NotFound
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.services import audit, hours
from bot.services.accounts import Actor
from bot.services.callouts.checkin import HOURS_SOURCE
from bot.services.callouts.drafts import clean_text
from bot.services.callouts.views import Display
from bot.services.hours_report import duration_text
from bot.services.leader_scope import require_callout_leader
from models import Account, Callout, CalloutResponse, ServiceHours, Volunteer
from models.callouts import ResponseState

MAX_MINUTES = 24 * 60 * 31  # a month-long campaign, at most
REASON_MAX = 200
_HOUR_UNIT = r"(?:h|hr|hrs|hours?|小时|个小时)"
_MINUTE_UNIT = r"(?:m|min|mins|minutes?|分钟|分)"
_HOURS = re.compile(rf"^(?P<hours>\d{{1,4}}(?:\.\d{{1,2}})?){_HOUR_UNIT}?$")
_HOURS_MINUTES = re.compile(
    rf"^(?P<hours>\d{{1,4}}(?:\.\d{{1,2}})?){_HOUR_UNIT}(?P<minutes>\d{{1,2}}){_MINUTE_UNIT}?$"
)
_MINUTES = re.compile(rf"^(?P<minutes>\d{{1,6}}){_MINUTE_UNIT}$")
_CLOCK = re.compile(r"^(?P<hours>\d{1,4}):(?P<minutes>[0-5]\d)$")


@dataclass(frozen=True)
class AttendeeHours:
    """Someone who was coming to (or served at) the call-out, and the minutes credited."""

    volunteer_id: int
    name: str
    minutes: int
    checked_in_at: datetime | None


@dataclass(frozen=True)
class HoursCorrected:
    volunteer_id: int
    name: str
    old_minutes: int
    new_minutes: int


def parse_duration(text: str) -> int:
    """Minutes from ``2.5`` (hours), ``2:30``, ``150 min``, ``2h30``, ``2小时30分钟``."""
    cleaned = "".join(unicodedata.normalize("NFKC", text).lower().split())
    minutes = None
    for pattern in (_CLOCK, _MINUTES, _HOURS_MINUTES, _HOURS):
        match = pattern.match(cleaned)
        if match:
            parts = match.groupdict()
            minutes = round(float(parts.get("hours") or 0) * 60) + int(parts.get("minutes") or 0)
            break
    if minutes is None or minutes > MAX_MINUTES:
        raise InvalidInput("callouts.hours.invalid_duration", limit=MAX_MINUTES // 60)
    return minutes


async def hours_sheet(
    session: AsyncSession, *, actor: Actor, callout_id: int
) -> list[AttendeeHours]:
    """Whoever is confirmed, checked in or credited for the call-out, with their minutes."""
    await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.hours"
    )
    if await session.get(Callout, callout_id) is None:
        raise NotFound()
    credited = (
        select(ServiceHours.volunteer_id)
        .where(ServiceHours.source == HOURS_SOURCE, ServiceHours.source_id == callout_id)
        .scalar_subquery()
    )
    rows = (
        await session.exec(
            select(Volunteer.id, Volunteer.name, CalloutResponse.checked_in_at)
            .join(CalloutResponse, CalloutResponse.volunteer_id == Volunteer.id)
            .where(
                CalloutResponse.callout_id == callout_id,
                or_(
                    CalloutResponse.state == ResponseState.CONFIRMED,
                    CalloutResponse.checked_in_at.is_not(None),
                    Volunteer.id.in_(credited),
                ),
            )
            .order_by(Volunteer.name, Volunteer.id)
        )
    ).all()
    sheet = []
    for volunteer_id, name, checked_in_at in rows:
        minutes = await hours.credited(
            session, volunteer_id=volunteer_id, source=HOURS_SOURCE, source_id=callout_id
        )
        checked_in = as_utc(checked_in_at) if checked_in_at else None
        sheet.append(AttendeeHours(volunteer_id, name or "—", minutes, checked_in))
    if not sheet:
        raise DomainError("callouts.hours.nobody")
    return sheet


async def correct_hours(
    session: AsyncSession,
    *,
    actor: Actor,
    callout_id: int,
    volunteer_id: int,
    minutes: int,
    reason: str,
    now: datetime,
    display: Display,
) -> HoursCorrected:
    """Set the volunteer's minutes for the call-out; audit-logged, and the volunteer told."""
    await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.correct_hours"
    )
    if not 0 <= minutes <= MAX_MINUTES:
        raise InvalidInput("callouts.hours.invalid_duration", limit=MAX_MINUTES // 60)
    reason = clean_text(
        reason, REASON_MAX, "callouts.hours.invalid_reason", required=True, multiline=False
    )
    # Locked, so that two leaders correcting at once number their corrections one by one.
    callout = await session.get(Callout, callout_id, with_for_update=True)
    person = (
        await session.exec(
            select(Volunteer, CalloutResponse.checked_in_at)
            .join(CalloutResponse, CalloutResponse.volunteer_id == Volunteer.id)
            .where(CalloutResponse.callout_id == callout_id, Volunteer.id == volunteer_id)
        )
    ).first()
    if callout is None or person is None:
        raise NotFound()
    volunteer, checked_in_at = person
    served_at = as_utc(checked_in_at or callout.starts_at)
    correction = await hours.correct(
        session,
        volunteer_id=volunteer_id,
        source=HOURS_SOURCE,
        source_id=callout_id,
        minutes=minutes,
        served_at=served_at,
        now=now,
        by=actor.telegram_id,
        note=reason,
    )
    if correction.old_minutes == correction.new_minutes:
        raise DomainError("callouts.hours.unchanged")
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="callout.correct_hours",
        target_type="volunteer",
        target_id=volunteer_id,
        callout_id=callout_id,
        old_minutes=correction.old_minutes,
        new_minutes=correction.new_minutes,
        reason=reason,
    )
    await _tell_volunteer(session, volunteer, callout, correction, reason, now, display)
    return HoursCorrected(
        volunteer_id, volunteer.name or "—", correction.old_minutes, correction.new_minutes
    )


async def _tell_volunteer(
    session: AsyncSession,
    volunteer: Volunteer,
    callout: Callout,
    correction: hours.Correction,
    reason: str,
    now: datetime,
    display: Display,
) -> None:
    account = await session.get(Account, volunteer.telegram_id) if volunteer.telegram_id else None
    if account is None or account.unreachable_at is not None:
        return
    t = display.translator(account.language)
    text = t(
        "callouts.hours.corrected_notice",
        title=callout.title,
        old=duration_text(t, correction.old_minutes),
        new=duration_text(t, correction.new_minutes),
        reason=reason,
    )
    await enqueue(
        session, now, [Outgoing.message(account.telegram_id, text, priority=PRIORITY_NOTICE)]
    )
