"""What every handler and job needs, built once per application."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.group_commit import GroupCommit
from bot.i18n import Translator
from bot.observability.bot_api import BotApiReach
from bot.outbox.cards import CardRefresher
from bot.outbox.sender import OutboxSender
from bot.recovery import Recovery
from bot.replicas.keeper import LeaseKeeper
from bot.services.display import Display
from models.db import Database


@dataclass
class Runtime:
    config: Config
    db: Database
    clock: Clock
    sender: OutboxSender | None = field(default=None)  # only on the lease holder
    card_refresher: CardRefresher | None = field(default=None)  # beside the sender
    lease_keeper: LeaseKeeper | None = field(default=None)
    # Where the sender runs in another process: tells it new messages are waiting.
    wake_holder: Callable[[], None] | None = field(default=None)
    bot_username: str = ""
    # The due-work tick's failures and recoveries (it runs on the lease holder only).
    due_work: Recovery = field(
        default_factory=lambda: Recovery(
            "the due-work scheduler", logging.getLogger("bot.scheduler"), max_wait=60.0
        )
    )

    # Whether fetching updates from the Bot API fails (``/healthz``'s ``telegram``).
    bot_api: BotApiReach = field(default_factory=BotApiReach)
    # Presses waiting for the same call-out, handled together (``handlers.press_batches``).
    group_commit: GroupCommit[Any, Any] = field(default_factory=GroupCommit)

    @property
    def display(self) -> Display:
        """The display settings, built from the config as it is now (it is cheap, and a
        change to the config, as tests make, shows at once)."""
        return Display.from_config(self.config)

    def translator(self, language: str) -> Translator:
        return Translator(language, self.config.bot.zone)

    def wake_card_refresher(self) -> None:
        """A press marked a card stale; on another replica the refresher's own look finds
        it within ``bot.outbox.cards.SPACING_SECONDS``."""
        if self.card_refresher is not None:
            self.card_refresher.wake()

    def wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()
        elif self.wake_holder is not None:
            self.wake_holder()
