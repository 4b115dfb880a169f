"""/report over real HTTP: a leader chooses a period and a scope, and receives a spreadsheet
whose figures are what the test made happen, and a picture of charts that opens."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from PIL import Image

from bot.clock import FrozenClock
from bot.config import SchedulerConfig
from bot.scheduler import run_due_work
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import RunningBot, StartBot
from tests.report_world import EXPECTED, build_world
from tests.seed_callouts import LEADER_ID, outbox_settled, volunteer_in_telegram

SUMMARY_LABELS = {
    "volunteers": "Registered volunteers",
    "hours": "Service hours",
    "callouts": "Call-outs",
    "places_needed": "Places needed",
    "places_confirmed": "Places confirmed",
    "callouts_filled": "Call-outs filled",
    "attended": "Volunteers who checked in",
    "visits_due": "Visits due",
    "visits_confirmed": "Visits confirmed on time",
    "visits_late": "Visits confirmed late",
    "visits_missed": "Visits missed",
    "alerts": "Alerts",
}
SLOW_TICKS = SchedulerConfig(tick_seconds=60)  # the test runs the due work itself


async def november(start_bot: StartBot) -> tuple[RunningBot, FakeUser]:
    clock = FrozenClock()
    bot = await start_bot(clock=clock, scheduler=SLOW_TICKS)
    world = await build_world(bot.db, clock)
    assert world.duty
    lead = bot.user(LEADER_ID, "Lin", "en")
    lead.open_chat()
    return bot, lead


async def ask(lead: FakeUser, question: str, answer: str) -> None:
    await lead.press(answer, await lead.expect_message(question, edits=False))


async def the_files(bot: RunningBot, lead: FakeUser) -> tuple[SentMessage, SentMessage]:
    await run_due_work(bot.runtime)
    sheet = await lead.expect_message(lambda m: m.document is not None)
    picture = await lead.expect_message(lambda m: m.photo is not None)
    return sheet, picture


async def test_the_months_report_has_the_figures_of_what_happened(start_bot: StartBot) -> None:
    bot, lead = await november(start_bot)
    await lead.send("/report")
    await ask(lead, "Which period?", "This month")
    await ask(lead, "For the whole community, or one team?", "Whole community")
    await lead.expect_message("Preparing the report for Whole community, 2026-11-01 – 2026-11-21")

    sheet, picture = await the_files(bot, lead)
    assert sheet.document is not None and sheet.document.file_name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(sheet.document.data))
    assert book.sheetnames == [
        "Summary",
        "Volunteers",
        "Call-outs",
        "Door-knock visits",
        "Service hours",
        "Audit log",
    ]
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    for name, label in SUMMARY_LABELS.items():
        assert summary[label] == EXPECTED[name], label
    hours = {row[1]: row for row in book["Service hours"].iter_rows(min_row=2, values_only=True)}
    assert hours["Li Na"][2:] == (3, 0, 0, -1, 3)  # corrected from 4 hours: it shows
    callouts = {row[0]: row for row in book["Call-outs"].iter_rows(min_row=2, values_only=True)}
    assert callouts["Vaccination duty"][3:] == (2, 2, 45, 2)
    actions = [row[3] for row in book["Audit log"].iter_rows(min_row=2, values_only=True)]
    assert "callout.correct_hours" in actions and "report.create" not in actions[:-1]

    assert picture.photo is not None
    image = Image.open(io.BytesIO(picture.photo.data))
    assert image.format == "PNG" and image.size == (1000, 1300)

    await run_due_work(bot.runtime)  # asked once, sent once
    await outbox_settled(bot)
    assert len([m for m in bot.telegram.sent(chat_id=lead.id) if m.document]) == 1


async def test_a_teams_report_for_chosen_dates_in_chinese(start_bot: StartBot) -> None:
    bot, lead = await november(start_bot)
    await lead.send("/language")
    await lead.press("中文", await lead.expect_message("Choose your language"))
    await lead.expect_message("已切换为中文")
    await lead.send("/report")
    await ask(lead, "统计哪个时间段？", "自选日期")
    await lead.expect_message("从哪天开始？")
    await lead.send("yesterday")
    await lead.expect_message("没能看懂这个日期")
    await lead.send("11月1日")
    await lead.expect_message("到哪天结束？")
    await lead.send("2026-10-31")
    await lead.expect_message("结束日期不能早于开始日期")
    await lead.send("2026-11-21")
    await ask(lead, "统计全社区，还是某一支队伍？", "Patrol team")
    await lead.expect_message("正在生成 Patrol team 2026-11-01 – 2026-11-21 的报告")

    sheet, picture = await the_files(bot, lead)
    book = load_workbook(io.BytesIO(sheet.document.data if sheet.document else b""))
    summary = dict(book["汇总"].iter_rows(min_row=2, values_only=True))
    assert summary["范围"] == "Patrol team"
    assert (summary["注册志愿者"], summary["召集次数"], summary["服务时长（小时）"]) == (3, 1, 8.5)
    assert Image.open(io.BytesIO(picture.photo.data if picture.photo else b"")).format == "PNG"


async def test_a_volunteer_cannot_ask_for_a_report(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock(), scheduler=SLOW_TICKS)
    volunteer = await volunteer_in_telegram(bot, 301, "Wang Fang", "en")
    await volunteer.send("/report")
    await volunteer.expect_message("not allowed")
