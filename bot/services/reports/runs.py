"""Reports asked for and reports due, each a ``ReportRun`` row, produced in the background.

Asking (``/report``) only records the run; the scheduler produces it: it claims the run,
gathers the figures in one short read, draws the spreadsheet and the picture outside any
transaction (drawing takes a moment, and no database lock is held meanwhile), then queues
both files and marks the run done in one transaction. A run claimed by a process that died
is taken up again after a while.

The monthly report: from 08:00 on the 1st (local time), last month's community report is due
to every administrator, once; the rows' unique key makes "once" hold however often the
scheduler looks, and a bot that was down on the 1st still sends it within the first days.
Only months of use are reported: a month is reported if Muster was in use on its first day
(the first account was created then or before), so an install on 3 December sends nothing on
1 December about November, nor on 1 January about the part of December, and starts with
January's report on 1 February. It is a routine message (it waits for the end of quiet
hours) and, like every proactive message, waits for a form the administrator is filling in to
end (see ``bot.outbox.store``).
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.config import Config
from bot.i18n import Translator
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.services import audit, registry
from bot.services.accounts import Actor, load_actor, require_role
from bot.services.registry import TeamOption
from bot.services.reports import figures
from bot.services.reports.charts import render_charts
from bot.services.reports.figures import ReportData, Scope
from bot.services.reports.period import Period, last_month
from bot.services.reports.workbook import build_workbook
from models import Account, Role
from models.db import Database, dialect_insert
from models.reports import ReportRun

log = logging.getLogger(__name__)

CLAIM_EXPIRES = timedelta(minutes=10)  # a claimed run not done by then is taken up again
RUNS_PER_TICK = 3
MONTHLY_FROM = time(8, 0)  # local time on the 1st
MONTHLY_DAYS = 3  # a monthly report not sent by the end of the 3rd is not sent any more


@dataclass(frozen=True)
class ReportRequested:
    period: Period
    scope: Scope


@dataclass(frozen=True)
class ReportFiles:
    workbook: bytes
    picture: bytes


async def report_scopes(session: AsyncSession, *, actor: Actor) -> list[TeamOption]:
    """The teams a report may be for (besides the whole community)."""
    require_role(actor, Role.LEADER, "report.create")
    return await registry.team_options(session, actor=actor)


async def request_report(
    session: AsyncSession,
    *,
    actor: Actor,
    period: Period,
    team_id: int | None,
    now: datetime,
) -> ReportRequested:
    """A leader asks for a report; it is sent to them in a moment."""
    target_type = "team" if team_id else "community"
    require_role(actor, Role.LEADER, "report.create", target_type=target_type, target_id=team_id)
    scope = await figures.scope_of(session, team_id=team_id)
    session.add(
        ReportRun(
            recipient_id=actor.telegram_id,
            language=actor.language,
            first_day=period.first,
            last_day=period.last,
            team_id=team_id,
            requested_at=now,
        )
    )
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="report.create",
        target_type="team" if team_id else "community",
        target_id=team_id,
        first=period.first.isoformat(),
        last=period.last.isoformat(),
    )
    return ReportRequested(period, scope)


async def open_runs(session: AsyncSession, *, now: datetime) -> list[int]:
    rows = await session.exec(
        select(ReportRun.id)
        .where(
            ReportRun.done_at.is_(None),
            or_(ReportRun.started_at.is_(None), ReportRun.started_at < now - CLAIM_EXPIRES),
        )
        .order_by(ReportRun.id)
        .limit(RUNS_PER_TICK)
    )
    return [run_id for run_id in rows.all() if run_id is not None]


def render(t: Translator, data: ReportData) -> ReportFiles:
    return ReportFiles(build_workbook(t, data), render_charts(t, data))


async def produce_report(db: Database, config: Config, run_id: int, now: datetime) -> bool:
    """Make one run's files and queue them for its recipient; False when another process
    has it, or it is no longer to be sent."""
    async with db.session() as session:
        run = await _claim(session, run_id, now)
        if run is None:
            return False
        allowed = await _may_receive(session, run, config)
        data = None
        if allowed:
            period = Period(run.first_day, run.last_day)
            data = await figures.gather(
                session,
                period=period,
                team_id=run.team_id,
                community=config.community.name,
                zone=config.bot.zone,
                now=now,
            )
    t = Translator(run.language, config.bot.zone)
    files = await _draw(t, data, run_id) if data is not None else None
    async with db.session() as session:
        finished = await session.exec(
            update(ReportRun)
            .where(ReportRun.id == run_id, ReportRun.done_at.is_(None))
            .values(done_at=now)
        )
        if not finished.rowcount or data is None:
            return False
        if files is None:  # said once, rather than tried again and again
            failed = Outgoing.message(
                run.recipient_id, t("report.failed"), priority=PRIORITY_NOTICE
            )
            await enqueue(session, now, [failed])
            return False
        await enqueue(session, now, _messages(t, run, data, files))
    return True


async def _draw(t: Translator, data: ReportData, run_id: int) -> ReportFiles | None:
    try:
        return await asyncio.to_thread(render, t, data)
    except Exception:
        log.exception("report run %d could not be drawn", run_id)
        return None


async def _claim(session: AsyncSession, run_id: int, now: datetime) -> ReportRun | None:
    claimed = await session.exec(
        update(ReportRun)
        .where(
            ReportRun.id == run_id,
            ReportRun.done_at.is_(None),
            or_(ReportRun.started_at.is_(None), ReportRun.started_at < now - CLAIM_EXPIRES),
        )
        .values(started_at=now)
    )
    if not claimed.rowcount:
        return None
    return await session.get(ReportRun, run_id, populate_existing=True)


async def _may_receive(session: AsyncSession, run: ReportRun, config: Config) -> bool:
    """Still a leader (an administrator, for the monthly report) when it is produced."""
    actor = await load_actor(session, telegram_id=run.recipient_id, admins=config.bot.admins)
    if actor is None:
        return False
    return actor.is_admin if run.monthly else actor.is_leader


def _messages(
    t: Translator, run: ReportRun, data: ReportData, files: ReportFiles
) -> list[Outgoing]:
    scope = data.scope.team_name or html.unescape(t("report.scope.community"))
    key = "report.caption_monthly" if run.monthly else "report.caption"
    caption = t(key, period=data.period.label, scope=scope, community=data.community)
    name = f"{html.unescape(t('report.file_name'))}-{run.first_day}-{run.last_day}"
    return [
        Outgoing.document(
            run.recipient_id,
            f"{name}.xlsx",
            files.workbook,
            caption,
            priority=PRIORITY_NOTICE,
            topic=f"report:{run.id}",
            routine=run.monthly is not None,
        ),
        Outgoing.photo(
            run.recipient_id,
            f"{name}.png",
            files.picture,
            t("report.chart_caption", period=data.period.label, scope=scope),
            priority=PRIORITY_NOTICE,
            topic=f"report:{run.id}",
            routine=run.monthly is not None,
        ),
    ]


# -- the monthly report ---------------------------------------------------------------------


def monthly_due(local: datetime) -> date | None:
    """The first day of the month whose report is due at local time ``local``, if any."""
    if local.day > MONTHLY_DAYS or (local.day == 1 and local.time() < MONTHLY_FROM):
        return None
    return last_month(local.date()).first


async def first_day_of_use(session: AsyncSession, *, config: Config) -> date | None:
    """The local day the community's first account was created (None: nobody yet)."""
    first = (await session.exec(select(func.min(Account.created_at)))).one()
    return as_utc(first).astimezone(config.bot.zone).date() if first is not None else None


async def plan_monthly_reports(session: AsyncSession, *, config: Config, now: datetime) -> int:
    """Last month's community report for every administrator, once; how many were added."""
    month = monthly_due(now.astimezone(config.bot.zone))
    if month is None:
        return 0
    period = last_month(now.astimezone(config.bot.zone).date())
    first_use = await first_day_of_use(session, config=config)
    if first_use is None or first_use > period.first:
        return 0  # not a month of use: Muster was installed during it (or after)
    key = month.strftime("%Y-%m")
    admins = (
        await session.exec(
            select(Account.telegram_id, Account.language).where(
                or_(Account.role == Role.ADMIN, Account.telegram_id.in_(config.bot.admins))
            )
        )
    ).all()
    if not admins:
        return 0
    added = await session.exec(
        dialect_insert(session, ReportRun)
        .values(
            [
                {
                    "recipient_id": telegram_id,
                    "language": language,
                    "first_day": period.first,
                    "last_day": period.last,
                    "monthly": key,
                    "requested_at": now,
                }
                for telegram_id, language in admins
            ]
        )
        .on_conflict_do_nothing()
    )
    if added.rowcount:
        await audit.record(
            session,
            now=now,
            actor=None,
            action="report.monthly",
            target_type="community",
            month=key,
        )
    return max(added.rowcount, 0)
