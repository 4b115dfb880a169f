"""Alembic environment. Muster runs migrations on a connection it hands over
(``config.attributes["connection"]``), the asyncio recipe from Alembic's cookbook."""

from __future__ import annotations

from alembic import context

import models  # noqa: F401  (registers the tables)
from models.base import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `muster db upgrade`, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
