"""Benchmark results: one row per measurement, printed as a table and saved as JSON."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Row:
    scenario: str  # what was measured, e.g. "outbox sender, limits off"
    database: str  # "sqlite", "postgresql", or "-" when there is none
    messages: int  # asked to deliver
    delivered: int  # distinct recipients the server accepted a message for
    lost: int  # recipients who never got theirs
    duplicates: int  # messages a recipient got more than once
    too_many_requests: int  # 429s the server answered
    seconds: float  # client side: from the start until all was done (the sender: recorded)
    rate: float  # messages/s sustained: accepted sends between the first and the last
    cpu_ms_per_message: float | None = None  # the client process's CPU (all its threads)
    note: str = ""
    # Figures of a suite's own (say, answer latency percentiles), shown after the note.
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def remarks(self) -> str:
        figures = ", ".join(f"{name} {value:g}" for name, value in self.extra.items())
        return "; ".join(part for part in (self.note, figures) if part)


# (heading, width, how to show a row's value); text left-aligned, numbers right-aligned
COLUMNS: tuple[tuple[str, int, Any], ...] = (
    ("scenario", 46, lambda r: r.scenario),
    ("database", 10, lambda r: r.database),
    ("delivered", 9, lambda r: r.delivered),
    ("lost", 5, lambda r: r.lost),
    ("dupl", 4, lambda r: r.duplicates),
    ("429s", 4, lambda r: r.too_many_requests),
    ("msg/s", 7, lambda r: f"{r.rate:.1f}"),
    ("seconds", 7, lambda r: f"{r.seconds:.1f}"),
    (
        "cpu ms/msg",
        10,
        lambda r: "-" if r.cpu_ms_per_message is None else f"{r.cpu_ms_per_message:.2f}",
    ),
)


def table(rows: list[Row]) -> str:
    def line(cells: list[str]) -> str:
        return " ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, (_, width, _)) in enumerate(zip(cells, COLUMNS, strict=True))
        )

    lines = [line([heading for heading, _, _ in COLUMNS])]
    for row in rows:
        text = line([str(show(row)) for _, _, show in COLUMNS])
        lines.append(text + (f"  {row.remarks}" if row.remarks else ""))
    return "\n".join(lines)


def save(rows: list[Row], options: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"bench-{stamp}.json"
    body = {
        "when": stamp,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": _cpus(),
        "options": options,
        "rows": [asdict(row) for row in rows],
    }
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return path


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0
