"""Several `muster run` processes serving one bot. On PostgreSQL two replicas take updates by
webhook, either continues a conversation the other began, and the outbox sender runs on one
of them: killed with SIGKILL in the middle of a broadcast, the other takes over and finishes
it, nothing lost and nothing recorded as sent delivered twice. On SQLite a second process is
refused."""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.clock import SystemClock
from bot.config import Config, ReplicasConfig
from bot.observability.health import check_health
from bot.replicas.fenced import FencedDatabase
from bot.replicas.holder import Holder
from bot.replicas.keeper import LeaseKeeper
from bot.replicas.lease import acquire, current_holder
from bot.runtime import Runtime
from models import OutboxState
from models.base import metadata
from models.db import Database
from tests.conftest import POSTGRES_URL
from tests.fake_telegram import FakeTelegram, Limits
from tests.operations_support import finished, free_port, muster, stop, write_config
from tests.outbox_support import add_accounts, call_out, outbox, put, settled, volunteers

SECRET = "replica-Secret_7"
PUBLIC_URL = "https://bot.riverside.example/telegram/updates"  # the balancer in front of both
CROWD = range(30_001, 30_301)  # 300 volunteers get the broadcast
FAST_TAKEOVER = "[replicas]\nlease_seconds = 3\nrenew_seconds = 1\n"
LOOKS_EVERY_MINUTE = "[outbox]\npoll_seconds = 60\n"
postgres_only = pytest.mark.skipif(
    not POSTGRES_URL, reason="replicas run on PostgreSQL (set MUSTER_TEST_DATABASE_URL)"
)


@dataclass
class Replica:
    name: str
    process: asyncio.subprocess.Process
    webhook_port: int
    health_port: int

    async def deliver(self, update: dict[str, object]) -> None:
        """Post an update as Telegram (through the balancer) would."""
        async with httpx.AsyncClient() as client:
            answer = await client.post(
                f"http://127.0.0.1:{self.webhook_port}/telegram/updates",
                content=json.dumps(update),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": SECRET,
                },
            )
        assert answer.status_code == 200

    async def health(self) -> dict[str, str]:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{self.health_port}/healthz")
        return {"status_code": str(answer.status_code), **answer.json()}


async def forward(telegram: FakeTelegram, replica: Replica) -> None:
    """Whatever the people just sent goes to ``replica``."""
    pending = telegram.updates.pending
    telegram.updates.clear()
    for update in pending:
        await replica.deliver(update)


def replica_config(
    tmp_path: Path, telegram: FakeTelegram, name: str, sections: str = ""
) -> tuple[Path, int, int]:
    webhook_port, health_port = free_port(), free_port()
    keys = (
        f'mode = "webhook"\nwebhook_url = "{PUBLIC_URL}"\nwebhook_listen = "127.0.0.1"\n'
        f'webhook_port = {webhook_port}\nwebhook_secret = "{SECRET}"\n'
    )
    sections += f"{FAST_TAKEOVER}\n[observability]\nmetrics_port = {health_port}\n"
    folder = tmp_path / name
    folder.mkdir()
    path = write_config(folder, telegram, telegram_keys=keys, sections=sections)
    text = path.read_text().replace("sqlite+aiosqlite:///muster.db", str(POSTGRES_URL))
    path.write_text(text)
    return path, webhook_port, health_port


async def migrated_postgres(config: Path) -> Database:
    """An empty database brought to the schema by `muster db upgrade`, as an operator would."""
    db = Database(str(POSTGRES_URL))
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
    assert code == 0, err
    return db


async def holder_pid(db: Database) -> int | None:
    lease = await current_holder(db)
    holder = Holder.parse(lease.holder) if lease is not None else None
    return holder.pid if holder is not None else None


async def until(condition, within: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(within):
        while not await condition():  # noqa: ASYNC110 (nothing to wait on but the database)
            await asyncio.sleep(0.1)


@asynccontextmanager
async def two_replicas(
    tmp_path: Path, telegram: FakeTelegram, sections: str = ""
) -> AsyncIterator[tuple[Database, Replica, Replica]]:
    """Anna starts first and takes the lease; then Boris, who stands by."""
    (anna_config, anna_hook, anna_health), (boris_config, boris_hook, boris_health) = (
        replica_config(tmp_path, telegram, "anna", sections),
        replica_config(tmp_path, telegram, "boris", sections),
    )
    db = await migrated_postgres(anna_config)
    processes: list[asyncio.subprocess.Process] = []
    try:
        process = await muster("run", "--config", str(anna_config))
        processes.append(process)
        anna = Replica("anna", process, anna_hook, anna_health)
        await until(lambda: _holds(db, anna))
        process = await muster("run", "--config", str(boris_config))
        processes.append(process)
        boris = Replica("boris", process, boris_hook, boris_health)
        await until(lambda: _answers(boris))
        yield db, anna, boris
    finally:
        for process in processes:
            await stop(process)
        await db.dispose()


async def _holds(db: Database, replica: Replica) -> bool:
    return await holder_pid(db) == replica.process.pid


async def _answers(replica: Replica) -> bool:
    try:
        await replica.health()
    except httpx.HTTPError:
        return False
    return True


@postgres_only
async def test_either_replica_continues_a_conversation_the_other_began(tmp_path: Path) -> None:
    """Anna sends every reply: those Boris writes wake her sender at once (her own look at
    the outbox comes only every minute here)."""
    replicas = two_replicas(tmp_path, telegram := FakeTelegram(), sections=LOOKS_EVERY_MINUTE)
    async with telegram, replicas as (_, anna, boris):
        alice = telegram.user(401, "Alice", language_code="en")
        await alice.send("/start")
        await forward(telegram, anna)
        await alice.expect_message("What is your name?", timeout=15)
        await alice.send("Alice Chen")
        await forward(telegram, boris)
        await alice.expect_message("phone number", timeout=15)
        await alice.send("138 0013 8000")
        await forward(telegram, anna)
        await alice.expect_message("building and room", timeout=15)
        await alice.send("Building 3, Room 502")
        await forward(telegram, boris)
        await alice.expect_message("Which skills", timeout=15)


@postgres_only
async def test_the_standby_finishes_a_broadcast_when_the_sender_is_killed_mid_way(
    tmp_path: Path,
) -> None:
    async with (
        FakeTelegram(limits=Limits.telegram()) as telegram,
        two_replicas(tmp_path, telegram) as (db, anna, boris),
    ):
        running, standing_by = await anna.health(), await boris.health()
        assert (running["status_code"], running["sender"]) == ("200", "running")
        assert (standing_by["status_code"], standing_by["sender"]) == ("200", "standby")

        volunteers(telegram, CROWD)
        now = SystemClock().now()
        await add_accounts(db, CROWD, now)
        await put(db, now, *[call_out(chat) for chat in CROWD])

        dora = telegram.user(402, "Dora", language_code="en")
        await dora.send("/start")
        await forward(telegram, boris)  # Boris answers; Anna's sender delivers it
        await dora.expect_message("What is your name?", timeout=15)

        await telegram.wait_for(lambda: telegram.stats.sends >= 100, timeout=60)
        anna.process.send_signal(signal.SIGKILL)
        await anna.process.wait()
        at_kill = [row for row in await outbox(db) if row.chat_id in CROWD]
        recorded_sent = {row.chat_id for row in at_kill if row.state == OutboxState.SENT}
        fate_unknown = {row.chat_id for row in at_kill if row.state == OutboxState.SENDING}
        assert 90 <= len(recorded_sent) < len(CROWD)  # killed half-way, as meant

        await settled(db, timeout=60)
        assert await holder_pid(db) == boris.process.pid
        took_over = await boris.health()
        assert (took_over["status_code"], took_over["sender"]) == ("200", "running")

    deliveries = Counter(chat for _, chat in telegram.stats.send_log if chat in CROWD)
    assert set(deliveries) == set(CROWD)  # everyone got theirs
    assert all(deliveries[chat] == 1 for chat in recorded_sent)
    repeated = {chat for chat, times in deliveries.items() if times > 1}
    assert repeated <= fate_unknown  # the only repeats allowed: sends of unknown fate


async def test_a_second_muster_run_on_one_sqlite_database_is_refused(tmp_path: Path) -> None:
    async with FakeTelegram() as telegram:
        config = write_config(tmp_path, telegram)
        first = await muster("run", "--config", str(config))
        try:
            db = Database(f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}")
            await until(lambda: _first_holds(db, first))
            await db.dispose()
            code, err = await finished(await muster("run", "--config", str(config)), within=30)
            still_running = first.returncode is None
        finally:
            await stop(first)
    assert code == 2 and still_running
    refusal = err.strip().splitlines()[-1]
    assert refusal == (
        f"muster: another muster run (pid {first.pid} on {Holder.this_process().host}) is "
        "serving this SQLite database; SQLite serves one process at a time (use PostgreSQL "
        "to run several)"
    )


async def _first_holds(db: Database, process: asyncio.subprocess.Process) -> bool:
    try:
        return await holder_pid(db) == process.pid
    except Exception:  # the tables are not there yet
        return False


class NeverStarted:
    """The singletons of a replica that never gets the lease."""

    async def start(self, fenced: FencedDatabase) -> None:
        raise AssertionError("the lease is someone else's")

    async def stop(self, timeout: float) -> None:  # noqa: ASYNC109
        raise AssertionError("never started")


async def test_a_replica_standing_by_is_healthy_and_one_that_stopped_waiting_is_not(
    db: Database,
) -> None:
    """/healthz: a replica without the sender is fit to serve while it waits to take over."""
    now = SystemClock().now()
    assert await acquire(db, "elsewhere/1/0/aaaa", now, timedelta(minutes=5)) is not None
    runtime = Runtime(Config(), db, SystemClock())
    runtime.lease_keeper = LeaseKeeper(db, NeverStarted(), ReplicasConfig())
    await runtime.lease_keeper.start()
    try:
        standing_by = await check_health(runtime)
    finally:
        await runtime.lease_keeper.stop()
    stopped = await check_health(runtime)
    assert (standing_by.healthy, standing_by.sender) == (True, "standby")
    assert (stopped.healthy, stopped.sender) == (False, "stopped")
