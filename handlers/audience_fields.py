"""The audience questions that the broadcast and call-out forms share: everyone, chosen teams,
chosen compounds, or party members.

Each form words them in its own catalog area (``<area>.form.audience.label``,
``<area>.form.audience.<kind>``, ``<area>.form.teams.prompt``...). The teams on offer are
the ones that existed when the form began (kept in its context); the compounds come from the
configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from bot.dialogs import (
    ChoiceField,
    Field,
    FieldKeys,
    FormEnv,
    MultiChoiceField,
    Option,
    field_keys,
    plain,
)
from bot.dialogs.fields import Predicate
from bot.services.announcements.audience import Audience

EVERYONE, TEAMS, COMPOUNDS, PARTY = "everyone", "teams", "compounds", "party"
PARTY_ONLY = "party_only"  # a form may also ask whether chosen teams/compounds mean party only


class TeamLike(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


def audience_context(teams: Iterable[TeamLike], *, teams_only: bool = False) -> dict[str, Any]:
    """The teams to offer, as the form keeps them (JSON) while it runs; ``teams_only``: a
    team's leader who may ask only their own teams' members (``LeaderScope.teams_only``)."""
    return {"teams": [[team.id, team.name] for team in teams], "teams_only": teams_only}


def audience_is(*kinds: str) -> Predicate:
    return lambda env, values: values.get("audience") in kinds


def audience_fields(area: str, *, columns: int = 1) -> tuple[Field, ...]:
    """Who (one choice), then which teams or which compounds when that is the choice."""

    def keys(name: str) -> FieldKeys:
        return field_keys(f"{area}.form", name)

    def kinds(env: FormEnv) -> list[Option]:
        if env.context.get("teams_only"):
            return [Option(TEAMS, plain(env.t(f"{area}.form.audience.{TEAMS}")))]
        offered = [EVERYONE]
        offered += [TEAMS] if env.context.get("teams") else []
        offered += [COMPOUNDS] if env.config.community.compounds else []
        offered.append(PARTY)
        return [Option(k, plain(env.t(f"{area}.form.audience.{k}"))) for k in offered]

    return (
        ChoiceField(**keys("audience"), options=kinds, columns=columns),
        MultiChoiceField(**keys("teams"), options=_teams, when=audience_is(TEAMS)),
        MultiChoiceField(**keys("compounds"), options=_compounds, when=audience_is(COMPOUNDS)),
    )


def _teams(env: FormEnv) -> list[Option]:
    return [Option(team_id, name) for team_id, name in env.context.get("teams", [])]


def _compounds(env: FormEnv) -> list[Option]:
    return [Option(name, name) for name in env.config.community.compounds]


def chosen_audience(values: Mapping[str, Any]) -> Audience:
    """The answers as an audience. Party members are either the choice itself or, where the
    form asks ``party_only``, a narrowing of the chosen teams or compounds."""
    kind = values.get("audience")
    narrowed = kind in (TEAMS, COMPOUNDS) and bool(values.get(PARTY_ONLY))
    return Audience(
        team_ids=tuple(values.get("teams") or ()) if kind == TEAMS else (),
        compounds=tuple(values.get("compounds") or ()) if kind == COMPOUNDS else (),
        party_only=kind == PARTY or narrowed,
        everyone=kind == EVERYONE,
    )


def audience_answers(audience: Audience) -> dict[str, Any]:
    """An audience as the answers that choose it (to change it in the form)."""
    if audience.everyone:
        return {"audience": EVERYONE}
    if audience.team_ids:
        answers: dict[str, Any] = {"audience": TEAMS, "teams": list(audience.team_ids)}
    elif audience.compounds:
        answers = {"audience": COMPOUNDS, "compounds": list(audience.compounds)}
    else:
        return {"audience": PARTY}
    if audience.party_only:
        answers[PARTY_ONLY] = True
    return answers
