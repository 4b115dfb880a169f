"""Accounts and roles: who is talking, in which language, allowed to do what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import AdminsOnly, InvalidInput, NotAllowed
from bot.i18n import LANGUAGES
from models import Account, Role

ROLE_RANK = {Role.VOLUNTEER: 0, Role.LEADER: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class Actor:
    """The person behind an update, as the services see them."""

    telegram_id: int
    language: str
    role: Role
    first_name: str = ""
    came_back: bool = field(default=False, compare=False)  # was unreachable until this update

    @property
    def is_leader(self) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[Role.LEADER]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def effective_role(account: Account, admins: list[int]) -> Role:
    """Administrators named in the config are administrators whatever the database says."""
    return Role.ADMIN if account.telegram_id in admins else Role(account.role)


def normal_username(username: str) -> str:
    """``@Alice_Chen`` as stored and looked up: ``alice_chen`` (Telegram's are case-blind)."""
    return username.strip().removeprefix("@").lower()[:32]


def pick_language(telegram_code: str | None, default: str) -> str:
    code = (telegram_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else default


async def touch_account(
    session: AsyncSession,
    *,
    telegram_id: int,
    first_name: str,
    language_code: str | None,
    default_language: str,
    admins: list[int],
    now: datetime,
    username: str | None = None,
) -> Actor:
    """The account of whoever sent an update, created on first contact. Anyone who writes to
    the bot can be reached again, so a former ``unreachable`` mark is cleared."""
    sender = Sender(telegram_id, first_name, language_code, username)
    account = await session.get(Account, telegram_id)
    actor, _ = _touched(session, account, sender, default_language, admins, now)
    await session.flush()
    return actor


@dataclass(frozen=True)
class Sender:
    """Who sent an update, as Telegram tells."""

    telegram_id: int
    first_name: str
    language_code: str | None
    username: str | None = None


async def touch_accounts(
    session: AsyncSession,
    *,
    senders: Sequence[Sender],
    default_language: str,
    admins: list[int],
    now: datetime,
) -> list[Actor]:
    """``touch_account`` for the senders of a batch of updates: one read, one flush."""
    ids = [sender.telegram_id for sender in senders]
    rows = await session.exec(select(Account).where(col(Account.telegram_id).in_(ids)))
    accounts: dict[int, Account] = {account.telegram_id: account for account in rows.all()}
    actors = []
    for sender in senders:
        account = accounts.get(sender.telegram_id)
        actor, accounts[sender.telegram_id] = _touched(
            session, account, sender, default_language, admins, now
        )
        actors.append(actor)
    await session.flush()
    return actors


def _touched(
    session: AsyncSession,
    account: Account | None,
    sender: Sender,
    default_language: str,
    admins: list[int],
    now: datetime,
) -> tuple[Actor, Account]:
    handle = normal_username(sender.username) if sender.username else None
    first_name = sender.first_name[:128]
    came_back = account is not None and account.unreachable_at is not None
    if account is None:
        account = Account(
            telegram_id=sender.telegram_id,
            language=pick_language(sender.language_code, default_language),
            first_name=first_name,
            username=handle,
            created_at=now,
        )
        session.add(account)
    else:
        if account.unreachable_at is not None:
            account.unreachable_at = None
        if first_name and account.first_name != first_name:
            account.first_name = first_name
        if account.username != handle:
            account.username = handle
    role = effective_role(account, admins)
    actor = Actor(sender.telegram_id, account.language, role, account.first_name, came_back)
    return actor, account


async def note_blocked(
    session: AsyncSession, *, telegram_id: int, blocked: bool, now: datetime
) -> None:
    """Telegram says the person blocked the bot in their private chat (or unblocked it): they
    are unreachable from now on, so previews, deliveries and roster cards stop counting them,
    rather than finding out when a send fails. Unblocking (the app's Restart, which also sends
    ``/start``) makes them reachable again."""
    account = await session.get(Account, telegram_id)
    if account is not None:
        account.unreachable_at = now if blocked else None
        await session.flush()


async def load_actor(session: AsyncSession, *, telegram_id: int, admins: list[int]) -> Actor | None:
    account = await session.get(Account, telegram_id)
    if account is None:
        return None
    return Actor(telegram_id, account.language, effective_role(account, admins), account.first_name)


def require_role(
    actor: Actor,
    role: Role,
    action: str,
    *,
    target_type: str = "community",
    target_id: object = None,
) -> None:
    """Raise ``NotAllowed`` (which the handler layer audit-logs, naming the target) unless
    ``actor`` has ``role``."""
    if ROLE_RANK[actor.role] < ROLE_RANK[role]:
        refusal = AdminsOnly if role == Role.ADMIN else NotAllowed
        raise refusal(action, target_type=target_type, target_id=target_id)


async def set_language(session: AsyncSession, *, telegram_id: int, language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidInput()
    account = await session.get(Account, telegram_id)
    if account is not None:
        account.language = language
