"""Registered volunteers and accounts written straight into the database, for tests that need
a registry without walking each person through the sign-up conversation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select

from models import (
    Account,
    AuditEntry,
    Party,
    Role,
    Team,
    TeamMember,
    Volunteer,
    VolunteerAvailability,
    VolunteerSkill,
)
from models.db import Database

SEEDED_AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


async def seed_account(
    db: Database,
    telegram_id: int,
    *,
    role: Role = Role.VOLUNTEER,
    language: str = "zh",
    first_name: str = "Test",
    created_at: datetime = SEEDED_AT,
) -> None:
    async with db.session() as session:
        session.add(
            Account(
                telegram_id=telegram_id,
                language=language,
                role=role,
                first_name=first_name,
                created_at=created_at,
            )
        )


async def seed_volunteer(
    db: Database,
    telegram_id: int,
    name: str,
    *,
    phone: str = "+8613800138000",
    compound: str | None = None,
    address: str | None = "3-201",
    skills: Iterable[str] = (),
    availability: Iterable[str] = (),
    party: Party = Party.NONE,
    consent: bool = True,
    language: str = "zh",
    role: Role = Role.VOLUNTEER,
) -> int:
    """An account and a signed-up volunteer; returns the volunteer id."""
    async with db.session() as session:
        session.add(
            Account(
                telegram_id=telegram_id,
                language=language,
                role=role,
                first_name=name[:128],
                created_at=SEEDED_AT,
            )
        )
        await session.flush()
        volunteer = Volunteer(
            telegram_id=telegram_id,
            name=name,
            phone=phone,
            compound=compound,
            address=address,
            party=party,
            consent_visible=consent,
            registered_at=SEEDED_AT,
        )
        session.add(volunteer)
        await session.flush()
        assert volunteer.id is not None
        session.add_all(VolunteerSkill(volunteer_id=volunteer.id, skill=s) for s in skills)
        session.add_all(
            VolunteerAvailability(volunteer_id=volunteer.id, slot=s) for s in availability
        )
        return volunteer.id


async def seed_team(db: Database, name: str, members: Iterable[int] = (), by: int = 1) -> int:
    """A team with these volunteer ids as members; returns the team id."""
    async with db.session() as session:
        team = Team(name=name, created_by=by, created_at=SEEDED_AT)
        session.add(team)
        await session.flush()
        assert team.id is not None
        session.add_all(
            TeamMember(team_id=team.id, volunteer_id=v, added_by=by, added_at=SEEDED_AT)
            for v in members
        )
        return team.id


async def audit_trail(db: Database) -> list[tuple[int | None, str, bool]]:
    """(actor, action, allowed) of every audit entry, oldest first."""
    async with db.session() as session:
        entries = (await session.exec(select(AuditEntry).order_by(AuditEntry.id))).scalars()
        return [(e.actor_telegram_id, e.action, e.allowed) for e in entries]
