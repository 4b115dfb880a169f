"""The rounds' due work, run by the scheduler on every tick (and by tests after moving the
clock): plan the rounds that are due, turn unconfirmed visits into alerts, take the
escalation steps that are due, remind whoever holds an alert nobody has closed, send the
daily summaries, remind the next duty shift's holder. Each part works in transactions of its
own, so a failure in one leaves the others' work committed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.runtime import Runtime
from bot.services import assignments
from bot.services.rounds import escalation, schedule, summary

Step = Callable[[AsyncSession, Config, datetime], Awaitable[int]]
# Batched steps run again while they fill a batch, so a large round is handled in one tick.
MAX_BATCHES = 1000


async def run_rounds(runtime: Runtime, now: datetime) -> int:
    done = 0
    for step, batched in (
        (schedule.plan_due_rounds, False),
        (escalation.open_missed_alerts, True),
        (escalation.run_due_steps, True),
        (escalation.remind_open_alerts, True),
        (summary.send_daily_summaries, False),
        (assignments.remind_duty_shift, False),
    ):
        done += await _run(runtime, step, now, batched)
    return done


async def _run(runtime: Runtime, step: Step, now: datetime, batched: bool) -> int:
    total = 0
    for _ in range(MAX_BATCHES if batched else 1):
        async with runtime.db.session() as session:
            count = await step(session, runtime.config, now)
        total += count
        if count < escalation.BATCH:
            break
    return total
