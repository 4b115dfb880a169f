"""A volunteer's own registry entry: what they told us at sign-up, read back and changed.

Leaders always see a volunteer's name, skills and availability (to match people with tasks).
Phone, compound and building/room are shown to leaders only with ``consent_visible``; without
it the volunteer is still registered and still receives call-outs through the bot.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import CommunityConfig
from bot.errors import InvalidInput, NotRegistered
from bot.phones import parse_phone
from bot.services.lifecycle import signed_up_as
from bot.text import clean_text
from models import Availability, Party, Volunteer, VolunteerAvailability, VolunteerSkill

NAME_MAX = 64
ADDRESS_MAX = 128
# Besides letters of any script (and their combining marks): the separators names use,
# e.g. "Anne-Marie O'Neill", "J. Smith", "阿依古丽·买买提".
NAME_PUNCTUATION = frozenset(" .'-·‧’")


@dataclass(frozen=True)
class VolunteerDetails:
    """What a volunteer gives at sign-up and may change later."""

    name: str
    phone: str  # E.164
    compound: str | None
    address: str  # building / room
    skills: tuple[str, ...]
    availability: tuple[Availability, ...]
    party: Party
    consent_visible: bool


@dataclass(frozen=True)
class VolunteerProfile:
    id: int
    telegram_id: int
    details: VolunteerDetails
    registered_at: datetime


def clean_name(text: str) -> str:
    """A person's name: letters of any script (mixed is fine: 王Wang), spaces and a few
    separators, at least one letter, at most 64 characters."""
    name = " ".join(text.split())
    if not name:
        raise InvalidInput("dialog.error.empty")
    if len(name) > NAME_MAX:
        raise InvalidInput("dialog.error.too_long", max=NAME_MAX, length=len(name))
    if not any(ch.isalpha() for ch in name) or not all(map(_name_character, name)):
        raise InvalidInput("signup.error.name")
    return name


def _name_character(ch: str) -> bool:
    return ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in NAME_PUNCTUATION


def check_details(details: VolunteerDetails, community: CommunityConfig) -> VolunteerDetails:
    """The details as they may be stored; the form already checked each answer, but callback
    data can be forged and the community's lists can change, so the service checks again."""
    compound = details.compound
    if community.compounds and compound not in community.compounds:
        raise InvalidInput("signup.error.compound")
    if not community.compounds:
        compound = None
    unknown = set(details.skills) - set(community.skill_codes)
    if unknown:
        raise InvalidInput("signup.error.skill")
    return VolunteerDetails(
        name=clean_name(details.name),
        phone=parse_phone(details.phone, "ZZ"),  # E.164 already: the "+" carries the country
        compound=compound,
        address=clean_text(details.address, max_length=ADDRESS_MAX),
        skills=tuple(code for code in community.skill_codes if code in details.skills),
        availability=tuple(
            a for a in Availability if a in set(map(Availability, details.availability))
        ),
        party=Party(details.party),
        consent_visible=bool(details.consent_visible),
    )


async def find_profile(session: AsyncSession, telegram_id: int) -> VolunteerProfile | None:
    volunteer = await _volunteer(session, telegram_id)
    return None if volunteer is None else await _profile(session, volunteer)


async def load_profile(session: AsyncSession, telegram_id: int) -> VolunteerProfile:
    profile = await find_profile(session, telegram_id)
    if profile is None:
        raise NotRegistered()
    return profile


async def update_profile(
    session: AsyncSession, telegram_id: int, details: VolunteerDetails, community: CommunityConfig
) -> VolunteerProfile:
    """The volunteer's own change to their details (no audit: it is their own record)."""
    volunteer = await _volunteer(session, telegram_id)
    if volunteer is None:
        raise NotRegistered()
    await write_details(session, volunteer, check_details(details, community))
    return await _profile(session, volunteer)


async def write_details(
    session: AsyncSession, volunteer: Volunteer, details: VolunteerDetails
) -> None:
    """Store checked details on ``volunteer`` (flushed, so it has an id), skills and
    availability replaced."""
    volunteer.name = details.name
    volunteer.phone = details.phone
    volunteer.compound = details.compound
    volunteer.address = details.address
    volunteer.party = details.party
    volunteer.consent_visible = details.consent_visible
    session.add(volunteer)
    await session.flush()
    assert volunteer.id is not None
    await _replace(session, VolunteerSkill, volunteer.id, "skill", details.skills)
    await _replace(session, VolunteerAvailability, volunteer.id, "slot", details.availability)


async def _replace(
    session: AsyncSession,
    table: type[VolunteerSkill] | type[VolunteerAvailability],
    volunteer_id: int,
    column: str,
    codes: Iterable[str],
) -> None:
    await session.exec(delete(table).where(col(table.volunteer_id) == volunteer_id))
    session.add_all(table(volunteer_id=volunteer_id, **{column: str(code)}) for code in codes)
    await session.flush()


async def _volunteer(session: AsyncSession, telegram_id: int) -> Volunteer | None:
    query = select(Volunteer).where(signed_up_as(telegram_id))
    return (await session.exec(query)).first()


async def _profile(session: AsyncSession, volunteer: Volunteer) -> VolunteerProfile:
    assert volunteer.id is not None and volunteer.telegram_id is not None
    skills = await session.exec(
        select(VolunteerSkill.skill).where(VolunteerSkill.volunteer_id == volunteer.id)
    )
    slots = await session.exec(
        select(VolunteerAvailability.slot).where(VolunteerAvailability.volunteer_id == volunteer.id)
    )
    taken = set(slots.all())
    details = VolunteerDetails(
        name=volunteer.name or "",
        phone=volunteer.phone or "",
        compound=volunteer.compound,
        address=volunteer.address or "",
        skills=tuple(sorted(skills.all())),
        availability=tuple(a for a in Availability if a.value in taken),
        party=Party(volunteer.party),
        consent_visible=volunteer.consent_visible,
    )
    return VolunteerProfile(
        id=volunteer.id,
        telegram_id=volunteer.telegram_id,
        details=details,
        registered_at=volunteer.registered_at,
    )
