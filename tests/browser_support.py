"""Headless Chromium for the dashboard's browser tests: Debian's ``chromium`` driven by
Playwright for Python (never a browser Playwright downloads), and Telegram's initData signed
with the bot token as a Telegram client would hand it to the Mini App."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import time
from pathlib import Path
from urllib.parse import quote, urlencode

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


def init_data(
    token: str,
    user_id: int,
    first_name: str,
    *,
    language: str = "en",
    auth_date: int | None = None,
) -> str:
    """initData as Telegram gives it to a Mini App: the query string with its ``hash``,
    HMAC-SHA256 keyed with HMAC-SHA256("WebAppData", token) over the sorted fields."""
    user = {"id": user_id, "first_name": first_name, "language_code": language}
    fields = {
        "auth_date": str(auth_date if auth_date is not None else int(time.time())),
        "query_id": f"AAH{user_id}",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def board_url(base: str, data: str) -> str:
    """The board's address as a Telegram client opens it: initData in the fragment."""
    return f"{base}/dashboard/#tgWebAppData={quote(data, safe='')}&tgWebAppVersion=8.0"
