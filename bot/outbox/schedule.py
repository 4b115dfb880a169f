"""Which message goes next: the sender's in-memory plan over the due rows it has loaded.

* Per chat, messages go out in the order they were enqueued (by id), one at a time, each paced
  by a token bucket (GCRA) counted from Telegram's answers, so that network jitter cannot bunch
  sends to one chat together: a chat earns a send every interval (1 s for a private chat,
  60/19 s for a group) and may save up a small burst (a few for a private chat, as Telegram
  allows; none for a group). So the two or three messages of one step of a conversation (an
  edit and the next question) go out at once, while a long run to one chat still goes at 1/s.
* Across chats, the chat whose most urgent message is most urgent goes first, ties by age: a
  reply to someone waiting (priority 0) does not queue behind a 3,000-message broadcast. If
  that person also has an older broadcast message pending, it goes first and the reply a
  second later, so their chat still reads in order.
* A message to retry (5xx, network error, 429) stays at the head of its chat and the chat rests
  until the retry is due, so later messages to that chat do not overtake it. (That hold lives
  here, in memory: after a restart, a later message may overtake one still in its backoff.)

Time is the event loop's monotonic clock, passed in.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Ticket:
    """A pending outbox row the sender knows of (its content is read when it is claimed)."""

    id: int
    chat_id: int
    priority: int


class Schedule:
    def __init__(self) -> None:
        self._queues: dict[int, list[Ticket]] = {}  # chat -> its tickets by id
        self._held: dict[int, Ticket] = {}  # id -> ticket waiting for its retry
        self._busy: set[int] = set()  # chats with a message claimed or in flight
        self._rest_until: dict[int, float] = {}
        self._earned_at: dict[int, float] = {}  # chat -> when its bucket is full again (GCRA)
        self._ready: list[tuple[int, int, int]] = []  # (priority, id, chat): a heap
        self._resting: list[tuple[float, int]] = []  # (until, chat): a heap

    def replace(self, tickets: Iterable[Ticket], now: float) -> None:
        """Start over from what the database says is due (plus the retries held here)."""
        queues: dict[int, list[Ticket]] = {}
        for ticket in {t.id: t for t in (*tickets, *self._held.values())}.values():
            queues.setdefault(ticket.chat_id, []).append(ticket)
        for queue in queues.values():
            queue.sort()
        self._queues = queues
        self._rest_until = {c: t for c, t in self._rest_until.items() if t > now}
        self._earned_at = {c: t for c, t in self._earned_at.items() if t > now}
        self._ready, self._resting = [], []
        for chat in queues:
            self._enlist(chat, now)
        heapq.heapify(self._ready)
        heapq.heapify(self._resting)

    def pick(self, now: float, limit: int) -> list[Ticket]:
        """Up to ``limit`` messages that may go now, most urgent first, one per chat; their
        chats are busy until :meth:`done`, :meth:`retry` or :meth:`forget`."""
        while self._resting and self._resting[0][0] <= now:
            _, chat = heapq.heappop(self._resting)
            self._enlist(chat, now, push=True)
        picked: list[Ticket] = []
        while self._ready and len(picked) < limit:
            priority, ticket_id, chat = heapq.heappop(self._ready)
            queue = self._queues.get(chat)
            if chat in self._busy or not queue or _key(queue) != (priority, ticket_id):
                continue  # a stale entry: the chat changed since it was listed
            if self._rest_until.get(chat, 0.0) > now:
                heapq.heappush(self._resting, (self._rest_until[chat], chat))
                continue
            ticket = queue.pop(0)
            if not queue:
                del self._queues[chat]
            self._held.pop(ticket.id, None)
            self._busy.add(chat)
            picked.append(ticket)
        return picked

    def next_ready_at(self) -> float | None:
        """When the first resting chat may send again (for the sender's idle wait)."""
        return self._resting[0][0] if self._resting else None

    def has_ready(self) -> bool:
        return bool(self._ready)

    def done(self, ticket: Ticket, now: float, rest: float, burst: int = 1) -> None:
        """The message is settled (sent, or failed for good): it cost its chat one send of a
        bucket that earns one every ``rest`` seconds and holds ``burst``; once the bucket is
        empty the chat rests until it has earned the next."""
        chat = ticket.chat_id
        earned_at = max(self._earned_at.get(chat, now), now) + rest
        self._earned_at[chat] = earned_at
        self._release(chat, earned_at - (max(burst, 1) - 1) * rest, now)

    def retry(self, ticket: Ticket, now: float, after: float) -> None:
        """The message goes again in ``after`` seconds, before anything later in its chat."""
        self._held[ticket.id] = ticket
        queue = self._queues.setdefault(ticket.chat_id, [])
        queue.insert(0, ticket)
        self._release(ticket.chat_id, now + after, now)

    def forget(self, tickets: Iterable[Ticket], now: float) -> None:
        """Picked, but no longer pending in the database (claimed by nobody): drop them."""
        for ticket in tickets:
            self._release(ticket.chat_id, now, now)

    def drop_chat(self, chat_id: int) -> None:
        """The chat is unreachable: nothing more goes to it."""
        self._busy.discard(chat_id)
        for ticket in self._queues.pop(chat_id, []):
            self._held.pop(ticket.id, None)
        self._rest_until.pop(chat_id, None)
        self._earned_at.pop(chat_id, None)

    def _release(self, chat: int, rest_until: float, now: float) -> None:
        self._busy.discard(chat)
        if rest_until > now:
            self._rest_until[chat] = rest_until
        self._enlist(chat, now, push=True)

    def _enlist(self, chat: int, now: float, *, push: bool = False) -> None:
        queue = self._queues.get(chat)
        if not queue or chat in self._busy:
            return
        until = self._rest_until.get(chat, 0.0)
        if until > now:
            entry_resting = (until, chat)
            if push:
                heapq.heappush(self._resting, entry_resting)
            else:
                self._resting.append(entry_resting)
            return
        entry = (*_key(queue), chat)
        if push:
            heapq.heappush(self._ready, entry)
        else:
            self._ready.append(entry)


def _key(queue: list[Ticket]) -> tuple[int, int]:
    """A chat's place across chats: its most urgent priority, then its oldest message."""
    return min(t.priority for t in queue), queue[0].id
