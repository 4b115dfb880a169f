"""The error handler: log every unhandled error with its update and tell the user."""

from __future__ import annotations

import contextlib
import logging
import time

from telegram import Update
from telegram.error import NetworkError, TelegramError

from bot.context import MusterContext
from bot.i18n import text
from bot.outbox.queue import Outgoing, enqueue
from bot.services.accounts import load_actor

log = logging.getLogger(__name__)


async def on_error(update: object, context: MusterContext) -> None:
    if update is None and isinstance(context.error, NetworkError):  # fetching updates failed
        context.runtime.bot_api.failed(context.error, time.monotonic())
        return
    log.error("unhandled error in update %s", _describe(update), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    runtime = context.runtime
    chat_id = update.effective_chat.id
    language: str = runtime.config.bot.default_language
    try:
        async with runtime.db.session() as session:
            if update.effective_user is not None:
                actor = await load_actor(
                    session, telegram_id=update.effective_user.id, admins=runtime.config.bot.admins
                )
                language = actor.language if actor else language
            message = text(language, "errors.unexpected")
            await enqueue(session, runtime.clock.now(), [Outgoing.message(chat_id, message)])
        runtime.wake_sender()
    except Exception:  # the database itself may be what failed: say it directly
        log.exception("could not queue the error notice; sending it directly")
        try:
            await context.bot.send_message(chat_id, text(language, "errors.unexpected"))
        except TelegramError:
            log.exception("could not tell chat %s about the error", chat_id)
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):  # it may have been answered already
            await update.callback_query.answer()


def _describe(update: object) -> str:
    if isinstance(update, Update):
        user = update.effective_user
        return f"id={update.update_id} user={user.id if user else None}"
    return repr(update)
