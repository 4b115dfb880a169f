"""The monthly report: on the first of the month the administrators receive last month's
community report, once, however often the scheduler looks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import SchedulerConfig
from bot.scheduler import run_due_work
from models import Role
from models.reports import ReportRun
from tests.fake_telegram import FakeUser
from tests.harness import ADMIN_ID, RunningBot, StartBot
from tests.seed import SEEDED_AT, audit_trail, seed_account
from tests.seed_callouts import outbox_settled

DEC_1_0730 = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 07:30 on Dec 1 in Shanghai


async def an_administrator(
    start_bot: StartBot, clock: FrozenClock, *, installed: datetime = SEEDED_AT
) -> tuple[RunningBot, FakeUser]:
    bot = await start_bot(clock=clock, scheduler=SchedulerConfig(tick_seconds=60))
    await seed_account(
        bot.db, ADMIN_ID, role=Role.ADMIN, language="en", first_name="Admin", created_at=installed
    )
    admin = bot.admin()
    admin.open_chat()
    return bot, admin


def documents(bot: RunningBot, admin: FakeUser) -> list[str]:
    return [m.text or "" for m in bot.telegram.sent(chat_id=admin.id) if m.document]


async def test_administrators_get_last_months_report_once_on_the_first(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(DEC_1_0730)
    bot, admin = await an_administrator(start_bot, clock)
    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    assert documents(bot, admin) == []  # not before 08:00

    clock.advance(minutes=45)
    await run_due_work(bot.runtime)
    report = await admin.expect_message(lambda m: m.document is not None)
    assert "Monthly report" in (report.text or "")
    assert "2026-11-01 – 2026-11-30" in (report.text or "")
    await admin.expect_message(lambda m: m.photo is not None)

    for later in (timedelta(minutes=5), timedelta(days=1)):
        clock.advance(later)
        await run_due_work(bot.runtime)
    await outbox_settled(bot)
    assert len(documents(bot, admin)) == 1
    assert await monthly_runs(bot) == 1
    assert (None, "report.monthly", True) in await audit_trail(bot.db)


async def test_a_bot_that_was_down_on_the_first_still_sends_it_in_the_first_days(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(DEC_1_0730 + timedelta(days=2))  # Dec 3
    bot, admin = await an_administrator(start_bot, clock)
    await run_due_work(bot.runtime)
    await admin.expect_message(lambda m: m.document is not None)

    clock.advance(days=1)  # a month's report not sent by the 3rd is left out, not sent late
    async with bot.db.session() as session:
        await session.exec(ReportRun.__table__.delete())  # type: ignore[attr-defined]
    await run_due_work(bot.runtime)
    assert await monthly_runs(bot) == 0


async def test_a_new_install_reports_from_its_first_full_month_and_never_interrupts_a_form(
    start_bot: StartBot,
) -> None:
    """Muster is installed on 3 December: no report about November (nor about the part of
    December it was used). On 1 February at 08:00 the administrator is writing an
    announcement: January's report waits until the form is done, then arrives."""
    dec_3 = DEC_1_0730 + timedelta(days=2)
    clock = FrozenClock(dec_3)
    bot, admin = await an_administrator(start_bot, clock, installed=dec_3)
    await run_due_work(bot.runtime)
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 07:30 on 1 January
    for _ in range(3):
        clock.advance(hours=1)
        await run_due_work(bot.runtime)
    await outbox_settled(bot)
    assert documents(bot, admin) == [] and await monthly_runs(bot) == 0

    clock.set(datetime(2027, 1, 31, 23, 58, tzinfo=UTC))  # 07:58 on 1 February
    await admin.send("/broadcast")
    await admin.expect_message("New announcement")
    clock.advance(minutes=5)
    await run_due_work(bot.runtime)
    assert await monthly_runs(bot) == 1
    await admin.expect_no_message(within=1.0)  # the report waits: a form is open

    await admin.send("/cancel")
    report = await admin.expect_message(lambda m: m.document is not None)
    assert "2027-01-01 – 2027-01-31" in (report.text or "")


async def monthly_runs(bot: RunningBot) -> int:
    async with bot.db.session() as session:
        query = select(func.count()).select_from(ReportRun).where(ReportRun.monthly.is_not(None))
        return (await session.exec(query)).one()
