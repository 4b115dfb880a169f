"""The ``muster`` command (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError

from bot.config import Config, ConfigError, load_config
from models.db import Database
from models.migrate import make_revision, upgrade

EXIT_USAGE = 2
log = logging.getLogger("muster")


class StartupError(Exception):
    """Muster cannot start; the message is one line for the operator."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="muster", description="Muster: community volunteer dispatch on Telegram."
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="start the bot (long polling)")
    _config_option(run)
    run.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    _config_option(db_commands.add_parser("upgrade", help="apply the schema migrations"))
    revision = db_commands.add_parser(
        "revision", help="(developers) write a migration for what the models changed"
    )
    _config_option(revision)
    revision.add_argument("-m", "--message", required=True, help="what the migration does")
    return root


def _config_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--config", default="config.toml", help="path to the TOML config (default config.toml)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(args, "log_level", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        config = load_config(args.config)
        if args.command == "db" and args.db_command == "revision":
            asyncio.run(_revision(config, args.message))
            return 0
        if args.command == "db":
            asyncio.run(_upgrade(config))
            print("database is up to date")
            return 0
        return _run(config)
    except (ConfigError, StartupError) as error:
        print(f"muster: {error}", file=sys.stderr)
        return EXIT_USAGE


async def _upgrade(config: Config) -> None:
    db = Database(config.database.url)
    try:
        await db.ping()
        await upgrade(db)
    except (SQLAlchemyError, OSError) as error:
        raise StartupError(f"cannot open the database {_safe_url(db)}: {_reason(error)}") from None
    finally:
        await db.dispose()


async def _revision(config: Config, message: str) -> None:
    await _upgrade(config)
    db = Database(config.database.url)
    try:
        await make_revision(db, message)
    finally:
        await db.dispose()


def _run(config: Config) -> int:
    from bot.app import build_application  # imports the whole bot; not needed for `db`

    # Preflight: the database answers and Telegram accepts the token, or one line says why.
    asyncio.run(_upgrade(config))
    asyncio.run(_check_token(config))
    build_application(config).run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def _check_token(config: Config) -> None:
    bot = Bot(
        config.token,
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
    )
    try:
        await bot.get_me()
    except InvalidToken:
        raise StartupError("Telegram refused the bot token (check [telegram] token)") from None
    except NetworkError as error:
        raise StartupError(
            f"cannot reach the Bot API at {config.telegram.base_url}: {error.message}"
        ) from None
    finally:
        await bot.shutdown()


def _safe_url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=True)


def _reason(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return text[0] if text else type(error).__name__
