"""The figures of a report, for a period and a scope (a team, or the whole community).

A team's report counts its members (their volunteering, their hours), the call-outs addressed
to it and the visits of the elders in its care. Service hours are the ledger's rows by when
the service happened, so a leader's correction counts where the service it corrects does.
Visits are counted as they stand now; those still within their window are "pending".
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import ColumnElement, and_, func, or_, true
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.errors import NotFound
from bot.services.lifecycle import is_available_for_callouts
from bot.services.reports.period import Period
from bot.services.rounds.summary import ANSWERED
from models import (
    Account,
    AuditEntry,
    Callout,
    CalloutResponse,
    ServiceHours,
    Team,
    TeamMember,
    Volunteer,
)
from models.callouts import ResponseState
from models.elders import Alert, Visit, VisitStatus

CALLOUT_SOURCE, VISIT_SOURCE = "callout", "visit"


@dataclass(frozen=True)
class Scope:
    team_id: int | None = None  # None: the whole community
    team_name: str | None = None


@dataclass(frozen=True)
class VolunteerLine:
    id: int
    name: str
    compound: str
    teams: tuple[str, ...]
    party: str
    registered_at: datetime
    active: bool  # not paused
    minutes: int  # served in the period


@dataclass(frozen=True)
class CalloutLine:
    id: int
    title: str
    starts_at: datetime
    status: str
    needed: int | None  # None: as many as possible
    confirmed: int
    attended: int  # checked in
    fill_minutes: int | None  # from delivery until the last place was taken; None: not full


@dataclass(frozen=True)
class VisitDay:
    day: date
    due: int = 0
    confirmed: int = 0  # within the window
    late: int = 0
    missed: int = 0
    pending: int = 0  # still within the window
    alerts: int = 0

    @property
    def coverage(self) -> float | None:
        """The share of due visits that were made (on time or late)."""
        return (self.confirmed + self.late) / self.due if self.due else None


@dataclass(frozen=True)
class HoursLine:
    volunteer_id: int
    name: str
    callout_minutes: int = 0
    visit_minutes: int = 0
    other_minutes: int = 0
    corrected_minutes: int = 0  # of all the above, what leaders' corrections changed

    @property
    def minutes(self) -> int:
        return self.callout_minutes + self.visit_minutes + self.other_minutes


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    allowed: bool
    target: str
    detail: str


@dataclass(frozen=True)
class WeekHours:
    week_start: date  # a Monday
    minutes: int


@dataclass(frozen=True)
class Totals:
    volunteers: int = 0
    new_volunteers: int = 0
    serving_volunteers: int = 0  # with service hours in the period
    minutes: int = 0
    callouts: int = 0
    places_needed: int = 0
    places_confirmed: int = 0
    attended: int = 0
    callouts_filled: int = 0
    visits_due: int = 0
    visits_confirmed: int = 0
    visits_late: int = 0
    visits_missed: int = 0
    alerts: int = 0


@dataclass(frozen=True)
class ReportData:
    community: str
    period: Period
    scope: Scope
    made_at: datetime
    totals: Totals
    volunteers: tuple[VolunteerLine, ...] = ()
    callouts: tuple[CalloutLine, ...] = ()
    visits: tuple[VisitDay, ...] = ()
    hours: tuple[HoursLine, ...] = ()
    audit: tuple[AuditLine, ...] = ()
    weeks: tuple[WeekHours, ...] = field(default=())


async def scope_of(session: AsyncSession, *, team_id: int | None) -> Scope:
    if team_id is None:
        return Scope()
    team = await session.get(Team, team_id)
    if team is None:
        raise NotFound()
    return Scope(team_id, team.name)


async def gather(
    session: AsyncSession,
    *,
    period: Period,
    team_id: int | None,
    community: str,
    zone: tzinfo,
    now: datetime,
) -> ReportData:
    scope = await scope_of(session, team_id=team_id)
    start, end = period.bounds(zone)
    hours = await _hours(session, scope, start, end)
    volunteers = await _volunteers(session, scope, end, hours, now)
    callouts = await _callouts(session, scope, start, end)
    visits = await _visits(session, scope, period, zone, now)
    audit = await _audit(session, scope, start, end)
    return ReportData(
        community=community,
        period=period,
        scope=scope,
        made_at=now,
        totals=_totals(volunteers, hours, callouts, visits, start),
        volunteers=tuple(volunteers),
        callouts=tuple(callouts),
        visits=tuple(visits),
        hours=tuple(sorted(hours.values(), key=lambda h: (-h.minutes, h.name, h.volunteer_id))),
        audit=tuple(audit),
        weeks=await _weeks(session, scope, period, zone),
    )


def _members(scope: Scope) -> ColumnElement[bool]:
    """A condition on ``Volunteer.id``: in the scope's team (anyone, for the community)."""
    if scope.team_id is None:
        return true()
    members = select(TeamMember.volunteer_id).where(TeamMember.team_id == scope.team_id)
    return Volunteer.id.in_(members)


# -- service hours --------------------------------------------------------------------------


async def _hours(
    session: AsyncSession, scope: Scope, start: datetime, end: datetime
) -> dict[int, HoursLine]:
    rows = await session.exec(
        select(  # type: ignore[call-overload]  # SQLModel's select() is typed up to 4 columns
            ServiceHours.volunteer_id,
            Volunteer.name,
            ServiceHours.source,
            ServiceHours.kind == "credit",
            func.sum(ServiceHours.minutes),
        )
        .join(Volunteer, Volunteer.id == ServiceHours.volunteer_id)
        .where(ServiceHours.served_at >= start, ServiceHours.served_at < end, _members(scope))
        .group_by(ServiceHours.volunteer_id, Volunteer.name, ServiceHours.source, ServiceHours.kind)
    )
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[int, str] = {}
    for volunteer_id, name, source, is_credit, minutes in rows:
        names[volunteer_id] = name or "—"  # someone who left keeps counting, anonymised
        kind = source if source in (CALLOUT_SOURCE, VISIT_SOURCE) else "other"
        sums[volunteer_id][kind] += int(minutes)
        if not is_credit:
            sums[volunteer_id]["corrected"] += int(minutes)
    return {
        volunteer_id: HoursLine(
            volunteer_id,
            names[volunteer_id],
            callout_minutes=by_kind[CALLOUT_SOURCE],
            visit_minutes=by_kind[VISIT_SOURCE],
            other_minutes=by_kind["other"],
            corrected_minutes=by_kind["corrected"],
        )
        for volunteer_id, by_kind in sums.items()
    }


async def _weeks(
    session: AsyncSession, scope: Scope, period: Period, zone: tzinfo
) -> tuple[WeekHours, ...]:
    """Minutes served in each week (Monday to Sunday) the period touches."""
    start, end = period.bounds(zone)
    rows = await session.exec(
        select(ServiceHours.served_at, ServiceHours.minutes)
        .join(Volunteer, Volunteer.id == ServiceHours.volunteer_id)
        .where(ServiceHours.served_at >= start, ServiceHours.served_at < end, _members(scope))
    )
    weeks = {_monday(day): 0 for day in period.days}
    for served_at, minutes in rows:
        weeks[_monday(as_utc(served_at).astimezone(zone).date())] += minutes
    return tuple(WeekHours(monday, minutes) for monday, minutes in sorted(weeks.items()))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- the registry ---------------------------------------------------------------------------


async def _volunteers(
    session: AsyncSession,
    scope: Scope,
    end: datetime,
    hours: dict[int, HoursLine],
    now: datetime,
) -> list[VolunteerLine]:
    """Everyone registered by the period's end who has not left, in the scope."""
    volunteers = (
        await session.exec(
            select(Volunteer)
            .where(Volunteer.left_at.is_(None), Volunteer.registered_at < end, _members(scope))
            .order_by(Volunteer.id)
        )
    ).all()
    teams: dict[int, list[str]] = defaultdict(list)
    for volunteer_id, name in await session.exec(
        select(TeamMember.volunteer_id, Team.name)
        .join(Team, Team.id == TeamMember.team_id)
        .order_by(Team.name)
    ):
        teams[volunteer_id].append(name)
    lines = []
    for v in volunteers:
        assert v.id is not None
        served = hours.get(v.id)
        lines.append(
            VolunteerLine(
                id=v.id,
                name=v.name or "—",
                compound=v.compound or "",
                teams=tuple(teams.get(v.id, ())),
                party=str(v.party),
                registered_at=as_utc(v.registered_at),
                active=is_available_for_callouts(v, now),
                minutes=served.minutes if served else 0,
            )
        )
    return lines


# -- call-outs ------------------------------------------------------------------------------


async def _callouts(
    session: AsyncSession, scope: Scope, start: datetime, end: datetime
) -> list[CalloutLine]:
    """Call-outs starting in the period (a team's: those addressed to it)."""
    callouts = [
        c
        for c in (
            await session.exec(
                select(Callout)
                .where(Callout.starts_at >= start, Callout.starts_at < end)
                .order_by(Callout.starts_at, Callout.id)
            )
        ).all()
        if scope.team_id is None or scope.team_id in (c.team_ids or [])
    ]
    ids = [c.id for c in callouts]
    if not ids:
        return []
    last_confirmed = dict(
        (
            await session.exec(
                select(CalloutResponse.callout_id, func.max(CalloutResponse.responded_at))
                .where(
                    CalloutResponse.callout_id.in_(ids),
                    CalloutResponse.state == ResponseState.CONFIRMED,
                )
                .group_by(CalloutResponse.callout_id)
            )
        ).all()
    )
    attended = dict(
        (
            await session.exec(
                select(CalloutResponse.callout_id, func.count(CalloutResponse.checked_in_at))
                .where(CalloutResponse.callout_id.in_(ids))
                .group_by(CalloutResponse.callout_id)
            )
        ).all()
    )
    return [
        _callout_line(c, last_confirmed.get(c.id or 0), attended.get(c.id or 0, 0))
        for c in callouts
    ]


def _callout_line(callout: Callout, last_confirmed: datetime | None, attended: int) -> CalloutLine:
    assert callout.id is not None
    fill = None
    full = callout.needed is not None and callout.confirmed >= callout.needed
    if full and last_confirmed is not None and callout.delivered_at is not None:
        delay = as_utc(last_confirmed) - as_utc(callout.delivered_at)
        fill = max(0, round(delay.total_seconds() / 60))
    return CalloutLine(
        id=callout.id,
        title=callout.title,
        starts_at=as_utc(callout.starts_at),
        status=str(callout.status),
        needed=callout.needed,
        confirmed=callout.confirmed,
        attended=attended,
        fill_minutes=fill,
    )


# -- door-knock visits ----------------------------------------------------------------------


async def _visits(
    session: AsyncSession, scope: Scope, period: Period, zone: tzinfo, now: datetime
) -> list[VisitDay]:
    """Each day's visits that have fallen due, counted by round time (few groups)."""
    start, end = period.bounds(zone)
    in_scope = [Visit.due_at >= start, Visit.due_at < end, Visit.due_at <= now]
    if scope.team_id is not None:
        in_scope.append(Visit.team_id == scope.team_id)
    days: dict[date, dict[str, int]] = {day: defaultdict(int) for day in period.days}
    rows = await session.exec(
        select(Visit.due_at, Visit.status, Visit.answered_late, func.count())
        .where(*in_scope)
        .group_by(Visit.due_at, Visit.status, Visit.answered_late)
    )
    for due_at, status, late, count in rows:
        counts = days[as_utc(due_at).astimezone(zone).date()]
        counts["due"] += count
        if status in ANSWERED:
            counts["late" if late else "confirmed"] += count
        else:
            counts[VisitStatus(status).value] += count
    alerts = await session.exec(
        select(Visit.due_at, func.count(Alert.id))
        .join(Alert, Alert.visit_id == Visit.id)
        .where(*in_scope)
        .group_by(Visit.due_at)
    )
    for due_at, count in alerts:
        days[as_utc(due_at).astimezone(zone).date()]["alerts"] += count
    return [
        VisitDay(
            day,
            due=c["due"],
            confirmed=c["confirmed"],
            late=c["late"],
            missed=c["missed"],
            pending=c["pending"],
            alerts=c["alerts"],
        )
        for day, c in sorted(days.items())
    ]


# -- the audit log --------------------------------------------------------------------------


async def _audit(
    session: AsyncSession, scope: Scope, start: datetime, end: datetime
) -> list[AuditLine]:
    """Who did what in the period; a team's report keeps what its members and leader did and
    what was done to the team or its members."""
    conditions = [AuditEntry.at >= start, AuditEntry.at < end]
    if scope.team_id is not None:
        conditions.append(await _about_team(session, scope.team_id))
    entries = (
        await session.exec(select(AuditEntry).where(*conditions).order_by(AuditEntry.at))
    ).all()
    names = await _names(session, {e.actor_telegram_id for e in entries if e.actor_telegram_id})
    return [
        AuditLine(
            at=as_utc(e.at),
            actor_id=e.actor_telegram_id,
            actor_name=names.get(e.actor_telegram_id or 0, ""),
            action=e.action,
            allowed=e.allowed,
            target=f"{e.target_type} {e.target_id}" if e.target_type else "",
            detail=json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else "",
        )
        for e in entries
    ]


async def _about_team(session: AsyncSession, team_id: int) -> ColumnElement[bool]:
    members = (
        await session.exec(
            select(Volunteer.id, Volunteer.telegram_id)
            .join(TeamMember, TeamMember.volunteer_id == Volunteer.id)
            .where(TeamMember.team_id == team_id)
        )
    ).all()
    team = await session.get(Team, team_id)
    people = {telegram_id for _, telegram_id in members if telegram_id is not None}
    if team is not None and team.leader_telegram_id is not None:
        people.add(team.leader_telegram_id)
    return or_(
        AuditEntry.actor_telegram_id.in_(people),
        and_(AuditEntry.target_type == "team", AuditEntry.target_id == str(team_id)),
        and_(
            AuditEntry.target_type == "volunteer",
            AuditEntry.target_id.in_([str(volunteer_id) for volunteer_id, _ in members]),
        ),
    )


async def _names(session: AsyncSession, telegram_ids: Iterable[int]) -> dict[int, str]:
    """Volunteers by their registered name, anyone else by their Telegram first name."""
    wanted = list(telegram_ids)
    if not wanted:
        return {}
    names = dict(
        (
            await session.exec(
                select(Account.telegram_id, Account.first_name).where(
                    Account.telegram_id.in_(wanted)
                )
            )
        ).all()
    )
    for telegram_id, name in await session.exec(
        select(Volunteer.telegram_id, Volunteer.name).where(Volunteer.telegram_id.in_(wanted))
    ):
        if telegram_id is not None and name:
            names[telegram_id] = name
    return names


# -- totals ---------------------------------------------------------------------------------


def _totals(
    volunteers: list[VolunteerLine],
    hours: dict[int, HoursLine],
    callouts: list[CalloutLine],
    visits: list[VisitDay],
    start: datetime,
) -> Totals:
    return Totals(
        volunteers=len(volunteers),
        new_volunteers=sum(v.registered_at >= start for v in volunteers),
        serving_volunteers=sum(h.minutes > 0 for h in hours.values()),
        minutes=sum(h.minutes for h in hours.values()),
        callouts=len(callouts),
        places_needed=sum(c.needed or 0 for c in callouts),
        places_confirmed=sum(c.confirmed for c in callouts),
        attended=sum(c.attended for c in callouts),
        callouts_filled=sum(c.fill_minutes is not None for c in callouts),
        visits_due=sum(d.due for d in visits),
        visits_confirmed=sum(d.confirmed for d in visits),
        visits_late=sum(d.late for d in visits),
        visits_missed=sum(d.missed for d in visits),
        alerts=sum(d.alerts for d in visits),
    )
