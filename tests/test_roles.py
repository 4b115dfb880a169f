"""Leader rights and invite links, as services on the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.errors import DomainError, InvalidInput, NotAllowed
from bot.services import invites, roles
from bot.services.accounts import Actor
from models import Account, AuditEntry, Invite, Role
from models.db import Database
from tests.seed import seed_account

ADMIN = Actor(1, "en", Role.ADMIN)
LEADER = Actor(2, "en", Role.LEADER)
CONFIG_ADMINS = [1]


async def role_of(db: Database, telegram_id: int) -> Role:
    async with db.session() as session:
        account = await session.get(Account, telegram_id)
        assert account is not None
        return Role(account.role)


async def audit_actions(db: Database) -> list[tuple[str, bool, str | None]]:
    async with db.session() as session:
        entries = (await session.exec(select(AuditEntry).order_by(AuditEntry.id))).scalars()
        return [(e.action, e.allowed, e.target_id) for e in entries]


async def test_an_administrator_promotes_and_demotes_by_telegram_id(
    db: Database, clock: FrozenClock
) -> None:
    await seed_account(db, 500, first_name="Wang")
    async with db.session() as session:
        change = await roles.promote(session, ADMIN, " 500 ", CONFIG_ADMINS, clock.now())
    assert change.changed and change.role == Role.LEADER and change.first_name == "Wang"
    assert await role_of(db, 500) == Role.LEADER
    async with db.session() as session:
        again = await roles.promote(session, ADMIN, "500", CONFIG_ADMINS, clock.now())
        demoted = await roles.demote(session, ADMIN, "500", CONFIG_ADMINS, clock.now())
    assert not again.changed
    assert demoted.changed and await role_of(db, 500) == Role.VOLUNTEER
    assert await audit_actions(db) == [("role_granted", True, "500"), ("role_revoked", True, "500")]


async def test_only_administrators_change_roles(db: Database, clock: FrozenClock) -> None:
    await seed_account(db, 500)
    async with db.session() as session:
        with pytest.raises(NotAllowed) as refused:
            await roles.promote(session, LEADER, "500", CONFIG_ADMINS, clock.now())
    assert refused.value.action == "roles.promote"
    assert await role_of(db, 500) == Role.VOLUNTEER


@pytest.mark.parametrize("typed", ["", "abc", "-5", "0", "١٢٣", "1; DROP TABLE account", "9" * 30])
async def test_a_malformed_name_is_refused_clearly(
    db: Database, clock: FrozenClock, typed: str
) -> None:
    async with db.session() as session:
        with pytest.raises(InvalidInput) as error:
            await roles.promote(session, ADMIN, typed, CONFIG_ADMINS, clock.now())
    assert error.value.key == "roles.unknown_person"


async def test_someone_who_never_opened_the_bot_cannot_be_promoted(
    db: Database, clock: FrozenClock
) -> None:
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await roles.promote(session, ADMIN, "777", CONFIG_ADMINS, clock.now())
    assert error.value.key == "roles.unknown_person"
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await roles.promote(session, ADMIN, 777, CONFIG_ADMINS, clock.now())  # a shared user
    assert error.value.key == "roles.unknown_account"


async def test_a_configured_administrator_cannot_be_demoted(
    db: Database, clock: FrozenClock
) -> None:
    await seed_account(db, 1)
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await roles.demote(session, ADMIN, "1", CONFIG_ADMINS, clock.now())
        promoted = await roles.promote(session, ADMIN, "1", CONFIG_ADMINS, clock.now())
    assert error.value.key == "roles.configured_admin"
    assert not promoted.changed and promoted.role == Role.ADMIN


async def test_the_leader_overview_lists_leaders_and_configured_admins(db: Database) -> None:
    await seed_account(db, 1)
    await seed_account(db, 500, role=Role.LEADER, first_name="Li")
    await seed_account(db, 600)
    async with db.session() as session:
        listed = await roles.list_leaders(session, ADMIN, CONFIG_ADMINS)
    assert [(e.telegram_id, e.role) for e in listed] == [(1, Role.ADMIN), (500, Role.LEADER)]


async def test_an_invite_makes_its_opener_a_leader_once(db: Database, clock: FrozenClock) -> None:
    await seed_account(db, 700)
    await seed_account(db, 800)
    async with db.session() as session:
        invite = await invites.create_invite(session, ADMIN, clock.now())
    assert invite.payload.startswith("inv_") and len(invite.payload) <= 64
    assert invite.link("muster_bot") == f"https://t.me/muster_bot?start={invite.payload}"
    code = invites.code_from_start_argument(invite.payload)
    async with db.session() as session:
        await invites.redeem_invite(session, Actor(700, "zh", Role.VOLUNTEER), code, clock.now())
    assert await role_of(db, 700) == Role.LEADER
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await invites.redeem_invite(
                session, Actor(800, "zh", Role.VOLUNTEER), code, clock.now()
            )
    assert error.value.key == "roles.invite_used"
    assert await role_of(db, 800) == Role.VOLUNTEER
    actions = [a for a, _, _ in await audit_actions(db)]
    assert actions == ["invite_created", "invite_used"]


async def test_an_invite_expires_after_seven_days(db: Database, clock: FrozenClock) -> None:
    await seed_account(db, 700)
    async with db.session() as session:
        invite = await invites.create_invite(session, ADMIN, clock.now())
    clock.advance(timedelta(days=7))
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await invites.redeem_invite(
                session, Actor(700, "zh", Role.VOLUNTEER), invite.code, clock.now()
            )
    assert error.value.key == "roles.invite_expired"


@pytest.mark.parametrize("code", ["", "nope", "x" * 40, "<b>&", "' OR 1=1 --"])
async def test_an_unknown_code_is_refused(db: Database, clock: FrozenClock, code: str) -> None:
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await invites.redeem_invite(
                session, Actor(700, "zh", Role.VOLUNTEER), code, clock.now()
            )
    assert error.value.key == "roles.invite_unknown"


async def test_a_leader_opening_an_invite_leaves_it_for_someone_else(
    db: Database, clock: FrozenClock
) -> None:
    async with db.session() as session:
        invite = await invites.create_invite(session, ADMIN, clock.now())
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await invites.redeem_invite(session, LEADER, invite.code, clock.now())
    assert error.value.key == "roles.invite_not_needed"
    async with db.session() as session:
        stored = await session.get(Invite, invite.code)
        assert stored is not None and stored.used_by is None


async def test_only_administrators_create_invites(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        with pytest.raises(NotAllowed):
            await invites.create_invite(session, LEADER, clock.now())
