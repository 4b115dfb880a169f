"""The registry as XLSX and CSV files, headed in the leader's language."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.config import CommunityConfig
from bot.i18n import Translator
from bot.services import registry
from bot.services.accounts import Actor
from bot.services.registry import RegistryFilter
from bot.services.registry_export import export_registry
from models import AuditEntry, Party, Role
from models.db import Database
from tests.seed import seed_team, seed_volunteer

LEADER = Actor(2, "zh", Role.LEADER)
COMMUNITY = CommunityConfig(name="Sunshine", compounds=["阳光小区", "和平小区"])
ZONE = ZoneInfo("Asia/Shanghai")


async def two_volunteers(db: Database) -> None:
    wang = await seed_volunteer(
        db,
        101,
        "王芳",
        compound="阳光小区",
        skills=["medical", "first_aid"],
        availability=["weekend"],
        party=Party.IN_SERVICE,
        phone="+8613800138001",
    )
    await seed_volunteer(db, 102, '=HYPERLINK("x")', consent=False, phone="+8613800138002")
    await seed_team(db, "巡逻队", [wang])


async def test_xlsx_in_chinese_hides_contacts_of_those_who_did_not_consent(
    db: Database, clock: FrozenClock
) -> None:
    await two_volunteers(db)
    async with db.session() as session:
        exported = await export_registry(
            session,
            LEADER,
            RegistryFilter(),
            "xlsx",
            Translator("zh", ZONE),
            COMMUNITY,
            clock.now(),
        )
    assert exported.rows == 2 and exported.filename == "志愿者名单-2026-11-21.xlsx"
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == ["编号", "姓名", "电话", "小区", "楼栋 / 房号"]
    wang, other = rows[1], rows[2]
    assert wang[1:5] == ["王芳", "+8613800138001", "阳光小区", "3-201"]
    assert wang[5:9] == ["急救、医疗", "周末", "在职党员（到社区报到）", "巡逻队"]
    assert other[2] == other[4] == "—（未公开）"
    assert "+8613800138002" not in str(rows)
    assert other[1] == '=HYPERLINK("x")'  # text, not a formula
    assert sheet.cell(3, 2).data_type == "s"


async def test_csv_in_english_with_the_filters_applied(db: Database, clock: FrozenClock) -> None:
    await two_volunteers(db)
    async with db.session() as session:
        exported = await export_registry(
            session,
            LEADER,
            RegistryFilter(skill="medical"),
            "csv",
            Translator("en", ZONE),
            COMMUNITY,
            clock.now(),
        )
        audit = await session.scalar(select(AuditEntry))
    assert exported.content.startswith(b"\xef\xbb\xbf")  # so Excel reads the Chinese right
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
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
    assert [row[1] for row in rows[1:]] == ["王芳"]
    assert rows[1][5] == "First aid, Medical" and rows[1][9] == "receiving call-outs"
    assert rows[1][10] == "2026-11-01 10:00"  # registered 02:00 UTC, shown in Shanghai time
    assert audit is not None and audit.action == "registry_exported"
    assert audit.detail == {"format": "csv", "filters": {"skill": "medical"}}


async def test_csv_neutralises_formulas_typed_as_names(db: Database, clock: FrozenClock) -> None:
    await two_volunteers(db)
    async with db.session() as session:
        exported = await export_registry(
            session,
            LEADER,
            RegistryFilter(),
            "csv",
            Translator("en", ZONE),
            COMMUNITY,
            clock.now(),
        )
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[2][1] == '\'=HYPERLINK("x")'
    assert rows[1][2] == "+8613800138001"  # a phone number is not a formula


async def test_a_large_export_is_read_in_batches(
    db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "EXPORT_BATCH", 3)
    for n in range(8):
        await seed_volunteer(db, 200 + n, f"V{n}")
    async with db.session() as session:
        exported = await export_registry(
            session,
            LEADER,
            RegistryFilter(),
            "csv",
            Translator("en", ZONE),
            COMMUNITY,
            clock.now(),
        )
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == [f"V{n}" for n in range(8)]
