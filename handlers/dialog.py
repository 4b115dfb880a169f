"""The dialog router: messages and form buttons in a private chat go to the open dialog.

``routes()`` (group 0) holds ``/cancel``; ``router()`` is registered in group 1, after every
command, so that a message which is not a command reaches the dialog engine, and a message
sent when no dialog is open gets a short "I did not understand".
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import dialogs
from bot.context import MusterContext
from bot.dialogs import DialogPress, DialogReply, FormEnv, UserInput
from bot.outbox.queue import REMOVE_KEYBOARD
from handlers.interaction import Interaction, interaction
from handlers.questions import take_unrouted


def form_env(it: Interaction) -> FormEnv:
    return FormEnv(it.session, it.services.config, it.t, it.now, it.actor)


def deliver(it: Interaction, reply: DialogReply) -> None:
    it.send(*reply.messages)
    if reply.answer:
        it.answer(reply.answer, alert=reply.alert)


def user_input(message: Message) -> UserInput:
    """A Telegram message as the engine reads it; anything but text, a contact, a location, a
    photo or a document is kept only as the name of what it was, so the step can say what it
    expects instead."""
    if message.text is not None:
        return UserInput.typed(message.text)
    if message.contact is not None:
        return UserInput.contact(message.contact.phone_number, message.contact.user_id)
    if message.location is not None:
        return UserInput.location(message.location.latitude, message.location.longitude)
    if message.photo:  # the sizes Telegram made of it, smallest first
        return UserInput.photo(message.photo[-1].file_id)
    if message.document is not None:
        return UserInput.document(message.document.file_id, message.document.file_name or "")
    attachment = message.effective_attachment
    return UserInput.unsupported(type(attachment).__name__.lower() if attachment else "other")


@interaction
async def on_message(update: Update, context: MusterContext, it: Interaction) -> None:
    assert update.message is not None
    reply = await dialogs.handle_message(form_env(it), user_input(update.message))
    if reply is None:
        # No form was waiting: a question for a person, or a leader's reply to one.
        if not await take_unrouted(it, update.message):
            it.reply(it.t("dialog.not_understood"))
    else:
        deliver(it, reply)


@interaction
async def on_press(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    press = DialogPress.unpack(query.data or "")
    deliver(it, await dialogs.handle_press(form_env(it), press, query.message.message_id))


@interaction
async def on_cancel(update: Update, context: MusterContext, it: Interaction) -> None:
    reply = await dialogs.cancel(form_env(it))
    if reply is None:
        it.reply(it.t("dialog.nothing_to_cancel"), REMOVE_KEYBOARD)
    else:
        deliver(it, reply)


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CommandHandler("cancel", on_cancel, filters=filters.ChatType.PRIVATE)]


def router() -> list[BaseHandler]:  # type: ignore[type-arg]
    """Group 1: whatever no command took. Edited messages are not answers."""
    plain_messages = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND
    return [
        MessageHandler(plain_messages, on_message),
        CallbackQueryHandler(on_press, pattern=DialogPress.pattern()),
    ]
