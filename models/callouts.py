"""Call-outs ("we need 50 volunteers for vaccination duty") and each volunteer's answer.

The database keeps the promises: ``confirmed`` is a counter changed only by conditional
UPDATEs, and a CHECK forbids it to pass ``needed``, so no interleaving of presses can overbook;
one volunteer has at most one answer per call-out (unique key), and at most one place in its
waiting line (unique queue number).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import Json, TelegramId, UTCDateTime


class CalloutStatus(StrEnum):
    # "Full" is not a status: it is ``confirmed = needed``, kept in one place only.
    OPEN = "open"
    CLOSED = "closed"  # no more answers taken; the confirmed keep their places
    CANCELLED = "cancelled"


class Urgency(StrEnum):
    NORMAL = "normal"
    EMERGENCY = "emergency"


class SkillMatch(StrEnum):
    ANY = "any"
    ALL = "all"


class ResponseState(StrEnum):
    INVITED = "invited"  # asked, no answer yet
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # was confirmed or waiting, then took themselves off


class Callout(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("needed IS NULL OR confirmed <= needed", name="confirmed_within_needed"),
        CheckConstraint("confirmed >= 0", name="confirmed_not_negative"),
        CheckConstraint("needed IS NULL OR needed > 0", name="needed_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_callout_status_starts", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    place: str = Field(default="", max_length=200)
    latitude: float | None = None
    longitude: float | None = None
    template: str = Field(default="other", max_length=24)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    needed: int | None = None  # None: as many as possible
    confirmed: int = 0
    # Queue numbers handed out to the waiting line; taking one locks the row (see filling).
    waiting_issued: int = 0
    # Bumped by every change of an answer: the roster card is stale when it moved.
    revision: int = 0

    # Who is asked.
    skills: list[str] = Field(default_factory=list, sa_type=Json)
    skill_match: SkillMatch = Field(default=SkillMatch.ANY, sa_type=String(8))
    team_ids: list[int] = Field(default_factory=list, sa_type=Json)
    compounds: list[str] = Field(default_factory=list, sa_type=Json)
    party_only: bool = False
    everyone: bool = False
    post_in_team_groups: bool = True

    response_deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    urgency: Urgency = Field(default=Urgency.NORMAL, sa_type=String(16))
    status: CalloutStatus = Field(default=CalloutStatus.OPEN, sa_type=String(16))
    created_by: int = Field(sa_type=TelegramId)
    created_at: datetime = Field(sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # The leader's roster card: where it is, and what it last showed.
    roster_chat_id: int | None = Field(default=None, sa_type=TelegramId)
    roster_message_id: int | None = None
    roster_shown: str | None = Field(default=None, max_length=64)
    # Its posts in team group chats: what each last showed, by chat id (see group_posts).
    group_posts_shown: dict[str, str] = Field(default_factory=dict, sa_type=Json)

    # Escalation waves (widen, remind, tell the leader), run by the scheduler: ``wave`` is the
    # number of waves run; each run is claimed by a conditional UPDATE on it, so a wave runs
    # once however many processes look. ``waves_done`` is what each did, for the roster card.
    wave: int = 0
    next_wave_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    waves_done: list[dict[str, Any]] = Field(default_factory=list, sa_type=Json)

    # The check-in deep link's code (``/start ci_<code>``), made when a leader first asks for
    # the QR code to put up at the site.
    checkin_code: str | None = Field(default=None, max_length=32, unique=True)


class CalloutResponse(SQLModel, table=True):
    __tablename__ = "callout_response"
    __table_args__ = (
        UniqueConstraint("callout_id", "volunteer_id", name="uq_callout_response_volunteer"),
        UniqueConstraint("callout_id", "queue_number", name="uq_callout_response_queue"),
        Index("ix_callout_response_state", "callout_id", "state"),
        CheckConstraint(
            "eta_minutes IS NULL OR eta_minutes BETWEEN 1 AND 1440", name="eta_in_range"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    callout_id: int = Field(sa_column=Column(ForeignKey("callout.id", ondelete="CASCADE")))
    volunteer_id: int = Field(
        sa_column=Column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    )
    state: ResponseState = Field(default=ResponseState.INVITED, sa_type=String(16))
    eta_minutes: int | None = None
    invited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When a freed place went to them from the waiting line (the leader is told of it).
    promoted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    queue_number: int | None = None  # order in the waiting line; None when not waiting
    # The reminder before the start last sent (minutes before the start): each is sent once.
    start_reminder_minutes: int | None = None
    checked_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    check_in_latitude: float | None = None
    check_in_longitude: float | None = None
