"""The application factory: one configured PTB ``Application`` with Muster's services."""

from __future__ import annotations

import logging
from typing import Literal

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import SERVICES_KEY, MusterApplication, MusterContext
from bot.i18n import LANGUAGES, text
from bot.outbox.sender import OutboxSender, SenderLimits
from bot.routes import register_routes
from bot.runtime import Services
from bot.scheduler import schedule_due_work
from bot.update_processor import PerUserUpdateProcessor
from models.db import Database
from models.migrate import upgrade

log = logging.getLogger(__name__)

Schema = Literal["migrate", "create_all"]
MENU_COMMANDS = ("start", "help", "profile", "language", "pause", "resume", "leave")


def build_application(
    config: Config,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    schema: Schema = "migrate",
) -> MusterApplication:
    """Build the bot. ``schema`` says how the database is prepared at start: by the Alembic
    migrations (deployments) or by creating the tables directly (tests of a fresh database)."""
    services = Services(config, db or Database(config.database.url), clock or SystemClock())

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        if schema == "migrate":
            await upgrade(services.db)
        else:
            await services.db.create_all()
        services.bot_username = app.bot.username
        services.sender = OutboxSender(
            services.db, app.bot, services.clock, SenderLimits.from_config(config.outbox)
        )
        await services.sender.start()
        await _publish_commands(app)
        schedule_due_work(app, config.scheduler.tick_seconds)

    async def post_stop(app: Application) -> None:  # type: ignore[type-arg]
        if services.sender is not None:
            await services.sender.stop()

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        await services.db.dispose()

    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .context_types(ContextTypes(context=MusterContext))
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    register_routes(application)
    return application  # type: ignore[return-value]


async def _publish_commands(app: Application) -> None:  # type: ignore[type-arg]
    """The menu of commands in private chats, in both languages."""
    for language in LANGUAGES:
        commands = [BotCommand(c, text(language, f"commands.{c}")) for c in MENU_COMMANDS]
        await app.bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(), language_code=language
        )
