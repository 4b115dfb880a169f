"""No silent call-out to nobody, over real HTTP: a leader picks the vaccination template for
the whole community; the template only suggests Medical, a preview that would reach nobody
says so and offers what to change instead of Send, and a call-out already addressed to
everyone offers no "widen to everyone", on its card or in its escalation waves."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from models import Callout, Volunteer
from tests.fake_telegram import FakeUser
from tests.fake_telegram.sent_message import SentMessage
from tests.harness import StartBot
from tests.seed import seed_team
from tests.seed_callouts import (
    create,
    leader_in_telegram,
    outbox_settled,
    pause,
    volunteer_in_telegram,
)


async def prompt(user: FakeUser, expected: str | None = None) -> SentMessage:
    return await user.expect_message(expected, edits=False)


async def test_a_vaccination_call_out_for_everyone_reaches_everyone_never_nobody(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()  # 2026-11-21 09:00 in Shanghai
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot, language="zh")
    zhao = await volunteer_in_telegram(bot, 101, "赵磊", "zh")
    sun = await volunteer_in_telegram(bot, 102, "Sun Mei", "en")  # no one here is a medic

    await lead.send("/callout")
    await prompt(lead, "这是哪一类召集")
    await lead.press("疫苗接种")
    await prompt(lead, "请输入标题")
    await lead.press("保持原来的内容")
    await prompt(lead, "志愿者要做什么")
    await lead.press("跳过")
    await prompt(lead, "在哪里")
    await lead.send("社区卫生站")
    await prompt(lead, "地图上的准确位置")
    await lead.tap_reply_button("跳过")
    await prompt(lead, "什么时候开始")
    await lead.send("明天 08:00")
    await prompt(lead, "什么时候结束")
    await lead.press("保持原来的内容")
    await prompt(lead, "需要多少位志愿者")
    await lead.press("保持原来的内容")

    # The template suggests Medical; nothing is ticked for her.
    skills = await prompt(lead, "需要哪些技能")
    assert "此模板建议的技能：医疗" in skills.text
    assert "✅ 医疗" not in str(skills.buttons)
    # She ticks it anyway, and asks everyone.
    await lead.press("医疗")
    await lead.expect_message(lambda m: m.edited and "✅ 医疗" in str(m.buttons))
    await lead.press("完成 ✓")
    await prompt(lead, "通知哪些人")
    await lead.press("🌐 全体志愿者")
    await prompt(lead, "最晚何时答复")
    await lead.press("跳过")
    await prompt(lead, "紧急程度如何")
    await lead.press("普通")

    # Nobody has Medical: the preview says so plainly, offers the change, and no Send.
    preview = await prompt(lead, "召集预览")
    assert "现在发送，没有任何人会收到这条召集" in preview.text
    assert preview.buttons == [["✏️ 所需技能"], ["✏️ 修改", "✖️ 取消"]]
    await lead.press("✏️ 所需技能")
    await prompt(lead, "需要哪些技能")
    await lead.press("✅ 医疗")  # untick it
    await lead.expect_message(lambda m: m.edited and "✅ 医疗" not in str(m.buttons))
    await lead.press("完成 ✓")
    preview = await prompt(lead, "召集预览")
    assert "现在发送将通知 2 位志愿者" in preview.text
    await lead.press("📣 发送")
    await prompt(lead, "正在发送给 2 位志愿者")

    await run_due_work(bot.runtime)
    await zhao.expect_message("疫苗接种")
    await sun.expect_message("Call-out for volunteers")
    card = await lead.expect_message("报名名单")
    assert "扩大到全社区" not in str(card.buttons)  # it was addressed to everyone already

    # The escalation waves pass (widen after 10 minutes, remind after 30): no widening.
    await outbox_settled(bot)
    clock.advance(timedelta(minutes=11))
    await run_due_work(bot.runtime)
    clock.advance(timedelta(minutes=20))
    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    card = await lead.expect_message(lambda m: "已提醒" in (m.text or "") and m.edited)
    assert "全社区" not in card.text and "扩大" not in str(card.buttons)
    async with bot.db.session() as session:
        callout = (await session.exec(select(Callout))).one()
    assert callout.skills == [] and callout.everyone


async def test_a_call_out_whose_last_volunteer_paused_meanwhile_is_not_sent_to_nobody(
    start_bot: StartBot,
) -> None:
    """The preview said 1; before Lin presses Send, that volunteer paused: Send is refused
    and says why, nothing is recorded; Lin asks everyone instead of the patrol team."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    zhao = await volunteer_in_telegram(bot, 101, "Zhao Lei", "en")
    await volunteer_in_telegram(bot, 102, "Sun Mei", "en")
    async with bot.db.session() as session:
        zhao_id = (
            await session.exec(select(Volunteer.id).where(Volunteer.telegram_id == zhao.id))
        ).one()
    await seed_team(bot.db, "Patrol team", [zhao_id])

    await lead.send("/callout")
    await prompt(lead, "What kind of call-out is it?")
    await lead.press("Night patrol")
    await prompt(lead, "Its title")
    await lead.press("Keep the current answer")
    await prompt(lead, "What will volunteers do")
    await lead.press("Skip")
    await prompt(lead, "Where?")
    await lead.send("Gate 3")
    await prompt(lead, "Share the exact location")
    await lead.tap_reply_button("Skip")
    await prompt(lead, "When does it start?")
    await lead.send("tomorrow 20:00")
    await prompt(lead, "When does it end?")
    await lead.press("Keep the current answer")
    await prompt(lead, "How many volunteers")
    await lead.press("Keep the current answer")
    await prompt(lead, "Which skills are required?")
    await lead.press("Done ✓")
    await prompt(lead, "Who should be asked?")
    await lead.press("👥 Chosen teams")
    await prompt(lead, "Which teams?")
    await lead.press("Patrol team")
    await lead.expect_message(lambda m: m.edited and "✅ Patrol team" in str(m.buttons))
    await lead.press("Done ✓")
    await prompt(lead, "Only party members among them?")
    await lead.press("No")
    await prompt(lead, "By when")
    await lead.press("Skip")
    await prompt(lead, "How urgent")
    await lead.press("Normal")
    preview = await prompt(lead, "Preview of the call-out")
    assert "It will reach 1 volunteer now." in preview.text

    await pause(bot.db, zhao.id, None)  # meanwhile, Zhao pauses
    await lead.press("📣 Send", preview)
    answer = await lead.expect_callback_answer()
    assert (
        answer.text
        == "This call-out would reach nobody now. Change the required skills or who is asked first."
    )
    async with bot.db.session() as session:
        assert (await session.exec(select(Callout))).first() is None

    await lead.press("✏️ Change something", preview)
    await lead.expect_message("Which answer do you want to change?")
    await lead.press("✏️ Who is asked")
    await prompt(lead, "Who should be asked?")
    await lead.press("🌐 Everyone")
    preview = await prompt(lead, "Preview of the call-out")
    assert "It will reach 1 volunteer now." in preview.text
    await lead.press("📣 Send")
    await prompt(lead, "Night patrol is being sent to 1 volunteer")


async def test_widening_a_team_call_out_that_already_reached_everyone_says_so(
    start_bot: StartBot,
) -> None:
    """Lin's patrol team is the whole community: widening asks nobody new, and says so
    instead of "asked 0"; the call-out is now for everyone, and the card stops offering it."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    zhao = await volunteer_in_telegram(bot, 101, "Zhao Lei", "en")
    async with bot.db.session() as session:
        zhao_id = (
            await session.exec(select(Volunteer.id).where(Volunteer.telegram_id == zhao.id))
        ).one()
    team_id = await seed_team(bot.db, "Patrol team", [zhao_id])
    await create(bot.db, clock.now(), title="Night patrol", everyone=False, team_ids=(team_id,))
    await run_due_work(bot.runtime)
    await zhao.expect_message("Night patrol")
    card = await lead.expect_message("Roster")

    await lead.press("📢 Widen to the whole community", card)
    answer = await lead.expect_callback_answer()
    assert answer.text == (
        "Nobody new to ask: everyone it can reach (with the required skills) was asked already."
    )
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    card = await lead.expect_message(lambda m: m.edited and "Roster" in (m.text or ""))
    assert "Widen to the whole community" not in str(card.buttons)
