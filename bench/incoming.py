"""Benchmark: 1,000 volunteers press "I'll go" at once on a call-out for 50 places.

Muster runs as ``python -m bot run`` (long polling) in a process of its own against the fake
Bot API server, which runs here: it queues the 1,000 presses in one go and notes when each
press's answers arrive. Measured per press, from the moment the server queued it:

* **answer**: the bot's answer to the press (``answerCallbackQuery``, made by the handler
  right after its transaction commits); Telegram refuses one later than 15 s;
* **reply**: the message that shows the volunteer their place (Muster edits the call-out
  message through the outbox; the echo bot sends a new message).

Updates handled per second is the presses over the time from the first press until the last
one was answered; CPU per press is the bot process's CPU (every thread) over the run, divided
by the presses. The outbox pacing is off (``[outbox]`` limits far above Telegram's, the fake
server's limits off): this measures the bot, not Telegram's 30 messages a second. The call-out
and the volunteers are seeded before the start: the volunteers in bulk, the call-out through
the services as a leader's form would (``create_callout``, ``deliver_callout``).

The reference, in the same run against the same server: a bare python-telegram-bot bot
(``bench.echo_bot``) with one CallbackQueryHandler that answers and sends a message; once one
update at a time (PTB's default), and with 64 at once (as many as Muster's update processor
allows). Muster's rows say what share of the one-at-a-time echo bot's updates/s they made.

Then the mixed burst (``bench.burst``): the same presses while an announcement drains and a
door-knock round falls due, at Telegram's limits.

    python -m bench.incoming                        # SQLite (and the reference)
    python -m bench.incoming --database postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    MUSTER_BENCH_DATABASE_URL=... python -m bench.incoming --presses 300 --no-burst
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import signal
import statistics
import tempfile
from pathlib import Path

from sqlalchemy import insert
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bench import burst
from bench import profile as bench_profile
from bench.bot_process import BotProcess, fresh_database, write_config
from bench.presses import (
    answers,
    delivered,
    first_poll,
    measure,
    people_in_chat,
    post_callout,
    row,
)
from bench.report import Row, table
from bench.suite import Options
from bot.clock import SystemClock
from models import Account, Role, Volunteer
from models.db import Database
from tests.fake_telegram import FakeTelegram, FakeUser, Limits

TOKEN = "123456:INCOMING"
LEADER_ID = 900_001
FIRST_VOLUNTEER = 1_000_001
DATABASE_ENV = "MUSTER_BENCH_DATABASE_URL"
ECHO_ONE_AT_A_TIME = "reference: PTB echo bot, one update at a time"
log = logging.getLogger(__name__)


async def run(options: Options) -> list[Row]:
    """The suite for ``python -m bench``: ``options.presses`` volunteers press, measured
    ``options.rounds`` times, the bots taking turns (Muster on each database, the echo bot one
    update at a time and 64 at once): each row is the bot's median run by updates/s. The same
    code varies by a third from one run to the next on a shared machine, the echo bot as much
    as Muster; turns and medians keep the comparison fair."""
    presses = options.presses
    databases = [("sqlite", f"sqlite+aiosqlite:///{options.work / 'bench-incoming.db'}")]
    if options.postgres_url:
        databases.append(("postgresql", options.postgres_url))
    runs: dict[str, list[Row]] = {}
    shares: dict[str, list[float]] = {}
    for _ in range(max(1, options.rounds)):
        measured = [await muster(url, name, presses, options.work) for name, url in databases]
        echo = [await echo_bot(presses, options.work, concurrent) for concurrent in (0, 64)]
        for r in (*measured, *echo):
            runs.setdefault(f"{r.scenario}/{r.database}", []).append(r)
        for r in measured:
            shares.setdefault(r.database, []).append(r.rate / max(echo[0].rate, 1e-9))
    rows = [median_run(each) for each in runs.values()]
    rows = [with_share(r, shares[r.database]) if r.database in shares else r for r in rows]
    if options.burst:
        for name, url in databases:
            rows.extend(await burst.run(url, name, presses, options.work))
    return rows


def median_run(runs: list[Row]) -> Row:
    """The run with the median updates/s, whole (its latencies and CPU go with it)."""
    chosen = sorted(runs, key=lambda r: r.rate)[(len(runs) - 1) // 2]
    if len(runs) == 1:
        return chosen
    rates = ", ".join(f"{r.rate:.0f}" for r in runs)
    return dataclasses.replace(chosen, note=f"{chosen.note}; median of {len(runs)} ({rates}/s)")


def with_share(muster_row: Row, shares: list[float]) -> Row:
    """Muster's updates/s as a share of the echo bot's (one update at a time) in the same
    round: the median over the rounds."""
    extra = {**muster_row.extra, "% of echo bot": round(100 * statistics.median(shares))}
    return dataclasses.replace(muster_row, extra=extra)


# -- Muster -------------------------------------------------------------------------------------


async def muster(
    url: str, database: str, presses: int, work: Path, profile: Path | None = None
) -> Row:
    """``profile``: the bot that takes the presses runs under ``cProfile``, writing there (the
    call-out is delivered by a run of its own first)."""
    async with FakeTelegram(token=TOKEN, limits=Limits.off()) as server:
        people = people_in_chat(server, range(FIRST_VOLUNTEER, FIRST_VOLUNTEER + presses))
        db = await fresh_database(url)
        try:
            await seed(db, [p.id for p in people])
            config = write_config(work, server.url, TOKEN, url)
            command: tuple[str, ...] = ("-m", "bot", "run", "--config", str(config))
            if profile is not None:
                async with BotProcess(*command, log=work / f"muster-{database}-seed.log"):
                    await delivered(server, len(people))
                command = bench_profile.command(profile, *command)
            polls = len(server.calls)
            async with BotProcess(*command, log=work / f"muster-{database}.log") as bot:
                await delivered(server, len(people))
                if profile is not None:
                    await first_poll(server, since=polls)  # its signal handlers are set
                    os.kill(bot.pid, signal.SIGUSR1)
                tally, cpu, seconds = await measure(server, bot, people, edits=True)
                if profile is not None:
                    os.kill(bot.pid, signal.SIGUSR2)
                    await _written(profile)
            confirmed, waiting = await answers(db)
        finally:
            await db.dispose()
    note = f"{confirmed} confirmed, {waiting} waiting; outbox pacing off"
    if profile is not None:
        note += "; under cProfile"
    return row(f"Muster: {presses} press I'll go at once", database, tally, cpu, seconds, note)


async def _written(path: Path, within: float = 30) -> None:
    async with asyncio.timeout(within):
        while not await asyncio.to_thread(path.exists):  # noqa: ASYNC110
            await asyncio.sleep(0.2)


async def seed(db: Database, volunteers: list[int]) -> None:
    """The volunteers in bulk; the call-out through the services, as a leader's form does."""
    now = SystemClock().now()
    people = [{"telegram_id": LEADER_ID, "language": "zh", "role": Role.LEADER, "first_name": "Lin",
               "created_at": now}]  # fmt: skip
    people += [
        {"telegram_id": t, "language": "zh", "role": Role.VOLUNTEER, "first_name": f"V{t}",
         "created_at": now}
        for t in volunteers
    ]  # fmt: skip
    async with db.session() as session:
        await session.exec(insert(Account), params=people)  # type: ignore[call-overload]
        await session.exec(
            insert(Volunteer),  # type: ignore[call-overload]
            params=[
                {"telegram_id": t, "name": f"Volunteer {t}", "phone": f"+86138{t:08d}",
                 "registered_at": now}
                for t in volunteers
            ],
        )  # fmt: skip
    await post_callout(db, LEADER_ID, now)


# -- the reference ------------------------------------------------------------------------------


async def echo_bot(presses: int, work: Path, concurrent: int) -> Row:
    async with FakeTelegram(token=TOKEN, limits=Limits.off()) as server:
        people = people_in_chat(server, range(FIRST_VOLUNTEER, FIRST_VOLUNTEER + presses))
        await _send_buttons(server, people)
        command = ["-m", "bench.echo_bot", "--base-url", server.url, "--token", TOKEN]
        command += ["--concurrent", str(concurrent)]
        async with BotProcess(*command, log=work / f"echo-{concurrent}.log") as bot:
            await first_poll(server)
            tally, cpu, seconds = await measure(server, bot, people, edits=False)
    scenario = f"reference: PTB echo bot, {concurrent} updates at once"
    scenario = scenario if concurrent else ECHO_ONE_AT_A_TIME
    return row(scenario, "-", tally, cpu, seconds, "answers and sends a message; no database")


async def _send_buttons(server: FakeTelegram, people: list[FakeUser]) -> None:
    """The message with a button each person will press."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("I'll go", callback_data="go:1")]])
    queue = iter(people)
    async with Bot(TOKEN, base_url=f"{server.url}/bot") as bot:

        async def worker() -> None:
            for person in queue:
                await bot.send_message(
                    person.id, "Vaccination duty, 50 needed", reply_markup=markup
                )

        await asyncio.gather(*(worker() for _ in range(8)))


# -- python -m bench.incoming -------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.incoming", description=__doc__)
    parser.add_argument("--presses", type=int, default=1000, help="volunteers pressing (1000)")
    parser.add_argument(
        "--database",
        default=os.environ.get(DATABASE_ENV),
        help=f"a PostgreSQL URL to measure too (default ${DATABASE_ENV}); it is wiped",
    )
    parser.add_argument("--no-burst", action="store_true", help="leave out the mixed burst")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each bot (3)")
    parser.add_argument("--profile", action="store_true", help="Muster on SQLite under cProfile")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.profile:
        asyncio.run(_profile(args.presses))
        return
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as work:
        options = Options(
            work=Path(work), postgres_url=args.database, presses=args.presses,
            burst=not args.no_burst, rounds=args.rounds,
        )  # fmt: skip
        rows = asyncio.run(run(options))
    print(table(rows))


async def _profile(presses: int) -> None:
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as folder:
        work = Path(folder)
        output = work / "muster.prof"
        url = f"sqlite+aiosqlite:///{work / 'bench-incoming.db'}"
        measured = await muster(url, "sqlite", presses, work, profile=output)
        print(table([measured]))
        print(bench_profile.summary(output, presses))


if __name__ == "__main__":
    main()
