"""Times for humans, over real HTTP: a call-out tomorrow morning reads "11月22日（周日）8:00–12:00"
/ "Sun 22 Nov, 8:00–12:00" (the date once, no seconds, no 22/11/2026); the volunteer's own
/tasks says 明天 / tomorrow; a night shift ends 次日 / the next day; counts read "1 volunteer"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from tests.harness import StartBot
from tests.seed_callouts import create, leader_in_telegram, outbox_settled, volunteer_in_telegram

SAT_9AM = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # Saturday 09:00 in Shanghai
SUN_8AM = SAT_9AM + timedelta(hours=23)


async def test_a_volunteer_reads_when_a_call_out_is_in_their_own_language(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(SAT_9AM)
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh")
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")

    await create(bot.db, clock.now(), starts_at=SUN_8AM, ends_at=SUN_8AM + timedelta(hours=4))
    await run_due_work(bot.runtime)
    chinese = await wang.expect_message("志愿者召集令")
    assert "🕒 11月22日（周日）8:00–12:00" in chinese.text
    english = await alice.expect_message("Call-out for volunteers")
    assert "🕒 Sun 22 Nov, 8:00–12:00" in english.text
    for shown in (chinese.text, english.text):
        assert "2026" not in shown and ":00:00" not in shown and "/11" not in shown

    await wang.press("✅ 我去")
    await wang.expect_message(lambda m: m.edited and "您已确认参加" in (m.text or ""))
    await wang.send("/tasks")
    tasks = await wang.expect_message("明天")
    assert "明天8:00–12:00" in tasks.text

    await alice.press("✅ I'll go")
    await alice.send("/tasks")
    assert "tomorrow, 8:00–12:00" in (await alice.expect_message("tomorrow")).text

    await outbox_settled(bot)
    lead.mark_all_read()
    await lead.send("/callouts")
    listing = await lead.expect_message("Call-outs")
    assert "tomorrow, 8:00" in listing.text


async def test_a_night_shift_ends_the_next_day(start_bot: StartBot) -> None:
    clock = FrozenClock(SAT_9AM)
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh")
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    night = SAT_9AM + timedelta(hours=13)  # Saturday 22:00
    await create(bot.db, clock.now(), starts_at=night, ends_at=night + timedelta(hours=8))
    await run_due_work(bot.runtime)
    chinese = await wang.expect_message("志愿者召集令")
    assert "11月21日（周六）22:00–次日6:00" in chinese.text
    english = await alice.expect_message("Call-out for volunteers")
    assert "Sat 21 Nov, 22:00–6:00 next day" in english.text
