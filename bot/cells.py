"""Spreadsheet cells with text typed by people: written as text, never as formulas (a name
like ``=HYPERLINK(...)`` stays a name). Below the services, so every spreadsheet they write
can use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl itself is loaded when a spreadsheet is made, not at start
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# What a spreadsheet program takes as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(sheet: WriteOnlyWorksheet, value: str | int) -> WriteOnlyCell | int:
    if isinstance(value, int):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    return cell
