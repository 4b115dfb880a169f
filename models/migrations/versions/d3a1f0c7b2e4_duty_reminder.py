"""duty_reminder: each duty shift's holder is reminded once before it starts

Revision ID: d3a1f0c7b2e4
Revises: c3d9a7e51f20
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "d3a1f0c7b2e4"
down_revision: str | None = "c3d9a7e51f20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duty_reminder",
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column(
            "shift", sa.Enum("day", "night", name="shift", native_enum=False), nullable=False
        ),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_duty_reminder_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("on_date", "shift", "volunteer_id", name=op.f("pk_duty_reminder")),
    )


def downgrade() -> None:
    op.drop_table("duty_reminder")
