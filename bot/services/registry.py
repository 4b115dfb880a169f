"""The volunteer registry leaders search (服务清单): counts, a filtered list, exports.

Filters are SQL (``EXISTS`` on the skill, availability and team tables), so a registry of
100,000 volunteers is searched by the database, a page at a time. Volunteers who left never
appear. Phone and address are only given for volunteers who consented to leaders seeing them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit
from bot.services.accounts import Actor, require_role
from bot.services.lifecycle import available_for_callouts, is_available_for_callouts
from models import Role, Team, TeamMember, Volunteer, VolunteerAvailability, VolunteerSkill

LIST_PAGE_SIZE = 6
EXPORT_BATCH = 2000
MAX_TEAM_OPTIONS = 98  # Telegram allows 100 buttons on a message; two are left for the rest


@dataclass(frozen=True)
class RegistryFilter:
    """What a leader narrowed the list to; ``None`` means any."""

    skill: str | None = None
    team_id: int | None = None
    compound: str | None = None
    availability: str | None = None
    party: str | None = None

    @property
    def active(self) -> bool:
        return any(value is not None for value in vars(self).values())


@dataclass(frozen=True)
class RegistryCounts:
    total: int
    active: int
    paused: int
    by_skill: dict[str, int]
    by_party: dict[str, int]
    by_team: tuple[tuple[str, int], ...]  # (team name, members), by name


@dataclass(frozen=True)
class VolunteerRow:
    """One registry entry as a leader may see it: ``phone``/``address`` are None unless
    ``contact_visible``."""

    id: int
    telegram_id: int | None
    name: str
    phone: str | None
    compound: str | None
    address: str | None
    party: str
    skills: tuple[str, ...]
    availability: tuple[str, ...]
    teams: tuple[str, ...]
    paused: bool
    contact_visible: bool
    registered_at: datetime


@dataclass(frozen=True)
class VolunteerPage:
    rows: tuple[VolunteerRow, ...]
    matching: int
    page: int
    pages: int
    team_name: str | None = None  # of the team filtered by, for the filter's description


@dataclass(frozen=True)
class TeamOption:
    id: int
    name: str


async def registry_counts(session: AsyncSession, *, actor: Actor, now: datetime) -> RegistryCounts:
    require_role(actor, Role.LEADER, "registry.counts")
    registered = Volunteer.left_at.is_(None)
    total = await _count(session, registered)
    active = await _count(session, available_for_callouts(now))
    by_skill = await session.exec(
        select(VolunteerSkill.skill, func.count())
        .join(Volunteer, Volunteer.id == VolunteerSkill.volunteer_id)
        .where(registered)
        .group_by(VolunteerSkill.skill)
    )
    by_party = await session.exec(
        select(Volunteer.party, func.count()).where(registered).group_by(Volunteer.party)
    )
    by_team = await session.exec(
        select(Team.name, func.count(TeamMember.volunteer_id))
        .outerjoin(TeamMember, TeamMember.team_id == Team.id)
        .group_by(Team.id, Team.name)
        .order_by(Team.name)
    )
    return RegistryCounts(
        total=total,
        active=active,
        paused=total - active,
        by_skill={skill: n for skill, n in by_skill},
        by_party={str(party): n for party, n in by_party},
        by_team=tuple((name, n) for name, n in by_team),
    )


async def find_volunteers(
    session: AsyncSession, *, actor: Actor, filters: RegistryFilter, page: int, now: datetime
) -> VolunteerPage:
    require_role(actor, Role.LEADER, "registry.list")
    conditions = _conditions(filters)
    matching = await _count(session, *conditions)
    pages = max(1, -(-matching // LIST_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)  # an old keyboard may point past the end
    volunteers = await session.exec(
        select(Volunteer)
        .where(*conditions)
        .order_by(Volunteer.id)
        .offset(page * LIST_PAGE_SIZE)
        .limit(LIST_PAGE_SIZE)
    )
    rows = await _rows(session, list(volunteers), now)
    team_name = None
    if filters.team_id is not None:
        team_name = await session.scalar(select(Team.name).where(Team.id == filters.team_id))
    return VolunteerPage(tuple(rows), matching, page, pages, team_name)


async def export_volunteers(
    session: AsyncSession, *, actor: Actor, filters: RegistryFilter, file_format: str, now: datetime
) -> AsyncIterator[list[VolunteerRow]]:
    """Every matching volunteer, in batches (for a file); the export itself is audit-logged
    because it takes personal data out of the bot."""
    await start_export(session, actor=actor, filters=filters, file_format=file_format, now=now)
    return _batches(session, _conditions(filters), now)


def check_can_export(actor: Actor) -> None:
    """Exports are a leader's (checked again when the export starts)."""
    require_role(actor, Role.LEADER, "registry.export")


async def start_export(
    session: AsyncSession, *, actor: Actor, filters: RegistryFilter, file_format: str, now: datetime
) -> int:
    """Check and audit-log an export (it takes personal data out of the bot); how many
    volunteers it holds. The rows follow with ``export_batch``, a transaction each."""
    require_role(actor, Role.LEADER, "registry.export")
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="registry_exported",
        target_type="registry",
        format=file_format,
        filters={k: v for k, v in vars(filters).items() if v is not None},
    )
    query = select(func.count()).select_from(Volunteer).where(*_conditions(filters))
    return int((await session.exec(query)).one())


async def export_batch(
    session: AsyncSession, *, filters: RegistryFilter, after_id: int, now: datetime
) -> list[VolunteerRow]:
    """The next ``EXPORT_BATCH`` matching volunteers after ``after_id`` (by id)."""
    batch = list(
        await session.exec(
            select(Volunteer)
            .where(*_conditions(filters), Volunteer.id > after_id)
            .order_by(Volunteer.id)
            .limit(EXPORT_BATCH)
        )
    )
    return await _rows(session, batch, now) if batch else []


def check_can_filter(actor: Actor) -> None:
    """The choices of a filter (skills, compounds...) come from the configuration; showing
    them is still a leader's view."""
    require_role(actor, Role.LEADER, "registry.filter")


async def team_options(session: AsyncSession, *, actor: Actor) -> list[TeamOption]:
    """Teams to filter by (as many as an inline keyboard can hold)."""
    check_can_filter(actor)
    teams = await session.exec(
        select(Team.id, Team.name).order_by(Team.name).limit(MAX_TEAM_OPTIONS)
    )
    return [TeamOption(team_id, name) for team_id, name in teams]


# -- queries ------------------------------------------------------------------------------


def _conditions(filters: RegistryFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Volunteer.left_at.is_(None)]
    if filters.skill is not None:
        conditions.append(
            exists().where(
                VolunteerSkill.volunteer_id == Volunteer.id, VolunteerSkill.skill == filters.skill
            )
        )
    if filters.availability is not None:
        conditions.append(
            exists().where(
                VolunteerAvailability.volunteer_id == Volunteer.id,
                VolunteerAvailability.slot == filters.availability,
            )
        )
    if filters.team_id is not None:
        conditions.append(
            exists().where(
                TeamMember.volunteer_id == Volunteer.id, TeamMember.team_id == filters.team_id
            )
        )
    if filters.compound is not None:
        conditions.append(Volunteer.compound == filters.compound)
    if filters.party is not None:
        conditions.append(Volunteer.party == filters.party)
    return conditions


async def _count(session: AsyncSession, *conditions: ColumnElement[bool]) -> int:
    count = await session.scalar(select(func.count()).select_from(Volunteer).where(*conditions))
    return count or 0


async def _batches(
    session: AsyncSession, conditions: Sequence[ColumnElement[bool]], now: datetime
) -> AsyncIterator[list[VolunteerRow]]:
    """Keyset pages by id: each batch is one indexed range scan, however deep the export."""
    last_id = 0
    while True:
        batch = list(
            await session.exec(
                select(Volunteer)
                .where(*conditions, Volunteer.id > last_id)
                .order_by(Volunteer.id)
                .limit(EXPORT_BATCH)
            )
        )
        if not batch:
            return
        yield await _rows(session, batch, now)
        last_id = batch[-1].id or last_id
        for volunteer in batch:  # keep memory flat over a large export
            session.expunge(volunteer)


async def _rows(
    session: AsyncSession, volunteers: list[Volunteer], now: datetime
) -> list[VolunteerRow]:
    ids = [v.id for v in volunteers]
    skills = await _grouped(
        session, select(VolunteerSkill.volunteer_id, VolunteerSkill.skill), VolunteerSkill, ids
    )
    slots = await _grouped(
        session,
        select(VolunteerAvailability.volunteer_id, VolunteerAvailability.slot),
        VolunteerAvailability,
        ids,
    )
    teams = await _grouped(
        session,
        select(TeamMember.volunteer_id, Team.name).join(Team, Team.id == TeamMember.team_id),
        TeamMember,
        ids,
    )
    return [_row(v, skills, slots, teams, now) for v in volunteers]


async def _grouped(
    session: AsyncSession, query: Any, table: Any, ids: list[int | None]
) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    if ids:
        for volunteer_id, value in await session.exec(
            query.where(table.volunteer_id.in_(ids)).order_by(table.volunteer_id)
        ):
            grouped[volunteer_id].append(value)
    return grouped


def _row(
    v: Volunteer,
    skills: dict[int, list[str]],
    slots: dict[int, list[str]],
    teams: dict[int, list[str]],
    now: datetime,
) -> VolunteerRow:
    assert v.id is not None
    visible = bool(v.consent_visible)
    return VolunteerRow(
        id=v.id,
        telegram_id=v.telegram_id,
        name=v.name or "",
        phone=v.phone if visible else None,
        compound=v.compound,
        address=v.address if visible else None,
        party=str(v.party),
        skills=tuple(sorted(skills.get(v.id, ()))),
        availability=tuple(slots.get(v.id, ())),
        teams=tuple(sorted(teams.get(v.id, ()))),
        paused=not is_available_for_callouts(v, now),
        contact_visible=visible,
        registered_at=v.registered_at,
    )
