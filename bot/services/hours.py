"""Crediting service hours and adding them up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ServiceHours


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
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ServiceHours)
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
    session: AsyncSession, volunteer_id: int, now: datetime, zone: tzinfo
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
