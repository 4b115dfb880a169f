"""Export and import: everything the services wrote comes back row for row in a new database,
SQLite or PostgreSQL, either way round; import refuses a database that is not empty or an
export of another schema revision."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bot.data_transfer.files import TransferError
from bot.data_transfer.transfer import code_revision, export_database, import_database
from models.db import Database
from tests.conftest import POSTGRES_URL
from tests.seed import seed_team
from tests.transfer_support import community_at_work, every_row, schema_database, url_for

ROUTES = [("sqlite", "sqlite")] + (
    [("sqlite", "postgresql"), ("postgresql", "sqlite")] if POSTGRES_URL else []
)


@pytest.mark.parametrize(("source", "target"), ROUTES, ids=lambda b: b)
async def test_the_data_survives_export_and_import_into_a_new_database(
    source: str, target: str, tmp_path: Path
) -> None:
    origin = await schema_database(url_for(source, tmp_path, "origin.db"))
    try:
        await community_at_work(origin)
        written = await every_row(origin)
        exported = await export_database(origin, tmp_path / "community.zip")
    finally:
        await origin.dispose()
    assert exported.schema_revision == code_revision()
    assert {name: len(rows) for name, rows in written.items()} == exported.rows
    assert written["callout_response"] and written["visit"] and written["service_hours"]

    copy = await schema_database(url_for(target, tmp_path, "copy.db"))
    try:
        imported = await import_database(copy, tmp_path / "community.zip")
        assert imported.rows == exported.rows
        assert await every_row(copy) == written
        # New rows after the import take new ids (PostgreSQL's sequences were moved on).
        team_id = await seed_team(copy, "Flood patrol")
        assert team_id > max(team["id"] for team in written["team"])
    finally:
        await copy.dispose()


@pytest.fixture
async def export_file(tmp_path: Path) -> Path:
    origin = await schema_database(url_for("sqlite", tmp_path, "origin.db"))
    try:
        await community_at_work(origin)
        await export_database(origin, tmp_path / "community.zip")
    finally:
        await origin.dispose()
    return tmp_path / "community.zip"


async def test_import_refuses_a_database_that_already_holds_data(
    export_file: Path, tmp_path: Path
) -> None:
    copy = await schema_database(url_for("sqlite", tmp_path, "copy.db"))
    try:
        await import_database(copy, export_file)
        before = await every_row(copy)
        with pytest.raises(TransferError, match="not empty"):
            await import_database(copy, export_file)
        assert await every_row(copy) == before
    finally:
        await copy.dispose()


async def test_import_refuses_an_export_of_another_schema_revision(
    export_file: Path, tmp_path: Path
) -> None:
    older = tmp_path / "older.zip"
    with zipfile.ZipFile(export_file) as source, zipfile.ZipFile(older, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(content)
                manifest["schema_revision"] = "0123abcd"
                content = json.dumps(manifest).encode()
            target.writestr(item, content)
    copy = await schema_database(url_for("sqlite", tmp_path, "copy.db"))
    try:
        with pytest.raises(TransferError, match="exported at schema revision 0123abcd"):
            await import_database(copy, older)
        assert not any((await every_row(copy)).values())
    finally:
        await copy.dispose()


async def test_import_refuses_a_file_that_is_not_an_export(tmp_path: Path) -> None:
    stray = tmp_path / "notes.zip"
    stray.write_text("not a zip", encoding="utf-8")
    db = await schema_database(url_for("sqlite", tmp_path, "copy.db"))
    try:
        with pytest.raises(TransferError, match="not a Muster export"):
            await import_database(db, stray)
    finally:
        await db.dispose()


async def test_export_refuses_a_database_never_migrated(tmp_path: Path) -> None:
    db = await schema_database(url_for("sqlite", tmp_path, "origin.db"), stamped=False)
    try:
        with pytest.raises(TransferError, match="run `muster db upgrade` first"):
            await export_database(db, tmp_path / "community.zip")
    finally:
        await db.dispose()
    assert not (tmp_path / "community.zip").exists()


async def test_export_never_overwrites_a_file(tmp_path: Path) -> None:
    (tmp_path / "community.zip").write_text("last week's", encoding="utf-8")
    db: Database = await schema_database(url_for("sqlite", tmp_path, "origin.db"))
    try:
        with pytest.raises(TransferError, match="exists"):
            await export_database(db, tmp_path / "community.zip")
    finally:
        await db.dispose()
    assert (tmp_path / "community.zip").read_text(encoding="utf-8") == "last week's"
