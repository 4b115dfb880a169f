"""Benchmark: a leader exports the whole registry (100,000 volunteers) while others use the bot.

Muster runs as ``python -m bot run`` in a process of its own against the fake Bot API server,
on SQLite seeded with bulk inserts. A leader presses "⬇ CSV" (or Excel); meanwhile another
person sends /help every half second. Measured: the seconds from the press until the file is
sent, the bot's peak resident memory (sampled every 0.1 s, and the kernel's high-water mark),
and how long each /help waited for its answer during the export.

    python -m bench.export                       # CSV of 100,000 volunteers
    python -m bench.export --format xlsx --volunteers 20000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.bot_process import BotProcess, fresh_database, write_config
from bench.memory import LEADER_ID, TOKEN, _polling, seed
from handlers.volunteers import RegistryPress
from tests.fake_telegram import FakeTelegram

ASKER = 1_800_001  # sends /help while the export runs
ASK_EVERY = 0.5


async def measure(volunteers: int, file_format: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="muster-bench-export-") as folder:
        work = Path(folder)
        url = f"sqlite+aiosqlite:///{work / 'muster.db'}"
        db = await fresh_database(url)
        await seed(db, volunteers, 0, 0)
        await db.dispose()
        async with FakeTelegram(token=TOKEN) as server:
            config = write_config(work, server.url, TOKEN, url)
            leader = server.user(LEADER_ID, "Leader", language_code="en")
            asker = server.user(ASKER, "Asker", language_code="en")
            async with BotProcess(
                "-m", "bot", "run", "--config", str(config), log=work / "log"
            ) as bot:
                await _polling(server)
                await leader.send("/volunteers")
                card = await leader.expect_message(
                    timeout=60
                )  # the counts, with the export buttons
                idle = bot.rss_mb()
                started = time.monotonic()
                await leader.press_data(card, RegistryPress(view=file_format).pack())
                peak, waits, next_ask = idle, [], started
                while not server.find_calls("sendDocument", chat_id=LEADER_ID, ok=True):
                    peak = max(peak, bot.rss_mb())
                    if time.monotonic() >= next_ask:
                        asked = time.monotonic()
                        await asker.send("/help")
                        await asker.expect_message(timeout=120)
                        waits.append(time.monotonic() - asked)
                        next_ask = asked + ASK_EVERY
                    await asyncio.sleep(0.1)
                seconds = time.monotonic() - started
                return {
                    "seconds": round(seconds, 1),
                    "idle_rss_mb": round(idle, 1),
                    "peak_rss_mb": round(max(peak, bot.rss_mb()), 1),
                    "high_water_mb": round(bot.peak_rss_mb(), 1),
                    "help_answers": len(waits),
                    "help_median_s": round(statistics.median(waits), 2) if waits else 0.0,
                    "help_max_s": round(max(waits), 2) if waits else 0.0,
                }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    options = parser.parse_args()
    figures = asyncio.run(measure(options.volunteers, options.format))
    print(f"{options.format} of {options.volunteers:,} volunteers: {figures}")


if __name__ == "__main__":
    main()
