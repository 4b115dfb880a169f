"""Is the Bot API answering? While fetching updates fails with a network error (an outage,
a 5xx), PTB retries and reports each failure to the error handler, which tells this. The log
gets one warning a minute (not a traceback every few seconds), and ``/healthz`` reports
``telegram`` as failing until half a minute passes without a failure."""

from __future__ import annotations

import logging

log = logging.getLogger("bot.telegram")
LOG_EVERY = 60.0  # seconds between two lines about the same outage
HEALTHY_AFTER = 30.0  # seconds without a failure before the Bot API counts as answering


class BotApiReach:
    def __init__(self) -> None:
        self.failures = 0
        self.last_failure: float | None = None
        self._last_logged: float | None = None

    def failed(self, error: BaseException, now: float) -> None:
        if self.last_failure is None or now - self.last_failure > HEALTHY_AFTER:
            self.failures = 0  # a new outage
        self.failures += 1
        self.last_failure = now
        if self._last_logged is None or now - self._last_logged >= LOG_EVERY:
            log.warning(
                "the Bot API is not answering (%s: %s); retrying (%d failures so far)",
                type(error).__name__,
                error,
                self.failures,
            )
            self._last_logged = now

    def state(self, now: float) -> str:
        if self.last_failure is None or now - self.last_failure > HEALTHY_AFTER:
            return "ok"
        return f"not answering: {self.failures} failed, the last {now - self.last_failure:.0f}s ago"
