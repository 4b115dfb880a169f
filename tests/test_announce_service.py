"""Announcements without Telegram: who receives one, that it is sent once and at its time,
that "Got it" counts once and only from a recipient, and what leaders may change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import CommunityConfig, Config
from bot.errors import DomainError, InvalidInput, NotAllowed
from bot.services.accounts import Actor
from bot.services.announcements import acks, delivery, drafts
from bot.services.announcements.acks import NotYours
from bot.services.announcements.audience import Audience
from bot.services.announcements.drafts import AnnouncementDraft, NotPending
from bot.services.display import Display
from models import Party, Role
from models.announcements import Announcement, AnnouncementRecipient
from models.db import Database
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import (
    LEADER,
    mark_left,
    mark_unreachable,
    messages_to,
    pause,
    seed_leader,
)

CONFIG = Config(community=CommunityConfig(name="Sunshine", compounds=["East", "West"]))
DISPLAY = Display.from_config(CONFIG)
EVERYONE = Audience(everyone=True)


def notice(text: str = "Water is off tomorrow", **changes: object) -> AnnouncementDraft:
    values: dict[str, object] = {"text": text, "audience": EVERYONE}
    values.update(changes)
    return AnnouncementDraft(**values)  # type: ignore[arg-type]


async def create(db: Database, clock: FrozenClock, **changes: object) -> drafts.Saved:
    async with db.session() as session:
        return await drafts.create_announcement(
            session, LEADER, notice(**changes), clock.now(), DISPLAY
        )


async def recipients(db: Database, announcement_id: int) -> set[int]:
    async with db.session() as session:
        rows = await session.exec(
            select(AnnouncementRecipient.volunteer_id).where(
                AnnouncementRecipient.announcement_id == announcement_id
            )
        )
        return set(rows.all())


async def test_everyone_signed_up_receives_it_paused_or_not_but_not_who_left(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    active = await seed_volunteer(db, 101, "Wang Fang")
    paused = await seed_volunteer(db, 102, "Li Na")
    await seed_volunteer(db, 103, "Zhao Lei")
    await seed_volunteer(db, 104, "Chen Jie")
    await pause(db, 102, None)
    await mark_left(db, 103, clock.now())
    await mark_unreachable(db, 104, clock.now())

    saved = await create(db, clock)
    assert saved.recipients == 2
    assert await recipients(db, saved.id) == {active, paused}  # not left, not blocked
    async with db.session() as session:
        announcement = await session.get(Announcement, saved.id)
        assert announcement is not None and announcement.unreachable == 1  # counted, not sent
    assert "Water is off tomorrow" in (await messages_to(db, 101))[0]
    assert await messages_to(db, 104) == []


async def test_teams_compounds_and_party_members_are_chosen_as_for_call_outs(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    patrol = await seed_volunteer(db, 101, "Wang Fang", compound="East")
    east = await seed_volunteer(db, 102, "Li Na", compound="East")
    member = await seed_volunteer(db, 103, "Zhao Lei", compound="West", party=Party.IN_SERVICE)
    team = await seed_team(db, "Patrol team", [patrol])

    for audience, expected in (
        (Audience(team_ids=(team,)), {patrol}),
        (Audience(compounds=("East",)), {patrol, east}),
        (Audience(party_only=True), {member}),
    ):
        saved = await create(db, clock, audience=audience)
        assert await recipients(db, saved.id) == expected


async def test_a_scheduled_announcement_is_sent_once_at_its_time(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 101, "Wang Fang")
    saved = await create(db, clock, send_at=clock.now() + timedelta(hours=2))
    assert saved.recipients is None
    async with db.session() as session:
        assert await delivery.due_announcements(session, clock.now()) == []

    clock.advance(hours=2)
    async with db.session() as session:
        assert await delivery.due_announcements(session, clock.now()) == [saved.id]
        assert await delivery.send_announcement(session, saved.id, clock.now(), DISPLAY) == 1
    async with db.session() as session:  # a second process, or a second tick
        assert await delivery.send_announcement(session, saved.id, clock.now(), DISPLAY) is None
    assert len([t for t in await messages_to(db, 101) if "Water" in t]) == 1


async def test_got_it_counts_once_and_only_from_a_recipient(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 101, "Wang Fang")
    await seed_volunteer(db, 102, "Li Na", party=Party.OTHER)
    for_party = await create(db, clock, audience=Audience(party_only=True))

    async with db.session() as session:
        first = await acks.acknowledge(session, 102, for_party.id, clock.now())
        again = await acks.acknowledge(session, 102, for_party.id, clock.now())
    assert (first.first, again.first) == (True, False)
    async with db.session() as session:
        with pytest.raises(NotYours):
            await acks.acknowledge(session, 101, for_party.id, clock.now())
    async with db.session() as session:
        read = await session.exec(select(func.count(AnnouncementRecipient.acknowledged_at)))
        assert read.one() == 1


async def test_the_unread_are_reminded_a_while_later_and_not_again_at_once(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    for telegram_id in (101, 102, 103):
        await seed_volunteer(db, telegram_id, f"Volunteer {telegram_id}")
    saved = await create(db, clock)
    async with db.session() as session:
        await acks.acknowledge(session, 101, saved.id, clock.now())
    async with db.session() as session:
        with pytest.raises(DomainError, match="cannot_remind"):
            await delivery.remind_unread(session, LEADER, saved.id, clock.now(), DISPLAY)

    clock.advance(hours=1)
    async with db.session() as session:
        assert await delivery.remind_unread(session, LEADER, saved.id, clock.now(), DISPLAY) == 2
    async with db.session() as session:
        assert await delivery.remind_unread(session, LEADER, saved.id, clock.now(), DISPLAY) == 0
    assert len(await messages_to(db, 101)) == 1 and len(await messages_to(db, 102)) == 2


async def test_only_a_pending_announcement_can_be_changed_or_withdrawn(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 101, "Wang Fang")
    later = await create(db, clock, send_at=clock.now() + timedelta(days=1))
    now = await create(db, clock)
    async with db.session() as session:
        changed = await drafts.update_announcement(
            session, LEADER, later.id, notice("Changed"), clock.now(), DISPLAY
        )
    assert changed.recipients == 1  # no time given any more: sent at once
    for announcement_id in (later.id, now.id):
        async with db.session() as session:
            with pytest.raises(NotPending):
                await drafts.withdraw_announcement(
                    session, LEADER, announcement_id, clock.now(), DISPLAY
                )
        async with db.session() as session:
            with pytest.raises(NotPending):
                await drafts.start_editing(session, LEADER, announcement_id)


@pytest.mark.parametrize(
    "draft",
    [
        notice("   "),
        notice("x" * 3001),
        notice(audience=Audience()),
        notice(send_at=FrozenClock().now() - timedelta(hours=1)),
    ],
)
async def test_bad_drafts_are_refused(
    db: Database, clock: FrozenClock, draft: AnnouncementDraft
) -> None:
    await seed_leader(db)
    async with db.session() as session:
        with pytest.raises(InvalidInput):
            await drafts.create_announcement(session, LEADER, draft, clock.now(), DISPLAY)


async def test_volunteers_cannot_announce(db: Database, clock: FrozenClock) -> None:
    volunteer = Actor(101, "en", Role.VOLUNTEER)
    async with db.session() as session:
        with pytest.raises(NotAllowed):
            await drafts.create_announcement(session, volunteer, notice(), clock.now(), DISPLAY)
        with pytest.raises(NotAllowed):
            await drafts.reach(session, volunteer, EVERYONE)
