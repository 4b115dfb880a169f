"""The call-out forms, declared on the dialog engine: ``/callout`` (a leader creates one, from a
template), changing a call-out's time and correcting a volunteer's hours (both from the roster
card), and the optional location after a check-in.

Each form's answers are turned into the service's plain values here; every rule is in
``bot.services.callouts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.dialogs import (
    ChoiceField,
    DateTimeField,
    FieldKeys,
    Form,
    FormEnv,
    LocationField,
    MultiChoiceField,
    Option,
    Previewed,
    Screen,
    TextField,
    YesNoField,
    field_keys,
    plain,
)
from bot.errors import InvalidInput
from bot.labels import skill_label
from bot.services.callouts import checkin, corrections, drafts, rescheduling
from bot.services.callouts.audience import count_audience
from bot.services.callouts.drafts import TEMPLATES, CalloutDraft, Template
from bot.services.callouts.views import Display
from bot.services.hours_report import duration_text
from handlers.audience_fields import (
    COMPOUNDS,
    PARTY_ONLY,
    TEAMS,
    audience_fields,
    audience_is,
    chosen_audience,
)
from models.callouts import SkillMatch, Urgency


def _display(env: FormEnv) -> Display:
    return Display.from_config(env.config)


def _keys(name: str) -> FieldKeys:
    return field_keys("callouts.form", name)


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


# -- /callout: creating a call-out ----------------------------------------------------------


def _template(values: Mapping[str, Any]) -> Template:
    return TEMPLATES.get(values.get("template") or "other", TEMPLATES["other"])


def _template_options(env: FormEnv) -> list[Option]:
    return [Option(code, plain(env.t(f"callouts.template.{code}"))) for code in TEMPLATES]


def _default_title(env: FormEnv, values: Mapping[str, Any]) -> str | None:
    code = _template(values).code
    return None if code == "other" else plain(env.t(f"callouts.template.{code}"))


def _default_start(env: FormEnv, values: Mapping[str, Any]) -> str | None:
    """Emergencies start now; other duties are given a time."""
    if _template(values).urgency != Urgency.EMERGENCY:
        return None
    return env.now.replace(second=0, microsecond=0).isoformat()


def _default_end(env: FormEnv, values: Mapping[str, Any]) -> str | None:
    start = _instant(values.get("starts_at"))
    return (start + _template(values).duration).isoformat() if start else None


def _default_needed(env: FormEnv, values: Mapping[str, Any]) -> int:
    return _template(values).needed or 0


def _needed(env: FormEnv, text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= drafts.NEEDED_MAX:
        raise InvalidInput("callouts.invalid.needed", limit=drafts.NEEDED_MAX)
    return int(text)


def _as_many_as_possible(env: FormEnv) -> list[Option]:
    return [Option(0, plain(env.t("callouts.form.needed.as_many")))]


def _skill_options(env: FormEnv) -> list[Option]:
    community = env.config.community
    return [
        Option(code, plain(skill_label(env.t, community, code))) for code in community.skill_codes
    ]


def _suggested_skills(env: FormEnv, values: Mapping[str, Any]) -> str | None:
    """The template's skills, named as a suggestion: ticking one means only volunteers with
    it are asked."""
    community = env.config.community
    offered = set(community.skill_codes)
    suggested = [code for code in _template(values).suggested_skills if code in offered]
    if not suggested:
        return None
    labels = env.t.join(skill_label(env.t, community, code) for code in suggested)
    return env.t("callouts.form.skills.suggested", skills=labels)


def _several_skills(env: FormEnv, values: Mapping[str, Any]) -> bool:
    return len(values.get("skills") or ()) >= 2


def _skill_match_options(env: FormEnv) -> list[Option]:
    return [
        Option(m.value, plain(env.t(f"callouts.form.skill_match.{m.value}"))) for m in SkillMatch
    ]


def _urgency_options(env: FormEnv) -> list[Option]:
    return [Option(u.value, plain(env.t(f"callouts.form.urgency.{u.value}"))) for u in Urgency]


def _default_urgency(env: FormEnv, values: Mapping[str, Any]) -> str:
    return _template(values).urgency.value


CALLOUT_FIELDS = (
    ChoiceField(**_keys("template"), options=_template_options, columns=2),
    TextField(
        **_keys("title"),
        max_length=drafts.TITLE_MAX,
        allow_markup=True,  # shown escaped everywhere: "Sandbags & pumps" is a fine title
        default=_default_title,
    ),
    TextField(
        **_keys("description"),
        max_length=drafts.DESCRIPTION_MAX,
        multiline=True,
        allow_markup=True,  # shown escaped; "bring water & gloves" is fine
        optional=True,
    ),
    TextField(**_keys("place"), max_length=drafts.PLACE_MAX),
    LocationField(**_keys("location"), optional=True),
    DateTimeField(**_keys("starts_at"), now_button=True, default=_default_start, carries="ends_at"),
    DateTimeField(**_keys("ends_at"), after="starts_at", default=_default_end),
    TextField(
        **_keys("needed"),
        max_length=40,  # longer is not a number either: _needed says what is expected
        validate=_needed,
        quick=_as_many_as_possible,
        default=_default_needed,
    ),
    MultiChoiceField(
        **_keys("skills"), options=_skill_options, min_selected=0, hint=_suggested_skills
    ),
    ChoiceField(
        **_keys("skill_match"),
        options=_skill_match_options,
        when=_several_skills,
        default=lambda env, values: SkillMatch.ANY.value,
    ),
    *audience_fields("callouts"),
    YesNoField(
        **_keys(PARTY_ONLY),
        when=audience_is(TEAMS, COMPOUNDS),
        default=lambda env, values: False,
    ),
    DateTimeField(**_keys("deadline"), before="ends_at", optional=True),
    ChoiceField(**_keys("urgency"), options=_urgency_options, default=_default_urgency),
)


def draft_from(values: Mapping[str, Any]) -> CalloutDraft:
    """The form's answers as the call-out service takes them."""
    audience = chosen_audience(values)
    location = values.get("location") or {}
    starts_at, ends_at = _instant(values["starts_at"]), _instant(values["ends_at"])
    assert starts_at is not None and ends_at is not None
    return CalloutDraft(
        title=values["title"],
        description=values.get("description") or "",
        place=values["place"],
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        template=values["template"],
        starts_at=starts_at,
        ends_at=ends_at,
        needed=values.get("needed") or None,  # 0: as many as possible
        skills=tuple(values.get("skills") or ()),
        skill_match=SkillMatch(values.get("skill_match") or SkillMatch.ANY),
        team_ids=audience.team_ids,
        compounds=audience.compounds,
        party_only=audience.party_only,
        everyone=audience.everyone,
        response_deadline=_instant(values.get("deadline")),
        urgency=Urgency(values.get("urgency") or Urgency.NORMAL),
    )


async def _reach(env: FormEnv, values: Mapping[str, Any]) -> int:
    return await count_audience(
        env.session, actor=env.actor, targeting=draft_from(values), now=env.now
    )


async def _preview(env: FormEnv, values: Mapping[str, Any]) -> Previewed:
    """How many it reaches; when that is nobody, says so, offers the answers that narrow it
    down to change, and offers no Send."""
    count = await _reach(env, values)
    if count:
        return Previewed(env.t("callouts.form.preview", count=count))
    narrowing = []
    if values.get("skills"):
        narrowing.append("skills")
    if not chosen_audience(values).everyone:
        narrowing.append("audience")
    key = "callouts.form.reaches_nobody" if narrowing else "callouts.form.reaches_nobody_at_all"
    return Previewed(env.t(key), change=tuple(narrowing), can_confirm=False)


async def _create(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    created = await drafts.create_callout(
        env.session, actor=env.actor, draft=draft_from(values), now=env.now
    )
    return Screen(
        env.t("callouts.form.created", title=created.title, count=await _reach(env, values))
    )


CALLOUT_FORM = Form(
    flow="callout",
    fields=CALLOUT_FIELDS,
    complete=_create,
    summary="callouts.form.summary",
    confirm="callouts.form.send",
    cancelled="callouts.form.cancelled",
    preview=_preview,
)


# -- changing the time (a roster card button) ------------------------------------------------


def _current_start(env: FormEnv, values: Mapping[str, Any]) -> str:
    return str(env.context["starts_at"])


def _end_keeping_the_length(env: FormEnv, values: Mapping[str, Any]) -> str | None:
    start = _instant(values.get("starts_at"))
    length = timedelta(minutes=int(env.context["minutes"]))
    return (start + length).isoformat() if start else None


TIME_FIELDS = (
    DateTimeField(**_keys("starts_at"), now_button=True, default=_current_start),
    DateTimeField(**_keys("ends_at"), after="starts_at", default=_end_keeping_the_length),
)


async def _reschedule(
    env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]
) -> Screen:
    starts_at, ends_at = _instant(values["starts_at"]), _instant(values["ends_at"])
    assert starts_at is not None and ends_at is not None
    done = await rescheduling.change_time(
        env.session,
        actor=env.actor,
        callout_id=int(context["callout_id"]),
        starts_at=starts_at,
        ends_at=ends_at,
        now=env.now,
        display=_display(env),
    )
    return Screen(
        env.t(
            "callouts.time_form.done",
            title=done.callout.title,
            time=env.t.time_range(done.callout.starts_at, done.callout.ends_at),
            count=done.told,
        )
    )


TIME_FORM = Form(
    flow="callout_time",
    fields=TIME_FIELDS,
    complete=_reschedule,
    summary=None,
    cancelled="callouts.time_form.cancelled",
)


def time_context(callout_id: int, starts_at: datetime, ends_at: datetime) -> dict[str, Any]:
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    return {"callout_id": callout_id, "starts_at": starts_at.isoformat(), "minutes": minutes}


# -- correcting hours (a roster card button) -------------------------------------------------


def _people(env: FormEnv) -> list[Option]:
    return [Option(volunteer_id, label) for volunteer_id, label in env.context.get("people", [])]


HOURS_FIELDS = (
    ChoiceField(**_keys("person"), options=_people),
    TextField(
        **_keys("minutes"),
        max_length=20,
        validate=lambda env, text: corrections.parse_duration(text),
        show=lambda env, minutes: plain(duration_text(env.t, int(minutes))),
    ),
    TextField(**_keys("reason"), max_length=corrections.REASON_MAX),
)


async def _correct(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    corrected = await corrections.correct_hours(
        env.session,
        actor=env.actor,
        callout_id=int(context["callout_id"]),
        volunteer_id=int(values["person"]),
        minutes=int(values["minutes"]),
        reason=values["reason"],
        now=env.now,
        display=_display(env),
    )
    return Screen(
        env.t(
            "callouts.hours.done",
            name=corrected.name,
            old=duration_text(env.t, corrected.old_minutes),
            new=duration_text(env.t, corrected.new_minutes),
        )
    )


HOURS_FORM = Form(
    flow="callout_hours",
    fields=HOURS_FIELDS,
    complete=_correct,
    summary="callouts.hours.summary",
    confirm="callouts.hours.save",
    cancelled="callouts.hours.cancelled",
)


def hours_context(
    env: FormEnv, callout_id: int, sheet: list[corrections.AttendeeHours]
) -> dict[str, Any]:
    """The people to choose from, labelled with their minutes now (in the leader's words)."""
    people = [
        [
            person.volunteer_id,
            plain(
                env.t(
                    "callouts.hours.person",
                    name=person.name,
                    duration=duration_text(env.t, person.minutes),
                )
            ),
        ]
        for person in sheet
    ]
    return {"callout_id": callout_id, "people": people}


# -- the location after a check-in -----------------------------------------------------------


async def _keep_location(
    env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]
) -> Screen:
    location = values.get("location")
    if not location:
        return Screen(env.t("callouts.checkin.no_location"))
    await checkin.attach_location(
        env.session,
        telegram_id=env.actor.telegram_id,
        callout_id=int(context["callout_id"]),
        latitude=float(location["latitude"]),
        longitude=float(location["longitude"]),
    )
    return Screen(env.t("callouts.checkin.location_saved"))


CHECKIN_LOCATION_FORM = Form(
    flow="checkin_location",
    fields=(
        LocationField(
            name="location",
            label="callouts.form.checkin_location.label",
            prompt="callouts.form.checkin_location.prompt",
            optional=True,
        ),
    ),
    complete=_keep_location,
    summary=None,
    cancelled="callouts.checkin.no_location",
)
