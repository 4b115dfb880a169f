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
        patrol = await teams.create_team(session, actor=LEADER, name="  巡逻队 ", now=clock.now())
        await teams.create_team(session, actor=LEADER, name="应急救援队", now=clock.now())
        await teams.toggle_member(
            session, actor=LEADER, team_id=patrol.id, volunteer_id=wang, page=0, now=clock.now()
        )
    async with db.session() as session:
        listed = await teams.list_teams(session, actor=LEADER)
    assert {(t.name, t.member_count) for t in listed} == {("巡逻队", 1), ("应急救援队", 0)}


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "bad\x00name"])
async def test_a_team_name_must_be_one_short_line(
    db: Database, clock: FrozenClock, name: str
) -> None:
    async with db.session() as session:
        with pytest.raises(InvalidInput) as error:
            await teams.create_team(session, actor=LEADER, name=name, now=clock.now())
    assert error.value.key == "teams.bad_name"


async def test_markup_and_sql_looking_names_are_kept_as_typed(
    db: Database, clock: FrozenClock
) -> None:
    async with db.session() as session:
        team = await teams.create_team(
            session, actor=LEADER, name="<b>A&B</b>'; DROP TABLE team;--", now=clock.now()
        )
    assert team.name == "<b>A&B</b>'; DROP TABLE team;--"


async def test_two_teams_cannot_share_a_name(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        await teams.create_team(session, actor=LEADER, name="Patrol", now=clock.now())
    async with db.session() as session:
        with pytest.raises(InvalidInput) as error:
            await teams.create_team(session, actor=LEADER, name="patrol", now=clock.now())
    assert error.value.key == "teams.name_taken"


async def test_volunteers_may_not_manage_teams(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        team = await teams.create_team(session, actor=LEADER, name="Patrol", now=clock.now())
    now = clock.now()
    attempts = [
        lambda s: teams.list_teams(s, actor=VOLUNTEER),
        lambda s: teams.create_team(s, actor=VOLUNTEER, name="Mine", now=now),
        lambda s: teams.team_card(s, actor=VOLUNTEER, team_id=team.id),
        lambda s: teams.member_page(s, actor=VOLUNTEER, team_id=team.id, page=0),
        lambda s: teams.toggle_member(
            s, actor=VOLUNTEER, team_id=team.id, volunteer_id=1, page=0, now=now
        ),
        lambda s: teams.rename_team(s, actor=VOLUNTEER, team_id=team.id, name="X", now=now),
        lambda s: teams.set_team_leader(s, actor=VOLUNTEER, team_id=team.id, leader=None, now=now),
        lambda s: teams.delete_team(s, actor=VOLUNTEER, team_id=team.id, now=now),
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
        team = await teams.create_team(session, actor=LEADER, name="Elderly care", now=clock.now())
        first = await teams.member_page(session, actor=LEADER, team_id=team.id, page=0)
        second = await teams.toggle_member(
            session, actor=LEADER, team_id=team.id, volunteer_id=ids[9], page=1, now=clock.now()
        )
    assert first.pages == 2 and len(first.choices) == teams.MEMBER_PAGE_SIZE
    assert not any(c.is_member for c in first.choices)
    assert second.page == 1 and second.team.member_count == 1
    assert [(c.volunteer_id, c.is_member) for c in second.choices] == [
        (ids[8], False),
        (ids[9], True),
    ]
    async with db.session() as session:
        again = await teams.toggle_member(
            session, actor=LEADER, team_id=team.id, volunteer_id=ids[9], page=1, now=clock.now()
        )
        actions = list(
            (await session.exec(select(AuditEntry.action).order_by(AuditEntry.id))).scalars()
        )
    assert again.team.member_count == 0
    assert actions == ["team_created", "team_member_added", "team_member_removed"]


async def test_a_volunteer_may_be_in_several_teams(db: Database, clock: FrozenClock) -> None:
    wang = await seed_volunteer(db, 101, "王芳")
    async with db.session() as session:
        for name in ("巡逻队", "应急救援队", "志愿消防队"):
            team = await teams.create_team(session, actor=LEADER, name=name, now=clock.now())
            await teams.toggle_member(
                session, actor=LEADER, team_id=team.id, volunteer_id=wang, page=0, now=clock.now()
            )
        memberships = await session.scalar(
            select(func.count()).select_from(TeamMember).where(TeamMember.volunteer_id == wang)
        )
    assert memberships == 3


async def test_a_page_past_the_end_shows_the_last_page(db: Database, clock: FrozenClock) -> None:
    await seed_volunteer(db, 101, "王芳")
    async with db.session() as session:
        team = await teams.create_team(session, actor=LEADER, name="Patrol", now=clock.now())
        page = await teams.member_page(session, actor=LEADER, team_id=team.id, page=99)
    assert page.page == 0 and len(page.choices) == 1


async def test_rename_set_leader_and_delete(db: Database, clock: FrozenClock) -> None:
    wang = await seed_volunteer(db, 101, "王芳")
    await seed_account(db, 2, role=Role.LEADER, first_name="Li")
    async with db.session() as session:
        team = await teams.create_team(session, actor=LEADER, name="Patrol", now=clock.now())
        await teams.toggle_member(
            session, actor=LEADER, team_id=team.id, volunteer_id=wang, page=0, now=clock.now()
        )
        renamed = await teams.rename_team(
            session, actor=LEADER, team_id=team.id, name="Night patrol", now=clock.now()
        )
        led = await teams.set_team_leader(
            session, actor=LEADER, team_id=team.id, leader=101, now=clock.now()
        )
        card = await teams.team_card(session, actor=LEADER, team_id=team.id)
    assert renamed.name == "Night patrol"
    assert (led.team.leader_telegram_id, led.team.leader_name) == (101, "王芳")
    assert led.assigned is not None and led.assigned.person.telegram_id == 101
    assert card.member_names == ("王芳",)
    async with db.session() as session:
        deleted = await teams.delete_team(session, actor=LEADER, team_id=team.id, now=clock.now())
    assert deleted.name == "Night patrol" and deleted.member_count == 1
    async with db.session() as session:
        assert await session.get(Team, team.id) is None
        assert await session.scalar(select(func.count()).select_from(TeamMember)) == 0
        with pytest.raises(NotFound):
            await teams.team_card(session, actor=LEADER, team_id=team.id)


async def test_a_team_leader_must_have_used_the_bot(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        team = await teams.create_team(session, actor=LEADER, name="Patrol", now=clock.now())
        with pytest.raises(InvalidInput) as error:
            await teams.set_team_leader(
                session, actor=LEADER, team_id=team.id, leader=424242, now=clock.now()
            )
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
        flood = await teams.create_team(session, actor=LEADER, name="Flood", now=now)
        patrol = await teams.create_team(session, actor=LEADER, name="Patrol", now=now)
        await teams.set_team_leader(session, actor=LEADER, team_id=patrol.id, leader=30, now=now)
    attempts = [
        lambda s: teams.set_team_leader(s, actor=tom, team_id=flood.id, leader=30, now=now),
        lambda s: teams.rename_team(s, actor=tom, team_id=flood.id, name="Mine", now=now),
        lambda s: teams.toggle_member(
            s, actor=tom, team_id=flood.id, volunteer_id=wang, page=0, now=now
        ),
        lambda s: teams.add_member(s, actor=tom, team_id=flood.id, who=101, now=now),
        lambda s: teams.delete_team(s, actor=tom, team_id=flood.id, now=now),
    ]
    for attempt in attempts:
        async with db.session() as session:
            with pytest.raises(NotAllowed) as refused:
                await attempt(session)
        assert (refused.value.target_type, refused.value.target_id) == ("team", flood.id)
    async with db.session() as session:
        assert (await session.get(Team, flood.id)).leader_telegram_id is None
        renamed = await teams.rename_team(
            session, actor=tom, team_id=patrol.id, name="Night patrol", now=now
        )
    assert renamed.name == "Night patrol"  # his own team
