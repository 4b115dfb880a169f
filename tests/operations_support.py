"""`muster run` as an operator runs it, for the production tests: a config file written for
the fake Bot API, a free port, and the process started, waited for and stopped."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import IO

from tests.fake_telegram import FakeTelegram

SQLITE_BESIDE = "sqlite+aiosqlite:///muster.db"  # relative: beside the config file
# The outbox without Telegram's pacing, looking for work five times a second.
QUICK_OUTBOX = """
[outbox]
global_per_second = 1000
per_chat_per_second = 1000
poll_seconds = 0.2
"""
# The outbox paced so that a crowd takes seconds: a stop or a kill lands mid-way.
PACED_OUTBOX = """
[outbox]
global_per_second = 50
per_chat_per_second = 1
concurrency = 8
poll_seconds = 0.2
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(
    tmp_path: Path,
    telegram: FakeTelegram,
    *,
    telegram_keys: str = "",
    sections: str = "",
    database_url: str = SQLITE_BESIDE,
) -> Path:
    """A config for the fake Bot API and a database (by default SQLite, beside it);
    ``telegram_keys`` go in ``[telegram]``, ``sections`` after the rest."""
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{telegram.token}"
base_url = "{telegram.base_url}"
base_file_url = "{telegram.base_file_url}"
{telegram_keys}

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


async def muster(
    *args: str,
    stdout: int = asyncio.subprocess.PIPE,
    stderr: int | IO[bytes] = asyncio.subprocess.PIPE,
    env: Mapping[str, str] | None = None,
) -> asyncio.subprocess.Process:
    """Start ``muster ARGS`` (``python -m bot``), with ``env`` added to this environment; by
    default its stderr is kept for the test to read."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdout=stdout,
        stderr=stderr,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def log_file(folder: Path) -> Path:
    """Where ``muster_run`` writes the process's log in ``folder``."""
    return folder / "muster.log"


def polled(telegram: FakeTelegram) -> Callable[[], Awaitable[None]]:
    """Readiness for ``muster_run``: a new long poll for updates, after the ones made before
    this is called (so call it before the process starts, as an argument to ``muster_run``)."""
    polls = len(telegram.find_calls("getUpdates"))

    async def new_poll() -> None:
        await telegram.wait_for(
            lambda: len(telegram.find_calls("getUpdates")) > polls,
            timeout=30,
            message="muster run never polled for updates",
        )

    return new_poll


@asynccontextmanager
async def muster_run(
    config: Path,
    ready: Callable[[], Awaitable[object]],
    *,
    logs: Path | None = None,
    env: Mapping[str, str] | None = None,
    graceful: bool = False,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`muster run` as an operator starts it, from once ``ready()`` returns until the block
    ends (or the test kills it). Its log goes to ``muster.log`` in ``logs`` (by default beside
    the config; a pipe nobody reads would block a chatty process). At the end it is killed,
    or if ``graceful``, stopped as an operator would (SIGTERM; SIGKILL after 15 seconds)."""
    with log_file(logs or config.parent).open("ab") as log:
        process = await muster(
            "run", "--config", str(config), stdout=asyncio.subprocess.DEVNULL, stderr=log, env=env
        )
        try:
            await ready()
            yield process
        finally:
            if graceful and process.returncode is None:
                process.terminate()
                with suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), 15)
            await stop(process)


async def finished(process: asyncio.subprocess.Process, within: float = 60) -> tuple[int, str]:
    """Wait for ``process`` to exit; its exit code and stderr."""
    _, err = await asyncio.wait_for(process.communicate(), within)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
    await process.wait()
