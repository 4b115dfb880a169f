"""Enumerations stored as short strings."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    LEADER = "leader"
    ADMIN = "admin"


class Party(StrEnum):
    NONE = "none"
    IN_SERVICE = "in_service"  # 在职党员 reporting to this community (双报到)
    OTHER = "other"  # retired or other party member


class Availability(StrEnum):
    WEEKDAY_DAYTIME = "weekday_day"
    WEEKDAY_EVENING = "weekday_evening"
    WEEKEND = "weekend"
    EMERGENCY = "emergency"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # permanently: blocked, deactivated, rejected or out of attempts
