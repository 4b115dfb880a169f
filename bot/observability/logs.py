"""Structured logs: one line per event, with the update, person, call-out or visit it concerns.

The ids travel in a context variable (``log_context``), set where an update is handled, so
every line logged while handling it, in a service as much as in a handler, carries them
without being passed along. ``json`` lines suit a log collector; ``text`` a person at a
terminal. Extra fields given as ``log.info("...", extra={"key": value})`` appear in both.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal

LogFormat = Literal["json", "text"]

_CONTEXT: ContextVar[Mapping[str, Any]] = ContextVar(
    "muster_log_context", default=MappingProxyType({})
)
# What every LogRecord has; anything else on a record is an extra field of the event.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
QUIET_LOGGERS = ("httpx", "httpcore", "tornado.access", "apscheduler")


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (e.g. ``callout_id=42``) to every line logged inside the block."""
    known = {key: value for key, value in fields.items() if value is not None}
    token = _CONTEXT.set({**_CONTEXT.get(), **known})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current_context() -> Mapping[str, Any]:
    return _CONTEXT.get()


class ContextFilter(logging.Filter):
    """Copies the current log context onto each record as it is logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _CONTEXT.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _RECORD_ATTRIBUTES}


class JsonLinesFormatter(logging.Formatter):
    """``{"ts": ..., "level": ..., "logger": ..., "event": ..., <fields>}`` on one line; a
    traceback goes in ``exc`` (its newlines escaped, so the event stays one line)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            **event_fields(record),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: event key=value ...``, for reading at a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={value}" for key, value in event_fields(record).items())
        text = super().formatMessage(record)
        return f"{text} {fields}" if fields else text


def configure_logging(level: str = "INFO", log_format: LogFormat = "json") -> None:
    """One handler on stderr for the whole process, replacing any before it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonLinesFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
