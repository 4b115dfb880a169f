"""Every route of the bot, in one place.

Handler groups run in order; within a group the first matching handler wins.
- group 0: commands, then button presses (each area's ``routes()``), and last the button
  route that answers any press no other route took (``handlers.buttons.unmatched``); every
  button route checks the press first (``bot.button_data.check_press``);
- group 1: the dialog router: plain messages in a private chat go to the open conversation;
- the error handler logs every unhandled error and tells the user.
"""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    account,
    broadcast,
    buttons,
    callouts,
    dialog,
    duty,
    elders,
    errors,
    lifecycle,
    people,
    profile,
    questions,
    recognition,
    report,
    roles,
    rounds,
    start,
    teams,
    volunteers,
)

# ``roles`` and ``callouts`` before ``start``: their /start handlers take invite links
# (``/start inv_...``) and check-in links (``/start ci_...``).
COMMAND_AREAS = (
    roles,
    callouts,
    start,
    account,
    teams,
    people,
    volunteers,
    lifecycle,
    profile,
    elders,
    rounds,
    duty,
    broadcast,
    report,
    recognition,
    questions,
    dialog,
)


def register_routes(app: Application) -> None:  # type: ignore[type-arg]
    for area in COMMAND_AREAS:
        app.add_handlers(area.routes(), group=0)
    app.add_handler(buttons.unmatched(), group=0)
    app.add_handlers(dialog.router(), group=1)
    app.add_error_handler(errors.on_error)
