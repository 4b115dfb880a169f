"""What a form sees while it runs: the unit of work, who is filling it in, their texts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.i18n import Translator
from bot.outbox.queue import REMOVE_KEYBOARD
from bot.services.accounts import Actor


@dataclass(frozen=True)
class FormEnv:
    """One update's worth of context; ``chat_id`` is the private chat the dialog lives in.
    While a dialog runs, ``context`` is its own extras (given to ``begin``), so that fields
    can offer choices loaded when it began (e.g. the teams that existed then). ``files``
    holds the contents of a document this update brought, by file id, when the open step
    reads files (fetched before the transaction began)."""

    session: AsyncSession
    config: Config
    t: Translator
    now: datetime
    actor: Actor
    context: Mapping[str, Any] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)
    # The keyboard to leave when the dialog ends (``bot.menus.home_keyboard``); none if unset.
    home: Callable[[], Awaitable[dict[str, Any]]] | None = None

    async def home_keyboard(self) -> dict[str, Any]:
        return await self.home() if self.home is not None else REMOVE_KEYBOARD

    @property
    def chat_id(self) -> int:
        return self.actor.telegram_id
