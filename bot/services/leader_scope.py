"""Who may act on what, beyond the role: the scope of a leader.

- Administrators act on everything.
- A community leader (a leader who leads no team: a party-branch or community office leader)
  acts on everything too.
- A team's leader (a leader named as the leader of one or more teams) acts on their teams'
  things only: call-outs they created or that target only their teams, and their teams'
  elders, rounds, visits and alerts.
Everyone else (volunteers) acts on none of it. A refusal is ``NotAllowed`` naming the record,
which the handler layer audit-logs like every other refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import NotAllowed, NotFound
from bot.services.accounts import Actor, require_role
from models import Callout, Role, Team


@dataclass(frozen=True)
class LeaderScope:
    teams: frozenset[int] | None  # None: the whole community

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


async def leader_scope(session: AsyncSession, actor: Actor) -> LeaderScope:
    """The actor's scope; for a volunteer, nothing."""
    if actor.is_admin:
        return LeaderScope(None)
    if not actor.is_leader:
        return LeaderScope(frozenset())
    led = await session.exec(select(Team.id).where(Team.leader_telegram_id == actor.telegram_id))
    teams = frozenset(i for i in led if i is not None)
    return LeaderScope(teams or None)


async def require_callout_leader(
    session: AsyncSession, actor: Actor, callout_id: int, action: str
) -> Callout:
    """The call-out, if ``actor`` may lead it; else ``NotAllowed`` (or ``NotFound``)."""
    require_role(actor, Role.LEADER, action, target_type="callout", target_id=callout_id)
    callout = await session.get(Callout, callout_id)
    if callout is None:
        raise NotFound()
    scope = await leader_scope(session, actor)
    if not scope.covers_callout(callout, actor.telegram_id):
        raise NotAllowed(action, target_type="callout", target_id=callout_id)
    return callout
