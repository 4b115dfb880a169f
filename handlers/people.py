"""A person chosen in Telegram's chooser (``users_shared``): promoted, demoted, made a team's
leader or added to a team, as the button that opened the chooser asked (``bot.person_request``).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.context import Handlers, MusterContext
from bot.person_request import PersonRequest
from handlers import roles, teams
from handlers.interaction import Interaction, interaction


@interaction
async def on_users_shared(update: Update, context: MusterContext, it: Interaction) -> None:
    assert update.message is not None and update.message.users_shared is not None
    shared = update.message.users_shared
    request = PersonRequest.unpack(shared.request_id)
    if request is None or not shared.users:
        it.reply(it.t("dialog.not_understood"))
        return
    user = shared.users[0]
    if request.purpose in ("promote", "demote"):
        await roles.change_role(it, request.purpose, user.user_id)
    elif request.purpose == "team_leader":
        await teams.set_leader(it, request.team_id, user.user_id)
    else:
        await teams.add_member(it, request.team_id, user.user_id)


def routes() -> Handlers:
    shared = filters.StatusUpdate.USERS_SHARED & filters.ChatType.PRIVATE
    return [MessageHandler(shared, on_users_shared)]
