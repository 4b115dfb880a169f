"""Who a call-out asks, resolved in one SQL query.

The chosen teams and compounds are alternatives (a member of a chosen team OR a resident of a
chosen compound); "party members only" and the required skills narrow that down. "Everyone"
drops the team, compound and party choices but keeps the skills: a call for medics widened
to the whole community still asks only medics. Whoever left, is paused or is unreachable (their
Telegram account blocked the bot) is never asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, true
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.accounts import Actor
from bot.services.leader_scope import require_team_tools
from bot.services.lifecycle import available_for_callouts
from models import (
    Account,
    Callout,
    CalloutResponse,
    Party,
    TeamMember,
    Volunteer,
    VolunteerSkill,
)
from models.callouts import SkillMatch


class Targeting(Protocol):
    """Who is asked: a stored call-out, or a draft being previewed."""

    # Read-only, so a stored call-out's lists and a draft's tuples both satisfy it.
    @property
    def skills(self) -> Sequence[str]: ...
    @property
    def skill_match(self) -> SkillMatch: ...
    @property
    def team_ids(self) -> Sequence[int]: ...
    @property
    def compounds(self) -> Sequence[str]: ...
    @property
    def party_only(self) -> bool: ...
    @property
    def everyone(self) -> bool: ...


@dataclass(frozen=True)
class Recipient:
    volunteer_id: int
    telegram_id: int
    language: str


def _has_skill(skill: str | list[str]) -> ColumnElement[bool]:
    wanted = [skill] if isinstance(skill, str) else skill
    return exists().where(
        VolunteerSkill.volunteer_id == Volunteer.id, VolunteerSkill.skill.in_(wanted)
    )


def _skills_condition(callout: Targeting) -> ColumnElement[bool]:
    if not callout.skills:
        return true()
    if callout.skill_match == SkillMatch.ALL:
        return and_(*(_has_skill(code) for code in callout.skills))
    return _has_skill(list(callout.skills))


def _groups_condition(callout: Targeting) -> ColumnElement[bool]:
    """Teams and compounds: one of them (no choice of either: no narrowing)."""
    if callout.everyone or not (callout.team_ids or callout.compounds):
        return true()
    alternatives: list[ColumnElement[bool]] = []
    if callout.team_ids:
        alternatives.append(
            exists().where(
                TeamMember.volunteer_id == Volunteer.id,
                TeamMember.team_id.in_(list(callout.team_ids)),
            )
        )
    if callout.compounds:
        alternatives.append(Volunteer.compound.in_(list(callout.compounds)))
    return or_(*alternatives)


def targeted(callout: Targeting) -> ColumnElement[bool]:
    """The call-out's targeting as a condition on ``Volunteer``."""
    party = Volunteer.party != Party.NONE if callout.party_only and not callout.everyone else true()
    return and_(_groups_condition(callout), party, _skills_condition(callout))


def reachable(now: datetime) -> ColumnElement[bool]:
    """Signed up, not paused at ``now``, and not unreachable on Telegram."""
    return and_(
        Volunteer.telegram_id.is_not(None),
        available_for_callouts(now),
        Account.unreachable_at.is_(None),
    )


async def resolve_audience(
    session: AsyncSession, *, callout: Callout, now: datetime, not_yet_asked: bool = True
) -> list[Recipient]:
    """Everyone the call-out targets who can be asked now (by default: not asked before)."""
    already_asked = (
        exists().where(
            CalloutResponse.callout_id == callout.id,
            CalloutResponse.volunteer_id == Volunteer.id,
        )
        if not_yet_asked
        else false()
    )
    query = (
        select(Volunteer.id, Account.telegram_id, Account.language)
        .join(Account, Account.telegram_id == Volunteer.telegram_id)
        .where(reachable(now), targeted(callout), ~already_asked)
        .order_by(Volunteer.id)
    )
    rows = await session.exec(query)
    return [Recipient(v_id, tg_id, language) for v_id, tg_id, language in rows]


async def count_audience(
    session: AsyncSession, *, actor: Actor, targeting: Targeting, now: datetime
) -> int:
    """How many volunteers a draft would ask now (for the preview before sending)."""
    await require_team_tools(session, actor=actor, action="callout.preview")
    query = (
        select(func.count())
        .select_from(Volunteer)
        .join(Account, Account.telegram_id == Volunteer.telegram_id)
        .where(reachable(now), targeted(targeting))
    )
    return (await session.exec(query)).one()
