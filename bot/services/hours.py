"""Crediting service hours and adding them up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from models import ServiceHours
from models.db import dialect_insert


@dataclass(frozen=True)
class HoursTotals:
    """Minutes of service: this month, this year and all time (in the community's calendar)."""

    month: int
    year: int
    all_time: int


async def credit(
    session: AsyncSession,
    *,
    volunteer_id: int,
    minutes: int,
    source: str,
    source_id: int,
    served_at: datetime,
    now: datetime,
) -> bool:
    """Credit a piece of service once; crediting the same (source, id, volunteer) again is a
    no-op, enforced by the database. True when a row was written."""
    statement = (
        dialect_insert(session, ServiceHours)
        .values(
            volunteer_id=volunteer_id,
            minutes=minutes,
            source=source,
            source_id=source_id,
            kind="credit",
            served_at=served_at,
            recorded_at=now,
        )
        .on_conflict_do_nothing()
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


async def totals(
    session: AsyncSession, *, volunteer_id: int, now: datetime, zone: tzinfo
) -> HoursTotals:
    local = now.astimezone(zone)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year_start = month_start.replace(month=1)

    async def since(start: datetime | None) -> int:
        query = select(func.coalesce(func.sum(ServiceHours.minutes), 0)).where(
            ServiceHours.volunteer_id == volunteer_id
        )
        if start is not None:
            query = query.where(ServiceHours.served_at >= start)
        return int((await session.exec(query)).one())

    return HoursTotals(await since(month_start), await since(year_start), await since(None))


async def credited(session: AsyncSession, *, volunteer_id: int, source: str, source_id: int) -> int:
    """Minutes a volunteer has for one source (its credit and any corrections)."""
    query = select(func.coalesce(func.sum(ServiceHours.minutes), 0)).where(
        ServiceHours.volunteer_id == volunteer_id,
        ServiceHours.source == source,
        ServiceHours.source_id == source_id,
    )
    return int((await session.exec(query)).one())


@dataclass(frozen=True)
class Correction:
    old_minutes: int
    new_minutes: int


async def correct(
    session: AsyncSession,
    *,
    volunteer_id: int,
    source: str,
    source_id: int,
    minutes: int,
    served_at: datetime,
    now: datetime,
    by: int,
    note: str,
) -> Correction:
    """Set a volunteer's minutes for one source to ``minutes`` by adding a correction row (the
    difference); the rows before it stay as they were. The caller audit-logs who did it."""
    old = await credited(session, volunteer_id=volunteer_id, source=source, source_id=source_id)
    if minutes != old:
        earlier = await session.exec(
            select(func.count()).where(
                ServiceHours.volunteer_id == volunteer_id,
                ServiceHours.source == source,
                ServiceHours.source_id == source_id,
                ServiceHours.kind != "credit",
            )
        )
        session.add(
            ServiceHours(
                volunteer_id=volunteer_id,
                minutes=minutes - old,
                source=source,
                source_id=source_id,
                kind=f"correction:{int(earlier.one()) + 1}",
                served_at=served_at,
                recorded_at=now,
                recorded_by=by,
                note=note,
            )
        )
        await session.flush()
    return Correction(old, minutes)


@dataclass(frozen=True)
class HoursEntry:
    """Service credited for one source (its credit and corrections together)."""

    source: str
    source_id: int
    minutes: int
    served_at: datetime
    corrected: bool


async def recent(session: AsyncSession, *, volunteer_id: int, limit: int = 5) -> list[HoursEntry]:
    """The volunteer's latest pieces of service, newest first."""
    rows = await session.exec(
        select(  # type: ignore[call-overload]  # SQLModel's select() is typed up to 4 columns
            ServiceHours.source,
            ServiceHours.source_id,
            func.sum(ServiceHours.minutes),
            func.min(ServiceHours.served_at),
            func.count(),
        )
        .where(ServiceHours.volunteer_id == volunteer_id)
        .group_by(ServiceHours.source, ServiceHours.source_id)
        .order_by(func.min(ServiceHours.served_at).desc())
        .limit(limit)
    )
    return [
        HoursEntry(source, source_id, int(minutes), as_utc(served_at), count > 1)
        for source, source_id, minutes, served_at, count in rows.all()
    ]
