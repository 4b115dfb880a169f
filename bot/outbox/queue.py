"""Putting messages into the outbox, in the caller's transaction.

Because the message is written in the same transaction as the change it reports, a confirmed
answer and its acknowledgement are committed together or not at all (the transactional outbox).
Payloads are the keyword arguments of the python-telegram-bot method, as plain JSON.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import OutboxMessage, OutboxState

PRIORITY_REPLY = 0  # an answer to someone who is waiting for it
PRIORITY_ALERT = 1  # escalations, emergencies
PRIORITY_NOTICE = 3  # roster cards, notifications to one person
PRIORITY_BULK = 5  # broadcasts and call-out deliveries

Button = tuple[str, str]  # (label, callback data)
# In a payload: the text to send instead, should a crash send the message a second time
# (``OutboxStore.recover``); never passed to Telegram.
IF_REPEATED = "muster_if_repeated"
# A personal command menu's language, for the board's menu button that follows it (sender).
MENU_LANGUAGE = "muster_menu_language"


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call to make: ``method`` is the python-telegram-bot method name."""

    chat_id: int
    method: str
    payload: dict[str, Any]
    priority: int = PRIORITY_REPLY
    topic: str | None = None
    coalesce_key: str | None = None
    not_before: datetime | None = None
    erase_when_done: bool = False  # see ``OutboxMessage.erase_when_done``
    routine: bool = False  # waits for the end of quiet hours (``bot.outbox.quiet``)

    @classmethod
    def message(
        cls,
        chat_id: int,
        text: str,
        markup: dict[str, Any] | None = None,
        *,
        protect_content: bool = False,
        **kw: Any,
    ) -> Outgoing:
        """A text message; ``protect_content`` keeps it from being forwarded or saved."""
        payload: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
        payload["link_preview_options"] = {"is_disabled": True}
        if markup is not None:
            payload["reply_markup"] = markup
        if protect_content:
            payload["protect_content"] = True
        return cls(chat_id, "send_message", payload, **kw)

    def saying_if_repeated(self, note: str) -> Outgoing:
        """The same message, which begins with ``note`` if it goes out again after a crash
        (a prompt that may reach someone twice says that it replaces the first)."""
        return replace(
            self, payload={**self.payload, IF_REPEATED: f"{note}\n\n{self.payload['text']}"}
        )

    @classmethod
    def edit(
        cls,
        chat_id: int,
        message_id: int,
        text: str,
        markup: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Outgoing:
        payload: dict[str, Any] = {"message_id": message_id, "text": text, "parse_mode": "HTML"}
        payload["link_preview_options"] = {"is_disabled": True}
        if markup is not None:
            payload["reply_markup"] = markup
        kw.setdefault("coalesce_key", f"edit:{chat_id}:{message_id}")
        return cls(chat_id, "edit_message_text", payload, **kw)

    @classmethod
    def document(
        cls, chat_id: int, filename: str, content: bytes, caption: str = "", **kw: Any
    ) -> Outgoing:
        payload: dict[str, Any] = {
            "document": {"filename": filename, "base64": base64.b64encode(content).decode()},
            "caption": caption,
            "parse_mode": "HTML",
        }
        return cls(chat_id, "send_document", payload, **kw)

    @classmethod
    def photo(
        cls, chat_id: int, filename: str, content: bytes, caption: str = "", **kw: Any
    ) -> Outgoing:
        payload: dict[str, Any] = {
            "photo": {"filename": filename, "base64": base64.b64encode(content).decode()},
            "caption": caption,
            "parse_mode": "HTML",
        }
        return cls(chat_id, "send_photo", payload, **kw)


def keyboard(rows: Iterable[Sequence[Button]]) -> dict[str, Any]:
    """An inline keyboard from rows of (label, callback data)."""
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }


def reply_keyboard(
    rows: Iterable[Sequence[str | dict[str, Any]]], *, one_time: bool = True
) -> dict[str, Any]:
    """A reply keyboard; a dict button may ask for the contact (``request_contact``)."""
    return {
        "keyboard": [[b if isinstance(b, dict) else {"text": b} for b in row] for row in rows],
        "resize_keyboard": True,
        "one_time_keyboard": one_time,
    }


REMOVE_KEYBOARD: dict[str, Any] = {"remove_keyboard": True}


async def enqueue(session: AsyncSession, now: datetime, messages: Iterable[Outgoing]) -> int:
    """Add messages to the outbox; a message with a ``coalesce_key`` replaces a pending one
    with the same key (a card edited twice before it went out is sent once, as it is now).
    A chunk of messages is one look-up of its keys and one executemany."""
    added = 0
    pending = iter(messages)
    while chunk := list(islice(pending, INSERT_CHUNK)):
        rows = [_row(message, now) for message in await _coalesced(session, chunk)]
        if rows:
            await session.exec(insert(OutboxMessage), params=rows)
        added += len(rows)
    return added


# An executemany per this many rows: a broadcast to thousands is a few round trips, and a round
# for 10,000 elders does not hold every prompt's encoded row at once (peak memory).
INSERT_CHUNK = 1000


def _row(message: Outgoing, now: datetime) -> dict[str, Any]:
    return {
        "chat_id": message.chat_id,
        "method": message.method,
        "payload": message.payload,
        "state": OutboxState.PENDING,
        "priority": message.priority,
        "attempts": 0,
        "topic": message.topic,
        "coalesce_key": message.coalesce_key,
        "erase_when_done": message.erase_when_done,
        "routine": message.routine,
        "not_before": message.not_before or now,
        "created_at": now,
    }


async def _coalesced(session: AsyncSession, chunk: Sequence[Outgoing]) -> list[Outgoing]:
    """The messages of ``chunk`` to insert: of those with one key, the last; and that one
    only when no message with its key is pending (it then takes that one's place). One
    SELECT for the chunk's keys; an UPDATE only for a key that has a pending message."""
    last = {message.coalesce_key: index for index, message in enumerate(chunk)}
    keys = [key for key in last if key]
    waiting: set[str] = set()
    if keys:
        found = await session.exec(
            select(OutboxMessage.coalesce_key).where(
                OutboxMessage.coalesce_key.in_(keys),
                OutboxMessage.state == OutboxState.PENDING,
            )
        )
        waiting = {key for key in found.all() if key}
    inserted: list[Outgoing] = []
    for index, message in enumerate(chunk):
        key = message.coalesce_key
        if key and last[key] != index:
            continue  # a later message of the chunk has the same key
        if key in waiting and await _replace_pending(session, message):
            continue
        inserted.append(message)
    return inserted


async def _replace_pending(session: AsyncSession, message: Outgoing) -> bool:
    result = await session.exec(
        update(OutboxMessage)
        .where(
            OutboxMessage.coalesce_key == message.coalesce_key,
            OutboxMessage.state == OutboxState.PENDING,
        )
        .values(payload=message.payload)
    )
    return bool(result.rowcount)
