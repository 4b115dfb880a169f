"""The duty rota (值班): 12-hour day and night shifts held by volunteers, a weekly pattern
with date exceptions. Escalations go to whoever holds the shift at that moment.

The day shift starts at ``[rounds] duty_day_starts`` (local), the night shift twelve hours
later, and a night shift belongs to the date it starts on. Shifts follow the wall clock, so
on a DST change a shift is 11 or 13 hours long.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.errors import InvalidInput
from bot.services import audit
from bot.services.accounts import Actor, require_role
from bot.services.rounds.local_time import local_day, slot_time
from bot.services.rounds.people import Person, volunteers_by_id
from bot.services.rounds.volunteer_refs import VolunteerIndex
from models import Account, Role, Team, Volunteer
from models.elders import DutyException, DutyShift, Elder, Shift

WEEKDAY_WORDS = {
    **{w: i for i, w in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{w: i for i, w in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday"))},
    "saturday": 5,
    "sunday": 6,
    **{str(i + 1): i for i in range(7)},
    **{f"周{c}": i for i, c in enumerate("一二三四五六日")},
    **{f"星期{c}": i for i, c in enumerate("一二三四五六日")},
    "周天": 6,
    "星期天": 6,
}
SHIFT_WORDS = {
    "day": Shift.DAY,
    "白班": Shift.DAY,
    "日班": Shift.DAY,
    "白天": Shift.DAY,
    "night": Shift.NIGHT,
    "夜班": Shift.NIGHT,
    "晚上": Shift.NIGHT,
}
NOBODY_WORDS = {"nobody", "none", "-", "无", "无人"}
DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
EXCEPTIONS_AHEAD = timedelta(days=31)
GAPS_AHEAD = 14  # shifts looked at for gaps: the week ahead


@dataclass(frozen=True)
class DutyCommand:
    """``set <weekday|date> <day|night> <who>`` or ``clear <weekday|date> <day|night>``;
    ``who`` None with a date means nobody is on duty then."""

    action: str  # "set" or "clear"
    shift: Shift
    weekday: int | None = None
    on_date: date | None = None
    who: str | None = None


@dataclass(frozen=True)
class DutySlot:
    weekday: int | None
    on_date: date | None
    shift: Shift
    name: str | None  # None: nobody
    newly_on_duty: Person | None = None  # set: someone who did not hold it before, to be told


@dataclass(frozen=True)
class DutyOverview:
    pattern: tuple[DutySlot, ...]  # the 14 weekly slots, Monday day first
    exceptions: tuple[DutySlot, ...]  # today and the month ahead
    current: DutySlot
    day_starts: str
    night_starts: str
    coverage: Coverage | None = None  # for leaders: who alerts cannot reach


@dataclass(frozen=True)
class Coverage:
    """Where an alert would find nobody of its own to go to (it then goes to the last resort,
    the community's leaders and administrators): care teams without a leader, and the shifts
    of the week ahead that nobody holds."""

    teams_without_leader: tuple[str, ...]
    uncovered_shifts: tuple[tuple[date, Shift], ...]

    @property
    def complete(self) -> bool:
        return not (self.teams_without_leader or self.uncovered_shifts)


def night_starts(day_starts: str) -> str:
    start = slot_time(day_starts)
    return f"{(start.hour + 12) % 24:02d}:{start.minute:02d}"


def shift_at(instant: datetime, zone: tzinfo, day_starts: str) -> tuple[date, Shift]:
    """The (date, shift) holding duty at ``instant``, by the local wall clock."""
    local = instant.astimezone(zone)
    now, day = local.time().replace(tzinfo=None), local.date()
    start, night = slot_time(day_starts), slot_time(night_starts(day_starts))
    if start < night:  # e.g. day 08:00–20:00, night 20:00–08:00 (next day)
        if start <= now < night:
            return day, Shift.DAY
        return (day, Shift.NIGHT) if now >= night else (day - timedelta(days=1), Shift.NIGHT)
    # e.g. day 14:00–02:00 (next day), night 02:00–14:00
    if night <= now < start:
        return day, Shift.NIGHT
    return (day, Shift.DAY) if now >= start else (day - timedelta(days=1), Shift.DAY)


async def on_duty(session: AsyncSession, *, config: Config, now: datetime) -> Person | None:
    """Whoever holds the duty shift at ``now`` (an exception for the date wins)."""
    day, shift = shift_at(now, config.bot.zone, config.rounds.duty_day_starts)
    volunteer_id = await _holder(session, day, shift)
    if volunteer_id is None:
        return None
    return (await volunteers_by_id(session, ids=[volunteer_id], admins=config.bot.admins)).get(
        volunteer_id
    )


async def holder(session: AsyncSession, *, day: date, shift: Shift) -> int | None:
    """The volunteer id holding (date, shift), if anyone."""
    return await _holder(session, day, shift)


async def _holder(session: AsyncSession, day: date, shift: Shift) -> int | None:
    exception = await session.get(DutyException, (day, shift))
    if exception is not None:
        return exception.volunteer_id
    pattern = await session.get(DutyShift, (day.weekday(), shift))
    return pattern.volunteer_id if pattern else None


def next_shift(day: date, shift: Shift, day_starts: str) -> tuple[date, Shift]:
    """The shift after (``day``, ``shift``); a night shift belongs to the date it starts on."""
    day_first = slot_time(day_starts) < slot_time(night_starts(day_starts))
    if shift == Shift.DAY:
        return (day, Shift.NIGHT) if day_first else (day + timedelta(days=1), Shift.NIGHT)
    return (day + timedelta(days=1), Shift.DAY) if day_first else (day, Shift.DAY)


async def coverage(session: AsyncSession, *, config: Config, now: datetime) -> Coverage:
    """The care teams (teams with elders on the rounds) without a leader who can be reached,
    and the duty shifts of the week ahead without a registered volunteer. Nothing when no
    elder is on the rounds."""
    teams = list(
        await session.exec(
            select(Team.name, Team.leader_telegram_id, Account.telegram_id)
            .outerjoin(Account, col(Account.telegram_id) == col(Team.leader_telegram_id))
            .where(
                col(Team.id).in_(
                    select(Elder.team_id).where(
                        col(Elder.removed_at).is_(None), col(Elder.team_id).is_not(None)
                    )
                )
            )
            .order_by(col(Team.name))
        )
    )
    if not teams:
        return Coverage((), ())
    without_leader = tuple(name for name, _, account in teams if account is None)
    day, shift = shift_at(now, config.bot.zone, config.rounds.duty_day_starts)
    shifts = []
    for _ in range(GAPS_AHEAD):
        shifts.append((day, shift))
        day, shift = next_shift(day, shift, config.rounds.duty_day_starts)
    holders = {key: await _holder(session, *key) for key in shifts}
    registered = await volunteers_by_id(session, ids=holders.values(), admins=config.bot.admins)
    uncovered = tuple(key for key in shifts if holders[key] not in registered)
    return Coverage(without_leader, uncovered)


def parse_duty_command(
    args: list[str], current: tuple[date, Shift], day_starts: str
) -> DutyCommand:
    """The arguments of ``/duty`` (see the help text for the syntax). A date's shift may be
    set from ``current``, the shift running now, on (the night that began yesterday too)."""
    if len(args) < 3 or args[0].lower() not in ("set", "clear", "设", "设置", "清除"):
        raise InvalidInput("duty.usage")
    action = "set" if args[0].lower() in ("set", "设", "设置") else "clear"
    shift = SHIFT_WORDS.get(args[2].lower())
    if shift is None:
        raise InvalidInput("duty.bad_shift", value=args[2][:16])
    weekday, on_date = _when(args[1])
    if on_date is not None and _order(on_date, shift, day_starts) < _order(*current, day_starts):
        raise InvalidInput("duty.past_date", value=f"{on_date.isoformat()} {args[2][:16]}")
    who = " ".join(args[3:]).strip() or None
    if action == "set" and who is None:
        raise InvalidInput("duty.usage")
    if action == "set" and who is not None and who.lower() in NOBODY_WORDS:
        if on_date is None:
            raise InvalidInput("duty.nobody_needs_date")
        who = None
    return DutyCommand(action, shift, weekday, on_date, who if action == "set" else None)


def _order(day: date, shift: Shift, day_starts: str) -> tuple[date, int]:
    """Sorts shifts in time: by date, then the shift that starts first on it."""
    day_first = slot_time(day_starts) < slot_time(night_starts(day_starts))
    return day, int((shift == Shift.NIGHT) == day_first)


def _when(text: str) -> tuple[int | None, date | None]:
    weekday = WEEKDAY_WORDS.get(text.lower())
    if weekday is not None:
        return weekday, None
    match = DATE.match(text)
    if match is None:
        raise InvalidInput("duty.bad_when", value=text[:16])
    try:
        on_date = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise InvalidInput("duty.bad_when", value=text[:16]) from None
    return None, on_date


async def apply_duty_command(
    session: AsyncSession, *, actor: Actor, config: Config, command: DutyCommand, now: datetime
) -> DutySlot:
    """Set or clear a weekly slot or a date's shift; leaders only, audit-logged."""
    require_role(actor, Role.LEADER, "duty.set")
    volunteer_id, name = None, None
    if command.action == "set" and command.who is not None:
        ref = (await VolunteerIndex.load(session)).find(command.who)
        volunteer_id, name = ref.id, ref.name
    before = await _slot_holder(session, command)
    await _write_slot(session, actor, command, volunteer_id, now)
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action=f"duty.{command.action}",
        target_type="duty",
        target_id=f"{command.on_date or command.weekday}:{command.shift}",
        volunteer_id=volunteer_id,
    )
    told = None
    if volunteer_id is not None and volunteer_id != before:
        told = (await volunteers_by_id(session, ids=[volunteer_id], admins=config.bot.admins)).get(
            volunteer_id
        )
    return DutySlot(command.weekday, command.on_date, command.shift, name, told)


async def _slot_holder(session: AsyncSession, command: DutyCommand) -> int | None:
    if command.weekday is not None:
        weekly = await session.get(DutyShift, (command.weekday, command.shift))
        return weekly.volunteer_id if weekly else None
    exception = await session.get(DutyException, (command.on_date, command.shift))
    return exception.volunteer_id if exception else None


async def _write_slot(
    session: AsyncSession,
    actor: Actor,
    command: DutyCommand,
    volunteer_id: int | None,
    now: datetime,
) -> None:
    setting = command.action == "set"
    row: dict[str, Any] = {
        "shift": command.shift,
        "volunteer_id": volunteer_id,
        "set_by": actor.telegram_id,
        "set_at": now,
    }
    if command.weekday is not None:
        # The weekly pattern keeps no row for "nobody"; a date's exception may say nobody.
        keep = setting and volunteer_id is not None
        weekly = DutyShift(weekday=command.weekday, **row) if keep else None
        await _replace(session, DutyShift, (command.weekday, command.shift), weekly)
    else:
        assert command.on_date is not None
        exception = DutyException(on_date=command.on_date, **row) if setting else None
        await _replace(session, DutyException, (command.on_date, command.shift), exception)


async def _replace(
    session: AsyncSession,
    table: type[DutyShift] | type[DutyException],
    key: tuple[object, ...],
    new: DutyShift | DutyException | None,
) -> None:
    """Whatever held the slot goes (flushed first: the new row has the same key)."""
    existing = await session.get(table, key)
    if existing is not None:
        await session.delete(existing)
        await session.flush()
    if new is not None:
        session.add(new)


async def duty_overview(
    session: AsyncSession, *, config: Config, now: datetime, actor: Actor | None = None
) -> DutyOverview:
    """The weekly pattern, the exceptions ahead and who is on duty now (anyone may look); a
    leader also sees where alerts would find nobody of their own."""
    zone, starts = config.bot.zone, config.rounds.duty_day_starts
    today = local_day(now, zone)
    weekly = list(await session.exec(select(DutyShift)))
    ahead = list(
        await session.exec(
            select(DutyException)
            .where(
                col(DutyException.on_date) >= today,
                col(DutyException.on_date) <= today + EXCEPTIONS_AHEAD,
            )
            .order_by(col(DutyException.on_date), col(DutyException.shift))
        )
    )
    day, shift = shift_at(now, zone, starts)
    current = await _holder(session, day, shift)
    names = await volunteer_names(
        session, ids=[p.volunteer_id for p in weekly] + [e.volunteer_id for e in ahead] + [current]
    )
    pattern = {(p.weekday, p.shift): names.get(p.volunteer_id) for p in weekly}
    return DutyOverview(
        pattern=tuple(DutySlot(w, None, s, pattern.get((w, s))) for w in range(7) for s in Shift),
        exceptions=tuple(
            DutySlot(None, e.on_date, e.shift, names.get(e.volunteer_id or 0)) for e in ahead
        ),
        current=DutySlot(day.weekday(), day, shift, names.get(current or 0)),
        day_starts=starts,
        night_starts=night_starts(starts),
        coverage=await coverage(session, config=config, now=now)
        if actor and actor.is_leader
        else None,
    )


async def volunteer_names(session: AsyncSession, *, ids: Iterable[int | None]) -> dict[int, str]:
    """Volunteers' names by id (``#12`` for one who left)."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = await session.exec(
        select(Volunteer.id, Volunteer.name).where(col(Volunteer.id).in_(wanted))
    )
    return {i: name or f"#{i}" for i, name in rows if i is not None}
