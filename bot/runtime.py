"""What every handler and job needs, built once per application."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Config
from bot.i18n import Translator
from bot.outbox.sender import OutboxSender
from models.db import Database


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    sender: OutboxSender | None = field(default=None)
    bot_username: str = ""

    def translator(self, language: str) -> Translator:
        return Translator(language, self.config.bot.zone)

    def wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()
