"""End-to-end harness: the real PTB ``Application`` built by ``bot.app.build_application``,
long-polling the project's fake Bot API server over real HTTP.

    async def test_x(start_bot):
        bot = await start_bot()
        alice = bot.user(101, "Alice", "en")
        await alice.send("/start")
        reply = await alice.expect_message()
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func
from sqlmodel import select

from bot.app import build_application
from bot.button_data import ForgedPress
from bot.clock import Clock, SystemClock
from bot.config import (
    BotConfig,
    CommunityConfig,
    Config,
    DatabaseConfig,
    OutboxConfig,
    TelegramConfig,
)
from bot.context import RUNTIME_KEY, MusterApplication
from bot.i18n import text
from bot.runtime import Runtime
from models import AuditEntry, OutboxMessage, OutboxState
from models.db import Database
from tests.fake_telegram import FakeTelegram, FakeUser, Limits

TOKEN = "123456:TEST"
ADMIN_ID = 9000
UNLIMITED = OutboxConfig(
    global_per_second=10_000,
    per_chat_per_second=10_000,
    per_group_per_minute=1_000_000,
    poll_seconds=0.2,
)


class RunningBot:
    """One Muster process under test; ``restart()`` replaces it with a fresh one on the same
    database, as an operator restarting the service would."""

    def __init__(
        self, telegram: FakeTelegram, config: Config, clock: Clock, schema: str = "create_all"
    ) -> None:
        self.telegram = telegram
        self.config = config
        self.clock = clock
        self.schema = schema
        self.app: MusterApplication | None = None

    @property
    def runtime(self) -> Runtime:
        assert self.app is not None
        return self.app.bot_data[RUNTIME_KEY]

    @property
    def db(self) -> Database:
        return self.runtime.db

    def user(self, user_id: int, first_name: str = "Test", language: str = "zh") -> FakeUser:
        return self.telegram.user(user_id, first_name=first_name, language_code=language)

    def admin(self, language: str = "en") -> FakeUser:
        return self.user(ADMIN_ID, "Admin", language)

    async def start(self) -> None:
        app = build_application(self.config, clock=self.clock, schema=self.schema)  # type: ignore[arg-type]
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await app.start()
        self.app = app

    async def stop(self) -> None:
        """A graceful stop: in-flight work finishes, the outbox sender stops."""
        app, self.app = self.app, None
        if app is None:
            return
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def outbox_count(self, *states: OutboxState) -> int:
        async with self.db.session() as session:
            query = select(func.count()).select_from(OutboxMessage)
            if states:
                query = query.where(OutboxMessage.state.in_(states))
            return (await session.exec(query)).one()


StartBot = Callable[..., Awaitable[RunningBot]]


async def expect_refused_as_forged(bot: RunningBot, presser: FakeUser, language: str) -> None:
    """The last press was refused before any handler ran (its data was not on the pressed
    message, or the button does not belong in that chat): answered as out of date, so nothing
    is revealed, and audit-logged as a refusal."""
    answer = await presser.expect_callback_answer(show_alert=True)
    assert answer.text == text(language, ForgedPress.key)
    async with bot.db.session() as session:
        refused = await session.exec(
            select(AuditEntry).where(
                AuditEntry.actor_telegram_id == presser.id,
                AuditEntry.action == "button.forged",
                AuditEntry.allowed.is_(False),  # type: ignore[attr-defined]
            )
        )
        assert refused.first() is not None, f"no forged press of {presser!r} was audit-logged"


def make_config(telegram: FakeTelegram, database_url: str, **sections: Any) -> Config:
    config = Config(
        telegram=TelegramConfig(
            token=SecretStr(TOKEN),
            base_url=f"{telegram.url}/bot",
            base_file_url=f"{telegram.url}/file/bot",
        ),
        database=DatabaseConfig(url=database_url),
        bot=BotConfig(admins=[ADMIN_ID]),
        community=CommunityConfig(name="Sunshine Community"),
        outbox=UNLIMITED,
    )
    return config.model_copy(update=sections)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(token=TOKEN, limits=Limits.off())
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def start_bot(
    telegram: FakeTelegram, tmp_path: Path, backend: str
) -> AsyncIterator[StartBot]:
    """Start Muster against the fake server: ``await start_bot(clock=..., outbox=...)``. Every
    end-to-end test runs on each backend (``backend`` fixture: SQLite, and PostgreSQL when
    ``MUSTER_TEST_DATABASE_URL`` is set)."""
    default_backend = backend
    from tests.conftest import database_url, fresh_database

    running: list[RunningBot] = []

    async def start(
        backend: str | None = None, clock: Clock | None = None, **sections: Any
    ) -> RunningBot:
        backend = backend or default_backend
        url = database_url(backend, tmp_path)
        if backend != "sqlite":
            await (await fresh_database(url)).dispose()
        if clock is None and "community" not in sections:
            # The real clock: no quiet hours, so that no test depends on the time of day.
            sections["community"] = CommunityConfig(
                name="Sunshine Community", quiet_hours_start="00:00", quiet_hours_end="00:00"
            )
        bot = RunningBot(telegram, make_config(telegram, url, **sections), clock or SystemClock())
        await bot.start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()
