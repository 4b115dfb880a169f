"""A call-out's posts in team group chats follow it: counts, full, over; in the community's
language; a post still waiting to go out is rewritten, never sent twice; what each post shows
is kept on the call-out, so a restart edits only the posts that changed."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import CommunityConfig, Config
from bot.outbox.cards import CardRefresher, Refresh
from bot.services.callouts.group_posts import group_posts, refresh_posts
from bot.services.callouts.views import CalloutView, Display, group_post
from models import Callout, OutboxMessage, OutboxState
from models.callouts import CalloutStatus
from models.db import Database
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import DISPLAY, create_and_deliver, go, seed_leader, set_group_chat

CONFIG = Config(community=CommunityConfig(name="Sunshine"))
ENGLISH = Display(ZoneInfo("Asia/Shanghai"), CommunityConfig(name="Sunshine"), "en")


async def _a_posted_call_out(db: Database, clock: FrozenClock) -> int:
    await seed_leader(db)
    team = await seed_team(db, "Patrol", [])
    await set_group_chat(db, team, -1001)
    callout_id, _ = await create_and_deliver(
        db, clock.now(), everyone=False, team_ids=(team,), needed=1
    )
    return callout_id


async def _view(db: Database, callout_id: int) -> CalloutView:
    async with db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None
        return CalloutView.of(callout)


async def test_a_full_post_says_so_and_counts_the_waiting_in_english_and_chinese(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await _a_posted_call_out(db, clock)
    for telegram_id in (1, 2):
        await seed_volunteer(db, telegram_id, f"V{telegram_id}")
        await go(db, telegram_id, callout_id, clock, chat_id=-1001)
    view = await _view(db, callout_id)

    english = group_post(ENGLISH, view, waiting=1)
    assert "Needed: 1 · confirmed so far: 1" in english.html
    assert "All places are taken" in english.html and "On the waiting list: 1" in english.html
    chinese = group_post(DISPLAY, view, waiting=1)
    assert "名额已满" in chinese.html and "候补 1 人" in chinese.html

    closed = group_post(ENGLISH, replace(view, status=CalloutStatus.CLOSED))
    assert "This call-out is closed." in closed.html and closed.markup is None
    cancelled = group_post(DISPLAY, replace(view, status=CalloutStatus.CANCELLED))
    assert "本次召集已取消" in cancelled.html and cancelled.markup is None


async def test_a_post_not_yet_sent_is_rewritten_and_an_unchanged_one_left_alone(
    db: Database, clock: FrozenClock
) -> None:
    callout_id = await _a_posted_call_out(db, clock)
    # nothing changed since it was queued:
    assert await _refresh(db, callout_id, clock) is Refresh.NOTHING
    await seed_volunteer(db, 1, "Wang")
    await go(db, 1, callout_id, clock, chat_id=-1001)
    assert await _refresh(db, callout_id, clock) is Refresh.QUEUED
    [post] = await _post_sends(db, callout_id)  # the pending post itself now says it is full
    assert "已确认 1 人" in post.payload["text"] and "名额已满" in post.payload["text"]


async def test_after_a_restart_only_a_post_that_changed_is_edited_and_only_once(
    db: Database, clock: FrozenClock
) -> None:
    """A sent post keeps no text in the outbox: what it shows is on the call-out's row. A new
    refresher (a restart, a new lease holder) looks at every live call-out once, and edits
    nothing that still shows what it should."""
    await seed_leader(db)
    team = await seed_team(db, "Patrol", [])
    await set_group_chat(db, team, -1001)
    first, second = [
        (await create_and_deliver(db, clock.now(), everyone=False, team_ids=(team,), needed=1))[0]
        for _ in range(2)
    ]
    await _the_sender_sent_the_posts(db)

    assert await CardRefresher(db, clock, [group_posts(CONFIG)]).refresh_changed() == 0
    await seed_volunteer(db, 1, "Wang")
    await go(db, 1, second, clock, chat_id=-1001)
    restarted = CardRefresher(db, clock, [group_posts(CONFIG)])
    assert await restarted.refresh_changed() == 1
    assert await CardRefresher(db, clock, [group_posts(CONFIG)]).refresh_changed() == 0

    assert [p.method for p in await _post_sends(db, first)] == ["send_message"]
    [_, edit] = await _post_sends(db, second)
    assert edit.method == "edit_message_text" and edit.payload["message_id"] == 500
    assert "已确认 1 人" in edit.payload["text"]


async def _refresh(db: Database, callout_id: int, clock: FrozenClock) -> Refresh:
    async with db.session() as session:
        return await refresh_posts(session, callout_id, now=clock.now(), display=DISPLAY)


async def _post_sends(db: Database, callout_id: int) -> list[OutboxMessage]:
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.topic == f"callout-group:{callout_id}")
            .order_by(OutboxMessage.id)
        )
        return list(rows.all())


async def _the_sender_sent_the_posts(db: Database) -> None:
    """As the sender leaves a sent row: its message id kept, its content dropped."""
    async with db.session() as session:
        await session.exec(
            update(OutboxMessage)
            .where(OutboxMessage.topic.startswith("callout-group:"))
            .values(state=OutboxState.SENT, sent_message_id=500, payload={})
        )
