"""What each of Telegram's answers means for an outbox message."""

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.outbox.verdicts import Kind, backoff, failure


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (RetryAfter(3), Kind.RATE_LIMITED),
        (Forbidden("Forbidden: bot was blocked by the user"), Kind.UNREACHABLE),
        (Forbidden("Forbidden: user is deactivated"), Kind.UNREACHABLE),
        (BadRequest("Chat not found"), Kind.UNREACHABLE),
        (BadRequest("Message is too long"), Kind.REJECTED),
        (BadRequest("Message is not modified: specified new message content ..."), Kind.SENT),
        (BadRequest("Message to delete not found"), Kind.SENT),
        (ChatMigrated(-1009876), Kind.REJECTED),
        (NetworkError("Bad Gateway"), Kind.RETRY),
        (TimedOut(), Kind.RETRY),
        (TelegramError("Internal Server Error"), Kind.RETRY),
    ],
)
def test_each_answer_has_one_meaning(answer: TelegramError, kind: Kind) -> None:
    assert failure(answer).kind is kind


def test_a_429_carries_the_wait_telegram_named() -> None:
    assert failure(RetryAfter(7)).retry_after == 7.0


def test_a_group_that_moved_names_its_new_chat() -> None:
    assert "-1009876" in (failure(ChatMigrated(-1009876)).error or "")


def test_retries_back_off_exponentially_up_to_five_minutes() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(30) == 300.0
