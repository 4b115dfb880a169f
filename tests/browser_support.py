"""Headless Chromium for the dashboard's browser tests: Debian's ``chromium`` driven by
Playwright for Python (never a browser Playwright downloads)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}  # a common phone's viewport, in CSS pixels


def chromium_path() -> str | None:
    """The system's Chromium: ``$MUSTER_CHROMIUM``, else ``chromium`` on the PATH."""
    configured = os.environ.get("MUSTER_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def why_no_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "no Chromium here (apt-get install chromium, or set MUSTER_CHROMIUM)"
    return None


def board_url(base: str, data: str, query: str = "", theme: dict[str, str] | None = None) -> str:
    """The board's address as a Telegram client opens it: initData (and the client's theme)
    in the fragment."""
    fragment = f"tgWebAppData={quote(data, safe='')}&tgWebAppVersion=8.0"
    if theme:
        fragment += f"&tgWebAppThemeParams={quote(json.dumps(theme), safe='')}"
    return f"{base}/dashboard/{'?' + query if query else ''}#{fragment}"
