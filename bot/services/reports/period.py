"""A report's period: whole local days in the community's calendar, both ends included."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from bot.errors import InvalidInput
from bot.services.rounds.local_time import day_bounds

MAX_DAYS = 366
_DAY = re.compile(
    r"^(?:(?P<year>\d{4})\s*[-/.年]\s*)?(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?$"
)


class PeriodKind(StrEnum):
    THIS_WEEK = "this_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The UTC instants the period starts and ends (the end excluded)."""
        return day_bounds(self.first, zone)[0], day_bounds(self.last, zone)[1]

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def label(self) -> str:
        return f"{self.first.isoformat()} – {self.last.isoformat()}"


def this_week(today: date) -> Period:
    """From Monday to today."""
    return Period(today - timedelta(days=today.weekday()), today)


def this_month(today: date) -> Period:
    return Period(today.replace(day=1), today)


def last_month(today: date) -> Period:
    last = today.replace(day=1) - timedelta(days=1)
    return Period(last.replace(day=1), last)


def named(kind: PeriodKind, today: date) -> Period:
    if kind == PeriodKind.THIS_WEEK:
        return this_week(today)
    if kind == PeriodKind.THIS_MONTH:
        return this_month(today)
    if kind == PeriodKind.LAST_MONTH:
        return last_month(today)
    raise ValueError("a custom period needs its dates")


def custom(first: date, last: date) -> Period:
    if last < first:
        raise InvalidInput("report.invalid.order")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput("report.invalid.too_long", days=MAX_DAYS)
    return Period(first, last)


def parse_day(text: str, today: date) -> date:
    """``2026-10-01``, ``2026/10/1``, ``10-01``, ``10月1日``, ``2026年10月1日``; without a
    year, the latest such date not after today."""
    match = _DAY.match(text.strip())
    if match is None:
        raise InvalidInput("report.invalid.day")
    month, day = int(match["month"]), int(match["day"])
    year = int(match["year"]) if match["year"] else today.year
    try:
        found = date(year, month, day)
        if not match["year"] and found > today:
            found = date(year - 1, month, day)
    except ValueError:
        raise InvalidInput("report.invalid.day") from None
    return found
