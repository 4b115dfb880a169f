"""health probe: a row /healthz writes to prove the database takes writes

Revision ID: b4d2e61c7a90
Revises: 27f8f1b66722
Create Date: 2026-12-03 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "b4d2e61c7a90"
down_revision: str | None = "27f8f1b66722"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_probe",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("probed_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_health_probe")),
    )


def downgrade() -> None:
    op.drop_table("health_probe")
