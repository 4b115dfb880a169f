"""What every handler and job needs (``bot.runtime.Runtime``): its display settings follow the
config as it is when they are asked for, not as it was when the runtime was built."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.config import Config
from bot.runtime import Runtime
from models.db import Database


async def test_the_display_follows_a_config_changed_after_the_runtime_was_built(
    db: Database, clock: FrozenClock
) -> None:
    runtime = Runtime(Config(), db, clock)
    assert runtime.display.zone == ZoneInfo("Asia/Shanghai")
    assert runtime.display.group_language == "zh"

    runtime.config.bot.timezone = "Europe/Berlin"
    runtime.config.bot.default_language = "en"
    runtime.config.community.name = "Riverside"

    display = runtime.display
    assert display.zone == ZoneInfo("Europe/Berlin")
    assert display.group_language == "en"
    assert display.community.name == "Riverside"
    assert display.translator("en").zone == ZoneInfo("Europe/Berlin")
