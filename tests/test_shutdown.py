"""Graceful shutdown: SIGTERM in the middle of a broadcast lets the messages in flight finish,
records what became of every one (none left `sending`) and exits 0 within seconds; the next
start sends the rest, so each volunteer gets their message exactly once."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import func, select

from models import OutboxMessage, OutboxState
from models.db import Database
from tests.fake_telegram import FakeTelegram
from tests.operations_support import PACED_OUTBOX, finished, muster, stop, write_config
from tests.outbox_support import add_accounts, call_out, put, volunteers

CROWD = range(5000, 5200)  # 200 volunteers


async def seed_broadcast(config: Path, tmp_path: Path) -> Database:
    """After `muster db upgrade`: the accounts and one queued call-out message each."""
    code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
    assert code == 0, err
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}")
    now = datetime.now(UTC)
    await add_accounts(db, CROWD, now)
    await put(db, now, *(call_out(chat_id) for chat_id in CROWD))
    return db


async def states(db: Database) -> dict[str, int]:
    async with db.session() as session:
        query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        return {str(state): count for state, count in (await session.exec(query)).all()}


def deliveries(telegram: FakeTelegram) -> Counter[int]:
    return Counter(m.chat_id for m in telegram.sent(method="sendMessage") if m.chat_id in CROWD)


async def test_sigterm_mid_broadcast_finishes_in_flight_records_all_and_exits_0(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(latency=0.05) as telegram:  # every request takes a moment
        volunteers(telegram, CROWD)
        config = write_config(tmp_path, telegram, sections=PACED_OUTBOX)
        db = await seed_broadcast(config, tmp_path)
        try:
            process = await muster("run", "--config", str(config))
            try:
                await telegram.wait_for(
                    lambda: sum(deliveries(telegram).values()) >= 40,
                    timeout=30,
                    message="the broadcast never got going",
                )
                process.send_signal(signal.SIGTERM)
                code, err = await finished(process, within=10)
            finally:
                await stop(process)
            assert code == 0, err

            delivered = deliveries(telegram)
            after_stop = await states(db)
            assert "sending" not in after_stop  # every message's fate is recorded
            assert after_stop["sent"] == sum(delivered.values()) < len(CROWD)
            assert after_stop["pending"] == len(CROWD) - after_stop["sent"]
            assert f'"pending": {after_stop["pending"]}' in err  # said so on the way out

            process = await muster("run", "--config", str(config))
            try:
                await telegram.wait_for(
                    lambda: len(deliveries(telegram)) == len(CROWD),
                    timeout=30,
                    message="the second start did not finish the broadcast",
                )
                process.send_signal(signal.SIGTERM)
                code, err = await finished(process, within=10)
            finally:
                await stop(process)
            assert code == 0, err
            assert set(deliveries(telegram).values()) == {1}  # each volunteer exactly once
            assert await states(db) == {OutboxState.SENT.value: len(CROWD)}
        finally:
            await db.dispose()
