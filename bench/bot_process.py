"""A bot under measurement in a process of its own (``python -m bot run`` or the reference echo
bot), so its CPU time and resident memory are its own: started, read from ``/proc``, stopped.
And the database it runs on, migrated and empty."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from types import TracebackType

from models.base import metadata
from models.db import Database
from models.migrate import upgrade

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
# The outbox sends as fast as it can: a benchmark of the bot, not of Telegram's pacing.
NO_PACING = """
[outbox]
global_per_second = 1000000
per_chat_per_second = 1000000
per_group_per_minute = 1000000
"""


def write_config(
    folder: Path, base_url: str, token: str, database_url: str, sections: str = NO_PACING
) -> Path:
    """A ``muster run`` config for the fake Bot API at ``base_url`` (``http://host:port``)."""
    path = folder / "bench-config.toml"
    path.write_text(
        f"""
[telegram]
token = "{token}"
base_url = "{base_url}/bot"
base_file_url = "{base_url}/file/bot"

[database]
url = "{database_url}"

[community]
name = "Riverside"
# No quiet hours: these runs use the real clock, whatever the time of day.
quiet_hours_start = "00:00"
quiet_hours_end = "00:00"
{sections}
""",
        encoding="utf-8",
    )
    return path


async def fresh_database(url: str) -> Database:
    """An empty database at the newest schema (everything in it is dropped first)."""
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    await upgrade(db)
    return db


class BotProcess:
    """``async with BotProcess("-m", "bot", "run", "--config", path, log=path) as bot:``"""

    def __init__(self, *args: str, log: Path) -> None:
        self.args = args
        self.log = log
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    async def __aenter__(self) -> BotProcess:
        with self.log.open("wb") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, *self.args, stdout=log, stderr=log, env=dict(os.environ)
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def stop(self) -> int:
        """SIGTERM (a graceful stop), SIGKILL if it takes more than 15 seconds."""
        process = self._process
        if process is None or process.returncode is not None:
            return process.returncode if process else 0
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            return await process.wait()

    def alive(self) -> bool:
        return self._process is not None and self._process.returncode is None

    def cpu_seconds(self) -> float:
        """User and system CPU time so far (all its threads)."""
        fields = _stat(self.pid)
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_mb(self) -> float:
        """Resident memory now."""
        return int(_stat(self.pid)[21]) * PAGE_KB / 1024

    def peak_rss_mb(self) -> float:
        """The most resident memory it has had (VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc (not Linux?)")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
