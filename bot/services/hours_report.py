"""``/hours``: a volunteer's service hours (this month, this year, all time, in the community's
calendar) and their latest pieces of service, with the call-out each was for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Translator
from bot.services import hours
from bot.services.hours import HoursTotals
from bot.services.lifecycle import registered_volunteer_id
from models import Callout

RECENT_ENTRIES = 5


@dataclass(frozen=True)
class ServiceLine:
    source: str  # "callout", "visit"
    title: str | None  # the call-out's title; None for sources without one
    minutes: int
    served_at: datetime
    corrected: bool  # a leader changed the credited time


@dataclass(frozen=True)
class HoursReport:
    totals: HoursTotals
    recent: tuple[ServiceLine, ...]


async def my_hours(
    session: AsyncSession, *, telegram_id: int, now: datetime, zone: tzinfo
) -> HoursReport:
    volunteer_id = await registered_volunteer_id(session, telegram_id=telegram_id)
    totals = await hours.totals(session, volunteer_id=volunteer_id, now=now, zone=zone)
    entries = await hours.recent(session, volunteer_id=volunteer_id, limit=RECENT_ENTRIES)
    callout_ids = [e.source_id for e in entries if e.source == "callout"]
    titles = (
        dict(
            (
                await session.exec(
                    select(Callout.id, Callout.title).where(Callout.id.in_(callout_ids))
                )
            ).all()
        )
        if callout_ids
        else {}
    )
    lines = tuple(
        ServiceLine(
            e.source,
            titles.get(e.source_id) if e.source == "callout" else None,
            e.minutes,
            e.served_at,
            e.corrected,
        )
        for e in entries
    )
    return HoursReport(totals, lines)


def duration_text(t: Translator, minutes: int) -> str:
    """``2 h 30 min`` / ``2小时30分钟``."""
    sign = "-" if minutes < 0 else ""
    whole_hours, rest = divmod(abs(minutes), 60)
    if whole_hours and rest:
        text = t("hours.duration_hm", hours=whole_hours, minutes=rest)
    elif whole_hours:
        text = t("hours.duration_h", hours=whole_hours)
    else:
        text = t("hours.duration_m", minutes=rest)
    return f"{sign}{text}"


def render_report(t: Translator, report: HoursReport) -> str:
    """The totals, then the latest pieces of service (or how to earn the first)."""
    totals = report.totals
    lines = [
        t(
            "hours.totals",
            month=duration_text(t, totals.month),
            year=duration_text(t, totals.year),
            all_time=duration_text(t, totals.all_time),
        ),
        "",
        t("hours.recent_heading") if report.recent else t("hours.none_yet"),
    ]
    for entry in report.recent:
        source = f"hours.source.{entry.source}"
        what = entry.title or (t(source) if t.has(source) else t("hours.source.other"))
        key = "hours.entry_corrected" if entry.corrected else "hours.entry"
        duration = duration_text(t, entry.minutes)
        lines.append(t(key, date=t.date(entry.served_at), what=what, duration=duration))
    return "\n".join(lines)
