"""Leader rights and invite links, as services on the database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.errors import DomainError, InvalidInput, NotAllowed
from bot.services import invites, roles
from bot.services.accounts import Actor, touch_account
from models import Account, AuditEntry, Invite, Role, Team
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
        change = await roles.promote(
            session, actor=ADMIN, target=" 500 ", admins=CONFIG_ADMINS, now=clock.now()
        )
    assert change.changed and change.role == Role.LEADER and change.first_name == "Wang"
    assert await role_of(db, 500) == Role.LEADER
    async with db.session() as session:
        again = await roles.promote(
            session, actor=ADMIN, target="500", admins=CONFIG_ADMINS, now=clock.now()
        )
        demoted = await roles.demote(
            session, actor=ADMIN, target="500", admins=CONFIG_ADMINS, now=clock.now()
        )
    assert not again.changed
    assert demoted.changed and await role_of(db, 500) == Role.VOLUNTEER
    assert await audit_actions(db) == [("role_granted", True, "500"), ("role_revoked", True, "500")]


async def test_only_administrators_change_roles(db: Database, clock: FrozenClock) -> None:
    await seed_account(db, 500)
    async with db.session() as session:
        with pytest.raises(NotAllowed) as refused:
            await roles.promote(
                session, actor=LEADER, target="500", admins=CONFIG_ADMINS, now=clock.now()
            )
    assert refused.value.action == "roles.promote"
    assert refused.value.key == "errors.admins_only"  # says who may: administrators
    assert await role_of(db, 500) == Role.VOLUNTEER


@pytest.mark.parametrize("typed", ["", "abc", "-5", "0", "١٢٣", "1; DROP TABLE account", "9" * 30])
async def test_a_malformed_name_is_refused_clearly(
    db: Database, clock: FrozenClock, typed: str
) -> None:
    async with db.session() as session:
        with pytest.raises(InvalidInput) as error:
            await roles.promote(
                session, actor=ADMIN, target=typed, admins=CONFIG_ADMINS, now=clock.now()
            )
    assert error.value.key == "roles.unknown_person"


async def test_someone_who_never_opened_the_bot_cannot_be_promoted(
    db: Database, clock: FrozenClock
) -> None:
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await roles.promote(
                session, actor=ADMIN, target="777", admins=CONFIG_ADMINS, now=clock.now()
            )
    assert error.value.key == "roles.unknown_person"
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await roles.promote(
                session, actor=ADMIN, target=777, admins=CONFIG_ADMINS, now=clock.now()
            )  # a shared user
    assert error.value.key == "roles.unknown_account"


async def test_a_configured_administrator_cannot_be_demoted(
    db: Database, clock: FrozenClock
) -> None:
    await seed_account(db, 1)
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await roles.demote(
                session, actor=ADMIN, target="1", admins=CONFIG_ADMINS, now=clock.now()
            )
        promoted = await roles.promote(
            session, actor=ADMIN, target="1", admins=CONFIG_ADMINS, now=clock.now()
        )
    assert error.value.key == "roles.configured_admin"
    assert not promoted.changed and promoted.role == Role.ADMIN


async def test_the_leader_overview_lists_leaders_and_configured_admins(db: Database) -> None:
    await seed_account(db, 1)
    await seed_account(db, 500, role=Role.LEADER, first_name="Li")
    await seed_account(db, 600)
    async with db.session() as session:
        listed = await roles.list_leaders(session, actor=ADMIN, admins=CONFIG_ADMINS)
    assert [(e.telegram_id, e.role) for e in listed] == [(1, Role.ADMIN), (500, Role.LEADER)]


async def test_an_invite_makes_its_opener_a_leader_once(db: Database, clock: FrozenClock) -> None:
    await seed_account(db, 700)
    await seed_account(db, 800)
    async with db.session() as session:
        invite = await invites.create_invite(session, actor=ADMIN, now=clock.now())
    assert invite.payload.startswith("inv_") and len(invite.payload) <= 64
    assert invite.link("muster_bot") == f"https://t.me/muster_bot?start={invite.payload}"
    code = invites.code_from_start_argument(invite.payload)
    async with db.session() as session:
        await invites.redeem_invite(
            session, actor=Actor(700, "zh", Role.VOLUNTEER), code=code, now=clock.now()
        )
    assert await role_of(db, 700) == Role.LEADER
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await invites.redeem_invite(
                session, actor=Actor(800, "zh", Role.VOLUNTEER), code=code, now=clock.now()
            )
    assert error.value.key == "roles.invite_used"
    assert await role_of(db, 800) == Role.VOLUNTEER
    actions = [a for a, _, _ in await audit_actions(db)]
    assert actions == ["invite_created", "invite_used"]


async def test_an_invite_expires_after_seven_days(db: Database, clock: FrozenClock) -> None:
    await seed_account(db, 700)
    async with db.session() as session:
        invite = await invites.create_invite(session, actor=ADMIN, now=clock.now())
    clock.advance(timedelta(days=7))
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await invites.redeem_invite(
                session, actor=Actor(700, "zh", Role.VOLUNTEER), code=invite.code, now=clock.now()
            )
    assert error.value.key == "roles.invite_expired"


@pytest.mark.parametrize("code", ["", "nope", "x" * 40, "<b>&", "' OR 1=1 --"])
async def test_an_unknown_code_is_refused(db: Database, clock: FrozenClock, code: str) -> None:
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await invites.redeem_invite(
                session, actor=Actor(700, "zh", Role.VOLUNTEER), code=code, now=clock.now()
            )
    assert error.value.key == "roles.invite_unknown"


async def test_a_leader_opening_an_invite_leaves_it_for_someone_else(
    db: Database, clock: FrozenClock
) -> None:
    async with db.session() as session:
        invite = await invites.create_invite(session, actor=ADMIN, now=clock.now())
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await invites.redeem_invite(session, actor=LEADER, code=invite.code, now=clock.now())
    assert error.value.key == "roles.invite_not_needed"
    async with db.session() as session:
        stored = await session.get(Invite, invite.code)
        assert stored is not None and stored.used_by is None


async def test_only_administrators_create_invites(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        with pytest.raises(NotAllowed):
            await invites.create_invite(session, actor=LEADER, now=clock.now())


async def test_a_demoted_leader_no_longer_leads_their_teams(
    db: Database, clock: FrozenClock
) -> None:
    await seed_account(db, 500, role=Role.LEADER, first_name="Lin")
    async with db.session() as session:
        for name, leader in (("Care team", 500), ("Patrol", 500), ("Fire team", 77)):
            session.add(
                Team(name=name, created_by=1, created_at=clock.now(), leader_telegram_id=leader)
            )
    async with db.session() as session:
        change = await roles.demote(
            session, actor=ADMIN, target="500", admins=CONFIG_ADMINS, now=clock.now()
        )
    assert change.teams_left == ("Care team", "Patrol")
    async with db.session() as session:
        leaders = dict((await session.exec(select(Team.name, Team.leader_telegram_id))).all())
    assert leaders == {"Care team": None, "Patrol": None, "Fire team": 77}
    assert [a for a in await audit_actions(db) if a[0] == "team_leader_set"] == [
        ("team_leader_set", True, "1"),
        ("team_leader_set", True, "2"),
    ]


async def open_claim(
    db: Database, clock: FrozenClock, admins: list[int] | None = None
) -> invites.CreatedInvite | None:
    async with db.session() as session:
        return await invites.open_admin_claim(session, admins=admins or [], now=clock.now())


async def redeem_as(db: Database, clock: FrozenClock, telegram_id: int, code: str) -> Role:
    await seed_account(db, telegram_id)
    async with db.session() as session:
        actor = Actor(telegram_id, "zh", Role.VOLUNTEER)
        return (await invites.redeem_invite(session, actor=actor, code=code, now=clock.now())).role


async def test_while_nobody_is_administrator_one_claim_link_stays_open_across_restarts(
    db: Database, clock: FrozenClock
) -> None:
    claim = await open_claim(db, clock)
    assert claim is not None and claim.payload.startswith("claim_")
    assert len(claim.payload) <= 64
    clock.advance(timedelta(hours=3))  # the bot restarted
    assert await open_claim(db, clock) == claim
    assert await open_claim(db, clock, admins=[5]) is None  # one is named in the config


async def test_the_claim_link_makes_its_first_opener_an_administrator_and_dies(
    db: Database, clock: FrozenClock
) -> None:
    claim = await open_claim(db, clock)
    assert claim is not None
    code = invites.code_from_start_argument(claim.payload)
    assert await redeem_as(db, clock, 700, code) == Role.ADMIN
    assert await role_of(db, 700) == Role.ADMIN
    with pytest.raises(DomainError) as error:
        await redeem_as(db, clock, 701, code)
    assert error.value.key == "roles.invite_used"
    assert await role_of(db, 701) == Role.VOLUNTEER
    assert await open_claim(db, clock) is None  # there is an administrator now


async def test_two_people_opening_the_claim_link_at_once_make_one_administrator(
    db: Database, clock: FrozenClock
) -> None:
    claim = await open_claim(db, clock)
    assert claim is not None
    for telegram_id in (700, 701):
        await seed_account(db, telegram_id)

    async def claim_as(telegram_id: int) -> Role | str:
        try:
            async with db.session() as session:
                actor = Actor(telegram_id, "zh", Role.VOLUNTEER)
                return (
                    await invites.redeem_invite(
                        session, actor=actor, code=claim.code, now=clock.now()
                    )
                ).role
        except DomainError as error:
            return error.key

    outcomes = await asyncio.gather(claim_as(700), claim_as(701))
    assert sorted(map(str, outcomes)) == sorted([str(Role.ADMIN), "roles.invite_used"])
    roles_now = [await role_of(db, 700), await role_of(db, 701)]
    assert sorted(roles_now) == sorted([Role.ADMIN, Role.VOLUNTEER])


async def test_claim_links_made_by_replicas_starting_at_once_are_spent_together(
    db: Database, clock: FrozenClock
) -> None:
    first = await open_claim(db, clock)
    assert first is not None
    async with db.session() as session:  # a second replica that did not see the first link
        session.add(
            Invite(
                code="second-replica-claim",
                role=Role.ADMIN,
                created_by=invites.OPERATOR,
                created_at=clock.now(),
                expires_at=first.expires_at,
            )
        )
    assert await redeem_as(db, clock, 700, first.code) == Role.ADMIN
    with pytest.raises(DomainError) as error:
        await redeem_as(db, clock, 701, "second-replica-claim")
    assert error.value.key == "roles.invite_used"


async def write_as(
    db: Database, clock: FrozenClock, telegram_id: int, username: str | None
) -> None:
    async with db.session() as session:
        await touch_account(
            session,
            telegram_id=telegram_id,
            first_name="Alice",
            username=username,
            language_code="en",
            default_language="zh",
            admins=[],
            now=clock.now(),
        )


async def test_the_operator_makes_an_administrator_by_the_username_last_seen(
    db: Database, clock: FrozenClock
) -> None:
    await write_as(db, clock, 700, "Alice_Chen")
    async with db.session() as session:
        change = await roles.make_admin_by_username(
            session, username="@ALICE_chen", now=clock.now()
        )
    assert (change.telegram_id, change.role, change.changed) == (700, Role.ADMIN, True)
    assert await role_of(db, 700) == Role.ADMIN
    async with db.session() as session:
        again = await roles.make_admin_by_username(session, username="alice_chen", now=clock.now())
    assert not again.changed
    assert [a for a, _, _ in await audit_actions(db)] == ["role_granted"]

    await write_as(db, clock, 700, None)  # they dropped the username
    async with db.session() as session:
        with pytest.raises(roles.UsernameNotFound) as missing:
            await roles.make_admin_by_username(session, username="alice_chen", now=clock.now())
    assert missing.value.found == 0
