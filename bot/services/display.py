"""The display settings every area renders with (call-outs, announcements and their cards):
one object built from the config, rather than each area reading the whole ``Config``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo

from bot.config import CalloutsConfig, CommunityConfig, Config
from bot.i18n import Translator


@dataclass(frozen=True)
class Display:
    """How texts are shown: the community's timezone and skills, and the language of group
    chats (where there is no single recipient); and the community's call-out settings
    (escalation waves, reminders, check-in), which the card and the due work follow."""

    zone: tzinfo
    community: CommunityConfig
    group_language: str
    callouts: CalloutsConfig = field(default_factory=CalloutsConfig)
    board_url: str | None = None  # the leaders' board (a Mini App), when it is on

    @classmethod
    def from_config(cls, config: Config) -> Display:
        board = config.dashboard.url if config.dashboard.enabled else None
        return cls(
            config.bot.zone,
            config.community,
            config.bot.default_language,
            config.callouts,
            board,
        )

    def translator(self, language: str) -> Translator:
        return Translator(language, self.zone)
