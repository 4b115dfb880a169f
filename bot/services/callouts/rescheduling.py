"""A leader changes a call-out's time: everyone who said yes or is waiting is told, each in
their own language, and the reminders before the start begin afresh for the new time (those
whose moment is already past are covered by the notice itself). Arrival estimates ("there in
30 min") were given for the old time and are dropped: like a plain "I'll go", the notice then
just says they are going (an estimate is asked only with the first answer, so not again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.errors import DomainError, InvalidInput, NotFound
from bot.outbox.queue import PRIORITY_ALERT, PRIORITY_NOTICE, Outgoing, enqueue
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.callouts import roster
from bot.services.callouts.filling import my_answer
from bot.services.callouts.views import CalloutView, Display, personal_message
from bot.services.leader_scope import require_callout_leader
from models import Account, Callout, CalloutResponse, Volunteer
from models.callouts import CalloutStatus, ResponseState


@dataclass(frozen=True)
class Rescheduled:
    callout: CalloutView
    told: int  # volunteers sent the new time


async def callout_times(session: AsyncSession, *, actor: Actor, callout_id: int) -> CalloutView:
    """The call-out as it is, for the leader about to change its time."""
    await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.change_time"
    )
    callout = await session.get(Callout, callout_id)
    if callout is None:
        raise NotFound()
    if callout.status == CalloutStatus.CANCELLED:
        raise DomainError("callouts.card.not_open")
    return CalloutView.of(callout)


async def change_time(
    session: AsyncSession,
    *,
    actor: Actor,
    callout_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    display: Display,
) -> Rescheduled:
    await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.change_time"
    )
    if ends_at <= starts_at:
        raise InvalidInput("callouts.invalid.times")
    if ends_at <= now:
        raise InvalidInput("callouts.invalid.over")
    callout = (
        await session.exec(
            select(Callout)
            .where(Callout.id == callout_id)
            .with_for_update()  # as every change of its answers: the call-out first
            .execution_options(populate_existing=True)
        )
    ).first()
    if callout is None:
        raise NotFound()
    if callout.status == CalloutStatus.CANCELLED:
        raise DomainError("callouts.card.not_open")
    before = CalloutView.of(callout)
    if (before.starts_at, before.ends_at) == (starts_at, ends_at):
        return Rescheduled(before, 0)
    callout.starts_at, callout.ends_at = starts_at, ends_at
    deadline = callout.response_deadline
    if deadline is not None and as_utc(deadline) > ends_at:
        callout.response_deadline = None  # it would fall after the end
    callout.revision += 1
    await session.flush()
    await session.exec(
        update(CalloutResponse)
        .where(CalloutResponse.callout_id == callout_id)
        .values(
            start_reminder_minutes=_reminders_covered(display, starts_at, now),
            eta_minutes=None,  # "there in 30 min" was said of the old time: it no longer holds
        ),
        execution_options={"synchronize_session": False},
    )
    after = CalloutView.of(callout)
    told = await _tell_those_coming(session, before, after, now, display)
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="callout.change_time",
        target_type="callout",
        target_id=callout_id,
        old_start=before.starts_at.isoformat(),
        old_end=before.ends_at.isoformat(),
        new_start=after.starts_at.isoformat(),
        new_end=after.ends_at.isoformat(),
        told=told,
    )
    await roster.refresh_card(session, callout_id, now, display)
    return Rescheduled(after, told)


def _reminders_covered(display: Display, starts_at: datetime, now: datetime) -> int | None:
    """The reminders before the new start whose moment has passed: the notice of the new time
    stands in for them (recorded as the nearest one sent); the later ones go out as usual."""
    passed = [
        minutes
        for minutes in display.callouts.reminders_before_minutes
        if starts_at - timedelta(minutes=minutes) <= now
    ]
    return min(passed) if passed else None


async def _tell_those_coming(
    session: AsyncSession, before: CalloutView, after: CalloutView, now: datetime, display: Display
) -> int:
    """The confirmed and the waiting get the call-out again with the new time on top (and
    their buttons, so whoever cannot make the new time can withdraw at once)."""
    rows = (
        await session.exec(
            select(CalloutResponse, Account.telegram_id, Account.language)
            .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
            .join(Account, Account.telegram_id == Volunteer.telegram_id)
            .where(
                CalloutResponse.callout_id == after.id,
                CalloutResponse.state.in_([ResponseState.CONFIRMED, ResponseState.WAITING]),
                Account.unreachable_at.is_(None),
            )
        )
    ).all()
    priority = PRIORITY_ALERT if after.is_emergency else PRIORITY_NOTICE
    topic = roster.copy_topic(roster.Copy.NEW_TIME, after.id)
    messages = []
    for response, telegram_id, language in rows:
        t = display.translator(language)
        lead = t(
            "callouts.rescheduled_lead",
            old_time=t.time_range(before.starts_at, before.ends_at),
        )
        mine = await my_answer(session, response)
        message = personal_message(t, display, after, mine, lead=lead)
        messages.append(
            Outgoing.message(
                telegram_id, message.html, message.markup, priority=priority, topic=topic
            )
        )
    await enqueue(session, now, messages)
    return len(messages)
