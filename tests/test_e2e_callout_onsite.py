"""The leader's tools for the day, over real HTTP: changing the time from the roster card (those
coming are told), /checkin and /checkout in Chinese, correcting a volunteer's hours from the
card (they are told, /hours marks it), and the card's buttons refused to a volunteer."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from bot.services.callouts.buttons import RosterAction, RosterPress
from models import CalloutResponse
from models.callouts import Urgency
from tests.harness import StartBot, expect_refused_as_forged
from tests.seed import audit_trail
from tests.seed_callouts import (
    change_time_from_the_card,
    create,
    leader_in_telegram,
    volunteer_in_telegram,
)
from tests.test_e2e_callout_leader import a_call_out_with_answers


async def test_changing_the_time_from_the_card_tells_those_coming(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    _, lead, people = await a_call_out_with_answers(bot, clock)
    await lead.expect_message("Roster")

    await lead.press("🕒 Change time")
    asked = await lead.expect_message("Changing the time of Flood patrol", edits=False)
    assert "Current answer: tomorrow, 8:00" in asked.text
    await lead.send("tomorrow 14:00")
    end = await lead.expect_message("When does it end?", edits=False)
    assert "Current answer: tomorrow, 18:00" in end.text  # the same four hours
    await lead.press("Keep the current answer")
    await lead.expect_message("now runs tomorrow, 14:00–18:00. 3 volunteers")

    for person in people[:3]:  # two confirmed, one waiting
        told = await person.expect_message("New time.")
        assert "Sun 22 Nov, 14:00–18:00" in told.text
    await lead.expect_message(lambda m: m.edited and "Sun 22 Nov, 14:00–18:00" in (m.text or ""))
    assert (lead.id, "callout.change_time", True) in await audit_trail(bot.db)


async def test_a_new_time_drops_the_arrival_estimates_given_for_the_old_one(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    li = await volunteer_in_telegram(bot, 101, "李娜", "zh")
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    await create(bot.db, clock.now(), needed=2, urgency=Urgency.EMERGENCY, title="Night patrol")
    await run_due_work(bot.runtime)
    await li.press("🏃 30 分钟到", await li.expect_message("Night patrol"))
    await li.expect_message("预计约 30 分钟后到达")
    await alice.press("🏃 There in 15 min", await alice.expect_message("Night patrol"))
    await alice.expect_message("arriving in about 15 minutes")

    await change_time_from_the_card(lead, "Night patrol", "tomorrow 14:00")

    told = await li.expect_message("时间已更改")
    assert "✅ 您已确认参加，谢谢！" in told.text and "分钟后到达" not in told.text
    told = await alice.expect_message("New time.")
    assert "✅ You are going. Thank you!" in told.text and "arriving" not in told.text
    async with bot.db.session() as session:  # nor does the roster export or the board
        etas = (await session.exec(select(CalloutResponse.eta_minutes))).all()
    assert etas == [None, None]


async def test_checking_in_and_out_by_command_and_a_leaders_correction(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    wang = await volunteer_in_telegram(bot, 101, "Wang Fang", "zh")
    await create(bot.db, clock.now(), needed=2, title="Vaccination duty")
    await run_due_work(bot.runtime)
    await wang.expect_message("Vaccination duty")
    await wang.send("/checkin")
    await wang.expect_message("您现在没有可以签到的任务")  # not confirmed yet
    await wang.press("✅ 我去")
    await wang.expect_message("您已确认参加")
    await wang.send("/checkin")
    await wang.expect_message("签到将于 明天7:00 开放")

    clock.set(datetime(2026, 11, 22, 0, 0, tzinfo=UTC))  # 08:00 in Shanghai
    await wang.send("/checkin")
    await wang.expect_message("您已于 8:00 签到 Vaccination duty")
    await wang.tap_reply_button("跳过")
    await wang.expect_message("已签到（未附位置）")
    clock.set(datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    await wang.send("/checkout")
    await wang.expect_message("记入 2小时")

    await lead.press("⏱ Correct hours")
    await lead.expect_message("Whose hours do you want to correct?", edits=False)
    await lead.press("Wang Fang · 2 h")
    await lead.expect_message("How long did they serve?", edits=False)
    await lead.send("lots")
    await lead.expect_message("Please give the hours like 2.5", edits=False)
    await lead.send("2:30")
    await lead.expect_message("Why?", edits=False)
    await lead.send("Stayed to lock up the station")
    summary = await lead.expect_message("Correct this volunteer's hours?", edits=False)
    assert "Hours: 2 h 30 min" in summary.text and "Volunteer: Wang Fang · 2 h" in summary.text
    await lead.press("✅ Save")
    await lead.expect_message("Wang Fang: 2 h → 2 h 30 min. They were told.")

    notice = await wang.expect_message("负责人将您在 Vaccination duty 的服务时长")
    assert "从 2小时 修改为 2小时30分钟" in notice.text and "Stayed to lock up" in notice.text
    await wang.send("/hours")
    hours = await wang.expect_message("您的志愿服务时长")
    assert "本月：2小时30分钟" in hours.text and "（经负责人修正）" in hours.text
    assert (lead.id, "callout.correct_hours", True) in await audit_trail(bot.db)


async def test_a_volunteers_forged_card_presses_are_refused(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    callout_id, _, people = await a_call_out_with_answers(bot, clock)
    intruder = people[4]
    invitation = intruder.messages[-1]

    for action in (RosterAction.QR, RosterAction.CHANGE_TIME, RosterAction.HOURS):
        await intruder.press_data(invitation, RosterPress(callout_id, action).pack())
        await expect_refused_as_forged(bot, intruder, "en")
    assert all(m.photo is None for m in intruder.messages)
