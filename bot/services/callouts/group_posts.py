"""A call-out's posts in its teams' group chats, kept current like the roster card: its time,
its counts, and whether it is full or over (a live card of ``bot.routes.LIVE_CARDS``).

A press marks the posts stale by moving the call-out's ``revision``; the card refresher then
edits each post at most once every few seconds. What a post shows is the text still waiting in
the outbox, or else what this process last queued for it (kept in memory, as the refresher's
own state: a sent row keeps no content). Unknown after a start: the post is edited once then,
which Telegram answers "not modified" when nothing changed (harmless to the sender).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.outbox.cards import CardPlace, LiveCards, Rendered, bring_up_to_date
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


Shown = dict[tuple[int, int], str]  # (call-out, chat) -> fingerprint of what was queued


async def refresh_posts(
    session: AsyncSession, callout_id: int, *, now: datetime, display: Display, shown: Shown
) -> bool:
    """Bring the call-out's group posts up to date; True when an edit was queued."""
    callout = await locked_row(session, Callout, callout_id)
    if callout is None:
        return False
    waiting = await session.scalar(
        select(func.count()).where(
            CalloutResponse.callout_id == callout_id,
            CalloutResponse.state == ResponseState.WAITING,
        )
    )
    rendered = group_post(display, CalloutView.of(callout), waiting or 0)
    queued = False
    for chat_id, waiting_text in (await _posts(session, callout_id)).items():
        key = (callout_id, chat_id)
        placed = await bring_up_to_date(
            session,
            CardPlace(chat_id, shown=waiting_text or shown.get(key)),
            rendered,
            topic=post_topic(callout_id),
            coalesce_key=post_key(callout_id, chat_id),
            now=now,
        )
        shown[key] = rendered.fingerprint()  # queued now, or already waiting to be sent
        queued = queued or placed is not None
    return queued


async def _posts(session: AsyncSession, callout_id: int) -> dict[int, str | None]:
    """Each chat the call-out was posted in, with the fingerprint of the text its newest send
    or edit still waits to be sent with (None once sent: a sent row keeps no content)."""
    newest = (
        select(func.max(OutboxMessage.id))
        .where(OutboxMessage.topic == post_topic(callout_id))
        .group_by(OutboxMessage.chat_id)
    )
    rows = await session.exec(
        select(OutboxMessage.chat_id, OutboxMessage.payload).where(OutboxMessage.id.in_(newest))
    )
    return {
        chat_id: Rendered(payload["text"], payload.get("reply_markup")).fingerprint()
        if "text" in payload
        else None
        for chat_id, payload in rows.all()
    }


def group_posts(config: Config) -> LiveCards:
    """The group posts, for the card refresher."""
    display = Display.from_config(config)
    shown: Shown = {}
    return LiveCards(
        "group-posts",
        lambda session, now: post_revisions(session, now=now),
        lambda session, callout_id, now: refresh_posts(
            session, callout_id, now=now, display=display, shown=shown
        ),
    )
