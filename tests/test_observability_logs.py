"""Structured logs: one JSON line per event, carrying the update, the person and, for a
button about a call-out or a visit, its id, in the lines a handler's services log too."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.observability.logs import (
    ContextFilter,
    JsonLinesFormatter,
    TextFormatter,
    configure_logging,
    log_context,
)
from bot.observability.updates import subject_ids
from bot.services.callouts.buttons import GoPress
from bot.services.rounds.buttons import CloseAlert, VisitAnswer
from tests.harness import StartBot


class LogLines:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def events(self, event: str) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.stream.getvalue().splitlines()]
        return [line for line in lines if line["event"] == event]

    async def handled(self, handler: str) -> dict[str, Any]:
        """The "update handled" line of ``handler``, once it is written (after the reply)."""
        async with asyncio.timeout(5):
            while True:
                found = [e for e in self.events("update handled") if e["handler"] == handler]
                if found:
                    (line,) = found
                    return line
                await asyncio.sleep(0.01)


@pytest.fixture
def json_logs() -> Iterator[LogLines]:
    """The root logger writing JSON lines to a buffer, as ``muster run`` writes to stderr."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonLinesFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield LogLines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_a_handled_update_is_one_line_with_its_update_and_user(
    start_bot: StartBot, json_logs: LogLines
) -> None:
    bot = await start_bot()
    alice = bot.user(101, "Alice", "en")
    sent = await alice.send("/start")
    await alice.expect_message()

    handled = await json_logs.handled("start.on_start")
    assert handled["user_id"] == 101 and isinstance(handled["update_id"], int)
    assert (handled["outcome"], handled["level"]) == ("ok", "INFO")
    assert handled["update_id"] == bot.telegram.updates.history[-1]["update_id"]
    assert sent["from"]["id"] == 101


async def test_a_press_about_a_call_out_carries_its_id_in_every_line(
    start_bot: StartBot, json_logs: LogLines
) -> None:
    bot = await start_bot()
    alice = bot.user(101, "Alice", "en")
    await alice.send("/start")
    greeting = await alice.expect_message()
    await alice.press_data(greeting, "cgo:4242:15")  # "I'll go" for a call-out that is not there
    await alice.expect_callback_answer()

    handled = await json_logs.handled("callouts.on_go")
    (refused,) = json_logs.events("refused")
    for line in (refused, handled):
        assert (line["callout_id"], line["user_id"]) == (4242, 101)
    assert handled["outcome"] == "refused" and refused["reason"]


def test_ids_are_read_from_call_out_and_visit_buttons_and_not_from_forged_ones() -> None:
    assert subject_ids(GoPress(42).pack()) == {"callout_id": 42}
    assert subject_ids(VisitAnswer(7, "well").pack()) == {"visit_id": 7}
    assert subject_ids(CloseAlert(5, "visited_well").pack()) == {"alert_id": 5}
    assert subject_ids("cgo:not-a-number:0") == {}
    assert subject_ids("nonsense") == {}


def record(message: str, *, error: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(error), error, error.__traceback__) if error else None
    made = logging.LogRecord("muster.test", logging.ERROR, __file__, 1, message, None, exc_info)
    ContextFilter().filter(made)
    return made


def test_a_traceback_stays_on_the_one_line_of_its_event() -> None:
    try:
        raise ValueError("bad\nthing")
    except ValueError as error:
        caught = error
    with log_context(update_id=9, visit_id=3, callout_id=None):
        line = JsonLinesFormatter().format(record("sending failed", error=caught))
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["event"] == "sending failed" and "ValueError: bad" in parsed["exc"]
    assert (parsed["update_id"], parsed["visit_id"]) == (9, 3) and "callout_id" not in parsed


def test_text_format_puts_the_fields_after_the_message() -> None:
    with log_context(update_id=9, user_id=101):
        line = TextFormatter().format(record("update handled"))
    assert line.endswith("ERROR muster.test: update handled update_id=9 user_id=101")


def test_configure_logging_installs_one_handler_in_the_chosen_format() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("warning", "text")
        (handler,) = root.handlers
        assert isinstance(handler.formatter, TextFormatter) and root.level == logging.WARNING
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
