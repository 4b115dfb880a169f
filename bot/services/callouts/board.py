"""Call-outs as the leaders' board shows them: the open ones in the viewer's scope with their
roster card's counts and names, and one call-out's whole roster (answers, arrival estimates,
check-in and check-out times). The card's own data (``roster.load_card``) is reused, so the
board and the chat card never count differently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.services.accounts import Actor
from bot.services.callouts.clashes import confirmed_elsewhere_at_the_same_time
from bot.services.callouts.export import STATE_ORDER
from bot.services.callouts.roster import RosterCard, load_card
from bot.services.leader_scope import LeaderScope, require_callout_leader
from models import Account, Callout, CalloutResponse, Volunteer
from models.callouts import CalloutStatus, ResponseState

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RosterEntry:
    name: str
    state: str  # confirmed, waiting, declined, withdrawn, no_answer, undelivered
    position: int | None  # in the waiting line, from 1
    eta_minutes: int | None
    answered_at: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    clash: bool


async def open_cards(
    session: AsyncSession, *, actor: Actor, scope: LeaderScope, now: datetime
) -> list[RosterCard]:
    """The call-outs not yet over that the viewer leads, soonest first: open ones, and those
    closed to answers (full) whose duty is still to come or under way (check-ins show)."""
    found = await session.exec(
        select(Callout)
        .where(col(Callout.status) != CalloutStatus.CANCELLED, col(Callout.ends_at) > now)
        .order_by(col(Callout.starts_at), col(Callout.id))
    )
    return [
        await load_card(session, callout.id, now)
        for callout in found.all()
        if callout.id is not None and scope.covers_callout(callout, actor.telegram_id)
    ]


def card_actions(card: RosterCard) -> list[str]:
    """The roster card's actions the board offers, as the chat card's buttons."""
    if card.callout.status == CalloutStatus.CANCELLED:
        return ["export"]
    if not card.callout.is_open:
        return ["change_time", "cancel", "export"]
    asking = ["remind"] if card.callout.everyone else ["remind", "widen"]
    return [*asking, "change_time", "close", "cancel", "export"]


async def roster_of(
    session: AsyncSession, *, actor: Actor, callout_id: int, now: datetime
) -> tuple[RosterCard, list[RosterEntry]]:
    """The card and everyone asked, if the viewer leads the call-out (``NotAllowed`` else)."""
    await require_callout_leader(session, actor, callout_id, "callout.card")
    card = await load_card(session, callout_id, now)
    rows = await session.exec(
        select(
            CalloutResponse,
            Volunteer.name,
            Account.unreachable_at,
            confirmed_elsewhere_at_the_same_time(),
        )
        .join(Volunteer, col(Volunteer.id) == CalloutResponse.volunteer_id)
        .join(Callout, col(Callout.id) == CalloutResponse.callout_id)
        .outerjoin(Account, col(Account.telegram_id) == Volunteer.telegram_id)
        .where(CalloutResponse.callout_id == callout_id)
    )
    entries = sorted(rows.all(), key=_roster_order)
    waiting = [r.id for r, *_ in entries if r.state == ResponseState.WAITING]
    return card, [
        RosterEntry(
            name=name or "–",
            state=_state(response.state, unreachable),
            position=waiting.index(response.id) + 1 if response.id in waiting else None,
            eta_minutes=response.eta_minutes,
            answered_at=response.responded_at,
            checked_in_at=response.checked_in_at,
            checked_out_at=response.checked_out_at,
            clash=bool(clash),
        )
        for response, name, unreachable, clash in entries
    ]


def _roster_order(row: tuple[CalloutResponse, str | None, datetime | None, bool]) -> tuple:
    response = row[0]
    key = response.queue_number if response.state == ResponseState.WAITING else None
    when = as_utc(response.responded_at or response.invited_at or EPOCH)
    return (STATE_ORDER[ResponseState(response.state)], key or 0, when, response.id or 0)


def _state(state: str, unreachable: datetime | None) -> str:
    if state == ResponseState.INVITED:
        return "undelivered" if unreachable is not None else "no_answer"
    return str(state)
