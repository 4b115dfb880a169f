"""Text typed by people is written as text in every spreadsheet Muster makes: a name starting
with =, +, - or @ stays that name in the registry, the elders' sheet, a call-out's roster and
the report, and never runs as a formula (bot/cells.py)."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.cells import csv_text, text_row
from bot.clock import FrozenClock
from bot.config import CommunityConfig
from bot.i18n import Translator
from bot.services.accounts import Actor
from bot.services.callouts import export
from bot.services.registry import RegistryFilter
from bot.services.registry_export import export_registry
from bot.services.reports import figures
from bot.services.reports.period import Period
from bot.services.reports.workbook import build_workbook
from bot.services.rounds.spreadsheet import write_sheet
from models import Role
from models.db import Database
from tests.report_world import NOVEMBER, REPORT_DAY
from tests.seed import seed_volunteer
from tests.seed_callouts import DISPLAY, LEADER, create_and_deliver, seed_leader

ZONE = ZoneInfo("Asia/Shanghai")
NAMES = ("=1+1", "+86 friend", "-minus", "@SUM(A1)", '=HYPERLINK("x")')


async def seed_formula_names(db: Database) -> None:
    for number, name in enumerate(NAMES, start=1):
        await seed_volunteer(db, 100 + number, name)


def texts_in(content: bytes, column: int) -> dict[str, str]:
    """The cells of ``column`` (from 1) that hold one of NAMES: value → data type."""
    found = {}
    for sheet in load_workbook(io.BytesIO(content)).worksheets:
        for row in sheet.iter_rows(min_col=column, max_col=column):
            if row[0].value in NAMES:
                found[row[0].value] = row[0].data_type
    return found


def test_a_text_becomes_a_text_cell_and_a_quoted_csv_cell() -> None:
    from openpyxl import Workbook

    sheet = Workbook(write_only=True).create_sheet()
    cells = text_row(sheet, ["=1+1", 5, None])
    assert (cells[0].value, cells[0].data_type) == ("=1+1", "s")
    assert cells[1:] == [5, None]
    assert [csv_text(v) for v in ("=1", "+1", "-1", "@1", "ok", 3)] == [
        "'=1",
        "'+1",
        "'-1",
        "'@1",
        "ok",
        3,
    ]


async def test_the_registry_writes_formula_like_names_as_text(
    db: Database, clock: FrozenClock
) -> None:
    await seed_formula_names(db)
    leader = Actor(2, "en", Role.LEADER)
    t = Translator("en", ZONE)
    community = CommunityConfig(name="Sunshine")
    async with db.session() as session:
        xlsx, as_csv = [
            await export_registry(
                session,
                actor=leader,
                filters=RegistryFilter(),
                file_format=file_format,
                t=t,
                community=community,
                now=clock.now(),
            )
            for file_format in ("xlsx", "csv")
        ]
    assert texts_in(xlsx.content, 2) == dict.fromkeys(NAMES, "s")
    names = [row[1] for row in csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")))]
    assert names[1:] == ["'" + name for name in NAMES]


def test_the_elders_sheet_writes_formula_like_texts_as_text() -> None:
    rows = [[name, "+8613900001111"] for name in NAMES]
    xlsx = write_sheet("xlsx", ["name", "phone"], rows, "elders")
    assert texts_in(xlsx, 1) == dict.fromkeys(NAMES, "s")
    as_csv = write_sheet("csv", ["name", "phone"], rows, "elders")
    assert [r[0] for r in csv.reader(io.StringIO(as_csv.decode("utf-8-sig")))][1:] == [
        "'" + name for name in NAMES
    ]


async def test_a_callouts_roster_writes_formula_like_names_as_text(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_formula_names(db)
    callout_id, _ = await create_and_deliver(db, clock.now())
    async with db.session() as session:
        roster = await export.export_roster(
            session,
            actor=LEADER,
            callout_id=callout_id,
            t=DISPLAY.translator("en"),
            now=clock.now(),
        )
    assert texts_in(roster.content, 1) == dict.fromkeys(NAMES, "s")


async def test_the_report_writes_formula_like_names_as_text(db: Database) -> None:
    await seed_formula_names(db)
    async with db.session() as session:
        data = await figures.gather(
            session,
            period=Period(*NOVEMBER),
            team_id=None,
            community="=Sunshine",
            zone=ZONE,
            now=REPORT_DAY,
        )
    content = build_workbook(Translator("en", ZONE), data)
    assert texts_in(content, 2) == dict.fromkeys(NAMES, "s")
    summary = load_workbook(io.BytesIO(content)).worksheets[0]
    community = next(row[1] for row in summary.iter_rows() if row[1].value == "=Sunshine")
    assert community.data_type == "s"
