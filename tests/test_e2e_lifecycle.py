"""/pause, /resume and /leave over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.services.lifecycle import is_available_for_callouts
from models import (
    Account,
    Conversation,
    TeamMember,
    Volunteer,
    VolunteerAvailability,
    VolunteerSkill,
)
from models.db import Database
from tests.harness import StartBot
from tests.seed import audit_trail, seed_team, seed_volunteer


async def volunteer_row(db: Database, volunteer_id: int) -> Volunteer:
    async with db.session() as session:
        row = await session.get(Volunteer, volunteer_id)
        assert row is not None
        return row


async def test_a_week_long_pause_ends_by_itself(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang_id = await seed_volunteer(bot.db, 101, "Wang Fang", language="en")
    wang = bot.user(101, "Wang Fang", "en")

    await wang.send("/pause")
    menu = await wang.expect_message("for how long")
    assert menu.buttons == [["1 day", "3 days"], ["1 week", "1 month"], ["Until I send /resume"]]
    await wang.press("1 week")
    assert "paused until" in (await wang.expect_message()).text
    row = await volunteer_row(bot.db, wang_id)
    assert row.paused_until == clock.now() + timedelta(weeks=1)
    assert not is_available_for_callouts(row, clock.now())

    clock.advance(timedelta(days=6))
    await wang.send("/pause")
    assert "paused until" in (await wang.expect_message()).text
    clock.advance(timedelta(days=1, minutes=1))
    assert is_available_for_callouts(await volunteer_row(bot.db, wang_id), clock.now())
    await wang.send("/resume")
    assert "nothing is paused" in (await wang.expect_message()).text


async def test_an_open_pause_lasts_until_resume(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang_id = await seed_volunteer(bot.db, 101, "王芳", language="zh")
    wang = bot.user(101, "王芳", "zh")
    await wang.send("/pause")
    await wang.expect_message()
    await wang.press("直到我发送 /resume")
    assert "直到您发送 /resume" in (await wang.expect_message()).text
    clock.advance(timedelta(days=90))
    assert not is_available_for_callouts(await volunteer_row(bot.db, wang_id), clock.now())
    await wang.send("/resume")
    assert "欢迎回来" in (await wang.expect_message()).text
    assert is_available_for_callouts(await volunteer_row(bot.db, wang_id), clock.now())


async def test_someone_not_signed_up_is_told_to_sign_up(start_bot: StartBot) -> None:
    bot = await start_bot()
    stranger = bot.user(555, "Stranger", "en")
    await stranger.send("/pause")
    assert "/start" in (await stranger.expect_message("sign up")).text
    await stranger.send("/leave")
    assert "no personal data" in (await stranger.expect_message()).text


async def test_leave_part_way_through_signing_up_deletes_what_was_typed(
    start_bot: StartBot,
) -> None:
    """Someone who typed their name and phone and then asked to be deleted: what they typed
    goes, they are told so (in their language), and /start begins afresh."""
    bot = await start_bot()
    li = bot.user(556, "Li", "zh")
    await li.send("/start")
    await li.expect_message("怎么称呼")
    await li.send("李小龙")
    await li.expect_message("手机号")
    await li.send("138 0013 8000")
    await li.expect_message()

    await li.send("/leave")
    assert "已全部删除" in (await li.expect_message("还没有完成注册")).text
    async with bot.db.session() as session:
        drafts = (await session.exec(select(Conversation.data))).all()
    assert all("李小龙" not in str(data) and "13800138000" not in str(data) for data in drafts)
    await li.send("/start")
    await li.expect_message("怎么称呼")


async def test_leave_asks_first_and_then_deletes_the_personal_data(start_bot: StartBot) -> None:
    bot = await start_bot()
    wang_id = await seed_volunteer(
        bot.db,
        101,
        "王芳",
        compound="阳光小区",
        skills=["medical"],
        availability=["weekend"],
        language="en",
    )
    await seed_team(bot.db, "巡逻队", [wang_id])
    wang = bot.user(101, "王芳", "en")

    await wang.send("/leave")
    await wang.expect_message("Delete your personal data?")
    await wang.press("No")
    assert "Nothing was deleted" in (await wang.expect_message()).text
    assert (await volunteer_row(bot.db, wang_id)).name == "王芳"

    await wang.send("/leave")
    await wang.expect_message("Delete your personal data?")
    await wang.press("Yes, delete")
    assert "has been deleted" in (await wang.expect_message()).text

    row = await volunteer_row(bot.db, wang_id)
    assert (row.name, row.phone, row.compound, row.address, row.telegram_id) == (None,) * 5
    assert row.left_at is not None
    async with bot.db.session() as session:
        assert await session.get(Account, 101) is None
        for table in (VolunteerSkill, VolunteerAvailability, TeamMember):
            count = select(func.count()).select_from(table).where(table.volunteer_id == wang_id)
            assert await session.scalar(count) == 0
    assert (None, "volunteer_left", True) in await audit_trail(bot.db)


async def test_after_leaving_start_is_a_brand_new_sign_up(start_bot: StartBot) -> None:
    bot = await start_bot()
    await seed_volunteer(bot.db, 101, "Wang", language="en")
    wang = bot.user(101, "Wang", "en")
    newcomer = bot.user(102, "Wang", "en")
    await newcomer.send("/start")
    first_contact = await newcomer.expect_message()

    await wang.send("/leave")
    await wang.expect_message()
    await wang.press("Yes, delete")
    await wang.expect_message("has been deleted")
    await wang.send("/start")
    assert (await wang.expect_message()).text == first_contact.text
    await wang.send("/pause")  # not signed up: signing up again
    assert "still signing up" in (await wang.expect_message()).text
