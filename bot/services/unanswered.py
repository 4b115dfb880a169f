"""Asking again whoever has not answered: one query for call-outs and announcements alike.

Each asked person has a row (``CalloutResponse``, ``AnnouncementRecipient``) with the time they
were last reminded; those still unanswered and not reminded lately are picked and marked
reminded in the same transaction, so two leaders pressing Remind at once remind each once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Account, CalloutResponse, Volunteer
from models.announcements import AnnouncementRecipient


class Unanswered(NamedTuple):
    volunteer_id: int
    telegram_id: int
    language: str


async def take_unanswered(
    session: AsyncSession,
    *,
    asked: type[CalloutResponse] | type[AnnouncementRecipient],
    unanswered: ColumnElement[bool],
    reachable: ColumnElement[bool],
    now: datetime,
    again_after: timedelta,
) -> list[Unanswered]:
    """The people of the ``asked`` rows that ``unanswered`` picks, reachable and not reminded
    within ``again_after``, by volunteer id; their rows are marked reminded at ``now``."""
    rows = (
        await session.exec(
            select(asked.id, Volunteer.id, Account.telegram_id, Account.language)
            .join(Volunteer, Volunteer.id == asked.volunteer_id)
            .join(Account, Account.telegram_id == Volunteer.telegram_id)
            .where(
                unanswered,
                reachable,
                or_(asked.reminded_at.is_(None), asked.reminded_at <= now - again_after),
            )
            .order_by(Volunteer.id)
        )
    ).all()
    if rows:
        await session.exec(
            update(asked).where(asked.id.in_([row[0] for row in rows])).values(reminded_at=now)
        )
    return [Unanswered(volunteer_id, tg_id, lang) for _, volunteer_id, tg_id, lang in rows]
