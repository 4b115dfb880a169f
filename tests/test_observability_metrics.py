"""The operator's endpoint over HTTP: /healthz says whether the bot can serve, /metrics counts
what it handled and sent, and the counters move as people use the bot."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

from bot.config import ObservabilityConfig
from bot.outbox.queue import Outgoing
from tests.fake_telegram import FakeTelegram
from tests.harness import RunningBot, StartBot
from tests.observability_support import health, scrape
from tests.operations_support import finished, free_port, muster, write_config
from tests.outbox_support import put, settled


async def bot_with_endpoint(start_bot: StartBot) -> tuple[RunningBot, int]:
    port = free_port()
    bot = await start_bot(observability=ObservabilityConfig(metrics_port=port))
    return bot, port


async def test_healthz_is_200_while_the_database_answers_and_the_sender_runs(
    start_bot: StartBot,
) -> None:
    bot, port = await bot_with_endpoint(start_bot)
    assert await health(port) == (
        200,
        {
            "status": "ok",
            "database": "ok",
            "writes": "ok",
            "sender": "running",
            "scheduler": "ok",
            "lease": "holding",
            "telegram": "ok",
            "reason": "",
        },
    )

    assert bot.runtime.sender is not None
    await bot.runtime.sender.stop()
    status, body = await health(port)
    assert (status, body["status"], body["sender"]) == (503, "unavailable", "stopped")
    assert body["reason"] == "sender: stopped"
    scraped = await scrape(port)
    assert scraped.value("muster_healthy") == 0
    assert scraped.value("muster_health_check", check="sender") == 0
    assert scraped.value("muster_health_check", check="writes") == 1


async def test_each_update_is_counted_and_timed_by_handler_and_outcome(
    start_bot: StartBot,
) -> None:
    bot, port = await bot_with_endpoint(start_bot)
    before = await scrape(port)
    alice = bot.user(101, "Alice", "en")
    await alice.send("/start")
    greeting = await alice.expect_message()
    await alice.press_data(greeting, "cgo:4242:0")  # a forged "I'll go" for no call-out
    await alice.expect_callback_answer()
    after = await scrape(port)

    handled = "muster_updates_handled_total"
    ok = {"handler": "start.on_start", "outcome": "ok"}
    refused = {"handler": "callouts.on_go", "outcome": "refused"}
    assert after.value(handled, **ok) - before.value(handled, **ok) == 1
    assert after.value(handled, **refused) - before.value(handled, **refused) == 1
    timed = "muster_handler_seconds_count"
    assert (
        after.value(timed, handler="start.on_start") - before.value(timed, handler="start.on_start")
        == 1
    )


async def test_sends_429s_and_blocked_people_are_counted(start_bot: StartBot) -> None:
    bot, port = await bot_with_endpoint(start_bot)
    alice, bob = bot.user(101, "Alice", "en"), bot.user(102, "Bob", "en")
    for person in (alice, bob):
        await person.send("/start")
        await person.expect_message()
    before = await scrape(port)

    bot.telegram.inject_429(times=1, retry_after=1, method="sendMessage")
    bob.block()
    now = bot.clock.now()
    await put(bot.db, now, Outgoing.message(alice.id, "Flood patrol tonight"))
    await put(bot.db, now, Outgoing.message(bob.id, "Flood patrol tonight"))
    bot.runtime.wake_sender()
    await alice.expect_message("Flood patrol tonight", timeout=10)
    await settled(bot.db)
    after = await scrape(port)

    def moved(name: str) -> float:
        return after.value(name) - before.value(name)

    assert moved("muster_messages_sent_total") == 1  # Alice's, after the 429
    assert moved("muster_telegram_rate_limited_total") == 1
    assert moved("muster_blocked_users_total") == 1  # Bob blocked the bot


async def test_outbox_depth_is_measured_at_each_scrape(start_bot: StartBot) -> None:
    bot, port = await bot_with_endpoint(start_bot)
    assert bot.runtime.sender is not None
    await bot.runtime.sender.stop()  # nothing drains the outbox now
    assert (await scrape(port)).value("muster_outbox_pending") == 0

    later = bot.clock.now() + timedelta(hours=1)
    await put(bot.db, bot.clock.now(), *(Outgoing.message(200 + i, "Hello") for i in range(3)))
    await put(bot.db, bot.clock.now(), Outgoing.message(300, "Later", not_before=later))
    assert (await scrape(port)).value("muster_outbox_pending") == 4


async def test_muster_run_with_the_metrics_port_taken_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with FakeTelegram() as telegram:
            sections = f"[observability]\nmetrics_port = {port}\n"
            config = write_config(tmp_path, telegram, sections=sections)
            code, err = await finished(await muster("run", "--config", str(config)))
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port} for /healthz and /metrics" in err
    assert "Traceback" not in err
