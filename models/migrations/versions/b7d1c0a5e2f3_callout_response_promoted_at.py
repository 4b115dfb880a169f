"""call-out answers remember when a place came from the waiting list

Revision ID: b7d1c0a5e2f3
Revises: c3d5e7f9a1b2
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "b7d1c0a5e2f3"
down_revision: str | None = "c3d5e7f9a1b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("callout_response") as batch:
        batch.add_column(
            sa.Column("promoted_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("callout_response") as batch:
        batch.drop_column("promoted_at")
