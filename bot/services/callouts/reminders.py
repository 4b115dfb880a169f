"""Reminders before the start ("still coming?") to the confirmed volunteers, at the leads
configured in ``[callouts] reminders_before_minutes`` (e.g. 24 hours and 1 hour before).

Each answer records the last reminder it got (``start_reminder_minutes``), in the transaction
that queues the message, so each reminder goes out once across ticks and restarts. Someone
who said yes after a reminder's moment does not get it (they have just answered), and after
the bot was down only the nearest reminder that fell due is sent, not a burst of old ones.
Changing the call-out's time starts the reminders afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.errors import NotAsked, NotFound
from bot.i18n import Translator
from bot.outbox.cards import Rendered
from bot.outbox.queue import PRIORITY_NOTICE, Button, Outgoing, enqueue, keyboard
from bot.outbox.quiet import QuietHours
from bot.services.callouts import roster
from bot.services.callouts.buttons import CheckInPress, StillComingPress, WithdrawPress
from bot.services.callouts.views import CalloutView, Display, details
from models import Account, Callout, CalloutResponse, Volunteer
from models.callouts import CalloutStatus, ResponseState


async def send_start_reminders(session: AsyncSession, *, now: datetime, display: Display) -> int:
    """Queue the reminders that are due now; how many."""
    sent = 0
    for lead in sorted(display.callouts.reminders_before_minutes):  # nearest first
        sent += await _remind_at(session, timedelta(minutes=lead), now, display)
    return sent


async def _remind_at(
    session: AsyncSession, lead: timedelta, now: datetime, display: Display
) -> int:
    minutes = int(lead.total_seconds() // 60)
    rows = (
        await session.exec(
            select(CalloutResponse, Callout, Account.telegram_id, Account.language)
            .join(Callout, Callout.id == CalloutResponse.callout_id)
            .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
            .join(Account, Account.telegram_id == Volunteer.telegram_id)
            .where(
                CalloutResponse.state == ResponseState.CONFIRMED,
                Callout.status.in_([CalloutStatus.OPEN, CalloutStatus.CLOSED]),
                Callout.starts_at > now,
                Callout.starts_at <= now + lead,
                CalloutResponse.checked_in_at.is_(None),
                Account.unreachable_at.is_(None),
                or_(
                    CalloutResponse.start_reminder_minutes.is_(None),
                    CalloutResponse.start_reminder_minutes > minutes,
                ),
            )
            .order_by(CalloutResponse.id)
        )
    ).all()
    due = [
        (response, callout, telegram_id, language)
        for response, callout, telegram_id, language in rows
        if _answered_before(response, as_utc(callout.starts_at) - lead)
    ]
    if not due:
        return 0
    await session.exec(
        update(CalloutResponse)
        .where(CalloutResponse.id.in_([response.id for response, *_ in due]))
        .values(start_reminder_minutes=minutes),
        execution_options={"synchronize_session": False},
    )
    messages = []
    quiet = QuietHours.of(display.community, display.zone)
    for _, callout, telegram_id, language in due:
        t = display.translator(language)
        view = CalloutView.of(callout)
        rendered = reminder_message(t, display, view)
        # A reminder waits for the morning, unless the call-out would start before then.
        routine = not view.is_emergency and quiet.can_wait(now, as_utc(view.starts_at))
        messages.append(
            Outgoing.message(
                telegram_id,
                rendered.html,
                rendered.markup,
                priority=PRIORITY_NOTICE,
                topic=roster.copy_topic(roster.Copy.STARTS_SOON, view.id),
                routine=routine,
            )
        )
    await enqueue(session, now, messages)
    return len(messages)


def _answered_before(response: CalloutResponse, moment: datetime) -> bool:
    answered = response.responded_at or response.invited_at
    return answered is None or as_utc(answered) <= moment


def reminder_buttons(t: Translator, view: CalloutView, *, asked: bool = True) -> list[list[Button]]:
    """Yes / I can't any more (while the question stands) and Check in."""
    check_in: list[Button] = [
        (t("callouts.reminder.button.check_in"), CheckInPress(view.id).pack())
    ]
    if not asked:
        return [check_in]
    was = ResponseState.CONFIRMED.value
    return [
        [
            (t("callouts.reminder.button.yes"), StillComingPress(view.id).pack()),
            (t("callouts.reminder.button.cannot"), WithdrawPress(view.id, was).pack()),
        ],
        check_in,
    ]


def reminder_message(t: Translator, display: Display, view: CalloutView) -> Rendered:
    lead = t("callouts.reminder.lead", start=t.when(view.starts_at))
    lines = [lead, *details(t, display, view), "", t("callouts.reminder.question")]
    return Rendered("\n".join(lines), keyboard(reminder_buttons(t, view)))


@dataclass(frozen=True)
class StillComing:
    callout: CalloutView
    confirmed: bool  # False: their answer changed since the reminder (withdrew meanwhile)


async def confirm_still_coming(
    session: AsyncSession, *, telegram_id: int, callout_id: int
) -> StillComing:
    """Yes on a reminder: nothing changes but the question is answered."""
    row = (
        await session.exec(
            select(CalloutResponse.state)
            .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
            .where(
                CalloutResponse.callout_id == callout_id,
                Volunteer.telegram_id == telegram_id,
                Volunteer.left_at.is_(None),
            )
        )
    ).first()
    callout = await session.get(Callout, callout_id)
    if callout is None:
        raise NotFound()
    if row is None:  # not asked to this call-out: a forged or foreign button
        raise NotAsked("callout.answer")
    view = CalloutView.of(callout)
    confirmed = row == ResponseState.CONFIRMED and view.status != CalloutStatus.CANCELLED
    return StillComing(view, confirmed)
