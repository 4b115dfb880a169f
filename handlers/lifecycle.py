"""A volunteer's own pause, resume and departure: /pause, /resume, /leave."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.callbacks import CallbackData
from bot.context import MusterContext
from bot.outbox.queue import keyboard
from bot.services import lifecycle
from bot.services.lifecycle import PAUSE_CHOICES, PauseState
from handlers.buttons import button
from handlers.interaction import Interaction, interaction


@dataclass(frozen=True)
class PauseChoice(CallbackData):
    prefix = "pause"
    length: str  # a key of PAUSE_CHOICES


@dataclass(frozen=True)
class LeaveChoice(CallbackData):
    prefix = "leave"
    confirmed: bool


@interaction
async def on_pause(update: Update, context: MusterContext, it: Interaction) -> None:
    state = await lifecycle.current_pause(it.session, it.actor.telegram_id, it.now)
    intro = it.t("lifecycle.pause_choose")
    text = f"{_describe(it, state)}\n\n{intro}" if state.paused else intro
    buttons = [(it.t(f"lifecycle.pause_{key}"), PauseChoice(key).pack()) for key in PAUSE_CHOICES]
    it.reply(text, keyboard([buttons[:2], buttons[2:4], buttons[4:]]))


@interaction
async def on_pause_chosen(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    choice = PauseChoice.unpack(query.data or "")
    state = await lifecycle.pause(it.session, it.actor.telegram_id, choice.length, it.now)
    it.edit(query.message.message_id, _describe(it, state))


@interaction
async def on_resume(update: Update, context: MusterContext, it: Interaction) -> None:
    before = await lifecycle.resume(it.session, it.actor.telegram_id, it.now)
    it.reply(it.t("lifecycle.resumed" if before.paused else "lifecycle.not_paused"))


@interaction
async def on_leave(update: Update, context: MusterContext, it: Interaction) -> None:
    await lifecycle.check_can_leave(it.session, it.actor.telegram_id)
    buttons = [
        (it.t("lifecycle.leave_yes"), LeaveChoice(True).pack()),
        (it.t("lifecycle.leave_no"), LeaveChoice(False).pack()),
    ]
    it.reply(it.t("lifecycle.leave_confirm"), keyboard([buttons]))


@interaction
async def on_leave_chosen(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    if not LeaveChoice.unpack(query.data or "").confirmed:
        it.edit(query.message.message_id, it.t("lifecycle.leave_kept"))
        return
    await lifecycle.leave(it.session, it.actor.telegram_id, it.now)
    it.edit(query.message.message_id, it.t("lifecycle.left"))


def _describe(it: Interaction, state: PauseState) -> str:
    if not state.paused:
        return it.t("lifecycle.not_paused")
    if state.until is None:
        return it.t("lifecycle.paused_open")
    return it.t("lifecycle.paused_until", until=it.t.datetime(state.until))


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("pause", on_pause, filters=private),
        CommandHandler("resume", on_resume, filters=private),
        CommandHandler("leave", on_leave, filters=private),
        button(PauseChoice, on_pause_chosen),
        button(LeaveChoice, on_leave_chosen),
    ]
