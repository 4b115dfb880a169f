"""What every benchmark suite takes and gives: ``async def run(options: Options) -> list[Row]``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bench.report import Row


@dataclass(frozen=True)
class Options:
    messages: int = 3000  # recipients of the broadcast (or people pressing, for a presses suite)
    work: Path = Path(".")  # a scratch directory for SQLite databases
    postgres_url: str | None = None  # also measure on this PostgreSQL database (it is wiped)
    presses: int = 1000  # people pressing I'll go at once (``bench.incoming``)
    burst: bool = True  # the presses also during a broadcast and a round (``bench.burst``)
    rounds: int = 3  # the presses measured this many times, the bots taking turns: the median


Suite = Callable[[Options], Awaitable[list[Row]]]
