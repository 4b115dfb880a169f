"""A bot at rest holds no picture or spreadsheet library: matplotlib, Pillow and openpyxl are
loaded when a report, certificate, QR code or spreadsheet is made; nor Alembic, loaded when
there is a migration to run (idle memory, README)."""

from __future__ import annotations

import subprocess
import sys

# phonenumbers is loaded when a number is first read; PostgreSQL's dialect only on PostgreSQL;
# the leaders' board only when it is switched on.
HEAVY = (
    "matplotlib", "PIL", "openpyxl", "qrcode", "numpy", "alembic", "phonenumbers",
    "sqlalchemy.dialects.postgresql", "bot.dashboard.server",
)  # fmt: skip


def test_starting_the_bot_loads_no_picture_spreadsheet_or_migration_library() -> None:
    script = (
        "import sys\n"
        "from bot.app import build_application\n"
        "from bot.cli import main\n"
        "import bot.routes, bot.scheduler\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
