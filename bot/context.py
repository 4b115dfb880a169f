"""The CallbackContext every handler receives: it carries the application's services."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.runtime import Services

SERVICES_KEY = "services"


class MusterContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        return self.bot_data[SERVICES_KEY]


MusterApplication = Application[
    ExtBot[None], MusterContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
