"""Asking the volunteers: the first delivery, posts in team group chats, reminders, widening.

Each volunteer's message is rendered in their own language and written to the outbox in the
same transaction as their ``invited`` answer, so an invitation exists exactly when its message
is queued. Invitations carry the call-out's delivery topic: the outbox states of that topic are
the delivery progress the roster card shows.

An invitation is an answer row, one per volunteer and call-out (a unique key), inserted with
``ON CONFLICT DO NOTHING``: only the rows a transaction actually inserted get a message. So
two askings that overlap (the scheduler's widening and a leader's Widen, someone coming back
while the call-out widens) never fail, and nobody is sent the same call-out twice, whichever
commits first. (The askings also lock the call-out first, as every change of its answers
does; the key holds even for one that did not.)
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.config import CalloutsConfig
from bot.errors import DomainError, NotAllowed, NotFound
from bot.outbox.queue import PRIORITY_ALERT, PRIORITY_BULK, Outgoing, enqueue
from bot.outbox.quiet import QuietHours
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.callouts import group_posts, roster
from bot.services.callouts.audience import Recipient, reachable, resolve_audience, targeted
from bot.services.callouts.views import (
    CalloutView,
    Display,
    MyAnswer,
    group_post,
    personal_message,
)
from bot.services.leader_scope import leader_scope, require_callout_leader
from bot.services.unanswered import take_unanswered
from models import Account, Callout, CalloutResponse, Team, Volunteer
from models.callouts import CalloutStatus, ResponseState
from models.db import dialect_insert

# A second press of Remind soon after the first does not message the same people again.
REMIND_AGAIN_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Delivery:
    callout_id: int
    invited: int
    group_posts: int = 0


def _priority(view: CalloutView) -> int:
    return PRIORITY_ALERT if view.is_emergency else PRIORITY_BULK


def _routine(display: Display, view: CalloutView, now: datetime) -> bool:
    """A call-out waits for the end of quiet hours, unless it is an emergency or it would start
    before then."""
    quiet = QuietHours.of(display.community, display.zone)
    return not view.is_emergency and quiet.can_wait(now, as_utc(view.starts_at))


async def deliver_callout(
    session: AsyncSession, *, callout_id: int, now: datetime, display: Display
) -> Delivery | None:
    """Deliver a new call-out once: invitations, team group posts, and the creator's roster
    card. None when it was delivered already (or is no longer open)."""
    claimed = await session.exec(
        update(Callout)
        .where(
            Callout.id == callout_id,
            Callout.delivered_at.is_(None),
            Callout.status == CalloutStatus.OPEN,
        )
        .values(
            delivered_at=now,
            revision=Callout.revision + 1,
            next_wave_at=wave_due_at(display.callouts, 0, now),
        )
    )
    if not claimed.rowcount:
        return None
    callout = await _callout(session, callout_id)
    invited = await invite_audience(session, callout=callout, now=now, display=display)
    posts = await post_in_team_groups(session, callout=callout, now=now, display=display)
    await roster.post_card(session, callout_id, callout.created_by, now, display)
    return Delivery(callout_id, invited, posts)


async def undelivered_callouts(session: AsyncSession) -> list[int]:
    """Call-outs created but not yet delivered (the scheduler delivers them)."""
    rows = await session.exec(
        select(Callout.id)
        .where(Callout.delivered_at.is_(None), Callout.status == CalloutStatus.OPEN)
        .order_by(Callout.id)
    )
    return [callout_id for callout_id in rows.all() if callout_id is not None]


async def invite_audience(
    session: AsyncSession, *, callout: Callout, now: datetime, display: Display
) -> int:
    """Invite everyone targeted who has not been asked yet."""
    assert callout.id is not None
    recipients = await resolve_audience(session, callout=callout, now=now)
    invited = await _invite(session, [(callout.id, r.volunteer_id) for r in recipients], now)
    recipients = [r for r in recipients if (callout.id, r.volunteer_id) in invited]
    if not recipients:
        return 0
    view = CalloutView.of(callout)
    topic = roster.delivery_topic(view.id)
    routine = _routine(display, view, now)
    await enqueue(
        session, now, (_invitation(display, view, r, topic, routine=routine) for r in recipients)
    )
    return len(recipients)


async def _invite(
    session: AsyncSession, asked: list[tuple[int, int]], now: datetime
) -> set[tuple[int, int]]:
    """Record these (call-out, volunteer) invitations; those this transaction wrote. A
    volunteer who has an answer to the call-out already (written meanwhile by another
    transaction, too) is left out: they have their message."""
    if not asked:
        return set()
    answers = CalloutResponse.__table__  # type: ignore[attr-defined]
    written = await session.exec(
        dialect_insert(session, answers)
        .on_conflict_do_nothing(index_elements=["callout_id", "volunteer_id"])
        .returning(answers.c.callout_id, answers.c.volunteer_id),
        params=[
            {
                "callout_id": callout_id,
                "volunteer_id": volunteer_id,
                "state": ResponseState.INVITED,
                "invited_at": now,
            }
            for callout_id, volunteer_id in asked
        ],
    )
    return {(callout_id, volunteer_id) for callout_id, volunteer_id in written.all()}


def _invitation(
    display: Display,
    view: CalloutView,
    recipient: Recipient,
    topic: str,
    lead: str = "",
    *,
    routine: bool = False,
) -> Outgoing:
    t = display.translator(recipient.language)
    message = personal_message(
        t, display, view, MyAnswer(ResponseState.INVITED), lead=t(lead) if lead else ""
    )
    invitation = Outgoing.message(
        recipient.telegram_id,
        message.html,
        message.markup,
        priority=_priority(view),
        topic=topic,
        routine=routine,
    )
    return invitation.saying_if_repeated(t("callouts.repeated_note"))


async def post_in_team_groups(
    session: AsyncSession, *, callout: Callout, now: datetime, display: Display
) -> int:
    """Post the call-out in the group chats of its teams, where anyone answers for
    themselves."""
    if not callout.post_in_team_groups or callout.everyone or not callout.team_ids:
        return 0
    chats = (
        await session.exec(
            select(Team.group_chat_id)
            .where(Team.id.in_(list(callout.team_ids)), Team.group_chat_id.is_not(None))
            .distinct()
        )
    ).all()
    view = CalloutView.of(callout)
    post = group_post(display, view)
    posted = [chat_id for chat_id in chats if chat_id is not None]
    messages = [
        Outgoing.message(
            chat_id,
            post.html,
            post.markup,
            priority=_priority(view),
            topic=group_posts.post_topic(view.id),
            coalesce_key=group_posts.post_key(view.id, chat_id),
            routine=_routine(display, view, now),
        )
        for chat_id in posted
    ]
    await enqueue(session, now, messages)
    shown = dict(callout.group_posts_shown or {})
    for chat_id in posted:
        shown |= group_posts.shown_in(chat_id, post)
    callout.group_posts_shown = shown
    return len(messages)


async def offer_again(
    session: AsyncSession, *, telegram_id: int, now: datetime, display: Display
) -> int:
    """Someone who had blocked the bot is back: the open call-outs they were asked and did
    not answer, and those that target them but left them out while unreachable, are offered
    (again). Returns how many."""
    me = (
        await session.exec(
            select(Volunteer.id, Account.language)
            .join(Account, Account.telegram_id == Volunteer.telegram_id)
            .where(Volunteer.telegram_id == telegram_id, reachable(now))
        )
    ).first()
    if me is None:
        return 0
    volunteer_id, language = me
    assert volunteer_id is not None
    open_callouts = await session.exec(
        select(Callout, CalloutResponse.state)
        .outerjoin(
            CalloutResponse,
            and_(
                col(CalloutResponse.callout_id) == col(Callout.id),
                col(CalloutResponse.volunteer_id) == volunteer_id,
            ),
        )
        .where(
            Callout.status == CalloutStatus.OPEN,
            col(Callout.delivered_at).is_not(None),
            Callout.ends_at > now,
        )
        .order_by(col(Callout.starts_at))
    )
    candidates = open_callouts.all()
    missed: list[tuple[int, int]] = []  # targets them, went out while they were away
    for callout, state in candidates:
        if state is None and await _targets(session, callout, volunteer_id):
            assert callout.id is not None
            missed.append((callout.id, volunteer_id))
    newly_invited = {callout_id for callout_id, _ in await _invite(session, missed, now)}
    recipient = Recipient(volunteer_id, telegram_id, language)
    offers = [
        _invitation(
            display,
            CalloutView.of(callout),
            recipient,
            f"callout-again:{callout.id}",
            "callouts.again_lead",
        )
        for callout, state in candidates
        if state == ResponseState.INVITED or callout.id in newly_invited
    ]
    await enqueue(session, now, offers)
    return len(offers)


async def _targets(session: AsyncSession, callout: Callout, volunteer_id: int) -> bool:
    query = select(Volunteer.id).where(Volunteer.id == volunteer_id, targeted(callout))
    return (await session.exec(query)).first() is not None


async def remind_non_responders(
    session: AsyncSession, *, actor: Actor, callout_id: int, now: datetime, display: Display
) -> int:
    """Ask again those who have not answered (and were not reminded just now)."""
    return await _leader_asks(
        session, actor, callout_id, now, display, "callout.remind", remind, "reminded"
    )


async def remind(
    session: AsyncSession, *, callout: Callout, now: datetime, display: Display
) -> int:
    """Ask again whoever has not answered (and was not reminded just now); how many."""
    assert callout.id is not None
    callout_id = callout.id
    unanswered = await take_unanswered(
        session,
        asked=CalloutResponse,
        unanswered=and_(
            CalloutResponse.callout_id == callout_id,
            CalloutResponse.state == ResponseState.INVITED,
        ),
        reachable=reachable(now),
        now=now,
        again_after=REMIND_AGAIN_AFTER,
    )
    view = CalloutView.of(callout)
    topic = f"callout-remind:{callout_id}"
    routine = _routine(display, view, now)
    await enqueue(
        session,
        now,
        (
            _invitation(
                display,
                view,
                Recipient(*person),
                topic,
                "callouts.reminder_lead",
                routine=routine,
            )
            for person in unanswered
        ),
    )
    return len(unanswered)


async def widen_to_everyone(
    session: AsyncSession, *, actor: Actor, callout_id: int, now: datetime, display: Display
) -> int:
    """Ask the whole community (still only those with the required skills); returns how many
    more volunteers were asked. Not for a volunteer who leads teams: they ask only their own
    teams' members (``LeaderScope.teams_only``)."""
    if (await leader_scope(session, actor=actor)).teams_only:
        raise NotAllowed("callout.widen", target_type="callout", target_id=callout_id)
    return await _leader_asks(
        session, actor, callout_id, now, display, "callout.widen", widen, "invited"
    )


class Ask(Protocol):
    """``remind`` or ``widen``: ask more people about the open call-out; how many."""

    def __call__(
        self, session: AsyncSession, *, callout: Callout, now: datetime, display: Display
    ) -> Awaitable[int]: ...


async def _leader_asks(
    session: AsyncSession,
    actor: Actor,
    callout_id: int,
    now: datetime,
    display: Display,
    action: str,
    ask: Ask,
    counted: str,
) -> int:
    """A leader's button that asks more people: on the open call-out (locked), audit-logged
    with how many were asked (as ``counted``), then the card brought up to date."""
    await require_callout_leader(session, actor=actor, callout_id=callout_id, action=action)
    callout = await _open_callout(session, callout_id)
    asked = await ask(session, callout=callout, now=now, display=display)
    detail: dict[str, Any] = {counted: asked}
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action=action,
        target_type="callout",
        target_id=callout_id,
        **detail,
    )
    await roster.refresh_card(session, callout_id, now, display)
    return asked


async def widen(session: AsyncSession, *, callout: Callout, now: datetime, display: Display) -> int:
    """From the chosen teams or compounds to the whole community (the required skills still
    apply); how many more were asked."""
    callout.everyone = True
    await session.flush()
    return await invite_audience(session, callout=callout, now=now, display=display)


def wave_due_at(settings: CalloutsConfig, index: int, delivered_at: datetime) -> datetime | None:
    """When escalation wave ``index`` (from 0) is due for a call-out delivered at
    ``delivered_at``; ``None`` when there is no such wave."""
    if index >= len(settings.waves):
        return None
    return delivered_at + timedelta(minutes=settings.waves[index].after_minutes)


async def _callout(session: AsyncSession, callout_id: int) -> Callout:
    callout = await session.get(Callout, callout_id, populate_existing=True)
    if callout is None:
        raise NotFound()
    return callout


async def _open_callout(session: AsyncSession, callout_id: int) -> Callout:
    """The call-out, locked first (as every change of its answers does; see ``filling``)."""
    callout = (
        await session.exec(
            select(Callout)
            .where(Callout.id == callout_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if callout is None:
        raise NotFound()
    if callout.status != CalloutStatus.OPEN:
        raise DomainError("callouts.card.not_open")
    return callout
