"""The leader's roster card: one message per call-out, edited in place as answers come in.

The card is sent through the outbox; its Telegram message id is known only once the sender
has sent it (the outbox row's ``sent_message_id``), and is then kept on the call-out. Edits go
through the outbox too, keyed so that rapid edits of the card replace each other while still
pending: however fast presses come, the card is edited no faster than the sender's pacing for
that chat. ``roster_shown`` remembers what the card last showed, so nothing is re-sent when
nothing changed; the scheduler refreshes cards whose delivery counts moved on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.config import CalloutsConfig, Config
from bot.errors import NotFound
from bot.i18n import Html, Translator
from bot.outbox.cards import (
    CardPlace,
    LiveCards,
    Refresh,
    Rendered,
    bring_up_to_date,
    latest_send,
)
from bot.outbox.queue import PRIORITY_NOTICE, Button, Outgoing, enqueue, keyboard
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.callouts.buttons import RosterAction, RosterPress
from bot.services.callouts.clashes import confirmed_elsewhere_at_the_same_time
from bot.services.callouts.views import CalloutView, Display, WaveAction, time_range
from bot.services.leader_scope import require_callout_leader
from models import (
    Account,
    Callout,
    CalloutResponse,
    OutboxMessage,
    OutboxState,
    Role,
    Volunteer,
)
from models.callouts import CalloutStatus, ResponseState
from models.db import locked_row


class Copy(StrEnum):
    """The kinds of message that carry a volunteer's own copy of a call-out, with its buttons.
    Each is queued with ``copy_topic``, so ``/leave`` finds every one of them and takes their
    buttons away (``departure``)."""

    INVITATION = "callout"
    OFFERED_AGAIN = "callout-again"
    REMINDED = "callout-remind"  # asked again, not having answered
    STARTS_SOON = "callout-starts"  # still coming? (``reminders``)
    PROMOTED = "callout-promoted"
    NEW_TIME = "callout-new-time"
    FROM_GROUP = "callout-from-group"  # their own copy, after they answered in a group chat
    CLASH = "callout-clash"  # which of two clashing call-outs to keep (this one: the newer)


def copy_topic(kind: Copy, callout_id: int) -> str:
    return f"{kind.value}:{callout_id}"


# The copies that show the volunteer's own view of the call-out with its answer buttons (the
# others ask a question of their own: still coming?, which to keep?).
ANSWER_VIEWS = (Copy.INVITATION, Copy.OFFERED_AGAIN, Copy.REMINDED, Copy.FROM_GROUP)


async def sent_copies(
    session: AsyncSession,
    telegram_id: int,
    callout_ids: Sequence[int],
    kinds: Iterable[Copy],
) -> list[tuple[int, int]]:
    """(call-out, message) of each copy of these kinds of these call-outs that Telegram took
    for ``telegram_id``'s chat."""
    topics = {copy_topic(kind, c): c for c in callout_ids for kind in kinds}
    if not topics:
        return []
    sends = await session.exec(
        select(OutboxMessage.topic, OutboxMessage.sent_message_id).where(
            OutboxMessage.chat_id == telegram_id,
            OutboxMessage.topic.in_(list(topics)),
            OutboxMessage.sent_message_id.is_not(None),
        )
    )
    return [
        (topics[topic], message_id)
        for topic, message_id in sends.all()
        if topic and message_id is not None
    ]


def delivery_topic(callout_id: int) -> str:
    """The topic of the invitations: their outbox states are the delivery progress."""
    return copy_topic(Copy.INVITATION, callout_id)


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


CONFIRMED_SHOWN = 30  # names on the card; the rest are "+k more", listed in full on request
WAITING_SHOWN = 5
LIST_MESSAGE_LIMIT = 3500  # characters per message of the full list (Telegram allows 4096)


@dataclass(frozen=True)
class RosterPerson:
    """Someone on the roster as the leader sees them: a name (never a phone), and where they
    are with check-in."""

    name: str
    checked_in: bool = False
    checked_out: bool = False
    clash: bool = False  # also confirmed for another call-out at the same time
    arriving_at: datetime | None = None  # an emergency answer's "there in N min", as a time


@dataclass(frozen=True)
class RosterNames:
    confirmed: tuple[RosterPerson, ...] = ()  # in the order they said yes
    waiting: tuple[RosterPerson, ...] = ()  # in the waiting line's order


@dataclass(frozen=True)
class RosterCard:
    callout: CalloutView
    counts: RosterCounts
    names: RosterNames = RosterNames()
    started: bool = False  # check-in marks are shown from the start on
    may_widen: bool = True  # whoever the card is shown to may ask the whole community


async def roster_names(
    session: AsyncSession,
    callout_id: int,
    *,
    confirmed_limit: int | None = CONFIRMED_SHOWN,
    waiting_limit: int | None = WAITING_SHOWN,
) -> RosterNames:
    """The names of the confirmed and the waiting, the first few of each (all with ``None``).
    Whoever left has no name any more and is shown as such."""

    async def people(state: ResponseState, order: list[Any], limit: int | None) -> tuple[Any, ...]:
        query = (
            select(  # type: ignore[call-overload]  # typed up to 4 columns
                Volunteer.name,
                CalloutResponse.checked_in_at,
                CalloutResponse.checked_out_at,
                confirmed_elsewhere_at_the_same_time(),
                CalloutResponse.responded_at,
                CalloutResponse.eta_minutes,
            )
            .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
            .join(Callout, Callout.id == CalloutResponse.callout_id)
            .where(CalloutResponse.callout_id == callout_id, CalloutResponse.state == state)
            .order_by(*order)
        )
        if limit is not None:
            query = query.limit(limit)
        return tuple(
            RosterPerson(
                name or "–",
                checked_in is not None,
                checked_out is not None,
                bool(clash),
                _arrival(answered, eta),
            )
            for name, checked_in, checked_out, clash, answered, eta in (
                await session.exec(query)
            ).all()
        )

    return RosterNames(
        await people(
            ResponseState.CONFIRMED,
            [CalloutResponse.responded_at, CalloutResponse.id],
            confirmed_limit,
        ),
        await people(ResponseState.WAITING, [CalloutResponse.queue_number], waiting_limit),
    )


def _arrival(answered: datetime | None, eta_minutes: int | None) -> datetime | None:
    if answered is None or eta_minutes is None:
        return None
    return as_utc(answered) + timedelta(minutes=eta_minutes)


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


async def load_card(
    session: AsyncSession, callout_id: int, now: datetime | None = None, viewer: int | None = None
) -> RosterCard:
    callout = await session.get(Callout, callout_id, populate_existing=True)
    if callout is None:
        raise NotFound()
    return await _card_of(session, callout, now, viewer)


async def _card_of(
    session: AsyncSession, callout: Callout, now: datetime | None, viewer: int | None = None
) -> RosterCard:
    assert callout.id is not None
    view = CalloutView.of(callout)
    counts = await roster_counts(session, callout.id)
    started = counts.checked_in > 0 or (now is not None and now >= as_utc(view.starts_at))
    names = await roster_names(session, callout.id)
    return RosterCard(view, counts, names, started, await _may_widen(session, viewer))


async def _may_widen(session: AsyncSession, viewer: int | None) -> bool:
    """A card is shown in its holder's private chat; a volunteer who leads teams (the only
    volunteer who sees one) asks only their own teams, so their card offers no widening."""
    account = await session.get(Account, viewer) if viewer is not None else None
    return account is None or account.role != Role.VOLUNTEER


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
    if card.counts.confirmed or card.counts.waiting:
        on_the_day.insert(0, [button("names", RosterAction.NAMES)])
    refresh = button("refresh", RosterAction.REFRESH)
    if not card.callout.is_open:  # closed: no more answers, but the duty still happens
        return [*on_the_day, [button("cancel", RosterAction.CANCEL), refresh]]
    # Asking more people is for a call-out still short: full, it would only lengthen the
    # waiting line; with nobody left to answer, a reminder reaches nobody.
    asking = []
    if not card.callout.is_full:
        if card.counts.no_answer:
            asking.append(button("remind", RosterAction.REMIND, count=card.counts.no_answer))
        if not card.callout.everyone and card.may_widen:  # everyone asked: nobody new
            asking.append(button("widen", RosterAction.WIDEN))
    return [
        *([asking] if asking else []),
        *on_the_day,
        [button("close", RosterAction.CLOSE), button("cancel", RosterAction.CANCEL)],
        [refresh],
    ]


def render_card(t: Translator, card: RosterCard, settings: CalloutsConfig) -> Rendered:
    view, counts = card.callout, card.counts
    lines: list[str] = [
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
    lines += name_lines(t, card)
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


def with_board(
    rendered: Rendered, t: Translator, url: str | None, callout_id: int, chat_id: int
) -> Rendered:
    """A last row that opens this call-out on the leaders' board (a Mini App), when it is on.
    Telegram allows such buttons only in private chats (whose ids are positive: users')."""
    if not url or rendered.markup is None or chat_id <= 0:
        return rendered
    link = f"{url}{'&' if '?' in url else '?'}callout={callout_id}"
    button = {"text": t("menu.board_button"), "web_app": {"url": link}}
    rows = [*rendered.markup["inline_keyboard"], [button]]
    return Rendered(rendered.html, {"inline_keyboard": rows})


def person_text(t: Translator, person: RosterPerson, *, marks: bool) -> str:
    """A name, escaped, with its check-in mark once the duty has started, when they said
    they would arrive (an emergency's "there in N min", until they check in), and ⚠️ when they
    are also confirmed for another call-out at the same time."""
    if not marks:
        shown = str(t("callouts.card.person", name=person.name))
    else:
        mark = "out" if person.checked_out else ("in" if person.checked_in else "not_in")
        shown = str(t(f"callouts.card.person_{mark}", name=person.name))
    if person.arriving_at is not None and not person.checked_in:
        shown = str(t("callouts.card.person_arriving", person=Html(shown),
                      time=t.time(person.arriving_at)))  # fmt: skip
    return str(t("callouts.card.person_clash", person=Html(shown))) if person.clash else shown


def name_lines(t: Translator, card: RosterCard) -> list[str]:
    """Who is coming, by name (the first few; the full list is a button away), and the
    first of the waiting line."""
    names, counts = card.names, card.counts
    lines = []
    if names.confirmed:
        shown = t.join(person_text(t, p, marks=card.started) for p in names.confirmed)
        more = counts.confirmed - len(names.confirmed)
        heading = "callouts.card.coming_marked" if card.started else "callouts.card.coming"
        lines += ["", t(heading, names=Html(shown))]
        if more > 0:
            lines.append(t("callouts.card.more", count=more))
        if any(p.clash for p in names.confirmed):
            lines.append(t("callouts.clash.clash_note"))
    if names.waiting:
        shown = t.join(
            str(t("callouts.card.waiting_person", position=n, name=p.name))
            for n, p in enumerate(names.waiting, start=1)
        )
        more = counts.waiting - len(names.waiting)
        lines += ["", t("callouts.card.waiting_names", names=Html(shown))]
        if more > 0:
            lines.append(t("callouts.card.more", count=more))
    return lines


async def full_list(
    session: AsyncSession, actor: Actor, callout_id: int, t: Translator, now: datetime
) -> list[str]:
    """Everyone confirmed and waiting, by name, split into messages that fit Telegram."""
    callout = await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.full_list"
    )
    view = CalloutView.of(callout)
    names = await roster_names(session, callout_id, confirmed_limit=None, waiting_limit=None)
    started = now >= as_utc(view.starts_at) or any(p.checked_in for p in names.confirmed)
    lines = [
        str(t("callouts.card.full_list", title=view.title)),
        str(t("callouts.card.coming_heading", count=len(names.confirmed))),
    ]
    lines += [f"{n}. {person_text(t, p, marks=started)}" for n, p in enumerate(names.confirmed, 1)]
    if names.waiting:
        lines += ["", str(t("callouts.card.waiting_heading", count=len(names.waiting)))]
        lines += [
            f"{n}. {t('callouts.card.person', name=p.name)}" for n, p in enumerate(names.waiting, 1)
        ]
    return split_messages(lines, LIST_MESSAGE_LIMIT)


def split_messages(lines: list[str], limit: int) -> list[str]:
    """Lines joined into as few messages as fit ``limit`` characters each (never a line cut)."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(line) + 1 > limit:
            messages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        messages.append("\n".join(current))
    return messages


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
    if (
        view.is_open
        and not view.is_full  # a wave that finds it full is not needed (``escalation``)
        and view.next_wave_at is not None
        and view.wave < len(settings.waves)
        and view.wave_applies(WaveAction(settings.waves[view.wave].action))
    ):
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
    rendered = render_card(t, await load_card(session, callout_id, now, chat_id), display.callouts)
    rendered = with_board(rendered, t, display.board_url, callout_id, chat_id)
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
) -> Refresh:
    """Bring the card up to date if what it shows changed."""
    callout = await locked_row(session, Callout, callout_id)
    if callout is None or callout.roster_chat_id is None:
        return Refresh.NOTHING
    chat_id = callout.roster_chat_id
    t = display.translator(await _language(session, chat_id, display))
    rendered = render_card(t, await _card_of(session, callout, now, chat_id), display.callouts)
    rendered = with_board(rendered, t, display.board_url, callout_id, chat_id)
    place = CardPlace(chat_id, callout.roster_message_id, callout.roster_shown)
    placed = await bring_up_to_date(
        session,
        place,
        rendered,
        topic=card_topic(callout_id),
        coalesce_key=_card_key(callout_id, chat_id),
        now=now,
        force=force,
    )
    if isinstance(placed, Refresh):
        return placed
    callout.roster_message_id, callout.roster_shown = placed.message_id, placed.shown
    return Refresh.QUEUED


def _news_key(callout_id: int) -> str:
    return f"callout-news:{callout_id}"


async def tell_leader_of_changes(
    session: AsyncSession, callout_id: int, now: datetime, display: Display
) -> None:
    """Withdrawals and promotions reach the leader as a message, not only as an edit of the
    card. Changes that come together make one message: while the last one is still waiting
    to be sent, it is replaced by one that lists every change since it was first queued."""
    callout = await session.get(Callout, callout_id, populate_existing=True)
    if callout is None:
        raise NotFound()
    chat_id = callout.roster_chat_id or callout.created_by
    key = _news_key(callout_id)
    queued_at = await session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.coalesce_key == key, OutboxMessage.state == OutboxState.PENDING
        )
    )
    since = as_utc(queued_at) if queued_at is not None else now
    t = display.translator(await _language(session, chat_id, display))
    withdrew = await _names_since(session, t, callout_id, ResponseState.WITHDRAWN, since)
    promoted = await _names_since(session, t, callout_id, ResponseState.CONFIRMED, since)
    if not withdrew and not promoted:
        return
    view = CalloutView.of(callout)
    lines = [t("callouts.news.heading", title=view.title)]
    if withdrew:
        lines.append(t("callouts.news.withdrew", names=t.join(withdrew)))
    if promoted:
        lines.append(t("callouts.news.promoted", names=t.join(promoted)))
    if view.needed is not None:
        lines.append(t("callouts.news.now", confirmed=view.confirmed, needed=view.needed))
    else:
        lines.append(t("callouts.news.now_open", confirmed=view.confirmed))
    message = Outgoing.message(
        chat_id, "\n".join(lines), priority=PRIORITY_NOTICE, coalesce_key=key
    )
    await enqueue(session, now, [message])


async def _names_since(
    session: AsyncSession, t: Translator, callout_id: int, state: ResponseState, since: datetime
) -> list[str]:
    """Who withdrew (``WITHDRAWN``) or was given a place from the waiting line
    (``CONFIRMED``) at or after ``since``; whoever left since is named as such only."""
    at = (
        CalloutResponse.responded_at
        if state == ResponseState.WITHDRAWN
        else (CalloutResponse.promoted_at)
    )
    rows = await session.exec(
        select(Volunteer.name)
        .join(CalloutResponse, CalloutResponse.volunteer_id == Volunteer.id)
        .where(
            CalloutResponse.callout_id == callout_id,
            CalloutResponse.state == state,
            at >= since,
        )
        .order_by(at, CalloutResponse.id)
    )
    return [name or str(t("callouts.news.someone_who_left")) for name in rows.all()]


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
    await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.open_card"
    )
    await post_card(session, callout_id, actor.telegram_id, now, display)
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="callout.open_card",
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


async def ask_to_cancel(session: AsyncSession, *, actor: Actor, callout_id: int) -> CalloutView:
    """Cancelling tells many people: the call-out the card asks about once more (the
    question itself is ``cancel_question``)."""
    await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.cancel"
    )
    callout = await session.get(Callout, callout_id)
    if callout is None:
        raise NotFound()
    return CalloutView.of(callout)


async def show_card(
    session: AsyncSession, actor: Actor, callout_id: int, now: datetime, display: Display
) -> Refresh:
    """Refresh: show the card as it is now, even if nothing seems to have changed (e.g. after
    the cancel question was answered "back")."""
    await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.refresh_card"
    )
    if await session.get(Callout, callout_id) is None:
        raise NotFound()
    return await refresh_card(session, callout_id, now, display, force=True)


LIVE_AFTER_END = timedelta(days=1)


async def live_cards(session: AsyncSession, now: datetime) -> list[int]:
    """Call-outs whose card is still worth keeping current: open, or ended within a day."""
    return list(await card_revisions(session, now=now))


async def card_revisions(session: AsyncSession, *, now: datetime) -> dict[int, int]:
    """The live cards and the ``revision`` of each: it moves with every change of an
    answer, which is how a press marks the card stale (see ``bot.outbox.cards``)."""
    rows = await session.exec(
        select(Callout.id, Callout.revision).where(
            Callout.roster_chat_id.is_not(None),
            or_(
                Callout.status == CalloutStatus.OPEN,
                Callout.closed_at >= now - LIVE_AFTER_END,
            ),
        )
    )
    return {callout_id: revision for callout_id, revision in rows.all() if callout_id is not None}


def roster_cards(config: Config) -> LiveCards:
    """The roster cards, for the card refresher."""
    display = Display.from_config(config)
    return LiveCards(
        "roster",
        lambda session, now: card_revisions(session, now=now),
        lambda session, callout_id, now: refresh_card(session, callout_id, now, display),
    )
