"""Quiet hours: routine messages wait for the morning.

A message enqueued with ``routine=True`` (reminders, summaries, the monthly report,
non-emergency call-outs) is not sent while the community's quiet hours last (``[community]
quiet_hours_start`` to ``quiet_hours_end``, 22:00 to 07:00 by default, in the community's
timezone); it stays pending in the outbox and goes when they end. The flag is stored with the
message, so a restart in the night changes nothing. Replies to a person's own action, alerts and
emergencies are never routine and never wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from bot.config import CommunityConfig, Config


@dataclass(frozen=True)
class QuietHours:
    starts: time
    ends: time
    zone: tzinfo

    @classmethod
    def from_config(cls, config: Config) -> QuietHours:
        return cls.of(config.community, config.bot.zone)

    @classmethod
    def of(cls, community: CommunityConfig, zone: tzinfo) -> QuietHours:
        starts = time.fromisoformat(community.quiet_hours_start)
        return cls(starts, time.fromisoformat(community.quiet_hours_end), zone)

    def cover(self, instant: datetime) -> bool:
        """Whether ``instant`` falls in the quiet hours (none when start and end are equal)."""
        local = instant.astimezone(self.zone).time()
        if self.starts == self.ends:
            return False
        if self.starts < self.ends:
            return self.starts <= local < self.ends
        return local >= self.starts or local < self.ends

    def over_at(self, instant: datetime) -> datetime:
        """When a routine message enqueued at ``instant`` may go: the end of the quiet hours
        that cover it, else ``instant`` itself."""
        if not self.cover(instant):
            return instant
        local = instant.astimezone(self.zone)
        end = local.replace(hour=self.ends.hour, minute=self.ends.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(instant.tzinfo)

    def can_wait(self, now: datetime, needed_by: datetime) -> bool:
        """A message about something at ``needed_by`` may wait for the morning (be routine)
        only if the morning comes before it: a reminder or a call-out for 06:00 goes now."""
        return self.over_at(now) < needed_by
