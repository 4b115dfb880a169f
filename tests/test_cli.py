"""The `muster` command: one clear line and exit code 2 for every startup problem."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot import __version__
from bot.config import TOKEN_ENV, load_config
from tests.fake_telegram import FakeTelegram

PYTHON = sys.executable


async def muster(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "bot",
        *args,
        stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    feed = None if stdin is None else stdin.encode()
    out, err = await asyncio.wait_for(process.communicate(feed), 60)
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
    async with FakeTelegram(token="123456:TEST") as telegram:
        path = config_file(
            tmp_path,
            token="123456:TEST",
            base=telegram.url,
            db="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        )
        code, _, err = await muster("run", "--config", str(path))
    assert code == 2
    assert "cannot open the database" in err and "Traceback" not in err
    assert err.strip().count("\n") == 0


async def test_refused_token_is_one_line_and_exit_2_before_the_database_is_touched(
    tmp_path: Path,
) -> None:
    async with FakeTelegram(token="123456:TEST") as telegram:
        path = config_file(tmp_path, token="999:WRONG", base=telegram.url)
        code, _, err = await muster("run", "--config", str(path))
    assert code == 2
    assert err.strip().count("\n") == 0 and "refused the bot token" in err
    assert not (tmp_path / "muster.db").exists()  # checked before migrating


async def test_unreachable_bot_api_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = config_file(tmp_path, token="1:a", base="http://127.0.0.1:9")
    code, _, err = await muster("run", "--config", str(path))
    assert code == 2
    assert err.strip().count("\n") == 0 and "cannot reach the Bot API" in err
    assert not (tmp_path / "muster.db").exists()


async def test_version_and_help_name_the_token_variable() -> None:
    code, out, _ = await muster("--version")
    assert (code, out.strip()) == (0, f"muster {__version__}")
    code, out, _ = await muster("--help")
    assert code == 0 and TOKEN_ENV in out and "init" in out


async def test_run_without_a_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = config_file(tmp_path, token="", base="http://127.0.0.1:9")
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    code, _, err = await muster("run", "--config", str(path), env=env)
    assert code == 2
    assert err.strip().count("\n") == 0 and "no bot token" in err and TOKEN_ENV in err


async def test_offline_commands_need_no_token(tmp_path: Path) -> None:
    path = config_file(tmp_path, token="", base="http://127.0.0.1:9")
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    assert (await muster("db", "upgrade", "--config", str(path), env=env))[0] == 0
    backup = tmp_path / "backup.db"
    assert (await muster("backup", "--config", str(path), "--output", str(backup), env=env))[0] == 0
    export = tmp_path / "export.zip"
    assert (await muster("export", "--config", str(path), "--output", str(export), env=env))[0] == 0
    other = tmp_path / "other"
    other.mkdir()
    target = config_file(other, token="", base="http://127.0.0.1:9")
    code, out, err = await muster(
        "import", "--config", str(target), "--input", str(export), env=env
    )
    assert code == 0, err
    assert "imported" in out


async def test_export_of_a_database_never_created_leaves_no_file(tmp_path: Path) -> None:
    path = config_file(tmp_path, token="", base="http://127.0.0.1:9")
    output = tmp_path / "export.zip"
    code, _, err = await muster("export", "--config", str(path), "--output", str(output))
    assert code == 2
    assert err.strip().count("\n") == 0 and "no database at" in err
    assert not output.exists() and not (tmp_path / "muster.db").exists()


async def test_sqlite_and_postgresql_urls_without_a_driver_are_taken_with_the_async_one(
    tmp_path: Path,
) -> None:
    path = config_file(tmp_path, token="", base="http://127.0.0.1:9", db="sqlite:///plain.db")
    code, out, err = await muster("db", "upgrade", "--config", str(path))
    assert (code, out.strip()) == (0, "database is up to date"), err
    assert (tmp_path / "plain.db").is_file()
    path = config_file(
        tmp_path, token="", base="http://127.0.0.1:9", db="postgresql://nobody@127.0.0.1:1/none"
    )
    code, _, err = await muster("db", "upgrade", "--config", str(path))
    assert code == 2
    assert err.strip().count("\n") == 0 and "postgresql+asyncpg://nobody@127.0.0.1:1/none" in err


async def test_an_unsupported_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = config_file(tmp_path, token="1:a", base="http://127.0.0.1:9", db="mysql://x@h/db")
    code, _, err = await muster("run", "--config", str(path))
    assert code == 2
    assert err.strip().count("\n") == 0 and "mysql is not supported" in err


async def test_pacing_faster_than_telegram_allows_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\ntoken = "1:a"\n[outbox]\nglobal_per_second = 100\n')
    code, _, err = await muster("run", "--config", str(path))
    assert code == 2
    assert err.strip().count("\n") == 0 and "more than Telegram allows (30 a second)" in err


async def test_init_writes_a_config_from_four_answers_and_never_overwrites(tmp_path: Path) -> None:
    answers = "123456:ABC-def\n\nRiverside 河畔社区\nMars/Olympus\nEurope/Berlin\nen\n"
    code, _, err = await muster("init", "--config", str(tmp_path / "config.toml"), stdin=answers)
    assert code == 0, err
    assert "cannot be empty" in err and "not an IANA timezone" in err  # asked again
    config = load_config(tmp_path / "config.toml", environ={})
    assert config.token == "123456:ABC-def"
    assert config.community.name == "Riverside 河畔社区"
    assert (config.bot.timezone, config.bot.default_language) == ("Europe/Berlin", "en")
    assert config.bot.admins == []

    code, _, err = await muster("init", "--config", str(tmp_path / "config.toml"), stdin="")
    assert code == 2
    assert err.strip().count("\n") == 0 and "exists already" in err


async def test_init_refuses_an_unusable_option_in_one_line(tmp_path: Path) -> None:
    code, _, err = await muster(
        "init", "--config", str(tmp_path / "c.toml"), "--timezone", "Mars/Olympus", stdin=""
    )
    assert code == 2
    assert err.strip().count("\n") == 0 and "not an IANA timezone" in err
    assert not (tmp_path / "c.toml").exists()
