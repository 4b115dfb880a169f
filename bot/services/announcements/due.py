"""Announcement work the scheduler does on every tick (see ``bot.scheduler``): send the
announcements whose time has come, and bring status cards up to date with the delivery and
the "Got it" presses (which change no card themselves)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.runtime import Services
from bot.scheduler import due_work, each_in_its_own_transaction
from bot.services.announcements import card, delivery
from bot.services.display import Display


@due_work
async def send_scheduled_announcements(services: Services, now: datetime) -> int:
    display = Display.from_config(services.config)

    async def send(session: AsyncSession, announcement_id: int) -> int:
        done = await delivery.send_announcement(session, announcement_id, now, display)
        return done is not None

    return await each_in_its_own_transaction(
        services, lambda session: delivery.due_announcements(session, now), send
    )


@due_work
async def refresh_announcement_cards(services: Services, now: datetime) -> int:
    return await each_in_its_own_transaction(
        services,
        lambda session: card.live_cards(session, now),
        lambda session, announcement_id: card.refresh_card(
            session, announcement_id, now, Display.from_config(services.config)
        ),
    )
