"""Quiet hours through the running bot, over HTTP: at 23:00 a leader's call-out for the next
morning waits until 07:00, while an emergency call-out sent at the same moment rings at once;
a bot restarted in the night still holds the routine one back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from models.callouts import Urgency
from tests.harness import StartBot
from tests.seed_callouts import create, leader_in_telegram, volunteer_in_telegram

AT_23H = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)  # Saturday 23:00 in Shanghai
AT_07H = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)  # Sunday 07:00


async def test_a_call_out_sent_at_night_reaches_volunteers_in_the_morning(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(AT_23H)
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")

    tomorrow_9 = AT_23H + timedelta(hours=10)
    await create(
        bot.db, clock.now(), title="Park clean-up", starts_at=tomorrow_9,
        ends_at=tomorrow_9 + timedelta(hours=3),
    )  # fmt: skip
    await create(bot.db, clock.now(), title="Burst pipe", urgency=Urgency.EMERGENCY)
    await run_due_work(bot.runtime)
    emergency = await alice.expect_message("EMERGENCY call-out")
    assert "Burst pipe" in emergency.text
    await alice.expect_no_message(within=1.0)  # the clean-up waits for the morning

    await bot.restart()  # a restart in the night changes nothing
    clock.set(AT_07H - timedelta(minutes=1))
    await alice.expect_no_message(within=1.0)
    clock.set(AT_07H)
    morning = await alice.expect_message("Park clean-up", timeout=10)
    assert "Sun 22 Nov, 9:00–12:00" in morning.text
