"""Shared fixtures: a fresh database per test (SQLite always; PostgreSQL too when
``MUSTER_TEST_DATABASE_URL`` is set), a frozen clock, and the bot harness."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from models.base import metadata
from models.db import Database

POSTGRES_URL = os.environ.get("MUSTER_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])

pytest_plugins = ["tests.harness"]


def database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}"
    assert POSTGRES_URL
    return POSTGRES_URL


async def fresh_database(url: str) -> Database:
    db = Database(url)
    await drop_everything(db)
    await db.create_all()
    return db


async def drop_everything(db: Database) -> None:
    """Every table, the migrations' stamp too (a PostgreSQL database is shared by tests)."""
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def db(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, empty database with every table, on each backend."""
    database = await fresh_database(database_url(backend, tmp_path))
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()
