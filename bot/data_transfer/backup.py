"""``muster backup``: a consistent copy of a SQLite database, safe while the bot runs.

SQLite's online backup API copies the pages as of one read snapshot; under WAL that reader
never blocks the bot's writers. The copy is written beside the output under a temporary name,
switched out of WAL (one self-contained file), checked, and only then given its name.
PostgreSQL has its own tool for this, ``pg_dump``; ``backup`` says how to run it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from bot.data_transfer.files import TransferError, refuse_existing, written_atomically

BUSY_TIMEOUT_SECONDS = 30.0


def backup_sqlite(database_url: str, output: Path) -> int:
    """Copy the SQLite database at ``database_url`` to ``output``; returns its size in bytes."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        raise TransferError(pg_dump_advice(database_url, output))
    source_path = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not source_path.is_file():
        raise TransferError(f"no SQLite database file at {source_path}")
    refuse_existing(output)
    with written_atomically(output) as partial:
        _copy(source_path, partial)
    return output.stat().st_size


def _copy(source_path: Path, target_path: Path) -> None:
    # mode=rw: a missing file is an error rather than a new, empty database.
    source = sqlite3.connect(f"file:{source_path}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        (verdict,) = target.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise TransferError(f"the copy failed its integrity check: {verdict}")
    except sqlite3.Error as error:
        raise TransferError(f"cannot back up {source_path}: {error}") from None
    finally:
        target.close()
        source.close()


def pg_dump_advice(database_url: str, output: Path) -> str:
    """One line telling the operator the PostgreSQL way (password left out of it)."""
    given = make_url(database_url)
    url = URL.create(
        "postgresql", given.username, None, given.host, given.port, given.database, given.query
    )
    target = url.render_as_string(hide_password=False)
    return (
        "muster backup copies SQLite databases; back up PostgreSQL with its own pg_dump: "
        f"pg_dump --format=custom --file {os.fspath(output)} '{target}' "
        "(restore with pg_restore; `muster export` works on either)"
    )
