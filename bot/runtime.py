"""What every handler and job needs, built once per application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Config
from bot.i18n import Translator
from bot.leadership import Leadership
from bot.outbox.sender import OutboxSender
from models.db import Database


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    sender: OutboxSender | None = field(default=None)  # only on the lease holder
    leadership: Leadership | None = field(default=None)
    # Where the sender runs in another process: tells it new messages are waiting.
    wake_holder: Callable[[], None] | None = field(default=None)
    bot_username: str = ""

    def translator(self, language: str) -> Translator:
        return Translator(language, self.config.bot.zone)

    def wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()
        elif self.wake_holder is not None:
            self.wake_holder()
