"""Closing a call-out (no more answers; the confirmed keep their places) and cancelling it
(everyone who said yes or was waiting is told, each in their own language)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import DomainError, NotFound
from bot.outbox.queue import PRIORITY_ALERT, PRIORITY_NOTICE, Outgoing, enqueue
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.callouts import roster
from bot.services.callouts.views import CalloutView, Display
from bot.services.leader_scope import require_callout_leader
from models import Account, Callout, CalloutResponse, Volunteer
from models.callouts import CalloutStatus, ResponseState


@dataclass(frozen=True)
class Closed:
    callout_id: int
    told: int  # volunteers sent a notice


@dataclass(frozen=True)
class _Ending:
    """How a leader ends a call-out: the action (role check and audit), the status it takes,
    and who is told, with which text."""

    action: str
    status: CalloutStatus
    told: tuple[ResponseState, ...]
    notice: str


_CLOSE = _Ending(
    "callout.close", CalloutStatus.CLOSED, (ResponseState.WAITING,), "callouts.closed_notice"
)
_CANCEL = _Ending(
    "callout.cancel",
    CalloutStatus.CANCELLED,
    (ResponseState.CONFIRMED, ResponseState.WAITING),
    "callouts.cancelled_notice",
)


async def close_callout(
    session: AsyncSession, *, actor: Actor, callout_id: int, now: datetime, display: Display
) -> Closed:
    """No more answers. Whoever is still in the waiting line is told they are not needed."""
    return await _end_and_tell(session, actor, callout_id, now, display, _CLOSE)


async def cancel_callout(
    session: AsyncSession, *, actor: Actor, callout_id: int, now: datetime, display: Display
) -> Closed:
    """Called off: everyone who said yes or was waiting is told not to come."""
    return await _end_and_tell(session, actor, callout_id, now, display, _CANCEL)


async def _end_and_tell(
    session: AsyncSession,
    actor: Actor,
    callout_id: int,
    now: datetime,
    display: Display,
    ending: _Ending,
) -> Closed:
    await require_callout_leader(session, actor=actor, callout_id=callout_id, action=ending.action)
    view = await _end(session, callout_id, ending.status, now)
    told = await _notify(session, view, ending.told, ending.notice, now, display)
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action=ending.action,
        target_type="callout",
        target_id=callout_id,
        told=told,
    )
    await roster.refresh_card(session, callout_id, now, display)
    return Closed(callout_id, told)


async def _end(
    session: AsyncSession, callout_id: int, status: CalloutStatus, now: datetime
) -> CalloutView:
    """Open -> closed/cancelled (a closed call-out may still be cancelled), as one
    conditional UPDATE: pressing Close twice, or on an old card, changes nothing."""
    allowed_from = [CalloutStatus.OPEN]
    if status == CalloutStatus.CANCELLED:
        allowed_from.append(CalloutStatus.CLOSED)
    ended = await session.exec(
        update(Callout)
        .where(Callout.id == callout_id, Callout.status.in_(allowed_from))
        .values(status=status, closed_at=now, revision=Callout.revision + 1, next_wave_at=None)
    )
    callout = await session.get(Callout, callout_id, populate_existing=True)
    if callout is None:
        raise NotFound()
    if not ended.rowcount:
        raise DomainError("callouts.card.not_open")
    return CalloutView.of(callout)


async def _notify(
    session: AsyncSession,
    view: CalloutView,
    states: tuple[ResponseState, ...],
    key: str,
    now: datetime,
    display: Display,
) -> int:
    rows = (
        await session.exec(
            select(Account.telegram_id, Account.language)
            .join(Volunteer, Volunteer.telegram_id == Account.telegram_id)
            .join(CalloutResponse, CalloutResponse.volunteer_id == Volunteer.id)
            .where(
                CalloutResponse.callout_id == view.id,
                CalloutResponse.state.in_(states),
                Account.unreachable_at.is_(None),
            )
        )
    ).all()
    priority = PRIORITY_ALERT if view.is_emergency else PRIORITY_NOTICE
    messages = []
    for telegram_id, language in rows:
        t = display.translator(language)
        text = t(key, title=view.title, start=t.when(view.starts_at))
        messages.append(Outgoing.message(telegram_id, text, priority=priority))
    await enqueue(session, now, messages)
    return len(messages)
