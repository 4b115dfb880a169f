"""I'll go presses on one call-out, handled together: one transaction per batch.

Presses on one call-out wait for its row anyway; so each press, once the button guard
(``handlers.buttons``) let it through, is handed to its call-out's group commit
(``bot.group_commit``) and waits there. One transaction then does, for the whole batch,
what ``@interaction`` does for one update: each update marked handled in the intake first
(one already handled elsewhere drops out), each presser's account, the presses decided
together (``group_filling.answer_go_many``: each its own outcome and position, a refused
one audit-logged and answered on its own), every reply queued, one commit. Each press is
then answered by its own handler, from its own outcome.

If the batch's transaction fails as a whole, its presses are handled again one at a time,
each in a transaction of its own, so one bad press never spoils the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from bot import intake
from bot.context import Callback, MusterContext
from bot.crash_points import crash_point
from bot.errors import DomainError, NotRegistered
from bot.observability.updates import observe_update
from bot.outbox.queue import enqueue
from bot.runtime import Runtime
from bot.services.accounts import Sender, touch_accounts
from bot.services.callouts.buttons import GoPress
from bot.services.callouts.filling import PressResult
from bot.services.callouts.group_filling import GoRequest, answer_go_many
from handlers.interaction import (
    Interaction,
    answer_press,
    pressed_data,
    refuse,
    say_refused,
)

log = logging.getLogger(__name__)

Render = Callable[[Update, Interaction, PressResult], None]


@dataclass(frozen=True)
class _Press:
    update: Update
    callout_id: int
    eta: int
    ticket: intake.Ticket | None  # the update's own, in the intake (``bot.intake``)


@dataclass(frozen=True)
class _Handled:
    done: Interaction | None  # None: handled before (elsewhere, or before a restart)
    refused: DomainError | None = None


def left_if_unknown(error: DomainError, it: Interaction) -> DomainError:
    """Only the signed-up get call-outs in a private chat: a press there from someone who is
    not is on a message from before they left Muster, and is answered so."""
    if isinstance(error, NotRegistered) and it.chat_id == it.actor.telegram_id:
        return DomainError("callouts.toast.left")
    return error


def go_handler(render: Render, name: str) -> Callback:
    """The I'll go route's handler: ``render`` shows a press its result (in the batch's
    transaction, as a handler renders in its own)."""

    async def on_go(update: Update, context: MusterContext) -> None:
        with observe_update(update, name) as observed:
            handled = await _handle(update, context.runtime, render)
            if handled.refused is not None:
                observed.refused(handled.refused)
        if handled.done is None:
            return
        runtime = context.runtime
        crash_point("interaction.committed")
        runtime.wake_sender()
        await answer_press(update, handled.done)
        crash_point("interaction.answered")

    # Named in logs and metrics as the area's handler (``area.handler``).
    area, on_go.__name__ = name.rsplit(".", 1)
    on_go.__module__ = f"handlers.{area}"
    return on_go


async def _handle(update: Update, runtime: Runtime, render: Render) -> _Handled:
    try:
        press = GoPress.unpack(pressed_data(update))
        item = _Press(update, press.callout_id, press.eta, intake.current_ticket())
        run = partial(_run, runtime, press.callout_id, render)
        handled: _Handled = await runtime.group_commit.submit(("go", press.callout_id), item, run)
    except DomainError as error:  # handled alone, and refused as a whole
        chat_id = update.effective_chat.id if update.effective_chat else 0
        try:
            done = await refuse(runtime, update, chat_id, runtime.clock.now(), error)
        except intake.AlreadyHandled:
            return _Handled(None, error)
        handled = _Handled(done, error)
    if handled.done is not None:
        intake.consumed()
    return handled


async def _run(
    runtime: Runtime, callout_id: int, render: Render, presses: Sequence[_Press]
) -> list[_Handled | BaseException]:
    """One batch: together if it can be; a press by the same person twice (never in one
    batch with one update at a time per person) and a failed batch are handled alone."""

    first: dict[int, _Press] = {}
    for press in presses:
        first.setdefault(_presser(press), press)
    results: dict[int, _Handled | BaseException] = {}
    together = list(first.values())
    if len(together) > 1:
        try:
            handled = await _together(runtime, callout_id, render, together)
            results.update(zip(map(id, together), handled, strict=True))
        except Exception:
            log.warning("a batch of presses failed; each is handled alone", exc_info=True)
    for press in presses:
        if id(press) not in results:
            results[id(press)] = await _alone(runtime, callout_id, render, press)
    return [results[id(press)] for press in presses]


async def _alone(
    runtime: Runtime, callout_id: int, render: Render, press: _Press
) -> _Handled | BaseException:
    try:
        return (await _together(runtime, callout_id, render, [press]))[0]
    except Exception as error:  # raised in the press's own handler
        return error


async def _together(
    runtime: Runtime, callout_id: int, render: Render, presses: Sequence[_Press]
) -> list[_Handled]:
    now = runtime.clock.now()
    handled: list[_Handled] = []
    async with runtime.db.session() as session:
        fresh = await _consume(session, presses, now)
        actors = await touch_accounts(
            session,
            senders=[_sender(press) for press in fresh],
            default_language=runtime.config.bot.default_language,
            admins=runtime.config.bot.admins,
            now=now,
        )
        done = [
            Interaction(
                session, runtime, actor, runtime.translator(actor.language).at(now), now, chat
            )
            for actor, chat in zip(actors, map(_chat_id, fresh), strict=True)
        ]
        requests = [
            GoRequest(it.actor.telegram_id, press.eta, it.chat_id)
            for press, it in zip(fresh, done, strict=True)
        ]
        decided = await answer_go_many(session, callout_id=callout_id, presses=requests, now=now)
        by_press: dict[int, _Handled] = {}
        for press, it, result in zip(fresh, done, decided, strict=True):
            if isinstance(result, DomainError):
                result = left_if_unknown(result, it)
                await say_refused(it, press.update, result)
                by_press[id(press)] = _Handled(it, result)
            else:
                render(press.update, it, result)
                by_press[id(press)] = _Handled(it)
        await enqueue(session, now, [message for it in done for message in it.outgoing])
        crash_point("interaction.handled")
    for press in presses:
        handled.append(by_press.get(id(press), _Handled(None)))
    return handled


async def _consume(session: AsyncSession, presses: Sequence[_Press], now: datetime) -> list[_Press]:
    """Mark the presses' updates handled in this transaction, in one statement
    (``intake.consume_all``); those handled before drop out."""
    fresh = await intake.consume_all(session, [press.ticket for press in presses], now)
    for press, new in zip(presses, fresh, strict=True):
        if not new:
            log.info(
                "update handled already; left alone", extra={"update_id": press.update.update_id}
            )
    return [press for press, new in zip(presses, fresh, strict=True) if new]


def _presser(press: _Press) -> int:
    user = press.update.effective_user
    assert user is not None
    return user.id


def _sender(press: _Press) -> Sender:
    user = press.update.effective_user
    assert user is not None
    return Sender(user.id, user.first_name or "", user.language_code, user.username)


def _chat_id(press: _Press) -> int:
    chat = press.update.effective_chat
    return chat.id if chat is not None else _presser(press)
