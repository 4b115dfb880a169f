"""intake: updates stored before Telegram is told they arrived

Revision ID: c4d1e8f2a6b3
Revises: d4a1c7e5b2f8
Create Date: 2026-12-03 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "c4d1e8f2a6b3"
down_revision: str | None = "d4a1c7e5b2f8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("received_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handled_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index(
        op.f("ix_intake_update_handled_at"), "intake_update", ["handled_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_update_handled_at"), table_name="intake_update")
    op.drop_table("intake_update")
