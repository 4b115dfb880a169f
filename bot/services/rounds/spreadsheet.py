"""The elders' spreadsheet as a file: reading XLSX or CSV (UTF-8 or the GB18030 that Chinese
Excel writes), writing XLSX or CSV, with the header row in Chinese or English.

Cells typed by people are written as text, never as formulas (a name like ``=HYPERLINK(...)``
stays a name).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

from bot.cells import FORMULA_STARTS, csv_text, text_row
from bot.errors import InvalidInput
from bot.i18n import LANGUAGES, text

FileFormat = Literal["xlsx", "csv"]
COLUMNS = (
    "id",
    "name",
    "compound",
    "building",
    "room",
    "phone",
    "team",
    "primary_visitor",
    "backup_visitor",
    "visits_per_day",
    "visit_times",
    "window_minutes",
    "health_notes",
    "risk_notes",
    "contacts",
)
REQUIRED = ("name", "team", "primary_visitor")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet's rows as text cells keyed by column, with their row numbers; without a
    required column (``missing_columns``, codes of ``REQUIRED``), no rows."""

    rows: tuple[tuple[int, dict[str, str]], ...]
    ignored_columns: tuple[str, ...]
    missing_columns: tuple[str, ...] = ()


def header_key(label: str) -> str:
    return "".join(unicodedata.normalize("NFKC", label).casefold().split()).strip("*")


def known_headers() -> dict[str, str]:
    """Every accepted header (Chinese, English, or the column's code) → column."""
    headers = {header_key(column): column for column in COLUMNS}
    for language in LANGUAGES:
        for column in COLUMNS:
            headers[header_key(text(language, f"elders.column.{column}"))] = column
    return headers


def read_sheet(content: bytes | None) -> Sheet:
    """The rows of a spreadsheet file; ``None`` is a file too big to have been fetched."""
    if content is None or len(content) > MAX_BYTES:
        raise InvalidInput("elders.import.too_big", limit=MAX_BYTES // (1024 * 1024))
    if content.startswith(XLS_MAGIC):
        raise InvalidInput("elders.import.old_excel")
    table = _xlsx_rows(content) if content.startswith(XLSX_MAGIC) else _csv_rows(content)
    return _keyed(table)


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # loaded when a spreadsheet is read, not at start
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput("elders.import.unreadable") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(value) for value in row])
            if len(rows) > MAX_ROWS + 1:
                raise InvalidInput("elders.import.too_many_rows", limit=MAX_ROWS)
        return rows
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """Excel hands back numbers, times and dates: phones and times come back as typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%H:%M") if value.date() == date(1899, 12, 30) else value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value).strip()


def _csv_rows(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("elders.import.unreadable")
    if "\x00" in decoded:
        raise InvalidInput("elders.import.unreadable")
    first_line = decoded.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(decoded), delimiter=delimiter)
        rows = [[_csv_cell(cell) for cell in row] for row in reader]
    except csv.Error:
        raise InvalidInput("elders.import.unreadable") from None
    if len(rows) > MAX_ROWS + 1:
        raise InvalidInput("elders.import.too_many_rows", limit=MAX_ROWS)
    return rows


def _csv_cell(cell: str) -> str:
    """Undo the quote an export put before a cell that would read as a formula."""
    cell = cell.strip()
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _keyed(table: list[list[str]]) -> Sheet:
    numbered = [(n + 1, row) for n, row in enumerate(table) if any(cell for cell in row)]
    if not numbered:
        raise InvalidInput("elders.import.empty")
    _, header = numbered[0]
    known = known_headers()
    columns: dict[int, str] = {}
    ignored = []
    for index, label in enumerate(header):
        column = known.get(header_key(label))
        if column is None or column in columns.values():
            if label:
                ignored.append(label)
            continue
        columns[index] = column
    missing = tuple(c for c in REQUIRED if c not in columns.values())
    if missing:
        return Sheet((), tuple(ignored), missing)
    rows = tuple(
        (number, {column: (row[i] if i < len(row) else "") for i, column in columns.items()})
        for number, row in numbered[1:]
    )
    if not rows:
        raise InvalidInput("elders.import.empty")
    return Sheet(rows, tuple(ignored))


def write_sheet(
    file_format: FileFormat, header: Sequence[str], rows: Iterable[Sequence[str | int]], title: str
) -> bytes:
    return _xlsx(header, rows, title) if file_format == "xlsx" else _csv(header, rows)


def _xlsx(header: Sequence[str], rows: Iterable[Sequence[str | int]], title: str) -> bytes:
    from openpyxl import Workbook  # loaded when a spreadsheet is made, not at start

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append(text_row(sheet, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(header: Sequence[str], rows: Iterable[Sequence[str | int]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_text(value) for value in row])
    # UTF-8 with a byte order mark: Excel then opens Chinese text correctly.
    return buffer.getvalue().encode("utf-8-sig")
