"""/volunteers over real HTTP: counts, filters by buttons, paging, and the exported files."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.config import CommunityConfig
from models import Availability, Party, Role
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import RunningBot, StartBot, expect_refused_as_forged
from tests.seed import audit_trail, seed_account, seed_team, seed_volunteer

LEADER_ID = 400
COMMUNITY = CommunityConfig(name="Sunshine Community", compounds=["阳光小区", "和平小区"])


async def a_leader(bot: RunningBot, language: str) -> FakeUser:
    await seed_account(bot.db, LEADER_ID, role=Role.LEADER, language=language, first_name="Lead")
    return bot.user(LEADER_ID, "Lead", language)


async def a_registry(bot: RunningBot) -> None:
    """Wang and Li (who keeps her phone private) are medics in the patrol team in 阳光小区;
    Zhao is a medic elsewhere; Chen cooks."""
    wang = await seed_volunteer(
        bot.db,
        101,
        "王芳",
        compound="阳光小区",
        skills=["medical", "first_aid"],
        availability=[Availability.WEEKEND],
        party=Party.IN_SERVICE,
        phone="+8613800138001",
    )
    li = await seed_volunteer(
        bot.db,
        102,
        "李娜",
        compound="阳光小区",
        skills=["medical"],
        consent=False,
        phone="+8613800138002",
        address="5-502",
    )
    zhao = await seed_volunteer(bot.db, 103, "赵敏", compound="和平小区", skills=["medical"])
    await seed_volunteer(bot.db, 104, "陈静", compound="阳光小区", skills=["cooking"])
    await seed_team(bot.db, "巡逻队", [wang, li, zhao])


def is_file(message: SentMessage) -> bool:
    return message.document is not None


def sheet_rows(message: SentMessage) -> list[list[object]]:
    assert message.document is not None
    sheet = load_workbook(io.BytesIO(message.document.data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


async def test_a_leader_sees_the_counts(start_bot: StartBot) -> None:
    bot = await start_bot(community=COMMUNITY)
    await a_registry(bot)
    lead = await a_leader(bot, "en")
    await lead.send("/volunteers")
    counts = (await lead.expect_message("Volunteer registry")).text or ""
    assert "Registered: 4 · receiving call-outs: 4 · paused: 0" in counts
    assert "Medical: 3" in counts and "Cooking: 1" in counts
    assert "In-service party member reporting here (在职党员): 1" in counts
    assert "巡逻队: 3" in counts


async def test_filters_by_skill_team_and_compound_then_export_what_is_shown(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(community=COMMUNITY)
    await a_registry(bot)
    lead = await a_leader(bot, "en")
    await lead.send("/volunteers")
    await lead.expect_message()
    await lead.press("📋 List and filters")
    assert "4 found" in (await lead.expect_message()).text

    await lead.press("🛠 Skill")
    await lead.expect_message("with the skill")
    await lead.press("Medical")
    assert "3 found" in (await lead.expect_message()).text
    await lead.press("👥 Team")
    await lead.expect_message("members of the team")
    await lead.press("巡逻队")
    await lead.expect_message("3 found")
    await lead.press("🏘 Compound")
    await lead.expect_message("living in")
    await lead.press("阳光小区")
    shown = (await lead.expect_message("2 found")).text or ""
    assert "Skill: Medical, Team: 巡逻队, Compound: 阳光小区" in shown
    assert "王芳" in shown and "李娜" in shown and "赵敏" not in shown
    assert "+8613800138001" in shown and "+8613800138002" not in shown
    assert "— (hidden)" in shown

    await lead.press("⬇ Excel")
    rows = sheet_rows(await lead.expect_message(is_file))
    await lead.expect_message("✅ The file with 2 volunteers is ready.")
    lead.mark_all_read()
    assert rows[0] == [
        "No.",
        "Name",
        "Phone",
        "Compound",
        "Building / room",
        "Skills",
        "Availability",
        "Party membership",
        "Teams",
        "Status",
        "Registered",
    ]
    assert [row[1] for row in rows[1:]] == ["王芳", "李娜"]
    assert rows[1][2] == "+8613800138001" and rows[1][5] == "First aid, Medical"
    assert rows[2][2] == rows[2][4] == "— (hidden)"
    assert (LEADER_ID, "registry_exported", True) in await audit_trail(bot.db)

    await lead.press("✖ Clear filters")
    assert "4 found" in (await lead.expect_message()).text
    await lead.press("🚩 Party")
    await lead.expect_message("by party membership")
    await lead.press("In-service party member reporting here (在职党员)")
    assert "1 found" in (await lead.expect_message()).text
    await lead.press("🕒 Availability")
    await lead.expect_message("available")
    await lead.press("Emergencies, any time")
    assert "No one matches" in (await lead.expect_message("0 found")).text


async def test_the_export_is_headed_in_chinese_for_a_chinese_leader(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(community=COMMUNITY)
    await a_registry(bot)
    lead = await a_leader(bot, "zh")
    await lead.send("/volunteers")
    await lead.expect_message("志愿者统计")
    await lead.press("⬇ Excel")
    sent = await lead.expect_message(is_file)
    await lead.expect_message("✅ 文件已生成，共 4 名志愿者。")
    assert sent.document is not None and sent.document.file_name is not None
    assert sent.document.file_name.endswith(".xlsx") and "4" in (sent.caption or "")
    rows = sheet_rows(sent)
    assert rows[0][:4] == ["编号", "姓名", "电话", "小区"]
    li = next(row for row in rows if row[1] == "李娜")
    assert li[2] == "—（未公开）" and li[4] == "—（未公开）" and li[8] == "巡逻队"

    await lead.press("⬇ CSV")
    csv_file = await lead.expect_message(is_file)
    assert csv_file.document is not None
    text = csv_file.document.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("编号,姓名,电话,小区")
    assert "+8613800138002" not in text


async def test_the_list_pages_and_stays_within_telegrams_limits(start_bot: StartBot) -> None:
    bot = await start_bot(community=COMMUNITY)
    long = "长" * 64
    for n in range(7):  # the longest entries there can be, on a full page and one more
        await seed_volunteer(
            bot.db,
            200 + n,
            f"{n}{long}"[:64],
            compound="阳光小区",
            address="室" * 128,
            skills=COMMUNITY.skill_codes,
            availability=list(Availability),
            party=Party.IN_SERVICE,
        )
    for n in range(5):
        await seed_team(bot.db, f"{n}{long}"[:64], range(1, 8))
    lead = await a_leader(bot, "zh")
    await lead.send("/volunteers")
    await lead.expect_message()
    await lead.press("📋 名单与筛选")
    first = await lead.expect_message("第 1/2 页")
    assert "+2" in (first.text or "")  # five teams: three named, two counted
    await lead.press("下一页 ▶")
    assert "第 2/2 页" in (await lead.expect_message()).text
    await lead.press("◀ 上一页")
    await lead.expect_message("第 1/2 页")


async def test_a_volunteer_is_refused_the_registry_even_by_a_forged_button(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(community=COMMUNITY)
    await a_registry(bot)
    wang = bot.user(101, "王芳", "zh")
    await wang.send("/volunteers")
    assert "没有权限" in (await wang.expect_message()).text
    await wang.send("/language")
    own_keyboard = await wang.expect_message()
    for forged in ("vol:xlsx::0:", "vol:list::0:s1.c0", "vol:pick:s:0:"):
        await wang.press_data(own_keyboard, forged)
        await expect_refused_as_forged(bot, wang, "zh")
    await wang.expect_no_message(within=0.3)
    refused = [(a, act) for a, act, allowed in await audit_trail(bot.db) if not allowed]
    assert refused == [(101, "registry.counts"), *[(101, "button.forged")] * 3]
