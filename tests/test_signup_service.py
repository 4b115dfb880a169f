"""The registry services behind sign-up and /profile, on the database, without Telegram."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import CommunityConfig, SkillConfig
from bot.errors import InvalidInput, NotRegistered
from bot.services import profile, signup
from bot.services.accounts import touch_account
from bot.services.profile import VolunteerDetails, clean_name
from models import Availability, Party, Volunteer, VolunteerAvailability, VolunteerSkill
from models.db import Database

COMMUNITY = CommunityConfig(name="Sunshine", compounds=["阳光花园", "翠苑"])
WANG = VolunteerDetails(
    name="王Wang",
    phone="+8613800138000",
    compound="阳光花园",
    address="3号楼502室",
    skills=("driving", "first_aid"),
    availability=(Availability.WEEKEND, Availability.EMERGENCY),
    party=Party.IN_SERVICE,
    consent_visible=False,
)


@pytest.fixture(autouse=True)
async def _accounts(db: Database, clock: FrozenClock) -> None:
    """Volunteers hang off accounts: the people who talked to the bot."""
    async with db.session() as session:
        for telegram_id in (201, 404):
            await touch_account(
                session,
                telegram_id=telegram_id,
                first_name="",
                language_code="zh",
                default_language="zh",
                admins=[],
                now=clock.now(),
            )


async def test_signing_up_stores_the_volunteer_skills_and_availability(
    db: Database, clock: FrozenClock
) -> None:
    async with db.session() as session:
        made = await signup.register_volunteer(
            session, telegram_id=201, details=WANG, community=COMMUNITY, now=clock.now()
        )
    assert made.telegram_id == 201 and made.registered_at == clock.now()
    assert made.details.skills == ("driving", "first_aid")
    async with db.session() as session:
        row = (await session.exec(select(Volunteer))).one()
        skills = (await session.exec(select(VolunteerSkill.skill))).all()
        slots = (await session.exec(select(VolunteerAvailability.slot))).all()
    assert (row.name, row.phone, row.compound, row.address) == (
        "王Wang",
        "+8613800138000",
        "阳光花园",
        "3号楼502室",
    )
    assert (row.party, row.consent_visible, row.paused) == (Party.IN_SERVICE, False, False)
    assert sorted(skills) == ["driving", "first_aid"]
    assert sorted(slots) == ["emergency", "weekend"]


async def test_one_registration_per_account(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        await signup.register_volunteer(
            session, telegram_id=201, details=WANG, community=COMMUNITY, now=clock.now()
        )
    with pytest.raises(signup.AlreadyRegistered):
        async with db.session() as session:
            await signup.register_volunteer(
                session, telegram_id=201, details=WANG, community=COMMUNITY, now=clock.now()
            )


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"name": "😀"}, "signup.error.name"),
        ({"phone": "12345"}, "dialog.error.phone"),
        ({"compound": "Elsewhere"}, "signup.error.compound"),
        ({"skills": ("flying",)}, "signup.error.skill"),
        ({"address": "<b>x</b>"}, "dialog.error.markup"),
    ],
)
async def test_the_service_checks_what_the_form_checked(
    db: Database, clock: FrozenClock, change: dict[str, object], key: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        async with db.session() as session:
            await signup.register_volunteer(
                session,
                telegram_id=201,
                details=replace(WANG, **change),
                community=COMMUNITY,
                now=clock.now(),  # type: ignore[arg-type]
            )
    assert refused.value.key == key
    async with db.session() as session:
        assert (await session.exec(select(Volunteer))).first() is None


async def test_without_compounds_configured_none_is_stored(
    db: Database, clock: FrozenClock
) -> None:
    custom = CommunityConfig(
        skills=["driving", SkillConfig(code="drone", zh="无人机", en="Drones")]
    )
    details = replace(WANG, compound="whatever", skills=("drone",))
    async with db.session() as session:
        made = await signup.register_volunteer(
            session, telegram_id=201, details=details, community=custom, now=clock.now()
        )
    assert made.details.compound is None and made.details.skills == ("drone",)


async def test_a_volunteer_changes_their_details(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        await signup.register_volunteer(
            session, telegram_id=201, details=WANG, community=COMMUNITY, now=clock.now()
        )
    changed = replace(WANG, phone="+8613900139000", skills=("medical",), consent_visible=True)
    async with db.session() as session:
        await profile.update_profile(session, telegram_id=201, details=changed, community=COMMUNITY)
    async with db.session() as session:
        now = await profile.load_profile(session, telegram_id=201)
        skill_rows = (await session.exec(select(VolunteerSkill))).all()
    assert now.details.phone == "+8613900139000" and now.details.consent_visible
    assert [s.skill for s in skill_rows] == ["medical"]


async def test_someone_not_signed_up_has_no_profile(db: Database) -> None:
    async with db.session() as session:
        assert await profile.find_profile(session, telegram_id=404) is None
        with pytest.raises(NotRegistered):
            await profile.load_profile(session, telegram_id=404)
        with pytest.raises(NotRegistered):
            await profile.update_profile(
                session, telegram_id=404, details=WANG, community=COMMUNITY
            )


@pytest.mark.parametrize(
    "name", ["王Wang", "李小明", "Anne-Marie O'Neill", "J. Smith", "阿依古丽·买买提", "  Zoë   Ng "]
)
def test_names_of_any_script_are_welcome(name: str) -> None:
    assert clean_name(name) == " ".join(name.split())


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", "dialog.error.empty"),
        ("x" * 65, "dialog.error.too_long"),
        ("😀😀", "signup.error.name"),
        ("12345", "signup.error.name"),
        ("'; DROP TABLE volunteer;--", "signup.error.name"),
        ("Wang\x00", "signup.error.name"),
        ("<b>Wang</b>", "signup.error.name"),
    ],
)
def test_names_that_are_not_names_are_refused(name: str, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_name(name)
    assert refused.value.key == key
