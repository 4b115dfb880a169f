"""`muster backup`, `muster export` and `muster import` as an operator runs them: a backup
taken while the bot is writing is a consistent, self-contained copy; PostgreSQL is pointed
to pg_dump; an export read back by `muster import` holds the same rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from models.db import Database
from tests.operations_support import finished, muster
from tests.transfer_support import Rows, community_at_work, every_row, schema_database

SQLITE = "sqlite+aiosqlite:///{path}"


def config_for(tmp_path: Path, database_url: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(
        f'[telegram]\ntoken = "123456:TEST"\n[database]\nurl = "{database_url}"\n',
        encoding="utf-8",
    )
    return path


async def test_a_backup_taken_while_the_bot_writes_holds_what_was_committed(
    tmp_path: Path,
) -> None:
    live = tmp_path / "muster.db"
    db = await schema_database(SQLITE.format(path=live))
    await community_at_work(db)
    committed = await every_row(db)
    await db.dispose()

    writer = sqlite3.connect(live)  # the bot, half-way through a transaction
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO account (telegram_id, language, role, first_name, created_at) "
        "VALUES (424242, 'en', 'volunteer', 'Mid-write', '2026-11-23 01:00:00')"
    )
    try:
        code, err = await finished(
            await muster(
                "backup",
                "--config",
                str(config_for(tmp_path, SQLITE.format(path=live))),
                "--output",
                str(tmp_path / "backup.db"),
            )
        )
    finally:
        writer.rollback()
        writer.close()
    assert code == 0, err

    copy = sqlite3.connect(tmp_path / "backup.db")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
    finally:
        copy.close()
    restored = await rows_in_file(tmp_path / "backup.db")
    assert restored == committed


async def rows_in_file(path: Path) -> Rows:
    db = Database(SQLITE.format(path=path))
    try:
        return await every_row(db)
    finally:
        await db.dispose()


async def test_backup_of_postgresql_names_pg_dump_in_one_line(tmp_path: Path) -> None:
    config = config_for(tmp_path, "postgresql+asyncpg://muster:hunter2@db.local:5432/muster")
    code, err = await finished(
        await muster("backup", "--config", str(config), "--output", str(tmp_path / "x.dump"))
    )
    assert code == 2 and err.strip().count("\n") == 0
    assert "pg_dump --format=custom" in err and "postgresql://muster@db.local:5432/muster" in err
    assert "hunter2" not in err


async def test_export_then_import_into_a_new_install_on_the_command_line(tmp_path: Path) -> None:
    origin_url = SQLITE.format(path=tmp_path / "origin.db")
    origin = await schema_database(origin_url)
    await community_at_work(origin)
    written = await every_row(origin)
    await origin.dispose()
    copy_url = SQLITE.format(path=tmp_path / "copy.db")  # a new install: no file yet
    archive = str(tmp_path / "community.zip")

    origin_config = str(config_for(tmp_path, origin_url, "origin.toml"))
    code, err = await finished(
        await muster("export", "--config", origin_config, "--output", archive)
    )
    assert code == 0, err
    copy_config = str(config_for(tmp_path, copy_url, "copy.toml"))
    code, err = await finished(await muster("import", "--config", copy_config, "--input", archive))
    assert code == 0, err
    assert await rows_in_file(tmp_path / "copy.db") == written

    code, err = await finished(await muster("import", "--config", copy_config, "--input", archive))
    assert code == 2 and "not empty" in err and err.strip().count("\n") == 0
