"""Call-out work the scheduler does on every tick (see ``bot.scheduler``): deliver call-outs
that were created but not yet delivered, bring roster cards up to date with the delivery
progress (the sender changes the outbox without any press to trigger a refresh), run the
escalation waves that fell due, send the reminders before the start, and check out whoever
forgot at a call-out's end. Each finds its work in the database, so a restart loses nothing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox.cards import Refresh
from bot.runtime import Runtime
from bot.scheduler import each_in_its_own_transaction
from bot.services.callouts import checkin, escalation, reminders, roster
from bot.services.callouts.delivery import deliver_callout, undelivered_callouts


async def deliver_new_callouts(runtime: Runtime, now: datetime) -> int:
    display = runtime.display

    async def deliver(session: AsyncSession, callout_id: int) -> int:
        return (
            await deliver_callout(session, callout_id=callout_id, now=now, display=display)
            is not None
        )

    return await each_in_its_own_transaction(runtime, undelivered_callouts, deliver)


async def refresh_roster_cards(runtime: Runtime, now: datetime) -> int:
    display = runtime.display

    async def refresh(session: AsyncSession, callout_id: int) -> int:
        done = await roster.refresh_card(session, callout_id, now, display)
        return int(done is Refresh.QUEUED)

    return await each_in_its_own_transaction(
        runtime, lambda session: roster.live_cards(session, now), refresh
    )


async def run_escalation_waves(runtime: Runtime, now: datetime) -> int:
    """Call-outs still short when a wave falls due widen, remind, or tell their leader."""
    display = runtime.display

    async def run(session: AsyncSession, callout_id: int) -> int:
        return (
            await escalation.run_due_wave(session, callout_id=callout_id, now=now, display=display)
            is not None
        )

    return await each_in_its_own_transaction(
        runtime, lambda session: escalation.due_escalations(session, now=now), run
    )


async def remind_before_start(runtime: Runtime, now: datetime) -> int:
    """Reminders ("still coming?") to the confirmed, at the set times before the start."""
    display = runtime.display
    async with runtime.db.session() as session:
        return await reminders.send_start_reminders(session, now=now, display=display)


async def check_out_the_forgotten(runtime: Runtime, now: datetime) -> int:
    """At a call-out's end, whoever is still checked in is checked out and credited."""
    display = runtime.display
    return await each_in_its_own_transaction(
        runtime,
        lambda session: checkin.callouts_with_forgotten_check_ins(session, now=now),
        lambda session, callout_id: checkin.close_forgotten_check_ins(
            session, callout_id=callout_id, now=now, display=display
        ),
    )
