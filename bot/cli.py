"""The ``muster`` command (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError

from bot import __version__
from bot.config import TOKEN_ENV, Config, ConfigError, load_config
from bot.config_init import ask_setup, write_config
from bot.data_transfer.backup import backup_sqlite
from bot.data_transfer.files import TransferError
from bot.data_transfer.transfer import Summary, export_database, import_database
from bot.i18n import LANGUAGES, text
from bot.menus import menu_update
from bot.observability.logs import configure_logging
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.services import roles
from bot.services.roles import RoleChange
from models.db import Database
from models.migrate import make_revision, upgrade

if TYPE_CHECKING:
    from bot.context import MusterApplication

EXIT_USAGE = 2
STARTUP_PROBE = "start-up"  # the write probe's row for the check before anything starts
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
log = logging.getLogger("muster")


class StartupError(Exception):
    """Muster cannot start; the message is one line for the operator."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="muster",
        description="Muster: community volunteer dispatch on Telegram.",
        epilog=f"The bot token from @BotFather is read from {TOKEN_ENV} (which wins) or from "
        "[telegram] token in the config; only `muster run` needs it. First time: `muster init` "
        "writes config.toml, then `muster run`.",
    )
    root.add_argument("--version", action="version", version=f"muster {__version__}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser(
        "init",
        help="write a config file, asking for the token, community name, timezone, language",
        description="Write a new config file. What is not given as an option is asked for.",
    )
    init.add_argument(
        "--config", default="config.toml", help="the file to write (default config.toml)"
    )
    init.add_argument("--token", help=f"the bot token from @BotFather (or leave it to {TOKEN_ENV})")
    init.add_argument("--name", help="the community's name, shown to residents")
    init.add_argument("--timezone", help="IANA timezone (default Asia/Shanghai)")
    init.add_argument("--language", choices=LANGUAGES, help="default language (default zh)")

    run = commands.add_parser(
        "run",
        help="start the bot (long polling or webhook, as configured)",
        description="Start the bot. On PostgreSQL several may run (webhook mode): one sends and "
        "schedules, the others take over if it dies. On SQLite a second one is refused.",
    )
    _config_option(run)
    run.add_argument(
        "--log-level", default="INFO", type=str.upper, choices=LOG_LEVELS, help="default INFO"
    )

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    _config_option(db_commands.add_parser("upgrade", help="apply the schema migrations"))
    revision = db_commands.add_parser(
        "revision", help="(developers) write a migration for what the models changed"
    )
    _config_option(revision)
    revision.add_argument("-m", "--message", required=True, help="what the migration does")

    admin = commands.add_parser("admin", help="administrators")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    add = admin_commands.add_parser(
        "add",
        help="make someone who has written to the bot an administrator, by @username",
        description="Make the person with this Telegram @username an administrator. They must "
        "have written to the bot (e.g. /start) with that username first. They are told in "
        "the chat once the bot runs.",
    )
    _config_option(add)
    add.add_argument("username", help="their Telegram @username")

    backup = commands.add_parser(
        "backup", help="copy the SQLite database to a file, safely while the bot runs"
    )
    export = commands.add_parser(
        "export", help="write all the data to a portable archive (SQLite or PostgreSQL)"
    )
    for command in (backup, export):
        _config_option(command)
        command.add_argument("--output", required=True, type=Path, help="the file to write")
    load = commands.add_parser("import", help="read an export into a new, empty database")
    _config_option(load)
    load.add_argument("--input", required=True, type=Path, help="the export to read")
    return root


def _config_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--config", default="config.toml", help="path to the TOML config (default config.toml)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "init":
            return _init(args)
        # Only `run` talks to Telegram; the offline commands need no token.
        config = load_config(args.config, need_token=args.command == "run")
        configure_logging(_log_level(args), config.observability.log_format)
        return _command(args, config)
    except (ConfigError, StartupError, TransferError) as error:
        print(f"muster: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (EOFError, KeyboardInterrupt):
        print("muster: stopped before it was done", file=sys.stderr)
        return EXIT_USAGE


def _init(args: argparse.Namespace) -> int:
    path = Path(args.config)
    if path.exists():
        raise StartupError(f"{path} exists already; edit it, or give --config another file")
    answers = ask_setup(
        token=args.token, name=args.name, timezone=args.timezone, language=args.language
    )
    try:
        write_config(path, answers)
    except OSError as error:
        raise StartupError(f"cannot write {path}: {error.strerror or error}") from None
    print(f"wrote {path}; now run: muster run --config {path}")
    return 0


def _log_level(args: argparse.Namespace) -> str:
    """``run`` as asked; ``db`` tells the migrations it applies; the one-shot copies print
    their own one-line result, so only warnings beside it."""
    if args.command == "run":
        return str(args.log_level)
    return "INFO" if args.command == "db" else "WARNING"


def _command(args: argparse.Namespace, config: Config) -> int:
    if args.command == "db" and args.db_command == "revision":
        asyncio.run(_revision(config, args.message))
    elif args.command == "db":
        asyncio.run(_upgrade(config))
        print("database is up to date")
    elif args.command == "admin":
        change = asyncio.run(_add_admin(config, args.username))
        if change.changed:
            print(f"{change.first_name} (Telegram id {change.telegram_id}) is now an administrator")
        else:
            print(f"{change.first_name} (Telegram id {change.telegram_id}) was an administrator")
    elif args.command == "backup":
        size = backup_sqlite(config.database.url, args.output)
        print(f"backed up the database to {args.output} ({size} bytes)")
    elif args.command == "export":
        _require_database_file(config)
        summary = asyncio.run(_with_database(config, export_database, args.output))
        print(f"exported {summary.total} rows to {args.output}")
    elif args.command == "import":
        summary = asyncio.run(_with_database(config, import_database, args.input))
        print(f"imported {summary.total} rows from {args.input}")
    else:
        _run(config)
    return 0


async def _upgrade(config: Config) -> None:
    db = Database(config.database.url)
    try:
        await db.ping()
        await upgrade(db)
    except (SQLAlchemyError, OSError) as error:
        raise StartupError(f"cannot open the database {_safe_url(db)}: {_reason(error)}") from None
    try:  # a read-only or immutable file, or a full disk, still answers reads
        await db.probe_write(STARTUP_PROBE, datetime.now(UTC))
    except (SQLAlchemyError, OSError) as error:
        raise StartupError(
            f"cannot write to the database {_safe_url(db)}: {_reason(error)}"
        ) from None
    finally:
        await db.dispose()


async def _revision(config: Config, message: str) -> None:
    await _upgrade(config)
    db = Database(config.database.url)
    try:
        await make_revision(db, message)
    finally:
        await db.dispose()


async def _with_database(
    config: Config, action: Callable[[Database, Path], Awaitable[Summary]], path: Path
) -> Summary:
    """``export_database`` or ``import_database`` on the configured database."""
    db = Database(config.database.url)
    try:
        await db.ping()
        return await action(db, path)
    except (SQLAlchemyError, OSError) as error:
        raise StartupError(f"database {_safe_url(db)}: {_reason(error)}") from None
    finally:
        await db.dispose()


async def _add_admin(config: Config, username: str) -> RoleChange:
    """Grant the role and queue the notice and the new menu in one transaction; the running
    bot sends them."""
    db = Database(config.database.url)
    now = datetime.now(UTC)
    try:
        await db.ping()
        async with db.session() as session:
            change = await roles.make_admin_by_username(session, username=username, now=now)
            if change.changed:
                notice = text(
                    change.language, "roles.you_are_admin", community=config.community.name
                )
                message = Outgoing.message(change.telegram_id, notice, priority=PRIORITY_NOTICE)
                # The running bot sends both: the administrator's menu (and board button) too.
                menu = menu_update(change.telegram_id, change.role, change.language)
                await enqueue(session, now, [message, menu])
        return change
    except roles.UsernameNotFound as missing:
        if missing.found:
            raise StartupError(
                f"{missing.found} accounts have written to the bot as @{missing.username}: "
                "name the right one's Telegram id in [bot] admins instead"
            ) from None
        raise StartupError(
            f"nobody has written to the bot as @{missing.username}: ask them to send it /start "
            "first (while there is no administrator yet, `muster run` also logs a claim link)"
        ) from None
    except (SQLAlchemyError, OSError) as error:
        raise StartupError(f"database {_safe_url(db)}: {_reason(error)}") from None
    finally:
        await db.dispose()


def _require_database_file(config: Config) -> None:
    """Reading a SQLite database that was never created would create an empty one."""
    url = make_url(config.database.url)
    file = url.database if url.drivername.startswith("sqlite") else None
    if file and file != ":memory:" and not Path(file).is_file():
        raise StartupError(f"no database at {file}: nothing to export (has `muster run` started?)")


def _run(config: Config) -> None:
    from bot.app import build_application  # imports the whole bot; not needed for `db`
    from bot.observability.server import EndpointUnavailable
    from bot.replicas.keeper import AnotherProcessServes

    # Preflight: Telegram accepts the token and the database answers, or one line says why;
    # the migrations say nothing unless something is wrong.
    asyncio.run(_check_token(config))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    asyncio.run(_upgrade(config))
    if config.has_example_name:
        log.warning(
            "[community] name is still the example's (%r): residents see it in every greeting; "
            "set your community's name in the config",
            config.community.name,
        )
    application = build_application(config)
    telegram = config.telegram
    try:
        if telegram.mode == "webhook":
            _run_webhook(application, config)
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except (EndpointUnavailable, AnotherProcessServes) as error:
        raise StartupError(str(error)) from None


def _run_webhook(application: MusterApplication, config: Config) -> None:
    """Telegram POSTs updates to ``webhook_url``; served here at that URL's path, each request
    checked for the secret token (PTB answers 403 to one without it)."""
    telegram = config.telegram
    try:
        application.run_webhook(
            listen=telegram.webhook_listen,
            port=telegram.webhook_port,
            url_path=urlsplit(telegram.webhook_url).path.lstrip("/"),
            webhook_url=telegram.webhook_url,
            secret_token=telegram.webhook_secret.get_secret_value(),
            allowed_updates=Update.ALL_TYPES,
        )
    except OSError as error:
        raise StartupError(
            f"cannot listen on {telegram.webhook_listen}:{telegram.webhook_port} for the "
            f"webhook: {error.strerror or error}"
        ) from None


async def _check_token(config: Config) -> None:
    bot = Bot(
        config.token,
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
    )
    try:
        await bot.get_me()
    except InvalidToken:
        raise StartupError(
            f"Telegram refused the bot token (check [telegram] token or {TOKEN_ENV})"
        ) from None
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
