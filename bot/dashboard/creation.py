"""A new call-out from the board: the choices the chat's ``/callout`` form offers, a preview
of how many it would reach, and the call-out itself, recorded by the same service as the form
(``drafts.create_callout``: the same checks, the same refusal of one that reaches nobody, the
same audit entry) and delivered by the same due work."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.dashboard.auth import Viewer
from bot.errors import InvalidInput
from bot.i18n import Translator
from bot.labels import skill_label
from bot.services.callouts import drafts
from bot.services.callouts.audience import count_audience
from bot.services.callouts.drafts import TEMPLATES, CalloutDraft
from models.callouts import SkillMatch, Urgency

Json = dict[str, Any]


async def choices(session: AsyncSession, viewer: Viewer, config: Config) -> Json:
    t = Translator(viewer.actor.language, config.bot.zone)
    community = config.community
    offered = await drafts.creation_choices(session, viewer.actor)
    return {
        "templates": [
            {
                "code": code,
                "label": t(f"callouts.template.{code}"),
                "needed": template.needed,
                "minutes": int(template.duration.total_seconds() // 60),
                "urgency": str(template.urgency),
                "suggested_skills": list(template.suggested_skills),
            }
            for code, template in TEMPLATES.items()
        ],
        "skills": [
            {"code": c, "label": skill_label(t, community, c)} for c in community.skill_codes
        ],
        "teams": [{"id": team.id, "name": team.name} for team in offered.teams],
        "compounds": [] if offered.teams_only else list(community.compounds),
        "teams_only": offered.teams_only,  # a 队长: only their own teams, never everyone
    }


def draft_of(body: Json, config: Config) -> CalloutDraft:
    """The page's form as the call-out service takes it; a value of the wrong kind or not on
    offer is refused (400)."""
    zone, community = config.bot.zone, config.community
    skills = _strings(body.get("skills", []), community.skill_codes)
    compounds = _strings(body.get("compounds", []), community.compounds)
    team_ids = body.get("team_ids", [])
    if not isinstance(team_ids, list) or not all(_is_int(i) for i in team_ids):
        raise InvalidInput()
    needed = body.get("needed")
    if needed is not None and not _is_int(needed):
        raise InvalidInput("callouts.invalid.needed", limit=drafts.NEEDED_MAX)
    deadline = body.get("deadline")
    return CalloutDraft(
        title=_text(body, "title"),
        description=_text(body, "description"),
        place=_text(body, "place"),
        template=_text(body, "template") or "other",
        starts_at=local_instant(body.get("starts_at"), zone),
        ends_at=local_instant(body.get("ends_at"), zone),
        needed=needed or None,  # 0 or none: as many as possible
        skills=tuple(skills),
        skill_match=_choice(body.get("skill_match", "any"), SkillMatch),
        team_ids=tuple(team_ids),
        compounds=tuple(compounds),
        party_only=body.get("party_only") is True,
        everyone=body.get("everyone") is True,
        response_deadline=local_instant(deadline, zone) if deadline else None,
        urgency=_choice(body.get("urgency", "normal"), Urgency),
    )


async def reach(session: AsyncSession, viewer: Viewer, draft: CalloutDraft, now: datetime) -> int:
    return await count_audience(session, viewer.actor, drafts.validate(draft), now)


def local_instant(value: object, zone: tzinfo) -> datetime:
    """``2026-12-04T08:00`` in the community's timezone (an offset, if given, is kept)."""
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidInput("callouts.invalid.times")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("callouts.invalid.times") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _text(body: Json, key: str) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput()
    return value


def _strings(value: object, allowed: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(v in allowed for v in value):
        raise InvalidInput()
    return [str(v) for v in value]


def _choice(value: object, kind: type[SkillMatch] | type[Urgency]) -> Any:
    try:
        return kind(str(value))
    except ValueError:
        raise InvalidInput() from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
