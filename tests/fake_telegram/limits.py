"""Telegram-like flood limits (sliding windows) for the fake server."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Flood-control settings; ``None`` switches a limit off.

    ``Limits.telegram()`` gives the documented Bot API guidance: 30 messages per second
    overall, 1 per second per private chat, 20 per minute per group; and, as Telegram does, a
    private chat may take a short burst (``private_chat_burst`` in a row) before its 1 a second
    applies: a token bucket, not a sliding window.
    """

    global_per_second: int | None = None
    private_chat_per_second: int | None = None
    group_chat_per_minute: int | None = None
    private_chat_burst: int = 1

    @classmethod
    def off(cls) -> Limits:
        return cls()

    @classmethod
    def telegram(cls) -> Limits:
        return cls(
            global_per_second=30,
            private_chat_per_second=1,
            group_chat_per_minute=20,
            private_chat_burst=3,
        )

    @property
    def enabled(self) -> bool:
        return any(
            v is not None
            for v in (
                self.global_per_second,
                self.private_chat_per_second,
                self.group_chat_per_minute,
            )
        )


class _Window:
    """Timestamps of accepted sends within a sliding window of ``span`` seconds."""

    def __init__(self, span: float) -> None:
        self.span = span
        self.times: deque[float] = deque()

    def _prune(self, now: float) -> None:
        while self.times and self.times[0] <= now - self.span:
            self.times.popleft()

    def retry_after(self, limit: int, now: float) -> int | None:
        """Seconds until a slot frees if ``limit`` is reached, else ``None``."""
        self._prune(now)
        if len(self.times) < limit:
            return None
        return max(1, math.ceil(self.times[0] + self.span - now))

    def add(self, now: float) -> None:
        self._prune(now)
        self.times.append(now)


class _Bucket:
    """A token bucket (GCRA): one send earned every ``interval`` seconds, ``burst`` saved up."""

    def __init__(self, interval: float, burst: int) -> None:
        self.interval = interval
        self.tolerance = (burst - 1) * interval
        self.earned_at = -math.inf

    def retry_after(self, limit: int, now: float) -> int | None:
        wait = self.earned_at - self.tolerance - now
        return max(1, math.ceil(wait)) if wait > 1e-9 else None

    def add(self, now: float) -> None:
        self.earned_at = max(self.earned_at, now) + self.interval


class RateLimiter:
    """Checks and records sends against :class:`Limits`."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self.clock = clock
        self._global = _Window(1.0)
        self._chats: dict[int | str, _Window | _Bucket] = {}

    @property
    def limits(self) -> Limits:
        return self._limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        """New limits from now on. A chat's window is shaped by the limits (a bucket with a
        burst, or a sliding window): one made under other per-chat limits (none, say, while a
        test seeded its chats) is made again under these, as Telegram would count afresh."""
        if (limits.private_chat_burst, limits.private_chat_per_second) != (
            self._limits.private_chat_burst,
            self._limits.private_chat_per_second,
        ):
            self._chats.clear()
        self._limits = limits

    def _chat_window(self, chat_id: int | str, is_group: bool) -> _Window | _Bucket:
        window = self._chats.get(chat_id)
        if window is None:
            burst, per_second = self.limits.private_chat_burst, self.limits.private_chat_per_second
            if not is_group and burst > 1 and per_second:
                window = self._chats[chat_id] = _Bucket(1.0 / per_second, burst)
            else:
                window = self._chats[chat_id] = _Window(60.0 if is_group else 1.0)
        return window

    def check(self, chat_id: int | str, is_group: bool) -> int | None:
        """Return ``retry_after`` seconds if a send to ``chat_id`` would exceed a limit."""
        now = self.clock()
        waits: list[int] = []
        if self.limits.global_per_second is not None:
            wait = self._global.retry_after(self.limits.global_per_second, now)
            if wait is not None:
                waits.append(wait)
        chat_limit = (
            self.limits.group_chat_per_minute if is_group else self.limits.private_chat_per_second
        )
        if chat_limit is not None:
            wait = self._chat_window(chat_id, is_group).retry_after(chat_limit, now)
            if wait is not None:
                waits.append(wait)
        return max(waits) if waits else None

    def record(self, chat_id: int | str, is_group: bool) -> None:
        now = self.clock()
        self._global.add(now)
        self._chat_window(chat_id, is_group).add(now)

    def reset(self) -> None:
        self._global = _Window(1.0)
        self._chats.clear()
