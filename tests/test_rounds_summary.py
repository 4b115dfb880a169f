"""How the day went: the daily summary to each care-team leader, /rounds at any time, and
extra rounds started by a leader."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.clock import FrozenClock
from bot.errors import InvalidInput, NotAllowed
from bot.services.rounds import escalation, schedule, summary, visits
from models import Role
from models.db import Database
from models.elders import Alert, Elder, Visit
from tests.rounds_world import (
    ADMIN_ID,
    SHANGHAI_9AM,
    CareTeam,
    Queued,
    Rounds,
    actor,
    rounds_config,
    seed_care_team,
    seed_elder,
    to,
)

NINE = SHANGHAI_9AM
SUMMARY_TIME = NINE + timedelta(hours=12)  # 21:00


async def answer(rounds: Rounds, who: int, elder: str, answer: str, minutes: int) -> None:
    at = NINE + timedelta(minutes=minutes)
    async with rounds.db.session() as session:
        visit = (
            await session.exec(
                select(Visit)
                .join(Elder, col(Elder.id) == Visit.elder_id)
                .where(Elder.name == elder, Visit.due_at == NINE)
            )
        ).one()
        await visits.answer_visit(
            session,
            actor=actor(who),
            config=rounds.config,
            visit_id=visit.id,  # type: ignore[arg-type]
            answer=answer,
            now=at,
        )


def summaries(team: CareTeam, messages: list[Queued]) -> list[Queued]:
    return [m for m in to(team.leader, messages) if "Door-knock rounds" in m.text]


@pytest.fixture
async def day(db: Database) -> tuple[CareTeam, Rounds]:
    """Four elders at 09:00 only: one well in time, one well late, one no answer (closed by
    the leader), one never visited."""
    team = await seed_care_team(db)
    for name in ("Grandma Li", "Grandpa Chen", "Grandma Zhou", "Grandpa Wu"):
        await seed_elder(db, team, name, "Wang", "Zhao", times=("09:00",))
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(NINE)
    wang = team.telegram("Wang")
    await answer(rounds, wang, "Grandma Li", "well", 20)
    await answer(rounds, wang, "Grandma Zhou", "no_answer", 30)
    await rounds.at(NINE + timedelta(hours=2))  # the window ends: two visits are missed
    await answer(rounds, wang, "Grandpa Chen", "well", 130)  # late, closes its alert
    async with db.session() as session:
        alert_id = (await session.exec(select(Alert.id).where(Alert.reason == "no_answer"))).one()
        await escalation.close_alert(
            session,
            actor=actor(team.leader, Role.LEADER),
            config=rounds.config,
            alert_id=alert_id,
            outcome="family_informed",
            now=NINE + timedelta(hours=3),
        )
    await rounds.queued()
    return team, rounds


async def test_the_leader_gets_the_days_summary_once_at_the_set_time(
    day: tuple[CareTeam, Rounds],
) -> None:
    team, rounds = day
    await rounds.at(SUMMARY_TIME - timedelta(minutes=1))
    assert summaries(team, await rounds.queued()) == []
    await rounds.at(SUMMARY_TIME)
    (report,) = summaries(team, await rounds.queued())
    assert "Door-knock rounds, Mon 23 Nov: Elderly care team" in report.text
    for line in (
        "Visits due: 4",
        "All well: 2",  # one in time, one late
        "No answer at the door: 1",
        "Of these, answered late: 1",
        "Missed (no answer from the visitor): 1",
        "Still open: 0",
        "Alerts: 3 (closed: Family informed 1, Visited, all well 1; still open: 1)",
    ):
        assert line in report.text, line
    await rounds.at(SUMMARY_TIME + timedelta(hours=1))
    assert summaries(team, await rounds.queued()) == []


async def test_rounds_shows_each_elders_outcome_and_what_needs_attention(
    day: tuple[CareTeam, Rounds],
) -> None:
    team, rounds = day
    async with rounds.db.session() as session:
        (today,) = await summary.today_state(
            session,
            actor=actor(team.leader, Role.LEADER),
            config=rounds.config,
            now=NINE + timedelta(hours=4),
        )
        done = [(line.elder, line.outcome.value, line.late) for line in today.done]
        assert done == [
            ("Grandma Li", "well", False),
            ("Grandma Zhou", "no_answer", False),  # its alert closed by the leader
            ("Grandpa Chen", "well", True),
        ]
        (wu,) = today.attention
        assert (wu.elder, wu.outcome.value, wu.alert_open) == ("Grandpa Wu", "missed", True)
        assert today.pending == ()
        with pytest.raises(NotAllowed):
            await summary.today_state(
                session, actor=actor(team.telegram("Wang")), config=rounds.config, now=NINE
            )


async def test_a_leader_starts_an_extra_round_for_their_team_or_one_elder(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    await seed_elder(db, team, "Grandpa Chen", "Zhao")
    other = await seed_care_team(db, "Patrol", leader=600, visitors=((601, "Qian"),))
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE + timedelta(hours=4)))
    leader = actor(team.leader, Role.LEADER)
    async with db.session() as session:
        choices = await schedule.round_now_choices(session, actor=leader)
        assert [c.name for c in choices] == ["Elderly care team"]
        target = await schedule.resolve_round_target(
            session, actor=leader, text="elderly CARE team"
        )
        started = await schedule.start_extra_round(
            session, actor=leader, config=rounds.config, now=rounds.clock.now(), team_id=target[0]
        )
    assert (started.elders, started.visitors) == (2, 2)
    queued = await rounds.queued()
    assert {m.chat_id for m in queued} == {team.telegram("Wang"), team.telegram("Zhao")}
    assert all("Extra round now" in m.text and "confirm by 15:00" in m.text for m in queued)

    async with db.session() as session:
        team_id, elder_id = await schedule.resolve_round_target(session, actor=leader, text="#1")
        one = await schedule.start_extra_round(
            session,
            actor=leader,
            config=rounds.config,
            now=rounds.clock.now(),
            team_id=team_id,
            elder_id=elder_id,
        )
        assert one.elders == 1
        with pytest.raises(NotAllowed):
            await schedule.start_extra_round(
                session,
                actor=actor(other.leader, Role.LEADER),
                config=rounds.config,
                now=rounds.clock.now(),
                team_id=team.team_id,
            )
        with pytest.raises(InvalidInput):
            await schedule.resolve_round_target(session, actor=leader, text="<b>Nope</b>")
        with pytest.raises(InvalidInput):
            await schedule.start_extra_round(
                session,
                actor=actor(ADMIN_ID, Role.ADMIN),
                config=rounds.config,
                now=rounds.clock.now(),
                team_id=other.team_id,
            )


async def test_an_extra_round_escalates_like_any_other(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang", "Zhao")
    start = NINE + timedelta(hours=4)
    rounds = Rounds(db, rounds_config(), FrozenClock(start))
    async with db.session() as session:
        await schedule.start_extra_round(
            session,
            actor=actor(team.leader, Role.LEADER),
            config=rounds.config,
            now=start,
            team_id=team.team_id,
        )
    await rounds.queued()
    await rounds.at(start + timedelta(hours=2))
    (reminder,) = await rounds.queued()
    assert reminder.chat_id == team.telegram("Wang") and "Reminder" in reminder.text
