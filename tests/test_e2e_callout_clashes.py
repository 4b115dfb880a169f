"""Clashes over real HTTP: 王芳 is confirmed for tomorrow's flood patrol (08:00–12:00) and
says yes to the vaccination duty at 09:00–13:00 too. She is told the two overlap and asked
which to keep; the leader's card shows the clash; keeping the vaccination duty withdraws her
from the patrol through the usual path, so Chen, first in its waiting line, gets the place."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from models.callouts import ResponseState
from tests.harness import StartBot
from tests.seed_callouts import (
    create,
    leader_in_telegram,
    outbox_settled,
    states,
    volunteer_in_telegram,
)


async def test_a_volunteer_who_says_yes_to_two_duties_at_once_chooses_one(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()  # 2026-11-21 09:00 in Shanghai
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh")
    chen = await volunteer_in_telegram(bot, 102, "Chen Jie", "en")
    now = clock.now()
    patrol = await create(
        bot.db, now, title="Flood patrol", needed=1,
        starts_at=now + timedelta(hours=23), ends_at=now + timedelta(hours=27),
    )  # fmt: skip
    await run_due_work(bot.runtime)
    await wang.press("✅ 我去", await wang.expect_message("Flood patrol"))
    await wang.expect_message("您已确认参加")
    await chen.press("✅ I'll go", await chen.expect_message("Flood patrol"))
    await chen.expect_message("waiting list")

    vaccination = await create(
        bot.db, now, title="Vaccination duty", needed=5,
        starts_at=now + timedelta(hours=24), ends_at=now + timedelta(hours=28),
    )  # fmt: skip
    await run_due_work(bot.runtime)
    invitation = await wang.expect_message("Vaccination duty")
    await chen.press("✅ I'll go", await chen.expect_message("Vaccination duty"))
    await chen.expect_message("You are going")  # no clash: only waiting for the patrol
    await wang.press("✅ 我去", invitation)
    question = await wang.expect_message("时间重叠", edits=False)
    assert (
        "⚠️ Vaccination duty（11月22日（周日）9:00–13:00）与您已确认参加的 "
        "Flood patrol（11月22日（周日）8:00–12:00）时间重叠" in question.text
    )
    assert question.buttons == [["保留：Vaccination duty"], ["保留：Flood patrol"]]

    # The leader's card shows the clash.
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    card = await lead.expect_message(
        lambda m: "Flood patrol" in (m.text or "") and "⚠️王芳" in (m.text or "")
    )
    assert "⚠️ = also said yes to another call-out at the same time" in card.text

    # She keeps the vaccination duty: out of the patrol, and Chen moves up.
    await wang.press("保留：Vaccination duty", question)
    done = await wang.expect_message(lambda m: m.edited and "已处理" in (m.text or ""))
    assert done.text == "已处理：您已退出「Flood patrol」，名额将由候补的下一位递补。"
    await chen.expect_message("A place opened up: you are off the waiting list and confirmed.")
    # Chen's new place clashes with the vaccination duty he said yes to meanwhile.
    asked = await chen.expect_message("which you already said yes to", edits=False)
    assert asked.text.startswith("⚠️ Flood patrol (Sun 22 Nov, 8:00–12:00) overlaps")
    assert asked.buttons == [["Keep: Flood patrol"], ["Keep: Vaccination duty"]]
    assert (await states(bot.db, patrol))[wang.id] == ResponseState.WITHDRAWN
    assert (await states(bot.db, vaccination))[wang.id] == ResponseState.CONFIRMED
    await lead.expect_message(
        "📋 Flood patrol: the roster changed\n↩️ Withdrew: 王芳\n"
        "⬆️ Moved up from the waiting list: Chen Jie"
    )
    assert done.buttons == []  # answered: nothing left to press
