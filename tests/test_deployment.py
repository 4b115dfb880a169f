"""The deployment files README's "Running in production" points to: compose.yaml's bot config is
one Muster accepts (webhook mode behind the proxy, PostgreSQL), and the Dockerfile builds a
non-root image with the font, where a container engine answers (skipped otherwise: the build
downloads every wheel and takes minutes)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot import __version__
from bot.config import load_config

ROOT = Path(__file__).parent.parent
COMPOSE_ENV = {
    "MUSTER_DOMAIN": "bot.riverside.example",
    "MUSTER_WEBHOOK_SECRET": "s3cret-Token_42",
    "POSTGRES_PASSWORD": "pw-42",
    "MUSTER_COMMUNITY": "Riverside 河畔社区",
}


def compose_bot_config() -> str:
    """The inline ``configs: muster: content: |`` block, as Compose interpolates it."""
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    block = compose[compose.index("    content: |\n") :].splitlines()[1:]
    lines = []
    for line in block:
        if line.strip() and not line.startswith("      "):
            break
        lines.append(line[6:])
    return re.sub(
        r"\$\{(\w+)(:\?[^}]*)?\}", lambda m: COMPOSE_ENV[m.group(1)], "\n".join(lines) + "\n"
    )


def test_the_compose_bot_config_is_webhook_mode_on_postgresql_behind_the_proxy(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(compose_bot_config(), encoding="utf-8")
    config = load_config(path, environ={"MUSTER_TELEGRAM_TOKEN": "1:a"})
    telegram = config.telegram
    assert telegram.mode == "webhook" and telegram.is_telegrams_server
    assert telegram.webhook_url == "https://bot.riverside.example/telegram/updates"
    assert telegram.webhook_listen == "0.0.0.0"
    assert config.database.url == "postgresql+asyncpg://muster:pw-42@postgres:5432/muster"
    assert config.community.name == "Riverside 河畔社区" and config.bot.admins == []
    assert config.dashboard.enabled
    assert config.dashboard.url == "https://bot.riverside.example/dashboard/"
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    caddyfile = compose[compose.index("  proxy:\n    content: |\n") :]
    assert f"reverse_proxy muster:{telegram.webhook_port}" in caddyfile  # the webhook
    board = caddyfile[caddyfile.index("handle /dashboard*") :]  # the board, not /metrics
    assert f"reverse_proxy muster:{config.observability.metrics_port}" in board.split("}")[0]
    assert f"127.0.0.1:{config.observability.metrics_port}/healthz" in compose


def container_engine() -> str | None:
    for engine in ("docker", "podman"):
        found = shutil.which(engine)
        try:
            if (
                found
                and subprocess.run([found, "info"], capture_output=True, timeout=30).returncode == 0
            ):
                return found
        except subprocess.TimeoutExpired:
            continue
    return None


@pytest.mark.skipif(container_engine() is None, reason="no container engine answers here")
def test_the_dockerfile_builds_a_non_root_image_with_the_font() -> None:
    engine = container_engine()
    assert engine is not None
    tag = "muster-test:latest"
    subprocess.run([engine, "build", "-t", tag, str(ROOT)], check=True, timeout=1800)
    try:

        def in_image(*args: str, entrypoint: str | None = None) -> str:
            override = ["--entrypoint", entrypoint] if entrypoint else []
            return subprocess.run(
                [engine, "run", "--rm", *override, tag, *args],
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
            ).stdout.strip()

        assert in_image("--version") == f"muster {__version__}"
        assert in_image("-u", entrypoint="id") != "0"
        font = "from bot.services.reports.fonts import picture_font; print(picture_font().family)"
        assert in_image("-c", font, entrypoint="python") == "Noto Sans CJK SC"
    finally:
        subprocess.run([engine, "rmi", "-f", tag], capture_output=True)
