"""Databases for the backup and export tests, and what they hold, table by table."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import select
from sqlmodel import col
from sqlmodel import select as select_rows

from bot.clock import FrozenClock
from bot.services import audit
from bot.services.rounds import visits
from models.base import metadata
from models.db import Database
from models.elders import Visit
from models.migrate import alembic_config
from tests.conftest import POSTGRES_URL
from tests.rounds_world import (
    SHANGHAI_9AM,
    Rounds,
    actor,
    rounds_config,
    seed_care_team,
    seed_elder,
)
from tests.seed_callouts import create_and_deliver, go, seed_crowd, seed_leader

Rows = dict[str, list[dict[str, Any]]]


def url_for(backend: str, tmp_path: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / name}"
    assert POSTGRES_URL
    return POSTGRES_URL


async def schema_database(url: str, *, stamped: bool = True) -> Database:
    """An empty database with the models' tables, stamped at this Muster's schema revision as
    ``muster db upgrade`` leaves it (the migrations themselves are checked in test_migrations)."""
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await connection.run_sync(metadata.create_all)
        if stamped:
            await connection.run_sync(lambda sync: command.stamp(alembic_config(sync), "head"))
    return db


async def community_at_work(db: Database) -> None:
    """A day's worth of data written by the services: a call-out delivered to a crowd and
    answered, a door-knock round with one visit confirmed (and its hours credited) and one
    missed and escalated, and an audit trail."""
    clock = FrozenClock(SHANGHAI_9AM - timedelta(hours=1))
    leader = await seed_leader(db)
    crowd = await seed_crowd(db, 12)
    callout_id, _ = await create_and_deliver(db, clock.now(), leader, needed=3)
    for telegram_id in crowd[:4]:  # three confirmed, one waiting
        await go(db, telegram_id, callout_id, clock, eta=15)

    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang", "Zhao", contacts=[("Li Ming", "137000")])
    await seed_elder(db, team, "Grandpa Zhou 周", "Zhao", risk_notes='diabetic; "insulin" & <b>')
    rounds = Rounds(db, rounds_config(), clock)
    await rounds.tick()
    await rounds.at(SHANGHAI_9AM)
    async with db.session() as session:
        query = select_rows(Visit.id).order_by(col(Visit.id)).limit(1)
        first_visit = (await session.exec(query)).one()
    async with db.session() as session:
        await visits.answer_visit(
            session,
            actor=actor(team.telegram("Wang")),
            config=rounds.config,
            visit_id=first_visit,
            answer="well",
            now=clock.now(),
        )
        await audit.record(
            session, now=clock.now(), actor=leader.telegram_id, action="export.test", note="中文"
        )
    await rounds.at(SHANGHAI_9AM + timedelta(hours=3))


async def every_row(db: Database) -> Rows:
    """Every table's rows, in primary-key order, as the models read them."""
    rows: Rows = {}
    async with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            result = await connection.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [dict(row._mapping) for row in result]
    return rows
