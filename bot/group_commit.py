"""Group commit: work that would queue for the same row anyway is done together.

Presses on one call-out wait for its row's lock one after another; each waiting its turn
for a transaction of its own costs a dozen statements and a commit. ``GroupCommit`` lets them
wait here instead: the first item for a key starts a run at once (no delay for a lone item),
and whatever arrives for that key while it runs is taken, all together, by the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Runs one batch; a result per item, in order: a value, or the exception that item raises.
Run = Callable[[Sequence[Item]], Awaitable[Sequence[Result | BaseException]]]


class GroupCommit(Generic[Item, Result]):
    def __init__(self) -> None:
        self._queued: dict[Hashable, list[tuple[Item, asyncio.Future[Result]]]] = {}
        self._runs: set[asyncio.Task[None]] = set()

    async def submit(self, key: Hashable, item: Item, run: Run[Item, Result]) -> Result:
        """Handle ``item`` in the next batch of ``key`` (``run`` handles a batch)."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        queued = self._queued.get(key)
        if queued is not None:  # a run is going on: it takes this one next
            queued.append((item, future))
        else:
            self._queued[key] = [(item, future)]
            task = asyncio.create_task(self._drain(key, run), name=f"group-commit:{key}")
            self._runs.add(task)
            task.add_done_callback(self._runs.discard)
        return await future

    def waiting(self, key: Hashable) -> int:
        """How many items of ``key`` wait for the next batch (not the one running)."""
        return len(self._queued.get(key, ()))

    async def _drain(self, key: Hashable, run: Run[Item, Result]) -> None:
        queued = self._queued[key]
        try:
            while queued:
                batch, queued[:] = list(queued), []
                await self._run_one(batch, run)
        finally:  # cut short (shutdown): nothing waits for a run that will not come
            for _, future in self._queued.pop(key):
                future.cancel()

    @staticmethod
    async def _run_one(
        batch: list[tuple[Item, asyncio.Future[Result]]], run: Run[Item, Result]
    ) -> None:
        try:
            results = await run([item for item, _ in batch])
        except BaseException as error:  # each waiting item gets it
            results = [error] * len(batch)
            if not isinstance(error, Exception):
                _settle(batch, results)
                raise
        _settle(batch, results)


def _settle(
    batch: list[tuple[Item, asyncio.Future[Result]]], results: Sequence[Result | BaseException]
) -> None:
    for (_, future), result in zip(batch, results, strict=True):
        if future.done():  # its waiter was cancelled meanwhile
            continue
        if isinstance(result, asyncio.CancelledError):
            future.cancel()
        elif isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
