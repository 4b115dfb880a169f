"""A community's November, made through the services as it would happen, for the report
tests: two call-outs (one filled in 45 minutes, one short), a duty checked in and out, a
leader's correction of hours, and two days of door-knock visits with an alert.

The figures a report of November 1–21 must show are spelled out in ``EXPECTED``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.clock import FrozenClock
from bot.services import hours
from bot.services.callouts import checkin, corrections
from models import Team
from models.db import Database
from models.elders import Alert, AlertReason, Elder, Round, RoundKind, Visit, VisitStatus
from tests.seed import SEEDED_AT, seed_team, seed_volunteer
from tests.seed_callouts import DISPLAY, LEADER, LEADER_ID, create_and_deliver, go, seed_leader

NOV_5 = datetime(2026, 11, 5, 1, 0, tzinfo=UTC)  # 09:00 in the community (Asia/Shanghai)
DUTY_STARTS = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)  # 09:00 to 13:00 local
REPORT_DAY = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 21))
VISIT_MINUTES = 30

EXPECTED = {
    "volunteers": 4,
    "hours": 8.5,  # Wang 4 h, Li 3 h (corrected from 4), Zhao 1.5 h of visits
    "callouts": 2,
    "places_needed": 7,
    "places_confirmed": 3,
    "callouts_filled": 1,
    "attended": 2,
    "visits_due": 4,
    "visits_confirmed": 2,
    "visits_late": 1,
    "visits_missed": 1,
    "alerts": 1,
}


@dataclass(frozen=True)
class World:
    team_id: int
    wang: int  # volunteer ids
    li: int
    zhao: int
    chen: int
    duty: int  # the call-out that filled
    cleanup: int  # the one that did not


async def build_world(db: Database, clock: FrozenClock) -> World:
    await seed_leader(db)
    wang = await seed_volunteer(db, 101, "Wang Fang", language="en", compound="East Garden")
    li = await seed_volunteer(db, 102, "Li Na", language="en", compound="East Garden")
    zhao = await seed_volunteer(db, 103, "Zhao Lei", language="zh")
    chen = await seed_volunteer(db, 104, "Chen Jie", language="zh")
    team_id = await seed_team(db, "Patrol team", [wang, li, zhao], by=LEADER_ID)

    clock.set(NOV_5)
    duty, _ = await create_and_deliver(
        db,
        clock.now(),
        title="Vaccination duty",
        needed=2,
        everyone=False,
        team_ids=(team_id,),
        starts_at=DUTY_STARTS,
        ends_at=DUTY_STARTS + timedelta(hours=4),
    )
    clock.advance(minutes=30)
    await go(db, 101, duty, clock)
    clock.advance(minutes=15)
    await go(db, 102, duty, clock)  # full 45 minutes after it went out
    cleanup, _ = await create_and_deliver(
        db,
        clock.now(),
        title="Clean-up",
        needed=5,
        starts_at=DUTY_STARTS + timedelta(days=5),
        ends_at=DUTY_STARTS + timedelta(days=5, hours=3),
    )
    clock.advance(hours=2)
    await go(db, 104, cleanup, clock)

    await _serve_the_duty(db, clock, duty, li)
    await _visit(db, team_id, zhao)
    clock.set(REPORT_DAY)
    return World(team_id, wang, li, zhao, chen, duty, cleanup)


async def _serve_the_duty(db: Database, clock: FrozenClock, duty: int, li: int) -> None:
    """Wang and Li check in at the start and out at the end (4 hours each); then the leader
    corrects Li's time to 3 hours: she left at noon."""
    clock.set(DUTY_STARTS)
    for telegram_id in (101, 102):
        async with db.session() as session:
            await checkin.check_in(
                session, telegram_id=telegram_id, callout_id=duty, now=clock.now(), display=DISPLAY
            )
    clock.set(DUTY_STARTS + timedelta(hours=4))
    for telegram_id in (101, 102):
        async with db.session() as session:
            await checkin.check_out(
                session, telegram_id=telegram_id, now=clock.now(), display=DISPLAY
            )
    async with db.session() as session:
        await corrections.correct_hours(
            session,
            actor=LEADER,
            callout_id=duty,
            volunteer_id=li,
            minutes=180,
            reason="Left at noon",
            now=clock.now(),
            display=DISPLAY,
        )


async def _visit(db: Database, team_id: int, visitor: int) -> None:
    """Two days of visits to one elder, twice a day: on the 18th one made and one missed
    (an alert), on the 19th both made, one of them late."""
    async with db.session() as session:
        elder = Elder(
            name="Grandma Zhou",
            team_id=team_id,
            primary_visitor_id=visitor,
            created_at=SEEDED_AT,
            updated_at=SEEDED_AT,
        )
        session.add(elder)
        await session.flush()
        outcomes = [
            (date(2026, 11, 18), "09:00", VisitStatus.WELL, False),
            (date(2026, 11, 18), "17:00", VisitStatus.MISSED, False),
            (date(2026, 11, 19), "09:00", VisitStatus.WELL, True),
            (date(2026, 11, 19), "17:00", VisitStatus.WELL, False),
        ]
        for day, slot, status, late in outcomes:
            due = datetime(day.year, day.month, day.day, int(slot[:2]) - 8, tzinfo=UTC)
            round_ = Round(
                kind=RoundKind.SCHEDULED, local_date=day, slot=slot, due_at=due, created_at=due
            )
            session.add(round_)
            await session.flush()
            answered = due + timedelta(hours=3 if late else 1)  # the window is 2 hours
            visit = Visit(
                round_id=round_.id,
                elder_id=elder.id,
                team_id=team_id,
                visitor_id=visitor,
                due_at=due,
                window_ends_at=due + timedelta(hours=2),
                status=status,
                answered_late=late,
                answered_at=None if status == VisitStatus.MISSED else answered,
            )
            session.add(visit)
            await session.flush()
            if status == VisitStatus.MISSED:
                session.add(Alert(visit_id=visit.id, reason=AlertReason.MISSED, opened_at=due))
            else:
                await hours.credit(
                    session,
                    volunteer_id=visitor,
                    minutes=VISIT_MINUTES,
                    source="visit",
                    source_id=visit.id or 0,
                    served_at=due,
                    now=due,
                )


async def team_name(db: Database, team_id: int) -> str:
    async with db.session() as session:
        team = await session.get(Team, team_id)
        assert team is not None
        return team.name
