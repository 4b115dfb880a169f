"""One elder added or changed in chat (leaders): ``/elders add``, and ✏️ Edit on an elder's card.

The answers become the cells of a spreadsheet row and go through the import's own checks
(``elder_sheets.save_elder``), so a form and a file accept exactly the same elders. The
visitor and the backup are named as in a spreadsheet (a name, a phone or ``#12``); one who is
not in the team yet is offered to be added to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import dialogs
from bot.dialogs import (
    ChoiceField,
    DialogReply,
    Field,
    Form,
    FormEnv,
    Option,
    PhoneField,
    Screen,
    TextField,
    YesNoField,
)
from bot.errors import DomainError
from bot.i18n import Html
from bot.services.assignments import notices
from bot.services.rounds import elder_sheets

PRIMARY, BACKUP = "primary_visitor", "backup_visitor"
ADD_PRIMARY, ADD_BACKUP = "add_primary", "add_backup"
# Fields whose answers are the row's cells as they are.
TEXT_CELLS = (
    "name",
    "compound",
    "building",
    "room",
    "phone",
    "contacts",
    "health_notes",
    "risk_notes",
    "visit_times",
)


def _teams(env: FormEnv) -> list[Option]:
    return [Option(team_id, name) for team_id, name in env.context["teams"]]


def _team_name(env: FormEnv, values: Mapping[str, Any]) -> str:
    return next((name for i, name in env.context["teams"] if i == values.get("team")), "")


async def _candidate(env: FormEnv, values: Mapping[str, Any], text: str) -> dict[str, Any]:
    found = await elder_sheets.find_visitor(env.session, text=text, team_id=values.get("team"))
    return {"id": found.id, "name": found.name, "member": found.member}


def _visitor_name(env: FormEnv, value: Any) -> str:
    return str(value["name"])


def _visitor(name: str, add: str, *, optional: bool) -> TextField:
    return TextField(
        name=name,
        label=f"elders.column.{name}",
        prompt=f"elders.form.ask.{name}",
        optional=optional,
        max_length=100,
        check=_candidate,
        show=_visitor_name,
        resets=(add,),
    )


def _add_member(add: str, visitor: str) -> YesNoField:
    """Offered when the named visitor is not in the elder's team yet."""

    def offer(env: FormEnv, values: Mapping[str, Any]) -> str:
        who = values[visitor]["name"]
        return env.t("elders.form.add_member", who=who, team=_team_name(env, values))

    return YesNoField(
        name=add,
        label=f"elders.form.{add}",
        prompt="elders.form.add_member",
        ask=offer,
        when=lambda env, values: bool(values.get(visitor)) and not values[visitor]["member"],
    )


def _usual_times(env: FormEnv) -> str:
    """A skipped visit time is not "none": the community's usual times apply."""
    usual = env.t.join(env.config.rounds.visit_times)
    return dialogs.plain(env.t("elders.form.usual_times", times=usual))


def _text(name: str, limit: int, *, optional: bool = True, **more: Any) -> TextField:
    return TextField(
        name=name,
        label=f"elders.column.{name}",
        prompt=f"elders.form.ask.{name}",
        optional=optional,
        max_length=limit,
        **more,
    )


LIMITS = elder_sheets.LIMITS
ELDER_FIELDS: tuple[Field, ...] = (
    ChoiceField(
        name="team", label="elders.column.team", prompt="elders.form.ask.team", options=_teams
    ),
    _text("name", LIMITS["name"], optional=False),
    _text("compound", LIMITS["compound"]),
    _text("building", LIMITS["building"]),
    _text("room", LIMITS["room"]),
    PhoneField(
        name="phone",
        label="elders.column.phone",
        prompt="elders.form.ask.phone",
        optional=True,
        own_contact=False,
    ),
    _text(
        "contacts",
        400,
        multiline=True,
        validate=lambda env, text: elder_sheets.check_contacts(text),
    ),
    # Shown escaped everywhere, as an imported sheet's notes are: "diabetes & heart" is fine.
    _text("health_notes", elder_sheets.NOTES_LIMIT, multiline=True, allow_markup=True),
    _text("risk_notes", elder_sheets.NOTES_LIMIT, multiline=True, allow_markup=True),
    _text(
        "visit_times",
        100,
        validate=lambda env, text: elder_sheets.check_visit_times(text, env.config),
        skipped=_usual_times,
    ),
    _visitor(PRIMARY, ADD_PRIMARY, optional=False),
    _add_member(ADD_PRIMARY, PRIMARY),
    _visitor(BACKUP, ADD_BACKUP, optional=True),
    _add_member(ADD_BACKUP, BACKUP),
)
# Where a row's problem is answered again.
COLUMN_FIELDS = {c: c for c in (*TEXT_CELLS, "team", PRIMARY, BACKUP)}
COLUMN_FIELDS.update(visits_per_day="visit_times", window_minutes="visit_times", id="name")


def _cells(env: FormEnv, values: Mapping[str, Any]) -> dict[str, str]:
    cells = {name: str(values.get(name) or "") for name in TEXT_CELLS}
    cells["team"] = _team_name(env, values)
    for name in (PRIMARY, BACKUP):
        cells[name] = f"#{values[name]['id']}" if values.get(name) else ""
    return cells


async def _save(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    adding = tuple(
        values[visitor]["id"]
        for visitor, add in ((PRIMARY, ADD_PRIMARY), (BACKUP, ADD_BACKUP))
        if values.get(visitor) and values.get(add)
    )
    elder_id = context.get("elder_id")
    try:
        saved = await elder_sheets.save_elder(
            env.session,
            actor=env.actor,
            config=env.config,
            cells=_cells(env, values),
            elder_id=int(elder_id) if elder_id else None,
            add_members=adding,
            now=env.now,
        )
    except elder_sheets.RowRejected as rejected:
        problem = env.t(rejected.key, **rejected.params)
        field = COLUMN_FIELDS.get(rejected.column or "id", "name")
        return Screen(env.t("dialog.error.line", error=problem), ask_again=field)
    said = env.t(
        "elders.form.added" if saved.created else "elders.form.changed",
        number=saved.id,
        name=saved.name,
    )
    if saved.added_members:
        added = env.t(
            "elders.form.members_added",
            team=_team_name(env, values),
            names=env.t.join(saved.added_members),
        )
        said = Html(f"{said}\n{added}")
    return Screen(said, also=tuple(notices(saved.assigned, env.config)))


ELDER_FORM = Form(
    flow="elder",
    fields=ELDER_FIELDS,
    complete=_save,
    summary="elders.form.summary",
    confirm="elders.form.save",
    cancelled="elders.form.cancelled",
    protect_content=True,  # the answers are the elder's phone, notes and family
)


async def begin_adding(env: FormEnv) -> DialogReply:
    """``/elders add``: the teams the leader may add elders to are the first question."""
    teams = await elder_sheets.team_choices(env.session, actor=env.actor)
    if not teams:
        raise DomainError("elders.form.no_teams")
    context = {"teams": [[team_id, name] for team_id, name in teams]}
    return await dialogs.begin(env, ELDER_FORM, context=context, note=env.t("elders.form.start"))


async def begin_editing(env: FormEnv, elder_id: int) -> DialogReply:
    """✏️ Edit: every answer filled in from the record; the summary comes first."""
    cells = await elder_sheets.elder_cells(
        env.session, actor=env.actor, config=env.config, elder_id=elder_id
    )
    teams = await elder_sheets.team_choices(env.session, actor=env.actor)
    team_id = next((i for i, name in teams if name == cells["team"]), None)
    values: dict[str, Any] = {n: cells[n] or None for n in TEXT_CELLS}
    values["team"] = team_id
    for name in (PRIMARY, BACKUP):
        values[name] = None
        if cells[name]:
            found = await elder_sheets.find_visitor(
                env.session, text=f"#{cells[name]}", team_id=team_id
            )
            values[name] = {"id": found.id, "name": found.name, "member": found.member}
    context = {"teams": [[i, name] for i, name in teams], "elder_id": elder_id}
    note = env.t("elders.form.editing", number=elder_id, name=cells["name"])
    return await dialogs.begin(env, ELDER_FORM, values=values, context=context, note=note)
