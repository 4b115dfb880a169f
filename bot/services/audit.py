"""Writing the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import AuditEntry


async def record(
    session: AsyncSession,
    *,
    now: datetime,
    actor: int | None,
    action: str,
    allowed: bool = True,
    target_type: str | None = None,
    target_id: object = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEntry(
            at=now,
            actor_telegram_id=actor,
            action=action,
            allowed=allowed,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id)[:48],
            detail=detail,
        )
    )
