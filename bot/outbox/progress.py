"""How far the messages of one topic (a call-out, an announcement) have got."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import OutboxMessage, OutboxState


@dataclass(frozen=True)
class Progress:
    delivered: int
    failed: int  # blocked, deactivated, rejected, or out of attempts
    pending: int  # still to go, including any on their way right now

    @property
    def total(self) -> int:
        return self.delivered + self.failed + self.pending

    @property
    def done(self) -> bool:
        return self.pending == 0


async def progress(session: AsyncSession, topic: str) -> Progress:
    """Delivered / failed / pending counts of the outbox messages tagged with ``topic``."""
    query = (
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.topic == topic)
        .group_by(OutboxMessage.state)
    )
    counts = {OutboxState(state): n for state, n in (await session.exec(query)).all()}
    return Progress(
        delivered=counts.get(OutboxState.SENT, 0),
        failed=counts.get(OutboxState.FAILED, 0),
        pending=counts.get(OutboxState.PENDING, 0) + counts.get(OutboxState.SENDING, 0),
    )
