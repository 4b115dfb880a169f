"""Lists: ``/callouts`` (open and recent call-outs with their fill, for leaders) and
``/tasks`` (a volunteer's upcoming and current duties)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.accounts import Actor
from bot.services.callouts.filling import waiting_position
from bot.services.leader_scope import require_team_tools
from bot.services.lifecycle import registered_volunteer_id
from models import Callout, CalloutResponse
from models.callouts import CalloutStatus, ResponseState

RECENT = timedelta(days=7)
LIST_LIMIT = 10


@dataclass(frozen=True)
class CalloutLine:
    id: int
    title: str
    starts_at: datetime
    status: CalloutStatus
    needed: int | None
    confirmed: int


@dataclass(frozen=True)
class Task:
    callout_id: int
    title: str
    place: str
    starts_at: datetime
    ends_at: datetime
    state: ResponseState
    eta_minutes: int | None
    position: int | None  # in the waiting line

    def is_current(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


async def list_callouts(session: AsyncSession, *, actor: Actor, now: datetime) -> list[CalloutLine]:
    """Open call-outs first (soonest first), then those ended or closed in the last week."""
    scope = await require_team_tools(session, actor=actor, action="callout.list")
    found = (
        await session.exec(
            select(Callout)
            .where(or_(Callout.status == CalloutStatus.OPEN, Callout.ends_at >= now - RECENT))
            .order_by((Callout.status != CalloutStatus.OPEN), Callout.starts_at.desc())
            .limit(LIST_LIMIT)
        )
    ).all()
    return [
        CalloutLine(c.id, c.title, c.starts_at, CalloutStatus(c.status), c.needed, c.confirmed)
        for c in found
        if c.id is not None and scope.covers_callout(c, actor.telegram_id)
    ]


async def my_tasks(session: AsyncSession, *, telegram_id: int, now: datetime) -> list[Task]:
    """Duties not yet over that the volunteer said yes to or is waiting for, soonest first."""
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    found = (
        await session.exec(
            select(CalloutResponse, Callout)
            .join(Callout, Callout.id == CalloutResponse.callout_id)
            .where(
                CalloutResponse.volunteer_id == volunteer_id,
                Callout.ends_at > now,
                or_(
                    (CalloutResponse.state == ResponseState.CONFIRMED)
                    & (Callout.status != CalloutStatus.CANCELLED),
                    (CalloutResponse.state == ResponseState.WAITING)
                    & (Callout.status == CalloutStatus.OPEN),
                ),
            )
            .order_by(Callout.starts_at)
        )
    ).all()
    tasks = []
    for response, callout in found:
        position = None
        if response.state == ResponseState.WAITING and response.queue_number is not None:
            position = await waiting_position(session, response.callout_id, response.queue_number)
        tasks.append(
            Task(
                response.callout_id,
                callout.title,
                callout.place,
                callout.starts_at,
                callout.ends_at,
                ResponseState(response.state),
                response.eta_minutes,
                position,
            )
        )
    return tasks
