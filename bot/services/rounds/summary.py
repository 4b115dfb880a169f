"""How the day's rounds went: the daily summary each care-team leader receives at the
configured time, and ``/rounds`` (today's state at any time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.i18n import Html, Translator
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.services.accounts import Actor, require_role
from bot.services.leader_scope import leader_scope
from bot.services.rounds.local_time import at_local, day_bounds, local_day
from bot.services.rounds.messages import hhmm
from bot.services.rounds.people import people_by_telegram, volunteers_by_id
from models import Role, Team
from models.elders import Alert, Elder, TeamDaySummary, Visit, VisitStatus

ANSWERED = (VisitStatus.WELL, VisitStatus.NEEDS_HELP, VisitStatus.NO_ANSWER)
NAMES_SHOWN = 40  # per list in /rounds; the counts are always complete


@dataclass(frozen=True)
class DayStats:
    """A team's visits due so far on one local date."""

    due: int = 0
    confirmed: int = 0  # answered within the window
    late: int = 0  # answered after the window
    missed: int = 0  # the window passed without an answer
    pending: int = 0  # still within the window
    alerts: int = 0
    open_alerts: int = 0
    closed: tuple[tuple[str, int], ...] = ()  # (outcome, count), by outcome


async def day_stats(
    session: AsyncSession, team_id: int, day: date, config: Config, now: datetime
) -> DayStats:
    start, end = day_bounds(day, config.bot.zone)
    in_day = (
        Visit.team_id == team_id,
        col(Visit.due_at) >= start,
        col(Visit.due_at) < end,
        col(Visit.due_at) <= now,
    )
    counts = {"confirmed": 0, "late": 0, "missed": 0, "pending": 0}
    rows = await session.exec(
        select(Visit.status, Visit.answered_late, func.count())
        .where(*in_day)
        .group_by(col(Visit.status), col(Visit.answered_late))
    )
    for status, late, count in rows:
        if status in ANSWERED:
            counts["late" if late else "confirmed"] += count
        else:
            counts[VisitStatus(status).value] += count
    alerts = await session.exec(
        select(Alert.outcome, func.count())
        .join(Visit, col(Visit.id) == Alert.visit_id)
        .where(*in_day)
        .group_by(col(Alert.outcome))
    )
    closed, open_alerts = [], 0
    for outcome, count in alerts:
        if outcome is None:
            open_alerts += count
        else:
            closed.append((str(outcome), count))
    return DayStats(
        due=sum(counts.values()),
        alerts=open_alerts + sum(c for _, c in closed),
        open_alerts=open_alerts,
        closed=tuple(sorted(closed)),
        **counts,
    )


def stats_text(t: Translator, stats: DayStats) -> Html:
    closed = ", ".join(
        str(t("rounds.summary.closed_item", outcome=t(f"rounds.outcome.{o}"), count=c))
        for o, c in stats.closed
    )
    return t(
        "rounds.summary.stats",
        due=stats.due,
        confirmed=stats.confirmed,
        late=stats.late,
        missed=stats.missed,
        pending=stats.pending,
        alerts=stats.alerts,
        closed=closed or "–",
        open=stats.open_alerts,
    )


async def send_daily_summaries(session: AsyncSession, config: Config, now: datetime) -> int:
    """At the configured time, each care-team leader gets the day's summary, once."""
    zone = config.bot.zone
    today = local_day(now, zone)
    if now < at_local(today, config.rounds.summary_time, zone):
        return 0
    teams = list(
        await session.exec(
            select(Team).where(
                col(Team.leader_telegram_id).is_not(None),
                col(Team.id).in_(select(Elder.team_id).where(col(Elder.removed_at).is_(None))),
                col(Team.id).not_in(
                    select(TeamDaySummary.team_id).where(TeamDaySummary.local_date == today)
                ),
            )
        )
    )
    leaders = await people_by_telegram(
        session, [team.leader_telegram_id for team in teams], config.bot.admins
    )
    messages = []
    for team in teams:
        session.add(TeamDaySummary(team_id=team.id, local_date=today, sent_at=now))  # type: ignore[arg-type]
        leader = leaders.get(team.leader_telegram_id)  # type: ignore[arg-type]
        if leader is None:
            continue
        t = Translator(leader.language, zone)
        stats = await day_stats(session, team.id or 0, today, config, now)
        header = t("rounds.summary.header", team=team.name, date=t.date(today))
        messages.append(
            Outgoing.message(
                leader.telegram_id,
                Html(f"{header}\n{stats_text(t, stats)}"),
                priority=PRIORITY_NOTICE,
                routine=True,
            )
        )
    await enqueue(session, now, messages)
    return len(teams)


# -- /rounds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitLine:
    elder: str
    visitor: str
    due_at: datetime


@dataclass(frozen=True)
class TeamToday:
    team: str
    stats: DayStats
    done: tuple[VisitLine, ...] = field(default=())
    pending: tuple[VisitLine, ...] = field(default=())
    late: tuple[VisitLine, ...] = field(default=())  # the window passed without an answer


async def today_state(
    session: AsyncSession, actor: Actor, config: Config, now: datetime
) -> list[TeamToday]:
    """Today's rounds for each team the actor leads (administrators: every care team)."""
    require_role(actor, Role.LEADER, "rounds.today")
    query = select(Team).where(
        col(Team.id).in_(select(Elder.team_id).where(col(Elder.removed_at).is_(None)))
    )
    scope = await leader_scope(session, actor)
    if scope.teams is not None:
        query = query.where(col(Team.id).in_(scope.teams))
    today = local_day(now, config.bot.zone)
    return [
        await _team_today(session, team, today, config, now)
        for team in await session.exec(query.order_by(col(Team.name)))
    ]


async def _team_today(
    session: AsyncSession, team: Team, today: date, config: Config, now: datetime
) -> TeamToday:
    start, end = day_bounds(today, config.bot.zone)
    rows = list(
        await session.exec(
            select(Visit, Elder.name)
            .join(Elder, col(Elder.id) == Visit.elder_id)
            .where(
                Visit.team_id == team.id,
                col(Visit.due_at) >= start,
                col(Visit.due_at) < end,
                col(Visit.due_at) <= now,
            )
            .order_by(col(Visit.due_at), col(Elder.name))
        )
    )
    names = await volunteers_by_id(session, [v.visitor_id for v, _ in rows], config.bot.admins)
    lists: dict[str, list[VisitLine]] = {"done": [], "pending": [], "late": []}
    for visit, elder in rows:
        visitor = names[visit.visitor_id].name if visit.visitor_id in names else "–"
        kind = (
            "done"
            if visit.status in ANSWERED
            else ("pending" if visit.status == VisitStatus.PENDING else "late")
        )
        lists[kind].append(VisitLine(elder, visitor, visit.due_at))
    return TeamToday(
        team=team.name,
        stats=await day_stats(session, team.id or 0, today, config, now),
        **{kind: tuple(lines[:NAMES_SHOWN]) for kind, lines in lists.items()},
    )


def visit_line_text(t: Translator, line: VisitLine) -> Html:
    return t("rounds.today.line", elder=line.elder, visitor=line.visitor, time=hhmm(t, line.due_at))
