"""One update, one unit of work.

``@interaction`` wraps a handler: it opens a transaction, loads (or creates) the sender's
account, gives the handler an ``Interaction`` to reply through, writes the replies to the
outbox and marks the update handled in the intake (``bot.intake``) in the same transaction,
commits, and wakes the sender. A ``DomainError`` rolls the work back and becomes a friendly
answer; a refusal (``NotAllowed``) is audit-logged. An update that another process (or this
one, before a restart) handled first is rolled back and left alone.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.error import BadRequest, TelegramError

from bot import intake
from bot.button_data import ForgedPress
from bot.context import Callback, MusterContext
from bot.crash_points import crash_point
from bot.dialogs import store as dialog_store
from bot.errors import DomainError, NotAllowed, NotRegistered
from bot.i18n import Translator
from bot.observability.updates import Observation, observe_update
from bot.outbox.queue import Outgoing, enqueue
from bot.runtime import Runtime
from bot.services import audit
from bot.services.accounts import Actor, touch_account

log = logging.getLogger(__name__)


@dataclass
class Interaction:
    """What a handler works with: the session, who is acting, their texts, and the replies."""

    session: AsyncSession
    runtime: Runtime
    actor: Actor
    t: Translator
    now: datetime
    chat_id: int
    outgoing: list[Outgoing] = field(default_factory=list)
    answer_text: str | None = None
    answer_alert: bool = False

    def reply(
        self, text: str, markup: dict[str, Any] | None = None, *, protect_content: bool = False
    ) -> None:
        """A new message in the chat the update came from; ``protect_content`` keeps it from
        being forwarded or saved (an elder's phone and notes)."""
        self.outgoing.append(
            Outgoing.message(self.chat_id, text, markup, protect_content=protect_content)
        )

    def edit(self, message_id: int, text: str, markup: dict[str, Any] | None = None) -> None:
        """Replace a message the bot sent earlier in this chat (e.g. toggle a button)."""
        self.outgoing.append(Outgoing.edit(self.chat_id, message_id, text, markup))

    def send(self, *messages: Outgoing) -> None:
        self.outgoing.extend(messages)

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """The little notice a button press gets (answerCallbackQuery)."""
        self.answer_text, self.answer_alert = text, alert

    def translator_for(self, language: str) -> Translator:
        return self.runtime.translator(language)


Handler = Callable[[Update, MusterContext, Interaction], Awaitable[None]]


def interaction(handler: Handler) -> Callback:
    name = f"{handler.__module__.rsplit('.', 1)[-1]}.{handler.__name__}"

    @functools.wraps(handler)
    async def run(update: Update, context: MusterContext) -> None:
        with observe_update(update, name) as observed:  # log context, metrics
            await _run(handler, update, context, observed)

    return run


async def _run(
    handler: Handler, update: Update, context: MusterContext, observed: Observation
) -> None:
    runtime = context.runtime
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    now = runtime.clock.now()
    done: Interaction | None = None
    try:
        async with runtime.db.session() as session:
            actor = await _actor(session, runtime, update, now)
            done = Interaction(
                session, runtime, actor, runtime.translator(actor.language).at(now), now, chat.id
            )
            await handler(update, context, done)
            await enqueue(session, now, done.outgoing)
            await intake.consume(session, now)
            crash_point("interaction.handled")
        intake.consumed()
    except DomainError as error:
        observed.refused(error)
        try:
            done = await refuse(runtime, update, chat.id, now, error)
        except intake.AlreadyHandled:
            return
    except intake.AlreadyHandled:
        log.info("update handled already; left alone", extra={"update_id": update.update_id})
        return
    crash_point("interaction.committed")
    runtime.wake_sender()
    await answer_press(update, done)
    crash_point("interaction.answered")


async def _actor(session: AsyncSession, runtime: Runtime, update: Update, now: datetime) -> Actor:
    user = update.effective_user
    assert user is not None
    return await touch_account(
        session,
        telegram_id=user.id,
        first_name=user.first_name or "",
        username=user.username,
        language_code=user.language_code,
        default_language=runtime.config.bot.default_language,
        admins=runtime.config.bot.admins,
        now=now,
    )


async def refuse(
    runtime: Runtime, update: Update, chat_id: int, now: datetime, error: DomainError
) -> Interaction:
    """The work was rolled back; say why, in a transaction of its own."""
    async with runtime.db.session() as session:
        actor = await _actor(session, runtime, update, now)
        t = runtime.translator(actor.language).at(now)
        done = Interaction(session, runtime, actor, t, now, chat_id)
        await say_refused(done, update, error)
        await enqueue(session, now, done.outgoing)
        await intake.consume(session, now)
    intake.consumed()
    return done


async def say_refused(done: Interaction, update: Update, error: DomainError) -> None:
    """Tell why the update was refused; a refusal (``NotAllowed``) is audit-logged too, in
    ``done``'s transaction."""
    if isinstance(error, NotRegistered) and await _signing_up(done, update):
        error = DomainError("errors.signing_up")  # not "send /start": they are at it
    message = done.t(error.key, **error.params)
    if isinstance(error, NotAllowed):
        actor = done.actor
        await audit.record(
            done.session,
            now=done.now,
            actor=actor.telegram_id,
            action=error.action,
            allowed=False,
            target_type=error.target_type,
            target_id=error.target_id,
            role=actor.role.value,
            **(error.detail if isinstance(error, ForgedPress) else {}),
        )
    if update.callback_query is not None:
        done.answer(message, alert=True)
    else:
        done.reply(message)


async def _signing_up(done: Interaction, update: Update) -> bool:
    """Someone not signed up with a form open in their private chat: their sign-up."""
    if update.callback_query is not None or done.chat_id != done.actor.telegram_id:
        return False
    return await dialog_store.open_dialog(done.session, done.chat_id) is not None


async def refuse_press(
    update: Update, context: MusterContext, error: DomainError, name: str
) -> None:
    """A press refused before any handler ran (``handlers.buttons``): answered, audit-logged
    when it is a refusal, and nothing else done."""
    runtime = context.runtime
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    with observe_update(update, name) as observed:
        observed.refused(error)
        now = runtime.clock.now()
        try:
            done = await refuse(
                runtime, update, chat.id if chat else query.from_user.id, now, error
            )
        except intake.AlreadyHandled:
            return
        await answer_press(update, done)


async def answer_press(update: Update, done: Interaction | None) -> None:
    query = update.callback_query
    if query is None:
        return
    # The notice is plain text: a name or title in it was escaped for HTML by the catalog.
    text = html.unescape(done.answer_text) if done and done.answer_text else None
    try:
        await query.answer(text=text, show_alert=bool(done and done.answer_alert))
    except BadRequest as exc:  # answered too late: the press itself was handled
        log.info("could not answer callback query: %s", exc.message)
    except TelegramError as exc:  # the Bot API is down: the work is saved, the edit follows
        log.warning("could not answer callback query (the press was saved): %s", exc.message)


def pressed_data(update: Update) -> str:
    """The callback data of a button press (parsed by its ``CallbackData`` class)."""
    assert update.callback_query is not None
    return update.callback_query.data or ""
