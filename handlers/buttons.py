"""Button routes: every callback query passes one guard (``bot.button_data.check_press``) before
its handler, and every callback query is answered.

``button(Kind, handler)`` is the only way an area registers a button: the route takes the
presses of ``Kind.pattern()``, and refuses, before the handler runs, a press whose data is not
on the pressed message, whose chat is not one ``Kind.chats`` allows, or whose data does not
parse. ``unmatched()`` is the last route: data no route takes is answered as stale (and
audit-logged when it was not on the pressed message), so no button is left spinning.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Message, Update
from telegram.ext import CallbackQueryHandler

from bot.button_data import CallbackData, PressedOn, check_press
from bot.context import MusterContext
from bot.errors import DomainError
from handlers.interaction import refuse_press

Callback = Callable[[Update, MusterContext], Awaitable[None]]


class ButtonRoute(CallbackQueryHandler[MusterContext, None]):
    """A route for the presses of one kind of button (``kind``; ``None``: the last route,
    which takes whatever no other route took)."""

    def __init__(self, kind: type[CallbackData] | None, callback: Callback | None = None) -> None:
        self.kind = kind
        self.handler = callback
        pattern = kind.pattern() if kind is not None else None
        super().__init__(self._guarded, pattern=pattern)

    async def _guarded(self, update: Update, context: MusterContext) -> None:
        query = update.callback_query
        assert query is not None
        name = _name(self.handler) if self.handler else "buttons.unmatched"
        try:
            check_press(
                self.kind,
                query.data or "",
                presser_id=query.from_user.id,
                message=pressed_on(query),
            )
        except DomainError as error:
            await refuse_press(update, context, error, name)
            return
        assert self.handler is not None  # check_press refuses every press without a kind
        await self.handler(update, context)


def button(kind: type[CallbackData], callback: Callback) -> ButtonRoute:
    """The route for ``kind``'s buttons, guarded."""
    return ButtonRoute(kind, callback)


def unmatched() -> ButtonRoute:
    """The last route: any press no other route took (garbage, or a button of an old version)."""
    return ButtonRoute(None)


def _name(handler: Callback) -> str:
    """As ``@interaction`` names it in logs and metrics: ``area.handler``."""
    return f"{handler.__module__.rsplit('.', 1)[-1]}.{handler.__name__}"


def pressed_on(query: CallbackQuery) -> PressedOn:
    """The message the button was on, as Telegram delivered it with the press."""
    message = query.message
    # PTB parses an InaccessibleMessage (date 0) as a Message too: ask ``is_accessible``.
    if not isinstance(message, Message) or not message.is_accessible:  # or none: inline mode
        return PressedOn(None, None, None)
    rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
    buttons = {b.callback_data for row in rows for b in row if isinstance(b.callback_data, str)}
    return PressedOn(message.chat.type, message.chat.id, buttons, message.message_id)
