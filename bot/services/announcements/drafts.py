"""What a leader fills in for an announcement, its checks, and the changes a leader makes:
create (to send now or at a time), edit or withdraw one that is still pending."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import DomainError, InvalidInput, NotFound
from bot.services import audit, registry
from bot.services.accounts import Actor, require_role
from bot.services.announcements import audience, card, delivery
from bot.services.announcements.audience import Audience
from bot.services.announcements.views import DOCUMENT, PHOTO, AnnouncementView, Attachment
from bot.services.display import Display
from bot.services.natural_time import PAST_GRACE
from bot.services.registry import TeamOption
from bot.text import clean_text
from models import Role
from models.announcements import TEXT_MAX, Announcement, AnnouncementStatus

FILE_ID_MAX = 256
FILE_NAME_MAX = 128


class NotPending(DomainError):
    """Sent or withdrawn already: it can no longer be changed."""

    key = "broadcast.card.not_pending"


@dataclass(frozen=True)
class AnnouncementDraft:
    text: str
    audience: Audience
    ask_ack: bool = True
    send_at: datetime | None = None  # None: now
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Saved:
    id: int
    send_at: datetime
    recipients: int | None  # how many it was sent to; None while it waits for its time


def validate(draft: AnnouncementDraft, now: datetime) -> AnnouncementDraft:
    """The draft with its text cleaned; ``InvalidInput`` names the first thing wrong."""
    text = clean_text(draft.text, max_length=TEXT_MAX, multiline=True, allow_markup=True)
    if not draft.audience.chosen:
        raise InvalidInput("broadcast.invalid.audience")
    if draft.send_at is not None:
        if draft.send_at.tzinfo is None:
            raise ValueError("send_at must be timezone-aware")
        if draft.send_at < now - PAST_GRACE:
            raise InvalidInput("broadcast.invalid.past")
    attachment = draft.attachment
    if attachment is not None and (
        attachment.kind not in (PHOTO, DOCUMENT) or not 0 < len(attachment.file_id) <= FILE_ID_MAX
    ):
        raise InvalidInput("broadcast.invalid.attachment")
    if attachment is not None:
        attachment = replace(attachment, name=attachment.name[:FILE_NAME_MAX])
    return replace(draft, text=text, attachment=attachment)


async def team_choices(session: AsyncSession, actor: Actor) -> list[TeamOption]:
    """The teams a leader may send to (what the form offers)."""
    require_role(actor, Role.LEADER, "broadcast.create")
    return await registry.team_options(session, actor)


async def reach(session: AsyncSession, actor: Actor, chosen: Audience) -> int:
    """How many volunteers the audience reaches now (the form's preview)."""
    require_role(actor, Role.LEADER, "broadcast.create")
    return await audience.count(session, chosen)


async def create_announcement(
    session: AsyncSession, actor: Actor, draft: AnnouncementDraft, now: datetime, display: Display
) -> Saved:
    """Record the announcement and post its status card to the leader; one due now is sent at
    once, in the same transaction."""
    require_role(actor, Role.LEADER, "broadcast.create")
    draft = validate(draft, now)
    announcement = Announcement(
        text="", send_at=now, created_by=actor.telegram_id, created_at=now, updated_at=now
    )
    _apply(announcement, draft, now)
    session.add(announcement)
    await session.flush()
    assert announcement.id is not None
    await audit.record(
        session,
        now,
        actor.telegram_id,
        "broadcast.create",
        target_type="announcement",
        target_id=announcement.id,
        send_at=announcement.send_at.isoformat(),
    )
    await card.post_card(session, announcement, now, display)
    return await _send_if_due(session, announcement, now, display)


@dataclass(frozen=True)
class Editing:
    """A pending announcement as a draft, and the teams the form may offer."""

    draft: AnnouncementDraft
    teams: list[TeamOption]


async def start_editing(session: AsyncSession, actor: Actor, announcement_id: int) -> Editing:
    require_role(
        actor, Role.LEADER, "broadcast.edit", target_type="announcement", target_id=announcement_id
    )
    view = AnnouncementView.of(await _pending(session, announcement_id))
    draft = AnnouncementDraft(view.text, view.audience, view.ask_ack, view.send_at, view.attachment)
    return Editing(draft, await registry.team_options(session, actor))


async def update_announcement(
    session: AsyncSession,
    actor: Actor,
    announcement_id: int,
    draft: AnnouncementDraft,
    now: datetime,
    display: Display,
) -> Saved:
    require_role(
        actor, Role.LEADER, "broadcast.edit", target_type="announcement", target_id=announcement_id
    )
    draft = validate(draft, now)
    announcement = await _pending(session, announcement_id)
    _apply(announcement, draft, now)
    await session.flush()
    await audit.record(
        session,
        now,
        actor.telegram_id,
        "broadcast.edit",
        target_type="announcement",
        target_id=announcement_id,
        send_at=announcement.send_at.isoformat(),
    )
    saved = await _send_if_due(session, announcement, now, display)
    await card.refresh_card(session, announcement_id, now, display)
    return saved


async def withdraw_announcement(
    session: AsyncSession, actor: Actor, announcement_id: int, now: datetime, display: Display
) -> AnnouncementView:
    """Withdraw a pending announcement: nobody has been told anything, nobody will be."""
    require_role(
        actor,
        Role.LEADER,
        "broadcast.withdraw",
        target_type="announcement",
        target_id=announcement_id,
    )
    withdrawn = await session.exec(
        update(Announcement)
        .where(
            Announcement.id == announcement_id,
            Announcement.status == AnnouncementStatus.SCHEDULED,
        )
        .values(status=AnnouncementStatus.WITHDRAWN, withdrawn_at=now, updated_at=now)
    )
    if not withdrawn.rowcount:
        await _announcement(session, announcement_id)  # NotFound when there is none
        raise NotPending()
    await audit.record(
        session,
        now,
        actor.telegram_id,
        "broadcast.withdraw",
        target_type="announcement",
        target_id=announcement_id,
    )
    await card.refresh_card(session, announcement_id, now, display)
    return AnnouncementView.of(await _announcement(session, announcement_id))


def _apply(announcement: Announcement, draft: AnnouncementDraft, now: datetime) -> None:
    chosen, attachment = draft.audience, draft.attachment
    announcement.text = draft.text
    announcement.ask_ack = draft.ask_ack
    announcement.team_ids = list(chosen.team_ids) if not chosen.everyone else []
    announcement.compounds = list(chosen.compounds) if not chosen.everyone else []
    announcement.party_only = chosen.party_only and not chosen.everyone
    announcement.everyone = chosen.everyone
    announcement.send_at = max(draft.send_at or now, now)
    announcement.attachment_kind = attachment.kind if attachment else None
    announcement.attachment_file_id = attachment.file_id if attachment else None
    announcement.attachment_name = attachment.name if attachment else None
    announcement.updated_at = now


async def _send_if_due(
    session: AsyncSession, announcement: Announcement, now: datetime, display: Display
) -> Saved:
    assert announcement.id is not None
    await session.flush()
    recipients = None
    if announcement.send_at <= now:
        recipients = await delivery.send_announcement(session, announcement.id, now, display)
    return Saved(announcement.id, announcement.send_at, recipients)


async def _announcement(session: AsyncSession, announcement_id: int) -> Announcement:
    announcement = await session.get(Announcement, announcement_id, populate_existing=True)
    if announcement is None:
        raise NotFound()
    return announcement


async def _pending(session: AsyncSession, announcement_id: int) -> Announcement:
    """The announcement, locked (so the scheduler cannot send it half-edited), if pending."""
    announcement = (
        await session.exec(
            select(Announcement)
            .where(Announcement.id == announcement_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if announcement is None:
        raise NotFound()
    if announcement.status != AnnouncementStatus.SCHEDULED:
        raise NotPending()
    return announcement
