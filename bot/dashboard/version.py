"""What the board polls: one short value derived from the database, so that every replica
gives the same answer and a press handled by any of them shows on every open board.

It changes whenever something the board shows changes: an answer (each bumps its call-out's
``revision``), a check-in or out, a new or closed call-out, a visit answered or missed, an
alert opened, escalated or closed, the duty rota, the registry, service hours. It may also
change when nothing visible did; the page then reloads for nothing, which is cheap.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Callout, CalloutResponse, ServiceHours, Volunteer
from models.elders import Alert, AlertStep, DutyException, DutyShift, Visit


def _parts() -> list[ColumnElement[object]]:
    def scalar(*columns: Any) -> list[ColumnElement[object]]:
        return [select(column).scalar_subquery() for column in columns]

    return [
        *scalar(func.count(col(Callout.id)), func.sum(col(Callout.revision))),
        *scalar(
            func.max(col(CalloutResponse.checked_in_at)),
            func.max(col(CalloutResponse.checked_out_at)),
        ),
        *scalar(func.max(col(Visit.id)), func.max(col(Visit.answered_at))),
        *scalar(func.count(col(Visit.id)).filter(col(Visit.status) != "pending")),
        *scalar(func.max(col(Alert.id)), func.max(col(Alert.closed_at))),
        *scalar(func.max(col(AlertStep.id))),
        *scalar(func.count(col(DutyShift.weekday)), func.max(col(DutyShift.set_at))),
        *scalar(func.count(col(DutyException.shift)), func.max(col(DutyException.set_at))),
        *scalar(func.count(col(Volunteer.id)), func.max(col(Volunteer.id))),
        *scalar(func.count(col(Volunteer.id)).filter(col(Volunteer.paused))),
        *scalar(func.max(col(ServiceHours.id)), func.count(col(ServiceHours.id))),
    ]


async def board_version(session: AsyncSession) -> str:
    row = (await session.exec(select(*_parts()))).one()  # type: ignore[call-overload]
    return hashlib.sha1(repr(tuple(row)).encode(), usedforsecurity=False).hexdigest()[:16]
