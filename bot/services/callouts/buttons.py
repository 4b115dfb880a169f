"""The call-out buttons' callback data. Parsing checks only the shape: each press is checked
again by the service (the presser's registration, or their leader role)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.button_data import PRIVATE_OR_GROUPS, BadCallbackData, CallbackData

NO_ETA = 0
ETA_CHOICES = (15, 30, 60)  # minutes, offered on emergencies


@dataclass(frozen=True)
class GoPress(CallbackData):
    """I'll go (with an arrival estimate in minutes, or ``NO_ETA``)."""

    prefix = "cgo"
    chats = PRIVATE_OR_GROUPS  # also on the posts in team group chats
    callout_id: int
    eta: int = NO_ETA


@dataclass(frozen=True)
class DeclinePress(CallbackData):
    prefix = "cno"
    chats = PRIVATE_OR_GROUPS
    callout_id: int


@dataclass(frozen=True)
class WithdrawPress(CallbackData):
    """Take me off: ``was`` is the state the button was shown for ("confirmed" or
    "waiting"), so an old button never withdraws someone whose answer has since changed."""

    prefix = "cwd"
    callout_id: int
    was: str


@dataclass(frozen=True)
class KeepPress(CallbackData):
    """Of two call-outs at the same time, keep ``keep_id`` and withdraw from ``drop_id``."""

    prefix = "ckp"
    keep_id: int
    drop_id: int


class RosterAction(StrEnum):
    REFRESH = "refresh"
    REMIND = "remind"
    WIDEN = "widen"
    CLOSE = "close"
    CANCEL = "cancel"  # asks to confirm first
    CANCEL_CONFIRMED = "cancel_yes"
    EXPORT = "export"
    CHANGE_TIME = "time"  # opens the form that changes the start and end
    QR = "qr"  # the check-in QR code to put up at the site
    HOURS = "hours"  # opens the form that corrects a volunteer's hours
    NAMES = "names"  # the full list of names, as messages


@dataclass(frozen=True)
class RosterPress(CallbackData):
    """A button on the leader's roster card."""

    prefix = "crs"
    callout_id: int
    action: str

    @property
    def kind(self) -> RosterAction:
        try:
            return RosterAction(self.action)
        except ValueError:
            raise BadCallbackData() from None


@dataclass(frozen=True)
class StillComingPress(CallbackData):
    """Yes on a reminder before the start ("still coming?")."""

    prefix = "cyes"
    callout_id: int


@dataclass(frozen=True)
class CheckInPress(CallbackData):
    """Check in on a reminder before the start."""

    prefix = "cci"
    callout_id: int


@dataclass(frozen=True)
class OpenCard(CallbackData):
    """From the ``/callouts`` list: show this call-out's roster card."""

    prefix = "cop"
    callout_id: int
