"""The ``getUpdates`` queue with Telegram's long-polling semantics."""

from __future__ import annotations

import itertools
from typing import Any

from . import errors
from .errors import ApiError
from .state import Notifier

JSON = dict[str, Any]

#: Update types Telegram does not send unless explicitly listed in ``allowed_updates``.
NOT_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_type(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    """Pending updates; delivered until confirmed by a later ``offset``."""

    def __init__(self, first_update_id: int = 1) -> None:
        self._pending: list[JSON] = []
        self._ids = itertools.count(first_update_id)
        self._notifier = Notifier()
        self._generation = 0
        self.allowed_updates: frozenset[str] | None = None
        self.history: list[JSON] = []
        self.closed = False

    def push(self, body: JSON) -> JSON:
        """Queue ``{"message": ...}``-style ``body``; returns it with its ``update_id``."""
        update = {"update_id": next(self._ids), **body}
        self._pending.append(update)
        self.history.append(update)
        self._notifier.notify()
        return update

    def redeliver(self, update: JSON) -> None:
        """Deliver an update again as it was, same ``update_id``: what Telegram does when the
        bot died before a later ``offset`` confirmed it."""
        self._pending.append(update)
        self._notifier.notify()

    @property
    def pending(self) -> list[JSON]:
        return list(self._pending)

    def clear(self) -> None:
        self._pending.clear()

    def close(self) -> None:
        """Release every waiting long poll (used on server shutdown)."""
        self.closed = True
        self._notifier.notify()

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        else:
            self._pending = self._pending[offset:]

    def _allowed(self, update: JSON) -> bool:
        kind = update_type(update)
        if self.allowed_updates is None:
            return kind not in NOT_DEFAULT
        return kind in self.allowed_updates

    def _batch(self, limit: int) -> list[JSON]:
        # Telegram never stores updates of types the bot did not ask for.
        self._pending = [u for u in self._pending if self._allowed(u)]
        return self._pending[:limit]

    async def get(
        self,
        *,
        offset: int | None,
        limit: int,
        poll_timeout: float,
        allowed_updates: list[str] | None,
    ) -> list[JSON]:
        """Long-poll for updates; a newer call ends an older one with 409 Conflict."""
        self._generation += 1
        generation = self._generation
        self._notifier.notify()  # wake (and terminate) an older poll
        if allowed_updates is not None:
            self.allowed_updates = frozenset(allowed_updates) if allowed_updates else None
        self._confirm(offset)
        limit = min(max(limit, 1), 100)

        superseded = False

        def ready() -> list[JSON] | bool:
            nonlocal superseded
            if generation != self._generation:
                superseded = True
                return True
            return self._batch(limit) or self.closed

        await self._notifier.wait_for(ready, max(0.0, poll_timeout))
        if superseded:
            raise ApiError(409, errors.GET_UPDATES_CONFLICT)
        return self._batch(limit)
