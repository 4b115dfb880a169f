"""The sender's status card: one message per announcement, edited in place as it is
delivered and read.

Delivery counts are the outbox states of the announcement's topic; "read" is the recipients'
"Got it". The card is sent through the outbox, so its Telegram message id is the outbox row's
``sent_message_id`` once sent; while it still waits, a newer version replaces it (same
coalesce key). ``card_shown`` remembers what the card last showed, so nothing is sent when
nothing changed; the scheduler refreshes cards whose counts moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import NotFound
from bot.i18n import Translator
from bot.outbox.cards import CardPlace, Refresh, Rendered, bring_up_to_date
from bot.outbox.progress import progress as outbox_progress
from bot.outbox.queue import PRIORITY_NOTICE, Button, Outgoing, enqueue, keyboard
from bot.services.accounts import Actor, require_role
from bot.services.announcements.audience import Audience
from bot.services.announcements.buttons import CardAction, CardPress
from bot.services.announcements.views import PHOTO, AnnouncementView, topic
from bot.services.display import Display
from models import Account, Role, Team
from models.announcements import Announcement, AnnouncementRecipient, AnnouncementStatus
from models.db import locked_row

# The card offers to remind those who have not pressed "Got it" this long after sending.
REMIND_AFTER = timedelta(hours=1)
LIVE_FOR = timedelta(days=3)  # the scheduler keeps a sent announcement's card current so long
EXCERPT = 300  # characters of the text the card repeats


@dataclass(frozen=True)
class CardCounts:
    """What the card counts: recipients, delivery (the outbox's), and "Got it"."""

    recipients: int = 0
    delivered: int = 0
    pending: int = 0
    failed: int = 0
    unreachable: int = 0  # known to have blocked the bot: no message was queued
    read: int = 0

    @property
    def undelivered(self) -> int:
        return self.failed + self.unreachable

    @property
    def unread(self) -> int:
        """Who got it (or may still get it) and has not pressed "Got it"."""
        return self.recipients - self.failed - self.read


def card_topic(announcement_id: int) -> str:
    return f"announce-card:{announcement_id}"


async def card_counts(session: AsyncSession, view: AnnouncementView) -> CardCounts:
    sends = await outbox_progress(session, topic(view.id))
    recipients, read = (
        await session.exec(
            select(func.count(), func.count(AnnouncementRecipient.acknowledged_at)).where(
                AnnouncementRecipient.announcement_id == view.id
            )
        )
    ).one()
    return CardCounts(
        recipients=recipients,
        delivered=sends.delivered,
        pending=sends.pending,
        failed=sends.failed,
        unreachable=view.unreachable,
        read=read,
    )


def may_remind(view: AnnouncementView, counts: CardCounts, now: datetime) -> bool:
    """A while after sending, if some have not pressed "Got it"."""
    return (
        view.status == AnnouncementStatus.SENT
        and view.ask_ack
        and view.sent_at is not None
        and now >= view.sent_at + REMIND_AFTER
        and counts.unread > 0
    )


def describe_audience(t: Translator, audience: Audience, team_names: list[str]) -> str:
    if audience.everyone:
        return t("broadcast.audience.everyone")
    if audience.team_ids:
        return t("broadcast.audience.teams", names=t.join(team_names))
    if audience.compounds:
        return t("broadcast.audience.compounds", names=t.join(audience.compounds))
    return t("broadcast.audience.party")


def excerpt(text: str, limit: int = EXCERPT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_card(
    t: Translator,
    view: AnnouncementView,
    counts: CardCounts,
    team_names: list[str],
    now: datetime,
) -> Rendered:
    lines: list[str] = [
        t("broadcast.card.heading", status=t(f"broadcast.card.status.{view.status.value}")),
        t("broadcast.card.text", text=excerpt(view.text)),
    ]
    if view.attachment is not None:
        if view.attachment.kind == PHOTO:
            lines.append(t("broadcast.card.photo"))
        else:
            lines.append(t("broadcast.card.document", name=view.attachment.name or "—"))
    lines.append(
        t("broadcast.card.audience", audience=describe_audience(t, view.audience, team_names))
    )
    if view.status == AnnouncementStatus.SCHEDULED:
        lines.append(t("broadcast.card.scheduled", when=t.when(view.send_at)))
    elif view.status == AnnouncementStatus.SENT and view.sent_at is not None:
        lines += _sent_lines(t, view, counts)
    return Rendered("\n".join(lines), _buttons(t, view, counts, now))


def _sent_lines(t: Translator, view: AnnouncementView, counts: CardCounts) -> list[str]:
    assert view.sent_at is not None
    lines = [
        t("broadcast.card.sent", when=t.when(view.sent_at)),
        "",
        t(
            "broadcast.card.delivery",
            recipients=counts.recipients + counts.unreachable,
            delivered=counts.delivered,
            pending=counts.pending,
            undelivered=counts.undelivered,
        ),
    ]
    if view.ask_ack:
        lines.append(t("broadcast.card.read", read=counts.read, unread=counts.unread))
    else:
        lines.append(t("broadcast.card.no_ack"))
    if view.reminded_at is not None:
        lines.append(t("broadcast.card.reminded_line", when=t.when(view.reminded_at)))
    return lines


def _buttons(
    t: Translator, view: AnnouncementView, counts: CardCounts, now: datetime
) -> dict[str, Any] | None:
    def button(action: CardAction, **params: object) -> Button:
        label = t(f"broadcast.card.button.{action.value}", **params)
        return label, CardPress(view.id, action.value).pack()

    refresh = button(CardAction.REFRESH)
    if view.status == AnnouncementStatus.SCHEDULED:
        rows = [[button(CardAction.EDIT), button(CardAction.WITHDRAW)], [refresh]]
    elif view.status == AnnouncementStatus.SENT:
        rows = [[refresh]]
        if may_remind(view, counts, now):
            rows.insert(0, [button(CardAction.REMIND, count=counts.unread)])
    else:
        return None
    return keyboard(rows)


async def team_names(session: AsyncSession, audience: Audience) -> list[str]:
    if not audience.team_ids:
        return []
    rows = await session.exec(
        select(Team.name).where(Team.id.in_(list(audience.team_ids))).order_by(Team.name)
    )
    return list(rows.all())


async def _render(
    session: AsyncSession,
    announcement: Announcement,
    language: str,
    now: datetime,
    display: Display,
) -> Rendered:
    view = AnnouncementView.of(announcement)
    t = display.translator(language)
    names = await team_names(session, view.audience)
    return render_card(t, view, await card_counts(session, view), names, now)


def _card_key(announcement_id: int) -> str:
    return f"announce-card:{announcement_id}"


async def _language(session: AsyncSession, telegram_id: int, display: Display) -> str:
    account = await session.get(Account, telegram_id)
    return account.language if account else display.group_language


async def post_card(
    session: AsyncSession, announcement: Announcement, now: datetime, display: Display
) -> None:
    """The card, as a new message to whoever wrote the announcement."""
    assert announcement.id is not None
    chat_id = announcement.created_by
    rendered = await _render(
        session, announcement, await _language(session, chat_id, display), now, display
    )
    announcement.card_chat_id = chat_id
    announcement.card_shown = rendered.fingerprint()
    message = Outgoing.message(
        chat_id,
        rendered.html,
        rendered.markup,
        priority=PRIORITY_NOTICE,
        topic=card_topic(announcement.id),
        coalesce_key=_card_key(announcement.id),
    )
    await enqueue(session, now, [message])


async def refresh_card(
    session: AsyncSession, announcement_id: int, now: datetime, display: Display
) -> Refresh:
    """Bring the card up to date if what it shows changed."""
    announcement = await locked_row(session, Announcement, announcement_id)
    if announcement is None or announcement.card_chat_id is None:
        return Refresh.NOTHING
    chat_id = announcement.card_chat_id
    rendered = await _render(
        session, announcement, await _language(session, chat_id, display), now, display
    )
    placed = await bring_up_to_date(
        session,
        CardPlace(chat_id, shown=announcement.card_shown),
        rendered,
        topic=card_topic(announcement_id),
        coalesce_key=_card_key(announcement_id),
        now=now,
    )
    if isinstance(placed, Refresh):
        return placed
    announcement.card_shown = placed.shown
    return Refresh.QUEUED


async def refresh_for(
    session: AsyncSession, actor: Actor, announcement_id: int, now: datetime, display: Display
) -> Refresh:
    """A leader's Refresh on the card."""
    require_role(
        actor, Role.LEADER, "broadcast.card", target_type="announcement", target_id=announcement_id
    )
    if await session.get(Announcement, announcement_id) is None:
        raise NotFound()
    return await refresh_card(session, announcement_id, now, display)


async def live_cards(session: AsyncSession, now: datetime) -> list[int]:
    """Announcements whose card is worth keeping current: pending, or sent lately."""
    rows = await session.exec(
        select(Announcement.id).where(
            Announcement.card_chat_id.is_not(None),
            or_(
                Announcement.status == AnnouncementStatus.SCHEDULED,
                (Announcement.status == AnnouncementStatus.SENT)
                & (Announcement.sent_at >= now - LIVE_FOR),
            ),
        )
    )
    return [announcement_id for announcement_id in rows.all() if announcement_id is not None]
