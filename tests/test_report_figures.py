"""A report's figures are what happened: November's call-outs, duty hours (with a leader's
correction), visits and alerts, for the community and for one team."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.services.reports import figures
from bot.services.reports.figures import ReportData
from bot.services.reports.period import Period
from models.db import Database
from tests.report_world import EXPECTED, NOVEMBER, REPORT_DAY, build_world

ZONE = ZoneInfo("Asia/Shanghai")


async def gather(db: Database, team_id: int | None = None) -> ReportData:
    async with db.session() as session:
        return await figures.gather(
            session,
            period=Period(*NOVEMBER),
            team_id=team_id,
            community="Sunshine",
            zone=ZONE,
            now=REPORT_DAY,
        )


async def test_the_community_report_counts_what_happened_in_november(db: Database) -> None:
    world = await build_world(db, FrozenClock())
    data = await gather(db)

    totals = data.totals
    assert totals.minutes == EXPECTED["hours"] * 60
    for name in (
        "volunteers",
        "callouts",
        "places_needed",
        "places_confirmed",
        "callouts_filled",
        "attended",
        "visits_due",
        "visits_confirmed",
        "visits_late",
        "visits_missed",
        "alerts",
    ):
        assert getattr(totals, name) == EXPECTED[name], name
    duty = next(c for c in data.callouts if c.id == world.duty)
    assert (duty.needed, duty.confirmed, duty.attended, duty.fill_minutes) == (2, 2, 2, 45)
    cleanup = next(c for c in data.callouts if c.id == world.cleanup)
    assert (cleanup.confirmed, cleanup.fill_minutes) == (1, None)


async def test_a_correction_counts_in_the_hours_and_is_shown_as_one(db: Database) -> None:
    world = await build_world(db, FrozenClock())
    data = await gather(db)

    by_volunteer = {line.volunteer_id: line for line in data.hours}
    li = by_volunteer[world.li]
    assert (li.callout_minutes, li.corrected_minutes, li.minutes) == (180, -60, 180)
    assert by_volunteer[world.wang].minutes == 240
    assert by_volunteer[world.zhao].visit_minutes == 90
    assert [line.volunteer_id for line in data.hours] == [world.wang, world.li, world.zhao]
    assert any(a.action == "callout.correct_hours" for a in data.audit)


async def test_the_days_of_visits_show_made_late_missed_and_alerts(db: Database) -> None:
    await build_world(db, FrozenClock())
    data = await gather(db)

    days = {d.day.day: d for d in data.visits if d.due}
    assert set(days) == {18, 19}
    assert (days[18].confirmed, days[18].missed, days[18].alerts) == (1, 1, 1)
    assert (days[19].confirmed, days[19].late, days[19].coverage) == (1, 1, 1.0)
    # Weeks from Monday Oct 26 to Monday Nov 16: the duty's 7 hours, then 3 visits.
    assert [w.week_start.day for w in data.weeks] == [26, 2, 9, 16]
    assert [w.minutes for w in data.weeks] == [0, 0, 420, 90]


async def test_a_teams_report_keeps_to_its_members_and_its_call_outs(db: Database) -> None:
    world = await build_world(db, FrozenClock())
    data = await gather(db, world.team_id)

    assert data.scope.team_name == "Patrol team"
    assert {v.id for v in data.volunteers} == {world.wang, world.li, world.zhao}
    assert [c.id for c in data.callouts] == [world.duty]
    assert data.totals.minutes == 510 and data.totals.visits_due == 4
    assert world.chen not in {h.volunteer_id for h in data.hours}
