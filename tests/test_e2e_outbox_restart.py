"""The real program (`python -m bot run`) is killed with SIGKILL in the middle of a 300-message
call-out and started again: it finishes the rest, everyone gets their message, and nothing the
outbox had recorded as sent at the moment of the kill is sent a second time."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

from bot.clock import SystemClock
from models import OutboxState
from models.db import Database
from tests.fake_telegram import FakeTelegram, Limits
from tests.operations_support import finished, muster, muster_run, polled, write_config
from tests.outbox_support import add_accounts, call_out, outbox, put, settled, volunteers

VOLUNTEERS = range(20_001, 20_301)


async def test_a_bot_killed_mid_broadcast_finishes_it_without_repeating_what_it_recorded_sent(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(limits=Limits.telegram()) as telegram:
        config = write_config(tmp_path, telegram)  # Telegram's pacing: 300 messages take ~10 s
        code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
        assert code == 0, err
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}")
        volunteers(telegram, VOLUNTEERS)
        now = SystemClock().now()
        await add_accounts(db, VOLUNTEERS, now)
        await put(db, now, *[call_out(chat) for chat in VOLUNTEERS])

        async with muster_run(config, polled(telegram)) as first:
            await telegram.wait_for(lambda: telegram.stats.sends >= 120, timeout=60)
            first.send_signal(signal.SIGKILL)
            await first.wait()
        at_kill = await outbox(db)
        recorded_sent = {row.chat_id for row in at_kill if row.state == OutboxState.SENT}
        fate_unknown = {row.chat_id for row in at_kill if row.state == OutboxState.SENDING}
        assert 100 <= len(recorded_sent) < len(VOLUNTEERS)  # killed half-way, as meant

        async with muster_run(config, polled(telegram)):
            await settled(db, timeout=60)
        await db.dispose()

    deliveries = Counter(chat for _, chat in telegram.stats.send_log)
    assert set(deliveries) == set(VOLUNTEERS)  # everyone got theirs
    assert all(deliveries[chat] == 1 for chat in recorded_sent)
    repeated = {chat for chat, times in deliveries.items() if times > 1}
    assert repeated <= fate_unknown  # the only repeats allowed: sends of unknown fate
