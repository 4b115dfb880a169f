"""Local clock times (HH:MM in the community's zone) turned into UTC instants, DST-safe.

A round is "09:00 on this date", never "24 hours after the last one": each instant is computed
from the local date and time, so rounds keep to the wall clock across a DST change. A time that
does not exist that day (in the spring-forward gap) is moved forward by the gap, as a wall
clock would; a time that happens twice (the autumn fold) is taken the first time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.errors import InvalidInput


def parse_slot(text: str) -> str:
    """A visit time as ``HH:MM`` (``9:00``, ``09:00`` and ``0900`` are accepted)."""
    cleaned = text.strip().replace("：", ":")
    if ":" in cleaned:
        hours, _, minutes = cleaned.partition(":")
    elif len(cleaned) == 4:
        hours, minutes = cleaned[:2], cleaned[2:]
    else:
        raise InvalidInput("rounds.bad_time", value=text)
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise InvalidInput("rounds.bad_time", value=text)
    if int(hours) > 23 or int(minutes) > 59:
        raise InvalidInput("rounds.bad_time", value=text)
    return f"{int(hours):02d}:{minutes}"


def slot_time(slot: str) -> time:
    hours, minutes = slot.split(":")
    return time(int(hours), int(minutes))


def at_local(day: date, slot: str, zone: tzinfo) -> datetime:
    """The UTC instant of ``slot`` on ``day`` in ``zone``."""
    local = datetime.combine(day, slot_time(slot), tzinfo=zone)
    # Round trip through UTC: a time in the spring gap comes back moved forward by the gap.
    return local.astimezone(UTC)


def local_day(instant: datetime, zone: tzinfo) -> date:
    return instant.astimezone(zone).date()


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants at which the local ``day`` starts and ends (23 or 25 hours on a
    DST change)."""
    return at_local(day, "00:00", zone), at_local(day + timedelta(days=1), "00:00", zone)


def days_between(start: datetime, end: datetime, zone: tzinfo) -> list[date]:
    """Every local date touched by the interval, with a day's margin either side."""
    first = local_day(start, zone) - timedelta(days=1)
    last = local_day(end, zone) + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
