"""Announcement work the scheduler does on every tick (see ``bot.scheduler``): send the
announcements whose time has come, and bring status cards up to date with the delivery and
the "Got it" presses (which change no card themselves)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox.cards import Refresh
from bot.runtime import Runtime
from bot.scheduler import each_in_its_own_transaction
from bot.services.announcements import card, delivery


async def send_scheduled_announcements(runtime: Runtime, now: datetime) -> int:
    display = runtime.display

    async def send(session: AsyncSession, announcement_id: int) -> int:
        done = await delivery.send_announcement(
            session, announcement_id=announcement_id, now=now, display=display
        )
        return done is not None

    return await each_in_its_own_transaction(
        runtime, lambda session: delivery.due_announcements(session, now=now), send
    )


async def refresh_announcement_cards(runtime: Runtime, now: datetime) -> int:
    async def refresh(session: AsyncSession, announcement_id: int) -> int:
        done = await card.refresh_card(session, announcement_id, now, runtime.display)
        return int(done is Refresh.QUEUED)

    return await each_in_its_own_transaction(
        runtime, lambda session: card.live_cards(session, now), refresh
    )
