"""Clashes: a volunteer confirmed for two call-outs whose times overlap. They are told when
they say yes to the second and asked which to keep; keeping one withdraws them from the
other through the one withdraw path (``filling.keep_one``: the next in line gets the place).
Leaders see the clash on the roster card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists
from sqlalchemy.orm import aliased
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from models import Callout, CalloutResponse
from models.callouts import CalloutStatus, ResponseState


@dataclass(frozen=True)
class Clash:
    """Another call-out the volunteer is confirmed for, at an overlapping time."""

    callout_id: int
    title: str
    starts_at: datetime
    ends_at: datetime


_other = aliased(Callout)
_other_answer = aliased(CalloutResponse)


def confirmed_elsewhere_at_the_same_time() -> ColumnElement[bool]:
    """For a row of ``CalloutResponse`` joined to its ``Callout``: the same volunteer is
    also confirmed for another call-out, not cancelled, that overlaps it in time."""
    return exists().where(
        _other_answer.volunteer_id == CalloutResponse.volunteer_id,
        _other_answer.callout_id != CalloutResponse.callout_id,
        _other_answer.state == ResponseState.CONFIRMED,
        _other.id == _other_answer.callout_id,
        _other.status != CalloutStatus.CANCELLED,
        _overlaps(),
    )


def _overlaps() -> ColumnElement[bool]:
    return and_(_other.starts_at < Callout.ends_at, _other.ends_at > Callout.starts_at)


async def clashes_of(
    session: AsyncSession, *, volunteer_id: int, callout_id: int, now: datetime
) -> list[Clash]:
    """The other call-outs, not over, that this volunteer is confirmed for and that overlap
    ``callout_id`` in time."""
    rows = await session.exec(
        select(_other.id, _other.title, _other.starts_at, _other.ends_at)
        .select_from(Callout)
        .join(_other_answer, _other_answer.volunteer_id == volunteer_id)
        .join(_other, _other.id == _other_answer.callout_id)
        .where(
            Callout.id == callout_id,
            _other.id != callout_id,
            _other_answer.state == ResponseState.CONFIRMED,
            _other.status != CalloutStatus.CANCELLED,
            _other.ends_at > now,
            _overlaps(),
        )
        .order_by(_other.starts_at, _other.id)
    )
    return [
        Clash(other_id, title, as_utc(starts_at), as_utc(ends_at))
        for other_id, title, starts_at, ends_at in rows.all()
        if other_id is not None
    ]
