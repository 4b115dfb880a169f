"""The dialog router: messages and form buttons in a private chat go to the open dialog.

``routes()`` (group 0) holds ``/cancel`` and the form buttons; ``router()`` is registered in
group 1, after every command, so that a message which is not a command reaches the dialog
engine, and a message sent when no dialog is open gets a short "I did not understand".
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from telegram import Message, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot import dialogs
from bot.context import Handlers, MusterContext
from bot.dialogs import DialogPress, DialogReply, FormEnv, UserInput
from bot.menus import home_keyboard
from handlers.buttons import button
from handlers.interaction import Interaction, interaction
from handlers.questions import take_unrouted


def form_env(it: Interaction, files: Mapping[str, bytes] | None = None) -> FormEnv:
    home = partial(home_keyboard, it.session, it.t, it.actor.telegram_id, it.now)
    return FormEnv(
        it.session, it.runtime.config, it.t, it.now, it.actor, files=files or {}, home=home
    )


def deliver(it: Interaction, reply: DialogReply) -> None:
    it.send(*reply.messages)
    if reply.answer:
        it.answer(reply.answer, alert=reply.alert)


def user_input(message: Message) -> UserInput:
    """A Telegram message as the engine reads it; anything but text, a contact, a location, a
    photo, a document, a voice message, a video or a recording is kept only as the name of
    what it was, so the step can say what it expects instead."""
    if message.text is not None:
        return UserInput.typed(message.text)
    if message.contact is not None:
        return UserInput.contact(message.contact.phone_number, message.contact.user_id)
    if message.location is not None:
        return UserInput.location(message.location.latitude, message.location.longitude)
    details = {"caption": message.caption or "", "message_id": message.message_id}
    if message.photo:  # the sizes Telegram made of it, smallest first
        photo = message.photo[-1]
        return UserInput.photo(photo.file_id, file_size=photo.file_size or 0, **details)
    if message.document is not None:
        document = message.document
        size = document.file_size or 0
        return UserInput.document(
            document.file_id, document.file_name or "", file_size=size, **details
        )
    for kind in ("voice", "video", "video_note", "audio"):
        media = getattr(message, kind)
        if media is not None:
            return UserInput.media(kind, media.file_id, file_size=media.file_size or 0, **details)
    attachment = message.effective_attachment
    return UserInput.unsupported(type(attachment).__name__.lower() if attachment else "other")


async def fetch_document(message: Message, max_bytes: int) -> dict[str, bytes]:
    """The contents of the document ``message`` carries, if it is at most ``max_bytes``, by
    file id (downloaded outside any transaction: it may take a while)."""
    document = message.document
    if document is None or (document.file_size or 0) > max_bytes:
        return {}
    file = await document.get_file()
    return {document.file_id: bytes(await file.download_as_bytearray())}


async def on_message(update: Update, context: MusterContext) -> None:
    """A message for the open dialog. A document is fetched first when the step reads it."""
    message = update.message
    assert message is not None
    files: dict[str, bytes] = {}
    if message.document is not None:
        async with context.runtime.db.session() as session:
            limit = await dialogs.file_limit(session, message.chat_id)
        if limit is not None:
            files = await fetch_document(message, limit)

    @interaction
    async def take(update: Update, context: MusterContext, it: Interaction) -> None:
        reply = await dialogs.handle_message(form_env(it, files), user_input(message))
        if reply is None:
            # No form was waiting: a question for a person, or a leader's reply to one.
            if not await take_unrouted(it, message):
                it.reply(it.t("dialog.not_understood"))
        else:
            deliver(it, reply)

    await take(update, context)


@interaction
async def on_press(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    press = DialogPress.unpack(query.data or "")
    deliver(it, await dialogs.handle_press(form_env(it), press, query.message.message_id))


@interaction
async def on_cancel(update: Update, context: MusterContext, it: Interaction) -> None:
    env = form_env(it)
    reply = await dialogs.cancel(env)
    if reply is None:
        it.reply(it.t("dialog.nothing_to_cancel"), await env.home_keyboard())
    else:
        deliver(it, reply)


def routes() -> Handlers:
    return [
        CommandHandler("cancel", on_cancel, filters=filters.ChatType.PRIVATE),
        button(DialogPress, on_press),
    ]


def router() -> Handlers:
    """Group 1: whatever no command took. Edited messages are not answers."""
    plain_messages = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND
    plain_messages &= ~filters.StatusUpdate.USERS_SHARED  # a person chosen: handlers.people
    return [MessageHandler(plain_messages, on_message)]
