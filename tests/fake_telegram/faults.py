"""Scripted failures: error answers, flood errors, dropped or hanging connections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import ApiError, default_description, too_many_requests

FaultKind = Literal["error", "drop", "hang"]

#: Methods a fault with ``method=None`` does *not* apply to (polling keeps working).
NOT_WILDCARD = frozenset({"getupdates"})


@dataclass
class Fault:
    """A failure applied to the next ``remaining`` matching requests."""

    kind: FaultKind
    method: str | None  # lower-cased; None matches any method except getUpdates
    remaining: int
    status: int = 500
    description: str = ""
    retry_after: int | None = None
    hang_seconds: float = 0.0
    sends_only: bool = False

    def matches(self, method: str, is_send: bool) -> bool:
        if self.sends_only and not is_send:
            return False
        if self.method is None:
            return method.lower() not in NOT_WILDCARD
        return self.method == method.lower()

    def error(self) -> ApiError:
        if self.retry_after is not None:
            return too_many_requests(self.retry_after)
        return ApiError(self.status, self.description or default_description(self.status))


class FaultPlan:
    """Queued one-shot faults plus persistent per-chat failures."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.chat_failures: dict[int | str, ApiError] = {}

    def add(self, fault: Fault) -> Fault:
        if fault.remaining > 0:
            self.faults.append(fault)
        return fault

    def take(self, method: str, is_send: bool) -> Fault | None:
        """Consume one use of the first fault matching ``method``."""
        for fault in self.faults:
            if fault.matches(method, is_send):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def chat_failure(self, chat_id: int | str | None) -> ApiError | None:
        return None if chat_id is None else self.chat_failures.get(chat_id)

    def clear(self) -> None:
        self.faults.clear()
        self.chat_failures.clear()
