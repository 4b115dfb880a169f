"""The Alembic migrations are the only way the schema changes: they must build exactly the
schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection

from models.base import metadata
from models.db import Database
from models.migrate import alembic_config, at_head, schema_drift, script_heads, upgrade
from tests.conftest import database_url


@pytest.fixture
async def empty_db(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(database_url(backend, tmp_path))
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    yield db
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    await db.dispose()


async def test_migrations_build_exactly_the_models_schema(empty_db: Database) -> None:
    await upgrade(empty_db)
    assert await schema_drift(empty_db) == []


async def test_upgrading_twice_changes_nothing(empty_db: Database) -> None:
    await upgrade(empty_db)
    await upgrade(empty_db)
    assert await schema_drift(empty_db) == []


async def test_a_database_at_the_newest_revision_starts_without_loading_alembic(
    empty_db: Database,
) -> None:
    """The start-up check reads the heads from the scripts and the database's stamp; Alembic
    (a few megabytes of idle memory) is loaded only when there is something to migrate."""
    assert not await at_head(empty_db)
    await upgrade(empty_db)
    assert await at_head(empty_db)
    url = empty_db.engine.url.render_as_string(hide_password=False)
    script = (
        "import asyncio, sys\n"
        "from models.db import Database\n"
        "from models.migrate import upgrade\n"
        "async def main():\n"
        f"    db = Database({url!r})\n"
        "    await upgrade(db)\n"
        "    await db.dispose()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=asyncio.subprocess.PIPE
    )
    loaded, _ = await process.communicate()
    assert process.returncode == 0
    assert loaded.decode().strip() == "[]"


def test_the_heads_read_from_the_scripts_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    assert script_heads() == set(ScriptDirectory.from_config(alembic_config()).get_heads())


FIRST_REVISION = "9165964e0bf9"


async def test_upgrading_from_the_first_revision_keeps_the_data(empty_db: Database) -> None:
    """A community running the first release upgrades: its elders, visits, open alerts and
    queued messages are all still there, and the new columns start from sensible values (an
    alert left open past its last step is reminded at once; a queued message is not erased)."""
    await upgrade(empty_db, FIRST_REVISION)
    opened = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    async with empty_db.engine.begin() as connection:
        tables = await connection.run_sync(_reflect)
        at = opened if connection.dialect.name == "postgresql" else opened.replace(tzinfo=None)
        rows = {
            "account": dict(
                telegram_id=101, language="zh", role="volunteer", first_name="Mei", created_at=at
            ),
            "elder": dict(
                id=1,
                name="王奶奶",
                compound="A",
                building="3",
                room="301",
                phone="+8613800000000",
                health_notes="",
                risk_notes="",
                created_at=at,
                updated_at=at,
            ),
            "round": dict(
                id=1,
                kind="scheduled",
                local_date=at.date(),
                slot="08:00",
                due_at=at,
                created_at=at,
                sent_late=False,
            ),
            "visit": dict(
                id=1,
                round_id=1,
                elder_id=1,
                due_at=at,
                window_ends_at=at,
                status="missed",
                answered_late=False,
            ),
            "alert": dict(id=1, visit_id=1, reason="missed", opened_at=at, next_step=None),
            "outbox": dict(
                id=1,
                chat_id=101,
                method="sendMessage",
                payload={"text": "明天 8:00"},
                state="pending",
                priority=0,
                attempts=0,
                not_before=at,
                created_at=at,
            ),
        }
        for name, values in rows.items():
            await connection.execute(tables[name].insert().values(**values))

    await upgrade(empty_db)

    assert await schema_drift(empty_db) == []
    async with empty_db.engine.connect() as connection:
        elder = (await connection.exec_driver_sql("SELECT name, phone FROM elder")).one()
        alert = (
            await connection.exec_driver_sql("SELECT reminders, remind_at IS NOT NULL FROM alert")
        ).one()
        outbox = (
            await connection.exec_driver_sql("SELECT chat_id, erase_when_done FROM outbox")
        ).one()
        account = (await connection.exec_driver_sql("SELECT first_name FROM account")).one()
    assert tuple(elder) == ("王奶奶", "+8613800000000")
    assert tuple(alert) == (0, True)
    assert (outbox[0], bool(outbox[1])) == (101, False)
    assert tuple(account) == ("Mei",)


def _reflect(sync: Connection) -> dict[str, Table]:
    reflected = MetaData()
    reflected.reflect(bind=sync)
    return dict(reflected.tables)
