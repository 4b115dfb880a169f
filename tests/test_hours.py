from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.services import hours
from models import Volunteer
from models.db import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def volunteer(db: Database, now: datetime) -> int:
    async with db.session() as session:
        row = Volunteer(name="Li", registered_at=now)
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def test_a_visit_is_credited_once_however_often_it_is_recorded(
    db: Database, clock: FrozenClock
) -> None:
    vid = await volunteer(db, clock.now())
    for _ in range(3):
        async with db.session() as session:
            await hours.credit(
                session,
                volunteer_id=vid,
                minutes=30,
                source="visit",
                source_id=7,
                served_at=clock.now(),
                now=clock.now(),
            )
    async with db.session() as session:
        assert (
            await hours.totals(session, volunteer_id=vid, now=clock.now(), zone=SHANGHAI)
        ).all_time == 30


async def test_totals_follow_the_communitys_calendar(db: Database) -> None:
    # 2026-11-30 17:00 UTC is already December 1st in Shanghai.
    now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    vid = await volunteer(db, now)
    async with db.session() as session:
        for source_id, served in enumerate(
            [now, now - timedelta(days=5), now - timedelta(days=400)]
        ):
            await hours.credit(
                session,
                volunteer_id=vid,
                minutes=60,
                source="callout",
                source_id=source_id,
                served_at=served,
                now=now,
            )
    async with db.session() as session:
        totals = await hours.totals(session, volunteer_id=vid, now=now, zone=SHANGHAI)
    assert (totals.month, totals.year, totals.all_time) == (60, 120, 180)
