"""`muster run` as an operator runs it, for the production tests: a config file written for
the fake Bot API, a free port, and the process started and stopped."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from tests.fake_telegram import FakeTelegram


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(
    tmp_path: Path, telegram: FakeTelegram, *, telegram_keys: str = "", sections: str = ""
) -> Path:
    """A config for the fake Bot API and a SQLite database beside it; ``telegram_keys`` go in
    ``[telegram]``, ``sections`` after the rest."""
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{telegram.token}"
base_url = "{telegram.base_url}"
base_file_url = "{telegram.base_file_url}"
{telegram_keys}

[database]
url = "sqlite+aiosqlite:///muster.db"

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


async def muster(*args: str) -> asyncio.subprocess.Process:
    """Start ``muster ARGS`` (``python -m bot``); its stderr is kept for the test to read."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def finished(process: asyncio.subprocess.Process, within: float = 60) -> tuple[int, str]:
    """Wait for ``process`` to exit; its exit code and stderr."""
    _, err = await asyncio.wait_for(process.communicate(), within)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
    await process.wait()
