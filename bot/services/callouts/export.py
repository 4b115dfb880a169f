"""The roster as a spreadsheet (XLSX), for the leader on the day and for reporting upward.

Phones: a volunteer's phone is in the export only when they agreed, at sign-up or in
/profile, that leaders may see their phone and address (``consent_visible``). Pressing "I'll go"
does not change that: everyone else is listed by name only, and the leader reaches them
through the bot (the call-out's messages, or a question relayed by ``bot.services.questions``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cells import text_row
from bot.errors import NotFound
from bot.i18n import Translator
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.leader_scope import require_callout_leader
from models import Callout, CalloutResponse, Volunteer
from models.callouts import ResponseState

STATE_ORDER = {
    ResponseState.CONFIRMED: 0,
    ResponseState.WAITING: 1,
    ResponseState.INVITED: 2,
    ResponseState.DECLINED: 3,
    ResponseState.WITHDRAWN: 4,
}
COLUMNS = (
    "name",
    "phone",
    "answer",
    "waiting_number",
    "eta",
    "answered_at",
    "checked_in",
    "checked_out",
)


@dataclass(frozen=True)
class RosterExport:
    filename: str
    content: bytes
    title: str
    rows: int


@dataclass(frozen=True)
class _Row:
    name: str
    phone: str
    state: ResponseState
    queue_number: int | None
    eta_minutes: int | None
    responded_at: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None


async def export_roster(
    session: AsyncSession, *, actor: Actor, callout_id: int, t: Translator, now: datetime
) -> RosterExport:
    """The spreadsheet in the leader's language, times in the community's timezone."""
    await require_callout_leader(
        session, actor=actor, callout_id=callout_id, action="callout.export"
    )
    callout = await session.get(Callout, callout_id)
    if callout is None:
        raise NotFound()
    rows = await _rows(session, callout_id)
    content = _workbook(t, rows)
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="callout.export",
        target_type="callout",
        target_id=callout_id,
        rows=len(rows),
    )
    return RosterExport(f"callout-{callout_id}-roster.xlsx", content, callout.title, len(rows))


async def _rows(session: AsyncSession, callout_id: int) -> list[_Row]:
    found = (
        await session.exec(
            select(CalloutResponse, Volunteer)
            .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
            .where(CalloutResponse.callout_id == callout_id)
        )
    ).all()
    rows = [
        _Row(
            name=volunteer.name or "—",
            phone=(volunteer.phone or "") if volunteer.consent_visible else "",
            state=ResponseState(response.state),
            queue_number=response.queue_number,
            eta_minutes=response.eta_minutes,
            responded_at=response.responded_at,
            checked_in_at=response.checked_in_at,
            checked_out_at=response.checked_out_at,
        )
        for response, volunteer in found
    ]
    # The confirmed, then the waiting line in its order, then the rest; by name within each.
    rows.sort(key=lambda r: (STATE_ORDER[r.state], r.queue_number or 0, r.name))
    return rows


def _workbook(t: Translator, rows: list[_Row]) -> bytes:
    from openpyxl import Workbook  # loaded when a spreadsheet is made, not at start
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("callouts.export.sheet")
    sheet.append([t(f"callouts.export.{column}") for column in COLUMNS])
    position = 0
    for row in rows:  # sorted: the waiting line comes in its order
        waiting = row.state == ResponseState.WAITING
        position += waiting
        sheet.append(
            text_row(
                sheet,
                [
                    row.name,
                    row.phone,
                    t(f"callouts.state.{row.state.value}"),
                    position if waiting else None,
                    row.eta_minutes,
                    _local(t, row.responded_at),
                    _local(t, row.checked_in_at),
                    _local(t, row.checked_out_at),
                ],
            )
        )
    for index, width in enumerate((20, 18, 14, 10, 10, 18, 18, 18), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _local(t: Translator, instant: datetime | None) -> datetime | None:
    """Spreadsheets have no timezones: local wall-clock time of the community."""
    if instant is None:
        return None
    return instant.astimezone(t.zone).replace(tzinfo=None)
