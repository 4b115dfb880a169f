"""The report as a spreadsheet (XLSX): a summary, then a sheet each for volunteers, call-outs,
door-knock visits, service hours and the audit log, headed in the reader's language.

Hours are decimal hours (what street offices add up); times are the community's wall-clock
time (spreadsheets have no timezones); text typed by people is written as text, never as a
formula (``bot.cells.text_row``).
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.cells import text_row
from bot.i18n import Translator
from bot.labels import party_label
from bot.services.reports.figures import ReportData

if TYPE_CHECKING:  # openpyxl itself is loaded when a spreadsheet is made, not at start
    from openpyxl import Workbook

Value = str | int | float | datetime | None

COLUMNS = {
    "volunteers": (
        "number",
        "name",
        "compound",
        "teams",
        "party",
        "registered",
        "status",
        "hours",
    ),
    "callouts": ("title", "start", "status", "needed", "confirmed", "fill_minutes", "attended"),
    "visits": ("date", "due", "confirmed", "late", "missed", "pending", "alerts", "coverage"),
    "hours": ("number", "name", "callouts", "visits", "other", "corrections", "total"),
    "audit": ("time", "actor_id", "actor", "action", "allowed", "target", "detail"),
}
WIDE = {"name": 20, "title": 28, "teams": 24, "detail": 60, "actor": 18, "action": 24}


def hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def plain(t: Translator, key: str, **params: object) -> str:
    """Catalog texts are HTML; a spreadsheet cell takes them as they read."""
    return html.unescape(t(key, **params))


def build_workbook(t: Translator, data: ReportData) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _sheet(book, t, "summary", ("item", "value"), _summary(t, data))
    _sheet(book, t, "volunteers", COLUMNS["volunteers"], _volunteers(t, data))
    _sheet(book, t, "callouts", COLUMNS["callouts"], _callouts(t, data))
    _sheet(book, t, "visits", COLUMNS["visits"], _visits(data))
    _sheet(book, t, "hours", COLUMNS["hours"], _hours(data))
    _sheet(book, t, "audit", COLUMNS["audit"], _audit(t, data))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(
    book: Workbook,
    t: Translator,
    name: str,
    columns: Sequence[str],
    rows: list[list[Value]],
) -> None:
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title=plain(t, f"report.sheet.{name}")[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDE.get(column, 14)
    sheet.freeze_panes = "A2"
    sheet.append([plain(t, f"report.column.{name}.{column}") for column in columns])
    for row in rows:
        sheet.append(text_row(sheet, row))


def _local(t: Translator, instant: datetime) -> datetime:
    return instant.astimezone(t.zone).replace(tzinfo=None)


def _summary(t: Translator, data: ReportData) -> list[list[Value]]:
    totals = data.totals
    scope = data.scope.team_name or plain(t, "report.scope.community")
    items: list[tuple[str, Value]] = [
        ("community", data.community),
        ("scope", scope),
        ("period", data.period.label),
        ("made", _local(t, data.made_at)),
        ("volunteers", totals.volunteers),
        ("new_volunteers", totals.new_volunteers),
        ("serving_volunteers", totals.serving_volunteers),
        ("hours", hours(totals.minutes)),
        ("callouts", totals.callouts),
        ("places_needed", totals.places_needed),
        ("places_confirmed", totals.places_confirmed),
        ("callouts_filled", totals.callouts_filled),
        ("attended", totals.attended),
        ("visits_due", totals.visits_due),
        ("visits_confirmed", totals.visits_confirmed),
        ("visits_late", totals.visits_late),
        ("visits_missed", totals.visits_missed),
        ("alerts", totals.alerts),
    ]
    return [[plain(t, f"report.summary.{item}"), value] for item, value in items]


def _volunteers(t: Translator, data: ReportData) -> list[list[Value]]:
    status = {True: plain(t, "report.status.active"), False: plain(t, "report.status.paused")}
    return [
        [
            v.id,
            v.name,
            v.compound,
            t.join(v.teams),
            html.unescape(party_label(t, v.party)),
            _local(t, v.registered_at),
            status[v.active],
            hours(v.minutes),
        ]
        for v in data.volunteers
    ]


def _callouts(t: Translator, data: ReportData) -> list[list[Value]]:
    as_many = plain(t, "report.as_many_as_possible")
    return [
        [
            c.title,
            _local(t, c.starts_at),
            plain(t, f"report.callout_status.{c.status}"),
            c.needed if c.needed is not None else as_many,
            c.confirmed,
            c.fill_minutes,
            c.attended,
        ]
        for c in data.callouts
    ]


def _visits(data: ReportData) -> list[list[Value]]:
    return [
        [
            d.day.isoformat(),
            d.due,
            d.confirmed,
            d.late,
            d.missed,
            d.pending,
            d.alerts,
            round(100 * d.coverage, 1) if d.coverage is not None else None,
        ]
        for d in data.visits
    ]


def _hours(data: ReportData) -> list[list[Value]]:
    return [
        [
            h.volunteer_id,
            h.name,
            hours(h.callout_minutes),
            hours(h.visit_minutes),
            hours(h.other_minutes),
            hours(h.corrected_minutes),
            hours(h.minutes),
        ]
        for h in data.hours
    ]


def _audit(t: Translator, data: ReportData) -> list[list[Value]]:
    allowed = {True: plain(t, "report.yes"), False: plain(t, "report.no")}
    return [
        [
            _local(t, a.at),
            a.actor_id,
            a.actor_name,
            a.action,
            allowed[a.allowed],
            a.target,
            a.detail,
        ]
        for a in data.audit
    ]
