"""Privacy over real HTTP: after /leave no table and no file the bot produces holds the
person's name, phone, address or Telegram id; their service hours still count, anonymised.
The outbox keeps no text once a message is done, and is pruned after its retention."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command
from openpyxl import load_workbook
from sqlalchemy import BigInteger, select

from bot.clock import FrozenClock
from bot.config import SchedulerConfig
from bot.data_transfer.transfer import export_database
from bot.scheduler import run_due_work
from bot.services.erasure import TELEGRAM_ID_COLUMNS
from models import OutboxMessage, OutboxState, ServiceHours, Volunteer, metadata
from models.db import Database
from models.elders import DutyShift, Elder, Shift
from models.migrate import alembic_config
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import StartBot
from tests.rounds_world import lead_team
from tests.seed import SEEDED_AT, seed_team
from tests.seed_callouts import (
    LEADER_ID,
    create,
    leader_in_telegram,
    outbox_settled,
    volunteer_in_telegram,
)

ZHAO_ID = 7301234567
NAME = "Zhao Leilei"
PHONE = "+8613912345678"
ADDRESS = "7-702"
SLOW_TICKS = SchedulerConfig(tick_seconds=60)  # the test runs the due work itself


def traces(text: str) -> list[str]:
    """Which of Zhao's personal data ``text`` contains."""
    needles = (NAME, PHONE, PHONE.removeprefix("+"), ADDRESS, str(ZHAO_ID))
    return [needle for needle in needles if needle in text]


def as_text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


async def traces_in_database(db: Database) -> list[str]:
    """Every column of every table of the schema (new tables are covered as they come)."""
    found = []
    async with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    if hits := traces(as_text(value)):
                        found.append(f"{table.name}.{column.name}: {hits}")
    return found


def traces_in_archive(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [
            f"{name}: {hits}"
            for name in archive.namelist()
            if (hits := traces(archive.read(name).decode("utf-8", errors="replace")))
        ]


def workbook_cells(message: SentMessage) -> list[list[Any]]:
    assert message.document is not None
    book = load_workbook(io.BytesIO(message.document.data))
    return [
        [cell for cell in row]
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]


def traces_in_file(message: SentMessage) -> list[str]:
    assert message.document is not None
    if message.document.file_name.endswith(".xlsx"):
        text = "\n".join(as_text(cell) for row in workbook_cells(message) for cell in row)
    else:
        text = message.document.data.decode("utf-8-sig")
    return traces(text + (message.caption or ""))


def is_file(message: SentMessage) -> bool:
    return message.document is not None


async def zhao_serves(start_bot: StartBot) -> tuple[Any, FrozenClock, FakeUser, FakeUser]:
    """Zhao is in a team, visits an elder, is on duty on Mondays, has 90 minutes of service,
    said yes to a call-out, was promoted and demoted, and tried a leader's command."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock, scheduler=SLOW_TICKS)
    lead = await leader_in_telegram(bot)
    zhao = await volunteer_in_telegram(
        bot, ZHAO_ID, NAME, "en", phone=PHONE, address=ADDRESS, compound="阳光小区"
    )
    async with bot.db.session() as session:
        volunteer_id = await session.scalar(
            select(Volunteer.id).where(Volunteer.telegram_id == ZHAO_ID)
        )
    assert volunteer_id is not None
    team_id = await seed_team(bot.db, "Care team", [volunteer_id], by=LEADER_ID)
    await lead_team(bot.db, team_id, LEADER_ID)
    async with bot.db.session() as session:
        session.add(
            Elder(
                name="Grandma Sun",
                team_id=team_id,
                primary_visitor_id=volunteer_id,
                created_at=SEEDED_AT,
                updated_at=SEEDED_AT,
            )
        )
        session.add(
            DutyShift(
                weekday=0,
                shift=Shift.DAY,
                volunteer_id=volunteer_id,
                set_by=LEADER_ID,
                set_at=SEEDED_AT,
            )
        )
        session.add(
            ServiceHours(
                volunteer_id=volunteer_id,
                minutes=90,
                source="correction",
                source_id=1,
                served_at=clock.now() - timedelta(hours=5),
                recorded_at=clock.now() - timedelta(hours=4),
                recorded_by=LEADER_ID,
                note="Hours for the clean-up",
            )
        )

    await create(bot.db, clock.now(), needed=2, title="Flood patrol")
    await run_due_work(bot.runtime)
    callout = await zhao.expect_message("Flood patrol")
    await zhao.press("✅ I'll go")
    await zhao.expect_message("You are")
    # A forged press in their chat: audit-logged, naming the message ("chat/message").
    await zhao.press_data(callout, "crs:1:cancel")
    await zhao.expect_callback_answer()

    admin = bot.admin()
    admin.open_chat()
    await admin.send(f"/promote {ZHAO_ID}")
    await admin.expect_message()
    await admin.send(f"/demote {ZHAO_ID}")
    await admin.expect_message()
    await zhao.send("/promote 1234")  # refused: not an administrator
    await zhao.expect_message()
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    return bot, clock, lead, zhao


async def test_after_leave_no_table_and_no_export_holds_their_personal_data(
    start_bot: StartBot, tmp_path: Path
) -> None:
    bot, _, lead, zhao = await zhao_serves(start_bot)
    async with bot.db.session() as session:
        volunteer_id = await session.scalar(
            select(Volunteer.id).where(Volunteer.telegram_id == ZHAO_ID)
        )
    assert await traces_in_database(bot.db)  # the search finds them while they are here

    await zhao.send("/leave")
    await zhao.expect_message("Delete your personal data?")
    await zhao.press("Yes, delete")
    await zhao.expect_message("has been deleted")
    await outbox_settled(bot)

    assert await traces_in_database(bot.db) == []
    archive = tmp_path / "community.zip"
    async with bot.db.engine.begin() as connection:  # the bot made its tables by create_all
        await connection.run_sync(lambda sync: command.stamp(alembic_config(sync), "head"))
    await export_database(bot.db, archive)
    assert traces_in_archive(archive) == []

    roster = await lead.expect_message(
        lambda m: "Flood patrol" in (m.text or "") and bool(m.buttons)
    )
    await lead.press("📊 Export roster", roster)
    exported = await lead.expect_message(is_file)
    assert traces_in_file(exported) == []

    await lead.send("/volunteers")
    menu = await lead.expect_message(lambda m: "⬇ Excel" in str(m.buttons))
    await lead.press("⬇ Excel", menu)
    assert traces_in_file(await lead.expect_message(is_file)) == []
    await lead.press("⬇ CSV", menu)
    assert traces_in_file(await lead.expect_message(is_file)) == []

    await lead.send("/report")
    await lead.press("This month", await lead.expect_message("Which period?", edits=False))
    scope = await lead.expect_message("For the whole community, or one team?", edits=False)
    await lead.press("Whole community", scope)
    await lead.expect_message("Preparing the report")  # the run is recorded: it is due
    await run_due_work(bot.runtime)
    report = await lead.expect_message(is_file)
    assert traces_in_file(report) == []
    # Their service still counts, without a name: 90 minutes on the anonymous row.
    hours_rows = [row for row in workbook_cells(report) if row and row[0] == volunteer_id]
    assert any(1.5 in row for row in hours_rows), hours_rows
    assert await traces_in_database(bot.db) == []  # and nothing came back meanwhile


async def test_every_telegram_id_column_has_a_rule_for_leaving() -> None:
    """A new column holding a Telegram id must say what /leave does with it."""
    columns = {
        f"{table.name}.{column.name}"
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, BigInteger)
    }
    assert columns == set(TELEGRAM_ID_COLUMNS)


async def test_sent_messages_keep_no_text_and_are_pruned_after_the_retention(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock, scheduler=SLOW_TICKS)  # the default: 30 days
    zhao = await volunteer_in_telegram(bot, ZHAO_ID, NAME, "en", phone=PHONE)
    await zhao.send("/profile")
    assert PHONE in (await zhao.expect_message(PHONE)).text
    await outbox_settled(bot)
    async with bot.db.session() as session:
        rows = (await session.exec(select(OutboxMessage))).scalars().all()
    assert rows and all(r.state == OutboxState.SENT and r.payload == {} for r in rows)

    clock.advance(timedelta(days=29))
    await run_due_work(bot.runtime)
    assert await bot.outbox_count() == len(rows)
    clock.advance(timedelta(days=1, minutes=1))
    await run_due_work(bot.runtime)
    assert await bot.outbox_count() == 0
