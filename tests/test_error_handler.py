"""The error handler during a Bot API outage: fetching updates fails every few seconds; the
log says so once a minute, without tracebacks, rather than an ERROR per attempt."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import NetworkError, TimedOut

from handlers import errors


async def test_an_outage_is_one_warning_a_minute_not_an_error_per_attempt(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(errors, "_outage", errors._OutageLog())
    moments = iter([100.0, 103.0, 130.0, 161.0])
    monkeypatch.setattr(errors, "_seconds", lambda: next(moments))
    context: Any = SimpleNamespace(error=None)
    with caplog.at_level(logging.DEBUG, logger="handlers.errors"):
        for failure in (NetworkError("Bad Gateway"), TimedOut(), NetworkError("x"), TimedOut()):
            context.error = failure
            await errors.on_error(None, context)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in lines] == ["WARNING", "WARNING"]  # at 100 s and at 161 s
    assert "4 failures so far" in lines[-1][1]
    assert all(r.exc_info is None for r in caplog.records)
