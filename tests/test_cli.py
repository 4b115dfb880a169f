"""The `muster` command: one clear line and exit code 2 for every startup problem."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.fake_telegram import FakeTelegram

PYTHON = sys.executable


async def muster(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "bot",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def config_file(tmp_path: Path, *, token: str, base: str, db: str | None = None) -> Path:
    database = db or f"sqlite+aiosqlite:///{tmp_path / 'muster.db'}"
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{token}"\nbase_url = "{base}/bot"\n'
        f'base_file_url = "{base}/file/bot"\n[database]\nurl = "{database}"\n',
        encoding="utf-8",
    )
    return path


async def test_help_lists_the_subcommands() -> None:
    code, out, _ = await muster("--help")
    assert code == 0
    assert "run" in out and "db" in out


async def test_missing_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, _, err = await muster("run", "--config", str(tmp_path / "nope.toml"))
    assert code == 2
    assert err.strip().count("\n") == 0 and "config file not found" in err


async def test_malformed_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[telegram\n", encoding="utf-8")
    code, _, err = await muster("run", "--config", str(path))
    assert code == 2
    assert "not valid TOML" in err and "Traceback" not in err


async def test_unreachable_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = config_file(
        tmp_path,
        token="1:a",
        base="http://127.0.0.1:9",
        db="postgresql+asyncpg://nobody@127.0.0.1:1/none",
    )
    code, _, err = await muster("run", "--config", str(path))
    assert code == 2
    assert "cannot open the database" in err and "Traceback" not in err


async def test_refused_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    async with FakeTelegram(token="123456:TEST") as telegram:
        path = config_file(tmp_path, token="999:WRONG", base=telegram.url)
        code, _, err = await muster("run", "--config", str(path))
    assert code == 2
    assert "refused the bot token" in err
    assert "Traceback" not in err


async def test_unreachable_bot_api_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = config_file(tmp_path, token="1:a", base="http://127.0.0.1:9")
    code, _, err = await muster("run", "--config", str(path))
    assert code == 2
    assert "cannot reach the Bot API" in err and "Traceback" not in err
