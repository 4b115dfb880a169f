"""/start: the front door. Someone new is signed up; a volunteer sees their menu (buttons, not
a list of slash commands); someone in the middle of a dialog (even across a restart) is shown
where they are.

Invite deep links (``/start inv_...``) are taken by the roles area's handler, listed first.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import dialogs
from bot.context import Callback, Handlers, MusterContext
from bot.i18n import LANGUAGES, text
from bot.menus import own_menu, volunteer_keyboard
from bot.services.lifecycle import current_pause
from bot.services.profile import find_profile
from handlers.account import offer_again_if_back, on_help
from handlers.attendance import on_checkin, on_hours
from handlers.callouts import on_tasks
from handlers.dialog import deliver, form_env
from handlers.interaction import Interaction, interaction
from handlers.lifecycle import on_pause, on_resume
from handlers.profile import on_profile
from handlers.signup import SIGNUP_FORM, menu_card

# The menu's buttons, each doing what its command does (the labels are in menu.toml).
MENU_BUTTONS: dict[str, Callback] = {
    "tasks": on_tasks,
    "checkin": on_checkin,
    "hours": on_hours,
    "pause": on_pause,
    "resume": on_resume,
    "profile": on_profile,
    "help": on_help,
}


def _labels() -> dict[str, str]:
    """Every button label, in every language, to the button's name."""
    return {
        str(text(lang, f"menu.button.{name}")): name for lang in LANGUAGES for name in MENU_BUTTONS
    }


BUTTON_LABELS = _labels()


@interaction
async def on_start(update: Update, context: MusterContext, it: Interaction) -> None:
    await offer_again_if_back(it)
    menu = await own_menu(it.session, it.actor, it.actor.language)
    if menu is not None:  # their own menu, in case it was ever lost
        it.send(menu)
    env = form_env(it)
    in_progress = await dialogs.resume(env)
    if in_progress is not None:
        deliver(it, in_progress)
        return
    profile = await find_profile(it.session, telegram_id=it.actor.telegram_id)
    if profile is not None:
        pause = await current_pause(it.session, telegram_id=it.actor.telegram_id, now=it.now)
        it.reply(menu_card(it.t, profile, pause), volunteer_keyboard(it.t, pause.paused))
        return
    welcome = it.t("signup.welcome", community=it.runtime.config.community.name)
    deliver(it, await dialogs.begin(env, SIGNUP_FORM, note=welcome))


async def on_menu_button(update: Update, context: MusterContext) -> None:
    """A tap on the menu: the same as sending the command (and no form takes the text)."""
    assert update.message is not None
    await MENU_BUTTONS[BUTTON_LABELS[update.message.text or ""]](update, context)
    raise ApplicationHandlerStop


def routes() -> Handlers:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", on_start, filters=private),
        MessageHandler(private & filters.Text(list(BUTTON_LABELS)), on_menu_button),
    ]
