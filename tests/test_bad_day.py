"""A bad day, against the real `muster run`: the database file turns immutable, the disk fills
up, the Bot API answers 5xx. /healthz says so (and why) while it lasts and turns green again
by itself once the storage is back; the bot serves again without a restart; each singleton
logs its trouble once and its recovery once; start-up on such a database is one line, exit 2;
and a volunteer whose press was saved is never told that something went wrong."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import insert

from bot.clock import SystemClock
from bot.i18n import Translator
from bot.outbox.queue import Outgoing
from models import Account, OutboxState, Volunteer
from models.base import metadata
from models.db import Database
from tests.conftest import POSTGRES_URL
from tests.fake_telegram import FakeTelegram
from tests.observability_support import scrape
from tests.operations_support import (
    PACED_OUTBOX,
    QUICK_OUTBOX,
    SQLITE_BESIDE,
    finished,
    free_port,
    log_file,
    muster,
    muster_run,
    write_config,
)
from tests.outbox_support import add_accounts, outbox, put, settled, volunteers

SINGLETONS = ("the outbox sender", "the due-work scheduler", "the lease renewal")
QUICK = f"""{QUICK_OUTBOX}
[scheduler]
tick_seconds = 1

[replicas]
lease_seconds = 10
renew_seconds = 1
"""


def bad_day_config(
    folder: Path, telegram: FakeTelegram, sections: str = QUICK, database_url: str = SQLITE_BESIDE
) -> tuple[Path, int]:
    port = free_port()
    sections = f"{sections}\n[observability]\nmetrics_port = {port}\n"
    return write_config(folder, telegram, sections=sections, database_url=database_url), port


async def health(port: int) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"http://127.0.0.1:{port}/healthz")
    return answer.status_code, answer.json()


async def until_health(
    port: int,
    wanted: Callable[[int, dict[str, Any]], bool],
    timeout: float = 30,  # noqa: ASYNC109
) -> dict[str, Any]:
    """Poll /healthz until ``wanted(status, body)``; the body that satisfied it."""
    seen: tuple[int, dict[str, Any]] | None = None
    async with asyncio.timeout(timeout):
        while True:
            with suppress(httpx.HTTPError):
                seen = await health(port)
                if wanted(*seen):
                    return seen[1]
            await asyncio.sleep(0.2)
    raise AssertionError(f"/healthz never turned as wanted; last {seen}")  # pragma: no cover


def green(status: int, body: dict[str, Any]) -> bool:
    return status == 200 and body["status"] == "ok"


def red(status: int, body: dict[str, Any]) -> bool:
    return status == 503 and body["status"] == "unavailable"


def running(
    config: Path, port: int, logs: Path | None = None
) -> AbstractAsyncContextManager[asyncio.subprocess.Process]:
    """`muster run`, once /healthz is green, until the block ends (or it is killed), then
    stopped as an operator would; its log goes to ``muster.log`` in ``logs`` (by default beside
    the config)."""
    return muster_run(config, lambda: until_health(port, green), logs=logs, graceful=True)


def logged_once_each(log: str) -> None:
    """Each singleton that failed said so once, and once that it recovered."""
    for singleton in SINGLETONS:
        failing = log.count(f"{singleton} is failing")
        recovered = log.count(f"{singleton} has recovered")
        assert failing == recovered <= 1, (singleton, failing, recovered)
    assert any(f"{s} is failing" in log for s in SINGLETONS)


# -- faults of the storage --------------------------------------------------------------------


def chattr(flag: str, *files: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, files)], check=True, capture_output=True)


def require_chattr(folder: Path) -> None:
    """Skip unless this machine lets the test make a file immutable (root, or
    CAP_LINUX_IMMUTABLE, on a file system that has the attribute)."""
    probe = folder / "chattr-probe"
    probe.write_text("")
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed: cannot make the database file immutable")
    try:
        chattr("+i", probe)
    except subprocess.CalledProcessError as error:
        reason = error.stderr.decode().strip()
        pytest.skip(f"cannot make a file immutable here (chattr +i: {reason})")
    chattr("-i", probe)
    probe.unlink()


@contextmanager
def immutable(*files: Path) -> Iterator[None]:
    """The files may not be written, not even by root, until the block ends. (Not the -shm
    file: SQLite maps it in memory, and an immutable mapping kills the process.)"""
    present = [f for f in files if f.exists()]
    chattr("+i", *present)
    try:
        yield
    finally:
        chattr("-i", *present)


@contextmanager
def small_disk(folder: Path, megabytes: int = 8) -> Iterator[Path]:
    """A small tmpfs mounted on ``folder``; skip where mounting is not allowed."""
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)]
    done = subprocess.run(mount, capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs for the full disk: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(disk: Path) -> Path:
    """Fill ``disk`` up to its last byte; remove the returned file to free it."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9):
            with suppress(OSError):
                while out.write(b"\0" * chunk):
                    pass
    return filler


def checkpoint_and_truncate_wal(db_file: Path) -> None:
    """Empty the write-ahead log, so the next write must grow it (on a full disk: fail)."""
    import sqlite3

    connection = sqlite3.connect(db_file, timeout=30)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


async def language_of(db_file: Path, telegram_id: int) -> str:
    db = Database(f"sqlite+aiosqlite:///{db_file}")
    try:
        async with db.session() as session:
            account = await session.get(Account, telegram_id)
            return account.language if account else ""
    finally:
        await db.dispose()


# -- item 1 and 2: health tells the truth, and recovery needs no restart ---------------------


async def test_an_immutable_database_turns_health_red_and_back_to_green_by_itself(
    tmp_path: Path,
) -> None:
    require_chattr(tmp_path)
    async with FakeTelegram() as telegram:
        config, port = bad_day_config(tmp_path, telegram)
        chen = telegram.user(301, "Chen", language_code="zh")
        async with running(config, port):
            await chen.send("/language")
            await chen.expect_message()

            db_file = tmp_path / "muster.db"
            with immutable(db_file, db_file.with_name("muster.db-wal")):
                body = await until_health(port, red)
                assert body["database"] == "ok"  # reads still answer: that was the lie
                assert body["writes"].startswith("error: OperationalError")
                assert body["reason"].startswith("writes: error")
                metrics = await scrape(port)
                assert metrics.value("muster_healthy") == 0
                assert metrics.value("muster_health_check", check="writes") == 0
                assert metrics.value("muster_health_check", check="database") == 1
                # the singletons notice it too
                body = await until_health(
                    port, lambda _, b: "failing" in b["sender"] and "failing" in b["lease"]
                )

            body = await until_health(port, green)  # by itself, no restart
            assert body["reason"] == "" and body["writes"] == "ok"
            assert (await scrape(port)).value("muster_healthy") == 1
            # connections opened while the file was immutable were read-only: they are gone
            await chen.press("English")
            assert "English" in (await chen.expect_message(timeout=15)).text
        text = log_file(tmp_path).read_text()
    assert await language_of(tmp_path / "muster.db", 301) == "en"
    assert "attempt to write a readonly database" not in text.split("has recovered")[-1]
    logged_once_each(text)


async def test_a_full_disk_turns_health_red_and_back_to_green_when_space_is_freed(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        async with FakeTelegram() as telegram:
            config, port = bad_day_config(disk, telegram)
            chen = telegram.user(302, "Chen", language_code="zh")
            async with running(config, port, logs=tmp_path):  # not on the full disk
                await chen.send("/language")
                await chen.expect_message()

                checkpoint_and_truncate_wal(disk / "muster.db")
                filler = fill(disk)
                try:
                    body = await until_health(port, red)
                    assert body["reason"].startswith("writes: error")
                    assert "full" in body["writes"] or "I/O" in body["writes"]
                    await until_health(port, lambda _, b: "failing" in b["lease"], timeout=10)
                finally:
                    filler.unlink()

                await until_health(port, green)
                await chen.press("English")
                assert "English" in (await chen.expect_message(timeout=15)).text
            text = log_file(tmp_path).read_text()
        assert await language_of(disk / "muster.db", 302) == "en"
    logged_once_each(text)


# -- item 3: start-up on a database that takes no writes ------------------------------------


async def upgraded(tmp_path: Path, telegram: FakeTelegram) -> Path:
    config, _ = bad_day_config(tmp_path, telegram)
    code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
    assert code == 0, err
    return config


async def muster_run_without_override(config: Path) -> tuple[int, str]:
    """`muster run` unable to override file permissions (as root it could: drop that)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot make a file read-only to it")
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    process = await asyncio.create_subprocess_exec(
        *prefix,
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return await finished(process)


def one_line_refusal(code: int, err: str, config: Path, reason: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    url = f"sqlite+aiosqlite:///{config.parent / 'muster.db'}"
    assert err.strip().splitlines()[-1] == f"muster: cannot write to the database {url}: {reason}"


async def test_starting_on_a_read_only_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    async with FakeTelegram() as telegram:
        config = await upgraded(tmp_path, telegram)
        (tmp_path / "muster.db").chmod(0o444)
        code, err = await muster_run_without_override(config)
    one_line_refusal(code, err, config, "attempt to write a readonly database")


async def test_starting_on_an_immutable_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    require_chattr(tmp_path)
    async with FakeTelegram() as telegram:
        config = await upgraded(tmp_path, telegram)
        with immutable(tmp_path / "muster.db"):
            code, err = await finished(await muster("run", "--config", str(config)))
    one_line_refusal(code, err, config, "attempt to write a readonly database")


# -- item 4: no false alarm when the work was saved -------------------------------------------


async def test_a_press_saved_during_a_bot_api_outage_is_not_reported_as_an_error(
    tmp_path: Path,
) -> None:
    """The Bot API answers 502 to every answerCallbackQuery: the press is saved and the
    confirmation follows; nobody is told that something went wrong."""
    async with FakeTelegram() as telegram:
        config, port = bad_day_config(tmp_path, telegram)
        chen = telegram.user(303, "Chen", language_code="zh")
        async with running(config, port):
            await chen.send("/language")
            await chen.expect_message()
            telegram.fail_next("answerCallbackQuery", 502, times=1000)
            await chen.press("English")
            assert "English" in (await chen.expect_message(timeout=15)).text
            await chen.expect_no_message(within=3)  # no "⚠️ Something went wrong"
        assert telegram.find_calls("answerCallbackQuery")  # it was tried, and failed
    assert await language_of(tmp_path / "muster.db", 303) == "en"
    said = [m.text for m in telegram.sent(chat_id=303)]
    assert not any("Something went wrong" in t or "出了点问题" in t for t in said)


# -- item 5: a kill mid-way repeats at most what was in flight, and each repeat says so --------

CROWD = range(6000, 6200)  # 200 visitors, each with their prompt
KILLS = 3


def prompt(chat_id: int) -> Outgoing:
    """A round's prompt, as the rounds service queues it (with its words for a repeat)."""
    t = Translator("en", ZoneInfo("Asia/Shanghai"))
    message = Outgoing.message(chat_id, f"Door-knock round, visitor {chat_id}", topic="round:1")
    return message.saying_if_repeated(t("rounds.prompt.repeated"))


async def sending(db: Database) -> set[int]:
    return {row.chat_id for row in await outbox(db) if row.state == OutboxState.SENDING}


async def test_kills_mid_way_repeat_at_most_the_prompts_in_flight_each_saying_it_replaces(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(latency=0.05) as telegram:  # every request takes a moment
        volunteers(telegram, CROWD)
        config, port = bad_day_config(tmp_path, telegram, PACED_OUTBOX)
        code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
        assert code == 0, err
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}")
        try:
            now = SystemClock().now()
            await add_accounts(db, CROWD, now)
            await put(db, now, *(prompt(chat) for chat in CROWD))

            in_flight: list[set[int]] = []
            for kill in range(1, KILLS + 1):
                async with running(config, port) as process:
                    await telegram.wait_for(
                        lambda k=kill: telegram.stats.sends >= 40 * k, timeout=60
                    )
                    process.kill()  # kill -9: nothing recorded on the way out
                    await process.wait()
                in_flight.append(await sending(db))
            async with running(config, port):
                await settled(db, timeout=60)
        finally:
            await db.dispose()

    received: dict[int, list[str]] = {}
    for message in telegram.sent(method="sendMessage"):
        if message.chat_id in CROWD:
            received.setdefault(message.chat_id, []).append(message.text)
    assert set(received) == set(CROWD)  # everyone got theirs
    repeated = {chat: texts for chat, texts in received.items() if len(texts) > 1}
    duplicates = sum(len(texts) - 1 for texts in repeated.values())
    print(f"in flight at each kill: {[len(f) for f in in_flight]}; duplicates: {duplicates}")
    assert duplicates <= sum(len(flight) for flight in in_flight)
    # in flight: at most `concurrency` requests plus one claimed batch (50/s x 0.2 s)
    assert max(len(flight) for flight in in_flight) <= 8 + 10
    for chat, texts in repeated.items():
        assert len(texts) - 1 <= sum(chat in flight for flight in in_flight)
        assert texts[0] == f"Door-knock round, visitor {chat}"
        assert all(text.startswith("🔁 Sent again after a restart") for text in texts[1:])
        assert all(text.endswith(texts[0]) for text in texts[1:])


# -- item 6: a big export is streamed beside the bot, with progress ---------------------------

LEADER = 9200
REGISTRY = 3000


async def seed_registry(db_file: Path, count: int) -> None:
    db = Database(f"sqlite+aiosqlite:///{db_file}")
    now = SystemClock().now()
    rows = [
        {"telegram_id": None, "name": f"Volunteer {n}", "registered_at": now} for n in range(count)
    ]
    try:
        async with db.session() as session:
            await session.exec(insert(Volunteer), params=rows)  # type: ignore[call-overload]
    finally:
        await db.dispose()


async def test_a_big_export_shows_progress_and_the_bot_keeps_answering_meanwhile(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as telegram:
        sections = f"{QUICK}\n[bot]\nadmins = [{LEADER}]\n"
        config, port = bad_day_config(tmp_path, telegram, sections)
        code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
        assert code == 0, err
        await seed_registry(tmp_path / "muster.db", REGISTRY)
        leader = telegram.user(LEADER, "Lead", language_code="en")
        asker = telegram.user(304, "Chen", language_code="en")
        async with running(config, port):
            await leader.send("/volunteers")
            await leader.expect_message("Volunteer registry")
            await leader.press("⬇ CSV")
            await asker.send("/help")  # while the file is being made
            assert "What you can do" in (await asker.expect_message(timeout=15)).text
            sent = await leader.expect_message(lambda m: m.document is not None, timeout=60)
            # the progress message, edited (or, if it had not gone out yet, replaced)
            await leader.expect_message(f"✅ The file with {REGISTRY} volunteers is ready.")
    assert sent.document is not None
    rows = list(csv.reader(io.StringIO(sent.document.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + REGISTRY and rows[0][:2] == ["No.", "Name"]
    assert [row[1] for row in rows[1:]] == [f"Volunteer {n}" for n in range(REGISTRY)]


# -- PostgreSQL: the server turns read-only (as a standby after a failover would be) ----------

postgres_only = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL (set MUSTER_TEST_DATABASE_URL)"
)


async def as_admin(statement: str) -> None:
    """On the test database, from a connection of its own (``ALTER DATABASE`` applies to the
    sessions that start after it; ``pg_terminate_backend`` ends the bot's current ones)."""
    db = Database(str(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with db.engine.connect() as connection:
            await connection.exec_driver_sql("SET default_transaction_read_only = off")
            await connection.exec_driver_sql(statement)
    finally:
        await db.dispose()


async def read_only_server(read_only: bool) -> None:
    """Read-only: new sessions are, and the bot's are ended (it reconnects, read-only).
    Writable again: new sessions only; the bot's read-only ones stay so until it drops them."""
    db = Database(str(POSTGRES_URL))
    name = db.engine.url.database
    await db.dispose()
    setting = "SET default_transaction_read_only = on" if read_only else "RESET ALL"
    await as_admin(f'ALTER DATABASE "{name}" {setting}')
    if read_only:
        await as_admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )


@postgres_only
async def test_postgresql_turning_read_only_turns_health_red_and_back_by_itself(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as telegram:
        config, port = bad_day_config(tmp_path, telegram, database_url=str(POSTGRES_URL))
        db = Database(str(POSTGRES_URL))
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
            await connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await db.dispose()
        code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
        assert code == 0, err
        chen = telegram.user(305, "Chen", language_code="zh")
        async with running(config, port):
            await chen.send("/language")
            await chen.expect_message()
            try:
                await read_only_server(True)
                body = await until_health(port, red)
                assert body["database"] == "ok"
                assert body["reason"].startswith("writes: error")
                assert "read-only transaction" in body["writes"]
            finally:
                await read_only_server(False)
            # the connections opened while it was read-only are discarded at their first error
            await until_health(port, green)
            await chen.press("English")
            assert "English" in (await chen.expect_message(timeout=15)).text
        text = log_file(tmp_path).read_text()
    for singleton in SINGLETONS:
        assert text.count(f"{singleton} is failing") == text.count(f"{singleton} has recovered")


@postgres_only
async def test_starting_on_a_read_only_postgresql_is_one_line_and_exit_2(tmp_path: Path) -> None:
    async with FakeTelegram() as telegram:
        config, _ = bad_day_config(tmp_path, telegram, database_url=str(POSTGRES_URL))
        code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
        assert code == 0, err
        try:
            await read_only_server(True)
            code, err = await finished(await muster("run", "--config", str(config)))
        finally:
            await read_only_server(False)
    assert code == 2 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("muster: cannot write to the database postgresql+asyncpg://")
    assert last.endswith("cannot execute INSERT in a read-only transaction")
