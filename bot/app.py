"""The application factory: one configured PTB ``Application`` with Muster's runtime."""

from __future__ import annotations

import logging
from typing import Literal, cast

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, ContextTypes

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import RUNTIME_KEY, MusterApplication, MusterContext
from bot.dashboard.entry import menu_button
from bot.i18n import LANGUAGES, text
from bot.intake import Intake, intake_bot
from bot.memory import release_freed_memory
from bot.menus import VOLUNTEER_COMMANDS, menu_commands
from bot.observability import metrics
from bot.observability.health import outbox_pending
from bot.observability.server import OperatorEndpoint
from bot.replicas.primary import lease_keeper_for, warn_if_polling_beside_another
from bot.routes import register_routes
from bot.runtime import Runtime
from bot.services import invites
from bot.services.roles import menu_holders
from bot.services.rounds.duty import coverage
from bot.update_processor import PerUserUpdateProcessor
from models.db import Database
from models.migrate import upgrade

log = logging.getLogger(__name__)

Schema = Literal["migrate", "create_all"]
# The menu every private chat shows: volunteers' commands (leaders get theirs: ``bot.menus``).
MENU_COMMANDS = VOLUNTEER_COMMANDS


def build_application(
    config: Config,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    schema: Schema = "migrate",
) -> MusterApplication:
    """Build the bot. ``schema`` says how the database is prepared at start: by the Alembic
    migrations (deployments) or by creating the tables directly (tests of a fresh database)."""
    runtime = Runtime(config, db or Database(config.database.url), clock or SystemClock())
    endpoint = OperatorEndpoint(runtime, config.observability)  # /healthz, /metrics; or none
    # Every update is stored before Telegram is told it arrived, and handled from there.
    intake = Intake(runtime.db, runtime.clock, polling=config.telegram.mode == "polling")

    async def post_init(app: MusterApplication) -> None:
        if schema == "migrate":
            await upgrade(runtime.db)
        else:
            await runtime.db.create_all()
        runtime.bot_username = app.bot.username
        await intake.start(app.bot)  # what a crash left unhandled goes first
        await _offer_admin_claim(runtime)
        # The sender and the scheduler run on one process of several: the lease holder. The
        # outbox knows nothing of the metrics: each send's outcome reaches them from here.
        runtime.lease_keeper = lease_keeper_for(
            app,
            runtime,
            config,
            report=metrics.outbox_outcome,
        )
        await runtime.lease_keeper.start()
        warn_if_polling_beside_another(runtime.lease_keeper, config)
        await _publish_commands(app)
        await _warn_about_alert_coverage(runtime)
        await _publish_personal_menus(app, runtime)
        await endpoint.start()
        release_freed_memory()  # what start-up needed once (idle memory, README)

    async def post_stop(app: MusterApplication) -> None:
        await _stop_serving()
        await _log_outbox_left(runtime.db)

    async def _stop_serving() -> None:
        """Health endpoint first (a balancer stops sending traffic), then the sender, which
        finishes the messages in flight and records what became of them."""
        await endpoint.stop()
        await intake.stop()
        if runtime.lease_keeper is not None:
            await runtime.lease_keeper.stop()  # the sender too; then the lease goes

    async def post_shutdown(app: MusterApplication) -> None:
        await _stop_serving()  # when start-up failed half-way, post_stop never ran
        await runtime.db.dispose()

    # the bot is our IntakeBot, an ExtBot: Application's generics are invariant in it
    application = cast(
        MusterApplication,
        ApplicationBuilder()
        .bot(
            intake_bot(
                intake,
                token=config.token,
                base_url=config.telegram.base_url,
                base_file_url=config.telegram.base_file_url,
            )
        )
        .context_types(ContextTypes(context=MusterContext))
        .update_queue(intake.queue)
        .concurrent_updates(PerUserUpdateProcessor(intake))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build(),
    )
    application.bot_data[RUNTIME_KEY] = runtime
    register_routes(application)
    return application


async def _warn_about_alert_coverage(runtime: Runtime) -> None:
    """Care teams without a leader and gaps in the duty rota, in the log at start-up (their
    alerts go to the last resort, every leader and administrator, until they are filled)."""
    async with runtime.db.session() as session:
        found = await coverage(session, config=runtime.config, now=runtime.clock.now())
    for team in found.teams_without_leader:
        log.warning(
            "care team without a leader: its alerts go to every leader and administrator",
            extra={"team": team},
        )
    if found.uncovered_shifts:
        log.warning(
            "duty rota gap in the week ahead: those alerts go to every leader and administrator",
            extra={
                "shifts": [
                    f"{day.isoformat()} {shift.value}" for day, shift in found.uncovered_shifts
                ]
            },
        )


async def _offer_admin_claim(runtime: Runtime) -> None:
    """No administrator yet: the operator is given the one-time link that makes one."""
    async with runtime.db.session() as session:
        claim = await invites.open_admin_claim(
            session, admins=runtime.config.bot.admins, now=runtime.clock.now()
        )
    if claim is not None:
        log.warning(
            "no administrator yet: whoever opens %s first becomes one (it works once, until %s "
            "UTC; or run `muster admin add @username`, or name Telegram user ids in [bot] admins)",
            claim.link(runtime.bot_username),
            claim.expires_at.strftime("%Y-%m-%d %H:%M"),
        )


async def _log_outbox_left(db: Database) -> None:
    try:
        pending = await outbox_pending(db)
    except Exception as error:  # stopping anyway; the count is only for the log
        log.warning("could not count the outbox on stop: %s", type(error).__name__)
        return
    log.info("stopped; messages left in the outbox for the next start", extra={"pending": pending})


async def _publish_commands(app: MusterApplication) -> None:
    """The menu of commands in private chats, in both languages."""
    for language in LANGUAGES:
        commands = [BotCommand(c, text(language, f"commands.{c}")) for c in MENU_COMMANDS]
        await app.bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(), language_code=language
        )


async def _publish_personal_menus(app: MusterApplication, runtime: Runtime) -> None:
    """Each leader's and administrator's own menu, and their menu button (the board, or
    Telegram's default); both follow role changes through the outbox; set again here for
    administrators named in the configuration, and so a change reaches everyone after an
    upgrade or a change of ``[dashboard]``."""
    board = runtime.config.dashboard  # its menu button (or the default, once it is off)
    async with runtime.db.session() as session:
        holders = await menu_holders(session, admins=runtime.config.bot.admins)
    for holder in holders:
        commands = [
            BotCommand(c, d)
            for c, d in menu_commands(holder.role, holder.language, leads_team=holder.leads_team)
        ]
        try:
            await app.bot.set_my_commands(commands, scope=BotCommandScopeChat(holder.telegram_id))
            button = menu_button(board.url if board.enabled else None, holder.language)
            await app.bot.set_chat_menu_button(chat_id=holder.telegram_id, menu_button=button)
        except TelegramError as error:  # e.g. an administrator who never opened the bot
            log.info("a personal menu could not be set: %s", error)
