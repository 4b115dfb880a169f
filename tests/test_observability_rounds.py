"""Door-knock rounds on the dashboard: visits due, confirmed (by answer) and missed, counted
when the transaction that decided them commits and not when it rolls back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlmodel import select

from bot.clock import FrozenClock
from bot.services.rounds import visits
from models.db import Database
from models.elders import Elder, Visit
from tests.rounds_world import (
    SHANGHAI_9AM,
    Rounds,
    actor,
    rounds_config,
    seed_care_team,
    seed_elder,
)

NINE = SHANGHAI_9AM


def counted() -> dict[str, float]:
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return {
        "due": value("muster_round_visits_due_total"),
        "well": value("muster_round_visits_confirmed_total", answer="well"),
        "missed": value("muster_round_visits_missed_total"),
    }


def moved(before: dict[str, float]) -> dict[str, float]:
    return {key: value - before[key] for key, value in counted().items()}


async def visit_of(db: Database, elder_name: str) -> int:
    async with db.session() as session:
        query = (
            select(Visit.id).join(Elder, Elder.id == Visit.elder_id).where(Elder.name == elder_name)
        )
        return (await session.exec(query)).one()  # type: ignore[return-value]


async def test_a_round_counts_its_visits_due_then_each_confirmed_or_missed(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang", "Zhao")
    await seed_elder(db, team, "Grandpa Zhou", "Zhao")
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    before = counted()

    await rounds.at(NINE)
    assert moved(before) == {"due": 2, "well": 0, "missed": 0}

    wang = actor(team.telegram("Wang"))
    li = await visit_of(db, "Grandma Li")
    async with db.session() as session:
        await visits.answer_visit(
            session, actor=wang, config=rounds.config, visit_id=li, answer="well", now=NINE
        )
    assert moved(before) == {"due": 2, "well": 1, "missed": 0}

    await rounds.at(NINE + timedelta(hours=2))  # Grandpa Zhou's window is over, unanswered
    assert moved(before) == {"due": 2, "well": 1, "missed": 1}


async def test_an_answer_rolled_back_is_not_counted(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(NINE)
    before = counted()

    li = await visit_of(db, "Grandma Li")
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await visits.answer_visit(
                session,
                actor=actor(team.telegram("Wang")),
                config=rounds.config,
                visit_id=li,
                answer="well",
                now=NINE,
            )
            raise RuntimeError("the reply could not be queued")
    assert moved(before) == {"due": 0, "well": 0, "missed": 0}
