"""questions: what volunteers asked leaders through the bot

Revision ID: c3d5e7f9a1b2
Revises: d3a1f0c7b2e4
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "c3d5e7f9a1b2"
down_revision: str | None = "d3a1f0c7b2e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asker_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("asker_message_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("leader_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("callout_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["callout_id"], ["callout.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_question_asker_telegram_id", "question", ["asker_telegram_id"], unique=False
    )
    op.create_index(
        "ix_question_leader_open", "question", ["leader_telegram_id", "answered_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_question_leader_open", table_name="question")
    op.drop_index("ix_question_asker_telegram_id", table_name="question")
    op.drop_table("question")
