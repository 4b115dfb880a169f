"""callout: what each of its group posts last showed (kept on the row, not in memory)

Revision ID: e5b7c9d1f3a2
Revises: c4d1e8f2a6b3
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b7c9d1f3a2"
down_revision: str | None = "c4d1e8f2a6b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("callout") as batch:
        batch.add_column(
            sa.Column("group_posts_shown", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("callout") as batch:
        batch.drop_column("group_posts_shown")
