"""The rounds as the leaders' board shows them: today's visits by compound and building, the
open alerts with who holds them, each elder's last visit and a week's grid. Plain data,
limited to the viewer's scope (a team's leader: their teams; community leaders: all)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.leader_scope import LeaderScope
from bot.services.rounds.duty import volunteer_names
from bot.services.rounds.local_time import day_bounds, local_day
from bot.services.rounds.people import people_by_telegram
from bot.services.rounds.summary import _open_alert_holders
from models import Team
from models.elders import Alert, AlertStep, Elder, Visit, VisitStatus

COUNTED = ("due", "visited", "pending", "late", "missed", "needs_help", "no_answer")


@dataclass
class Coverage:
    """Visits counted by what became of them; ``visited`` is someone was there (all well or
    needs help), ``late`` those answered after their window (also visited or no answer)."""

    due: int = 0
    visited: int = 0
    pending: int = 0
    late: int = 0
    missed: int = 0
    needs_help: int = 0
    no_answer: int = 0

    def count(self, status: VisitStatus, late: bool) -> None:
        self.due += 1
        if status in (VisitStatus.WELL, VisitStatus.NEEDS_HELP):
            self.visited += 1
        if status == VisitStatus.NEEDS_HELP:
            self.needs_help += 1
        elif status == VisitStatus.NO_ANSWER:
            self.no_answer += 1
        elif status == VisitStatus.MISSED:
            self.missed += 1
        elif status == VisitStatus.PENDING:
            self.pending += 1
        self.late += int(late)

    def as_json(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in COUNTED}


@dataclass
class BuildingDay:
    compound: str
    building: str
    coverage: Coverage = field(default_factory=Coverage)


@dataclass(frozen=True)
class OpenAlert:
    id: int
    elder_id: int
    elder: str
    team_id: int | None
    team: str | None
    compound: str
    building: str
    reason: str
    step: str | None  # the last step taken (None before the first)
    last_resort: bool  # the last step found nobody of its own: the community's leaders
    holders: tuple[str, ...]
    since: datetime
    visit_due_at: datetime


@dataclass(frozen=True)
class ElderLastVisit:
    id: int
    name: str
    team: str | None
    compound: str
    building: str
    visitor: str | None
    backup: str | None
    due_at: datetime | None
    answered_at: datetime | None
    outcome: str | None
    late: bool
    alert_open: bool


def _visits_in(scope: LeaderScope) -> list[ColumnElement[bool]]:
    return [] if scope.teams is None else [col(Visit.team_id).in_(scope.teams)]


def _elders_in(scope: LeaderScope) -> list[ColumnElement[bool]]:
    active = col(Elder.removed_at).is_(None)
    return [active] if scope.teams is None else [active, col(Elder.team_id).in_(scope.teams)]


async def today_by_building(
    session: AsyncSession, *, scope: LeaderScope, zone: tzinfo, now: datetime
) -> list[BuildingDay]:
    """Today's visits so far (community-local day), by compound and building."""
    start, end = day_bounds(local_day(now, zone), zone)
    rows = await session.exec(
        select(Elder.compound, Elder.building, Visit.status, Visit.answered_late)
        .join(Elder, col(Elder.id) == Visit.elder_id)
        .where(col(Visit.due_at) >= start, col(Visit.due_at) < end, *_visits_in(scope))
    )
    found: dict[tuple[str, str], BuildingDay] = {}
    for compound, building, status, late in rows:
        key = (compound or "", building or "")
        found.setdefault(key, BuildingDay(*key)).coverage.count(VisitStatus(status), late)
    return [found[key] for key in sorted(found)]


async def open_alerts(
    session: AsyncSession, *, scope: LeaderScope, admins: list[int]
) -> list[OpenAlert]:
    """Open alerts, oldest first, with everyone they have reached so far."""
    rows = list(
        await session.exec(
            select(Alert, Visit, Elder, Team.name)
            .join(Visit, col(Visit.id) == Alert.visit_id)
            .join(Elder, col(Elder.id) == Visit.elder_id)
            .outerjoin(Team, col(Team.id) == Visit.team_id)
            .where(col(Alert.closed_at).is_(None), *_visits_in(scope))
            .order_by(col(Alert.opened_at), col(Alert.id))
        )
    )
    ids = [alert.id for alert, *_ in rows if alert.id is not None]
    holders = await _open_alert_holders(session, ids)
    people = await people_by_telegram(
        session, [tg for found in holders.values() for tg in found], admins
    )
    steps = await _last_steps(session, ids)
    return [
        OpenAlert(
            id=alert.id or 0,
            elder_id=elder.id or 0,
            elder=elder.name,
            team_id=visit.team_id,
            team=team,
            compound=elder.compound,
            building=elder.building,
            reason=str(alert.reason),
            step=str(steps[alert.id][0]) if alert.id in steps else None,
            last_resort=alert.id in steps and steps[alert.id][1] is None,
            holders=tuple(
                people[tg].name if tg in people else str(tg)
                for tg in holders.get(alert.id or 0, ())
            ),
            since=alert.opened_at,
            visit_due_at=visit.due_at,
        )
        for alert, visit, elder, team in rows
    ]


async def _last_steps(
    session: AsyncSession, alert_ids: list[int]
) -> dict[int, tuple[str, int | None]]:
    """Each alert's latest step and whom it went to (None: nobody of its own)."""
    found: dict[int, tuple[str, int | None]] = {}
    if not alert_ids:
        return found
    rows = await session.exec(
        select(AlertStep.alert_id, AlertStep.step, AlertStep.recipient_telegram_id)
        .where(col(AlertStep.alert_id).in_(alert_ids))
        .order_by(col(AlertStep.at), col(AlertStep.id))
    )
    for alert_id, step, recipient in rows:
        found[alert_id] = (str(step), recipient)
    return found


async def elders_with_last_visit(
    session: AsyncSession, *, scope: LeaderScope
) -> list[ElderLastVisit]:
    """The elders on the rounds in scope, by compound, building and name, with the last visit
    that came due and whether an alert about them is open."""
    elders = list(
        await session.exec(
            select(Elder, Team.name)
            .outerjoin(Team, col(Team.id) == Elder.team_id)
            .where(*_elders_in(scope))
            .order_by(col(Elder.compound), col(Elder.building), col(Elder.name))
        )
    )
    ids = [elder.id for elder, _ in elders if elder.id is not None]
    last = await _last_visits(session, ids)
    open_ids = set(
        await session.exec(
            select(Visit.elder_id)
            .join(Alert, col(Alert.visit_id) == Visit.id)
            .where(col(Alert.closed_at).is_(None), col(Visit.elder_id).in_(ids))
        )
    )
    names = await volunteer_names(
        session,
        [e.primary_visitor_id for e, _ in elders] + [e.backup_visitor_id for e, _ in elders],
    )
    lines = []
    for elder, team in elders:
        visit = last.get(elder.id or 0)
        lines.append(
            ElderLastVisit(
                id=elder.id or 0,
                name=elder.name,
                team=team,
                compound=elder.compound,
                building=elder.building,
                visitor=names.get(elder.primary_visitor_id or 0),
                backup=names.get(elder.backup_visitor_id or 0),
                due_at=visit.due_at if visit else None,
                answered_at=visit.answered_at if visit else None,
                outcome=str(visit.status) if visit else None,
                late=bool(visit and visit.answered_late),
                alert_open=elder.id in open_ids,
            )
        )
    return lines


async def _last_visits(session: AsyncSession, elder_ids: list[int]) -> dict[int, Visit]:
    if not elder_ids:
        return {}
    latest = (
        select(Visit.elder_id, func.max(Visit.due_at).label("due_at"))
        .where(col(Visit.elder_id).in_(elder_ids))
        .group_by(col(Visit.elder_id))
        .subquery()
    )
    rows = await session.exec(
        select(Visit).join(
            latest,
            (col(Visit.elder_id) == latest.c.elder_id) & (col(Visit.due_at) == latest.c.due_at),
        )
    )
    return {visit.elder_id: visit for visit in rows}


async def team_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    rows = await session.exec(select(Team.id, Team.name).where(col(Team.id).in_(list(ids))))
    return {i: name for i, name in rows if i is not None}


@dataclass(frozen=True)
class ElderWeek:
    elder_id: int
    days: tuple[Coverage, ...]  # one per day of the week, Monday first


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


async def week_grid(
    session: AsyncSession, *, scope: LeaderScope, zone: tzinfo, days: list[date]
) -> list[ElderWeek]:
    """Each elder's visits on each day of ``days`` (consecutive, community-local)."""
    start, _ = day_bounds(days[0], zone)
    _, end = day_bounds(days[-1], zone)
    rows = await session.exec(
        select(Visit.elder_id, Visit.due_at, Visit.status, Visit.answered_late).where(
            col(Visit.due_at) >= start, col(Visit.due_at) < end, *_visits_in(scope)
        )
    )
    grid: dict[int, list[Coverage]] = {}
    for elder_id, due_at, status, late in rows:
        index = (local_day(due_at, zone) - days[0]).days
        if 0 <= index < len(days):
            cells = grid.setdefault(elder_id, [Coverage() for _ in days])
            cells[index].count(VisitStatus(status), late)
    return [ElderWeek(elder_id, tuple(cells)) for elder_id, cells in sorted(grid.items())]
