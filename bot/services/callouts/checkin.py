"""Check-in and check-out on the day, and the service hours they earn.

A confirmed volunteer checks in from the reminder's button, with ``/checkin`` (their current or
next duty), or by scanning the QR code the leader put up at the site (the deep link
``https://t.me/<bot>?start=ci_<code>``); a location they share is kept with the check-in.
Check-out credits the minutes from check-in to check-out (never past the end) to the hours
ledger; whoever forgot is checked out at the end by the scheduler and credited up to it.

Like every change of a call-out's answers, these lock the call-out's row first (see
``filling``), so they never wait in a circle with a press or a card refresh.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.errors import DomainError, InvalidInput, NotAsked, NotFound, StaleButton
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.services import audit, hours
from bot.services.accounts import Actor
from bot.services.callouts import roster
from bot.services.callouts.filling import lock_callout, response_of
from bot.services.callouts.views import CalloutView, Display
from bot.services.hours_report import duration_text
from bot.services.leader_scope import require_callout_leader
from bot.services.lifecycle import registered_volunteer_id
from bot.services.qr import qr_png
from models import Account, Callout, CalloutResponse, Volunteer
from models.callouts import CalloutStatus, ResponseState

HOURS_SOURCE = "callout"
LINK_PREFIX = "ci_"  # the deep link's payload: ci_<code>
CODE_BYTES = 9  # 12 URL-safe characters, 72 random bits
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


@dataclass(frozen=True)
class CheckedIn:
    callout: CalloutView
    at: datetime
    already: bool  # was checked in before: nothing changed


@dataclass(frozen=True)
class CheckedOut:
    callout: CalloutView
    checked_in_at: datetime
    checked_out_at: datetime
    minutes: int  # credited


@dataclass(frozen=True)
class CheckinLink:
    title: str
    url: str
    png: bytes


# -- checking in ------------------------------------------------------------------------------


async def check_in(
    session: AsyncSession, *, telegram_id: int, callout_id: int, now: datetime, display: Display
) -> CheckedIn:
    """Check in to this call-out (the reminder's button). A press for a call-out never sent
    to the presser is forged: refused without a word about it."""
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    if await response_of(session, callout_id, volunteer_id) is None:
        raise NotAsked("callout.check_in")
    return await _check_in(session, volunteer_id, callout_id, now, display)


async def check_in_by_link(
    session: AsyncSession, *, telegram_id: int, payload: str, now: datetime, display: Display
) -> CheckedIn:
    """Check in with the code from the QR code at the site (``ci_<code>``)."""
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    code = payload.removeprefix(LINK_PREFIX)
    callout_id = None
    if _CODE.match(code):
        callout_id = (
            await session.exec(select(Callout.id).where(Callout.checkin_code == code))
        ).first()
    if callout_id is None:
        raise DomainError("callouts.checkin.unknown_code")
    return await _check_in(session, volunteer_id, callout_id, now, display)


async def check_in_current(
    session: AsyncSession, *, telegram_id: int, now: datetime, display: Display
) -> CheckedIn:
    """``/checkin``: the duty going on now, else the next one (if its check-in is open)."""
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    duties = (
        await session.exec(
            select(CalloutResponse.callout_id, CalloutResponse.checked_in_at)
            .join(Callout, Callout.id == CalloutResponse.callout_id)
            .where(
                CalloutResponse.volunteer_id == volunteer_id,
                CalloutResponse.state == ResponseState.CONFIRMED,
                CalloutResponse.checked_out_at.is_(None),
                Callout.status != CalloutStatus.CANCELLED,
                Callout.ends_at > now,
            )
            .order_by(Callout.starts_at, Callout.id)
        )
    ).all()
    if not duties:
        raise DomainError("callouts.checkin.no_duty")
    # Someone already checked in is told so, rather than checked in to a later duty.
    callout_id = next((c for c, checked_in in duties if checked_in is not None), duties[0][0])
    return await _check_in(session, volunteer_id, callout_id, now, display)


async def _check_in(
    session: AsyncSession, volunteer_id: int, callout_id: int, now: datetime, display: Display
) -> CheckedIn:
    await lock_callout(session, callout_id)
    view = await _view(session, callout_id)
    response = await response_of(session, callout_id, volunteer_id)
    if view.status == CalloutStatus.CANCELLED:
        raise DomainError("callouts.checkin.cancelled", title=view.title)
    if response is None or response.state != ResponseState.CONFIRMED:
        raise DomainError("callouts.checkin.not_confirmed", title=view.title)
    if response.checked_in_at is not None:
        return CheckedIn(view, as_utc(response.checked_in_at), already=True)
    if now >= view.ends_at:
        raise DomainError("callouts.checkin.over", title=view.title)
    opens = view.starts_at - timedelta(minutes=display.callouts.checkin_opens_minutes)
    if now < opens:
        raise DomainError("callouts.checkin.too_early", title=view.title, opens=opens)
    await session.exec(
        update(CalloutResponse)
        .where(CalloutResponse.id == response.id, CalloutResponse.checked_in_at.is_(None))
        .values(checked_in_at=now),
        execution_options={"synchronize_session": False},
    )
    await roster.refresh_card(session, callout_id, now, display)
    return CheckedIn(view, now, already=False)


async def attach_location(
    session: AsyncSession, *, telegram_id: int, callout_id: int, latitude: float, longitude: float
) -> None:
    """Keep the location shared at check-in (where the volunteer said they were)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput("callouts.invalid.location")
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    stored = await session.exec(
        update(CalloutResponse)
        .where(
            CalloutResponse.callout_id == callout_id,
            CalloutResponse.volunteer_id == volunteer_id,
            CalloutResponse.checked_in_at.is_not(None),
        )
        .values(check_in_latitude=latitude, check_in_longitude=longitude)
    )
    if not stored.rowcount:
        raise StaleButton()


# -- checking out -----------------------------------------------------------------------------


async def check_out(
    session: AsyncSession, *, telegram_id: int, now: datetime, display: Display
) -> CheckedOut:
    """``/checkout``: end the open check-in and credit its time."""
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    open_check_in = (
        await session.exec(
            select(CalloutResponse.callout_id)
            .where(
                CalloutResponse.volunteer_id == volunteer_id,
                CalloutResponse.checked_in_at.is_not(None),
                CalloutResponse.checked_out_at.is_(None),
            )
            .order_by(CalloutResponse.checked_in_at.desc())
        )
    ).first()
    if open_check_in is None:
        raise DomainError("callouts.checkout.none")
    await lock_callout(session, open_check_in)
    view = await _view(session, open_check_in)
    checked_out = await _close(session, view, volunteer_id, min(now, view.ends_at), now)
    if checked_out is None:
        raise StaleButton()  # closed meanwhile (at the end, by the scheduler)
    await roster.refresh_card(session, view.id, now, display)
    return checked_out


async def callouts_with_forgotten_check_ins(session: AsyncSession, *, now: datetime) -> list[int]:
    rows = await session.exec(
        select(CalloutResponse.callout_id)
        .join(Callout, Callout.id == CalloutResponse.callout_id)
        .where(
            CalloutResponse.checked_in_at.is_not(None),
            CalloutResponse.checked_out_at.is_(None),
            Callout.ends_at <= now,
        )
        .distinct()
    )
    return list(rows.all())


async def close_forgotten_check_ins(
    session: AsyncSession, *, callout_id: int, now: datetime, display: Display
) -> int:
    """The call-out is over: whoever is still checked in is checked out at its end, credited
    up to it, and told."""
    await lock_callout(session, callout_id)
    view = await _view(session, callout_id)
    forgotten = (
        await session.exec(
            select(CalloutResponse.volunteer_id, Account.telegram_id, Account.language)
            .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
            .join(Account, Account.telegram_id == Volunteer.telegram_id, isouter=True)
            .where(
                CalloutResponse.callout_id == callout_id,
                CalloutResponse.checked_in_at.is_not(None),
                CalloutResponse.checked_out_at.is_(None),
            )
        )
    ).all()
    messages = []
    for volunteer_id, telegram_id, language in forgotten:
        closed = await _close(session, view, volunteer_id, view.ends_at, now)
        if closed is None or telegram_id is None:
            continue
        t = display.translator(language)
        text = t(
            "callouts.checkout.automatic",
            title=view.title,
            end=t.when(view.ends_at),
            duration=duration_text(t, closed.minutes),
        )
        messages.append(Outgoing.message(telegram_id, text, priority=PRIORITY_NOTICE))
    await enqueue(session, now, messages)
    if forgotten:
        await roster.refresh_card(session, callout_id, now, display)
    return len(forgotten)


async def _close(
    session: AsyncSession,
    view: CalloutView,
    volunteer_id: int,
    checked_out_at: datetime,
    now: datetime,
) -> CheckedOut | None:
    """Check out at ``checked_out_at`` and credit the time; None if already checked out."""
    response = await response_of(session, view.id, volunteer_id)
    if response is None or response.checked_in_at is None or response.checked_out_at is not None:
        return None
    checked_in_at = as_utc(response.checked_in_at)
    checked_out_at = max(checked_out_at, checked_in_at)
    closed = await session.exec(
        update(CalloutResponse)
        .where(CalloutResponse.id == response.id, CalloutResponse.checked_out_at.is_(None))
        .values(checked_out_at=checked_out_at),
        execution_options={"synchronize_session": False},
    )
    if not closed.rowcount:
        return None
    minutes = int((checked_out_at - checked_in_at).total_seconds() // 60)
    await hours.credit(
        session,
        volunteer_id=volunteer_id,
        minutes=minutes,
        source=HOURS_SOURCE,
        source_id=view.id,
        served_at=checked_in_at,
        now=now,
    )
    return CheckedOut(view, checked_in_at, checked_out_at, minutes)


# -- the QR code at the site ------------------------------------------------------------------


async def checkin_link(
    session: AsyncSession, *, actor: Actor, callout_id: int, bot_username: str, now: datetime
) -> CheckinLink:
    """The call-out's check-in deep link and its QR code (the code is made on first ask and
    stays the same, so a printed sheet keeps working)."""
    await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.checkin_qr"
    )
    await session.exec(
        update(Callout)
        .where(Callout.id == callout_id, Callout.checkin_code.is_(None))
        .values(checkin_code=secrets.token_urlsafe(CODE_BYTES)),
        execution_options={"synchronize_session": False},
    )
    callout = await session.get(Callout, callout_id, populate_existing=True)
    if callout is None or callout.checkin_code is None:
        raise NotFound()
    url = f"https://t.me/{bot_username}?start={LINK_PREFIX}{callout.checkin_code}"
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="callout.checkin_qr",
        target_type="callout",
        target_id=callout_id,
    )
    return CheckinLink(callout.title, url, qr_png(url))


# -- reading ---------------------------------------------------------------------------------


async def _view(session: AsyncSession, callout_id: int) -> CalloutView:
    callout = await session.get(Callout, callout_id, populate_existing=True)
    if callout is None:
        raise NotFound()
    return CalloutView.of(callout)
