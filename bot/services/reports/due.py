"""Report work the scheduler does on every tick (see ``bot.scheduler``): add the monthly
report's runs when it falls due, then produce the runs waiting (asked for or due)."""

from __future__ import annotations

from datetime import datetime

from bot.runtime import Runtime
from bot.services.reports import runs


async def plan_monthly_reports(runtime: Runtime, now: datetime) -> int:
    async with runtime.db.session() as session:
        return await runs.plan_monthly_reports(session, runtime.config, now)


async def produce_waiting_reports(runtime: Runtime, now: datetime) -> int:
    async with runtime.db.session() as session:
        waiting = await runs.open_runs(session, now)
    produced = 0
    for run_id in waiting:  # each in its own transactions: one failing holds up no other
        produced += await runs.produce_report(runtime.db, runtime.config, run_id, now)
    return produced
