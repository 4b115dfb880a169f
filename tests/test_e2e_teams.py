"""/teams over real HTTP: a leader builds teams; volunteers are refused, even by forged buttons."""

from __future__ import annotations

from sqlalchemy import select

from models import Role, TeamMember
from models.db import Database
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot, expect_refused_as_forged
from tests.seed import audit_trail, seed_account, seed_volunteer

LEADER_ID = 400


async def members_of(db: Database, team_id: int) -> list[int]:
    async with db.session() as session:
        query = select(TeamMember.volunteer_id).where(TeamMember.team_id == team_id)
        return list((await session.exec(query)).scalars())


async def a_leader(bot: RunningBot, language: str = "en") -> FakeUser:
    await seed_account(bot.db, LEADER_ID, role=Role.LEADER, language=language, first_name="Lead")
    return bot.user(LEADER_ID, "Lead", language)


async def test_a_leader_creates_a_team_and_adds_volunteers_in_place(start_bot: StartBot) -> None:
    bot = await start_bot()
    lead = await a_leader(bot)
    wang = await seed_volunteer(bot.db, 101, "王芳")
    for n in range(9):
        await seed_volunteer(bot.db, 110 + n, f"Volunteer {n}")

    await lead.send("/teams new 巡逻队")
    card = await lead.expect_message("created")
    assert "巡逻队" in card.text and "Members: 0" in card.text

    await lead.press("Add / remove members")
    page = await lead.expect_message("page 1/2")
    await lead.press("▫️ 王芳")
    toggled = await lead.expect_message("1 members")
    assert toggled.message_id == page.message_id  # the same message, edited
    assert "✅ 王芳" in toggled.buttons[0][0]
    await lead.press("Next ▶")
    assert "page 2/2" in (await lead.expect_message()).text
    await lead.press("« Back to the team")
    assert "王芳" in (await lead.expect_message("Members: 1")).text

    await lead.send("/teams")
    listing = await lead.expect_message("Teams")
    assert listing.buttons == [["巡逻队 · 1"]]
    trail = await audit_trail(bot.db)
    assert (LEADER_ID, "team_member_added", True) in trail
    assert await members_of(bot.db, 1) == [wang]


async def test_rename_and_delete_a_team(start_bot: StartBot) -> None:
    bot = await start_bot()
    lead = await a_leader(bot, "zh")
    await lead.send("/teams new 应急救援队")
    await lead.expect_message("已创建")
    await lead.send("/teams rename 1 应急救援一队")
    assert "应急救援一队" in (await lead.expect_message()).text
    await lead.send("/teams")
    await lead.expect_message()
    await lead.press("应急救援一队 · 0")
    await lead.expect_message("队伍编号")
    await lead.press("🗑 删除队伍")
    await lead.expect_message("删除队伍")
    await lead.press("确定删除")
    deleted = await lead.expect_message("已删除")
    assert deleted.buttons == []
    actions = [act for _, act, _ in await audit_trail(bot.db)]
    assert actions == ["team_created", "team_renamed", "team_deleted"]


async def test_team_names_with_markup_are_shown_as_typed(start_bot: StartBot) -> None:
    bot = await start_bot()
    lead = await a_leader(bot)
    await lead.send("/teams new <b>Fire & Rescue</b>")
    assert "<b>Fire & Rescue</b>" in (await lead.expect_message("created")).text
    await lead.send("/teams new " + "x" * 65)
    assert "1 to 64 characters" in (await lead.expect_message()).text
    await lead.send("/teams new <b>Fire & Rescue</b>")
    assert "already is a team" in (await lead.expect_message()).text
    await lead.send("/teams frobnicate")
    assert "/teams new" in (await lead.expect_message("did not understand")).text


async def test_a_team_leader_is_set_by_telegram_id_still(start_bot: StartBot) -> None:
    bot = await start_bot()
    lead = await a_leader(bot)
    await seed_volunteer(bot.db, 101, "王芳")
    await lead.send("/teams new Patrol")
    await lead.expect_message("created")
    await lead.send("/teams leader 1 101")
    assert "team leader 王芳." in (await lead.expect_message()).text
    await lead.send("/teams leader 1 -")
    assert "team leader not set" in (await lead.expect_message()).text


async def test_a_volunteer_is_refused_the_command_and_a_forged_button(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    lead = await a_leader(bot)
    await lead.send("/teams new Patrol")
    await lead.expect_message("created")
    await seed_volunteer(bot.db, 101, "王芳", language="en")
    wang = bot.user(101, "王芳", "en")

    await wang.send("/teams new Mine")
    assert "not allowed" in (await wang.expect_message()).text
    await wang.send("/language")
    own_keyboard = await wang.expect_message()
    await wang.press_data(own_keyboard, "team:toggle:1:0:1")
    await expect_refused_as_forged(bot, wang, "en")
    await wang.press_data(own_keyboard, "team:really_delete:1:0:0")
    await expect_refused_as_forged(bot, wang, "en")

    assert await members_of(bot.db, 1) == []
    refused = [(a, act) for a, act, allowed in await audit_trail(bot.db) if not allowed]
    assert refused == [(101, "teams.create"), (101, "button.forged"), (101, "button.forged")]
    await lead.send("/teams")
    assert (await lead.expect_message("Teams")).buttons == [["Patrol · 0"]]
