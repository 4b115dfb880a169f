"""The sign-up form (``/start`` for someone new) and the menu card it leads to.

The volunteer's fields are declared once here; ``handlers.profile`` reuses them to change
one answer at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialogs import (
    ChoiceField,
    FieldKeys,
    Form,
    FormEnv,
    MultiChoiceField,
    Option,
    PhoneField,
    Screen,
    TextField,
    YesNoField,
    field_keys,
    plain,
)
from bot.i18n import Translator
from bot.labels import availability_label, party_label, skill_label
from bot.menus import volunteer_keyboard
from bot.services import signup
from bot.services.lifecycle import PauseState
from bot.services.profile import (
    ADDRESS_MAX,
    NAME_MAX,
    VolunteerDetails,
    VolunteerProfile,
    clean_name,
)
from models import Availability, Party


def _compound_options(env: FormEnv) -> list[Option]:
    return [Option(name, name) for name in env.config.community.compounds]


def _has_compounds(env: FormEnv, values: Mapping[str, Any]) -> bool:
    return bool(env.config.community.compounds)


def _skill_options(env: FormEnv) -> list[Option]:
    community = env.config.community
    return [
        Option(code, plain(skill_label(env.t, community, code))) for code in community.skill_codes
    ]


def _availability_options(env: FormEnv) -> list[Option]:
    return [Option(slot.value, plain(availability_label(env.t, slot))) for slot in Availability]


def _party_options(env: FormEnv) -> list[Option]:
    return [Option(party.value, plain(party_label(env.t, party))) for party in Party]


def _field(name: str) -> FieldKeys:
    return field_keys("signup.field", name)


VOLUNTEER_FIELDS = (
    TextField(**_field("name"), max_length=NAME_MAX, validate=lambda env, text: clean_name(text)),
    PhoneField(**_field("phone")),
    ChoiceField(
        **_field("compound"),
        options=_compound_options,
        when=_has_compounds,
        columns=2,
        typed_names=True,
    ),
    TextField(**_field("address"), max_length=ADDRESS_MAX),
    MultiChoiceField(**_field("skills"), options=_skill_options, min_selected=0),
    MultiChoiceField(**_field("availability"), options=_availability_options, min_selected=1),
    ChoiceField(**_field("party"), options=_party_options),
    YesNoField(**_field("consent")),
)


def details_from(values: Mapping[str, Any]) -> VolunteerDetails:
    """The form's answers as the registry service takes them."""
    return VolunteerDetails(
        name=values["name"],
        phone=values["phone"],
        compound=values.get("compound"),
        address=values["address"],
        skills=tuple(values["skills"]),
        availability=tuple(Availability(slot) for slot in values["availability"]),
        party=Party(values["party"]),
        consent_visible=bool(values["consent"]),
    )


def values_from(details: VolunteerDetails) -> dict[str, Any]:
    """A volunteer's details as the form's answers (to change one of them)."""
    values: dict[str, Any] = {
        "name": details.name,
        "phone": details.phone,
        "address": details.address,
        "skills": list(details.skills),
        "availability": [slot.value for slot in details.availability],
        "party": details.party.value,
        "consent": details.consent_visible,
    }
    if details.compound is not None:
        values["compound"] = details.compound
    return values


def menu_card(t: Translator, profile: VolunteerProfile, pause: PauseState) -> str:
    """The short card a volunteer's /start shows: who they are, whether call-outs reach them,
    and the commands they have."""
    if pause.paused and pause.until is not None:
        status = t("menu.paused_until", until=t.when(pause.until))
    else:
        status = t("menu.paused") if pause.paused else t("menu.active")
    return t("menu.card", name=profile.details.name, status=status)


async def _register(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    profile = await signup.register_volunteer(
        env.session,
        telegram_id=env.actor.telegram_id,
        details=details_from(values),
        community=env.config.community,
        now=env.now,
    )
    thanks = env.t("signup.registered", name=profile.details.name)
    card = menu_card(env.t, profile, PauseState(paused=False))
    return Screen(f"{thanks}\n\n{card}", volunteer_keyboard(env.t, paused=False))


SIGNUP_FORM = Form(
    flow="signup",
    fields=VOLUNTEER_FIELDS,
    complete=_register,
    summary="signup.summary_title",
    confirm="signup.confirm",
    cancelled="signup.cancelled",
)
