"""How a singleton (the outbox sender, the due-work tick, the lease renewal) lives through a
bad spell of its database: it logs once when it starts failing and once when it recovers,
waits a little longer before each new try, and tells ``/healthz`` how it is doing."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field


@dataclass
class Recovery:
    """One singleton's run of failures. ``failed()`` returns how long to wait before the next
    try: ``first_wait`` seconds, doubled at each failure up to ``max_wait``."""

    what: str  # "the outbox sender": how the log names it
    log: logging.Logger
    first_wait: float = 1.0
    max_wait: float = 30.0
    failures: int = 0
    error: str = ""  # the last failure's kind, for /healthz
    failing_since: float | None = None  # monotonic seconds
    last_success: float = field(default_factory=time.monotonic)
    retry_at: float = 0.0

    @property
    def failing(self) -> bool:
        return self.failing_since is not None

    def succeeded(self) -> None:
        now = time.monotonic()
        if self.failing_since is not None:
            self.log.warning(
                "%s has recovered after %d failed attempts in %.0fs",
                self.what,
                self.failures,
                now - self.failing_since,
            )
        self.failures, self.error, self.failing_since, self.retry_at = 0, "", None, 0.0
        self.last_success = now

    def failed(self, error: BaseException) -> float:
        now = time.monotonic()
        self.failures += 1
        self.error = type(error).__name__
        wait = min(self.max_wait, self.first_wait * 2 ** (self.failures - 1))
        if self.failing_since is None:
            self.failing_since = now
            self.log.error(
                "%s is failing (%s); retrying with backoff, logging again once it recovers",
                self.what,
                self.error,
                exc_info=error,
            )
        else:
            self.log.debug("%s failed again: %s", self.what, self.error)
        self.retry_at = now + wait
        return wait

    def waiting(self) -> bool:
        """True while the backoff after a failure has not run out."""
        return self.failing and time.monotonic() < self.retry_at

    def state(self) -> str:
        """ "ok", or what fails and for how long (for ``/healthz``)."""
        if self.failing_since is None:
            return "ok"
        return f"failing for {time.monotonic() - self.failing_since:.0f}s: {self.error}"
