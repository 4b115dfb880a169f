"""Choosing a person without knowing their Telegram id: a reply button opens Telegram's own
chooser (``KeyboardButtonRequestUsers``) and the person picked comes back as a
``users_shared`` message, whose ``request_id`` says what they were picked for (typed here,
parsed in one place, like callback data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.outbox.queue import reply_keyboard

PURPOSES = ("promote", "demote", "team_leader", "team_member")
PURPOSE_STEP = 10_000_000  # request_id = (purpose + 1) * step + team id: a signed 32-bit int


@dataclass(frozen=True)
class PersonRequest:
    """What a person is being chosen for (and for which team)."""

    purpose: str
    team_id: int = 0

    def pack(self) -> int:
        if not 0 <= self.team_id < PURPOSE_STEP:
            raise ValueError("team id out of range")
        return (PURPOSES.index(self.purpose) + 1) * PURPOSE_STEP + self.team_id

    @classmethod
    def unpack(cls, value: int) -> PersonRequest | None:
        purpose, team_id = divmod(value, PURPOSE_STEP)
        if not 1 <= purpose <= len(PURPOSES):
            return None
        return cls(PURPOSES[purpose - 1], team_id)


def choose_person_keyboard(label: str, request: PersonRequest) -> dict[str, Any]:
    """A one-time reply keyboard whose button opens Telegram's chooser of one person."""
    button = {
        "text": label,
        "request_users": {
            "request_id": request.pack(),
            "user_is_bot": False,
            "max_quantity": 1,
            "request_name": True,
        },
    }
    return reply_keyboard([[button]])
