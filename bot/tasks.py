"""Background tasks of the process (the lease keeper, the card refresher)."""

from __future__ import annotations

import asyncio
from contextlib import suppress


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Stop a background task and wait until it has stopped."""
    if task is None:
        return
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
