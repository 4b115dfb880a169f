"""Updates are handled concurrently across people but one at a time for each person, so a
person's quick double tap or two fast messages are processed in the order they were sent.
Each is handled as an intake row (``bot.intake``): consumed by its handler's transaction, or
marked handled when its handling ends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.intake import Intake


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, intake: Intake | None = None, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._intake = intake
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _user_key(update)
        if key is None:
            await self._handle(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await self._handle(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._intake is None:
            await coroutine
            return
        async with self._intake.handling(update):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _user_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat else None
