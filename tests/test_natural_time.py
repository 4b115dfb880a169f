"""Times typed as people type them, read in the community's timezone (Shanghai here): the
reading of each form, what a missing date means, and what is not a time at all."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.natural_time import TimeNotUnderstood, parse_when

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # Saturday 09:00 in Shanghai


def local(text: str, **kwargs: datetime) -> str:
    return (
        parse_when(text, now=NOW, zone=SHANGHAI, **kwargs)
        .astimezone(SHANGHAI)
        .strftime("%Y-%m-%d %H:%M")
    )


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("now", "2026-11-21 09:00"),
        ("现在", "2026-11-21 09:00"),
        ("马上", "2026-11-21 09:00"),
        ("tomorrow 08:00", "2026-11-22 08:00"),
        ("Tomorrow at 8:00", "2026-11-22 08:00"),
        ("明天 8:00", "2026-11-22 08:00"),
        ("明天上午8点", "2026-11-22 08:00"),
        ("明天晚上8点半", "2026-11-22 20:30"),
        ("后天 9点", "2026-11-23 09:00"),
        ("today 14:00", "2026-11-21 14:00"),
        ("今晚8点", "2026-11-21 20:00"),
        ("下午3点", "2026-11-21 15:00"),
        ("3pm", "2026-11-21 15:00"),
        ("12-03 14:00", "2026-12-03 14:00"),
        ("12/03 14:00", "2026-12-03 14:00"),
        ("12月3日 14:00", "2026-12-03 14:00"),
        ("2026-12-03 14:00", "2026-12-03 14:00"),
        ("2026年12月3日 14点", "2026-12-03 14:00"),
        ("１２－０３　１４：００", "2026-12-03 14:00"),  # typed with a full-width keyboard
        ("14:00", "2026-11-21 14:00"),
        ("01-05 08:00", "2027-01-05 08:00"),  # January has passed this year: next year's
        ("11-20 08:00", "2026-11-20 08:00"),  # yesterday, not next year (the form refuses it)
        ("in 10 minutes", "2026-11-21 09:10"),
        ("In 45 min", "2026-11-21 09:45"),
        ("in an hour", "2026-11-21 10:00"),
        ("in half an hour", "2026-11-21 09:30"),
        ("in 2 hours", "2026-11-21 11:00"),
        ("30 min from now", "2026-11-21 09:30"),
        ("10分钟后", "2026-11-21 09:10"),
        ("半小时后", "2026-11-21 09:30"),
        ("一个小时以后", "2026-11-21 10:00"),
        ("两小时之后", "2026-11-21 11:00"),
    ],
)
def test_each_form_names_the_moment_it_says(typed: str, meant: str) -> None:
    assert local(typed) == meant


def test_a_time_alone_is_the_next_one_but_one_just_passed_is_still_today() -> None:
    assert local("8:00") == "2026-11-22 08:00"  # 08:00 has passed: tomorrow's
    assert local("8:55") == "2026-11-21 08:55"  # five minutes ago: the duty has just begun


def test_an_end_given_as_a_time_alone_is_the_next_one_after_the_start() -> None:
    start = datetime(2026, 11, 21, 22, 0, tzinfo=SHANGHAI)
    assert local("23:30", after=start) == "2026-11-21 23:30"
    assert local("06:00", after=start) == "2026-11-22 06:00"  # the night patrol's morning
    assert local("22:00", after=start) == "2026-11-22 22:00"  # never the start itself
    assert local("tomorrow 05:00", after=start) == "2026-11-22 05:00"  # days count from today


def test_a_while_given_for_an_end_counts_from_the_start() -> None:
    start = datetime(2026, 11, 22, 8, 0, tzinfo=SHANGHAI)
    assert local("in 3 hours", after=start) == "2026-11-22 11:00"
    assert local("4小时后", after=start) == "2026-11-22 12:00"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "banana",
        "tomorrow",  # a day without a time
        "25:00",
        "14:61",
        "2026-02-30 08:00",
        "14:00 banana",
        "<b>14:00</b>",
        "'; DROP TABLE callout; --",
        "in 10",  # a while without a unit
        "in 10 parsecs",
        "10 minutes",  # a length, not a moment
        "10分钟",
        "🙂",
        "1" * 100,
    ],
)
def test_what_is_not_a_time_is_refused(typed: str) -> None:
    with pytest.raises(TimeNotUnderstood):
        local(typed)
