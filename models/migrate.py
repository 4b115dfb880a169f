"""Schema migrations through Alembic, run on the application's own engine and event loop.

Alembic is loaded only when there is something to migrate (or a developer asks for a
revision): at every start the database is usually at the newest revision already, and that is
checked without it (``at_head``), which keeps Alembic's few megabytes out of the running bot.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from models.base import metadata
from models.db import Database

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"
# ``revision: str = "27f8f1b66722"`` and ``down_revision: ... = "b7e2..."`` (or a tuple of
# them, for a merge; None for the first), at the start of a line of a migration script.
_REVISION_LINE = re.compile(r"^(down_)?revision\b[^=\n]*=\s*(.+)$", re.MULTILINE)
_REVISION_ID = re.compile(r"[\"']([0-9A-Za-z_]+)[\"']")


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def script_heads() -> set[str]:
    """The newest revisions of the migration scripts (those no other script follows), read
    from the files without loading Alembic."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8")):
            (followed if down else revisions).update(_REVISION_ID.findall(value))
    return revisions - followed


async def database_revisions(db: Database) -> set[str]:
    """The revisions the database is stamped with; none when it was never migrated."""
    try:
        async with db.engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return {row[0] for row in rows}
    except SQLAlchemyError:  # no alembic_version table: a new database
        return set()


async def at_head(db: Database) -> bool:
    heads = script_heads()
    return bool(heads) and await database_revisions(db) == heads


async def upgrade(db: Database, revision: str = "head") -> None:
    if revision == "head" and await at_head(db):
        return
    from alembic import command

    async with db.engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def make_revision(db: Database, message: str) -> None:
    """Write a new migration with what the models have that the database has not (developers)."""
    from alembic import command

    async with db.engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.revision(alembic_config(sync), message=message, autogenerate=True)
        )


async def schema_drift(db: Database) -> list[Any]:
    """Differences between the migrated database and the models; empty when they agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def compare(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(sync, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with db.engine.connect() as connection:
        return await connection.run_sync(compare)
