"""Pausing, resuming and leaving, as services on the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.errors import DomainError, InvalidInput, NotRegistered
from bot.services import lifecycle
from models import (
    Account,
    AuditEntry,
    Conversation,
    Team,
    TeamMember,
    Volunteer,
    VolunteerAvailability,
    VolunteerSkill,
)
from models.db import Database
from tests.seed import seed_team, seed_volunteer


async def available_ids(db: Database, clock: FrozenClock) -> set[int]:
    async with db.session() as session:
        query = select(Volunteer.id).where(lifecycle.available_for_callouts(clock.now()))
        return set((await session.exec(query)).scalars())


async def volunteer(db: Database, volunteer_id: int) -> Volunteer:
    async with db.session() as session:
        row = await session.get(Volunteer, volunteer_id)
        assert row is not None
        return row


@pytest.mark.parametrize(
    ("choice", "length"),
    [
        ("1d", timedelta(days=1)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("1m", timedelta(days=30)),
    ],
)
async def test_a_pause_ends_by_itself_at_its_date(
    db: Database, clock: FrozenClock, choice: str, length: timedelta
) -> None:
    wang = await seed_volunteer(db, 101, "王芳")
    async with db.session() as session:
        state = await lifecycle.pause(session, telegram_id=101, choice=choice, now=clock.now())
    assert state.paused and state.until == clock.now() + length
    assert await available_ids(db, clock) == set()
    clock.advance(length - timedelta(seconds=1))
    assert await available_ids(db, clock) == set()
    assert not lifecycle.is_available_for_callouts(await volunteer(db, wang), clock.now())
    clock.advance(timedelta(seconds=1))
    assert await available_ids(db, clock) == {wang}
    assert lifecycle.is_available_for_callouts(await volunteer(db, wang), clock.now())


async def test_an_open_pause_lasts_until_resume(db: Database, clock: FrozenClock) -> None:
    wang = await seed_volunteer(db, 101, "王芳")
    async with db.session() as session:
        state = await lifecycle.pause(session, telegram_id=101, choice="open", now=clock.now())
    assert state.paused and state.until is None
    clock.advance(timedelta(days=400))
    assert await available_ids(db, clock) == set()
    async with db.session() as session:
        before = await lifecycle.resume(session, telegram_id=101, now=clock.now())
        again = await lifecycle.resume(session, telegram_id=101, now=clock.now())
    assert before.paused and not again.paused
    assert await available_ids(db, clock) == {wang}


async def test_pause_needs_a_known_length_and_a_registration(
    db: Database, clock: FrozenClock
) -> None:
    await seed_volunteer(db, 101, "王芳")
    async with db.session() as session:
        with pytest.raises(InvalidInput):
            await lifecycle.pause(session, telegram_id=101, choice="1y", now=clock.now())
        with pytest.raises(NotRegistered):
            await lifecycle.pause(session, telegram_id=999, choice="1d", now=clock.now())


async def test_leaving_deletes_personal_data_but_keeps_the_anonymous_row(
    db: Database, clock: FrozenClock
) -> None:
    wang = await seed_volunteer(
        db, 101, "王芳", compound="阳光小区", skills=["medical"], availability=["weekend"]
    )
    stays = await seed_volunteer(db, 102, "李强", skills=["medical"])
    team = await seed_team(db, "巡逻队", [wang, stays])
    async with db.session() as session:
        session.add(
            Conversation(
                telegram_id=101,
                flow="profile",
                step="name",
                data={"name": "王芳"},
                updated_at=clock.now(),
            )
        )
        patrol = await session.get(Team, team)
        assert patrol is not None
        patrol.leader_telegram_id = 101
    async with db.session() as session:
        await lifecycle.leave(session, telegram_id=101, now=clock.now())
    row = await volunteer(db, wang)
    assert (row.name, row.phone, row.compound, row.address, row.telegram_id) == (None,) * 5
    assert row.party == "none" and not row.consent_visible and row.left_at == clock.now()
    async with db.session() as session:
        for table in (VolunteerSkill, VolunteerAvailability, TeamMember):
            count = select(func.count()).select_from(table).where(table.volunteer_id == wang)
            assert await session.scalar(count) == 0
        assert await session.get(Account, 101) is None
        assert await session.get(Conversation, 101) is None
        assert (await session.get(Team, team)).leader_telegram_id is None  # type: ignore[union-attr]
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "volunteer_left")
        )
    assert entry is not None and entry.actor_telegram_id is None
    assert entry.target_id == str(wang) and "王芳" not in str(entry.detail)
    assert await available_ids(db, clock) == {stays}


async def test_leaving_twice_or_without_a_profile_is_refused(
    db: Database, clock: FrozenClock
) -> None:
    await seed_volunteer(db, 101, "王芳")
    async with db.session() as session:
        await lifecycle.leave(session, telegram_id=101, now=clock.now())
    async with db.session() as session:
        with pytest.raises(DomainError) as error:
            await lifecycle.leave(session, telegram_id=101, now=clock.now())
        with pytest.raises(DomainError):
            await lifecycle.check_can_leave(session, telegram_id=101)
    assert error.value.key == "lifecycle.nothing_to_delete"
