"""One-time invite links that make whoever opens them a leader.

The link is ``https://t.me/<bot>?start=inv_<code>``: Telegram hands ``inv_<code>`` to the bot
as the argument of /start (a deep-link payload: at most 64 characters of ``[A-Za-z0-9_-]``).
A code is 22 URL-safe characters from ``secrets`` (128 bits), works once, and expires after
``INVITE_LIFETIME``.

The first administrator's claim link is the same kind of invite, for the administrator role,
made by ``muster run`` while there is no administrator: ``t.me/<bot>?start=claim_<code>``.
It is kept in the database (a restart shows the same link) and dies when someone opens it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.errors import DomainError
from bot.services import audit
from bot.services.accounts import Actor, require_role
from models import Account, Invite, Role

PAYLOAD_PREFIX = "inv_"
CLAIM_PREFIX = "claim_"
# ``created_by`` of a claim link: the operator, who is nobody's Telegram account.
OPERATOR = 0
INVITE_LIFETIME = timedelta(days=7)
CODE_BYTES = 16
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class CreatedInvite:
    code: str
    role: Role
    expires_at: datetime

    @property
    def payload(self) -> str:
        return (CLAIM_PREFIX if self.role == Role.ADMIN else PAYLOAD_PREFIX) + self.code

    def link(self, bot_username: str) -> str:
        return f"https://t.me/{bot_username}?start={self.payload}"


@dataclass(frozen=True)
class RedeemedInvite:
    """The new role, and who created the invite (told in their language that it was used)."""

    role: Role
    created_by: int
    creator_language: str | None


async def create_invite(session: AsyncSession, actor: Actor, now: datetime) -> CreatedInvite:
    require_role(actor, Role.ADMIN, "invites.create")
    invite = Invite(
        code=secrets.token_urlsafe(CODE_BYTES),
        role=Role.LEADER,
        created_by=actor.telegram_id,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    session.add(invite)
    await audit.record(
        session,
        now,
        actor.telegram_id,
        "invite_created",
        target_type="invite",
        target_id=invite.code[:8],  # enough to tell invites apart, not enough to use one
        expires_at=invite.expires_at.isoformat(),
    )
    return CreatedInvite(invite.code, invite.role, invite.expires_at)


async def open_admin_claim(
    session: AsyncSession, *, admins: list[int], now: datetime
) -> CreatedInvite | None:
    """The first administrator's claim link while nobody is an administrator (none named in
    ``admins`` and none in the database): the one already open, or a new one; else ``None``."""
    if admins or await _has_admin(session):
        return None
    claim = (
        await session.exec(
            select(Invite)
            .where(
                Invite.role == Role.ADMIN,
                Invite.created_by == OPERATOR,
                col(Invite.used_by).is_(None),
                Invite.expires_at > now,
            )
            .order_by(col(Invite.created_at).desc())
        )
    ).first()
    if claim is None:
        claim = Invite(
            code=secrets.token_urlsafe(CODE_BYTES),
            role=Role.ADMIN,
            created_by=OPERATOR,
            created_at=now,
            expires_at=now + INVITE_LIFETIME,
        )
        session.add(claim)
        await audit.record(
            session,
            now,
            None,
            "admin_claim_created",
            target_type="invite",
            target_id=claim.code[:8],
            expires_at=claim.expires_at.isoformat(),
        )
    return CreatedInvite(claim.code, Role(claim.role), as_utc(claim.expires_at))


async def _has_admin(session: AsyncSession) -> bool:
    found = await session.exec(select(Account.telegram_id).where(Account.role == Role.ADMIN))
    return found.first() is not None


def code_from_start_argument(argument: str) -> str:
    """``inv_<code>`` or ``claim_<code>`` (what /start receives) to ``<code>``."""
    return argument.removeprefix(PAYLOAD_PREFIX).removeprefix(CLAIM_PREFIX)


async def redeem_invite(
    session: AsyncSession, actor: Actor, code: str, now: datetime
) -> RedeemedInvite:
    """Give the invite's role to ``actor``; the code is spent in the same transaction."""
    invite = await session.get(Invite, code) if _CODE.match(code) else None
    if invite is None:
        raise DomainError("roles.invite_unknown")
    if invite.used_by == actor.telegram_id:  # opened again by whoever used it
        raise DomainError("roles.invite_used_by_you", when=as_utc(invite.used_at or now))
    if invite.used_by is not None:
        raise DomainError("roles.invite_used")
    if as_utc(invite.expires_at) <= now:
        raise DomainError("roles.invite_expired", when=as_utc(invite.expires_at))
    if actor.role in (invite.role, Role.ADMIN):
        raise DomainError("roles.invite_not_needed")  # kept unspent for someone who needs it
    await _spend(session, invite, actor.telegram_id, now)
    account = await session.get(Account, actor.telegram_id)
    assert account is not None  # the interaction created it
    account.role = invite.role
    await audit.record(
        session,
        now,
        actor.telegram_id,
        "invite_used",
        target_type="invite",
        target_id=code[:8],
        role=Role(invite.role).value,
        created_by=invite.created_by,
    )
    creator = await session.get(Account, invite.created_by)
    return RedeemedInvite(
        Role(invite.role), invite.created_by, creator.language if creator else None
    )


async def _spend(session: AsyncSession, invite: Invite, telegram_id: int, now: datetime) -> None:
    """Conditional update, so two people opening one link at once cannot both use it."""
    result = await session.exec(
        update(Invite)
        .where(Invite.code == invite.code, Invite.used_by.is_(None))
        .values(used_by=telegram_id, used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError("roles.invite_used")
    if invite.role == Role.ADMIN and invite.created_by == OPERATOR:
        # Replicas starting at one instant may each have made a claim link: one person claims.
        await session.exec(
            update(Invite)
            .where(
                Invite.role == Role.ADMIN,
                Invite.created_by == OPERATOR,
                col(Invite.used_by).is_(None),
            )
            .values(used_by=telegram_id, used_at=now)
            .execution_options(synchronize_session=False)
        )
