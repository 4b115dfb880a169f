"""/profile over real HTTP: a volunteer sees their details and changes them one at a time."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import CommunityConfig
from bot.services import lifecycle
from bot.services.accounts import touch_account
from bot.services.profile import VolunteerDetails
from bot.services.signup import register_volunteer
from models import Availability, Party, Volunteer, VolunteerSkill
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot

COMMUNITY = CommunityConfig(name="Sunshine Community", compounds=["Rose & Lily <Court>", "翠苑"])


async def signed_up(bot: RunningBot, user: FakeUser) -> None:
    """A volunteer who signed up earlier (through the same service the sign-up form calls)."""
    now = bot.clock.now()
    async with bot.db.session() as session:
        await touch_account(
            session,
            telegram_id=user.id,
            first_name=user.first_name,
            language_code="en",
            default_language="zh",
            admins=[],
            now=now,
        )
        details = VolunteerDetails(
            name="Alice Chen",
            phone="+8613800138000",
            compound="Rose & Lily <Court>",
            address="Building 3, Room 502",
            skills=("first_aid",),
            availability=(Availability.WEEKEND,),
            party=Party.NONE,
            consent_visible=True,
        )
        await register_volunteer(
            session, telegram_id=user.id, details=details, community=COMMUNITY, now=now
        )


async def stored(bot: RunningBot, user: FakeUser) -> tuple[Volunteer, list[str]]:
    async with bot.db.session() as session:
        row = (await session.exec(select(Volunteer).where(Volunteer.telegram_id == user.id))).one()
        skills = await session.exec(
            select(VolunteerSkill.skill).where(VolunteerSkill.volunteer_id == row.id)
        )
        return row, sorted(skills.all())


async def test_the_profile_shows_every_detail_escaped(start_bot: StartBot) -> None:
    bot = await start_bot(community=COMMUNITY)
    alice = bot.user(301, "Alice", "en")
    await signed_up(bot, alice)
    await alice.send("/profile")
    card = await alice.expect_message("Your profile")
    assert "Compound: Rose & Lily <Court>" in card.text  # sent as &amp; and &lt;: it parsed
    assert "Phone: +8613800138000" in card.text and "Skills: First aid" in card.text
    assert ["✏️ Name", "✏️ Phone"] in card.buttons


async def test_a_volunteer_changes_their_phone(start_bot: StartBot) -> None:
    bot = await start_bot(community=COMMUNITY)
    alice = bot.user(302, "Alice", "en")
    await signed_up(bot, alice)
    await alice.send("/profile")
    await alice.expect_message("Your profile")
    await alice.press("✏️ Phone")
    asked = await alice.expect_message("Current answer: +8613800138000", edits=False)
    assert asked.reply_keyboard == [["📱 Share my phone number"], ["Keep the current answer"]]
    await alice.send("12345")
    await alice.expect_message("does not look like a valid phone number", edits=False)
    await alice.send("139 0013 9000")
    card = await alice.expect_message("Your profile", edits=False)
    assert card.text.startswith("✓ Phone: +8613900139000")
    assert "Phone: +8613900139000" in card.text
    row, _ = await stored(bot, alice)
    assert row.phone == "+8613900139000" and row.name == "Alice Chen"


async def test_a_volunteer_changes_their_skills(start_bot: StartBot) -> None:
    bot = await start_bot(community=COMMUNITY)
    alice = bot.user(303, "Alice", "en")
    await signed_up(bot, alice)
    await alice.send("/profile")
    await alice.expect_message("Your profile")
    await alice.press("✏️ Skills")
    asked = await alice.expect_message("Which skills", edits=False)
    assert asked.buttons[0] == ["✅ First aid", "▫️ Medical"]  # what they have, pre-selected
    await alice.press("First aid")
    await alice.press("Swimming")
    await alice.press("Cooking")
    await alice.press("Done ✓", asked)
    card = await alice.expect_message("Your profile", edits=False)
    assert "Skills: Swimming, Cooking" in card.text
    _, skills = await stored(bot, alice)
    assert skills == ["cooking", "swimming"]


async def test_keeping_the_current_answer_changes_nothing(start_bot: StartBot) -> None:
    bot = await start_bot(community=COMMUNITY)
    alice = bot.user(304, "Alice", "en")
    await signed_up(bot, alice)
    await alice.send("/profile")
    await alice.expect_message("Your profile")
    await alice.press("✏️ Phone")
    await alice.expect_message("Current answer", edits=False)
    await alice.tap_reply_button("Keep the current answer")
    card = await alice.expect_message("Your profile", edits=False)
    assert card.text.startswith("✓ Phone: +8613800138000")


async def test_someone_not_signed_up_is_sent_to_start(start_bot: StartBot) -> None:
    bot = await start_bot()
    stranger = bot.user(305, "Stranger", "en")
    await stranger.send("/profile")
    await stranger.expect_message("Please sign up first: send /start.")


async def test_someone_signing_up_is_told_to_finish_first_not_to_start(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    wang = bot.user(306, "王芳", "zh")
    await wang.send("/start")
    await wang.expect_message("请问您怎么称呼")
    await wang.send("/profile")
    await wang.expect_message("您还在注册中：请先回答上面的问题（发送 /start 可以再看到它）。")
    await wang.send("/start")  # as it says: the question again
    await wang.expect_message("我们从上次中断的地方继续", edits=False)


async def test_the_menu_says_whether_call_outs_reach_the_volunteer(start_bot: StartBot) -> None:
    evening_in_utc = FrozenClock(datetime(2026, 11, 21, 20, 0, tzinfo=UTC))  # 04:00 in Shanghai
    bot = await start_bot(clock=evening_in_utc, community=COMMUNITY)
    alice = bot.user(306, "Alice", "en")
    await signed_up(bot, alice)
    await alice.send("/start")
    menu = await alice.expect_message("Alice Chen")
    assert "You receive call-outs." in menu.text and "⏸ Pause" in str(menu.reply_markup)
    async with bot.db.session() as session:
        await lifecycle.pause(session, telegram_id=alice.id, choice="1d", now=bot.clock.now())
    await alice.send("/start")
    paused = await alice.expect_message("Alice Chen")
    assert "Call-outs are paused until tomorrow, 4:00" in paused.text  # Shanghai time
    assert "▶️ Resume" in str(paused.reply_markup)
