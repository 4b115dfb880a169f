"""Teams as services on the database: create, list, members toggled, rename, delete."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.services import teams
from bot.services.accounts import Actor
from models import AuditEntry, Role, Team, TeamMember
from models.db import Database
from tests.seed import seed_account, seed_volunteer

LEADER = Actor(2, "zh", Role.LEADER)
VOLUNTEER = Actor(3, "zh", Role.VOLUNTEER)
TRICKY_NAME = "<b>A&B</b>'; DROP TABLE team;--"


async def test_a_leader_creates_teams_and_lists_them_with_member_counts(
    db: Database, clock: FrozenClock
) -> None:
    wang = await seed_volunteer(db, 101, "王芳")
    async with db.session() as session:
        patrol = await teams.create_team(session, LEADER, "  巡逻队 ", clock.now())
        await teams.create_team(session, LEADER, "应急救援队", clock.now())
        await teams.toggle_member(session, LEADER, patrol.id, wang, 0, clock.now())
    async with db.session() as session:
        listed = await teams.list_teams(session, LEADER)
    assert {(t.name, t.member_count) for t in listed} == {("巡逻队", 1), ("应急救援队", 0)}


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "bad\x00name"])
async def test_a_team_name_must_be_one_short_line(
    db: Database, clock: FrozenClock, name: str
) -> None:
    async with db.session() as session:
        with pytest.raises(InvalidInput) as error:
            await teams.create_team(session, LEADER, name, clock.now())
    assert error.value.key == "teams.bad_name"


async def test_markup_and_sql_looking_names_are_kept_as_typed(
    db: Database, clock: FrozenClock
) -> None:
    async with db.session() as session:
        team = await teams.create_team(
            session, LEADER, "<b>A&B</b>'; DROP TABLE team;--", clock.now()
        )
    assert team.name == "<b>A&B</b>'; DROP TABLE team;--"


async def test_two_teams_cannot_share_a_name(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        await teams.create_team(session, LEADER, "Patrol", clock.now())
    async with db.session() as session:
        with pytest.raises(InvalidInput) as error:
            await teams.create_team(session, LEADER, "patrol", clock.now())
    assert error.value.key == "teams.name_taken"


async def test_volunteers_may_not_manage_teams(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        team = await teams.create_team(session, LEADER, "Patrol", clock.now())
    now = clock.now()
    attempts = [
        lambda s: teams.list_teams(s, VOLUNTEER),
        lambda s: teams.create_team(s, VOLUNTEER, "Mine", now),
        lambda s: teams.team_card(s, VOLUNTEER, team.id),
        lambda s: teams.member_page(s, VOLUNTEER, team.id, 0),
        lambda s: teams.toggle_member(s, VOLUNTEER, team.id, 1, 0, now),
        lambda s: teams.rename_team(s, VOLUNTEER, team.id, "X", now),
        lambda s: teams.set_team_leader(s, VOLUNTEER, team.id, None, now),
        lambda s: teams.delete_team(s, VOLUNTEER, team.id, now),
    ]
    async with db.session() as session:
        for attempt in attempts:
            with pytest.raises(NotAllowed):
                await attempt(session)


async def test_members_are_toggled_in_place_on_a_paged_list(
    db: Database, clock: FrozenClock
) -> None:
    ids = [await seed_volunteer(db, 100 + n, f"Volunteer {n}") for n in range(10)]
    async with db.session() as session:
        team = await teams.create_team(session, LEADER, "Elderly care", clock.now())
        first = await teams.member_page(session, LEADER, team.id, 0)
        second = await teams.toggle_member(session, LEADER, team.id, ids[9], 1, clock.now())
    assert first.pages == 2 and len(first.choices) == teams.MEMBER_PAGE_SIZE
    assert not any(c.is_member for c in first.choices)
    assert second.page == 1 and second.team.member_count == 1
    assert [(c.volunteer_id, c.is_member) for c in second.choices] == [
        (ids[8], False),
        (ids[9], True),
    ]
    async with db.session() as session:
        again = await teams.toggle_member(session, LEADER, team.id, ids[9], 1, clock.now())
        actions = list(
            (await session.exec(select(AuditEntry.action).order_by(AuditEntry.id))).scalars()
        )
    assert again.team.member_count == 0
    assert actions == ["team_created", "team_member_added", "team_member_removed"]


async def test_a_volunteer_may_be_in_several_teams(db: Database, clock: FrozenClock) -> None:
    wang = await seed_volunteer(db, 101, "王芳")
    async with db.session() as session:
        for name in ("巡逻队", "应急救援队", "志愿消防队"):
            team = await teams.create_team(session, LEADER, name, clock.now())
            await teams.toggle_member(session, LEADER, team.id, wang, 0, clock.now())
        memberships = await session.scalar(
            select(func.count()).select_from(TeamMember).where(TeamMember.volunteer_id == wang)
        )
    assert memberships == 3


async def test_a_page_past_the_end_shows_the_last_page(db: Database, clock: FrozenClock) -> None:
    await seed_volunteer(db, 101, "王芳")
    async with db.session() as session:
        team = await teams.create_team(session, LEADER, "Patrol", clock.now())
        page = await teams.member_page(session, LEADER, team.id, 99)
    assert page.page == 0 and len(page.choices) == 1


async def test_rename_set_leader_and_delete(db: Database, clock: FrozenClock) -> None:
    wang = await seed_volunteer(db, 101, "王芳")
    await seed_account(db, 2, role=Role.LEADER, first_name="Li")
    async with db.session() as session:
        team = await teams.create_team(session, LEADER, "Patrol", clock.now())
        await teams.toggle_member(session, LEADER, team.id, wang, 0, clock.now())
        renamed = await teams.rename_team(session, LEADER, team.id, "Night patrol", clock.now())
        led = await teams.set_team_leader(session, LEADER, team.id, 101, clock.now())
        card = await teams.team_card(session, LEADER, team.id)
    assert renamed.name == "Night patrol"
    assert (led.team.leader_telegram_id, led.team.leader_name) == (101, "王芳")
    assert led.assigned is not None and led.assigned.person.telegram_id == 101
    assert card.member_names == ("王芳",)
    async with db.session() as session:
        deleted = await teams.delete_team(session, LEADER, team.id, clock.now())
    assert deleted.name == "Night patrol" and deleted.member_count == 1
    async with db.session() as session:
        assert await session.get(Team, team.id) is None
        assert await session.scalar(select(func.count()).select_from(TeamMember)) == 0
        with pytest.raises(NotFound):
            await teams.team_card(session, LEADER, team.id)


async def test_a_team_leader_must_have_used_the_bot(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        team = await teams.create_team(session, LEADER, "Patrol", clock.now())
        with pytest.raises(InvalidInput) as error:
            await teams.set_team_leader(session, LEADER, team.id, 424242, clock.now())
    assert error.value.key == "teams.unknown_leader"


async def test_another_teams_leader_cannot_take_over_or_change_a_team(
    db: Database, clock: FrozenClock
) -> None:
    """Tom leads Patrol; he may not make himself (or anyone) leader of Flood, rename it,
    change its members or delete it. A community leader (who leads no team) may."""
    await seed_account(db, 2, role=Role.LEADER, first_name="Li")
    await seed_account(db, 30, role=Role.LEADER, first_name="Tom")
    wang = await seed_volunteer(db, 101, "王芳")
    tom = Actor(30, "en", Role.LEADER)
    now = clock.now()
    async with db.session() as session:
        flood = await teams.create_team(session, LEADER, "Flood", now)
        patrol = await teams.create_team(session, LEADER, "Patrol", now)
        await teams.set_team_leader(session, LEADER, patrol.id, 30, now)
    attempts = [
        lambda s: teams.set_team_leader(s, tom, flood.id, 30, now),
        lambda s: teams.rename_team(s, tom, flood.id, "Mine", now),
        lambda s: teams.toggle_member(s, tom, flood.id, wang, 0, now),
        lambda s: teams.add_member(s, tom, flood.id, 101, now),
        lambda s: teams.delete_team(s, tom, flood.id, now),
    ]
    for attempt in attempts:
        async with db.session() as session:
            with pytest.raises(NotAllowed) as refused:
                await attempt(session)
        assert (refused.value.target_type, refused.value.target_id) == ("team", flood.id)
    async with db.session() as session:
        assert (await session.get(Team, flood.id)).leader_telegram_id is None
        renamed = await teams.rename_team(session, tom, patrol.id, "Night patrol", now)
    assert renamed.name == "Night patrol"  # his own team
