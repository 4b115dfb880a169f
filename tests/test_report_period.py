"""Report periods in the community's calendar, and the dates a leader types."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InvalidInput
from bot.services.reports import period
from bot.services.reports.period import PeriodKind

SATURDAY = date(2026, 11, 21)


def test_named_periods_end_today_or_cover_last_month() -> None:
    assert period.named(PeriodKind.THIS_WEEK, SATURDAY) == period.Period(
        date(2026, 11, 16), SATURDAY
    )
    assert period.named(PeriodKind.THIS_MONTH, SATURDAY).first == date(2026, 11, 1)
    assert period.named(PeriodKind.LAST_MONTH, date(2026, 1, 5)) == period.Period(
        date(2025, 12, 1), date(2025, 12, 31)
    )


def test_a_period_is_whole_local_days() -> None:
    start, end = period.Period(date(2026, 11, 1), date(2026, 11, 30)).bounds(
        ZoneInfo("Asia/Shanghai")
    )
    assert start.isoformat() == "2026-10-31T16:00:00+00:00"
    assert end.isoformat() == "2026-11-30T16:00:00+00:00"


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-10-01", date(2026, 10, 1)),
        ("2026/10/1", date(2026, 10, 1)),
        ("10-01", date(2026, 10, 1)),
        ("10月1日", date(2026, 10, 1)),
        ("2025年12月31日", date(2025, 12, 31)),
        ("12-25", date(2025, 12, 25)),  # no year: the last such day, not a future one
    ],
)
def test_dates_are_read_as_people_type_them(typed: str, day: date) -> None:
    assert period.parse_day(typed, SATURDAY) == day


@pytest.mark.parametrize("typed", ["", "yesterday", "2026-02-30", "13-01", "<b>1</b>", "1' OR 1=1"])
def test_anything_else_is_asked_again(typed: str) -> None:
    with pytest.raises(InvalidInput):
        period.parse_day(typed, SATURDAY)


def test_a_custom_period_runs_forwards_and_at_most_a_year() -> None:
    with pytest.raises(InvalidInput, match="order"):
        period.custom(date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(InvalidInput, match="too_long"):
        period.custom(date(2025, 1, 1), date(2026, 11, 1))
    assert period.custom(date(2026, 11, 1), date(2026, 11, 1)).days == [date(2026, 11, 1)]
