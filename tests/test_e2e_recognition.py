"""Recognition over real HTTP: a volunteer's certificate names their hours (a leader's
correction included); leaderboards list only those who agreed to be shown, and each
volunteer decides that for themselves."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import SchedulerConfig
from models import Volunteer
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot
from tests.report_world import build_world

SLOW_TICKS = SchedulerConfig(tick_seconds=60)


async def november(start_bot: StartBot) -> RunningBot:
    clock = FrozenClock()
    bot = await start_bot(clock=clock, scheduler=SLOW_TICKS)
    await build_world(bot.db, clock)
    return bot


def in_telegram(bot: RunningBot, telegram_id: int, name: str, language: str) -> FakeUser:
    person = bot.user(telegram_id, name, language)
    person.open_chat()
    return person


async def test_the_certificate_names_the_hours_served_this_year(start_bot: StartBot) -> None:
    bot = await november(start_bot)
    li = in_telegram(bot, 102, "Li Na", "en")  # 4 hours on duty, corrected to 3
    await li.send("/certificate")
    await li.press("This year", await li.expect_message("For which period?"))
    certificate = await li.expect_message(lambda m: m.document is not None)
    assert "3 hours" in (certificate.text or "")
    assert "2026-11-01 – 2026-11-21" in (certificate.text or "")  # since she signed up
    assert certificate.document is not None
    image = Image.open(io.BytesIO(certificate.document.data))
    assert image.format == "PNG" and image.width > image.height  # A4, landscape


async def test_a_chinese_certificate_counts_visits_too(start_bot: StartBot) -> None:
    bot = await november(start_bot)
    zhao = in_telegram(bot, 103, "Zhao Lei", "zh")  # three visits of 30 minutes
    await zhao.send("/certificate")
    await zhao.press("全部", await zhao.expect_message("统计哪个时间段？"))
    certificate = await zhao.expect_message(lambda m: m.document is not None)
    assert "1.5 小时" in (certificate.text or "")


async def test_someone_not_signed_up_gets_no_certificate(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock(), scheduler=SLOW_TICKS)
    stranger = in_telegram(bot, 555, "Stranger", "en")
    await stranger.send("/certificate")
    await stranger.press("All time", await stranger.expect_message("For which period?"))
    assert (await stranger.expect_callback_answer()).show_alert


async def test_leaderboards_show_only_volunteers_who_agreed(start_bot: StartBot) -> None:
    bot = await november(start_bot)
    wang = in_telegram(bot, 101, "Wang Fang", "en")
    li = in_telegram(bot, 102, "Li Na", "en")

    await wang.send("/leaderboard")
    board = await wang.expect_message("Service hours")
    assert "Nobody to list yet" in (board.text or "")
    assert "You are not shown on leaderboards" in (board.text or "")
    await wang.press("🙋 Show me on leaderboards", board)
    assert (await wang.expect_callback_answer()).text == "You are now shown on leaderboards."
    board = await wang.expect_message(lambda m: m.edited and "1. Wang Fang — 4 h" in (m.text or ""))
    assert "You: No. 1, 4 h." in (board.text or "")
    assert "Li Na" not in (board.text or "")  # she has not agreed

    await li.send("/leaderboard")
    await li.press("🙋 Show me on leaderboards", await li.expect_message("Service hours"))
    board = await li.expect_message(lambda m: m.edited and "2. Li Na — 3 h" in (m.text or ""))
    await li.press("Patrol team", board)
    team_board = await li.expect_message(lambda m: m.edited and "Patrol team" in (m.text or ""))
    assert "1. Wang Fang — 4 h" in (team_board.text or "")
    await li.press("🙈 Hide me from leaderboards", team_board)
    hidden = await li.expect_message(lambda m: m.edited and "not shown" in (m.text or ""))
    assert "Li Na" not in (hidden.text or "")
    assert await shown(bot) == {"Wang Fang"}


async def shown(bot: RunningBot) -> set[str]:
    async with bot.db.session() as session:
        rows = await session.exec(select(Volunteer.name).where(Volunteer.leaderboard_visible))
        return {name for name in rows.all() if name}
