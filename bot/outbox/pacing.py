"""Global pacing of the sender: how soon the next request to Telegram may start.

Two rules, both on the event loop's monotonic clock (passed in, so tests need no sleeping):

* **Spacing**: requests start on a grid ``1 / per_second`` apart; a few late starts are made
  up, but a quiet spell is never made up with a burst.
* **Window guard**: Telegram counts a request when it *arrives*, which the sender cannot see,
  but it does know that a request arrived before its answer came back. So a request may start
  only while fewer than ``window`` requests are in flight or were answered within the last
  second. However the network bunches requests together, Telegram then never sees more than
  ``window`` in any second, which is what keeps a 3,000-message broadcast free of 429s.

A 429 pauses everything for the ``retry_after`` it names; a run of network errors or 5xx
answers pauses everything with a growing backoff, so an outage is probed rather than hammered.
"""

from __future__ import annotations

import math
from collections import deque

TELEGRAM_PER_SECOND = 30  # the Bot API's documented limit for one bot
CATCH_UP_STARTS = 3  # late starts that may be made up (the window guard still holds)
EPSILON = 0.002  # seconds of margin on window boundaries
FAILURES_BEFORE_PAUSE = 3
MAX_FAILURE_PAUSE = 30.0


class Pacer:
    def __init__(self, per_second: float, concurrency: int) -> None:
        self.interval = 1.0 / per_second
        # Telegram's 30, or the configured rate when it is higher (paid broadcasts, a local
        # Bot API server, tests with the limits off).
        self.window = max(TELEGRAM_PER_SECOND, math.ceil(per_second))
        self.concurrency = concurrency
        self.in_flight = 0
        self._next_start = 0.0
        self._paused_until = 0.0
        self._answered: deque[float] = deque()  # answer times within the last second
        self._failures = 0

    def delay(self, now: float) -> float | None:
        """Seconds until the next request may start; ``None`` when it must wait for one in
        flight to finish first."""
        if self.in_flight >= self.concurrency:
            return None
        start = max(now, self._next_start, self._paused_until)
        while self._answered and self._answered[0] <= now - 1.0:
            self._answered.popleft()
        # How many recent answers must drop out of the window before one more may start.
        excess = self.in_flight + len(self._answered) + 1 - self.window
        if excess > 0:
            if excess > len(self._answered):
                return None
            start = max(start, self._answered[excess - 1] + 1.0 + EPSILON)
        return start - now

    def batch_size(self, now: float, horizon: float, cap: int) -> int:
        """How many requests may start within ``horizon`` seconds (at least one): the sender
        claims that many messages at a time, so its bookkeeping is one transaction per batch
        while a reply that arrives meanwhile waits for at most one horizon."""
        if self._paused_until > now + horizon:
            return 1
        return max(1, min(cap, int(horizon / self.interval)))

    def started(self, now: float) -> None:
        self.in_flight += 1
        # Starts stay on a grid: a few that came late (the loop was busy) do not push every
        # later one back; after a quiet spell the grid restarts from (nearly) now.
        earliest = now - CATCH_UP_STARTS * self.interval
        self._next_start = max(earliest, self._next_start) + self.interval

    def answered(self, now: float) -> None:
        self.in_flight -= 1
        self._answered.append(now)

    def pause(self, now: float, seconds: float) -> None:
        """Nothing starts before ``seconds`` have passed (a 429, or an outage backoff)."""
        self._paused_until = max(self._paused_until, now + seconds)

    def succeeded(self) -> None:
        self._failures = 0

    def failed(self, now: float) -> None:
        """A network error or 5xx: after a few in a row, Telegram is probably down."""
        self._failures += 1
        if self._failures >= FAILURES_BEFORE_PAUSE:
            exponent = self._failures - FAILURES_BEFORE_PAUSE
            self.pause(now, min(2.0**exponent, MAX_FAILURE_PAUSE))
