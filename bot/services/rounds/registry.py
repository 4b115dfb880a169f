"""The registry of elderly people cared for (leaders): list, search, show, remove.

Anyone with leader rights sees the names, compounds, teams and visitors; the private details
(the rest of the address, phone, notes, family contacts) follow the privacy rule in
``people.ElderAccess`` and are left out of what this module returns otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, true, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.leader_scope import LeaderScope, leader_scope, require_team_tools
from bot.services.rounds.facts import elder_facts
from bot.services.rounds.messages import ElderFacts
from bot.services.rounds.people import elder_access
from models import Team, Volunteer
from models.elders import Alert, Elder, ElderContact, ElderVisitTime, Visit, VisitStatus

PAGE_SIZE = 10
SEARCH_LIMIT = 20
SEARCH_MAX = 64


@dataclass(frozen=True)
class ElderSummary:
    id: int
    name: str
    compound: str
    team: str


@dataclass(frozen=True)
class ElderPage:
    items: tuple[ElderSummary, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class ElderCard:
    """One elder for one viewer: ``facts`` carries private details only when visible."""

    facts: ElderFacts
    private_visible: bool
    team: str
    primary: str | None
    backup: str | None
    visit_times: tuple[tuple[str, int], ...]  # (HH:MM, window minutes)
    may_remove: bool


def _summaries_query():
    return (
        select(Elder.id, Elder.name, Elder.compound, Team.name)
        .outerjoin(Team, col(Team.id) == Elder.team_id)
        .where(col(Elder.removed_at).is_(None))
    )


def _summary(row: tuple[int, str, str, str | None]) -> ElderSummary:
    elder_id, name, compound, team = row
    return ElderSummary(elder_id, name, compound, team or "–")


async def list_elders(session: AsyncSession, *, actor: Actor, page: int) -> ElderPage:
    scope = await require_team_tools(session, actor=actor, action="elders.list")
    total = (
        await session.exec(
            select(func.count())
            .select_from(Elder)
            .where(col(Elder.removed_at).is_(None), _within(scope))
        )
    ).one()
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    rows = await session.exec(
        _summaries_query()
        .where(_within(scope))
        .order_by(col(Elder.compound), col(Elder.name), col(Elder.id))
        .offset(page * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return ElderPage(tuple(_summary(r) for r in rows), page, pages, total)


async def search_elders(
    session: AsyncSession, *, actor: Actor, text: str
) -> tuple[ElderSummary, ...]:
    """Elders whose name, compound or team contains ``text`` (never the private fields, so a
    search cannot confirm someone's phone or room)."""
    scope = await require_team_tools(session, actor=actor, action="elders.search")
    wanted = " ".join(text.split())
    if not wanted:
        raise InvalidInput("elders.search_empty")
    if len(wanted) > SEARCH_MAX:
        raise InvalidInput("elders.search_too_long", limit=SEARCH_MAX)
    pattern = (
        "%" + wanted.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    )
    rows = await session.exec(
        _summaries_query()
        .where(
            or_(
                func.lower(Elder.name).like(pattern, escape="\\"),
                func.lower(Elder.compound).like(pattern, escape="\\"),
                func.lower(Team.name).like(pattern, escape="\\"),
            ),
            _within(scope),
        )
        .order_by(col(Elder.name), col(Elder.id))
        .limit(SEARCH_LIMIT)
    )
    return tuple(_summary(r) for r in rows)


def _within(scope: LeaderScope) -> ColumnElement[bool]:
    """The elders a volunteer who leads teams sees: their teams' (a leader sees every one)."""
    if not scope.teams_only or scope.teams is None:
        return true()
    return col(Elder.team_id).in_(scope.teams)


async def _active_elder(session: AsyncSession, elder_id: int) -> Elder:
    elder = await session.get(Elder, elder_id)
    if elder is None or elder.removed_at is not None:
        raise NotFound()
    return elder


async def may_manage(session: AsyncSession, *, actor: Actor, elder: Elder) -> bool:
    """Administrators, community leaders and the leader of the elder's team change an
    elder's record (``bot.services.leader_scope``)."""
    return (await leader_scope(session, actor=actor)).covers_team(elder.team_id)


async def elder_card(
    session: AsyncSession, *, actor: Actor, config: Config, elder_id: int
) -> ElderCard:
    scope = await require_team_tools(
        session, actor=actor, action="elders.show", target_type="elder", target_id=elder_id
    )
    elder = await _active_elder(session, elder_id)
    if scope.teams_only and not scope.covers_team(elder.team_id):
        raise NotAllowed("elders.show", target_type="elder", target_id=elder_id)
    access = await elder_access(session, elder=elder)
    visible = access.allows(actor.telegram_id, actor.is_admin)
    facts = (await elder_facts(session, elder_ids=[elder_id], with_contacts=visible))[elder_id]
    if not visible:
        facts = ElderFacts(facts.id, facts.name, facts.compound)
    team = await session.get(Team, elder.team_id) if elder.team_id else None
    times = await session.exec(
        select(ElderVisitTime.slot, ElderVisitTime.window_minutes)
        .where(ElderVisitTime.elder_id == elder_id)
        .order_by(col(ElderVisitTime.slot))
    )
    return ElderCard(
        facts=facts,
        private_visible=visible,
        team=team.name if team else "–",
        primary=await _volunteer_name(session, elder.primary_visitor_id),
        backup=await _volunteer_name(session, elder.backup_visitor_id),
        visit_times=tuple((slot, window) for slot, window in times),
        may_remove=await may_manage(session, actor=actor, elder=elder),
    )


async def _volunteer_name(session: AsyncSession, volunteer_id: int | None) -> str | None:
    if volunteer_id is None:
        return None
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.left_at is not None:
        return None
    return volunteer.name or f"#{volunteer_id}"


async def remove_elder(session: AsyncSession, *, actor: Actor, elder_id: int, now: datetime) -> str:
    """Remove an elder from the rounds (moved away, in care, passed away). The private
    details and family contacts are deleted; the name stays for past visits and hours.
    Visits not yet answered are dropped and open alerts stop escalating."""
    await require_team_tools(
        session, actor=actor, action="elders.remove", target_type="elder", target_id=elder_id
    )
    elder = await _active_elder(session, elder_id)
    if not await may_manage(session, actor=actor, elder=elder):
        raise NotAllowed("elders.remove", target_type="elder", target_id=elder_id)
    elder.building = elder.room = elder.phone = elder.health_notes = elder.risk_notes = ""
    elder.removed_at = elder.updated_at = now
    await session.exec(delete(ElderContact).where(col(ElderContact.elder_id) == elder_id))
    await session.exec(delete(ElderVisitTime).where(col(ElderVisitTime.elder_id) == elder_id))
    await session.exec(
        delete(Visit).where(
            col(Visit.elder_id) == elder_id, col(Visit.status) == VisitStatus.PENDING
        )
    )
    await session.exec(
        update(Alert)
        .where(
            col(Alert.visit_id).in_(select(Visit.id).where(Visit.elder_id == elder_id)),
            col(Alert.closed_at).is_(None),
        )
        .values(next_step=None, next_step_at=None)
    )
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="elders.remove",
        target_type="elder",
        target_id=elder_id,
    )
    return elder.name
