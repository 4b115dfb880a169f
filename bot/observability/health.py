"""Is this process fit to serve? Each check says "ok" (or a state that is fine), or why not:

- ``database``: it answers a ``SELECT 1``;
- ``writes``: it takes a write (this process's probe row, ``models.health``), which a
  read-only or immutable file or a full disk refuses while reads still answer;
- ``sender``: the outbox sender runs and reaches its database (or, on a replica that does
  not hold the lease, this process stands by to take it over);
- ``scheduler``: the due-work tick succeeds (on the lease holder);
- ``lease``: its renewal (or, on a standby, the attempt to take it) succeeds;
- ``telegram``: fetching updates from the Bot API has not failed in the last half minute.

The first failing check is the ``reason``; every check is also a metric
(``muster_health_check{check=...}``, 1 when it passes), and ``muster_healthy`` the verdict.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot.observability.metrics import HEALTH_CHECK, HEALTHY
from bot.runtime import Runtime
from models import OutboxMessage, OutboxState
from models.db import Database

CHECK_SECONDS = 3.0  # a database slower than this to answer counts as down
FINE = frozenset({"ok", "running", "standby", "holding"})
STALLED_TICKS = 10  # a holder whose due-work tick has not succeeded for this many is stuck
PROBE_NAME = f"{socket.gethostname()[:120]}/{os.getpid()}"


@dataclass(frozen=True)
class Health:
    database: str  # "ok", or why not
    writes: str  # "ok", or why not
    # "running"; "standby" on a replica waiting to take over from the one that runs it;
    # "stopped" (it died, or this process no longer even waits for it); or why it is not
    # draining the outbox ("failing for 12s: OperationalError", "stalled: ...").
    sender: str
    scheduler: str  # "ok", "standby" (another replica runs it), or why not
    lease: str  # "holding", "standby", or why not
    telegram: str = "ok"  # "ok", or how long the Bot API has not been answering

    def checks(self) -> dict[str, str]:
        return {
            "database": self.database,
            "writes": self.writes,
            "sender": self.sender,
            "scheduler": self.scheduler,
            "lease": self.lease,
            "telegram": self.telegram,
        }

    @property
    def reason(self) -> str:
        """The first failing check, as ``check: state``; empty when healthy."""
        for check, state in self.checks().items():
            if state not in FINE:
                return f"{check}: {state}"
        return ""

    @property
    def healthy(self) -> bool:
        return not self.reason

    def as_json(self) -> dict[str, Any]:
        status = "ok" if self.healthy else "unavailable"
        return {"status": status, **self.checks(), "reason": self.reason}

    def publish(self) -> None:
        """Set the health gauges to this reading."""
        for check, state in self.checks().items():
            HEALTH_CHECK.labels(check).set(1 if state in FINE else 0)
        HEALTHY.set(1 if self.healthy else 0)


async def check_health(runtime: Runtime) -> Health:
    database = await _database_state(runtime.db)
    writes = await _writes_state(runtime) if database == "ok" else "not checked"
    health = Health(
        database,
        writes,
        _sender_state(runtime),
        _scheduler_state(runtime),
        _lease(runtime),
        runtime.bot_api.state(time.monotonic()),
    )
    health.publish()
    return health


async def _database_state(db: Database) -> str:
    return await _answered(db.ping())


async def _writes_state(runtime: Runtime) -> str:
    return await _answered(runtime.db.probe_write(PROBE_NAME, runtime.clock.now()))


async def _answered(work: Any) -> str:
    try:
        await asyncio.wait_for(work, CHECK_SECONDS)
    except TimeoutError:
        return f"no answer within {CHECK_SECONDS:g}s"
    except Exception as error:  # any failure to answer means: not fit to serve
        return f"error: {type(error).__name__}: {_first_line(error)}"
    return "ok"


def _first_line(error: BaseException) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0][:200] if lines else ""


def _sender_state(runtime: Runtime) -> str:
    sender = runtime.sender
    if sender is not None:
        return sender.progress()
    keeper = runtime.lease_keeper
    if keeper is not None and keeper.state == "standby":
        return "standby"
    return "stopped"


def _scheduler_state(runtime: Runtime) -> str:
    if runtime.sender is None:  # the singletons run elsewhere (or not at all: see sender)
        return "standby"
    recovery = runtime.due_work
    if recovery.failing:
        return recovery.state()
    idle = time.monotonic() - recovery.last_success
    stalled_after = STALLED_TICKS * runtime.config.scheduler.tick_seconds
    if idle > max(60.0, stalled_after):
        return f"stalled: no tick succeeded for {idle:.0f}s"
    return "ok"


def _lease(runtime: Runtime) -> str:
    keeper = runtime.lease_keeper
    if keeper is None:
        return "stopped"
    if keeper.renewals.failing:
        return keeper.renewals.state()
    return keeper.state


async def outbox_pending(db: Database) -> int:
    """Messages waiting to be sent, for the outbox depth gauge."""
    query = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.PENDING)
    )
    async with db.engine.connect() as connection:
        return int((await asyncio.wait_for(connection.execute(query), CHECK_SECONDS)).scalar_one())
