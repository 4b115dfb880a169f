"""Creating a call-out over real HTTP: ``/callout`` walks a leader through a template, the
details, times typed as people say them, the people asked and a preview that says how many it
will reach; bad answers are asked again at the same step; volunteers cannot open it."""

from __future__ import annotations

from sqlmodel import select

from bot.clock import FrozenClock
from bot.i18n import text
from bot.scheduler import run_due_work
from models import Callout, Volunteer
from models.callouts import SkillMatch, Urgency
from tests.fake_telegram import FakeUser
from tests.fake_telegram.sent_message import SentMessage
from tests.harness import RunningBot, StartBot
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import leader_in_telegram, states, volunteer_in_telegram


async def prompt(user: FakeUser, expected: str | None = None) -> SentMessage:
    """The bot's next new message (edits of earlier ones are skipped)."""
    return await user.expect_message(expected, edits=False)


async def only_callout(bot: RunningBot) -> Callout:
    async with bot.db.session() as session:
        return (await session.exec(select(Callout))).one()


async def test_a_leader_creates_a_night_patrol_for_one_team_from_its_template(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()  # 2026-11-21 09:00 in Shanghai
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    zhao = await volunteer_in_telegram(bot, 101, "Zhao Lei", "en")
    wang = await volunteer_in_telegram(bot, 102, "王芳", "zh")
    outsider = await volunteer_in_telegram(bot, 103, "Sun Mei", "en")
    async with bot.db.session() as session:
        ids = {v.telegram_id: v.id for v in (await session.exec(select(Volunteer))).all()}
    await seed_team(bot.db, "Patrol team", [ids[zhao.id], ids[wang.id]])

    await lead.send("/callout")
    await prompt(lead, "What kind of call-out is it?")
    await lead.press("Night patrol")
    title = await prompt(lead, "Its title")
    assert "Current answer: Night patrol" in title.text
    await lead.press("Keep the current answer")
    await prompt(lead, "What will volunteers do")
    await lead.send("Walk the river bank & check the pumps <b>twice</b>")
    await prompt(lead, "Where?")
    await lead.send("River bank, gate 3")
    location = await prompt(lead, "Share the exact location")
    assert location.reply_keyboard == [["📍 Share a location"], ["Skip"]]
    await lead.send_location(30.52, 114.31)
    starts = await prompt(lead, "When does it start?")
    assert starts.buttons == [["🕒 Now"]]
    await lead.send("tomorrow 20:00")
    ends = await prompt(lead, "✓ Start: tomorrow, 20:00")
    assert "Current answer: tomorrow, 23:00" in ends.text  # the template's three hours
    await lead.send("06:00")  # the next morning: an end comes after its start
    needed = await prompt(lead, "✓ End: Mon 23 Nov, 6:00")
    assert "Current answer: 6" in needed.text
    await lead.send("2")
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
    await prompt(lead, "By when should volunteers answer?")
    await lead.press("Skip")
    await prompt(lead, "How urgent is it?")
    await lead.press("Normal")

    preview = await prompt(lead, "Preview of the call-out")
    assert "Walk the river bank & check the pumps <b>twice</b>" in preview.text  # as typed
    assert "It will reach 2 volunteers now." in preview.text
    assert preview.buttons == [["📣 Send"], ["✏️ Change something", "✖️ Cancel"]]
    # An hour later after all: the end moves with the start, so the patrol still lasts ten hours.
    await lead.press("✏️ Change something", preview)
    await lead.press("✏️ Start", await lead.expect_message(lambda m: "✏️ Start" in str(m.buttons)))
    await prompt(lead, "When does it start?")
    await lead.send("tomorrow 21:00")
    preview = await prompt(lead, "Preview of the call-out")
    assert "tomorrow, 21:00" in preview.text and "Mon 23 Nov, 7:00" in preview.text
    await lead.press("📣 Send")
    await prompt(lead, "Night patrol is being sent to 2 volunteers")

    callout = await only_callout(bot)
    assert (callout.title, callout.needed, callout.template) == ("Night patrol", 2, "night_patrol")
    assert (callout.latitude, callout.longitude) == (30.52, 114.31)
    assert callout.starts_at.isoformat() == "2026-11-22T13:00:00+00:00"  # 21:00 in Shanghai
    assert callout.ends_at.isoformat() == "2026-11-22T23:00:00+00:00"
    assert callout.team_ids == [1] and not callout.everyone and not callout.party_only
    assert callout.urgency == Urgency.NORMAL and callout.skill_match == SkillMatch.ANY
    await run_due_work(bot.runtime)  # the scheduler delivers it
    await zhao.expect_message("Night patrol")
    await wang.expect_message("志愿者召集令")
    await lead.expect_message("Roster")
    assert set(await states(bot.db, callout.id or 0)) == {zhao.id, wang.id}
    assert bot.telegram.sent(chat_id=outsider.id) == []


async def test_an_emergency_template_starts_now_and_asks_everyone_with_the_skills(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot, language="zh")
    await seed_volunteer(bot.db, 101, "Medic", skills=["medical"])
    await seed_volunteer(bot.db, 102, "Driver", skills=["driving"])

    await lead.send("/callout")
    await prompt(lead, "这是哪一类召集")
    await lead.press("火灾 / 疏散")
    await prompt(lead, "请输入标题")
    await lead.send("5号楼火情疏散")
    await prompt(lead, "志愿者要做什么")
    await lead.press("跳过")
    await prompt(lead, "在哪里")
    await lead.send("5号楼")
    await prompt(lead, "地图上的准确位置")
    await lead.tap_reply_button("跳过")
    starts = await prompt(lead, "什么时候开始")
    assert "当前填写：今天9:00" in starts.text  # an emergency starts now
    await lead.press("保持原来的内容")
    ends = await prompt(lead, "✓ 开始时间：今天9:00")
    assert "当前填写：今天11:00" in ends.text  # the template's two hours
    await lead.press("保持原来的内容")
    needed = await prompt(lead, "需要多少位志愿者")
    assert "当前填写：多多益善" in needed.text
    await lead.press("保持原来的内容")
    await prompt(lead, "需要哪些技能")
    await lead.press("医疗")
    await lead.expect_message(lambda m: m.edited and "✅ 医疗" in str(m.buttons))
    await lead.press("完成 ✓")
    await prompt(lead, "通知哪些人")
    await lead.press("🌐 全体志愿者")
    await prompt(lead, "最晚何时答复")
    await lead.press("跳过")
    urgency = await prompt(lead, "紧急程度如何")
    assert urgency.buttons == [["普通"], ["✅ 🚨 紧急"]]  # the template's choice, marked
    await lead.press("✅ 🚨 紧急")

    preview = await prompt(lead, "召集预览")
    assert "现在发送将通知 1 位志愿者" in preview.text  # only the medic
    assert "多多益善" in preview.text
    await lead.press("📣 发送")
    await prompt(lead, "正在发送给 1 位志愿者")
    callout = await only_callout(bot)
    assert callout.needed is None and callout.everyone and callout.skills == ["medical"]
    assert callout.urgency == Urgency.EMERGENCY and callout.template == "fire_evacuation"


async def test_bad_times_are_asked_again_at_the_same_step(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock())
    lead = await leader_in_telegram(bot)
    await lead.send("/callout")
    await prompt(lead, "What kind of call-out is it?")
    await lead.press("Other")
    await prompt(lead, "Its title")
    await lead.send_sticker()
    await prompt(lead, "Please answer with a text message.")
    await lead.send("Sandbags & pumps <dyke>")  # shown as typed, never read as markup
    asked = await prompt(lead, "What will volunteers do")
    assert "✓ Title: Sandbags & pumps <dyke>" in asked.text
    await lead.press("Skip")
    await prompt(lead, "Where?")
    await lead.send("Dyke road")
    await prompt(lead, "Share the exact location")
    await lead.send("Dyke road again")  # text where a location is expected
    await prompt(lead, "Please share a location with the button below, or skip this step.")
    await lead.tap_reply_button("Skip")
    asked = await prompt(lead, "When does it start?")
    # Its example date is the day after tomorrow (Sat 21 Nov here): typed, it would be taken.
    assert "11-23 14:00" in asked.text

    for typed, complaint in [
        ("banana", "I could not read that time"),
        ("'; DROP TABLE callout; --", "I could not read that time"),
        ("2026-02-30 08:00", "I could not read that time"),
        ("2026-11-20 08:00", "Fri 20 Nov, 8:00 has already passed"),
        ("11-20 08:00", "Fri 20 Nov, 8:00 has already passed"),  # not next year's
        ("today 08:00", "today, 8:00 has already passed"),
    ]:
        await lead.send(typed)
        reply = await prompt(lead, complaint)
        assert "When does it start?" in reply.text, typed
    await lead.send("12-03 14:00")
    await prompt(lead, "✓ Start: Thu 3 Dec, 14:00")
    await lead.send("2026-12-03 13:00")
    await prompt(lead, "That must be after Thu 3 Dec, 14:00.")
    await lead.send("12:00")  # a slip for 17:00? read alone, it would be 22 hours on: asked
    await prompt(lead, "That would be Fri 4 Dec, 12:00, 22 hours later")
    await lead.send("17:30")
    await prompt(lead, "✓ End: Thu 3 Dec, 17:30")
    for typed in ("0", "many", "100000", "tomorrow 18:00"):
        await lead.send(typed)
        await prompt(lead, "Please give a number of volunteers from 1 to 10000")
    await lead.send("40")
    await prompt(lead, "Which skills are required?")
    await lead.press("Done ✓")
    await prompt(lead, "Who should be asked?")
    await lead.press("⭐ Party members only")
    await prompt(lead, "By when should volunteers answer?")
    await lead.send("12-04 08:00")
    await prompt(lead, "That must not be later than Thu 3 Dec, 17:30.")
    await lead.send("12-02 20:00")
    await prompt(lead, "How urgent is it?")
    await lead.press("Normal")
    preview = await prompt(lead, "Preview of the call-out")
    assert "This call-out would reach nobody now" in preview.text  # no party members yet
    await lead.press("✖️ Cancel")
    await prompt(lead, "Cancelled; nothing was sent.")
    async with bot.db.session() as session:
        assert (await session.exec(select(Callout))).first() is None


async def test_volunteers_cannot_create_call_outs(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock())
    person = await volunteer_in_telegram(bot, 101, "Wang Fang", "en")
    await person.send("/callout")
    await person.expect_message(text("en", "errors.not_allowed"))
