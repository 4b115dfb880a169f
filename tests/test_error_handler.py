"""A Bot API outage: fetching updates fails every few seconds. The log says so once a minute,
without tracebacks, rather than an ERROR per attempt; /healthz's ``telegram`` check is red
while failures keep coming and green again half a minute after the last."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import NetworkError, TimedOut

from bot.observability.bot_api import BotApiReach
from handlers import errors


def test_an_outage_is_one_warning_a_minute_and_red_health_until_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reach = BotApiReach()
    assert reach.state(50.0) == "ok"
    with caplog.at_level(logging.DEBUG, logger="bot.telegram"):
        for now, failure in ((100.0, NetworkError("Bad Gateway")), (103.0, TimedOut()),
                             (130.0, NetworkError("x")), (160.0, TimedOut())):  # fmt: skip
            reach.failed(failure, now)
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]  # 100 s and 160 s
    assert "4 failures so far" in caplog.records[-1].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    assert reach.state(170.0).startswith("not answering: 4 failed")
    assert reach.state(191.0) == "ok"  # over half a minute without a failure


async def test_the_error_handler_reports_polling_failures_to_the_reach_not_as_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reach = BotApiReach()
    context: Any = SimpleNamespace(error=NetworkError("Bad Gateway"), runtime=None)
    context.runtime = SimpleNamespace(bot_api=reach)
    with caplog.at_level(logging.DEBUG):
        await errors.on_error(None, context)
    assert reach.failures == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
