"""Questions volunteers asked through the bot: what they typed, which leader it went to, and
whether it was answered, so that nothing asked is lost (``bot.services.questions``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Text
from sqlmodel import Field, SQLModel

from models.types import TelegramId, UTCDateTime

QUESTION_MAX = 1000  # characters kept of what the volunteer typed


class Question(SQLModel, table=True):
    """A message a volunteer typed outside any form. Until they choose a leader it is a draft
    (``sent_at`` NULL); then it waits for the leader's reply (``answered_at``)."""

    __tablename__ = "question"
    __table_args__ = (Index("ix_question_leader_open", "leader_telegram_id", "answered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    asker_telegram_id: int = Field(sa_column=Column(TelegramId, nullable=False, index=True))
    asker_message_id: int  # their message in their chat with the bot: the answer replies to it
    text: str = Field(sa_column=Column(Text, nullable=False))
    leader_telegram_id: int | None = Field(default=None, sa_type=TelegramId)
    callout_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("callout.id", ondelete="SET NULL"))
    )
    team_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("team.id", ondelete="SET NULL"))
    )
    asked_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
