"""Where a dialog is, kept in the ``conversation`` table and changed in the same transaction
as the answer that moved it.

A chat's row outlives its dialogs: when one ends the row is emptied (``flow`` = "") but its
``version`` keeps counting, so a button from any earlier step or dialog never matches again.
A new row (first dialog, or after the row was deleted with the person's data) starts counting
at the current minute since the epoch, so it does not meet the versions of old buttons.
The row is read ``FOR UPDATE`` (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises
writers), so two processes handling the same person's updates cannot both move the dialog.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Conversation


@dataclass
class DialogState:
    """The ``data`` of an open conversation."""

    values: dict[str, Any] = field(default_factory=dict)  # answers so far, by field name
    selection: list[Any] = field(default_factory=list)  # a multi-select step's working choice
    context: dict[str, Any] = field(default_factory=dict)  # the form's own extras
    # The question was last asked again under a complaint (its message says what was wrong).
    complained: bool = False

    @classmethod
    def of(cls, conversation: Conversation) -> DialogState:
        data = copy.deepcopy(conversation.data or {})
        return cls(
            data.get("values", {}),
            data.get("selection", []),
            data.get("context", {}),
            bool(data.get("complained")),
        )

    def to_data(self) -> dict[str, Any]:
        data = {"values": self.values, "selection": self.selection, "context": self.context}
        return copy.deepcopy(data | ({"complained": True} if self.complained else {}))


async def load(session: AsyncSession, chat_id: int) -> Conversation | None:
    return await session.get(Conversation, chat_id, with_for_update=True, populate_existing=True)


async def open_dialog(session: AsyncSession, chat_id: int) -> Conversation | None:
    conversation = await load(session, chat_id)
    return conversation if conversation is not None and conversation.flow else None


async def claim(session: AsyncSession, chat_id: int, now: datetime) -> Conversation:
    """The chat's row, created on its first dialog."""
    conversation = await load(session, chat_id)
    if conversation is None:
        conversation = Conversation(
            telegram_id=chat_id,
            flow="",
            step="",
            version=int(now.timestamp()) // 60,
            updated_at=now,
        )
        session.add(conversation)
    return conversation


def move(
    conversation: Conversation, flow: str, step: str, state: DialogState, now: datetime
) -> int:
    """Go to ``step`` (a new step: earlier buttons become stale); returns the new version."""
    conversation.flow = flow
    conversation.step = step
    conversation.data = state.to_data()
    conversation.version += 1
    conversation.updated_at = now
    return conversation.version


def save(conversation: Conversation, state: DialogState, now: datetime) -> None:
    """Keep the answers of the current step (e.g. a toggled option); its buttons stay valid."""
    conversation.data = state.to_data()
    conversation.updated_at = now


def close(conversation: Conversation, now: datetime) -> None:
    conversation.flow = ""
    conversation.step = ""
    conversation.data = {}
    conversation.version += 1
    conversation.updated_at = now
