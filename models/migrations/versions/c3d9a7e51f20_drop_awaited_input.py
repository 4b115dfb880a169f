"""drop awaited_input

What a person's next message is taken as is now only ever an open dialog (``conversation``):
the import of the elders' spreadsheet and the description after "Needs help" are forms.

Revision ID: c3d9a7e51f20
Revises: b4d2e61c7a90
Create Date: 2026-12-03 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "c3d9a7e51f20"
down_revision: str | None = "b4d2e61c7a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("awaited_input")


def downgrade() -> None:
    op.create_table(
        "awaited_input",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("since", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visit.id"],
            name=op.f("fk_awaited_input_visit_id_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_awaited_input")),
    )
