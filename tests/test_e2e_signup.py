"""Signing up over real HTTP: the whole conversation in Chinese and in English, bad answers
at every kind of step, a restart half-way, /cancel, stale buttons and changing an answer."""

from __future__ import annotations

from sqlmodel import select

from bot.config import CommunityConfig
from models import Conversation, Party, Volunteer, VolunteerAvailability, VolunteerSkill
from tests.fake_telegram import FakeUser
from tests.fake_telegram.sent_message import SentMessage
from tests.harness import RunningBot, StartBot

STALE = "This button is out of date. Please use the latest message."


async def prompt(user: FakeUser, expected: str | None = None) -> SentMessage:
    """The bot's next new message (edits of earlier ones are skipped)."""
    return await user.expect_message(expected, edits=False)


async def edit(user: FakeUser, expected: str) -> SentMessage:
    return await user.expect_message(lambda m: m.edited and expected in (m.text or ""))


async def step(bot: RunningBot, user: FakeUser) -> str:
    async with bot.db.session() as session:
        conversation = await session.get(Conversation, user.id)
        assert conversation is not None
        return conversation.step


async def volunteer(bot: RunningBot, user: FakeUser) -> tuple[Volunteer, list[str], list[str]]:
    async with bot.db.session() as session:
        row = (await session.exec(select(Volunteer).where(Volunteer.telegram_id == user.id))).one()
        skills = await session.exec(
            select(VolunteerSkill.skill).where(VolunteerSkill.volunteer_id == row.id)
        )
        slots = await session.exec(
            select(VolunteerAvailability.slot).where(VolunteerAvailability.volunteer_id == row.id)
        )
        return row, sorted(skills.all()), sorted(slots.all())


async def answer_up_to_skills_in_english(user: FakeUser) -> SentMessage:
    await user.send("/start")
    await prompt(user, "What is your name?")
    await user.send("Alice Chen")
    await prompt(user, "phone number")
    await user.send("138 0013 8000")
    await prompt(user, "building and room")
    await user.send("Building 3, Room 502")
    return await prompt(user, "Which skills")


async def finish_in_english_after_skills(user: FakeUser, availability: str) -> None:
    """From the availability question to the thank-you, consenting, not a party member."""
    await user.press(availability)
    await user.press("Done ✓")
    await prompt(user, "Communist Party")
    await user.press("Not a party member")
    await prompt(user, "phone number and address")
    await user.press("Yes")
    await prompt(user, "Please check your sign-up")
    await user.press("✅ Confirm and sign up")
    await prompt(user, "Thank you, Alice Chen!")


async def test_a_resident_signs_up_in_chinese_sharing_their_own_contact(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    wang = bot.telegram.user(201, "王", language_code="zh", phone_number="+8613800138000")

    await wang.send("/start")
    first = await prompt(wang)
    assert "欢迎加入" in first.text and "Sunshine Community" in first.text
    assert "请问您怎么称呼" in first.text and "/cancel" in first.text

    await wang.send("王Wang")
    phone = await prompt(wang, "✓ 姓名：王Wang")
    assert phone.reply_keyboard == [["📱 发送我的手机号"]]
    await wang.tap_reply_button("📱 发送我的手机号")
    address = await prompt(wang, "✓ 电话：+8613800138000")
    assert address.removes_keyboard and "几号楼" in address.text

    await wang.send("3号楼502室")
    skills = await prompt(wang, "您能提供哪些技能")
    await wang.press("急救")
    await wang.press("驾驶")
    await edit(wang, "您能提供哪些技能")
    await wang.press("完成 ✓", skills)
    await prompt(wang, "✓ 技能：急救、驾驶")
    await wang.press("周末")
    await wang.press("紧急情况随时可以")
    await wang.press("完成 ✓")
    await prompt(wang, "您是中共党员吗")
    await wang.press("在职党员（到社区报到）")
    consent = await prompt(wang, "电话和住址")
    assert consent.buttons == [["是", "否"]]
    await wang.press("否")

    summary = await prompt(wang, "请核对您的注册信息")
    assert "姓名：王Wang" in summary.text and "电话：+8613800138000" in summary.text
    assert "空闲时间：周末、紧急情况随时可以" in summary.text
    await wang.press("✅ 确认注册")
    welcome = await prompt(wang, "您已成功注册为志愿者")
    assert "您正在接收任务通知" in welcome.text
    assert welcome.reply_markup is not None and "👤 我的资料" in str(welcome.reply_markup)

    row, skill_codes, slots = await volunteer(bot, wang)
    assert (row.name, row.phone, row.address) == ("王Wang", "+8613800138000", "3号楼502室")
    assert (row.party, row.consent_visible, row.compound) == (Party.IN_SERVICE, False, None)
    assert skill_codes == ["driving", "first_aid"]
    assert slots == ["emergency", "weekend"]


async def test_a_resident_signs_up_in_english_typing_their_number(start_bot: StartBot) -> None:
    bot = await start_bot()
    alice = bot.user(202, "Alice", "en")
    await answer_up_to_skills_in_english(alice)
    await alice.press("Done ✓")  # no special skills is fine
    await prompt(alice, "✓ Skills: none")
    await finish_in_english_after_skills(alice, "Weekday evenings")

    row, skill_codes, slots = await volunteer(bot, alice)
    assert (row.phone, row.party, row.consent_visible) == ("+8613800138000", Party.NONE, True)
    assert skill_codes == [] and slots == ["weekday_evening"]

    await alice.send("/start")  # a volunteer gets their menu, not the sign-up again
    menu = await prompt(alice)
    assert "Alice Chen" in menu.text and "You receive call-outs" in menu.text


async def test_bad_names_are_asked_again_with_the_reason(start_bot: StartBot) -> None:
    bot = await start_bot()
    bob = bot.user(203, "Bob", "en")
    await bob.send("/start")
    await prompt(bob, "What is your name?")
    complaints = [
        ("", "That was empty"),
        ("x" * 200, "at most 64 characters, and yours has 200"),
        ("<b>x</b>&", "do not use the characters < > & * _ [ ] `"),
        ("'; DROP TABLE volunteer;--", "A name may contain letters"),
        ("😀🎉👍", "not only emoji or symbols"),
    ]
    for typed, reason in complaints:
        await bob.send(typed)
        again = await prompt(bob)
        assert reason in again.text and "What is your name?" in again.text, typed
    await bob.send_sticker()
    assert "Please answer with a text message." in (await prompt(bob)).text
    await bob.send_photo()
    assert "Please answer with a text message." in (await prompt(bob)).text
    await bob.send_voice()
    assert "Please answer with a text message." in (await prompt(bob)).text
    assert await step(bot, bob) == "name"
    async with bot.db.session() as session:  # the table is still there, and still empty
        assert (await session.exec(select(Volunteer))).all() == []


async def test_user_text_is_echoed_escaped(start_bot: StartBot) -> None:
    bot = await start_bot()
    eve = bot.user(204, "Eve", "en")
    await eve.send("/start")
    await prompt(eve)
    await eve.send("Eve")
    await prompt(eve)
    await eve.send("13800138000")
    await prompt(eve)
    await eve.send("'; DROP TABLE volunteer;-- Room 1")  # an address may hold such characters
    echoed = await prompt(eve, "Which skills")
    assert "✓ Building / room: '; DROP TABLE volunteer;-- Room 1" in echoed.text
    await eve.send("/cancel")
    await prompt(eve, "Sign-up cancelled")


async def test_bad_phones_and_other_peoples_contacts_are_refused(start_bot: StartBot) -> None:
    bot = await start_bot()
    carol = bot.telegram.user(205, "Carol", language_code="en", phone_number="+8613700137000")
    await carol.send("/start")
    await prompt(carol)
    await carol.send("Carol")
    await prompt(carol, "phone number")
    await carol.send("12345")
    invalid = await prompt(carol, "does not look like a valid phone number")
    assert invalid.reply_keyboard == [["📱 Share my phone number"]]
    await carol.send_contact("+8613900139000", user_id=999)
    await prompt(carol, "someone else's contact")
    await carol.send_sticker()
    await prompt(carol, "Please type your phone number, or press the button below")
    await carol.send_location(31.2, 121.5)
    await prompt(carol, "Please type your phone number, or press the button below")
    assert await step(bot, carol) == "phone"
    await carol.send_contact()
    await prompt(carol, "✓ Phone: +8613700137000")


async def test_an_own_contact_from_abroad_is_taken_as_telegram_gives_it(
    start_bot: StartBot,
) -> None:
    """A foreign resident shares their own number: Telegram knows it, so a number of a
    possible length is taken even where the metadata does not know its range (555 here)."""
    bot = await start_bot()
    grace = bot.telegram.user(207, "Grace", language_code="en", phone_number="15550003001")
    await grace.send("/start")
    await prompt(grace)
    await grace.send("Grace")
    await prompt(grace, "phone number")
    await grace.send_contact()
    await prompt(grace, "✓ Phone: +15550003001")


async def test_bad_answers_at_button_steps_are_asked_again(start_bot: StartBot) -> None:
    bot = await start_bot()
    dave = bot.user(206, "Dave", "en")
    await answer_up_to_skills_in_english(dave)
    await dave.send("first aid")
    again = await prompt(dave, "Please choose with the buttons below.")
    assert "Which skills" in again.text and again.buttons[-1] == ["Done ✓"]
    await dave.press("Done ✓")
    await prompt(dave, "When are you usually available?")
    await dave.press("Done ✓")
    await dave.expect_callback_answer("Please choose at least 1.", show_alert=True)
    assert await step(bot, dave) == "availability"
    await dave.press("Weekends")
    await dave.press("Done ✓")
    await prompt(dave, "Communist Party")
    await dave.send_sticker()
    await prompt(dave, "Please choose with the buttons below.")
    await dave.press("Retired or other party member")
    await prompt(dave, "phone number and address")
    await dave.send_voice()
    await prompt(dave, "Please choose with the buttons below.")
    assert await step(bot, dave) == "consent"


async def test_a_half_finished_sign_up_survives_a_restart(start_bot: StartBot) -> None:
    bot = await start_bot()
    lin = bot.user(207, "Lin", "zh")
    await lin.send("/start")
    await prompt(lin)
    await lin.send("林晓")
    await prompt(lin, "手机号")
    await lin.send("13800138000")
    await prompt(lin, "几号楼")

    await bot.restart()

    await lin.send("5号楼101")  # the answer to the question asked before the restart
    await prompt(lin, "✓ 楼栋 / 房号：5号楼101")
    assert await step(bot, lin) == "skills"
    await lin.press("驾驶")
    await lin.expect_message(lambda m: m.edited and "✅ 驾驶" in str(m.buttons))

    await bot.restart()

    await lin.send("/start")
    resumed = await prompt(lin, "我们从上次中断的地方继续")
    assert "您能提供哪些技能" in resumed.text
    assert "✅ 驾驶" in resumed.buttons[1]  # the toggled option was saved too


async def test_cancel_leaves_the_sign_up_at_any_step(start_bot: StartBot) -> None:
    bot = await start_bot()
    mei = bot.user(208, "Mei", "en")
    await mei.send("/start")
    await prompt(mei)
    await mei.send("Mei")
    await prompt(mei, "phone number")
    await mei.send("/cancel")
    cancelled = await prompt(mei, "Sign-up cancelled; nothing was saved.")
    assert cancelled.removes_keyboard
    await mei.send("hello?")
    await prompt(mei, "I did not understand that. Send /help")
    await mei.send("/cancel")
    await prompt(mei, "There is nothing to cancel.")
    await mei.send("/start")
    await prompt(mei, "(1/7)\nWhat is your name?")


async def test_a_button_of_an_earlier_step_is_answered_as_stale(start_bot: StartBot) -> None:
    bot = await start_bot()
    sam = bot.user(209, "Sam", "en")
    skills = await answer_up_to_skills_in_english(sam)
    swimming = skills.button_data("▫️ Swimming")
    assert swimming is not None
    await sam.press("Done ✓", skills)
    await prompt(sam, "When are you usually available?")
    await sam.press_data(skills, swimming)
    await sam.expect_callback_answer(STALE)
    assert await step(bot, sam) == "availability"
    row = await sam.expect_message(lambda m: m.message_id == skills.message_id and m.edited)
    assert row.current.buttons == []


async def test_an_answer_is_changed_from_the_summary(start_bot: StartBot) -> None:
    bot = await start_bot()
    zoe = bot.user(210, "Zoe", "en")
    await answer_up_to_skills_in_english(zoe)
    await zoe.press("Driving")
    await zoe.press("Done ✓")
    await prompt(zoe, "available")
    await zoe.press("Weekends")
    await zoe.press("Done ✓")
    await prompt(zoe, "Communist Party")
    await zoe.press("Not a party member")
    await prompt(zoe, "phone number and address")
    await zoe.press("Yes")
    summary = await prompt(zoe, "Please check your sign-up")

    await zoe.press("✏️ Change something")
    listing = await edit(zoe, "Which answer do you want to change?")
    assert ["✏️ Name", "✏️ Phone"] in listing.buttons
    await zoe.press("✏️ Phone", listing)
    asked = await prompt(zoe, "Current answer: +8613800138000")
    assert asked.reply_keyboard == [["📱 Share my phone number"], ["Keep the current answer"]]
    await zoe.send("+86 139 0013 9000")
    again = await prompt(zoe, "Please check your sign-up")
    assert "Phone: +8613900139000" in again.text and "Skills: Driving" in again.text
    first_confirm = summary.button_data("✅ Confirm and sign up")
    assert first_confirm is not None
    await zoe.press_data(summary, first_confirm)  # the first summary is out of date
    await zoe.expect_callback_answer(STALE)
    await zoe.press("✅ Confirm and sign up", again)
    await prompt(zoe, "Thank you")
    row, _, _ = await volunteer(bot, zoe)
    assert row.phone == "+8613900139000"


async def test_compounds_configured_are_offered_as_buttons(start_bot: StartBot) -> None:
    bot = await start_bot(
        community=CommunityConfig(name="Sunshine Community", compounds=["阳光花园", "翠苑"])
    )
    hu = bot.user(211, "Hu", "zh")
    await hu.send("/start")
    await prompt(hu, "（1/8）")
    await hu.send("胡")
    await prompt(hu)
    await hu.send("13800138000")
    compound = await prompt(hu, "您住在哪个小区")
    assert compound.buttons == [["阳光花园", "翠苑"]]
    await hu.send("花园")
    await prompt(hu, "请点击下方按钮进行选择")
    await hu.send("翠苑3栋")  # typed, not pressed: it begins with a compound's name
    await prompt(hu, "✓ 小区：翠苑")
    assert await step(bot, hu) == "address"
