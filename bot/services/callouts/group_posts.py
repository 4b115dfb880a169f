"""A call-out's posts in its teams' group chats, kept current like the roster card: its time,
its counts, and whether it is full or over (a live card of ``bot.routes.LIVE_CARDS``).

A press marks the posts stale by moving the call-out's ``revision``; the card refresher then
edits each post at most once every few seconds. What each post last showed is kept on the
call-out's row (``group_posts_shown``: a fingerprint by chat, written with the send or edit it
stands for, under the row's lock), like the roster card's ``roster_shown``: so a start, or a
new lease holder, edits only the posts that changed, and nothing is kept in memory.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.outbox.cards import CardPlace, LiveCards, Refresh, Rendered, bring_up_to_date
from bot.services.callouts.roster import LIVE_AFTER_END
from bot.services.callouts.views import CalloutView, Display, group_post
from models import Callout, CalloutResponse, OutboxMessage
from models.callouts import CalloutStatus, ResponseState
from models.db import locked_row


def post_topic(callout_id: int) -> str:
    return f"callout-group:{callout_id}"


def post_key(callout_id: int, chat_id: int) -> str:
    """The post's send and its refreshes share it: a refresh of a post not yet sent (quiet
    hours) replaces what it will say."""
    return f"group-post:{callout_id}:{chat_id}"


async def post_revisions(session: AsyncSession, *, now: datetime) -> dict[int, int]:
    """The call-outs with group posts still worth keeping current, and their ``revision``."""
    rows = await session.exec(
        select(Callout.id, Callout.revision).where(
            Callout.post_in_team_groups,
            Callout.delivered_at.is_not(None),
            (Callout.status == CalloutStatus.OPEN) | (Callout.closed_at >= now - LIVE_AFTER_END),
        )
    )
    return {callout_id: revision for callout_id, revision in rows.all() if callout_id is not None}


def shown_in(chat_id: int, rendered: Rendered) -> dict[str, str]:
    """``group_posts_shown``'s entry for a post in ``chat_id`` showing ``rendered``."""
    return {str(chat_id): rendered.fingerprint()}


async def refresh_posts(
    session: AsyncSession, callout_id: int, *, now: datetime, display: Display
) -> Refresh:
    """Bring the call-out's group posts up to date: ``LATER`` when a post is being sent
    right now (the others are still brought up to date)."""
    callout = await locked_row(session, Callout, callout_id)
    if callout is None:
        return Refresh.NOTHING
    waiting = await session.scalar(
        select(func.count()).where(
            CalloutResponse.callout_id == callout_id,
            CalloutResponse.state == ResponseState.WAITING,
        )
    )
    rendered = group_post(display, CalloutView.of(callout), waiting or 0)
    shown = dict(callout.group_posts_shown or {})
    done: set[Refresh] = set()
    for chat_id in await _posted_in(session, callout_id):
        placed = await bring_up_to_date(
            session,
            CardPlace(chat_id, shown=shown.get(str(chat_id))),
            rendered,
            topic=post_topic(callout_id),
            coalesce_key=post_key(callout_id, chat_id),
            now=now,
        )
        if isinstance(placed, Refresh):
            done.add(placed)
        else:
            shown |= shown_in(chat_id, rendered)
            done.add(Refresh.QUEUED)
    if Refresh.QUEUED in done:
        callout.group_posts_shown = shown
    if Refresh.LATER in done:
        return Refresh.LATER
    return Refresh.QUEUED if Refresh.QUEUED in done else Refresh.NOTHING


async def _posted_in(session: AsyncSession, callout_id: int) -> list[int]:
    """The chats the call-out was posted in."""
    rows = await session.exec(
        select(OutboxMessage.chat_id)
        .where(
            OutboxMessage.topic == post_topic(callout_id),
            OutboxMessage.method == "send_message",
        )
        .distinct()
        .order_by(OutboxMessage.chat_id)
    )
    return list(rows.all())


def group_posts(config: Config) -> LiveCards:
    """The group posts, for the card refresher."""
    display = Display.from_config(config)
    return LiveCards(
        "group-posts",
        lambda session, now: post_revisions(session, now=now),
        lambda session, callout_id, now: refresh_posts(
            session, callout_id, now=now, display=display
        ),
    )
