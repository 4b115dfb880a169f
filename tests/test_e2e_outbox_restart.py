"""The real program (`python -m bot run`) is killed with SIGKILL in the middle of a 300-message
call-out and started again: it finishes the rest, everyone gets their message, and nothing the
outbox had recorded as sent at the moment of the kill is sent a second time."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.clock import SystemClock
from models import OutboxState
from models.db import Database
from tests.fake_telegram import FakeTelegram, Limits
from tests.outbox_support import add_accounts, call_out, outbox, put, settled, volunteers

VOLUNTEERS = range(20_001, 20_301)


def write_config(tmp_path: Path, telegram: FakeTelegram) -> Path:
    """Telegram's pacing (the defaults): 300 messages take about ten seconds."""
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{telegram.token}"
base_url = "{telegram.base_url}"
base_file_url = "{telegram.base_file_url}"

[database]
url = "sqlite+aiosqlite:///muster.db"

[community]
# No quiet hours: this run uses the real clock, whatever the time of day.
quiet_hours_start = "00:00"
quiet_hours_end = "00:00"
""",
        encoding="utf-8",
    )
    return path


async def muster(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@asynccontextmanager
async def muster_run(config: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await muster("run", "--config", str(config))
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def test_a_bot_killed_mid_broadcast_finishes_it_without_repeating_what_it_recorded_sent(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(limits=Limits.telegram()) as telegram:
        config = write_config(tmp_path, telegram)
        upgrade = await muster("db", "upgrade", "--config", str(config))
        assert await upgrade.wait() == 0
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}")
        volunteers(telegram, VOLUNTEERS)
        now = SystemClock().now()
        await add_accounts(db, VOLUNTEERS, now)
        await put(db, now, *[call_out(chat) for chat in VOLUNTEERS])

        async with muster_run(config) as first:
            await telegram.wait_for(lambda: telegram.stats.sends >= 120, timeout=60)
            first.send_signal(signal.SIGKILL)
            await first.wait()
        at_kill = await outbox(db)
        recorded_sent = {row.chat_id for row in at_kill if row.state == OutboxState.SENT}
        fate_unknown = {row.chat_id for row in at_kill if row.state == OutboxState.SENDING}
        assert 100 <= len(recorded_sent) < len(VOLUNTEERS)  # killed half-way, as meant

        async with muster_run(config):
            await settled(db, timeout=60)
        await db.dispose()

    deliveries = Counter(chat for _, chat in telegram.stats.send_log)
    assert set(deliveries) == set(VOLUNTEERS)  # everyone got theirs
    assert all(deliveries[chat] == 1 for chat in recorded_sent)
    repeated = {chat for chat, times in deliveries.items() if times > 1}
    assert repeated <= fate_unknown  # the only repeats allowed: sends of unknown fate
