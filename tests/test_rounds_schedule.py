"""Round times become visits and one prompt per visitor: from the database, on the wall clock
of the community's zone (DST included), once each, and not lost while the bot was down."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select, update

from bot.clock import FrozenClock
from bot.i18n import Translator
from bot.outbox.store import OutboxStore
from bot.services.rounds import registry
from bot.services.rounds.local_time import at_local
from bot.services.rounds.messages import extra_round_started
from models import OutboxMessage, OutboxState, Role
from models.db import Database
from models.elders import Alert, Round, Visit, VisitStatus
from tests.rounds_world import (
    SHANGHAI_9AM,
    Rounds,
    actor,
    mark_left,
    prompts,
    rounds_config,
    seed_care_team,
    seed_elder,
    to,
)


async def visits(db: Database) -> list[Visit]:
    async with db.session() as session:
        return list(await session.exec(select(Visit).order_by(col(Visit.id))))


async def rounds_planned(db: Database) -> list[Round]:
    async with db.session() as session:
        return list(await session.exec(select(Round).order_by(col(Round.due_at))))


async def started(
    db: Database, config_kw: dict | None = None, at: datetime = SHANGHAI_9AM
) -> Rounds:
    """The bot's first tick an hour before ``at``: the planner starts looking from there."""
    rounds = Rounds(db, rounds_config(**(config_kw or {})), FrozenClock(at - timedelta(hours=1)))
    await rounds.tick()
    return rounds


async def test_each_visitor_gets_one_message_listing_their_elders_in_their_language(
    db: Database,
) -> None:
    team = await seed_care_team(db, visitors=((501, "Wang"), (502, "Zhao")))
    await seed_elder(db, team, "Grandma Li", "Wang", "Zhao", room="101")
    await seed_elder(db, team, "Grandpa Chen", "Wang", "Zhao", room="102")
    await seed_elder(db, team, "Grandma Zhou", "Zhao", "Wang", room="103")
    rounds = await started(db)

    await rounds.at(SHANGHAI_9AM)

    queued = await rounds.queued()
    wang, zhao = to(team.telegram("Wang"), queued), to(team.telegram("Zhao"), queued)
    assert len(wang) == 1 and len(zhao) == 1 and len(queued) == 2
    assert "Grandma Li" in wang[0].text and "Grandpa Chen" in wang[0].text
    assert "Grandma Zhou" not in wang[0].text
    assert "Door-knock round, 9:00" in wang[0].text and "confirm by 11:00" in wang[0].text
    labels = [label for label, _ in wang[0].buttons]
    assert labels == [
        "✅ 1. Grandma Li: visited, all well",
        "🆘 1. Needs help",
        "🚪 1. No answer",
        "✅ 2. Grandpa Chen: visited, all well",
        "🆘 2. Needs help",
        "🚪 2. No answer",
    ]
    # The visitor sees what they need at the door: the room and the phone.
    assert "Sunshine Garden 3 101" in wang[0].text and "13900001111" in wang[0].text


async def test_a_chinese_speaking_visitor_gets_the_prompt_in_chinese(db: Database) -> None:
    team = await seed_care_team(db, visitors=((501, "王芳"),), language="zh")
    await seed_elder(db, team, "李奶奶", "王芳")
    rounds = await started(db)
    await rounds.at(SHANGHAI_9AM)
    (prompt,) = await rounds.queued()
    assert (
        "敲门走访 9:00" in prompt.text and prompt.buttons[0][0] == "✅ 1. 李奶奶：已走访，一切安好"
    )


async def test_a_round_is_planned_once_however_often_the_scheduler_looks(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    rounds = await started(db)
    for seconds in (0, 0, 5, 10, 3600):
        await rounds.at(SHANGHAI_9AM + timedelta(seconds=seconds))
    assert len(await rounds.queued()) == 1
    assert len(await visits(db)) == 1


async def test_a_restart_plans_from_where_the_last_process_stopped(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    first = await started(db)
    await first.at(SHANGHAI_9AM - timedelta(seconds=5))
    # A new process (a restart) on the same database, a few seconds later.
    second = Rounds(db, rounds_config(), FrozenClock(SHANGHAI_9AM + timedelta(seconds=10)))
    await second.tick()
    (prompt,) = await second.queued()
    assert "late" not in prompt.text  # seconds late is not "late"


async def test_registry_edits_count_from_the_next_round_without_a_restart(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    rounds = await started(db)
    await rounds.at(SHANGHAI_9AM)
    await rounds.queued()
    # Added after the 09:00 round: not visited at 09:00 after the fact, but at 17:00.
    await seed_elder(db, team, "Grandpa Chen", "Wang", times=("17:00",))
    await rounds.at(SHANGHAI_9AM + timedelta(hours=1))
    assert await rounds.queued() == []
    await rounds.at(SHANGHAI_9AM + timedelta(hours=8))
    (prompt,) = prompts(await rounds.queued())
    assert "Grandma Li" in prompt.text and "Grandpa Chen" in prompt.text


async def test_the_backup_visitor_takes_the_round_when_the_primary_has_left(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang", "Zhao")
    await mark_left(db, team.volunteer("Wang"))
    rounds = await started(db)
    await rounds.at(SHANGHAI_9AM)
    (prompt,) = await rounds.queued()
    assert prompt.chat_id == team.telegram("Zhao")
    (visit,) = await visits(db)
    assert (visit.visitor_id, visit.backup_id) == (team.volunteer("Zhao"), None)


async def test_rounds_keep_to_the_wall_clock_across_the_spring_dst_change(db: Database) -> None:
    berlin = ZoneInfo("Europe/Berlin")  # clocks go forward on Sunday 2026-03-29 at 02:00
    team = await seed_care_team(db)
    await seed_elder(db, team, "Oma Schmidt", "Wang", times=("02:30", "09:00", "17:00"))
    start = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    rounds = Rounds(db, rounds_config("Europe/Berlin"), FrozenClock(start))
    await rounds.tick()
    while rounds.clock.now() < datetime(2026, 3, 31, 0, 0, tzinfo=UTC):
        rounds.clock.advance(minutes=25)
        await rounds.tick()

    planned = [(r.local_date.isoformat(), r.slot, r.due_at) for r in await rounds_planned(db)]
    local = [(day, slot, due.astimezone(berlin).strftime("%H:%M %z")) for day, slot, due in planned]
    assert local == [
        ("2026-03-27", "17:00", "17:00 +0100"),
        ("2026-03-28", "02:30", "02:30 +0100"),
        ("2026-03-28", "09:00", "09:00 +0100"),
        ("2026-03-28", "17:00", "17:00 +0100"),
        # 02:30 does not exist that night: the round comes when the clock shows 03:30.
        ("2026-03-29", "02:30", "03:30 +0200"),
        ("2026-03-29", "09:00", "09:00 +0200"),
        ("2026-03-29", "17:00", "17:00 +0200"),
        ("2026-03-30", "02:30", "02:30 +0200"),
        ("2026-03-30", "09:00", "09:00 +0200"),
        ("2026-03-30", "17:00", "17:00 +0200"),
    ]
    assert len(await visits(db)) == len(planned)


async def test_a_time_that_happens_twice_in_autumn_gets_one_round(db: Database) -> None:
    new_york = ZoneInfo("America/New_York")  # 01:00-02:00 happens twice on 2026-11-01
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Rose", "Wang", times=("01:30",))
    start = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    rounds = Rounds(db, rounds_config("America/New_York"), FrozenClock(start))
    await rounds.tick()
    while rounds.clock.now() < datetime(2026, 11, 2, 12, 0, tzinfo=UTC):
        rounds.clock.advance(minutes=30)
        await rounds.tick()
    dues = [
        r.due_at.astimezone(new_york).strftime("%m-%d %H:%M %Z") for r in await rounds_planned(db)
    ]
    assert dues == ["11-01 01:30 EDT", "11-02 01:30 EST"]


def test_round_instants_come_from_the_local_date_and_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    before = at_local(date(2026, 3, 28), "09:00", berlin)
    after = at_local(date(2026, 3, 29), "09:00", berlin)
    assert after - before == timedelta(hours=23)  # the short night
    assert after.tzinfo == UTC


async def test_a_round_missed_while_down_is_sent_late_with_a_note_and_a_fresh_window(
    db: Database,
) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    rounds = await started(db)  # then the bot is down from 08:00 until 11:30
    back = SHANGHAI_9AM + timedelta(hours=2, minutes=30)
    await rounds.at(back)
    (prompt,) = await rounds.queued()
    assert "the bot was offline" in prompt.text
    (visit,) = await visits(db)
    assert visit.status == VisitStatus.PENDING and visit.window_ends_at == back + timedelta(hours=2)


async def test_a_round_still_in_its_window_is_sent_late_whatever_the_policy(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    rounds = await started(db, {"missed_while_down": "mark_missed"})
    await rounds.at(SHANGHAI_9AM + timedelta(minutes=30))
    (prompt,) = await rounds.queued()
    assert "the bot was offline" in prompt.text
    (visit,) = await visits(db)
    assert visit.window_ends_at == SHANGHAI_9AM + timedelta(hours=2)


async def test_mark_missed_escalates_a_round_whose_window_passed_while_down(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang", "Zhao")
    rounds = await started(db, {"missed_while_down": "mark_missed"})
    await rounds.at(SHANGHAI_9AM + timedelta(hours=3))
    (visit,) = await visits(db)
    assert visit.status == VisitStatus.MISSED
    (reminder,) = await rounds.queued()  # no prompt: the reminder, with the answer buttons
    assert reminder.chat_id == team.telegram("Wang") and "Reminder" in reminder.text
    assert reminder.buttons[0][0] == "✅ Visited, all well"
    async with db.session() as session:
        (alert,) = list(await session.exec(select(Alert)))
    assert alert.next_step == "backup"


async def test_after_a_long_outage_only_the_last_day_is_caught_up(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    rounds = await started(db)
    await rounds.at(SHANGHAI_9AM + timedelta(days=3, hours=1))
    planned = await rounds_planned(db)
    assert [r.due_at for r in planned] == [
        SHANGHAI_9AM + timedelta(days=2, hours=8),  # 17:00 the day before
        SHANGHAI_9AM + timedelta(days=3),  # 09:00 today
    ]


async def test_removed_elders_are_not_visited(db: Database) -> None:
    team = await seed_care_team(db)
    elder = await seed_elder(db, team, "Grandma Li", "Wang")
    async with db.session() as session:
        await registry.remove_elder(
            session, actor=actor(team.leader, Role.LEADER), elder_id=elder, now=SHANGHAI_9AM
        )
    rounds = await started(db)
    await rounds.at(SHANGHAI_9AM)
    assert await rounds.queued() == []


async def test_a_prompt_sent_again_after_a_crash_says_it_replaces_the_first(db: Database) -> None:
    team = await seed_care_team(db, visitors=((501, "Wang"),))
    await seed_elder(db, team, "Grandma Li", "Wang")
    rounds = await started(db)
    await rounds.at(SHANGHAI_9AM)
    async with db.session() as session:  # a crash while the prompts were in flight
        await session.exec(update(OutboxMessage).values(state=OutboxState.SENDING))
    assert await OutboxStore(db).recover() == 1
    (again,) = await rounds.queued()
    note, _, prompt = again.text.partition("\n\n")
    assert note.startswith("🔁 <i>Sent again after a restart") and "this one replaces it" in note
    assert "Door-knock round, 9:00" in prompt and "Grandma Li" in prompt
    assert again.buttons  # the same buttons: a press on either prompt counts once


def test_the_extra_round_answer_counts_in_each_languages_plural_forms() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    english, chinese = Translator("en", shanghai), Translator("zh", shanghai)
    assert extra_round_started(english, 1, 1) == (
        "🚪 Extra round started: 1 elder, 1 visitor asked to go now."
    )
    assert extra_round_started(english, 3, 2) == (
        "🚪 Extra round started: 3 elders, 2 visitors asked to go now."
    )
    assert extra_round_started(chinese, 1, 2) == (
        "🚪 已发起临时加访：1 位老人，已请 2 位走访人立即前往。"
    )
