"""The leader's roster card: one message per call-out, edited in place as answers come in.

The card is sent through the outbox; its Telegram message id is known only once the sender
has sent it (the outbox row's ``sent_message_id``), and is then kept on the call-out. Edits go
through the outbox too, keyed so that rapid edits of the card replace each other while still
pending: however fast presses come, the card is edited no faster than the sender's pacing for
that chat. ``roster_shown`` remembers what the card last showed, so nothing is re-sent when
nothing changed; the scheduler refreshes cards whose delivery counts moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import CalloutsConfig
from bot.errors import NotFound
from bot.i18n import Translator
from bot.outbox.cards import Rendered, latest_send
from bot.outbox.queue import PRIORITY_NOTICE, Button, Outgoing, enqueue, keyboard
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.callouts.buttons import RosterAction, RosterPress
from bot.services.callouts.views import CalloutView, Display, time_range
from bot.services.leader_scope import require_callout_leader
from models import (
    Account,
    Callout,
    CalloutResponse,
    OutboxMessage,
    OutboxState,
    Volunteer,
)
from models.callouts import CalloutStatus, ResponseState


def delivery_topic(callout_id: int) -> str:
    """The topic of the invitations: their outbox states are the delivery progress."""
    return f"callout:{callout_id}"


def card_topic(callout_id: int) -> str:
    return f"callout-card:{callout_id}"


@dataclass(frozen=True)
class RosterCounts:
    confirmed: int = 0
    waiting: int = 0
    declined: int = 0
    withdrawn: int = 0
    no_answer: int = 0  # asked, no answer yet, and can still be reached
    unreachable: int = 0  # asked, no answer, and blocked the bot (or left) since
    delivered: int = 0
    pending: int = 0
    undelivered: int = 0
    checked_in: int = 0
    checked_out: int = 0


@dataclass(frozen=True)
class RosterCard:
    callout: CalloutView
    counts: RosterCounts


async def roster_counts(session: AsyncSession, callout_id: int) -> RosterCounts:
    answers = dict(
        (
            await session.exec(
                select(CalloutResponse.state, func.count())
                .where(CalloutResponse.callout_id == callout_id)
                .group_by(CalloutResponse.state)
            )
        ).all()
    )
    sends = dict(
        (
            await session.exec(
                select(OutboxMessage.state, func.count())
                .where(OutboxMessage.topic == delivery_topic(callout_id))
                .group_by(OutboxMessage.state)
            )
        ).all()
    )
    invited = answers.get(ResponseState.INVITED, 0)
    reachable_invited = await session.scalar(
        select(func.count())
        .select_from(CalloutResponse)
        .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
        .join(Account, Account.telegram_id == Volunteer.telegram_id)
        .where(
            CalloutResponse.callout_id == callout_id,
            CalloutResponse.state == ResponseState.INVITED,
            Account.unreachable_at.is_(None),
        )
    )
    checked_in, checked_out = (
        await session.exec(
            select(
                func.count(CalloutResponse.checked_in_at),
                func.count(CalloutResponse.checked_out_at),
            ).where(CalloutResponse.callout_id == callout_id)
        )
    ).one()
    return RosterCounts(
        confirmed=answers.get(ResponseState.CONFIRMED, 0),
        waiting=answers.get(ResponseState.WAITING, 0),
        declined=answers.get(ResponseState.DECLINED, 0),
        withdrawn=answers.get(ResponseState.WITHDRAWN, 0),
        no_answer=reachable_invited or 0,
        unreachable=invited - (reachable_invited or 0),
        delivered=sends.get(OutboxState.SENT, 0),
        pending=sends.get(OutboxState.PENDING, 0) + sends.get(OutboxState.SENDING, 0),
        undelivered=sends.get(OutboxState.FAILED, 0),
        checked_in=checked_in,
        checked_out=checked_out,
    )


async def load_card(session: AsyncSession, callout_id: int) -> RosterCard:
    callout = await session.get(Callout, callout_id, populate_existing=True)
    if callout is None:
        raise NotFound()
    return RosterCard(CalloutView.of(callout), await roster_counts(session, callout_id))


def card_buttons(t: Translator, card: RosterCard) -> list[list[Button]]:
    callout_id = card.callout.id

    def button(key: str, action: RosterAction, **params: object) -> Button:
        return t(f"callouts.card.button.{key}", **params), RosterPress(callout_id, action).pack()

    export = button("export", RosterAction.EXPORT)
    if card.callout.status == CalloutStatus.CANCELLED:
        return [[export]]
    on_the_day = [
        [button("change_time", RosterAction.CHANGE_TIME), button("qr", RosterAction.QR)],
        [button("hours", RosterAction.HOURS), export],
    ]
    refresh = button("refresh", RosterAction.REFRESH)
    if not card.callout.is_open:  # closed: no more answers, but the duty still happens
        return [*on_the_day, [button("cancel", RosterAction.CANCEL), refresh]]
    return [
        [
            button("remind", RosterAction.REMIND, count=card.counts.no_answer),
            button("widen", RosterAction.WIDEN),
        ],
        *on_the_day,
        [button("close", RosterAction.CLOSE), button("cancel", RosterAction.CANCEL)],
        [refresh],
    ]


def render_card(t: Translator, card: RosterCard, settings: CalloutsConfig) -> Rendered:
    view, counts = card.callout, card.counts
    lines = [
        t("callouts.card.heading", status=t(f"callouts.card.status.{view.status.value}")),
        t("callouts.title_line", title=view.title),
        t("callouts.time_line", time=time_range(t, view)),
    ]
    if view.place:
        lines.append(t("callouts.place_line", place=view.place))
    if view.needed is None:
        lines.append(t("callouts.card.needed_open"))
    else:
        lines.append(t("callouts.card.needed", needed=view.needed))
    if view.is_open and view.is_full:
        lines.append(t("callouts.card.full"))
    lines += [
        "",
        t(
            "callouts.card.answers",
            confirmed=counts.confirmed,
            waiting=counts.waiting,
            declined=counts.declined,
            withdrawn=counts.withdrawn,
            no_answer=counts.no_answer,
        ),
        t(
            "callouts.card.delivery",
            delivered=counts.delivered,
            pending=counts.pending,
            undelivered=counts.undelivered,
        ),
    ]
    if counts.unreachable:
        lines.append(t("callouts.card.unreachable", count=counts.unreachable))
    if counts.checked_in:
        lines.append(
            t(
                "callouts.card.attendance",
                checked_in=counts.checked_in,
                checked_out=counts.checked_out,
            )
        )
    lines += escalation_lines(t, view, settings)
    return Rendered("\n".join(lines), keyboard(card_buttons(t, card)))


def escalation_lines(t: Translator, view: CalloutView, settings: CalloutsConfig) -> list[str]:
    """The waves run so far, and the next one while it is still to come."""
    lines = []
    for record in view.waves_done:
        key = "skipped" if record.skipped else record.action.value
        lines.append(
            t(
                f"callouts.card.wave.{key}",
                at=t.when(record.at),
                count=record.count,
                action=t(f"callouts.card.wave.action.{record.action.value}"),
            )
        )
    if view.is_open and view.next_wave_at is not None and view.wave < len(settings.waves):
        action = settings.waves[view.wave].action
        lines.append(
            t(
                "callouts.card.wave.next",
                at=t.when(view.next_wave_at),
                action=t(f"callouts.card.wave.action.{action}"),
            )
        )
    return ["", t("callouts.card.wave.heading"), *lines] if lines else []


async def _language(session: AsyncSession, telegram_id: int, display: Display) -> str:
    account = await session.get(Account, telegram_id)
    return account.language if account else display.group_language


async def post_card(
    session: AsyncSession, callout_id: int, chat_id: int, now: datetime, display: Display
) -> None:
    """Send a new roster card to ``chat_id``; it becomes the one kept up to date (a card shown
    before is told it moved)."""
    callout = await session.get(Callout, callout_id, populate_existing=True)
    if callout is None:
        raise NotFound()
    t = display.translator(await _language(session, chat_id, display))
    rendered = render_card(t, await load_card(session, callout_id), display.callouts)
    outgoing = [
        Outgoing.message(
            chat_id,
            rendered.html,
            rendered.markup,
            priority=PRIORITY_NOTICE,
            topic=card_topic(callout_id),
            coalesce_key=_card_key(callout_id, chat_id),
        )
    ]
    old_chat, old_message = callout.roster_chat_id, await _card_message_id(session, callout)
    if old_chat is not None and old_message is not None:
        old_t = display.translator(await _language(session, old_chat, display))
        outgoing.append(
            Outgoing.edit(
                old_chat, old_message, old_t("callouts.card.moved"), priority=PRIORITY_NOTICE
            )
        )
    callout.roster_chat_id = chat_id
    callout.roster_message_id = None
    callout.roster_shown = rendered.fingerprint()
    await enqueue(session, now, outgoing)


async def refresh_card(
    session: AsyncSession, callout_id: int, now: datetime, display: Display, *, force: bool = False
) -> bool:
    """Bring the card up to date if what it shows changed; True when an edit was queued."""
    callout = (
        await session.exec(
            select(Callout)
            .where(Callout.id == callout_id)
            .with_for_update()  # one refresh at a time, so an older count never wins
            .execution_options(populate_existing=True)
        )
    ).first()
    if callout is None or callout.roster_chat_id is None:
        return False
    chat_id = callout.roster_chat_id
    t = display.translator(await _language(session, chat_id, display))
    card = RosterCard(CalloutView.of(callout), await roster_counts(session, callout_id))
    rendered = render_card(t, card, display.callouts)
    fingerprint = rendered.fingerprint()
    if fingerprint == callout.roster_shown and not force:
        return False
    topic = card_topic(callout_id)
    if callout.roster_message_id is None:
        send = await latest_send(session, topic, chat_id)
        if send is None or send.state in (OutboxState.SENDING, OutboxState.FAILED):
            return False  # being sent right now: the next refresh edits it
        callout.roster_message_id = send.sent_message_id
    if callout.roster_message_id is not None:
        outgoing = Outgoing.edit(
            chat_id,
            callout.roster_message_id,
            rendered.html,
            rendered.markup,
            priority=PRIORITY_NOTICE,
            topic=topic,
        )
    else:  # still waiting to be sent: it goes out as it is now
        outgoing = Outgoing.message(
            chat_id,
            rendered.html,
            rendered.markup,
            priority=PRIORITY_NOTICE,
            topic=topic,
            coalesce_key=_card_key(callout_id, chat_id),
        )
    callout.roster_shown = fingerprint
    await enqueue(session, now, [outgoing])
    return True


def _card_key(callout_id: int, chat_id: int) -> str:
    return f"card:{callout_id}:{chat_id}"


async def _card_message_id(session: AsyncSession, callout: Callout) -> int | None:
    if callout.roster_message_id is not None:
        return callout.roster_message_id
    if callout.roster_chat_id is None:
        return None
    assert callout.id is not None
    send = await latest_send(session, card_topic(callout.id), callout.roster_chat_id)
    return send.sent_message_id if send is not None else None


async def open_card(
    session: AsyncSession, actor: Actor, callout_id: int, now: datetime, display: Display
) -> None:
    """A leader asks for a call-out's card (from ``/callouts``): it is posted to them."""
    await require_callout_leader(session, actor, callout_id, "callout.open_card")
    await post_card(session, callout_id, actor.telegram_id, now, display)
    await audit.record(
        session,
        now,
        actor.telegram_id,
        "callout.open_card",
        target_type="callout",
        target_id=callout_id,
    )


def cancel_question(t: Translator, view: CalloutView) -> Rendered:
    buttons = [
        [
            (
                t("callouts.card.button.cancel_confirm"),
                RosterPress(view.id, RosterAction.CANCEL_CONFIRMED).pack(),
            ),
            (
                t("callouts.card.button.cancel_back"),
                RosterPress(view.id, RosterAction.REFRESH).pack(),
            ),
        ]
    ]
    return Rendered(t("callouts.card.confirm_cancel", title=view.title), keyboard(buttons))


async def ask_to_cancel(
    session: AsyncSession, actor: Actor, callout_id: int, t: Translator
) -> Rendered:
    """Cancelling tells many people: the card asks once more."""
    await require_callout_leader(session, actor, callout_id, "callout.cancel")
    callout = await session.get(Callout, callout_id)
    if callout is None:
        raise NotFound()
    return cancel_question(t, CalloutView.of(callout))


async def show_card(
    session: AsyncSession, actor: Actor, callout_id: int, now: datetime, display: Display
) -> bool:
    """Refresh: show the card as it is now, even if nothing seems to have changed (e.g. after
    the cancel question was answered "back")."""
    await require_callout_leader(session, actor, callout_id, "callout.refresh_card")
    if await session.get(Callout, callout_id) is None:
        raise NotFound()
    return await refresh_card(session, callout_id, now, display, force=True)


LIVE_AFTER_END = timedelta(days=1)


async def live_cards(session: AsyncSession, now: datetime) -> list[int]:
    """Call-outs whose card is still worth keeping current: open, or ended within a day."""
    rows = await session.exec(
        select(Callout.id).where(
            Callout.roster_chat_id.is_not(None),
            or_(
                Callout.status == CalloutStatus.OPEN,
                Callout.closed_at >= now - LIVE_AFTER_END,
            ),
        )
    )
    return [callout_id for callout_id in rows.all() if callout_id is not None]
