"""Care-team assignments are announced (issue 11, item 7) over real HTTP: a volunteer made an
elder's visitor or backup by a spreadsheet import is told which elders; one put on the duty
rota is told when, and reminded before each shift, once, even across a restart."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from models import Role
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot
from tests.rounds_world import lead_team, reachable, settled
from tests.seed import seed_account, seed_team, seed_volunteer

MONDAY_TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
LEADER = 600


async def care_team(bot: RunningBot) -> tuple[FakeUser, FakeUser, FakeUser]:
    """Lin leads the Sunshine care team; Wang (zh) and Chen (en) visit."""
    lin = await reachable(bot, LEADER, "Lin", "en")
    wang = await reachable(bot, 601, "王芳", "zh")
    chen = await reachable(bot, 602, "Chen", "en")
    await seed_account(bot.db, LEADER, role=Role.LEADER, language="en", first_name="Lin")
    wang_id = await seed_volunteer(bot.db, 601, "王芳", phone="+8613900000601", language="zh")
    chen_id = await seed_volunteer(bot.db, 602, "Chen", phone="+8613900000602", language="en")
    team = await seed_team(bot.db, "Sunshine care team", [wang_id, chen_id])
    await lead_team(bot.db, team, LEADER)
    return lin, wang, chen


def sheet(*rows: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "小区", "房号", "服务队", "主要走访人", "备用走访人"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


async def test_visitors_and_backups_named_in_an_import_are_told_which_elders(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(clock=FrozenClock(MONDAY_TEN))
    lin, wang, chen = await care_team(bot)
    rows = sheet(
        ["李奶奶", "阳光小区", "502", "Sunshine care team", "王芳", "Chen"],
        ["陈大爷", "阳光小区", "101", "Sunshine care team", "王芳", ""],
    )
    await lin.send_document("elders.csv", rows, mime_type="text/csv", caption="/elders import")
    await lin.expect_message("Imported: 2 new")

    told = await wang.expect_message("走访")
    assert "负责走访：李奶奶、陈大爷" in told.text and "备用走访：" not in told.text
    backup = await chen.expect_message("Backup visitor of: 李奶奶")
    assert "only when the visitor has not reported in time" in backup.text
    await settled(bot)
    await wang.expect_no_message()  # one message each, not one per elder


async def test_a_volunteer_put_on_the_rota_is_told_and_reminded_before_each_shift(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(MONDAY_TEN)
    bot = await start_bot(clock=clock)
    lin, wang, chen = await care_team(bot)

    await lin.send("/duty set mon night 王芳")
    await lin.expect_message("Duty Mon, night: 王芳.")
    told = await wang.expect_message("值班")
    assert "每周一" in told.text and "夜班 20:00–08:00" in told.text
    await lin.send("/duty set mon night 王芳")  # the same again: nothing new to tell
    await lin.expect_message("Duty Mon, night: 王芳.")

    clock.set(MONDAY_TEN + timedelta(hours=8, minutes=30))  # 18:30: the shift is 90 min away
    await run_due_work(bot.runtime)
    await settled(bot)
    await wang.expect_no_message()

    clock.set(MONDAY_TEN + timedelta(hours=9, minutes=5))  # 19:05: within the hour before
    await run_due_work(bot.runtime)
    reminder = await wang.expect_message("值班提醒")
    assert "11月23日周一 20:00" in reminder.text

    await bot.restart()  # the reminder is remembered: not sent twice
    clock.advance(minutes=10)
    await run_due_work(bot.runtime)
    await settled(bot)
    await wang.expect_no_message()
    await chen.expect_no_message()

    clock.set(MONDAY_TEN + timedelta(days=7, hours=9, minutes=5))  # next Monday: again
    await run_due_work(bot.runtime)
    assert "11月30日周一 20:00" in (await wang.expect_message("值班提醒")).text
