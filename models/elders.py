"""Door-knock rounds (幸福来敲门): the elderly people cared for, their visits, alerts and the
duty rota. Every deadline is a column here, so the scheduler can pick up after a restart."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, ForeignKey, Index, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from models.types import TelegramId, UTCDateTime


def enum_text(enum: type[StrEnum], length: int) -> SAEnum:
    """A ``StrEnum`` stored as its short text (a VARCHAR, not a database enum type, so
    adding a member needs no migration) and handed back as the enum member."""
    return SAEnum(
        enum,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class RoundKind(StrEnum):
    SCHEDULED = "scheduled"
    EXTRA = "extra"  # /round_now: a heat wave, a storm


class VisitStatus(StrEnum):
    PENDING = "pending"
    WELL = "well"
    NEEDS_HELP = "needs_help"
    NO_ANSWER = "no_answer"
    MISSED = "missed"  # the window passed without an answer


class AlertReason(StrEnum):
    MISSED = "missed"
    NO_ANSWER = "no_answer"
    NEEDS_HELP = "needs_help"


class AlertOutcome(StrEnum):
    VISITED_WELL = "visited_well"
    PHONE_WELL = "phone_well"
    FAMILY_INFORMED = "family_informed"
    AMBULANCE_CALLED = "ambulance_called"


class EscalationStep(StrEnum):
    REMINDER = "reminder"  # the visitor
    BACKUP = "backup"  # the backup visitor
    LEADER = "leader"  # the team's leader
    DUTY = "duty"  # whoever is on duty
    HELP_LEADER = "help_leader"  # "needs help": the team's leader at once
    HELP_DUTY = "help_duty"  # "needs help": the duty officer at once


class Shift(StrEnum):
    DAY = "day"
    NIGHT = "night"


class Elder(SQLModel, table=True):
    """Someone living alone whom a care team visits. Removal blanks the private fields and
    keeps the row, so past visits and service hours still add up."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    compound: str = Field(default="", max_length=64)
    # Private (visitors, their team's leader, administrators): the rest of the address,
    # the phone and the notes.
    building: str = Field(default="", max_length=32)
    room: str = Field(default="", max_length=32)
    phone: str = Field(default="", max_length=32)
    health_notes: str = Field(default="", max_length=500)
    risk_notes: str = Field(default="", max_length=500)
    team_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("team.id", ondelete="SET NULL"), index=True)
    )
    primary_visitor_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("volunteer.id", ondelete="SET NULL"), index=True),
    )
    backup_visitor_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("volunteer.id", ondelete="SET NULL"), index=True),
    )
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ElderContact(SQLModel, table=True):
    """An emergency contact (family): private like the elder's phone."""

    __tablename__ = "elder_contact"

    id: int | None = Field(default=None, primary_key=True)
    elder_id: int = Field(
        sa_column=Column(ForeignKey("elder.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    position: int = 0
    name: str = Field(max_length=64)
    phone: str = Field(default="", max_length=32)
    telegram_id: int | None = Field(default=None, sa_type=TelegramId)


class ElderVisitTime(SQLModel, table=True):
    """One daily visit: a local time of day (HH:MM) and the minutes allowed to confirm it."""

    __tablename__ = "elder_visit_time"

    elder_id: int = Field(
        sa_column=Column(ForeignKey("elder.id", ondelete="CASCADE"), primary_key=True)
    )
    slot: str = Field(primary_key=True, max_length=5, index=True)
    window_minutes: int


class Round(SQLModel, table=True):
    """One round time: scheduled (a local date and slot, once ever, DST or not) or extra."""

    __table_args__ = (UniqueConstraint("kind", "local_date", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: RoundKind = Field(sa_type=enum_text(RoundKind, 12))
    local_date: date = Field(sa_type=Date)
    slot: str | None = Field(default=None, max_length=5)  # None for an extra round
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_late: bool = False  # the bot was down at the round time
    created_by: int | None = Field(default=None, sa_type=TelegramId)


class Visit(SQLModel, table=True):
    """One elder to be seen in one round, by one visitor, confirmed within a window."""

    __table_args__ = (
        UniqueConstraint("round_id", "elder_id"),
        Index("ix_visit_open", "status", "window_ends_at"),
        Index("ix_visit_prompt", "round_id", "visitor_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(ForeignKey("round.id", ondelete="CASCADE"), nullable=False)
    )
    elder_id: int = Field(
        sa_column=Column(ForeignKey("elder.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    team_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("team.id", ondelete="SET NULL"), index=True)
    )
    visitor_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("volunteer.id", ondelete="SET NULL"))
    )
    backup_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("volunteer.id", ondelete="SET NULL"))
    )
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    window_ends_at: datetime = Field(sa_type=UTCDateTime)
    status: VisitStatus = Field(default=VisitStatus.PENDING, sa_type=enum_text(VisitStatus, 12))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by: int | None = Field(default=None, sa_type=TelegramId)
    answered_late: bool = False


class Alert(SQLModel, table=True):
    """A visit that needs someone to act: missed, no answer at the door, or help needed."""

    __table_args__ = (
        Index("ix_alert_due", "closed_at", "next_step_at"),
        Index("ix_alert_remind", "closed_at", "remind_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(
        sa_column=Column(
            ForeignKey("visit.id", ondelete="CASCADE"), unique=True, index=True, nullable=False
        )
    )
    reason: AlertReason = Field(sa_type=enum_text(AlertReason, 12))
    opened_at: datetime = Field(sa_type=UTCDateTime)
    next_step: EscalationStep | None = Field(default=None, sa_type=enum_text(EscalationStep, 16))
    next_step_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    description: str | None = Field(default=None, max_length=1000)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, sa_type=TelegramId)
    outcome: AlertOutcome | None = Field(default=None, sa_type=enum_text(AlertOutcome, 24))
    # Once the escalation has run its course, an alert nobody closed is sent again to whoever
    # holds it then, every ``[rounds] alert_repeat_minutes``; ``reminders`` counts them.
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminders: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class AlertStep(SQLModel, table=True):
    """One escalation step, written in the same transaction as its message: never twice."""

    __tablename__ = "alert_step"
    __table_args__ = (UniqueConstraint("alert_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(
        sa_column=Column(ForeignKey("alert.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    step: EscalationStep = Field(sa_type=enum_text(EscalationStep, 16))
    recipient_telegram_id: int | None = Field(default=None, sa_type=TelegramId)  # None: nobody
    at: datetime = Field(sa_type=UTCDateTime)


class AlertNotice(SQLModel, table=True):
    """Someone an alert was sent to and asked to act: the holder of a step, a last resort
    (a community leader or administrator) when a step had nobody to hold it, or a holder
    reminded while the alert stays open. ``step`` is the capacity they were asked in."""

    __tablename__ = "alert_notice"
    __table_args__ = (UniqueConstraint("alert_id", "reminder", "telegram_id"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(
        sa_column=Column(ForeignKey("alert.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    telegram_id: int = Field(sa_type=TelegramId)
    step: EscalationStep = Field(sa_type=enum_text(EscalationStep, 16))
    last_resort: bool = Field(default=False)
    reminder: int = Field(default=0)  # 0: the step's own message; n: the n-th reminder
    at: datetime = Field(sa_type=UTCDateTime)


class DutyShift(SQLModel, table=True):
    """The weekly duty pattern: a weekday (0 = Monday) and its day or night shift."""

    __tablename__ = "duty_shift"

    weekday: int = Field(primary_key=True)
    shift: Shift = Field(primary_key=True, sa_type=enum_text(Shift, 5))
    volunteer_id: int = Field(
        sa_column=Column(ForeignKey("volunteer.id", ondelete="CASCADE"), nullable=False)
    )
    set_by: int = Field(sa_type=TelegramId)
    set_at: datetime = Field(sa_type=UTCDateTime)


class DutyException(SQLModel, table=True):
    """A date where the pattern does not hold: someone else, or nobody (``volunteer_id`` None)."""

    __tablename__ = "duty_exception"

    on_date: date = Field(sa_type=Date, primary_key=True)
    shift: Shift = Field(primary_key=True, sa_type=enum_text(Shift, 5))
    volunteer_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    )
    set_by: int = Field(sa_type=TelegramId)
    set_at: datetime = Field(sa_type=UTCDateTime)


class DutyReminder(SQLModel, table=True):
    """A duty shift's holder has been reminded that it is about to start (once each)."""

    __tablename__ = "duty_reminder"

    on_date: date = Field(sa_type=Date, primary_key=True)
    shift: Shift = Field(primary_key=True, sa_type=enum_text(Shift, 5))
    volunteer_id: int = Field(
        sa_column=Column(
            ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    sent_at: datetime = Field(sa_type=UTCDateTime)


class RoundsMark(SQLModel, table=True):
    """How far the round planner has looked: round times up to ``at`` are planned."""

    __tablename__ = "rounds_mark"

    name: str = Field(primary_key=True, max_length=24)
    at: datetime = Field(sa_type=UTCDateTime)


class TeamDaySummary(SQLModel, table=True):
    """A care team's daily summary was sent for this local date (so it is sent once)."""

    __tablename__ = "team_day_summary"

    team_id: int = Field(
        sa_column=Column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    )
    local_date: date = Field(sa_type=Date, primary_key=True)
    sent_at: datetime = Field(sa_type=UTCDateTime)
