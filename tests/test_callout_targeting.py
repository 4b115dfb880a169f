"""Who a call-out reaches, and how: the right volunteers, each in their own language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.errors import InvalidInput, NotAllowed
from bot.i18n import LANGUAGES, text
from bot.outbox.queue import PRIORITY_ALERT, PRIORITY_BULK
from bot.services.accounts import Actor
from bot.services.callouts.audience import count_audience
from bot.services.callouts.buttons import GoPress
from bot.services.callouts.delivery import deliver_callout
from bot.services.callouts.drafts import TEMPLATES
from models import OutboxMessage, Party, Role
from models.callouts import SkillMatch, Urgency
from models.db import Database
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import (
    DISPLAY,
    LEADER_ID,
    create,
    create_and_deliver,
    draft,
    mark_left,
    mark_unreachable,
    pause,
    seed_leader,
    set_group_chat,
    states,
)


async def _outbox(db: Database, **where: object) -> list[OutboxMessage]:
    async with db.session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        return list((await session.exec(query)).all())


async def test_teams_and_compounds_are_alternatives_and_skills_narrow_them(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    medic_in_team = await seed_volunteer(db, 1, "Medic in team", skills=["medical"])
    await seed_volunteer(db, 2, "Medic in compound", skills=["medical"], compound="Plum Garden")
    await seed_volunteer(db, 3, "Driver in team", skills=["driving"])
    await seed_volunteer(db, 4, "Medic elsewhere", skills=["medical"], compound="Other")
    team = await seed_team(db, "Rescue", [medic_in_team, 3])

    callout_id, delivery = await create_and_deliver(
        db,
        clock.now(),
        everyone=False,
        team_ids=(team,),
        compounds=("Plum Garden",),
        skills=("medical",),
    )

    assert delivery.invited == 2
    assert set(await states(db, callout_id)) == {1, 2}


async def test_all_of_the_skills_means_every_one_of_them(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Both", skills=["medical", "driving"])
    await seed_volunteer(db, 2, "Medic", skills=["medical"])
    await seed_volunteer(db, 3, "Driver", skills=["driving"])

    any_id, _ = await create_and_deliver(db, clock.now(), skills=("medical", "driving"))
    all_id, _ = await create_and_deliver(
        db, clock.now(), skills=("medical", "driving"), skill_match=SkillMatch.ALL
    )

    assert set(await states(db, any_id)) == {1, 2, 3}
    assert set(await states(db, all_id)) == {1}


async def test_party_members_only(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "In service", party=Party.IN_SERVICE)
    await seed_volunteer(db, 2, "Retired member", party=Party.OTHER)
    await seed_volunteer(db, 3, "Not a member")

    callout_id, _ = await create_and_deliver(db, clock.now(), everyone=False, party_only=True)

    assert set(await states(db, callout_id)) == {1, 2}


async def test_paused_unreachable_and_departed_volunteers_are_not_asked(
    db: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    await seed_leader(db)
    for telegram_id in range(1, 7):
        await seed_volunteer(db, telegram_id, f"V{telegram_id}")
    await pause(db, 1, until=now + timedelta(days=3))
    await pause(db, 2, until=None)  # until /resume
    await pause(db, 3, until=now - timedelta(hours=1))  # that pause is over
    await mark_unreachable(db, 4, now - timedelta(days=1))
    await mark_left(db, 5, now - timedelta(days=2))

    callout_id, delivery = await create_and_deliver(db, now)

    assert set(await states(db, callout_id)) == {3, 6}
    assert delivery.invited == 2


async def test_each_volunteer_is_asked_in_their_language_with_times_in_the_community_zone(
    db: Database, clock: FrozenClock
) -> None:
    now = clock.now()  # 01:00 UTC = 09:00 in Shanghai
    await seed_leader(db)
    await seed_volunteer(db, 1, "Wang", language="zh")
    await seed_volunteer(db, 2, "Alice", language="en")

    callout_id, _ = await create_and_deliver(
        db,
        now,
        title="<b>Flood</b> & patrol",
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
    )

    invitations = {m.chat_id: m for m in await _outbox(db, topic=f"callout:{callout_id}")}
    assert set(invitations) == {1, 2}
    chinese, english = invitations[1].payload, invitations[2].payload
    assert "志愿者召集令" in chinese["text"] and "我去" in str(chinese["reply_markup"])
    assert "Call-out for volunteers" in english["text"]
    assert "I'll go" in str(english["reply_markup"])
    assert "10:00" in english["text"] and "12:00" in english["text"]  # Shanghai time
    assert "&lt;b&gt;Flood&lt;/b&gt; &amp; patrol" in english["text"]  # the title is escaped
    assert invitations[2].priority == PRIORITY_BULK


async def test_an_emergency_goes_first_and_offers_arrival_estimates(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Alice", language="en")

    callout_id, _ = await create_and_deliver(db, clock.now(), urgency=Urgency.EMERGENCY)

    [invitation] = await _outbox(db, topic=f"callout:{callout_id}")
    assert invitation.priority == PRIORITY_ALERT
    buttons = [b for row in invitation.payload["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["callback_data"] for b in buttons[:3]] == [
        GoPress(callout_id, m).pack() for m in (15, 30, 60)
    ]
    assert "There in 15 min" in buttons[0]["text"]


async def test_a_call_out_is_delivered_once_with_the_leaders_card(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    await seed_volunteer(db, 1, "Alice", language="en")
    callout_id = await create(db, clock.now())

    async with db.session() as session:
        first = await deliver_callout(
            session, callout_id=callout_id, now=clock.now(), display=DISPLAY
        )
    async with db.session() as session:
        again = await deliver_callout(
            session, callout_id=callout_id, now=clock.now(), display=DISPLAY
        )

    assert first is not None and first.invited == 1
    assert again is None
    assert len(await _outbox(db, topic=f"callout:{callout_id}")) == 1
    [card] = await _outbox(db, topic=f"callout-card:{callout_id}")
    assert card.chat_id == LEADER_ID and "Roster" in card.payload["text"]


async def test_team_group_chats_get_the_call_out_too(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    member = await seed_volunteer(db, 1, "Wang")
    with_group = await seed_team(db, "Patrol", [member])
    await set_group_chat(db, with_group, -1001)
    without_group = await seed_team(db, "Publicity", [member])

    callout_id, delivery = await create_and_deliver(
        db, clock.now(), everyone=False, team_ids=(with_group, without_group)
    )

    assert delivery.group_posts == 1
    [post] = await _outbox(db, topic=f"callout-group:{callout_id}")
    assert post.chat_id == -1001
    assert GoPress(callout_id).pack() in str(post.payload["reply_markup"])


async def test_only_leaders_create_call_outs(db: Database, clock: FrozenClock) -> None:
    volunteer = Actor(1, "en", Role.VOLUNTEER)
    with pytest.raises(NotAllowed):
        await create(db, clock.now(), actor=volunteer)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"title": "   "}, "callouts.invalid.title"),
        ({"title": "x" * 121}, "callouts.invalid.title"),
        ({"title": "bad\x00title"}, "callouts.invalid.title"),
        ({"needed": 0}, "callouts.invalid.needed"),
        ({"everyone": False}, "callouts.invalid.audience"),
        ({"latitude": 91.0, "longitude": 0.0}, "callouts.invalid.location"),
        ({"skills": ("'; DROP TABLE volunteer; --",)}, "callouts.invalid.skills"),
    ],
)
async def test_bad_drafts_are_refused_with_the_reason(
    db: Database, clock: FrozenClock, changes: dict[str, object], key: str
) -> None:
    leader = await seed_leader(db)
    with pytest.raises(InvalidInput) as refused:
        await create(db, clock.now(), actor=leader, **changes)
    assert refused.value.key == key


async def test_the_end_must_follow_the_start(db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    with pytest.raises(InvalidInput) as refused:
        await create(db, now, starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=1))
    assert refused.value.key == "callouts.invalid.times"


def test_every_template_is_named_in_both_languages() -> None:
    for language in LANGUAGES:
        for code in TEMPLATES:
            assert text(language, f"callouts.template.{code}")


async def test_a_leader_sees_how_many_a_draft_would_ask_before_sending(
    db: Database, clock: FrozenClock
) -> None:
    leader = await seed_leader(db)
    await seed_volunteer(db, 1, "Medic", skills=["medical"])
    await seed_volunteer(db, 2, "Driver", skills=["driving"])
    await seed_volunteer(db, 3, "Resting medic", skills=["medical"])
    await pause(db, 3, until=None)
    planned = draft(clock.now(), skills=("medical",))

    async with db.session() as session:
        assert await count_audience(session, actor=leader, targeting=planned, now=clock.now()) == 1
    with pytest.raises(NotAllowed):
        async with db.session() as session:
            await count_audience(
                session, actor=Actor(1, "en", Role.VOLUNTEER), targeting=planned, now=clock.now()
            )
