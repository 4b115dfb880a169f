"""The Alembic migrations are the only way the schema changes: they must build exactly the
schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from models.base import metadata
from models.db import Database
from models.migrate import schema_drift, upgrade
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
