"""The scheduler: due work kept in the database, run through PTB's JobQueue.

Nothing important lives only in memory. Every deadline (a call-out's next escalation wave, a
reminder, a round's window) is a column in the database; ``bot.routes.DUE_WORK`` lists the
functions that find what is due at ``now`` and act on it (handed over with ``use_due_work``).
One repeating job runs them all every few seconds, so a restart loses nothing: the next tick
after start picks up whatever fell due while the bot was down. Tests call ``run_due_work``
after moving a ``FrozenClock`` instead of waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import Application, Job

from bot.context import RUNTIME_KEY
from bot.runtime import Runtime

log = logging.getLogger(__name__)

DueWork = Callable[[Runtime, datetime], Awaitable[int]]
TICK_SECONDS = 5.0

_DUE_WORK: tuple[DueWork, ...] = ()


def use_due_work(work: Iterable[DueWork]) -> None:
    """The functions that act on what is due (``bot.routes.DUE_WORK``), each returning how
    much it did, run in this order at every tick."""
    global _DUE_WORK
    _DUE_WORK = tuple(work)


async def each_in_its_own_transaction(
    runtime: Runtime,
    find: Callable[[AsyncSession], Awaitable[Iterable[int]]],
    act: Callable[[AsyncSession, int], Awaitable[int]],
) -> int:
    """Find what is due (one transaction), then act on each id in a transaction of its own,
    so a failure leaves what was done before it committed; the sum of what ``act`` did."""
    async with runtime.db.session() as session:
        due = list(await find(session))
    done = 0
    for item in due:
        async with runtime.db.session() as session:
            done += await act(session, item)
    return done


async def run_due_work(runtime: Runtime) -> int:
    """Run every due-work function once at the clock's ``now``; each in isolation, so one
    failing does not starve the others. A tick with a failure counts as failed
    (``runtime.due_work``: logged once, then once more when a tick succeeds again)."""
    now = runtime.clock.now()
    done = 0
    failure: Exception | None = None
    for work in _DUE_WORK:
        try:
            done += await work(runtime, now)
        except Exception as error:
            log.debug("due work %s failed", work.__qualname__, exc_info=error)
            failure = failure or error
    if failure is None:
        runtime.due_work.succeeded()
    else:
        runtime.due_work.failed(failure)
    if done:
        runtime.wake_sender()
    return done


def schedule_due_work(app: Application, interval: float = TICK_SECONDS) -> Job:  # type: ignore[type-arg]
    """Start the repeating tick; the returned job is removed when this process stops being the
    one that runs it (``bot.replicas.primary``)."""

    async def tick(context: object) -> None:
        runtime: Runtime = app.bot_data[RUNTIME_KEY]
        if runtime.due_work.waiting():  # backing off after failed ticks
            return
        await run_due_work(runtime)

    assert app.job_queue is not None
    app.bot_data[RUNTIME_KEY].due_work.first_wait = interval
    return app.job_queue.run_repeating(tick, interval=interval, first=0.0, name="due-work")
