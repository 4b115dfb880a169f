"""The leaders' board over HTTP in tests: Telegram's initData signed as Telegram signs it (or
forged), the operator endpoint with the board on a free port, and a small world to look at:
two care teams with their leaders, elders, a call-out each and an open alert."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import (
    BotConfig,
    Config,
    DashboardConfig,
    ObservabilityConfig,
    TelegramConfig,
)
from bot.dashboard.auth import signature
from bot.observability.server import OperatorEndpoint
from bot.runtime import Runtime
from bot.services.rounds import visits
from models import Role
from models.db import Database
from models.elders import Alert, Visit
from tests.operations_support import free_port
from tests.rounds_world import (
    ADMIN_ID,
    EVERY_SHIFT,
    SHANGHAI_9AM,
    CareTeam,
    Rounds,
    actor,
    seed_care_team,
    seed_elder,
    set_duty,
)
from tests.seed_callouts import LEADER_ID, create_and_deliver, go, seed_leader

TOKEN = "123456:dashboard-test-token"
BOARD_URL = "https://board.example.org/dashboard/"


def board_config(port: int, **dashboard: Any) -> Config:
    return Config(
        telegram=TelegramConfig(token=TOKEN),
        bot=BotConfig(timezone="Asia/Shanghai", admins=[ADMIN_ID]),
        observability=ObservabilityConfig(metrics_port=port),
        dashboard=DashboardConfig(enabled=True, url=BOARD_URL, **dashboard),
    )


def init_data(
    user_id: int,
    signed_at: datetime,
    *,
    token: str = TOKEN,
    first_name: str = "Lin",
    language: str = "en",
) -> str:
    """initData as the Telegram client hands it to the page: URL-encoded, signed."""
    user = {"id": user_id, "first_name": first_name, "language_code": language}
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(signed_at.timestamp())),
    }
    return urlencode({**fields, "hash": signature(fields, token)})


@dataclass
class Board:
    """The operator endpoint with the board, and a client for it."""

    runtime: Runtime
    endpoint: OperatorEndpoint
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def get(self, path: str, auth: str | None, **params: str) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.get(f"{self.base}{path}", headers=_header(auth), params=params)

    async def post(
        self, path: str, auth: str | None, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.post(f"{self.base}{path}", headers=_header(auth), json=body or {})

    async def stop(self) -> None:
        await self.endpoint.stop()


def _header(auth: str | None) -> dict[str, str]:
    if auth is None:
        return {}
    return {"Authorization": auth if auth.startswith("Bearer") else f"tma {auth}"}


async def open_board(db: Database, clock: FrozenClock, **dashboard: Any) -> Board:
    port = free_port()
    config = board_config(port, **dashboard)
    runtime = Runtime(config, db, clock)
    endpoint = OperatorEndpoint(runtime, config.observability)
    await endpoint.start()
    return Board(runtime, endpoint, port)


@dataclass
class World:
    """Sunshine (leader 500: Wang, Zhao, Sun; Grandma Li, with an alert open since Wang found
    nobody at the door) and Riverside (leader 600: Qian; Grandpa Zhou), a community leader,
    and a call-out for each team, Wang and Zhao coming to Sunshine's."""

    sunshine: CareTeam
    riverside: CareTeam
    grandma_li: int
    grandpa_zhou: int
    sunshine_callout: int
    riverside_callout: int
    alert_id: int
    rounds: Rounds

    community_leader: int = LEADER_ID
    volunteer: int = 501  # Wang


async def build_world(db: Database, clock: FrozenClock, config: Config) -> World:
    await seed_leader(db)
    sunshine = await seed_care_team(db, "Sunshine")
    riverside = await seed_care_team(
        db, "Riverside", leader=600, visitors=((601, "Qian"),), language="en"
    )
    li = await seed_elder(db, sunshine, "Grandma Li", "Wang", "Zhao", times=("09:00",))
    zhou = await seed_elder(
        db, riverside, "Grandpa Zhou", "Qian", times=("09:00",), compound="Riverside Court"
    )
    await set_duty(db, sunshine.volunteer("Sun"), EVERY_SHIFT)
    rounds = Rounds(db, config, clock)
    await rounds.at(SHANGHAI_9AM - timedelta(hours=1))
    await rounds.at(SHANGHAI_9AM)
    clock.set(SHANGHAI_9AM + timedelta(minutes=10))
    async with db.session() as session:
        visit = (await session.exec(select(Visit).where(Visit.elder_id == li))).one()
        await visits.answer_visit(
            session, actor(501), config, visit.id or 0, "no_answer", clock.now()
        )
        alert = (await session.exec(select(Alert))).one()
    leader_500 = actor(500, Role.LEADER)
    leader_600 = actor(600, Role.LEADER)
    sunshine_callout, _ = await create_and_deliver(
        db, clock.now(), leader_500, everyone=False, team_ids=(sunshine.team_id,), needed=3
    )
    riverside_callout, _ = await create_and_deliver(
        db, clock.now(), leader_600, everyone=False, team_ids=(riverside.team_id,), needed=2
    )
    await go(db, 501, sunshine_callout, clock)
    await go(db, 502, sunshine_callout, clock, eta=30)
    return World(
        sunshine,
        riverside,
        li,
        zhou,
        sunshine_callout,
        riverside_callout,
        alert.id or 0,
        rounds,
    )
