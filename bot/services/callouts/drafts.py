"""What a leader fills in for a call-out, its validation, and creating it.

``create_callout`` only records the call-out; ``delivery.deliver_callout`` asks the volunteers
(the scheduler delivers each new call-out on its next tick, so one committed call-out is always
delivered exactly once, whichever process gets there).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import InvalidInput
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.callouts.audience import count_audience
from bot.services.leader_scope import require_team_tools
from bot.services.registry import MAX_TEAM_OPTIONS
from models import Callout, Team
from models.callouts import SkillMatch, Urgency

TITLE_MAX = 120
DESCRIPTION_MAX = 2000
PLACE_MAX = 200
NEEDED_MAX = 10_000
SKILL_CODE = re.compile(r"^[a-z0-9_]{1,24}$")


@dataclass(frozen=True)
class Template:
    """Sensible defaults a template pre-fills in the creation form. Its skills are only
    suggested (named when the form asks for skills), never ticked: a required skill narrows
    who is asked, and a call-out meant for everyone must not silently reach only medics."""

    code: str
    duration: timedelta
    needed: int | None
    urgency: Urgency = Urgency.NORMAL
    suggested_skills: tuple[str, ...] = ()


TEMPLATES: dict[str, Template] = {
    t.code: t
    for t in (
        Template("vaccination", timedelta(hours=4), 20, suggested_skills=("medical",)),
        Template("flood_patrol", timedelta(hours=6), None, Urgency.EMERGENCY),
        Template("epidemic_screening", timedelta(hours=4), 30, suggested_skills=("medical",)),
        Template("fire_evacuation", timedelta(hours=2), None, Urgency.EMERGENCY),
        Template("night_patrol", timedelta(hours=3), 6),
        Template("cleanup", timedelta(hours=3), 200),
        Template("other", timedelta(hours=2), 10),
    )
}


@dataclass(frozen=True)
class CalloutDraft:
    """A call-out as plain values; times are aware instants (stored in UTC)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    template: str = "other"
    needed: int | None = None  # None: as many as possible
    skills: tuple[str, ...] = ()
    skill_match: SkillMatch = SkillMatch.ANY
    team_ids: tuple[int, ...] = ()
    compounds: tuple[str, ...] = ()
    party_only: bool = False
    everyone: bool = False
    post_in_team_groups: bool = True
    response_deadline: datetime | None = None
    urgency: Urgency = Urgency.NORMAL


@dataclass(frozen=True)
class CalloutCreated:
    id: int
    title: str


def clean_text(value: str, limit: int, key: str, *, required: bool, multiline: bool) -> str:
    """Trimmed text without control characters (newlines kept where they make sense)."""
    lines = value.strip().splitlines() if multiline else [" ".join(value.split())]
    text = "\n".join(" ".join(line.split()) for line in lines).strip()
    if (required and not text) or len(text) > limit:
        raise InvalidInput(key, limit=limit)
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch != "\n" for ch in text):
        raise InvalidInput(key, limit=limit)
    return text


def validate(draft: CalloutDraft) -> CalloutDraft:
    """The draft with its texts cleaned; ``InvalidInput`` names the first thing wrong."""
    title = clean_text(
        draft.title, TITLE_MAX, "callouts.invalid.title", required=True, multiline=False
    )
    description = clean_text(
        draft.description,
        DESCRIPTION_MAX,
        "callouts.invalid.description",
        required=False,
        multiline=True,
    )
    place = clean_text(
        draft.place, PLACE_MAX, "callouts.invalid.place", required=False, multiline=False
    )
    _check_times(draft)
    _check_location(draft)
    if draft.needed is not None and not 1 <= draft.needed <= NEEDED_MAX:
        raise InvalidInput("callouts.invalid.needed", limit=NEEDED_MAX)
    if draft.template not in TEMPLATES:
        raise InvalidInput("callouts.invalid.template")
    if not all(SKILL_CODE.match(code) for code in draft.skills):
        raise InvalidInput("callouts.invalid.skills")
    if not (draft.everyone or draft.team_ids or draft.compounds or draft.party_only):
        raise InvalidInput("callouts.invalid.audience")
    skills = tuple(dict.fromkeys(draft.skills))
    return replace(draft, title=title, description=description, place=place, skills=skills)


def _check_times(draft: CalloutDraft) -> None:
    for instant in (draft.starts_at, draft.ends_at, draft.response_deadline):
        if instant is not None and instant.tzinfo is None:
            raise ValueError("call-out times must be timezone-aware")
    if draft.ends_at <= draft.starts_at:
        raise InvalidInput("callouts.invalid.times")
    if draft.response_deadline is not None and draft.response_deadline > draft.ends_at:
        raise InvalidInput("callouts.invalid.deadline")


def _check_location(draft: CalloutDraft) -> None:
    if (draft.latitude is None) != (draft.longitude is None):
        raise InvalidInput("callouts.invalid.location")
    latitude, longitude = draft.latitude, draft.longitude
    if (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise InvalidInput("callouts.invalid.location")


async def create_callout(
    session: AsyncSession,
    *,
    actor: Actor,
    draft: CalloutDraft,
    now: datetime,
    reaching_nobody: bool = False,
) -> CalloutCreated:
    """Record a leader's call-out (not yet delivered). One that would reach nobody now is
    refused (``callouts.invalid.nobody``) unless ``reaching_nobody`` says it is meant so."""
    scope = await require_team_tools(session, actor=actor, action="callout.create")
    draft = validate(draft)
    narrowed = draft.everyone or bool(draft.compounds)
    if not scope.covers_audience(draft.team_ids, narrowed=narrowed):
        raise InvalidInput("callouts.invalid.own_teams")
    if draft.ends_at <= now:
        raise InvalidInput("callouts.invalid.over")
    if not reaching_nobody and not await count_audience(
        session, actor=actor, targeting=draft, now=now
    ):
        raise InvalidInput("callouts.invalid.nobody")
    callout = Callout(
        title=draft.title,
        description=draft.description,
        place=draft.place,
        latitude=draft.latitude,
        longitude=draft.longitude,
        template=draft.template,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        needed=draft.needed,
        skills=list(draft.skills),
        skill_match=draft.skill_match,
        team_ids=list(draft.team_ids),
        compounds=list(draft.compounds),
        party_only=draft.party_only,
        everyone=draft.everyone,
        post_in_team_groups=draft.post_in_team_groups,
        response_deadline=draft.response_deadline,
        urgency=draft.urgency,
        created_by=actor.telegram_id,
        created_at=now,
    )
    session.add(callout)
    await session.flush()
    assert callout.id is not None
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="callout.create",
        target_type="callout",
        target_id=callout.id,
        title=callout.title,
        needed=callout.needed,
    )
    return CalloutCreated(callout.id, callout.title)


@dataclass(frozen=True)
class TeamChoice:
    id: int
    name: str


@dataclass(frozen=True)
class CreationChoices:
    teams: tuple[TeamChoice, ...]
    teams_only: bool  # a volunteer who leads teams: only their teams' members may be asked


async def creation_choices(session: AsyncSession, *, actor: Actor) -> CreationChoices:
    """What the creation form offers to choose from beyond the config: the teams, now (a
    volunteer who leads teams: only theirs)."""
    scope = await require_team_tools(session, actor=actor, action="callout.create")
    query = select(Team.id, Team.name).order_by(Team.name).limit(MAX_TEAM_OPTIONS)
    if scope.teams_only and scope.teams is not None:
        query = query.where(col(Team.id).in_(scope.teams))
    rows = await session.exec(query)
    teams = tuple(TeamChoice(team_id, name) for team_id, name in rows.all() if team_id is not None)
    return CreationChoices(teams, scope.teams_only)
