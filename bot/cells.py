"""Spreadsheet cells with text typed by people: written as text, never as formulas (a name
like ``=HYPERLINK(...)`` stays a name). Below the services, so every spreadsheet they write
can use it: the registry, the elders, a call-out's roster and the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # openpyxl itself is loaded when a spreadsheet is made, not at start
    from openpyxl.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

# What a spreadsheet program takes as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Value = TypeVar("Value")


def text_cell(sheet: Worksheet | WriteOnlyWorksheet, value: Value) -> Cell | Value:
    """A text as a cell of type text; anything else (a number, a time, nothing) as it is."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    return cell


def text_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append``, its texts written as text."""
    return [text_cell(sheet, value) for value in values]


def csv_text(value: Value) -> str | Value:
    """A CSV cell: a text that would read as a formula gets a leading quote (which the
    spreadsheet program hides, and our import takes off again)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
