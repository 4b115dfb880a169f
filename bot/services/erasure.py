"""Forgetting a person who leaves (``/leave``): no name, phone, address or Telegram id of
theirs stays in any table, so none reaches an export, a report or a backup.

How each kind of trace goes:
- Their own rows that exist only for them (account, open dialog, report runs,
  messages addressed to them, duty shifts, questions they asked) are deleted.
- Where another record names them by Telegram id (who created a team or call-out, who closed
  an alert, who answered a visit, who acted in the audit log), the id is replaced: by NULL
  where the column allows it, else by ``FORMER_ACCOUNT`` (0, "an account that no longer
  exists"). Every Telegram-id column of the schema has its rule in ``TELEGRAM_ID_COLUMNS``; a
  test fails when a new one has none.
- Records about their service (call-out answers, visits, service hours, announcement
  receipts) keep pointing at the anonymous volunteer row, which has no personal data left, so
  totals stay true. Audit entries that named their account now name that row; one that named
  a message in their chat ("chat/message") keeps only the message's number.
- Copies of their name, phone or id inside JSON documents (audit details, other people's open
  dialogs, messages still waiting in the outbox, updates still waiting in the intake) are
  blanked. Updates already handled keep no payload (``bot.intake``); messages already sent
  keep no text at all (``bot.outbox.store``), so cards and alerts about them sent to others
  hold none.
- Their name and phone inside questions other volunteers asked are blanked too.
Free text that leaders typed (a call-out's description, a correction's note) is not rewritten.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Any

from sqlalchemy import JSON, String, Table, cast, delete, func, or_, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry, metadata
from models.elders import DutyException, DutyShift, Elder
from models.questions import Question

FORMER_ACCOUNT = 0  # stands for "someone who has left" where a Telegram id cannot be NULL
REDACTED = "—"


class Rule(Enum):
    DELETE_ROW = "delete the row"
    SET_NULL = "set to NULL"
    FORMER = "set to FORMER_ACCOUNT"
    NOT_A_PERSON = "not a person's id"


TELEGRAM_ID_COLUMNS: dict[str, Rule] = {
    "account.telegram_id": Rule.DELETE_ROW,
    "conversation.telegram_id": Rule.DELETE_ROW,
    "report_run.recipient_id": Rule.DELETE_ROW,
    "alert_notice.telegram_id": Rule.DELETE_ROW,  # who was told of an alert: the person only
    "outbox.chat_id": Rule.DELETE_ROW,
    "question.asker_telegram_id": Rule.DELETE_ROW,  # what they asked goes with them
    "volunteer.telegram_id": Rule.SET_NULL,
    "team.leader_telegram_id": Rule.SET_NULL,
    "callout.roster_chat_id": Rule.SET_NULL,
    "announcement.card_chat_id": Rule.SET_NULL,
    "invite.used_by": Rule.SET_NULL,
    "round.created_by": Rule.SET_NULL,
    "service_hours.recorded_by": Rule.SET_NULL,
    "visit.answered_by": Rule.SET_NULL,
    "alert.closed_by": Rule.SET_NULL,
    "alert_step.recipient_telegram_id": Rule.SET_NULL,
    "elder_contact.telegram_id": Rule.SET_NULL,
    "audit_log.actor_telegram_id": Rule.SET_NULL,
    "question.leader_telegram_id": Rule.SET_NULL,
    "team.created_by": Rule.FORMER,
    "teammember.added_by": Rule.FORMER,
    "callout.created_by": Rule.FORMER,
    "announcement.created_by": Rule.FORMER,
    "invite.created_by": Rule.FORMER,
    "duty_shift.set_by": Rule.FORMER,
    "duty_exception.set_by": Rule.FORMER,
    "team.group_chat_id": Rule.NOT_A_PERSON,  # a group chat
    # Telegram's count of updates. An update waiting there names its sender only inside the
    # payload (blanked with the other JSON documents); a handled one keeps no payload.
    "intake_update.update_id": Rule.NOT_A_PERSON,
}

# Columns cleared together with a chat id: what was shown there, and where.
_CLEARED_WITH = {
    "callout.roster_chat_id": ("roster_message_id", "roster_shown"),
    "announcement.card_chat_id": ("card_shown",),
}


async def forget_person(
    session: AsyncSession,
    *,
    telegram_id: int,
    volunteer_id: int,
    name: str | None,
    phone: str | None,
) -> None:
    """Remove every trace of this Telegram account and of the volunteer's name and phone; the
    volunteer row itself is blanked by the caller (``lifecycle.leave``)."""
    # Assignments end with the person: their duty shifts become gaps, their elders lose them
    # as visitor (the team's leader assigns someone else).
    await session.exec(delete(DutyShift).where(DutyShift.volunteer_id == volunteer_id))
    await session.exec(
        update(DutyException)
        .where(DutyException.volunteer_id == volunteer_id)
        .values(volunteer_id=None)
    )
    for column in (Elder.primary_visitor_id, Elder.backup_visitor_id):
        await session.exec(update(Elder).where(column == volunteer_id).values({column: None}))
    # Audit entries about their account are about the anonymous volunteer row from now on.
    await session.exec(
        update(AuditEntry)
        .where(AuditEntry.target_type == "account", AuditEntry.target_id == str(telegram_id))
        .values(target_type="volunteer", target_id=str(volunteer_id))
    )
    await _scrub_audit_targets(session, telegram_id)
    await _scrub_json_documents(session, telegram_id, [v for v in (name, phone) if v])
    for text in (v for v in (name, phone) if v):
        await session.exec(
            update(Question)
            .where(col(Question.text).contains(text, autoescape=True))
            .values(text=func.replace(Question.text, text, REDACTED))
        )
    for key, rule in TELEGRAM_ID_COLUMNS.items():
        if key != "account.telegram_id":
            await _apply(session, key, rule, telegram_id)
    await _apply(session, "account.telegram_id", Rule.DELETE_ROW, telegram_id)


async def _scrub_audit_targets(session: AsyncSession, telegram_id: int) -> None:
    """An audit entry's target can name a message in their private chat, whose id is theirs
    ("chat/message": a press refused as forged there); the chat's id goes."""
    scrub = _Scrubber(telegram_id, [])
    await _scrub_column(
        session, metadata.tables["audit_log"], "target_id", [str(telegram_id)], scrub
    )


async def _apply(session: AsyncSession, key: str, rule: Rule, telegram_id: int) -> None:

    table_name, column_name = key.split(".")
    table = metadata.tables[table_name]
    column = table.c[column_name]
    if rule is Rule.DELETE_ROW:
        await session.exec(delete(table).where(column == telegram_id))
    elif rule is Rule.SET_NULL:
        cleared = dict.fromkeys((column_name, *_CLEARED_WITH.get(key, ())))
        await session.exec(update(table).where(column == telegram_id).values(cleared))
    elif rule is Rule.FORMER:
        await session.exec(
            update(table).where(column == telegram_id).values({column_name: FORMER_ACCOUNT})
        )


async def _scrub_json_documents(session: AsyncSession, telegram_id: int, texts: list[str]) -> None:
    """Blank the id, name and phone wherever a JSON column holds them. Candidates are found in
    SQL (the JSON text contains one of them, as the serializer escapes it), then cleaned here."""
    needles = [str(telegram_id), *texts]
    escaped = [json.dumps(n)[1:-1] for n in needles]
    scrub = _Scrubber(telegram_id, texts)
    for table in metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, JSON):
                continue
            await _scrub_column(session, table, column.name, escaped, scrub)


async def _scrub_column(
    session: AsyncSession, table: Table, column_name: str, escaped: list[str], scrub: _Scrubber
) -> None:
    column = table.c[column_name]
    keys = list(table.primary_key.columns)
    text = cast(column, String)
    found = await session.exec(
        # exec() is typed for SQLModel's own select(), which names at most four columns.
        select(*keys, column).where(  # type: ignore[call-overload]
            or_(*(text.contains(e, autoescape=True) for e in escaped))
        )
    )
    for row in found.all():
        document = row[-1]
        cleaned = scrub(document)
        if cleaned != document:
            where = [key == value for key, value in zip(keys, row[:-1], strict=True)]
            await session.exec(update(table).where(*where).values({column_name: cleaned}))


class _Scrubber:
    """Replaces the id (as a number, or a number within text) and the texts in a document."""

    def __init__(self, telegram_id: int, texts: list[str]) -> None:
        self.telegram_id = telegram_id
        self.id_in_text = re.compile(rf"(?<!\d){telegram_id}(?!\d)")
        self.texts = sorted(texts, key=len, reverse=True)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return None if value == self.telegram_id else value
        if isinstance(value, str):
            if value == str(self.telegram_id):
                return None
            value = self.id_in_text.sub(REDACTED, value)
            for text in self.texts:
                value = value.replace(text, REDACTED)
            return value
        return value
