"""Signing a volunteer up: the registry entry made from the sign-up form's answers."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import CommunityConfig
from bot.errors import DomainError
from bot.services.profile import (
    VolunteerDetails,
    VolunteerProfile,
    check_details,
    find_profile,
    load_profile,
    write_details,
)
from models import Volunteer


class AlreadyRegistered(DomainError):
    key = "signup.error.already_registered"


async def register_volunteer(
    session: AsyncSession,
    *,
    telegram_id: int,
    details: VolunteerDetails,
    community: CommunityConfig,
    now: datetime,
) -> VolunteerProfile:
    """Create the volunteer, their skills and availability; one registration per account."""
    if await find_profile(session, telegram_id=telegram_id) is not None:
        raise AlreadyRegistered()
    checked = check_details(details, community)
    volunteer = Volunteer(telegram_id=telegram_id, registered_at=now)
    await write_details(session, volunteer=volunteer, details=checked)
    return await load_profile(session, telegram_id=telegram_id)
