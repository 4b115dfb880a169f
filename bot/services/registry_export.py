"""The registry as a spreadsheet (XLSX or CSV), headed in the leader's language.

Spreadsheets are how communities report to their street office. Cells typed by volunteers
are written as text, never as formulas (a name like ``=HYPERLINK(...)`` stays a name).

A leader's export runs beside the bot (``send_registry_export``), not inside the update that
asked for it: the rows are read a batch at a time, each in a short transaction of its own, and
written straight to a temporary file by a worker thread, so memory stays flat however many
volunteers there are, and other people's updates are not held up. A progress message says how
far it has got; the file is sent when it is done.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol
from uuid import uuid4

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, InputFile
from telegram.error import NetworkError, RetryAfter

from bot.cells import csv_text, text_row
from bot.config import CommunityConfig
from bot.i18n import Translator
from bot.labels import availability_label, party_label, skill_label
from bot.outbox.cards import latest_send
from bot.outbox.queue import Outgoing, enqueue
from bot.runtime import Runtime
from bot.services import registry
from bot.services.accounts import Actor
from bot.services.registry import RegistryFilter, VolunteerRow
from models import OutboxState

log = logging.getLogger(__name__)

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
PROGRESS_SECONDS = 2.0  # the progress message is edited at most this often
SEND_ATTEMPTS = 5  # the finished file, through a Bot API that fails now and then
DONE_WAIT_SECONDS = 10.0  # for the progress message to go out, so that it can say "done"
CSV_FREE_TEXT = {"name", "compound", "address", "teams"}  # typed by people, so neutralised


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int


async def export_registry(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: RegistryFilter,
    file_format: FileFormat,
    t: Translator,
    community: CommunityConfig,
    now: datetime,
) -> ExportFile:
    """The whole file at once, in the caller's transaction (a small registry, the tests);
    the bot itself streams it beside its other work (``send_registry_export``)."""
    batches = await registry.export_volunteers(
        session, actor=actor, filters=filters, file_format=file_format, now=now
    )
    with tempfile.TemporaryDirectory(prefix="muster-export-") as folder:
        path = Path(folder) / _filename(t, file_format, now)
        sheet = _open_sheet(path, file_format, t)
        count = 0
        try:
            async for batch in batches:
                sheet.write([_record(row, t, community) for row in batch])
                count += len(batch)
        finally:
            sheet.close()
        return ExportFile(path.name, path.read_bytes(), count)


def _record(row: VolunteerRow, t: Translator, community: CommunityConfig) -> dict[str, str | int]:
    hidden = str(t("volunteers.hidden"))
    return {
        "number": row.id,
        "name": row.name,
        "phone": (row.phone or "") if row.contact_visible else hidden,
        "compound": row.compound or "",
        "address": (row.address or "") if row.contact_visible else hidden,
        "skills": t.join(skill_labels(t, community, row.skills)),
        "availability": t.join(availability_label(t, slot) for slot in row.availability),
        "party": party_label(t, row.party),
        "teams": t.join(row.teams),
        "status": str(t("volunteers.status_paused" if row.paused else "volunteers.status_active")),
        "registered": row.registered_at.astimezone(t.zone).strftime("%Y-%m-%d %H:%M"),
    }


def skill_labels(t: Translator, community: CommunityConfig, codes: Iterable[str]) -> list[str]:
    """Labels in the community's own order of skills (unknown codes last)."""
    order = {code: i for i, code in enumerate(community.skill_codes)}
    ordered = sorted(codes, key=lambda code: (order.get(code, len(order)), code))
    return [skill_label(t, community, code) for code in ordered]


def _csv_value(column: str, value: str | int) -> str | int:
    return csv_text(value) if column in CSV_FREE_TEXT else value


# -- streamed, beside the bot -----------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    """A leader asked for the registry as a file (their permission already checked)."""

    chat_id: int
    actor: Actor
    filters: RegistryFilter
    file_format: FileFormat


class _SheetFile(Protocol):
    def write(self, records: list[dict[str, str | int]]) -> None: ...

    def close(self) -> None: ...


class _CsvFile:
    def __init__(self, path: Path, header: list[str]) -> None:
        # UTF-8 with a byte order mark: Excel then opens Chinese text correctly.
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(header)

    def write(self, records: list[dict[str, str | int]]) -> None:
        for record in records:
            self._writer.writerow([_csv_value(column, record[column]) for column in COLUMNS])

    def close(self) -> None:
        self._file.close()


class _XlsxFile:
    """openpyxl's write-only workbook keeps each row in a temporary file, not in memory."""

    def __init__(self, path: Path, header: list[str], title: str) -> None:
        from openpyxl import Workbook  # loaded when a spreadsheet is made, not at start

        self._path = path
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(title=title[:31])
        self._sheet.append(header)

    def write(self, records: list[dict[str, str | int]]) -> None:
        for record in records:
            self._sheet.append(text_row(self._sheet, (record[column] for column in COLUMNS)))

    def close(self) -> None:
        self._book.save(self._path)


def _open_sheet(path: Path, file_format: FileFormat, t: Translator) -> _SheetFile:
    header = [str(t(f"volunteers.column.{column}")) for column in COLUMNS]
    if file_format == "xlsx":
        return _XlsxFile(path, header, str(t("volunteers.sheet_title")))
    return _CsvFile(path, header)


class _ProgressMessage:
    """The leader's "preparing the file" message: sent through the outbox, then edited in
    place once Telegram has given it an id (or replaced while it still waits to go out)."""

    def __init__(self, runtime: Runtime, chat_id: int) -> None:
        self.runtime = runtime
        self.chat_id = chat_id
        self.topic = f"export:{uuid4().hex[:12]}"

    def first(self, text: str) -> Outgoing:
        return Outgoing.message(self.chat_id, text, topic=self.topic, coalesce_key=self.topic)

    async def show(self, text: str) -> bool:
        """Show ``text``; False if the message is on its way right now (try again later)."""
        now = self.runtime.clock.now()
        async with self.runtime.db.session() as session:
            sent = await latest_send(session, self.topic, self.chat_id)
            if sent is not None and sent.sent_message_id is not None:
                update = Outgoing.edit(self.chat_id, sent.sent_message_id, text)
            elif sent is not None and sent.state == OutboxState.PENDING:
                update = self.first(text)  # replaces the one still waiting
            else:
                return sent is None or sent.state == OutboxState.FAILED
            await enqueue(session, now, [update])
        self.runtime.wake_sender()
        return True

    async def finally_show(self, text: str) -> None:
        """The last word: wait (a little) for the first message to go out if it must."""
        with suppress(TimeoutError):  # it went out since: the file itself is the answer
            async with asyncio.timeout(DONE_WAIT_SECONDS):
                while not await self.show(text):  # noqa: ASYNC110 (no event from the database)
                    await asyncio.sleep(0.2)


async def send_registry_export(runtime: Runtime, bot: Bot, request: ExportRequest) -> None:
    """Write the file a batch at a time, keep the leader told, then send it. A failure is
    logged and told to the leader; nothing else depends on it."""
    t = runtime.translator(request.actor.language)
    progress = _ProgressMessage(runtime, request.chat_id)
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        total = await registry.start_export(
            session,
            actor=request.actor,
            filters=request.filters,
            file_format=request.file_format,
            now=now,
        )
        await enqueue(
            session, now, [progress.first(t("volunteers.export_progress", done=0, total=total))]
        )
    runtime.wake_sender()
    try:
        with tempfile.TemporaryDirectory(prefix="muster-export-") as folder:
            path = Path(folder) / _filename(t, request.file_format, now)
            rows = await _write_file(runtime, request, t, path, progress, total)
            caption = t("volunteers.export_caption", count=rows)
            await _send_file(bot, request.chat_id, path, caption)
    except Exception:
        log.exception("the registry export for chat %d failed", request.chat_id)
        await progress.finally_show(t("volunteers.export_failed"))
        return
    await progress.finally_show(t("volunteers.export_done", count=rows))


async def _write_file(
    runtime: Runtime,
    request: ExportRequest,
    t: Translator,
    path: Path,
    progress: _ProgressMessage,
    total: int,
) -> int:
    community = runtime.config.community
    sheet = await asyncio.to_thread(_open_sheet, path, request.file_format, t)
    loop = asyncio.get_running_loop()
    told_at = loop.time()
    done, after_id = 0, 0
    try:
        while True:
            async with runtime.db.session() as session:  # short: one batch, then let go
                batch = await registry.export_batch(
                    session, filters=request.filters, after_id=after_id, now=runtime.clock.now()
                )
            if not batch:
                break
            after_id = batch[-1].id
            records = [_record(row, t, community) for row in batch]
            await asyncio.to_thread(sheet.write, records)
            done += len(batch)
            if loop.time() - told_at >= PROGRESS_SECONDS:
                told_at = loop.time()
                await progress.show(t("volunteers.export_progress", done=done, total=total))
    finally:
        await asyncio.to_thread(sheet.close)
    return done


async def _send_file(bot: Bot, chat_id: int, path: Path, caption: str) -> None:
    """Straight to Telegram (a file this size has no place in the outbox's rows), retried
    through flood limits and passing network trouble."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            with path.open("rb") as content:
                document = InputFile(content, filename=path.name)
                await bot.send_document(chat_id, document, caption=caption, parse_mode="HTML")
            return
        except RetryAfter as error:
            await asyncio.sleep(_seconds(error.retry_after))
        except NetworkError:  # 5xx, timeouts, a dropped connection
            if attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(2.0**attempt)
    raise RuntimeError(f"could not send the export after {SEND_ATTEMPTS} attempts")


def _seconds(value: object) -> float:
    total_seconds = getattr(value, "total_seconds", None)
    return float(total_seconds()) if total_seconds else float(value)  # type: ignore[arg-type]


def _filename(t: Translator, file_format: FileFormat, now: datetime) -> str:
    day = now.astimezone(t.zone).strftime("%Y-%m-%d")
    return f"{t('volunteers.file_name')}-{day}.{file_format}"
