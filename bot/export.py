"""The registry as a spreadsheet (XLSX or CSV), headed in the leader's language.

Spreadsheets are how communities report to their street office. Cells typed by volunteers
are written as text, never as formulas (a name like ``=HYPERLINK(...)`` stays a name).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import CommunityConfig
from bot.i18n import Translator
from bot.labels import availability_label, party_label, skill_label
from bot.services import registry
from bot.services.accounts import Actor
from bot.services.registry import RegistryFilter, VolunteerRow

if TYPE_CHECKING:  # openpyxl itself is loaded when a spreadsheet is made, not at start
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FileFormat = Literal["xlsx", "csv"]
COLUMNS = (
    "number",
    "name",
    "phone",
    "compound",
    "address",
    "skills",
    "availability",
    "party",
    "teams",
    "status",
    "registered",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_FREE_TEXT = {"name", "compound", "address", "teams"}  # typed by people, so neutralised


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int


async def export_registry(
    session: AsyncSession,
    actor: Actor,
    filters: RegistryFilter,
    file_format: FileFormat,
    t: Translator,
    community: CommunityConfig,
    now: datetime,
) -> ExportFile:
    batches = await registry.export_volunteers(session, actor, filters, file_format, now)
    header = [str(t(f"volunteers.column.{column}")) for column in COLUMNS]
    cells = _cells(batches, t, community)
    if file_format == "xlsx":
        content, count = await _xlsx(header, cells, str(t("volunteers.sheet_title")))
    else:
        content, count = await _csv(header, cells)
    day = now.astimezone(t.zone).strftime("%Y-%m-%d")
    filename = f"{t('volunteers.file_name')}-{day}.{file_format}"
    return ExportFile(filename, content, count)


async def _cells(
    batches: AsyncIterator[list[VolunteerRow]], t: Translator, community: CommunityConfig
) -> AsyncIterator[dict[str, str | int]]:
    async for batch in batches:
        for row in batch:
            yield _record(row, t, community)


def _record(row: VolunteerRow, t: Translator, community: CommunityConfig) -> dict[str, str | int]:
    hidden = str(t("volunteers.hidden"))
    return {
        "number": row.id,
        "name": row.name,
        "phone": (row.phone or "") if row.contact_visible else hidden,
        "compound": row.compound or "",
        "address": (row.address or "") if row.contact_visible else hidden,
        "skills": _joined(t, skill_labels(t, community, row.skills)),
        "availability": _joined(t, [availability_label(t, slot) for slot in row.availability]),
        "party": party_label(t, row.party),
        "teams": _joined(t, row.teams),
        "status": str(t("volunteers.status_paused" if row.paused else "volunteers.status_active")),
        "registered": row.registered_at.astimezone(t.zone).strftime("%Y-%m-%d %H:%M"),
    }


def skill_labels(t: Translator, community: CommunityConfig, codes: Iterable[str]) -> list[str]:
    """Labels in the community's own order of skills (unknown codes last)."""
    order = {code: i for i, code in enumerate(community.skill_codes)}
    ordered = sorted(codes, key=lambda code: (order.get(code, len(order)), code))
    return [skill_label(t, community, code) for code in ordered]


def _joined(t: Translator, labels: Iterable[str]) -> str:
    return str(t("volunteers.list_separator")).join(labels)


async def _xlsx(
    header: list[str], records: AsyncIterator[dict[str, str | int]], title: str
) -> tuple[bytes, int]:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(header)
    count = 0
    async for record in records:
        sheet.append([text_cell(sheet, record[column]) for column in COLUMNS])
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def text_cell(sheet: WriteOnlyWorksheet, value: str | int) -> WriteOnlyCell | int:
    if isinstance(value, int):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    return cell


async def _csv(
    header: list[str], records: AsyncIterator[dict[str, str | int]]
) -> tuple[bytes, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    async for record in records:
        writer.writerow([_csv_value(column, record[column]) for column in COLUMNS])
        count += 1
    # UTF-8 with a byte order mark: Excel then opens Chinese text correctly.
    return buffer.getvalue().encode("utf-8-sig"), count


def _csv_value(column: str, value: str | int) -> str | int:
    if column in CSV_FREE_TEXT and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
