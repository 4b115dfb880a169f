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
from bot.services.accounts import Actor
from bot.services.leader_scope import require_team_tools
from bot.services.rounds.local_time import at_local, day_bounds, local_day
from bot.services.rounds.messages import hhmm
from bot.services.rounds.people import people_by_telegram, volunteers_by_id
from models import Team
from models.elders import Alert, AlertStep, Elder, TeamDaySummary, Visit, VisitStatus

ANSWERED = (VisitStatus.WELL, VisitStatus.NEEDS_HELP, VisitStatus.NO_ANSWER)
NAMES_SHOWN = 40  # per list in /rounds; the counts are always complete


@dataclass(frozen=True)
class DayStats:
    """A team's visits due so far on one local date."""

    due: int = 0
    well: int = 0  # answered (in time or late): all well
    needs_help: int = 0
    no_answer: int = 0  # the visitor knocked, nobody answered
    late: int = 0  # of those answered, how many after the window
    missed: int = 0  # the window passed without an answer
    pending: int = 0  # still within the window
    alerts: int = 0
    open_alerts: int = 0
    closed: tuple[tuple[str, int], ...] = ()  # (outcome, count), by outcome


async def day_stats(
    session: AsyncSession, *, team_id: int, day: date, config: Config, now: datetime
) -> DayStats:
    start, end = day_bounds(day, config.bot.zone)
    in_day = (
        Visit.team_id == team_id,
        col(Visit.due_at) >= start,
        col(Visit.due_at) < end,
        col(Visit.due_at) <= now,
    )
    counts = {status.value: 0 for status in VisitStatus}
    late_count = 0
    rows = await session.exec(
        select(Visit.status, Visit.answered_late, func.count())
        .where(*in_day)
        .group_by(col(Visit.status), col(Visit.answered_late))
    )
    for status, late, count in rows:
        counts[VisitStatus(status).value] += count
        if status in ANSWERED and late:
            late_count += count
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
        late=late_count,
        **counts,
    )


def stats_text(t: Translator, stats: DayStats) -> Html:
    closed = t.join(
        str(t("rounds.summary.closed_item", outcome=t(f"rounds.outcome.{o}"), count=c))
        for o, c in stats.closed
    )
    return t(
        "rounds.summary.stats",
        due=stats.due,
        well=stats.well,
        needs_help=stats.needs_help,
        no_answer=stats.no_answer,
        late=stats.late,
        missed=stats.missed,
        pending=stats.pending,
        alerts=stats.alerts,
        closed=closed or "–",
        open=stats.open_alerts,
    )


async def send_daily_summaries(session: AsyncSession, *, config: Config, now: datetime) -> int:
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
        session, telegram_ids=[team.leader_telegram_id for team in teams], admins=config.bot.admins
    )
    messages = []
    for team in teams:
        session.add(TeamDaySummary(team_id=team.id, local_date=today, sent_at=now))  # type: ignore[arg-type]
        leader = leaders.get(team.leader_telegram_id)  # type: ignore[arg-type]
        if leader is None:
            continue
        t = Translator(leader.language, zone)
        stats = await day_stats(session, team_id=team.id or 0, day=today, config=config, now=now)
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
    """One elder's visit today, as it turned out: ``outcome`` is the visit's status (well,
    needs help, no answer, missed, pending), ``late`` when answered after its window, and
    the open alert's holders (everyone alerted so far, by name) while one is open."""

    elder: str
    visitor: str
    due_at: datetime
    outcome: VisitStatus = VisitStatus.PENDING
    late: bool = False
    alert_open: bool = False
    alert_holders: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeamToday:
    """``attention``: visits with an open alert, or missed; ``done``: answered, nothing open."""

    team: str
    stats: DayStats
    attention: tuple[VisitLine, ...] = field(default=())
    pending: tuple[VisitLine, ...] = field(default=())
    done: tuple[VisitLine, ...] = field(default=())


async def today_state(
    session: AsyncSession, *, actor: Actor, config: Config, now: datetime
) -> list[TeamToday]:
    """Today's rounds for each team the actor leads (administrators: every care team)."""
    scope = await require_team_tools(session, actor=actor, action="rounds.today")
    query = select(Team).where(
        col(Team.id).in_(select(Elder.team_id).where(col(Elder.removed_at).is_(None)))
    )
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
            select(Visit, Elder.name, Alert.id, Alert.closed_at)
            .join(Elder, col(Elder.id) == Visit.elder_id)
            .outerjoin(Alert, col(Alert.visit_id) == Visit.id)
            .where(
                Visit.team_id == team.id,
                col(Visit.due_at) >= start,
                col(Visit.due_at) < end,
                col(Visit.due_at) <= now,
            )
            .order_by(col(Visit.due_at), col(Elder.name))
        )
    )
    holders = await _open_alert_holders(
        session, [alert_id for _, _, alert_id, closed_at in rows if alert_id and not closed_at]
    )
    people = await volunteers_by_id(
        session, ids=[v.visitor_id for v, *_ in rows], admins=config.bot.admins
    )
    holder_people = await people_by_telegram(
        session,
        telegram_ids=[tg for ids in holders.values() for tg in ids],
        admins=config.bot.admins,
    )
    lists: dict[str, list[VisitLine]] = {"attention": [], "pending": [], "done": []}
    for visit, elder, alert_id, closed_at in rows:
        visitor = people[visit.visitor_id].name if visit.visitor_id in people else "–"
        alert_open = alert_id is not None and closed_at is None
        names = tuple(
            holder_people[tg].name if tg in holder_people else str(tg)
            for tg in holders.get(alert_id or 0, ())
        )
        status = VisitStatus(visit.status)
        line = VisitLine(
            elder, visitor, visit.due_at, status, visit.answered_late, alert_open, names
        )
        if alert_open or status == VisitStatus.MISSED:
            kind = "attention"
        elif status == VisitStatus.PENDING:
            kind = "pending"
        else:
            kind = "done"
        lists[kind].append(line)
    return TeamToday(
        team=team.name,
        stats=await day_stats(session, team_id=team.id or 0, day=today, config=config, now=now),
        **{kind: tuple(lines[:NAMES_SHOWN]) for kind, lines in lists.items()},
    )


async def _open_alert_holders(session: AsyncSession, alert_ids: list[int]) -> dict[int, list[int]]:
    """Who holds each open alert: everyone it has reached so far, in the order reached."""
    if not alert_ids:
        return {}
    rows = await session.exec(
        select(AlertStep.alert_id, AlertStep.recipient_telegram_id)
        .where(
            col(AlertStep.alert_id).in_(alert_ids),
            col(AlertStep.recipient_telegram_id).is_not(None),
        )
        .order_by(col(AlertStep.at), col(AlertStep.id))
    )
    found: dict[int, list[int]] = {}
    for alert_id, telegram_id in rows:
        if telegram_id is not None and telegram_id not in found.setdefault(alert_id, []):
            found[alert_id].append(telegram_id)
    return found


def visit_line_text(t: Translator, line: VisitLine) -> Html:
    outcome = t(f"rounds.today.outcome.{line.outcome.value}")
    if line.late:
        outcome = t("rounds.today.answered_late", outcome=outcome)
    text = t(
        "rounds.today.line",
        elder=line.elder,
        visitor=line.visitor,
        time=hhmm(t, line.due_at),
        outcome=outcome,
    )
    if line.alert_open:
        holders = t.join(line.alert_holders) if line.alert_holders else "–"
        text = Html(f"{text}\n{t('rounds.today.alert_open', names=holders)}")
    return text
