"""Volunteer teams (巡逻队, 应急救援队, ...): leaders create them and choose their members.

A volunteer may be in several teams. Every change is audit-logged: membership changes touch
someone else's record, and a team is shared by all leaders.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.menus import menu_update
from bot.outbox.queue import Outgoing
from bot.services import audit
from bot.services.accounts import Actor, require_role
from bot.services.assignments import Assignment
from bot.services.leader_scope import leader_scope, leads_a_team
from bot.services.lifecycle import signed_up_as
from bot.services.roles import find_account
from bot.services.rounds.people import people_by_telegram, volunteers_by_id
from bot.services.rounds.volunteer_refs import VolunteerIndex
from models import Account, Role, Team, TeamMember, Volunteer

TEAM_NAME_MAX = 64
MEMBER_PAGE_SIZE = 8
CARD_MEMBER_PREVIEW = 30


@dataclass(frozen=True)
class TeamSummary:
    id: int
    name: str
    member_count: int
    leader_telegram_id: int | None = None
    leader_name: str | None = None


@dataclass(frozen=True)
class TeamCard:
    team: TeamSummary
    member_names: tuple[str, ...]  # the first ``CARD_MEMBER_PREVIEW``, by registration


@dataclass(frozen=True)
class MemberChoice:
    volunteer_id: int
    name: str
    is_member: bool


@dataclass(frozen=True)
class MemberPage:
    team: TeamSummary
    choices: tuple[MemberChoice, ...]
    page: int
    pages: int
    assigned: Assignment | None = None  # the volunteer just added, to be told


@dataclass(frozen=True)
class TeamChange:
    team: TeamSummary
    assigned: Assignment | None  # the person to be told (None: nothing new for anyone)
    menus: tuple[Outgoing, ...] = ()  # volunteers whose menu gains or loses the team's tools


def clean_team_name(text: str) -> str:
    """One line of at most ``TEAM_NAME_MAX`` characters; emoji welcome, control codes not."""
    name = " ".join(text.split())
    if not name or len(name) > TEAM_NAME_MAX:
        raise InvalidInput("teams.bad_name", limit=TEAM_NAME_MAX)
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in name):
        raise InvalidInput("teams.bad_name", limit=TEAM_NAME_MAX)
    return name


async def create_team(
    session: AsyncSession, *, actor: Actor, name: str, now: datetime
) -> TeamSummary:
    require_role(actor, Role.LEADER, "teams.create")
    name = clean_team_name(name)
    await _ensure_name_free(session, name)
    team = Team(name=name, created_by=actor.telegram_id, created_at=now)
    session.add(team)
    await session.flush()
    await _audit(session, now, actor, "team_created", team, name=name)
    return TeamSummary(_id(team), team.name, 0)


async def list_teams(session: AsyncSession, *, actor: Actor) -> list[TeamSummary]:
    require_role(actor, Role.LEADER, "teams.list")
    counts = (
        select(TeamMember.team_id, func.count().label("members"))
        .group_by(TeamMember.team_id)
        .subquery()
    )
    rows = await session.exec(
        select(Team, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.team_id == Team.id)
        .order_by(Team.name)
    )
    return [TeamSummary(_id(t), t.name, n, t.leader_telegram_id) for t, n in rows]


async def team_card(session: AsyncSession, *, actor: Actor, team_id: int) -> TeamCard:
    require_role(actor, Role.LEADER, "teams.open", target_type="team", target_id=team_id)
    team = await _team(session, team_id)
    names = await session.exec(
        select(Volunteer.name)
        .join(TeamMember, TeamMember.volunteer_id == Volunteer.id)
        .where(TeamMember.team_id == team_id)
        .order_by(Volunteer.id)
        .limit(CARD_MEMBER_PREVIEW)
    )
    return TeamCard(await _summary(session, team), tuple(n or "" for n in names))


async def member_page(
    session: AsyncSession, *, actor: Actor, team_id: int, page: int
) -> MemberPage:
    """Registered volunteers, a page at a time, each marked member or not (toggled in place)."""
    require_role(actor, Role.LEADER, "teams.members", target_type="team", target_id=team_id)
    return await _member_page(session, await _team(session, team_id), page)


async def toggle_member(
    session: AsyncSession,
    *,
    actor: Actor,
    team_id: int,
    volunteer_id: int,
    page: int,
    now: datetime,
) -> MemberPage:
    await require_team_scope(session, actor=actor, team_id=team_id, action="teams.toggle_member")
    team = await _team(session, team_id)
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.left_at is not None:
        raise NotFound()
    membership = await session.get(TeamMember, (team_id, volunteer_id))
    joined = None
    if membership is None:
        session.add(
            TeamMember(
                team_id=team_id, volunteer_id=volunteer_id, added_by=actor.telegram_id, added_at=now
            )
        )
        action = "team_member_added"
        joined = (await volunteers_by_id(session, ids=[volunteer_id], admins=[])).get(volunteer_id)
    else:
        await session.delete(membership)
        action = "team_member_removed"
    await session.flush()
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action=action,
        target_type="volunteer",
        target_id=volunteer_id,
        team_id=team_id,
    )
    shown = await _member_page(session, team, page)
    if joined is None:
        return shown
    return replace(shown, assigned=Assignment(joined, "team_member", team=team.name))


async def rename_team(
    session: AsyncSession, *, actor: Actor, team_id: int, name: str, now: datetime
) -> TeamSummary:
    await require_team_scope(session, actor=actor, team_id=team_id, action="teams.rename")
    team = await _team(session, team_id)
    name = clean_team_name(name)
    if name != team.name:
        await _ensure_name_free(session, name)
        await _audit(session, now, actor, "team_renamed", team, before=team.name, after=name)
        team.name = name
    return await _summary(session, team)


async def set_team_leader(
    session: AsyncSession,
    *,
    actor: Actor,
    team_id: int,
    leader: str | int | None,
    now: datetime,
    admins: Sequence[int] = (),
) -> TeamChange:
    """The team's own leader, or none: someone who has used the bot, named as /promote takes
    it (``roles.find_account``: a name, phone, #number or a shared user's id). A volunteer's
    menu follows (``admins``: the configured administrators, whose menu stays theirs)."""
    await require_team_scope(session, actor=actor, team_id=team_id, action="teams.set_leader")
    team = await _team(session, team_id)
    leader_id = None
    if leader is not None:
        try:
            leader_id = await find_account(session, target=leader)
        except DomainError as error:
            if error.key == "rounds.ref.ambiguous":
                raise
            raise InvalidInput("teams.unknown_leader", who=str(leader).strip()) from None
    before = team.leader_telegram_id
    await _audit(
        session,
        now,
        actor,
        "team_leader_set",
        team,
        before=team.leader_telegram_id,
        after=leader_id,
    )
    team.leader_telegram_id = leader_id
    assigned = None
    if leader_id is not None and leader_id != before:
        person = (await people_by_telegram(session, telegram_ids=[leader_id], admins=[])).get(
            leader_id
        )
        # Whatever their role, a team's leader has its tools (``leader_scope``).
        assigned = Assignment(person, "team_leader", team=team.name) if person else None
    menus = await _team_leader_menus(session, {before, leader_id} - {None}, admins)
    return TeamChange(await _summary(session, team), assigned, menus)


async def add_member(
    session: AsyncSession, *, actor: Actor, team_id: int, who: str | int, now: datetime
) -> TeamChange:
    """Add a volunteer to the team: ``who`` is a shared user's Telegram id (an int) or what
    the leader typed (a name, phone or #number, found as /duty set finds one)."""
    await require_team_scope(session, actor=actor, team_id=team_id, action="teams.toggle_member")
    team = await _team(session, team_id)
    if isinstance(who, int):
        volunteer_id = await session.scalar(select(Volunteer.id).where(signed_up_as(who)))
        if volunteer_id is None:
            raise InvalidInput("teams.not_a_volunteer")
    else:
        volunteer_id = (await VolunteerIndex.load(session)).find(who).id
    if await session.get(TeamMember, (team_id, volunteer_id)) is not None:
        volunteer = await session.get(Volunteer, volunteer_id)
        name = volunteer.name if volunteer else None
        raise InvalidInput("teams.already_member", person=name or "", name=team.name)
    page = await toggle_member(
        session, actor=actor, team_id=team_id, volunteer_id=volunteer_id, page=0, now=now
    )
    return TeamChange(page.team, page.assigned)


async def linkable_teams(session: AsyncSession, *, actor: Actor) -> list[TeamSummary]:
    """The teams whose group chat ``actor`` may link: a team's leader their own teams,
    community leaders and administrators every team."""
    require_role(actor, Role.LEADER, "teams.link_group")
    scope = await leader_scope(session, actor=actor)
    return [t for t in await list_teams(session, actor=actor) if scope.covers_team(t.id)]


async def link_group(
    session: AsyncSession, *, actor: Actor, team_id: int, chat_id: int, now: datetime
) -> TeamSummary:
    """Make ``chat_id`` (a group the bot is in) the team's group chat: call-outs for the team
    are posted there, and its members answer them there."""
    await require_team_scope(session, actor=actor, team_id=team_id, action="teams.link_group")
    team = await _team(session, team_id)
    if team.group_chat_id != chat_id:
        await _audit(
            session, now, actor, "team_group_linked", team, before=team.group_chat_id, after=chat_id
        )
        team.group_chat_id = chat_id
    return await _summary(session, team)


async def delete_team(
    session: AsyncSession, *, actor: Actor, team_id: int, now: datetime
) -> TeamSummary:
    """Delete a team and its memberships (the volunteers stay); returns what was deleted."""
    await require_team_scope(session, actor=actor, team_id=team_id, action="teams.delete")
    team = await _team(session, team_id)
    summary = await _summary(session, team)
    await session.exec(delete(TeamMember).where(TeamMember.team_id == team_id))
    await session.delete(team)
    await _audit(
        session, now, actor, "team_deleted", team, name=team.name, members=summary.member_count
    )
    return summary


# -- helpers ------------------------------------------------------------------------------


async def require_team_scope(
    session: AsyncSession, *, actor: Actor, team_id: int, action: str
) -> None:
    """Changing a team (its members, name, leader, group, the team itself) is for the
    community's leaders and administrators, and for that team's own leader: never for the
    leader of another team (``bot.services.leader_scope``)."""
    require_role(actor, Role.LEADER, action, target_type="team", target_id=team_id)
    if not (await leader_scope(session, actor=actor)).covers_team(team_id):
        raise NotAllowed(action, target_type="team", target_id=team_id)


async def _team_leader_menus(
    session: AsyncSession, people: set[int | None], admins: Sequence[int]
) -> tuple[Outgoing, ...]:
    """The menus of the volunteers among ``people`` as they lead teams now (a leader's or an
    administrator's menu already has every team's tools)."""
    await session.flush()
    menus = []
    for telegram_id in people:
        account = await session.get(Account, telegram_id) if telegram_id is not None else None
        if account is None or account.role != Role.VOLUNTEER or account.telegram_id in admins:
            continue
        leads = await leads_a_team(session, telegram_id=account.telegram_id)
        menus.append(
            menu_update(account.telegram_id, Role.VOLUNTEER, account.language, leads_team=leads)
        )
    return tuple(menus)


async def _team(session: AsyncSession, team_id: int) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise NotFound()
    return team


async def _ensure_name_free(session: AsyncSession, name: str) -> None:
    taken = await session.scalar(select(exists().where(func.lower(Team.name) == name.lower())))
    if taken:
        raise InvalidInput("teams.name_taken", name=name)


async def _summary(session: AsyncSession, team: Team) -> TeamSummary:
    count = await session.scalar(
        select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team.id)
    )
    leader_name = None
    if team.leader_telegram_id is not None:
        leader_name = await _person_name(session, team.leader_telegram_id)
    return TeamSummary(_id(team), team.name, count or 0, team.leader_telegram_id, leader_name)


async def _person_name(session: AsyncSession, telegram_id: int) -> str | None:
    """Their registered name, else the Telegram first name they use."""
    name = await session.scalar(select(Volunteer.name).where(signed_up_as(telegram_id)))
    if name:
        return name
    account = await session.get(Account, telegram_id)
    return account.first_name if account else None


async def _member_page(session: AsyncSession, team: Team, page: int) -> MemberPage:
    registered = Volunteer.left_at.is_(None)
    total = await session.scalar(select(func.count()).select_from(Volunteer).where(registered))
    pages = max(1, -(-(total or 0) // MEMBER_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)  # an old keyboard may point past the end
    is_member = (
        exists()
        .where(TeamMember.team_id == team.id, TeamMember.volunteer_id == Volunteer.id)
        .label("is_member")
    )
    rows = await session.exec(
        select(Volunteer.id, Volunteer.name, is_member)
        .where(registered)
        .order_by(Volunteer.id)
        .offset(page * MEMBER_PAGE_SIZE)
        .limit(MEMBER_PAGE_SIZE)
    )
    choices = tuple(
        MemberChoice(vid, name or f"#{vid}", bool(member)) for vid, name, member in rows
    )
    return MemberPage(await _summary(session, team), choices, page, pages)


async def _audit(
    session: AsyncSession, now: datetime, actor: Actor, action: str, team: Team, **detail: Any
) -> None:
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action=action,
        target_type="team",
        target_id=team.id,
        **detail,
    )


def _id(team: Team) -> int:
    assert team.id is not None
    return team.id
