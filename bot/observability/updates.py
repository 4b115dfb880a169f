"""What every handled update leaves behind: its ids in the log context, a count and a time.

``observe_update`` wraps one handler run (``handlers.interaction`` uses it). The call-out or
visit a button press is about is read from its callback data, so the lines logged while
handling "I'll go" carry ``callout_id`` without the handler saying so.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.button_data import SEPARATOR, CallbackData
from bot.errors import DomainError
from bot.observability.logs import log_context
from bot.observability.metrics import HANDLER_SECONDS, UPDATES_HANDLED

log = logging.getLogger("muster.updates")

# Fields of callback data worth a place in every log line of the press they come with.
SUBJECT_FIELDS = ("callout_id", "visit_id", "alert_id")


@dataclass
class Observation:
    """How the handler ended: ``ok``, ``refused`` (a domain error) or ``failed``."""

    outcome: str = "ok"

    def refused(self, error: DomainError) -> None:
        self.outcome = "refused"
        log.info("refused", extra={"reason": error.key})


@contextmanager
def observe_update(update: Update, handler: str) -> Iterator[Observation]:
    observation = Observation()
    started = time.perf_counter()
    with log_context(**update_ids(update)):
        try:
            yield observation
        except asyncio.CancelledError:
            observation.outcome = "cancelled"
            raise
        except BaseException:
            observation.outcome = "failed"
            raise
        finally:
            seconds = time.perf_counter() - started
            HANDLER_SECONDS.labels(handler).observe(seconds)
            UPDATES_HANDLED.labels(handler, observation.outcome).inc()
            log.info(
                "update handled",
                extra={
                    "handler": handler,
                    "outcome": observation.outcome,
                    "ms": round(seconds * 1000, 1),
                },
            )


def update_ids(update: Update) -> dict[str, Any]:
    user, chat = update.effective_user, update.effective_chat
    ids: dict[str, Any] = {
        "update_id": update.update_id,
        "user_id": user.id if user else None,
        "chat_id": chat.id if chat and (user is None or chat.id != user.id) else None,
    }
    query = update.callback_query
    if query is not None and query.data:
        ids.update(subject_ids(query.data))
    return ids


def subject_ids(data: str) -> dict[str, int]:
    """``{"callout_id": 42}`` from the callback data of a call-out's button, and so on."""
    kind = _callback_kinds().get(data.split(SEPARATOR, 1)[0])
    if kind is None:
        return {}
    try:
        parsed = kind.unpack(data)
    except DomainError:  # forged or stale: the handler will say so
        return {}
    return {
        field.name: getattr(parsed, field.name)
        for field in dataclasses.fields(parsed)
        if field.name in SUBJECT_FIELDS
    }


def _callback_kinds() -> dict[str, type[CallbackData]]:
    """Every kind of callback data the bot defines, by prefix (they register by subclassing)."""
    kinds: dict[str, type[CallbackData]] = {}
    pending = list(CallbackData.__subclasses__())
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        prefix = getattr(kind, "prefix", None)
        if isinstance(prefix, str):
            kinds.setdefault(prefix, kind)
    return kinds
