"""Who the rounds talk to: volunteers and accounts as recipients (chat, language, name), and
the one privacy rule for an elder's private details."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.accounts import ROLE_RANK, effective_role
from bot.services.lifecycle import signed_up_as
from models import Account, Role, Team, Volunteer
from models.elders import Elder

ID_CHUNK = 5000  # keeps IN (...) lists under every backend's parameter limit


@dataclass(frozen=True)
class Person:
    """Someone a message can go to."""

    telegram_id: int
    language: str
    name: str
    volunteer_id: int | None = None
    is_admin: bool = False
    is_leader: bool = False  # a community leader or an administrator, as of now
    reachable: bool = True  # False once they blocked the bot


def _person(volunteer: Volunteer | None, account: Account, admins: list[int]) -> Person:
    name = (volunteer.name if volunteer else None) or account.first_name or str(account.telegram_id)
    role = effective_role(account, admins)
    return Person(
        account.telegram_id,
        account.language,
        name,
        volunteer.id if volunteer else None,
        role == Role.ADMIN,
        ROLE_RANK[role] >= ROLE_RANK[Role.LEADER],
        account.unreachable_at is None,
    )


async def volunteers_by_id(
    session: AsyncSession, *, ids: Iterable[int | None], admins: list[int]
) -> dict[int, Person]:
    """Reachable volunteers (still registered, with an account) by volunteer id."""
    wanted = sorted({i for i in ids if i is not None})
    found: dict[int, Person] = {}
    for start in range(0, len(wanted), ID_CHUNK):
        rows = await session.exec(
            select(Volunteer, Account)
            .join(Account, Account.telegram_id == Volunteer.telegram_id)
            .where(Volunteer.id.in_(wanted[start : start + ID_CHUNK]))
            .where(Volunteer.left_at.is_(None))
        )
        for volunteer, account in rows:
            found[volunteer.id] = _person(volunteer, account, admins)  # type: ignore[index]
    return found


async def people_by_telegram(
    session: AsyncSession, *, telegram_ids: Iterable[int | None], admins: list[int]
) -> dict[int, Person]:
    wanted = sorted({i for i in telegram_ids if i is not None})
    found: dict[int, Person] = {}
    for start in range(0, len(wanted), ID_CHUNK):
        rows = await session.exec(
            select(Account, Volunteer)
            .outerjoin(Volunteer, Volunteer.telegram_id == Account.telegram_id)
            .where(Account.telegram_id.in_(wanted[start : start + ID_CHUNK]))
        )
        for account, volunteer in rows:
            found[account.telegram_id] = _person(volunteer, account, admins)
    return found


async def leaders_and_admins(session: AsyncSession, *, admins: list[int]) -> list[Person]:
    """The last resort of every alert, as of now: the community's leaders (leaders who lead no
    team: another team's leader has no business with this elder's details) and administrators
    who can be reached. Only when none of them can be reached, every reachable leader, so
    that an alert still reaches someone who can act."""
    rows = await session.exec(
        select(Account, Volunteer)
        .outerjoin(Volunteer, Volunteer.telegram_id == Account.telegram_id)
        .where(or_(col(Account.role) != Role.VOLUNTEER, col(Account.telegram_id).in_(admins)))
        .order_by(col(Account.telegram_id))
    )
    people = [_person(volunteer, account, admins) for account, volunteer in rows]
    leaders = [p for p in people if p.is_leader and p.reachable]
    team_leaders = set(
        await session.exec(
            select(Team.leader_telegram_id).where(
                col(Team.leader_telegram_id).in_([p.telegram_id for p in leaders])
            )
        )
    )
    community = [p for p in leaders if p.is_admin or p.telegram_id not in team_leaders]
    return community or leaders


async def volunteer_of(session: AsyncSession, *, telegram_id: int) -> int | None:
    """The volunteer profile id of an account, if it has one."""
    return (await session.exec(select(Volunteer.id).where(signed_up_as(telegram_id)))).first()


@dataclass(frozen=True)
class ElderAccess:
    """Who may see an elder's private details besides administrators."""

    visitor_telegram_ids: frozenset[int]
    leader_telegram_id: int | None

    def allows(self, telegram_id: int, is_admin: bool) -> bool:
        """The privacy rule: the elder's address, phone, notes and family contacts are shown
        only to their assigned visitors, their team's leader and administrators."""
        return (
            is_admin
            or telegram_id in self.visitor_telegram_ids
            or (self.leader_telegram_id is not None and telegram_id == self.leader_telegram_id)
        )


async def elder_access(session: AsyncSession, *, elder: Elder) -> ElderAccess:
    visitor_ids = [i for i in (elder.primary_visitor_id, elder.backup_visitor_id) if i]
    telegram_ids: set[int] = set()
    if visitor_ids:
        rows = await session.exec(
            select(Volunteer.telegram_id).where(Volunteer.id.in_(visitor_ids))
        )
        telegram_ids = {t for t in rows if t is not None}
    leader = None
    if elder.team_id is not None:
        team = await session.get(Team, elder.team_id)
        leader = team.leader_telegram_id if team else None
    return ElderAccess(frozenset(telegram_ids), leader)


async def led_team_ids(session: AsyncSession, *, telegram_id: int) -> list[int]:
    rows = await session.exec(select(Team.id).where(Team.leader_telegram_id == telegram_id))
    return [i for i in rows if i is not None]
