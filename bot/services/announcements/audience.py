"""Who an announcement reaches: the call-outs' targeting (teams or compounds, party members,
everyone; see ``bot.services.callouts.audience.targeted``) without the skills.

Unlike a call-out, an announcement also reaches volunteers who paused call-outs: pausing is
about duties, not about being told what happens in the community. Volunteers who left never
receive it; those known to have blocked the bot are counted, not messaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.callouts.audience import targeted
from models import Account, Volunteer
from models.announcements import Announcement
from models.callouts import SkillMatch


@dataclass(frozen=True)
class Audience:
    """The choice of recipients; it satisfies the call-outs' ``Targeting``."""

    team_ids: tuple[int, ...] = ()
    compounds: tuple[str, ...] = ()
    party_only: bool = False
    everyone: bool = False
    skills: Sequence[str] = ()  # announcements never narrow by skill
    skill_match: SkillMatch = SkillMatch.ANY

    @classmethod
    def of(cls, announcement: Announcement) -> Audience:
        return cls(
            tuple(announcement.team_ids),
            tuple(announcement.compounds),
            announcement.party_only,
            announcement.everyone,
        )

    @property
    def chosen(self) -> bool:
        return self.everyone or self.party_only or bool(self.team_ids or self.compounds)


@dataclass(frozen=True)
class Recipient:
    volunteer_id: int
    telegram_id: int
    language: str


@dataclass(frozen=True)
class Reach:
    """Who is messaged, and how many were left out because they blocked the bot."""

    recipients: tuple[Recipient, ...]
    unreachable: int


def signed_up() -> ColumnElement[bool]:
    return and_(Volunteer.telegram_id.is_not(None), Volunteer.left_at.is_(None))


async def resolve(session: AsyncSession, *, audience: Audience) -> Reach:
    rows = await session.exec(
        select(Volunteer.id, Account.telegram_id, Account.language, Account.unreachable_at)
        .join(Account, Account.telegram_id == Volunteer.telegram_id)
        .where(signed_up(), targeted(audience))
        .order_by(Volunteer.id)
    )
    recipients, unreachable = [], 0
    for volunteer_id, telegram_id, language, unreachable_at in rows:
        if unreachable_at is None:
            recipients.append(Recipient(volunteer_id, telegram_id, language))
        else:
            unreachable += 1
    return Reach(tuple(recipients), unreachable)


async def count(session: AsyncSession, *, audience: Audience) -> int:
    """How many volunteers the audience would reach now."""
    query = (
        select(func.count())
        .select_from(Volunteer)
        .join(Account, Account.telegram_id == Volunteer.telegram_id)
        .where(signed_up(), targeted(audience), Account.unreachable_at.is_(None))
    )
    return int((await session.exec(query)).one())
