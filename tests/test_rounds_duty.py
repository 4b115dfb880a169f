"""The duty rota: 12-hour shifts by the wall clock, a weekly pattern with date exceptions,
set by leaders with /duty arguments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InvalidInput, NotAllowed
from bot.services.rounds import duty
from models import Role
from models.db import Database
from models.elders import Shift
from tests.rounds_world import (
    SHANGHAI_9AM,
    actor,
    lead_team,
    rounds_config,
    seed_care_team,
    seed_elder,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 23)
MONDAY_DAY = (MONDAY, Shift.DAY)  # the shift running when these commands are given


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (8, 0, (MONDAY, Shift.DAY)),
        (19, 59, (MONDAY, Shift.DAY)),
        (20, 0, (MONDAY, Shift.NIGHT)),
        (23, 30, (MONDAY, Shift.NIGHT)),
        (7, 59, (date(2026, 11, 22), Shift.NIGHT)),  # Sunday's night shift, still running
    ],
)
def test_a_night_shift_belongs_to_the_date_it_starts_on(
    hour: int, minute: int, expected: tuple[date, Shift]
) -> None:
    assert duty.shift_at(local(MONDAY, hour, minute), SHANGHAI, "08:00") == expected


def test_shifts_follow_the_wall_clock_on_a_dst_night() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    sunday = date(2026, 3, 29)  # 02:00 -> 03:00: Saturday's night shift is 11 hours long
    assert duty.shift_at(local(sunday, 7, 59, berlin), berlin, "08:00") == (
        date(2026, 3, 28),
        Shift.NIGHT,
    )
    assert duty.shift_at(local(sunday, 8, 0, berlin), berlin, "08:00") == (sunday, Shift.DAY)


def test_a_late_day_shift_start_wraps_past_midnight() -> None:
    assert duty.shift_at(local(MONDAY, 1, 0), SHANGHAI, "14:00") == (
        date(2026, 11, 22),
        Shift.DAY,
    )
    assert duty.shift_at(local(MONDAY, 2, 0), SHANGHAI, "14:00") == (MONDAY, Shift.NIGHT)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("set mon night Li Hua", duty.DutyCommand("set", Shift.NIGHT, 0, None, "Li Hua")),
        ("set 周日 白班 王芳", duty.DutyCommand("set", Shift.DAY, 6, None, "王芳")),
        ("set 7 day #12", duty.DutyCommand("set", Shift.DAY, 6, None, "#12")),
        (
            "set 2026-12-24 day nobody",
            duty.DutyCommand("set", Shift.DAY, None, date(2026, 12, 24), None),
        ),
        ("clear 2026/12/24 夜班", duty.DutyCommand("clear", Shift.NIGHT, None, date(2026, 12, 24))),
        ("CLEAR Tue Day", duty.DutyCommand("clear", Shift.DAY, 1, None)),
    ],
)
def test_duty_arguments(args: str, expected: duty.DutyCommand) -> None:
    assert duty.parse_duty_command(args.split(), MONDAY_DAY, "08:00") == expected


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ("set mon", "duty.usage"),
        ("swap mon day Li", "duty.usage"),
        ("set mon noon Li", "duty.bad_shift"),
        ("set someday day Li", "duty.bad_when"),
        ("set 2026-02-30 day Li", "duty.bad_when"),
        ("set 2026-11-01 day Li", "duty.past_date"),
        ("set 2026-11-22 night Li", "duty.past_date"),  # Sunday's night: ended at 08:00
        ("set mon day nobody", "duty.nobody_needs_date"),
        ("set mon day", "duty.usage"),
        ("set <b>&_*[ day x", "duty.bad_when"),
    ],
)
def test_bad_duty_arguments_are_explained(args: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        duty.parse_duty_command(args.split(), MONDAY_DAY, "08:00")
    assert refused.value.key == reason


def test_the_shift_running_now_may_still_be_set_but_not_one_that_has_ended() -> None:
    """At 04:12 on Friday, Thursday's night shift is running: it may be filled, Thursday's
    day shift may not. With day shifts from 14:00 a date's night shift comes first."""
    thursday, friday = date(2026, 12, 3), date(2026, 12, 4)
    current = duty.shift_at(local(friday, 4, 12), SHANGHAI, "08:00")
    assert current == (thursday, Shift.NIGHT)
    command = duty.parse_duty_command(
        ["set", "2026-12-03", "night", "Dana", "Wu"], current, "08:00"
    )
    assert command == duty.DutyCommand("set", Shift.NIGHT, None, thursday, "Dana Wu")
    with pytest.raises(InvalidInput) as refused:
        duty.parse_duty_command(["set", "2026-12-03", "day", "Dana"], current, "08:00")
    assert refused.value.params == {"value": "2026-12-03 day"}
    late = duty.shift_at(local(friday, 15), SHANGHAI, "14:00")
    assert late == (friday, Shift.DAY)
    assert duty.parse_duty_command(["set", "2026-12-04", "day", "Li"], late, "14:00").on_date
    with pytest.raises(InvalidInput):
        duty.parse_duty_command(["set", "2026-12-04", "night", "Li"], late, "14:00")


async def set_rota(db: Database, who: object, args: str) -> duty.DutySlot:
    config = rounds_config()
    async with db.session() as session:
        command = duty.parse_duty_command(args.split(), MONDAY_DAY, "08:00")
        return await duty.apply_duty_command(
            session, actor=who, config=config, command=command, now=SHANGHAI_9AM
        )  # type: ignore[arg-type]


async def on_duty_at(db: Database, instant: datetime) -> str | None:
    async with db.session() as session:
        person = await duty.on_duty(session, config=rounds_config(), now=instant.astimezone(UTC))
    return person.name if person else None


async def test_a_date_exception_wins_over_the_weekly_pattern(db: Database) -> None:
    team = await seed_care_team(db)
    leader = actor(team.leader, Role.LEADER)
    await set_rota(db, leader, "set mon day Wang")
    await set_rota(db, leader, "set mon night +86 139 0000 0502")  # Zhao, by phone
    assert await on_duty_at(db, local(MONDAY, 9)) == "Wang"
    assert await on_duty_at(db, local(MONDAY, 21)) == "Zhao"
    assert await on_duty_at(db, local(date(2026, 11, 30), 9)) == "Wang"  # next Monday too

    await set_rota(db, leader, "set 2026-11-30 day Sun")
    await set_rota(db, leader, "set 2026-11-30 night nobody")
    assert await on_duty_at(db, local(date(2026, 11, 30), 9)) == "Sun"
    assert await on_duty_at(db, local(date(2026, 11, 30), 21)) is None
    await set_rota(db, leader, "clear 2026-11-30 day")
    assert await on_duty_at(db, local(date(2026, 11, 30), 9)) == "Wang"
    await set_rota(db, leader, "clear mon day")
    assert await on_duty_at(db, local(MONDAY, 9)) is None


async def test_the_overview_shows_the_pattern_exceptions_and_who_is_on_now(db: Database) -> None:
    team = await seed_care_team(db)
    leader = actor(team.leader, Role.LEADER)
    await set_rota(db, leader, "set mon day Wang")
    await set_rota(db, leader, "set 2026-11-25 night Sun")
    async with db.session() as session:
        overview = await duty.duty_overview(session, config=rounds_config(), now=SHANGHAI_9AM)
    assert overview.current == duty.DutySlot(0, MONDAY, Shift.DAY, "Wang")
    assert overview.pattern[0] == duty.DutySlot(0, None, Shift.DAY, "Wang")
    assert overview.pattern[1] == duty.DutySlot(0, None, Shift.NIGHT, None)
    assert overview.exceptions == (duty.DutySlot(None, date(2026, 11, 25), Shift.NIGHT, "Sun"),)
    assert (overview.day_starts, overview.night_starts) == ("08:00", "20:00")


async def test_only_leaders_set_the_rota_and_unknown_people_are_named(db: Database) -> None:
    team = await seed_care_team(db)
    with pytest.raises(NotAllowed):
        await set_rota(db, actor(team.telegram("Wang")), "set mon day Wang")
    with pytest.raises(InvalidInput) as unknown:
        await set_rota(db, actor(team.leader, Role.LEADER), "set mon day Nobody Known")
    assert unknown.value.key == "rounds.ref.unknown"


def test_the_shift_after_follows_the_order_of_the_day_start() -> None:
    tuesday = date(2026, 11, 24)
    assert duty.next_shift(MONDAY, Shift.DAY, "08:00") == (MONDAY, Shift.NIGHT)
    assert duty.next_shift(MONDAY, Shift.NIGHT, "08:00") == (tuesday, Shift.DAY)
    # Day 14:00-02:00, night 02:00-14:00: Monday's day is followed by Tuesday's night.
    assert duty.next_shift(MONDAY, Shift.DAY, "14:00") == (tuesday, Shift.NIGHT)
    assert duty.next_shift(MONDAY, Shift.NIGHT, "14:00") == (MONDAY, Shift.DAY)


async def coverage_at(db: Database, instant: datetime) -> duty.Coverage:
    async with db.session() as session:
        return await duty.coverage(session, config=rounds_config(), now=instant.astimezone(UTC))


async def test_coverage_names_care_teams_without_a_leader_and_the_shifts_nobody_holds(
    db: Database,
) -> None:
    team = await seed_care_team(db)
    leader = actor(team.leader, Role.LEADER)
    assert (await coverage_at(db, local(MONDAY, 9))).complete  # no elders: nothing to cover
    await seed_elder(db, team, "Grandma Li", "Wang")
    for weekday in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        await set_rota(db, leader, f"set {weekday} day Wang")
        await set_rota(db, leader, f"set {weekday} night Zhao")
    assert (await coverage_at(db, local(MONDAY, 9))).complete
    await set_rota(db, leader, "set 2026-11-25 night nobody")
    await lead_team(db, team.team_id, None)
    found = await coverage_at(db, local(MONDAY, 21))  # from Monday's night shift on
    assert found.teams_without_leader == ("Elderly care team",)
    assert found.uncovered_shifts == ((date(2026, 11, 25), Shift.NIGHT),)


async def test_a_leader_sees_the_gaps_in_the_overview_and_a_volunteer_does_not(
    db: Database,
) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    async with db.session() as session:
        seen = await duty.duty_overview(
            session, config=rounds_config(), now=SHANGHAI_9AM, actor=actor(team.leader, Role.LEADER)
        )
        unseen = await duty.duty_overview(
            session, config=rounds_config(), now=SHANGHAI_9AM, actor=actor(team.telegram("Wang"))
        )
    assert seen.coverage is not None and len(seen.coverage.uncovered_shifts) == 14
    assert unseen.coverage is None
