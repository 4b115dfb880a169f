"""Leader rights: administrators promote and demote someone they name (a volunteer's name,
phone or number, as everywhere else) or pick in Telegram's chooser (a shared user); the operator
makes administrators by @username. Taking the rights away takes every place they are recorded
with them: the teams the person led lose them as their leader, so alerts and elders' private
details go to whoever leads now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import DomainError, InvalidInput
from bot.services import audit
from bot.services.accounts import Actor, effective_role, normal_username, require_role
from bot.services.lifecycle import signed_up_as
from bot.services.rounds.volunteer_refs import VolunteerIndex, name_key
from models import Account, Role, Team, Volunteer

MAX_TELEGRAM_ID = 2**63 - 1


@dataclass(frozen=True)
class RoleChange:
    """What happened to the target's role; ``changed`` is False when it already was so."""

    telegram_id: int
    first_name: str
    language: str
    role: Role
    changed: bool
    teams_left: tuple[str, ...] = ()  # the teams they no longer lead


@dataclass(frozen=True)
class LeaderEntry:
    telegram_id: int
    first_name: str
    role: Role


def parse_telegram_id(text: str) -> int:
    """The one argument of /promote and /demote: a positive Telegram user id."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_TELEGRAM_ID:
        raise InvalidInput("roles.bad_id")
    return int(value)


async def find_account(session: AsyncSession, *, target: str | int) -> int:
    """The Telegram id of the person ``target`` names: a shared user's id (an int), or what
    an administrator typed: a volunteer's name, phone or number (#12), the Telegram first name
    of someone who has opened the bot, or (for those who know it) a Telegram id."""
    if isinstance(target, int):
        if await session.get(Account, target) is None:
            raise DomainError("roles.unknown_account")
        return target
    typed = target.strip()
    if not typed:
        raise InvalidInput("roles.unknown_person", who=typed)
    try:
        if await session.get(Account, parse_telegram_id(typed)) is not None:
            return int(typed)
    except InvalidInput:
        pass
    try:
        index = await VolunteerIndex.load(session)
        volunteer = await session.get(Volunteer, index.find(typed).id)
        if volunteer is not None and volunteer.telegram_id is not None:
            return volunteer.telegram_id
    except InvalidInput as error:
        if error.key == "rounds.ref.ambiguous":
            raise
    accounts = await session.exec(select(Account.telegram_id, Account.first_name))
    named = [i for i, first in accounts if first and name_key(first) == name_key(typed)]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise InvalidInput("rounds.ref.ambiguous", who=typed)
    raise InvalidInput("roles.unknown_person", who=typed)


async def promote(
    session: AsyncSession, *, actor: Actor, target: str | int, admins: list[int], now: datetime
) -> RoleChange:
    """Make the person ``target`` names (see ``find_account``) a leader."""
    require_role(
        actor, Role.ADMIN, "roles.promote", target_type="account", target_id=_typed(target)
    )
    target_id = await find_account(session, target=target)
    return await _set_role(session, actor, target_id, Role.LEADER, admins, now)


async def demote(
    session: AsyncSession, *, actor: Actor, target: str | int, admins: list[int], now: datetime
) -> RoleChange:
    """Take leader rights from the person ``target`` names (see ``find_account``)."""
    require_role(actor, Role.ADMIN, "roles.demote", target_type="account", target_id=_typed(target))
    target_id = await find_account(session, target=target)
    if target_id in admins:  # the config file, not the database, makes them administrators
        raise DomainError("roles.configured_admin")
    return await _set_role(session, actor, target_id, Role.VOLUNTEER, admins, now)


class UsernameNotFound(Exception):
    """No account, or more than one, has written to the bot with this @username."""

    def __init__(self, username: str, found: int) -> None:
        super().__init__(username, found)
        self.username = username
        self.found = found


async def make_admin_by_username(
    session: AsyncSession, *, username: str, now: datetime
) -> RoleChange:
    """The operator's ``muster admin add @username``: the account that wrote to the bot with
    that @username becomes an administrator (no Telegram id needed)."""
    handle = normal_username(username)
    accounts = await session.exec(select(Account).where(Account.username == handle))
    found = list(accounts)
    if len(found) != 1:  # a stale name someone else has taken since: ask for the id instead
        raise UsernameNotFound(handle, len(found))
    account = found[0]
    changed = Role(account.role) != Role.ADMIN
    if changed:
        await audit.record(
            session,
            now=now,
            actor=None,  # the operator, at the server
            action="role_granted",
            target_type="account",
            target_id=account.telegram_id,
            before=Role(account.role).value,
            after=Role.ADMIN.value,
        )
        account.role = Role.ADMIN
    return RoleChange(
        account.telegram_id, account.first_name, account.language, Role.ADMIN, changed
    )


def _typed(target: str | int) -> str | None:
    """What a refusal's audit entry names: a Telegram id, never a typed name (the audit log
    would keep it after that person has left)."""
    typed = str(target).strip()
    return typed if typed.isascii() and typed.isdigit() else None


async def list_leaders(
    session: AsyncSession, *, actor: Actor, admins: list[int]
) -> list[LeaderEntry]:
    """Everyone with more than volunteer rights, for the administrator's overview."""
    require_role(actor, Role.ADMIN, "roles.list")
    accounts = await session.exec(
        select(Account)
        .where((Account.role != Role.VOLUNTEER) | Account.telegram_id.in_(admins))
        .order_by(Account.telegram_id)
    )
    return [LeaderEntry(a.telegram_id, a.first_name, effective_role(a, admins)) for a in accounts]


async def _set_role(
    session: AsyncSession,
    actor: Actor,
    target_id: int,
    role: Role,
    admins: list[int],
    now: datetime,
) -> RoleChange:
    account = await session.get(Account, target_id)
    if account is None:  # they must have opened the bot, or we could never tell them
        raise DomainError("roles.unknown_account")
    before = effective_role(account, admins)
    name = await _known_as(session, account)
    if before == Role.ADMIN and role == Role.LEADER:
        return RoleChange(target_id, name, account.language, before, False)
    changed = Role(account.role) != role
    teams_left: tuple[str, ...] = ()
    if changed:
        account.role = role
        if role == Role.VOLUNTEER:
            teams_left = await _end_team_leadership(session, actor, target_id, now)
        await audit.record(
            session,
            now=now,
            actor=actor.telegram_id,
            action="role_granted" if role == Role.LEADER else "role_revoked",
            target_type="account",
            target_id=target_id,
            before=before.value,
            after=role.value,
        )
    return RoleChange(target_id, name, account.language, role, changed, teams_left)


async def _known_as(session: AsyncSession, account: Account) -> str:
    """The name they signed up with (two Graces are told apart), else their Telegram name."""
    registered = await session.scalar(
        select(Volunteer.name).where(signed_up_as(account.telegram_id))
    )
    return registered or account.first_name


async def _end_team_leadership(
    session: AsyncSession, actor: Actor, telegram_id: int, now: datetime
) -> tuple[str, ...]:
    """The teams ``telegram_id`` led have no leader now (each change audit-logged)."""
    led = list(
        (
            await session.exec(
                select(Team.id, Team.name)
                .where(Team.leader_telegram_id == telegram_id)
                .order_by(Team.id)
            )
        ).all()
    )
    if not led:
        return ()
    await session.exec(
        update(Team).where(Team.leader_telegram_id == telegram_id).values(leader_telegram_id=None)
    )
    for team_id, _ in led:
        await audit.record(
            session,
            now=now,
            actor=actor.telegram_id,
            action="team_leader_set",
            target_type="team",
            target_id=team_id,
            before=telegram_id,
            after=None,
        )
    return tuple(name for _, name in led)


@dataclass(frozen=True)
class MenuHolder:
    """Someone whose private chat has a menu of its own: a leader or an administrator, or a
    volunteer who leads a team."""

    telegram_id: int
    role: Role
    language: str
    leads_team: bool = False


async def menu_holders(session: AsyncSession, *, admins: list[int]) -> list[MenuHolder]:
    team_leaders = select(Team.leader_telegram_id).where(Team.leader_telegram_id.is_not(None))
    leading = set(await session.exec(team_leaders))
    accounts = await session.exec(
        select(Account).where(
            (Account.role != Role.VOLUNTEER)
            | Account.telegram_id.in_(admins)
            | Account.telegram_id.in_(leading)
        )
    )
    return [
        MenuHolder(a.telegram_id, effective_role(a, admins), a.language, a.telegram_id in leading)
        for a in accounts
    ]
