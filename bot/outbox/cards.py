"""Cards: messages kept current by editing them in place (a call-out's roster card, an
announcement's status card).

What a card shows is fingerprinted, so that nothing is sent again when nothing changed. A card
goes out through the outbox, so its Telegram message id is known only once the sender has sent
it: the ``sent_message_id`` of the latest ``send_message`` of the card's topic to that chat.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import OutboxMessage


@dataclass(frozen=True)
class Rendered:
    """A message's content: HTML text and an optional inline keyboard."""

    html: str
    markup: dict[str, Any] | None

    def fingerprint(self) -> str:
        data = json.dumps([self.html, self.markup], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()


async def latest_send(session: AsyncSession, topic: str, chat_id: int) -> OutboxMessage | None:
    """The newest ``send_message`` of the card to ``chat_id``, whatever its state."""
    return (
        await session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.topic == topic,
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.method == "send_message",
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    ).first()
