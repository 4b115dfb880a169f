"""Column values to JSON and back, by the column's type, the same from either database.

Values are read through the models' own column types (so a time is an aware UTC datetime
on SQLite as on PostgreSQL) and written as JSON: instants and dates in ISO 8601, bytes in
base64, enums as their values, JSON documents as they are.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Enum, Table
from sqlalchemy.types import TypeDecorator

Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


_BY_PYTHON_TYPE: dict[type, tuple[Encode, Decode]] = {
    datetime: (datetime.isoformat, datetime.fromisoformat),
    date: (date.isoformat, date.fromisoformat),
    time: (time.isoformat, time.fromisoformat),
    timedelta: (timedelta.total_seconds, lambda seconds: timedelta(seconds=seconds)),
    bytes: (lambda raw: base64.b64encode(raw).decode("ascii"), base64.b64decode),
    Decimal: (str, Decimal),
}


def column_codec(column: Column[Any]) -> tuple[Encode, Decode]:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # e.g. UTCDateTime: what it stores decides
        kind = kind.impl_instance
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return _enum_value, kind.enum_class
    try:
        python_type = kind.python_type
    except NotImplementedError:  # a type with no single Python type: JSON-native already
        return _same, _same
    return _BY_PYTHON_TYPE.get(python_type, (_same, _same))


class TableCodec:
    """Turns a table's rows into JSON objects (column name -> value) and back."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._codecs = {column.name: column_codec(column) for column in table.columns}

    def encode(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            name: None if value is None else self._codecs[name][0](value)
            for name, value in row.items()
        }

    def decode(self, line: dict[str, Any]) -> dict[str, Any]:
        unknown = set(line) - set(self._codecs)
        if unknown:
            raise ValueError(f"table {self.table.name} has no column {sorted(unknown)[0]!r}")
        return {
            name: None if value is None else self._codecs[name][1](value)
            for name, value in line.items()
        }
