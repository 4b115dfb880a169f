"""The registry leaders search: counts, SQL filters, hidden contact details, paging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.clock import FrozenClock
from bot.errors import NotAllowed
from bot.services import lifecycle, registry
from bot.services.accounts import Actor
from bot.services.registry import RegistryFilter
from models import Availability, Party, Role
from models.db import Database
from tests.seed import seed_team, seed_volunteer

LEADER = Actor(2, "zh", Role.LEADER)
VOLUNTEER = Actor(3, "zh", Role.VOLUNTEER)


async def community(db: Database) -> dict[str, int]:
    """Four volunteers in two compounds; one more who left."""
    ids = {
        "wang": await seed_volunteer(
            db,
            101,
            "王芳",
            compound="阳光小区",
            skills=["medical", "first_aid"],
            availability=[Availability.WEEKEND],
            party=Party.IN_SERVICE,
        ),
        "li": await seed_volunteer(
            db,
            102,
            "李强",
            compound="阳光小区",
            skills=["medical"],
            consent=False,
            availability=[Availability.EMERGENCY],
        ),
        "zhao": await seed_volunteer(
            db,
            103,
            "赵敏",
            compound="和平小区",
            skills=["medical", "driving"],
            party=Party.OTHER,
        ),
        "chen": await seed_volunteer(db, 104, "陈静", compound="阳光小区", skills=["cooking"]),
        "gone": await seed_volunteer(db, 105, "Gone", compound="阳光小区", skills=["medical"]),
    }
    ids["patrol"] = await seed_team(db, "巡逻队", [ids["wang"], ids["li"], ids["zhao"]])
    ids["rescue"] = await seed_team(db, "应急救援队", [ids["wang"]])
    async with db.session() as session:
        await lifecycle.leave(session, telegram_id=105, now=FrozenClock().now())
    return ids


async def names(db: Database, filters: RegistryFilter, now: FrozenClock) -> list[str]:
    async with db.session() as session:
        page = await registry.find_volunteers(
            session, actor=LEADER, filters=filters, page=0, now=now.now()
        )
    return [row.name for row in page.rows]


async def test_counts_cover_the_registered_and_never_those_who_left(
    db: Database, clock: FrozenClock
) -> None:
    await community(db)
    async with db.session() as session:
        await lifecycle.pause(session, telegram_id=104, choice="1w", now=clock.now())
        counts = await registry.registry_counts(session, actor=LEADER, now=clock.now())
    assert (counts.total, counts.active, counts.paused) == (4, 3, 1)
    assert counts.by_skill == {"medical": 3, "first_aid": 1, "driving": 1, "cooking": 1}
    assert counts.by_party == {"in_service": 1, "other": 1, "none": 2}
    assert counts.by_team == (("巡逻队", 3), ("应急救援队", 1))


async def test_a_pause_whose_date_passed_counts_as_active_again(
    db: Database, clock: FrozenClock
) -> None:
    await community(db)
    async with db.session() as session:
        await lifecycle.pause(session, telegram_id=104, choice="1d", now=clock.now())
    clock.advance(timedelta(days=1, seconds=1))
    async with db.session() as session:
        counts = await registry.registry_counts(session, actor=LEADER, now=clock.now())
    assert (counts.active, counts.paused) == (4, 0)


async def test_filters_combine_skill_team_and_compound(db: Database, clock: FrozenClock) -> None:
    ids = await community(db)
    medical = RegistryFilter(skill="medical")
    assert await names(db, medical, clock) == ["王芳", "李强", "赵敏"]
    in_patrol = RegistryFilter(skill="medical", team_id=ids["patrol"])
    assert await names(db, in_patrol, clock) == ["王芳", "李强", "赵敏"]
    sunshine = RegistryFilter(skill="medical", team_id=ids["patrol"], compound="阳光小区")
    assert await names(db, sunshine, clock) == ["王芳", "李强"]
    rescue = RegistryFilter(team_id=ids["rescue"], compound="阳光小区")
    assert await names(db, rescue, clock) == ["王芳"]
    assert await names(db, RegistryFilter(skill="swimming"), clock) == []


async def test_filters_by_availability_and_party(db: Database, clock: FrozenClock) -> None:
    await community(db)
    assert await names(db, RegistryFilter(availability="emergency"), clock) == ["李强"]
    assert await names(db, RegistryFilter(party="in_service"), clock) == ["王芳"]
    assert await names(db, RegistryFilter(party="none", compound="阳光小区"), clock) == [
        "李强",
        "陈静",
    ]


async def test_contact_details_only_for_volunteers_who_consented(
    db: Database, clock: FrozenClock
) -> None:
    await community(db)
    async with db.session() as session:
        page = await registry.find_volunteers(
            session, actor=LEADER, filters=RegistryFilter(), page=0, now=clock.now()
        )
    rows = {row.name: row for row in page.rows}
    assert rows["王芳"].phone == "+8613800138000" and rows["王芳"].address == "3-201"
    assert rows["李强"].phone is None and rows["李强"].address is None
    assert not rows["李强"].contact_visible
    assert rows["李强"].skills == ("medical",) and rows["李强"].teams == ("巡逻队",)
    assert rows["王芳"].teams == ("巡逻队", "应急救援队")


async def test_the_list_is_paged_by_the_database(db: Database, clock: FrozenClock) -> None:
    for n in range(registry.LIST_PAGE_SIZE * 2 + 1):
        await seed_volunteer(db, 1000 + n, f"V{n:02}", skills=["medical"])
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", remember)
    async with db.session() as session:
        last = await registry.find_volunteers(
            session, actor=LEADER, filters=RegistryFilter(skill="medical"), page=2, now=clock.now()
        )
    event.remove(db.engine.sync_engine, "before_cursor_execute", remember)
    assert (last.matching, last.page, last.pages) == (13, 2, 3)
    assert [row.name for row in last.rows] == ["V12"]
    listing = [s for s in statements if "LIMIT" in s.upper() and "volunteerskill" in s]
    assert listing and "EXISTS" in listing[0].upper()


async def test_volunteers_may_not_search_the_registry(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        with pytest.raises(NotAllowed):
            await registry.registry_counts(session, actor=VOLUNTEER, now=clock.now())
        with pytest.raises(NotAllowed):
            await registry.find_volunteers(
                session, actor=VOLUNTEER, filters=RegistryFilter(), page=0, now=clock.now()
            )
        with pytest.raises(NotAllowed):
            await registry.export_volunteers(
                session,
                actor=VOLUNTEER,
                filters=RegistryFilter(),
                file_format="csv",
                now=clock.now(),
            )
        with pytest.raises(NotAllowed):
            await registry.team_options(session, actor=VOLUNTEER)
