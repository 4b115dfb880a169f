"""What Telegram's answer to one outbox message means for that message."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from telegram import Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

# Bad requests that mean the person cannot be reached, and those that mean "already done".
UNREACHABLE_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid")
HARMLESS_BAD_REQUESTS = ("message is not modified", "message to delete not found")
MAX_BACKOFF_SECONDS = 300.0
MAX_ERROR_LENGTH = 256


class Kind(Enum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"  # 429: wait what Telegram names, then again
    RETRY = "retry"  # 5xx, network error, timeout: again with backoff
    UNREACHABLE = "unreachable"  # 403 blocked/deactivated, chat gone: never again
    REJECTED = "rejected"  # a 400 that resending cannot fix


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    error: str | None = None
    retry_after: float = 0.0
    message_id: int | None = None


def success(result: Any) -> Verdict:
    message_id = result.message_id if isinstance(result, Message) else None
    return Verdict(Kind.SENT, message_id=message_id)


def failure(exc: TelegramError) -> Verdict:
    error = str(exc)[:MAX_ERROR_LENGTH] or type(exc).__name__
    if isinstance(exc, RetryAfter):
        return Verdict(Kind.RATE_LIMITED, error, retry_after=_retry_after(exc))
    if isinstance(exc, Forbidden):
        return Verdict(Kind.UNREACHABLE, error)
    if isinstance(exc, ChatMigrated):  # a group became a supergroup with a new id
        return Verdict(Kind.REJECTED, f"group moved to chat {exc.new_chat_id}")
    if isinstance(exc, BadRequest):
        reason = exc.message.lower()
        if any(text in reason for text in HARMLESS_BAD_REQUESTS):
            return Verdict(Kind.SENT)
        if any(text in reason for text in UNREACHABLE_BAD_REQUESTS):
            return Verdict(Kind.UNREACHABLE, error)
        return Verdict(Kind.REJECTED, error)
    return Verdict(Kind.RETRY, error)


def backoff(attempts: int) -> float:
    """Seconds before another try after ``attempts`` failed ones: 1, 2, 4, ... 300."""
    return min(2.0 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def _retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that it will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        retry_after = exc.retry_after
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)
