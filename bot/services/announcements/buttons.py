"""The announcement buttons' callback data. Parsing checks only the shape: the service checks
every press again (that the presser received the announcement, or is a leader)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.button_data import BadCallbackData, CallbackData


@dataclass(frozen=True)
class GotIt(CallbackData):
    """A recipient's "Got it"."""

    prefix = "bok"
    announcement_id: int


class CardAction(StrEnum):
    REFRESH = "refresh"
    REMIND = "remind"  # those who have not pressed "Got it"
    EDIT = "edit"  # a pending one: opens the form again
    WITHDRAW = "withdraw"  # a pending one


@dataclass(frozen=True)
class CardPress(CallbackData):
    """A button on the sender's status card."""

    prefix = "bcard"
    announcement_id: int
    action: str

    @property
    def kind(self) -> CardAction:
        try:
            return CardAction(self.action)
        except ValueError:
            raise BadCallbackData() from None
