"""Sending an announcement: once, to its audience as it is at the time of sending, each
recipient in their own language; and reminding those who have not pressed "Got it".

Sending is claimed by a conditional UPDATE (scheduled -> sent), so an announcement is sent
once however many processes (or presses of Edit) race for it; its recipients and their
messages are written in the same transaction as the claim.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import DomainError, NotFound
from bot.i18n import Translator
from bot.outbox.queue import Outgoing, enqueue
from bot.services import audit
from bot.services.accounts import Actor, require_role
from bot.services.announcements import audience, card
from bot.services.announcements.audience import Recipient
from bot.services.announcements.views import AnnouncementView, recipient_messages
from bot.services.display import Display
from models import Account, Role, Volunteer
from models.announcements import Announcement, AnnouncementRecipient, AnnouncementStatus

# Someone reminded is not reminded again sooner than this.
REMIND_AGAIN_AFTER = timedelta(hours=1)


async def send_announcement(
    session: AsyncSession, announcement_id: int, now: datetime, display: Display
) -> int | None:
    """Send a pending announcement that is due; how many it was sent to, or None when it is
    not pending (sent already, withdrawn) or not due."""
    claimed = await session.exec(
        update(Announcement)
        .where(
            Announcement.id == announcement_id,
            Announcement.status == AnnouncementStatus.SCHEDULED,
            Announcement.send_at <= now,
        )
        .values(status=AnnouncementStatus.SENT, sent_at=now, updated_at=now)
    )
    if not claimed.rowcount:
        return None
    announcement = await session.get(Announcement, announcement_id, populate_existing=True)
    assert announcement is not None
    view = AnnouncementView.of(announcement)
    reach = await audience.resolve(session, view.audience)
    announcement.unreachable = reach.unreachable
    if reach.recipients:
        await session.exec(
            insert(AnnouncementRecipient),
            params=[
                {"announcement_id": announcement_id, "volunteer_id": r.volunteer_id}
                for r in reach.recipients
            ],
        )
        await enqueue(session, now, _messages(view, reach.recipients, display))
    await session.flush()
    await card.refresh_card(session, announcement_id, now, display)
    return len(reach.recipients)


def _messages(
    view: AnnouncementView,
    recipients: tuple[Recipient, ...],
    display: Display,
    *,
    reminder: bool = False,
) -> Iterator[Outgoing]:
    translators: dict[str, Translator] = {}
    for recipient in recipients:
        t = translators.setdefault(recipient.language, Translator(recipient.language, display.zone))
        yield from recipient_messages(
            t, display.community.name, view, recipient.telegram_id, reminder=reminder
        )


async def due_announcements(session: AsyncSession, now: datetime) -> list[int]:
    """Pending announcements whose time has come (the scheduler sends them)."""
    rows = await session.exec(
        select(Announcement.id)
        .where(
            Announcement.status == AnnouncementStatus.SCHEDULED,
            Announcement.send_at <= now,
        )
        .order_by(Announcement.send_at, Announcement.id)
    )
    return [announcement_id for announcement_id in rows.all() if announcement_id is not None]


async def remind_unread(
    session: AsyncSession, actor: Actor, announcement_id: int, now: datetime, display: Display
) -> int:
    """Send the announcement again to those who have not pressed "Got it" (and were not
    reminded just now); how many were reminded."""
    require_role(
        actor,
        Role.LEADER,
        "broadcast.remind",
        target_type="announcement",
        target_id=announcement_id,
    )
    announcement = await session.get(Announcement, announcement_id, populate_existing=True)
    if announcement is None:
        raise NotFound()
    view = AnnouncementView.of(announcement)
    if not card.may_remind(view, await card.card_counts(session, view), now):
        raise DomainError("broadcast.card.cannot_remind")
    rows = (
        await session.exec(
            select(AnnouncementRecipient.id, Volunteer.id, Volunteer.telegram_id, Account.language)
            .join(Volunteer, Volunteer.id == AnnouncementRecipient.volunteer_id)
            .join(Account, Account.telegram_id == Volunteer.telegram_id)
            .where(
                AnnouncementRecipient.announcement_id == announcement_id,
                AnnouncementRecipient.acknowledged_at.is_(None),
                or_(
                    AnnouncementRecipient.reminded_at.is_(None),
                    AnnouncementRecipient.reminded_at <= now - REMIND_AGAIN_AFTER,
                ),
                audience.signed_up(),
                Account.unreachable_at.is_(None),
            )
            .order_by(Volunteer.id)
        )
    ).all()
    if rows:
        await session.exec(
            update(AnnouncementRecipient)
            .where(AnnouncementRecipient.id.in_([row[0] for row in rows]))
            .values(reminded_at=now)
        )
        recipients = tuple(Recipient(v_id, tg_id, lang) for _, v_id, tg_id, lang in rows)
        await enqueue(session, now, _messages(view, recipients, display, reminder=True))
    announcement.reminded_at = now
    await audit.record(
        session,
        now,
        actor.telegram_id,
        "broadcast.remind",
        target_type="announcement",
        target_id=announcement_id,
        reminded=len(rows),
    )
    await session.flush()
    await card.refresh_card(session, announcement_id, now, display)
    return len(rows)
