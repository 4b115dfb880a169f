"""The CallbackContext every handler receives: it carries the application's runtime."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CallbackContext, ExtBot, Job, JobQueue

from bot.runtime import Runtime

RUNTIME_KEY = "runtime"


class MusterContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def runtime(self) -> Runtime:
        return self.bot_data[RUNTIME_KEY]


# PTB's classes are generic in the bot, the context and the three data stores; these aliases
# spell them once for this application.
MusterApplication = Application[
    ExtBot[None], MusterContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
MusterJob = Job[MusterContext]
MusterJobQueue = JobQueue[MusterContext]
Callback = Callable[[Update, MusterContext], Coroutine[Any, Any, None]]
Handler = BaseHandler[Update, MusterContext, None]
Handlers = list[Handler]
"""What each ``handlers`` module's ``routes()`` returns."""
