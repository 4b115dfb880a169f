"""What the bot expects as someone's next message outside any form (``AwaitedInput``): the
description of a visit that needs help, or the spreadsheet of an elders import. Kept in the
database, so a restart in between loses nothing; one expectation per person, the latest."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from models.elders import AwaitedInput


async def expect_input(
    session: AsyncSession, telegram_id: int, kind: str, now: datetime, visit_id: int | None = None
) -> None:
    """From now on, ``telegram_id``'s next message is taken as ``kind``."""
    awaited = await session.get(AwaitedInput, telegram_id)
    if awaited is None:
        awaited = AwaitedInput(telegram_id=telegram_id, kind=kind, since=now)
        session.add(awaited)
    awaited.kind, awaited.visit_id, awaited.since = kind, visit_id, now


async def awaits_input(
    session: AsyncSession, telegram_id: int, kind: str, now: datetime, within: timedelta
) -> bool:
    """Whether ``kind`` was expected from ``telegram_id`` at most ``within`` ago."""
    awaited = await session.get(AwaitedInput, telegram_id)
    return awaited is not None and awaited.kind == kind and now - awaited.since <= within
