"""A volunteer's own pause, resume and departure: /pause, /resume, /leave."""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.button_data import CallbackData
from bot.context import Handlers, MusterContext
from bot.outbox.queue import REMOVE_KEYBOARD, Outgoing, keyboard
from bot.services import lifecycle
from bot.services.callouts import departure
from bot.services.callouts.filling import HeldPlace
from bot.services.lifecycle import PAUSE_CHOICES, PauseState
from handlers.buttons import button
from handlers.interaction import Interaction, interaction
from handlers.signup import SIGNUP_FORM
from models.callouts import ResponseState


@dataclass(frozen=True)
class PauseChoice(CallbackData):
    prefix = "pause"
    length: str  # a key of PAUSE_CHOICES


@dataclass(frozen=True)
class PausePlaces(CallbackData):
    """The pause's second question: keep the places already held, or give them up."""

    prefix = "pplc"
    length: str  # a key of PAUSE_CHOICES
    keep: bool


@dataclass(frozen=True)
class LeaveChoice(CallbackData):
    prefix = "leave"
    confirmed: bool


@interaction
async def on_pause(update: Update, context: MusterContext, it: Interaction) -> None:
    state = await lifecycle.current_pause(it.session, telegram_id=it.actor.telegram_id, now=it.now)
    intro = it.t("lifecycle.pause_choose")
    text = f"{_describe(it, state)}\n\n{intro}" if state.paused else intro
    buttons = [(it.t(f"lifecycle.pause_{key}"), PauseChoice(key).pack()) for key in PAUSE_CHOICES]
    it.reply(text, keyboard([buttons[:2], buttons[2:4], buttons[4:]]))


@interaction
async def on_pause_chosen(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    choice = PauseChoice.unpack(query.data or "")
    places = await departure.places_before_pause(
        it.session, telegram_id=it.actor.telegram_id, now=it.now
    )
    if places:
        text = "\n".join([it.t("lifecycle.pause_places_question"), *_place_lines(it, places)])
        buttons = [
            (it.t("lifecycle.pause_keep_places"), PausePlaces(choice.length, True).pack()),
            (it.t("lifecycle.pause_give_up_places"), PausePlaces(choice.length, False).pack()),
        ]
        it.edit(query.message.message_id, text, keyboard([buttons]))
        return
    await _pause(it, query.message.message_id, choice.length, keep_places=False)


@interaction
async def on_pause_places(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    press = PausePlaces.unpack(query.data or "")
    await _pause(it, query.message.message_id, press.length, keep_places=press.keep)


async def _pause(it: Interaction, message_id: int, length: str, *, keep_places: bool) -> None:
    paused = await departure.pause(
        it.session,
        telegram_id=it.actor.telegram_id,
        choice=length,
        keep_places=keep_places,
        now=it.now,
        display=it.runtime.display,
    )
    text = _describe(it, paused.state)
    if paused.given_up:
        text = "\n\n".join([text, _given_up(it, paused.given_up, promoted=paused.promoted)])
    it.edit(message_id, text)


@interaction
async def on_resume(update: Update, context: MusterContext, it: Interaction) -> None:
    before = await lifecycle.resume(it.session, telegram_id=it.actor.telegram_id, now=it.now)
    it.reply(it.t("lifecycle.resumed" if before.paused else "lifecycle.not_paused"))


@interaction
async def on_leave(update: Update, context: MusterContext, it: Interaction) -> None:
    if await lifecycle.forget_unfinished_dialog(
        it.session, telegram_id=it.actor.telegram_id, flow=SIGNUP_FORM.flow, now=it.now
    ):
        it.reply(it.t("lifecycle.signup_forgotten"), REMOVE_KEYBOARD)
        return
    places = await departure.places_to_give_up(
        it.session, telegram_id=it.actor.telegram_id, now=it.now
    )
    buttons = [
        (it.t("lifecycle.leave_yes"), LeaveChoice(True).pack()),
        (it.t("lifecycle.leave_no"), LeaveChoice(False).pack()),
    ]
    text: str = it.t("lifecycle.leave_confirm")
    if places:
        places_text = "\n".join([it.t("lifecycle.leave_places"), *_place_lines(it, places)])
        text = "\n\n".join([text, places_text])
    it.reply(text, keyboard([buttons]))


@interaction
async def on_leave_chosen(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    if not LeaveChoice.unpack(query.data or "").confirmed:
        it.edit(query.message.message_id, it.t("lifecycle.leave_kept"))
        return
    left = await departure.leave(
        it.session,
        telegram_id=it.actor.telegram_id,
        now=it.now,
        display=it.runtime.display,
    )
    text: str = it.t("lifecycle.left")
    if left.given_up:
        text = "\n\n".join([text, _given_up(it, left.given_up, promoted=left.promoted)])
    # The goodbye is the last row with their chat id: it is deleted once it is sent. It is a
    # new message, as only a new one takes the My-tasks keyboard away; it replaces the question.
    goodbye = Outgoing.message(it.chat_id, text, REMOVE_KEYBOARD)
    question = Outgoing(it.chat_id, "delete_message", {"message_id": query.message.message_id})
    it.send(replace(goodbye, erase_when_done=True), replace(question, erase_when_done=True))


def _place_lines(it: Interaction, places: list[HeldPlace]) -> list[str]:
    return [
        it.t(
            "lifecycle.place_confirmed"
            if place.state == ResponseState.CONFIRMED
            else "lifecycle.place_waiting",
            title=place.title,
            start=it.t.when(place.starts_at),
        )
        for place in places
    ]


def _given_up(it: Interaction, places: list[HeldPlace], *, promoted: bool) -> str:
    """The next in line is said to have been told only when somebody was."""
    heading = "lifecycle.places_given_up" if promoted else "lifecycle.places_given_up_alone"
    return "\n".join([it.t(heading), *_place_lines(it, places)])


def _describe(it: Interaction, state: PauseState) -> str:
    if not state.paused:
        return it.t("lifecycle.not_paused")
    if state.until is None:
        return it.t("lifecycle.paused_open")
    return it.t("lifecycle.paused_until", until=it.t.when(state.until))


def routes() -> Handlers:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("pause", on_pause, filters=private),
        CommandHandler("resume", on_resume, filters=private),
        CommandHandler("leave", on_leave, filters=private),
        button(PauseChoice, on_pause_chosen),
        button(PausePlaces, on_pause_places),
        button(LeaveChoice, on_leave_chosen),
    ]
