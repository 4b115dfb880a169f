"""A recipient's "Got it": recorded once (a second press changes nothing), and only for an
announcement that was sent to the presser (callback data can be forged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import DomainError
from models import Volunteer
from models.announcements import AnnouncementRecipient


class NotYours(DomainError):
    key = "broadcast.ack.not_yours"


@dataclass(frozen=True)
class Acknowledgement:
    announcement_id: int
    first: bool  # False: it had been pressed before


async def acknowledge(
    session: AsyncSession, *, telegram_id: int, announcement_id: int, now: datetime
) -> Acknowledgement:
    recipient_id = (
        await session.exec(
            select(AnnouncementRecipient.id)
            .join(Volunteer, Volunteer.id == AnnouncementRecipient.volunteer_id)
            .where(
                AnnouncementRecipient.announcement_id == announcement_id,
                Volunteer.telegram_id == telegram_id,
            )
        )
    ).first()
    if recipient_id is None:
        raise NotYours()
    marked = await session.exec(
        update(AnnouncementRecipient)
        .where(
            AnnouncementRecipient.id == recipient_id,
            AnnouncementRecipient.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now)
    )
    return Acknowledgement(announcement_id, bool(marked.rowcount))
