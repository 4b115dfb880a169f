"""Who may act on what, beyond the role: the scope of a leader.

- Administrators act on everything.
- A community leader (a leader who leads no team: a party-branch or community office leader)
  acts on everything too.
- A team's leader (anyone named as the leader of one or more teams) acts on their teams'
  things only: call-outs they created or that target only their teams, and their teams'
  elders, rounds, visits and alerts. A team's leader whose role is still volunteer has these
  team tools too (``require_team_tools``), but none of the community's (those still need the
  leader role: ``accounts.require_role``), and calls out only their own teams' members.
Everyone else (volunteers) acts on none of it. A refusal is ``NotAllowed`` naming the record,
which the handler layer audit-logs like every other refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import NotAllowed, NotFound
from bot.services.accounts import Actor
from models import Callout, Team


@dataclass(frozen=True)
class LeaderScope:
    teams: frozenset[int] | None  # None: the whole community
    teams_only: bool = False  # a volunteer who leads teams: may address only their members

    @property
    def whole_community(self) -> bool:
        return self.teams is None

    def covers_team(self, team_id: int | None) -> bool:
        return self.teams is None or (team_id is not None and team_id in self.teams)

    def covers_callout(self, callout: Callout, telegram_id: int) -> bool:
        """A call-out is a team's when its leader created it or it targets only their teams."""
        if self.teams is None or callout.created_by == telegram_id:
            return True
        return bool(callout.team_ids) and set(callout.team_ids) <= self.teams

    def covers_audience(self, team_ids: Iterable[int], *, narrowed: bool) -> bool:
        """Whether a call-out to ``team_ids`` may be sent: anyone for a leader, only members of
        their own teams (no everyone, no compounds) for a volunteer who leads teams."""
        if not self.teams_only:
            return True
        chosen = set(team_ids)
        return not narrowed and bool(chosen) and self.teams is not None and chosen <= self.teams


async def leader_scope(session: AsyncSession, *, actor: Actor) -> LeaderScope:
    """The actor's scope; for a volunteer, the teams they lead (usually none)."""
    if actor.is_admin:
        return LeaderScope(None)
    led = await session.exec(select(Team.id).where(Team.leader_telegram_id == actor.telegram_id))
    teams = frozenset(i for i in led if i is not None)
    if not actor.is_leader:
        return LeaderScope(teams, teams_only=True)
    return LeaderScope(teams or None)


async def leads_a_team(session: AsyncSession, *, telegram_id: int) -> bool:
    """Whether this person is named as the leader of any team."""
    found = await session.exec(
        select(Team.id).where(Team.leader_telegram_id == telegram_id).limit(1)
    )
    return found.first() is not None


async def require_team_tools(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    target_type: str = "community",
    target_id: object = None,
) -> LeaderScope:
    """The actor's scope, if they may use a team's tools at all (call-outs, elders, rounds):
    a leader or an administrator, or a volunteer who leads a team; else ``NotAllowed``."""
    scope = await leader_scope(session, actor=actor)
    if scope.teams is not None and not scope.teams:
        raise NotAllowed(action, target_type=target_type, target_id=target_id)
    return scope


async def require_callout_leader(
    session: AsyncSession, *, actor: Actor, callout_id: int, action: str
) -> Callout:
    """The call-out, if ``actor`` may lead it; else ``NotAllowed`` (or ``NotFound``)."""
    scope = await require_team_tools(
        session, actor=actor, action=action, target_type="callout", target_id=callout_id
    )
    callout = await session.get(Callout, callout_id)
    if callout is None:
        raise NotFound()
    if not scope.covers_callout(callout, actor.telegram_id):
        raise NotAllowed(action, target_type="callout", target_id=callout_id)
    return callout
