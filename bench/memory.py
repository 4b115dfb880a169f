"""Benchmark: the bot process's resident memory (RSS) at idle and under load, with 100,000
volunteers and 10,000 elders in the database.

Muster runs as ``python -m bot run`` (long polling) in a process of its own against the fake
Bot API server, which runs here; its memory is read from ``/proc``. Measured:

* **idle, empty database**: started and polling, nothing to do (Python, PTB, SQLAlchemy and
  the bot's own modules);
* **idle, full database**: started on 100,000 volunteers (each with skills and availability)
  and 10,000 elders living alone (one daily visit each, 2,500 visitors in 25 care teams),
  after a few scheduler ticks;
* **under load**: a door-knock round falls due for the 10,000 elders (every visitor's prompt
  is planned, queued and sent, the outbox pacing off) while a leader exports the whole
  registry as a spreadsheet (100,000 rows, sent as a document): the peak RSS (sampled every
  0.1 s, and the kernel's high-water mark), and the RSS once everything has gone out.

The data is seeded with bulk inserts before the bot starts.

    python -m bench.memory                        # SQLite in a temporary directory
    python -m bench.memory --database postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    python -m bench.memory --volunteers 10000 --elders 1000
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlmodel import select

from bench.bot_process import BotProcess, fresh_database, write_config
from bench.presses import people_in_chat
from bench.report import Row
from bench.suite import Options
from bot.config import DEFAULT_SKILLS, BotConfig
from handlers.volunteers import RegistryPress
from models import Account, Role, Team, TeamMember, Volunteer, VolunteerAvailability, VolunteerSkill
from models.db import Database
from models.elders import Elder, ElderVisitTime, RoundsMark
from models.enums import Availability
from tests.fake_telegram import FakeTelegram, FakeUser, Limits

TOKEN = "123456:MEMORY"
VOLUNTEERS = 100_000
ELDERS = 10_000
ELDERS_PER_VISITOR = 4  # as one city's door-knock teams: 1,800 volunteers for 7,600 elders
TEAM_SIZE = 100
FIRST_VOLUNTEER = 2_000_001
LEADER_ID = 1_900_001  # the one exporting the registry; the care-team leaders follow
SEEDED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
SETTLE_SECONDS = 6.0  # idle: a scheduler tick or so after polling began
CHUNK = 5_000  # rows per INSERT statement batch
DATABASE_ENV = "MUSTER_BENCH_DATABASE_URL"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Load:
    peak_mb: float  # the most RSS seen while sampling
    high_water_mb: float  # the kernel's VmHWM at the end (the whole life of the process)
    after_mb: float  # once everything has gone out
    seconds: float  # from the round falling due until prompts and export had all gone out
    prompts: int
    export_delivered: bool


async def run(options: Options) -> list[Row]:
    """The suite for ``python -m bench`` (the data's size is fixed: ``options.messages`` is
    not used)."""
    return await measure_all(options.work, options.postgres_url, VOLUNTEERS, ELDERS)


async def measure_all(
    work: Path, postgres_url: str | None, volunteers: int, elders: int
) -> list[Row]:
    databases = [("sqlite", f"sqlite+aiosqlite:///{work / 'bench-memory.db'}")]
    if postgres_url:
        databases.append(("postgresql", postgres_url))
    rows = []
    for name, url in databases:
        rows.extend(await measure(url, name, work, volunteers, elders))
    return rows


async def measure(url: str, database: str, work: Path, volunteers: int, elders: int) -> list[Row]:
    visitors = max(1, elders // ELDERS_PER_VISITOR)
    async with FakeTelegram(token=TOKEN, limits=Limits.off()) as server:
        leader = people_in_chat(server, [LEADER_ID])[0]
        people_in_chat(server, range(FIRST_VOLUNTEER, FIRST_VOLUNTEER + visitors))
        db = await fresh_database(url)
        try:
            config = write_config(work, server.url, TOKEN, url)
            empty = await _idle(server, config, work / f"memory-empty-{database}.log")
            started = time.monotonic()
            await seed(db, volunteers, elders, visitors)
            seeded = time.monotonic() - started
            log.warning("seeded %s in %.0fs", database, seeded)
            full_log = work / f"memory-full-{database}.log"
            async with _bot(config, full_log) as bot:
                await _polling(server)
                await asyncio.sleep(SETTLE_SECONDS)
                idle = bot.rss_mb()
                load = await _under_load(server, db, bot, leader, visitors)
        finally:
            await db.dispose()
    size = f"{volunteers:,} volunteers, {elders:,} elders"
    return [
        _row("memory: idle, empty database", database, empty, ""),
        _row(f"memory: idle, {size}", database, idle, f"seeded in {seeded:.0f}s"),
        Row(
            scenario=f"memory: round of {elders:,} elders + registry export",
            database=database,
            messages=load.prompts,
            delivered=load.prompts,
            lost=0 if load.export_delivered else 1,
            duplicates=0,
            too_many_requests=0,
            seconds=round(load.seconds, 1),
            rate=round(load.prompts / max(load.seconds, 1e-9), 1),
            note=_load_note(load, full_log),
            extra={
                "peak rss MB": round(load.peak_mb, 1),
                "high-water rss MB": round(load.high_water_mb, 1),
                "rss after MB": round(load.after_mb, 1),
            },
        ),
    ]


def _load_note(load: Load, log_file: Path) -> str:
    notes = [f"{load.prompts} prompts sent, outbox pacing off"]
    notes.append("registry export sent" if load.export_delivered else "the export never came")
    handovers = log_file.read_text(errors="replace").count("stopping the sender and the sched")
    if handovers:
        notes.append(f"the singletons stopped {handovers} times (lease)")
    return "; ".join(notes)


def _row(scenario: str, database: str, rss: float, note: str) -> Row:
    return Row(
        scenario=scenario,
        database=database,
        messages=0,
        delivered=0,
        lost=0,
        duplicates=0,
        too_many_requests=0,
        seconds=0.0,
        rate=0.0,
        note=note,
        extra={"rss MB": round(rss, 1)},
    )


def _bot(config: Path, log_file: Path) -> BotProcess:
    return BotProcess("-m", "bot", "run", "--config", str(config), log=log_file)


async def _idle(server: FakeTelegram, config: Path, log_file: Path) -> float:
    async with _bot(config, log_file) as bot:
        await _polling(server)
        await asyncio.sleep(SETTLE_SECONDS)
        return bot.rss_mb()


async def _polling(server: FakeTelegram, within: float = 60) -> None:
    """Until a long poll of the bot's arrives that came after every earlier one (the bot
    started; the server is told nothing else)."""
    first = len(server.calls)
    async with asyncio.timeout(within):
        while not any(c.method == "getUpdates" for c in server.calls[first:]):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


# -- under load ---------------------------------------------------------------------------------


async def _under_load(
    server: FakeTelegram, db: Database, bot: BotProcess, leader: FakeUser, visitors: int
) -> Load:
    started = time.monotonic()
    await make_round_due(db, datetime.now(UTC))
    await leader.send("/volunteers")
    peak = bot.rss_mb()
    card = None
    exported = False
    deadline = started + 600
    while time.monotonic() < deadline and bot.alive():
        peak = max(peak, bot.rss_mb())
        if card is None:
            card = next(
                (m for m in server.messages(LEADER_ID) if m.inline_keyboard), None
            )  # fmt: skip
            if card is not None:
                await leader.press_data(card, RegistryPress(view="xlsx").pack())
        exported = exported or bool(server.find_calls("sendDocument", chat_id=LEADER_ID, ok=True))
        if exported and _visitors_prompted(server, visitors) >= visitors:
            break
        await asyncio.sleep(0.1)
    seconds = time.monotonic() - started
    await asyncio.sleep(SETTLE_SECONDS)
    prompts = _visitors_prompted(server, visitors)
    return Load(peak, bot.peak_rss_mb(), bot.rss_mb(), seconds, prompts, exported)


def _visitors_prompted(server: FakeTelegram, visitors: int) -> int:
    last = FIRST_VOLUNTEER + visitors
    return len({chat for _, chat in server.stats.send_log if FIRST_VOLUNTEER <= chat < last})


async def make_round_due(db: Database, now: datetime) -> None:
    """Every elder's daily visit is at the minute that just passed, and the planner last
    looked two minutes ago: its next tick plans the round."""
    zone = ZoneInfo(BotConfig().timezone)
    slot = (now - timedelta(minutes=1)).astimezone(zone).strftime("%H:%M")
    async with db.session() as session:
        await session.exec(update(ElderVisitTime).values(slot=slot))  # type: ignore[call-overload]
        mark = await session.get(RoundsMark, "planned_until")
        if mark is None:
            session.add(RoundsMark(name="planned_until", at=now - timedelta(minutes=2)))
        else:
            mark.at = now - timedelta(minutes=2)


# -- the data -------------------------------------------------------------------------------------


async def seed(db: Database, volunteers: int, elders: int, visitors: int) -> None:
    """Volunteers with a skill or two and their availability; the first ``visitors`` of them in
    care teams of a hundred, each elder with a primary and a backup visitor from one team."""
    ids = range(FIRST_VOLUNTEER, FIRST_VOLUNTEER + volunteers)
    teams = max(1, visitors // TEAM_SIZE)
    leaders = [LEADER_ID + n for n in range(teams + 1)]  # the first exports; all lead a team
    await _insert(db, Account, [
        {"telegram_id": t, "language": "zh", "role": Role.LEADER, "first_name": f"L{t}",
         "created_at": SEEDED} for t in leaders
    ] + [
        {"telegram_id": t, "language": "zh" if t % 3 else "en", "role": Role.VOLUNTEER,
         "first_name": f"V{t}", "created_at": SEEDED} for t in ids
    ])  # fmt: skip
    await _insert(db, Volunteer, [
        {"telegram_id": t, "name": f"志愿者 {n}", "phone": f"+86138{n:08d}",
         "compound": f"Compound {n % 12}", "address": f"Building {n % 40}, Room {100 + n % 600}",
         "party": "in_service" if n % 7 == 0 else "none", "consent_visible": n % 2 == 0,
         "registered_at": SEEDED + timedelta(minutes=n)}
        for n, t in enumerate(ids)
    ])  # fmt: skip
    volunteer_ids = await _ids(db, Volunteer.id)
    skills = list(DEFAULT_SKILLS)
    slots = list(Availability)
    await _insert(db, VolunteerSkill, [
        {"volunteer_id": v, "skill": skills[(n + k) % len(skills)]}
        for n, v in enumerate(volunteer_ids) for k in range(1 + n % 2)
    ])  # fmt: skip
    await _insert(db, VolunteerAvailability, [
        {"volunteer_id": v, "slot": slots[n % len(slots)]} for n, v in enumerate(volunteer_ids)
    ])  # fmt: skip
    await _insert(db, Team, [
        {"name": f"Care team {n}", "leader_telegram_id": leaders[n + 1], "created_by": LEADER_ID,
         "created_at": SEEDED} for n in range(teams)
    ])  # fmt: skip
    team_ids = await _ids(db, Team.id)
    team_of = {v: team_ids[n // TEAM_SIZE % teams] for n, v in enumerate(volunteer_ids[:visitors])}
    await _insert(db, TeamMember, [
        {"team_id": t, "volunteer_id": v, "added_by": LEADER_ID, "added_at": SEEDED}
        for v, t in team_of.items()
    ])  # fmt: skip
    await _insert(db, Elder, [
        {"name": f"老人 {n}", "compound": f"Compound {n % 12}", "building": str(n % 40),
         "room": str(100 + n % 600), "phone": f"139{n:08d}", "risk_notes": "lives alone",
         "team_id": team_of[volunteer_ids[n % visitors]],
         "primary_visitor_id": volunteer_ids[n % visitors],
         "backup_visitor_id": volunteer_ids[(n + TEAM_SIZE // 2) % visitors],
         "created_at": SEEDED, "updated_at": SEEDED}
        for n in range(elders)
    ])  # fmt: skip
    await _insert(db, ElderVisitTime, [
        {"elder_id": e, "slot": "09:00", "window_minutes": 120} for e in await _ids(db, Elder.id)
    ])  # fmt: skip


async def _insert(db: Database, model: type, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.session() as session:
            await session.exec(insert(model), params=rows[start : start + CHUNK])  # type: ignore[call-overload]


async def _ids(db: Database, column: object) -> list[int]:
    async with db.session() as session:
        return list(await session.exec(select(column).order_by(column)))  # type: ignore[call-overload]


# -- python -m bench.memory -------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--volunteers", type=int, default=VOLUNTEERS)
    parser.add_argument("--elders", type=int, default=ELDERS)
    parser.add_argument(
        "--database",
        default=os.environ.get(DATABASE_ENV),
        help=f"a PostgreSQL URL to measure too (default ${DATABASE_ENV}); it is wiped",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as work:
        rows = asyncio.run(measure_all(Path(work), args.database, args.volunteers, args.elders))
    for row in rows:
        took = f"{row.seconds:g}s: " if row.seconds else ""
        print(f"{row.scenario:<52} {row.database:<10} {took}{row.remarks}")


if __name__ == "__main__":
    main()
