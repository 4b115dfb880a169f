"""alert notices and reminders

Everyone an alert is sent to (a step's holder, a last resort, a reminded holder) gets a row in
``alert_notice``; an open alert keeps the time of its next reminder.

Revision ID: b7e2a4c91d03
Revises: b7e4c2a91d05
Create Date: 2026-12-03 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "b7e2a4c91d03"
down_revision: str | None = "b7e4c2a91d05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STEPS = ("reminder", "backup", "leader", "duty", "help_leader", "help_duty")


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table: on SQLite, dropping the old ``alert`` table
    # would cascade to its steps).
    op.add_column(
        "alert", sa.Column("remind_at", models.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("alert", sa.Column("reminders", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_alert_remind", "alert", ["closed_at", "remind_at"], unique=False)
    # Alerts left open by the version before, past their last step, are reminded at once.
    op.execute(
        "UPDATE alert SET remind_at = opened_at WHERE closed_at IS NULL AND next_step IS NULL"
    )
    op.create_table(
        "alert_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "step",
            sa.Enum(*STEPS, name="escalationstep", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("last_resort", sa.Boolean(), nullable=False),
        sa.Column("reminder", sa.Integer(), nullable=False),
        sa.Column("at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert.id"],
            name=op.f("fk_alert_notice_alert_id_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_notice")),
        sa.UniqueConstraint(
            "alert_id", "reminder", "telegram_id", name=op.f("uq_alert_notice_alert_id")
        ),
    )
    with op.batch_alter_table("alert_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_notice_alert_id"), ["alert_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_notice_alert_id"))
    op.drop_table("alert_notice")
    op.drop_index("ix_alert_remind", table_name="alert")
    op.drop_column("alert", "reminders")  # plain DROP COLUMN: no copy of the table, as above
    op.drop_column("alert", "remind_at")
