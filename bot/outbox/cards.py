"""Cards: messages kept current by editing them in place (a call-out's roster card, an
announcement's status card).

What a card shows is fingerprinted, so that nothing is sent again when nothing changed. A card
goes out through the outbox, so its Telegram message id is known only once the sender has sent
it: the ``sent_message_id`` of the latest ``send_message`` of the card's topic to that chat.
``bring_up_to_date`` is the one way a card is refreshed, whatever it shows.

A press does not refresh a card: it only moves the card's row on (a version in the database,
e.g. a call-out's ``revision``), which marks the card stale. The ``CardRefresher`` (on the
process that runs the sender) looks for cards whose version moved and refreshes each, at most
once every ``SPACING_SECONDS``, however many presses came meanwhile. What it has refreshed is
kept in memory only: after a start, or on a new lease holder, its first pass refreshes every
live card (unchanged ones are left alone by the fingerprint), so nothing is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.tasks import cancel_and_wait
from models import OutboxMessage, OutboxState
from models.db import Database

log = logging.getLogger(__name__)

SPACING_SECONDS = 2.0  # a card is edited at most this often by the refresher


@dataclass(frozen=True)
class Rendered:
    """A message's content: HTML text and an optional inline keyboard."""

    html: str
    markup: dict[str, Any] | None

    def fingerprint(self) -> str:
        data = json.dumps([self.html, self.markup], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()


async def latest_send(session: AsyncSession, topic: str, chat_id: int) -> OutboxMessage | None:
    """The newest ``send_message`` of the card to ``chat_id``, whatever its state."""
    return (
        await session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.topic == topic,
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.method == "send_message",
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    ).first()


class Refresh(Enum):
    """What bringing a card up to date came to."""

    QUEUED = "queued"  # what it should show is queued: an edit, or its first send as it is now
    NOTHING = "nothing"  # it shows that already (or its send failed: nothing to edit)
    LATER = "later"  # its first send is going out right now: its message id is not known yet


@dataclass(frozen=True)
class CardPlace:
    """Where a card is and what it last showed, as its owner's row keeps them."""

    chat_id: int
    message_id: int | None = None  # once known (None: look at the card's latest send)
    shown: str | None = None  # the fingerprint of what it shows


async def bring_up_to_date(
    session: AsyncSession,
    place: CardPlace,
    rendered: Rendered,
    *,
    topic: str,
    coalesce_key: str,
    now: datetime,
    force: bool = False,
) -> CardPlace | Refresh:
    """Queue what the card should show now, unless it shows it already (``force``: even
    then). A card still waiting to be sent goes out as it is now; a sent one is edited; one
    being sent right now is left for later (``Refresh.LATER``), one that could not be sent
    alone. The new place, for the owner to keep, when something was queued. The caller holds
    the owner's row locked, so that an older rendering never wins."""
    fingerprint = rendered.fingerprint()
    if fingerprint == place.shown and not force:
        return Refresh.NOTHING
    message_id = place.message_id
    if message_id is None:
        send = await latest_send(session, topic, place.chat_id)
        if send is None or send.state == OutboxState.FAILED:
            return Refresh.NOTHING
        if send.state == OutboxState.SENDING:
            return Refresh.LATER
        message_id = send.sent_message_id  # None while it waits to be sent
    if message_id is not None:
        outgoing = Outgoing.edit(
            place.chat_id,
            message_id,
            rendered.html,
            rendered.markup,
            priority=PRIORITY_NOTICE,
            topic=topic,
        )
    else:
        outgoing = Outgoing.message(
            place.chat_id,
            rendered.html,
            rendered.markup,
            priority=PRIORITY_NOTICE,
            topic=topic,
            coalesce_key=coalesce_key,
        )
    await enqueue(session, now, [outgoing])
    return CardPlace(place.chat_id, message_id, fingerprint)


# -- the coalescing refresher ------------------------------------------------------------------


@dataclass(frozen=True)
class LiveCards:
    """One kind of card the refresher keeps current: ``versions`` lists the live cards and
    what each is at (a value that moves whenever what the card shows may have changed);
    ``refresh`` brings one up to date in the given transaction."""

    name: str
    versions: Callable[[AsyncSession, datetime], Awaitable[Mapping[int, object]]]
    refresh: Callable[[AsyncSession, int, datetime], Awaitable[Refresh]]


LiveCardsOf = Callable[[Config], LiveCards]  # a kind of card, set up for this community
_LIVE_CARDS: tuple[LiveCardsOf, ...] = ()


def use_live_cards(kinds: Iterable[LiveCardsOf]) -> None:
    """The kinds of card the refresher keeps current (``bot.routes.LIVE_CARDS``)."""
    global _LIVE_CARDS
    _LIVE_CARDS = tuple(kinds)


def live_cards(config: Config) -> list[LiveCards]:
    return [kind(config) for kind in _LIVE_CARDS]


class CardRefresher:
    """Refreshes the cards whose version moved: woken after a press (``wake``), and looking
    every ``spacing`` seconds anyway (a press handled by another replica does not wake it);
    after each pass it rests ``spacing`` seconds, so however fast presses come, a card is
    edited at most once in that time. Runs on the process that runs the sender."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        kinds: Sequence[LiveCards],
        spacing: float = SPACING_SECONDS,
    ) -> None:
        self.db = db
        self.clock = clock
        self.kinds = tuple(kinds)
        self.spacing = spacing
        self._seen: dict[tuple[str, int], object] = {}
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._woken.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="card-refresher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.spacing)
            self._woken.clear()
            try:
                await self.refresh_changed()
            except Exception as error:  # the database is away: the next pass tries again
                log.warning("refreshing cards failed: %s", type(error).__name__)
            await asyncio.sleep(self.spacing)

    async def refresh_changed(self) -> int:
        """One pass: every live card whose version moved since this refresher last brought
        it up to date; how many edits were queued. Each card in a transaction of its own. A
        card whose first send is going out right now is looked at again at the next pass,
        though its version does not move meanwhile."""
        now = self.clock.now()
        queued = 0
        for kind in self.kinds:
            async with self.db.session() as session:
                versions = await kind.versions(session, now)
            live = {(kind.name, card_id) for card_id in versions}
            for key in [key for key in self._seen if key[0] == kind.name and key not in live]:
                del self._seen[key]  # no longer live
            for card_id, version in versions.items():
                key = (kind.name, card_id)
                if key in self._seen and self._seen[key] == version:
                    continue  # shown as it is at this version
                async with self.db.session() as session:
                    done = await kind.refresh(session, card_id, now)
                queued += done is Refresh.QUEUED
                if done is not Refresh.LATER:
                    self._seen[key] = version
        return queued
