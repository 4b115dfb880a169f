"""``muster export`` and ``muster import``: the data as a portable archive.

An export is a zip holding ``manifest.json`` (format, schema revision, row counts) and one
``tables/<table>.jsonl`` per table, one JSON object per row (see ``codec``). It is read from one
consistent snapshot: a backup copy of a SQLite database, a repeatable-read transaction on
PostgreSQL. Either database can import what either exported, so an export is also the way
from SQLite to PostgreSQL.

Import fills an empty database at the same schema revision, in one transaction, tables in
the order their foreign keys need; it refuses anything else, so it can never mix two
communities' data or load rows into columns that mean something else.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, Table, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.data_transfer.backup import backup_sqlite
from bot.data_transfer.codec import TableCodec
from bot.data_transfer.files import TransferError, refuse_existing, written_atomically
from models.base import metadata
from models.db import Database
from models.migrate import alembic_config, upgrade

FORMAT = "muster-export"
VERSION = 1
MANIFEST = "manifest.json"
INSERT_BATCH = 1000


@dataclass(frozen=True)
class Summary:
    schema_revision: str
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def code_revision() -> str:
    """The schema revision this version of Muster works with (the newest migration)."""
    from alembic.script import ScriptDirectory  # only for an export or import

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def tables() -> list[Table]:
    """Every table, parents before the children whose foreign keys point at them."""
    return list(metadata.sorted_tables)


# -- export -----------------------------------------------------------------------------------


async def export_database(db: Database, output: Path) -> Summary:
    refuse_existing(output)
    async with _snapshot(db) as connection:
        revision = await _database_revision(connection)
        if revision != code_revision():
            raise TransferError(
                f"the database is at schema revision {revision or 'none'}, this Muster's is "
                f"{code_revision()}: run `muster db upgrade` first"
            )
        with (
            written_atomically(output) as partial,
            zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            rows = {t.name: await _export_table(connection, archive, t) for t in tables()}
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "schema_revision": revision,
                "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "source": db.dialect,
                "rows": rows,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return Summary(revision, rows)


@asynccontextmanager
async def _snapshot(db: Database) -> AsyncIterator[AsyncConnection]:
    """A connection that sees the data as of one instant, without holding up the bot."""
    if db.dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="muster-export-") as folder:
            copy = Path(folder) / "snapshot.db"
            backup_sqlite(db.url, copy)
            snapshot = Database(f"sqlite+aiosqlite:///{copy}")
            try:
                async with snapshot.engine.begin() as connection:
                    yield connection
            finally:
                await snapshot.dispose()
        return
    options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    async with db.engine.connect() as connection:
        connection = await connection.execution_options(**options)
        async with connection.begin():
            yield connection


async def _export_table(connection: AsyncConnection, archive: zipfile.ZipFile, table: Table) -> int:
    codec = TableCodec(table)
    count = 0
    query = select(table).order_by(*table.primary_key.columns)
    with archive.open(f"tables/{table.name}.jsonl", "w") as out:
        async for row in await connection.stream(query):
            line = json.dumps(codec.encode(dict(row._mapping)), ensure_ascii=False)
            out.write(line.encode() + b"\n")
            count += 1
    return count


async def _database_revision(connection: AsyncConnection) -> str | None:
    try:
        async with connection.begin_nested():
            result = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return result.scalar_one_or_none()
    except SQLAlchemyError:  # no alembic_version table: never migrated
        return None


# -- import -----------------------------------------------------------------------------------


async def import_database(db: Database, source: Path) -> Summary:
    with _open_archive(source) as archive:
        manifest = _read_manifest(archive, source)
        revision = manifest["schema_revision"]
        if revision != code_revision():
            raise TransferError(
                f"{source} was exported at schema revision {revision}, this Muster's is "
                f"{code_revision()}: import it with the Muster version that made it, then "
                "upgrade that"
            )
        await upgrade(db)
        async with db.engine.begin() as connection:
            await _require_empty(connection)
            if db.dialect == "sqlite":  # checked at commit, so row order within a table is free
                await connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            rows = {
                t.name: await _import_table(connection, archive, t, manifest["rows"].get(t.name))
                for t in tables()
            }
            if db.dialect == "postgresql":
                await _continue_sequences(connection)
    return Summary(revision, rows)


@contextmanager
def _open_archive(source: Path) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(source) as archive:
            yield archive
    except FileNotFoundError:
        raise TransferError(f"no such file: {source}") from None
    except zipfile.BadZipFile:
        raise TransferError(f"{source} is not a Muster export (not a zip archive)") from None


def _read_manifest(archive: zipfile.ZipFile, source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError):
        raise TransferError(f"{source} is not a Muster export (no readable manifest)") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise TransferError(f"{source} is not a Muster export of format version {VERSION}")
    return manifest


async def _require_empty(connection: AsyncConnection) -> None:
    for table in tables():
        count = (await connection.execute(select(func.count()).select_from(table))).scalar_one()
        if count:
            raise TransferError(
                f"the database is not empty (table {table.name} has {count} rows): "
                "import only into a new, empty database"
            )


async def _import_table(
    connection: AsyncConnection, archive: zipfile.ZipFile, table: Table, expected: int | None
) -> int:
    codec = TableCodec(table)
    count = 0
    batch: list[dict[str, Any]] = []
    try:
        lines = archive.open(f"tables/{table.name}.jsonl")
    except KeyError:
        raise TransferError(f"the export has no rows file for table {table.name}") from None
    with lines:
        for line in lines:
            batch.append(codec.decode(json.loads(line)))
            if len(batch) >= INSERT_BATCH:
                count += await _insert(connection, table, batch)
                batch = []
    count += await _insert(connection, table, batch)
    if expected is not None and count != expected:
        raise TransferError(f"table {table.name}: {count} rows read, the manifest says {expected}")
    return count


async def _insert(connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> int:
    if rows:
        await connection.execute(table.insert(), rows)
    return len(rows)


async def _continue_sequences(connection: AsyncConnection) -> None:
    """PostgreSQL hands out ids from sequences, which inserting explicit ids does not move:
    set each past the highest id imported, so the next row does not collide."""
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        key = keys[0]
        sequence = func.pg_get_serial_sequence(table.name, key.name)
        next_id = func.coalesce(func.max(key), 0) + 1
        await connection.execute(select(func.setval(sequence, next_id, False)).select_from(table))
