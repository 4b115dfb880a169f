"""Run the benchmarks: ``python -m bench`` prints a table and writes bench/results/*.json.

    python -m bench                       # everything, 3,000 messages, SQLite
    python -m bench --messages 300        # a quick look
    MUSTER_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench python -m bench

Each suite is an ``async def run(options: Options) -> list[Row]`` (``bench.suite``) registered
in ``SUITES``: to add one (say, how long 1,000 simultaneous presses take to be answered), write
``bench/<name>.py`` with such a function and add it here; its rows join the same table and JSON
file, and ``--only <name>`` runs it alone.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
from pathlib import Path

from bench import conversation, incoming, memory, outbox, rounds
from bench.report import Row, save, table
from bench.suite import Options, Suite

SUITES: dict[str, Suite] = {
    "outbox": outbox.run,  # outgoing: the sender's ceiling and its rate at Telegram's limits
    # 1,000 people pressing at once: updates/s, answer latency; against PTB; the mixed burst
    "incoming": incoming.run,
    "conversation": conversation.run,  # one person in a form on an idle bot: reply latency
    "rounds": rounds.run,  # a door-knock round for 10,000 elders: time until all is queued
    "memory": memory.run,  # resident memory at idle and under load, 100,000 volunteers
}
DATABASE_ENV = "MUSTER_BENCH_DATABASE_URL"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000, help="recipients (default 3000)")
    parser.add_argument("--presses", type=int, default=1000, help="pressing at once (1000)")
    parser.add_argument("--no-burst", action="store_true", help="incoming: no mixed burst")
    parser.add_argument("--rounds", type=int, default=3, help="incoming: runs per bot (3)")
    parser.add_argument("--only", choices=sorted(SUITES), action="append", help="run only these")
    parser.add_argument(
        "--database",
        default=os.environ.get(DATABASE_ENV),
        help=f"a PostgreSQL URL to measure too (default ${DATABASE_ENV}); it is wiped",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("telegram.ext").setLevel(logging.CRITICAL)  # its 429s are counted instead
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as work:
        options = Options(
            args.messages,
            Path(work),
            args.database,
            args.presses,
            burst=not args.no_burst,
            rounds=args.rounds,
        )
        rows = asyncio.run(_run(args.only or list(SUITES), options))
    print(table(rows))
    settings = {"messages": args.messages, "presses": args.presses, "rounds": args.rounds}
    print(f"\nsaved {save(rows, {**settings, 'postgresql': bool(args.database)})}")


async def _run(names: list[str], options: Options) -> list[Row]:
    rows = []
    for name in names:
        rows.extend(await SUITES[name](options))
    return rows


if __name__ == "__main__":
    main()
