"""/profile: a volunteer's details, each changed through the sign-up form's own step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import dialogs
from bot.button_data import CallbackData
from bot.context import MusterContext
from bot.dialogs import Form, FormEnv, Screen, plain
from bot.outbox.queue import keyboard
from bot.services import profile as profiles
from bot.services.profile import VolunteerProfile
from handlers.buttons import button
from handlers.dialog import deliver, form_env
from handlers.interaction import Interaction, interaction, pressed_data
from handlers.signup import VOLUNTEER_FIELDS, details_from, values_from


@dataclass(frozen=True)
class ChangeProfile(CallbackData):
    """A button of the profile card. It starts a new dialog, so an old card still works."""

    prefix = "profile"
    field: str


def profile_card(env: FormEnv, profile: VolunteerProfile) -> Screen:
    values = values_from(profile.details)
    fields = PROFILE_FORM.applicable(env, values)
    buttons = [
        (plain(env.t("dialog.edit_field", label=env.t(f.label))), ChangeProfile(f.name).pack())
        for f in fields
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    details = dialogs.describe(env, PROFILE_FORM, values)
    return Screen(env.t("profile.card", details=details), keyboard(rows))


async def _save(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    profile = await profiles.update_profile(
        env.session, env.actor.telegram_id, details_from(values), env.config.community
    )
    return profile_card(env, profile)


# No summary: the one changed answer is saved at once, and the card shown again.
PROFILE_FORM = Form(flow="profile", fields=VOLUNTEER_FIELDS, complete=_save, summary=None)


@interaction
async def on_profile(update: Update, context: MusterContext, it: Interaction) -> None:
    profile = await profiles.load_profile(it.session, it.actor.telegram_id)
    card = profile_card(form_env(it), profile)
    it.reply(card.text, card.markup)


@interaction
async def on_change(update: Update, context: MusterContext, it: Interaction) -> None:
    assert update.callback_query is not None
    choice = ChangeProfile.unpack(pressed_data(update))
    profile = await profiles.load_profile(it.session, it.actor.telegram_id)
    values = values_from(profile.details)
    deliver(it, await dialogs.begin(form_env(it), PROFILE_FORM, values=values, at=choice.field))


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("profile", on_profile, filters=filters.ChatType.PRIVATE),
        button(ChangeProfile, on_change),
    ]
