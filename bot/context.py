"""The CallbackContext every handler receives: it carries the application's runtime."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.runtime import Runtime

RUNTIME_KEY = "runtime"


class MusterContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def runtime(self) -> Runtime:
        return self.bot_data[RUNTIME_KEY]


MusterApplication = Application[
    ExtBot[None], MusterContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
