"""Recognition of service hours: a volunteer's certificate, and leaderboards per team and for
the community that show only volunteers who agreed to be shown.

Hours are the ledger's (``bot.services.hours``) by when the service happened, leaders'
corrections included, so a certificate and a leaderboard say what a report says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, func, true
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.config import Config
from bot.errors import NotFound, NotRegistered
from bot.services import audit
from bot.services.lifecycle import signed_up_as
from bot.services.reports.period import Period, this_month
from models import ServiceHours, Team, TeamMember, Volunteer

BOARD_SIZE = 10


class CertificatePeriod(StrEnum):
    THIS_YEAR = "year"
    LAST_YEAR = "last_year"
    ALL_TIME = "all"


class BoardPeriod(StrEnum):
    THIS_MONTH = "month"
    THIS_YEAR = "year"
    ALL_TIME = "all"


@dataclass(frozen=True)
class Certificate:
    volunteer_id: int
    name: str
    minutes: int
    period: Period
    community: str
    issued_on: date
    number: str  # quoted in the audit log, so a community can confirm a certificate it issued


@dataclass(frozen=True)
class BoardLine:
    rank: int
    name: str
    minutes: int


@dataclass(frozen=True)
class TeamChoice:
    id: int
    name: str


@dataclass(frozen=True)
class Leaderboard:
    period: BoardPeriod
    span: Period
    team: TeamChoice | None  # None: the whole community
    lines: tuple[BoardLine, ...]
    shown: bool | None  # whether the viewer agreed to be shown; None: not a volunteer
    mine: BoardLine | None  # the viewer's own place, when shown and with hours
    teams: tuple[TeamChoice, ...]  # the viewer's teams, to switch to


def hours_figure(minutes: int) -> str:
    """Hours with at most one decimal: ``8.5``, ``12``."""
    return f"{round(minutes / 60, 1):g}"


def _today(config: Config, now: datetime) -> date:
    return now.astimezone(config.bot.zone).date()


async def _volunteer(session: AsyncSession, telegram_id: int) -> Volunteer:
    volunteer = (await session.exec(select(Volunteer).where(signed_up_as(telegram_id)))).first()
    if volunteer is None:
        raise NotRegistered()
    return volunteer


async def _minutes(
    session: AsyncSession, config: Config, span: Period, *conditions: ColumnElement[bool]
) -> int:
    start, end = span.bounds(config.bot.zone)
    query = select(func.coalesce(func.sum(ServiceHours.minutes), 0)).where(
        ServiceHours.served_at >= start, ServiceHours.served_at < end, *conditions
    )
    return int((await session.exec(query)).one())


# -- the certificate ------------------------------------------------------------------------


def certificate_span(kind: CertificatePeriod, since: date, today: date) -> Period:
    """``since``: the volunteer's first day (registration, or an earlier service)."""
    if kind == CertificatePeriod.THIS_YEAR:
        return Period(max(today.replace(month=1, day=1), min(since, today)), today)
    if kind == CertificatePeriod.LAST_YEAR:
        last = today.replace(month=1, day=1).replace(year=today.year - 1)
        return Period(last, last.replace(month=12, day=31))
    return Period(min(since, today), today)


async def _first_day(session: AsyncSession, volunteer: Volunteer, config: Config) -> date:
    """Registration, or the first service credited if earlier (hours brought in from before)."""
    first_service = (
        await session.exec(
            select(func.min(ServiceHours.served_at)).where(
                ServiceHours.volunteer_id == volunteer.id
            )
        )
    ).one()
    instants = [as_utc(volunteer.registered_at)]
    if first_service is not None:
        instants.append(as_utc(first_service))
    return min(instants).astimezone(config.bot.zone).date()


async def certificate(
    session: AsyncSession,
    *,
    telegram_id: int,
    kind: CertificatePeriod,
    now: datetime,
    config: Config,
) -> Certificate:
    """The volunteer's own certificate of service hours for the period."""
    volunteer = await _volunteer(session, telegram_id)
    assert volunteer.id is not None
    today = _today(config, now)
    span = certificate_span(kind, await _first_day(session, volunteer, config), today)
    minutes = await _minutes(session, config, span, ServiceHours.volunteer_id == volunteer.id)
    number = f"{volunteer.id:05d}-{today:%Y%m%d}-{minutes}"
    await audit.record(
        session,
        now=now,
        actor=telegram_id,
        action="certificate.issue",
        target_type="volunteer",
        target_id=volunteer.id,
        number=number,
        minutes=minutes,
        first=span.first.isoformat(),
        last=span.last.isoformat(),
    )
    return Certificate(
        volunteer.id,
        volunteer.name or "",
        minutes,
        span,
        config.community.name,
        today,
        number,
    )


# -- leaderboards ---------------------------------------------------------------------------


def board_span(kind: BoardPeriod, today: date) -> Period:
    if kind == BoardPeriod.THIS_MONTH:
        return this_month(today)
    if kind == BoardPeriod.THIS_YEAR:
        return Period(today.replace(month=1, day=1), today)
    return Period(date(2000, 1, 1), today)


async def leaderboard(
    session: AsyncSession,
    *,
    telegram_id: int,
    team_id: int | None,
    kind: BoardPeriod,
    now: datetime,
    config: Config,
) -> Leaderboard:
    """The most hours in the period among those who agreed to be shown, and the viewer's own
    place."""
    team = None
    if team_id is not None:
        found = await session.get(Team, team_id)
        if found is None:
            raise NotFound()
        team = TeamChoice(team_id, found.name)
    span = board_span(kind, _today(config, now))
    ranking = await _ranking(session, config, span, team_id)
    viewer = (await session.exec(select(Volunteer).where(signed_up_as(telegram_id)))).first()
    mine = None
    if viewer is not None and viewer.leaderboard_visible:
        mine = next((line for line, vid in ranking if vid == viewer.id), None)
    return Leaderboard(
        period=kind,
        span=span,
        team=team,
        lines=tuple(line for line, _ in ranking[:BOARD_SIZE]),
        shown=viewer.leaderboard_visible if viewer is not None else None,
        mine=mine,
        teams=await _teams_of(session, viewer),
    )


async def _ranking(
    session: AsyncSession, config: Config, span: Period, team_id: int | None
) -> list[tuple[BoardLine, int]]:
    """Everyone shown, with hours, best first; equal hours share a rank (1, 2, 2, 4)."""
    start, end = span.bounds(config.bot.zone)
    in_team = (
        Volunteer.id.in_(select(TeamMember.volunteer_id).where(TeamMember.team_id == team_id))
        if team_id is not None
        else true()
    )
    total = func.sum(ServiceHours.minutes)
    rows = (
        await session.exec(
            select(Volunteer.id, Volunteer.name, total)
            .join(ServiceHours, ServiceHours.volunteer_id == Volunteer.id)
            .where(
                Volunteer.leaderboard_visible.is_(True),
                Volunteer.left_at.is_(None),
                ServiceHours.served_at >= start,
                ServiceHours.served_at < end,
                in_team,
            )
            .group_by(Volunteer.id, Volunteer.name)
            .having(total > 0)
            .order_by(total.desc(), Volunteer.name, Volunteer.id)
        )
    ).all()
    ranking: list[tuple[BoardLine, int]] = []
    for position, (volunteer_id, name, minutes) in enumerate(rows, start=1):
        tied = ranking and ranking[-1][0].minutes == minutes
        rank = ranking[-1][0].rank if tied else position
        ranking.append((BoardLine(rank, name or "—", int(minutes)), volunteer_id))
    return ranking


async def _teams_of(session: AsyncSession, volunteer: Volunteer | None) -> tuple[TeamChoice, ...]:
    if volunteer is None:
        return ()
    rows = await session.exec(
        select(Team.id, Team.name)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.volunteer_id == volunteer.id)
        .order_by(Team.name)
    )
    return tuple(TeamChoice(team_id, name) for team_id, name in rows.all() if team_id)


async def choose_shown(
    session: AsyncSession,
    *,
    telegram_id: int,
    shown: bool,
    team_id: int | None,
    kind: BoardPeriod,
    now: datetime,
    config: Config,
) -> Leaderboard:
    """A volunteer agrees to be shown on leaderboards, or no longer does (their own choice,
    nobody else's); the board as it is then."""
    volunteer = await _volunteer(session, telegram_id)
    volunteer.leaderboard_visible = shown
    await session.flush()
    return await leaderboard(
        session, telegram_id=telegram_id, team_id=team_id, kind=kind, now=now, config=config
    )
