"""Where a press's time goes: ``python -m bench.incoming --profile`` runs Muster under
``cProfile`` (``bench.profiled``: its main thread, the event loop, on that thread's CPU clock,
from the first press until the last is answered) and prints the CPU time by package and the
functions that spend most of it themselves. The profiler's own overhead inflates the time
(about 1.5 to 2 times), so the shares count more than the milliseconds.
"""

from __future__ import annotations

import pstats
from collections import Counter
from pathlib import Path

# Where a file belongs: the first of these in its path, else the standard library.
PACKAGES = (
    "sqlalchemy", "sqlmodel", "aiosqlite", "asyncpg", "telegram", "aiohttp", "yarl",
    "multidict", "httpx", "httpcore", "anyio", "h11", "pydantic", "greenlet", "bot/",
    "handlers/", "models/", "tests/", "bench/", "asyncio/", "logging/", "json/",
)  # fmt: skip


def command(output: Path, *args: str) -> tuple[str, ...]:
    """``python`` arguments that run ``args`` (``-m module ...``) under the profiler, switched
    on by SIGUSR1 and written to ``output`` at SIGUSR2."""
    return ("-m", "bench.profiled", str(output), *args)


def summary(path: Path, presses: int, top: int = 15) -> str:
    stats = pstats.Stats(str(path))
    entries = stats.stats  # type: ignore[attr-defined]
    by_package: Counter[str] = Counter()
    for (filename, _, _), (_, _, own, _, _) in entries.items():
        by_package[_package(filename)] += own
    total = sum(by_package.values()) or 1e-9
    lines = [f"CPU in the event loop by package ({1000 * total / presses:.1f} ms per press):"]
    lines += [
        f"  {name:<12} {100 * seconds / total:5.1f} %  {1000 * seconds / presses:6.2f} ms/press"
        for name, seconds in by_package.most_common()
        if seconds / total >= 0.005
    ]
    lines.append(f"the {top} functions with the most time of their own:")
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (filename, line, function), (_, calls, own, _, _) in ranked:
        where = f"{_package(filename)}:{Path(filename).name}:{line} {function}"
        lines.append(f"  {100 * own / total:5.1f} %  {calls / presses:8.1f} calls/press  {where}")
    return "\n".join(lines)


def _package(filename: str) -> str:
    normal = filename.replace("\\", "/")
    for name in PACKAGES:
        if f"/{name}" in normal or normal.startswith(name):
            return name.rstrip("/")
    return "python"
