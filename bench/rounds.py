"""Benchmark: a door-knock round for 10,000 elders and 2,500 visitors.

Measures how long it takes from the round time until every visitor's prompt is queued in the
outbox (one scheduler tick: plan the round, create the visits, render and queue the prompts),
and the memory held meanwhile (Python allocations at their peak, and the process's RSS).
Then, as a second figure, the end of the window with nobody having answered: every visit
turned into an alert and every reminder queued.

    python -m bench.rounds                       # SQLite in a temporary directory
    python -m bench.rounds --database postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    python -m bench.rounds --elders 1000 --visitors 250 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, update
from sqlmodel import select

from bench.report import Row
from bench.suite import Options
from bot.clock import FrozenClock
from bot.config import BotConfig, Config, RoundsConfig
from bot.runtime import Runtime
from bot.services.rounds import due
from models import Account, OutboxMessage, Team, TeamMember, Volunteer
from models.base import metadata
from models.db import Database
from models.elders import Elder, ElderVisitTime, Round, RoundsMark, Visit

ROUND_TIME = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
SEEDED = ROUND_TIME - timedelta(days=30)
VISITORS_PER_TEAM = 100
FIRST_TELEGRAM_ID = 10_000_000


@dataclass(frozen=True)
class Result:
    backend: str
    elders: int
    visitors: int
    prompts_queued: int
    seconds_to_queue_prompts: float
    peak_python_mb: float
    rss_mb: float
    reminders_queued: int
    seconds_to_queue_reminders: float


async def seed(db: Database, elders: int, visitors: int) -> None:
    """Visitors in teams of a hundred, each team with a leader; every elder has a primary
    visitor and a backup, and visits at 09:00 and 17:00."""
    teams = max(1, visitors // VISITORS_PER_TEAM)
    async with db.session() as session:
        leader_ids = [FIRST_TELEGRAM_ID - 1 - n for n in range(teams)]
        people = [FIRST_TELEGRAM_ID + n for n in range(visitors)]
        await session.exec(
            insert(Account),  # type: ignore[call-overload]
            params=[
                {"telegram_id": t, "language": "zh" if t % 2 else "en", "role": "volunteer",
                 "first_name": f"V{t}", "created_at": SEEDED}
                for t in people + leader_ids
            ],
        )  # fmt: skip
        await session.exec(
            insert(Volunteer),  # type: ignore[call-overload]
            params=[
                {"telegram_id": t, "name": f"Visitor {n}", "phone": f"+8613{n:09d}",
                 "registered_at": SEEDED, "party": "none", "consent_visible": True,
                 "paused": False}
                for n, t in enumerate(people)
            ],
        )  # fmt: skip
        await session.exec(
            insert(Team),  # type: ignore[call-overload]
            params=[
                {"name": f"Care team {n}", "leader_telegram_id": leader_ids[n], "created_by": 1,
                 "created_at": SEEDED}
                for n in range(teams)
            ],
        )  # fmt: skip
        volunteer_ids = list(await session.exec(select(Volunteer.id).order_by(Volunteer.id)))
        team_ids = list(await session.exec(select(Team.id).order_by(Team.id)))
        team_of = {v: team_ids[n // VISITORS_PER_TEAM % teams] for n, v in enumerate(volunteer_ids)}
        await session.exec(
            insert(TeamMember),  # type: ignore[call-overload]
            params=[
                {"team_id": t, "volunteer_id": v, "added_by": 1, "added_at": SEEDED}
                for v, t in team_of.items()
            ],
        )
        rows = []
        for n in range(elders):
            primary = volunteer_ids[n % visitors]
            backup = volunteer_ids[(n + 1) % visitors]
            rows.append(
                {"name": f"Elder {n}", "compound": f"Compound {n % 20}", "building": str(n % 40),
                 "room": str(100 + n % 600), "phone": f"139{n:08d}", "health_notes": "",
                 "risk_notes": "lives alone", "team_id": team_of[primary],
                 "primary_visitor_id": primary, "backup_visitor_id": backup,
                 "created_at": SEEDED, "updated_at": SEEDED}
            )  # fmt: skip
        await session.exec(insert(Elder), params=rows)  # type: ignore[call-overload]
        elder_ids = list(await session.exec(select(Elder.id)))
        await session.exec(
            insert(ElderVisitTime),  # type: ignore[call-overload]
            params=[
                {"elder_id": e, "slot": slot, "window_minutes": 120}
                for e in elder_ids
                for slot in ("09:00", "17:00")
            ],
        )


async def forget_round(db: Database, mark: datetime) -> None:
    """Undo the round just planned, as if its time had not come yet."""
    async with db.session() as session:
        await session.exec(delete(OutboxMessage))  # type: ignore[call-overload]
        await session.exec(delete(Visit))  # type: ignore[call-overload]
        await session.exec(delete(Round))  # type: ignore[call-overload]
        await session.exec(update(RoundsMark).values(at=mark))  # type: ignore[call-overload]


async def count(db: Database, model: type) -> int:
    async with db.session() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def measure(url: str, elders: int, visitors: int) -> Result:
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
    await db.create_all()
    await seed(db, elders, visitors)
    config = Config(bot=BotConfig(timezone="Asia/Shanghai"), rounds=RoundsConfig())
    clock = FrozenClock(ROUND_TIME - timedelta(seconds=5))
    runtime = Runtime(config, db, clock)
    await due.run_rounds(runtime, clock.now())  # the bot has been running: the planner's mark

    clock.set(ROUND_TIME)
    started = time.perf_counter()
    await due.run_rounds(runtime, clock.now())
    seconds = time.perf_counter() - started
    prompts = await count(db, OutboxMessage)
    assert await count(db, Visit) == elders

    # The same round once more, traced: tracing allocations slows Python down, so the time
    # above is measured without it.
    await forget_round(db, clock.now() - timedelta(seconds=5))
    tracemalloc.start()
    await due.run_rounds(runtime, clock.now())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    clock.set(ROUND_TIME + timedelta(hours=2))  # nobody answered: every visit is missed
    started = time.perf_counter()
    await due.run_rounds(runtime, clock.now())
    reminder_seconds = time.perf_counter() - started
    reminders = await count(db, OutboxMessage) - prompts
    await db.dispose()
    return Result(
        backend=db.dialect,
        elders=elders,
        visitors=visitors,
        prompts_queued=prompts,
        seconds_to_queue_prompts=round(seconds, 3),
        peak_python_mb=round(peak / 2**20, 1),
        rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        reminders_queued=reminders,
        seconds_to_queue_reminders=round(reminder_seconds, 3),
    )


ELDERS, VISITORS = 10_000, 2_500


async def run(options: Options) -> list[Row]:
    """For ``python -m bench``: a round for 10,000 elders and 2,500 visitors on each database."""
    urls = [("sqlite", f"sqlite+aiosqlite:///{options.work / 'rounds.db'}")]
    if options.postgres_url:
        urls.append(("postgresql", options.postgres_url))
    rows = []
    for database, url in urls:
        result = await measure(url, ELDERS, VISITORS)
        rows.append(
            Row(
                scenario=f"round: {ELDERS:,} elders, {VISITORS:,} visitors",
                database=database,
                messages=result.prompts_queued,
                delivered=result.prompts_queued,
                lost=0,
                duplicates=0,
                too_many_requests=0,
                seconds=result.seconds_to_queue_prompts,
                rate=result.prompts_queued / max(result.seconds_to_queue_prompts, 1e-9),
                note="prompts queued after the round time",
                extra={
                    "peak_python_mb": result.peak_python_mb,
                    "rss_mb": result.rss_mb,
                    "reminders_s": result.seconds_to_queue_reminders,
                },
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.rounds", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--elders", type=int, default=10_000)
    parser.add_argument("--visitors", type=int, default=2_500)
    parser.add_argument("--database", help="a database URL (default: SQLite in a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        url = args.database or f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        result = asyncio.run(measure(url, args.elders, args.visitors))
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(
            f"rounds [{result.backend}]: {result.elders} elders, {result.visitors} visitors: "
            f"{result.prompts_queued} prompts queued in {result.seconds_to_queue_prompts:.2f}s "
            f"(peak Python memory {result.peak_python_mb} MB, RSS {result.rss_mb} MB); "
            f"window over, {result.reminders_queued} reminders queued in "
            f"{result.seconds_to_queue_reminders:.2f}s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
