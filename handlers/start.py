"""/start: the front door. Someone new is signed up; a volunteer sees their menu; someone in
the middle of a dialog (even across a restart) is shown where they are.

Invite deep links (``/start inv_...``) are taken by the roles area's handler, listed first.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import dialogs
from bot.context import MusterContext
from bot.outbox.queue import REMOVE_KEYBOARD
from bot.services.lifecycle import current_pause
from bot.services.profile import find_profile
from handlers.dialog import deliver, form_env
from handlers.interaction import Interaction, interaction
from handlers.signup import SIGNUP_FORM, menu_card


@interaction
async def on_start(update: Update, context: MusterContext, it: Interaction) -> None:
    env = form_env(it)
    in_progress = await dialogs.resume(env)
    if in_progress is not None:
        deliver(it, in_progress)
        return
    profile = await find_profile(it.session, it.actor.telegram_id)
    if profile is not None:
        pause = await current_pause(it.session, it.actor.telegram_id, it.now)
        it.reply(menu_card(it.t, profile, pause), REMOVE_KEYBOARD)
        return
    welcome = it.t("signup.welcome", community=it.services.config.community.name)
    deliver(it, await dialogs.begin(env, SIGNUP_FORM, note=welcome))


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CommandHandler("start", on_start, filters=filters.ChatType.PRIVATE)]
