"""A call-out's posts in team group chats follow it: counts, full, over; in the community's
language; a post still waiting to go out is rewritten, never sent twice."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import CommunityConfig
from bot.services.callouts.group_posts import Shown, refresh_posts
from bot.services.callouts.views import CalloutView, Display, group_post
from models import Callout, OutboxMessage
from models.callouts import CalloutStatus
from models.db import Database
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import DISPLAY, create_and_deliver, go, seed_leader, set_group_chat

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
    shown: Shown = {}
    async with db.session() as session:  # nothing changed since it was queued
        assert not await refresh_posts(
            session, callout_id, now=clock.now(), display=DISPLAY, shown=shown
        )
    await seed_volunteer(db, 1, "Wang")
    await go(db, 1, callout_id, clock, chat_id=-1001)
    async with db.session() as session:
        assert await refresh_posts(
            session, callout_id, now=clock.now(), display=DISPLAY, shown=shown
        )
    async with db.session() as session:
        posts = (
            await session.exec(
                select(OutboxMessage).where(OutboxMessage.topic == f"callout-group:{callout_id}")
            )
        ).all()
    [post] = posts  # the pending post itself now says it is full
    assert "已确认 1 人" in post.payload["text"] and "名额已满" in post.payload["text"]
