"""Reading a moment the way people type it, in the community's timezone.

Accepted (Chinese and English, full-width characters too):
- ``now`` / ``现在`` (also ``马上``, ``立即``, ``立刻``);
- a while from now (for an end: after its start): ``in 10 minutes``, ``in 2 hours``,
  ``in an hour``, ``in half an hour``, ``30 min from now``, ``2 hours later``; ``10分钟后``,
  ``2小时后``, ``半小时后``, ``一个小时以后``;
- a time alone: ``14:00``, ``8:30``, ``8点``, ``8点半``, ``下午3点``, ``3pm``;
- a day and a time: ``today 14:00``, ``tomorrow 08:00``, ``明天 8:00``, ``后天 9点``;
- a date and a time: ``12-03 14:00``, ``12/03 14:00``, ``12月3日 14:00``, ``2026-12-03 14:00``,
  ``2026年12月3日 14:00``.

Days ("tomorrow") count from today, and a date without a year is the nearest one: this
year's, or next year's once this year's is more than half a year past ("01-05" typed in
December is next January; "12-01" typed on 4 December is three days ago, for the caller to
refuse as past, not silently next year's). A time alone
means the next such moment after a reference: ``now`` for a start, or the start itself for an
end (``16:00`` after a start at ``tomorrow 14:00`` is tomorrow at 16:00; ``06:00`` after a
night patrol starting at 22:00 is the next morning). A moment only just passed (``PAST_GRACE``)
still counts as today's, so "14:00" typed at 14:05 for a duty that has just begun is not read
as tomorrow.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, tzinfo

PAST_GRACE = timedelta(minutes=10)
# A date without a year this far back is next year's; nearer, it is this year's (and past).
PAST_DATE_WINDOW = timedelta(days=183)
MAX_INPUT = 40

NOW_WORDS = frozenset({"now", "right now", "现在", "马上", "立即", "立刻", "即刻"})
DAY_WORDS = {
    "today": 0,
    "tomorrow": 1,
    "day after tomorrow": 2,
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
}
# Parts of the day that move an hour written 1-11 to the afternoon or evening.
AFTERNOON_WORDS = ("下午", "晚上", "傍晚", "今晚", "pm")
MORNING_WORDS = ("上午", "早上", "早晨", "凌晨", "am")
NOON_WORDS = ("中午",)

_FULL_DATE = re.compile(
    r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*[日号]?"
)
_MONTH_DAY = re.compile(r"(?P<month>\d{1,2})\s*[-/月]\s*(?P<day>\d{1,2})\s*[日号]?")
_CLOCK = re.compile(r"(?P<hour>\d{1,2})\s*:\s*(?P<minute>\d{2})")
_CHINESE_CLOCK = re.compile(
    r"(?P<hour>\d{1,2})\s*[点時时]\s*(?:(?P<half>半)|(?P<minute>\d{1,2})\s*分?)?"
)
_BARE_HOUR = re.compile(r"(?<!\d)(?P<hour>\d{1,2})(?!\d)")
_IN_ENGLISH = re.compile(
    r"(?:in (?P<count>\d{1,4}|an?|half an?) (?P<unit>[a-z]+)"
    r"|(?P<count2>\d{1,4}|an?|half an?) (?P<unit2>[a-z]+) (?:from now|later))"
)
_IN_CHINESE = re.compile(
    r"(?P<count>\d{1,4}|[一两二三四五六七八九十半])个?(?P<unit>分钟|分|小时|钟头)(?:以后|之后|后)"
)
MINUTES_PER = {
    **dict.fromkeys(("minute", "minutes", "min", "mins", "分钟", "分"), 1),
    **dict.fromkeys(("hour", "hours", "hr", "hrs", "h", "小时", "钟头"), 60),
}
COUNT_WORDS = {"a": 1, "an": 1, "half a": 0.5, "half an": 0.5, "半": 0.5, "两": 2}
COUNT_WORDS |= {word: n for n, word in enumerate("一二三四五六七八九十", start=1)}
# Words that may stand between the parts ("tomorrow at 8:00", "明天的8点").
FILLERS = frozenset({"at", "on", "的", ",", "@"})


class TimeNotUnderstood(ValueError):
    """The text is not a moment this parser reads."""


def parse_when(
    text: str, *, now: datetime, zone: tzinfo, after: datetime | None = None
) -> datetime:
    """The moment ``text`` names, as an aware UTC datetime. Missing parts are filled in as the
    next such moment after ``after`` (when given) or after ``now``; the caller checks ranges
    (not in the past, an end after its start)."""
    cleaned = _normalise(text)
    if not cleaned or len(cleaned) > MAX_INPUT:
        raise TimeNotUnderstood(text)
    if cleaned in NOW_WORDS:
        return now.astimezone(UTC).replace(second=0, microsecond=0)
    later = _a_while(cleaned)
    if later is not None:  # from now; for an end, from its start
        return (after or now).astimezone(UTC).replace(second=0, microsecond=0) + later
    rest, day = _take_day(cleaned, now.astimezone(zone).date())
    rest, moment = _take_time(rest)
    if moment is None or any(word not in FILLERS for word in rest.replace(",", " , ").split()):
        raise TimeNotUnderstood(text)
    if day is not None:
        return _at(day, moment, zone)
    if after is not None:
        return _next_after(moment, after, zone, strictly=True)
    return _next_after(moment, now - PAST_GRACE, zone, strictly=False)


def _a_while(text: str) -> timedelta | None:
    """``in 10 minutes`` / ``10分钟后``: how long; None when the text is not that."""
    match = _IN_ENGLISH.fullmatch(text) or _IN_CHINESE.fullmatch(text.replace(" ", ""))
    if match is None:
        return None
    count = match.group("count") or match.group("count2")
    unit = MINUTES_PER.get(match.group("unit") or match.group("unit2"))
    if unit is None:
        raise TimeNotUnderstood(text)
    number = float(count) if count.isdigit() else COUNT_WORDS[count]
    return timedelta(minutes=round(number * unit))


def names_a_day(text: str, today: date) -> bool:
    """Whether ``text`` says which day (a day word or a date), not only a time of day."""
    return _take_day(_normalise(text), today)[1] is not None


def _normalise(text: str) -> str:
    """Full-width digits and colons made plain, spaces folded, lower case."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return " ".join(folded.replace("：", ":").split())


def _take_day(text: str, today: date) -> tuple[str, date | None]:
    """Remove a day word or a date from ``text``; the day it names, if any."""
    for word, offset in sorted(DAY_WORDS.items(), key=lambda item: -len(item[0])):
        if word in text:
            return text.replace(word, " ", 1), today + timedelta(days=offset)
    match = _FULL_DATE.search(text)
    if match:
        day = _date(int(match["year"]), int(match["month"]), int(match["day"]))
        return _cut(text, match), day
    match = _MONTH_DAY.search(text)
    if match:
        day = _date(today.year, int(match["month"]), int(match["day"]))
        if day < today - PAST_DATE_WINDOW:  # "01-05" in December: next year's
            day = _date(today.year + 1, day.month, day.day)
        return _cut(text, match), day
    return text, None


def _take_time(text: str) -> tuple[str, time | None]:
    """Remove a time of day from ``text`` (with 上午/下午/am/pm around it)."""
    afternoon = any(word in text for word in AFTERNOON_WORDS)
    morning = any(word in text for word in MORNING_WORDS)
    noon = any(word in text for word in NOON_WORDS)
    for word in (*AFTERNOON_WORDS, *MORNING_WORDS, *NOON_WORDS):
        text = text.replace(word, " ")
    match = _CLOCK.search(text) or _CHINESE_CLOCK.search(text)
    if match is None and (afternoon or morning or noon):
        match = _BARE_HOUR.search(text)  # "3pm", "下午3"
    if match is None:
        return text, None
    groups = match.groupdict()
    hour = int(groups["hour"])
    minute = 30 if groups.get("half") else int(groups.get("minute") or 0)
    if (afternoon and 1 <= hour <= 11) or (noon and hour < 6):
        hour += 12
    elif morning and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise TimeNotUnderstood(text)
    return _cut(text, match), time(hour, minute)


def _cut(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise TimeNotUnderstood(f"{year}-{month}-{day}") from None


def _at(day: date, moment: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _next_after(moment: time, reference: datetime, zone: tzinfo, *, strictly: bool) -> datetime:
    """The first ``moment`` of a day at or after (``strictly``: after) ``reference``."""
    local_day = reference.astimezone(zone).date()
    candidate = _at(local_day, moment, zone)
    too_early = candidate <= reference if strictly else candidate < reference
    return _at(local_day + timedelta(days=1), moment, zone) if too_early else candidate
