"""A care team, its elders and a duty rota written straight into the database, and a look at
what the rounds queued, for the door-knock tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from bot.clock import FrozenClock
from bot.config import BotConfig, Config, RoundsConfig
from bot.routes import DUE_WORK
from bot.runtime import Runtime
from bot.scheduler import run_due_work, use_due_work
from bot.services.accounts import Actor
from models import OutboxMessage, OutboxState, Role, Team, TeamMember, Volunteer
from models.db import Database
from models.elders import DutyShift, Elder, ElderContact, ElderVisitTime, Shift
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot
from tests.seed import SEEDED_AT, seed_account, seed_team, seed_volunteer

ADMIN_ID = 9000
SHANGHAI_9AM = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai


def rounds_config(zone: str = "Asia/Shanghai", **rounds: Any) -> Config:
    return Config(bot=BotConfig(timezone=zone, admins=[ADMIN_ID]), rounds=RoundsConfig(**rounds))


def actor(telegram_id: int, role: Role = Role.VOLUNTEER, language: str = "en") -> Actor:
    return Actor(telegram_id, language, role)


@dataclass
class CareTeam:
    """A team with a leader and visitors: ``visitors[name]`` is (volunteer id, telegram id)."""

    team_id: int
    leader: int
    visitors: dict[str, tuple[int, int]] = field(default_factory=dict)

    def volunteer(self, name: str) -> int:
        return self.visitors[name][0]

    def telegram(self, name: str) -> int:
        return self.visitors[name][1]


async def seed_care_team(
    db: Database,
    name: str = "Elderly care team",
    *,
    leader: int = 500,
    visitors: Iterable[tuple[int, str]] = ((501, "Wang"), (502, "Zhao"), (503, "Sun")),
    language: str = "en",
) -> CareTeam:
    await seed_account(
        db, leader, role=Role.LEADER, language=language, first_name=f"Leader {leader}"
    )
    members = {}
    for telegram_id, visitor in visitors:
        phone = f"+86139{telegram_id:08d}"
        volunteer_id = await seed_volunteer(
            db, telegram_id, visitor, phone=phone, language=language
        )
        members[visitor] = (volunteer_id, telegram_id)
    team_id = await seed_team(db, name, [v for v, _ in members.values()], by=leader)
    await lead_team(db, team_id, leader)
    return CareTeam(team_id, leader, members)


async def lead_team(db: Database, team_id: int, leader: int | None) -> None:
    async with db.session() as session:
        await session.exec(
            update(Team).where(col(Team.id) == team_id).values(leader_telegram_id=leader)  # type: ignore[call-overload]
        )


async def add_member(db: Database, team: CareTeam, telegram_id: int, name: str) -> int:
    volunteer_id = await seed_volunteer(db, telegram_id, name, phone=f"+86139{telegram_id:08d}")
    async with db.session() as session:
        session.add(
            TeamMember(
                team_id=team.team_id, volunteer_id=volunteer_id, added_by=1, added_at=SEEDED_AT
            )
        )
    team.visitors[name] = (volunteer_id, telegram_id)
    return volunteer_id


async def seed_elder(
    db: Database,
    team: CareTeam,
    name: str,
    primary: str,
    backup: str | None = None,
    *,
    times: Iterable[str] = ("09:00", "17:00"),
    window: int = 120,
    compound: str = "Sunshine Garden",
    room: str = "502",
    phone: str = "13900001111",
    risk_notes: str = "",
    health_notes: str = "",
    contacts: Iterable[tuple[str, str]] = (),
) -> int:
    async with db.session() as session:
        elder = Elder(
            name=name,
            compound=compound,
            building="3",
            room=room,
            phone=phone,
            risk_notes=risk_notes,
            health_notes=health_notes,
            team_id=team.team_id,
            primary_visitor_id=team.volunteer(primary),
            backup_visitor_id=team.volunteer(backup) if backup else None,
            created_at=SEEDED_AT,
            updated_at=SEEDED_AT,
        )
        session.add(elder)
        await session.flush()
        assert elder.id is not None
        for slot in times:
            session.add(ElderVisitTime(elder_id=elder.id, slot=slot, window_minutes=window))
        for position, (contact, contact_phone) in enumerate(contacts):
            session.add(
                ElderContact(
                    elder_id=elder.id, position=position, name=contact, phone=contact_phone
                )
            )
        return elder.id


async def set_duty(db: Database, volunteer_id: int, shifts: Iterable[tuple[int, Shift]]) -> None:
    async with db.session() as session:
        for weekday, shift in shifts:
            session.add(
                DutyShift(
                    weekday=weekday,
                    shift=shift,
                    volunteer_id=volunteer_id,
                    set_by=1,
                    set_at=SEEDED_AT,
                )
            )


EVERY_SHIFT = [(weekday, shift) for weekday in range(7) for shift in Shift]


async def mark_left(db: Database, volunteer_id: int) -> None:
    async with db.session() as session:
        await session.exec(
            update(Volunteer).where(col(Volunteer.id) == volunteer_id).values(left_at=SEEDED_AT)  # type: ignore[call-overload]
        )


class Rounds:
    """The scheduler as the bot runs it, on a database and a frozen clock."""

    def __init__(self, db: Database, config: Config, clock: FrozenClock) -> None:
        self.runtime = Runtime(config, db, clock)
        use_due_work(DUE_WORK)
        self.db, self.config, self.clock = db, config, clock
        self.seen = 0  # outbox rows already looked at

    async def tick(self) -> int:
        return await run_due_work(self.runtime)

    async def at(self, instant: datetime) -> int:
        self.clock.set(instant)
        return await self.tick()

    async def queued(self) -> list[Queued]:
        """Everything queued since the last look, oldest first."""
        async with self.db.session() as session:
            rows = list(
                await session.exec(
                    select(OutboxMessage)
                    .where(col(OutboxMessage.id) > self.seen)
                    .order_by(col(OutboxMessage.id))
                )
            )
        if rows:
            self.seen = rows[-1].id or self.seen
        return [Queued.of(row) for row in rows]

    async def deliver_all(self) -> None:
        """Pretend the sender delivered everything queued (so prompts can be edited later)."""
        async with self.db.session() as session:
            rows = list(await session.exec(select(OutboxMessage)))
            for row in rows:
                if row.sent_message_id is None:
                    row.state = OutboxState.SENT
                    row.sent_message_id = 10_000 + (row.id or 0)


@dataclass(frozen=True)
class Queued:
    chat_id: int
    method: str
    text: str
    buttons: tuple[tuple[str, str], ...]
    topic: str | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, row: OutboxMessage) -> Queued:
        markup = row.payload.get("reply_markup") or {}
        buttons = tuple(
            (b["text"], b.get("callback_data", ""))
            for line in markup.get("inline_keyboard", [])
            for b in line
        )
        return cls(
            row.chat_id, row.method, row.payload.get("text", ""), buttons, row.topic, row.payload
        )

    def button(self, starts: str) -> str:
        """The callback data of the button whose label starts with ``starts``."""
        found = [data for label, data in self.buttons if label.startswith(starts)]
        assert len(found) == 1, (starts, self.buttons)
        return found[0]


def to(chat_id: int, messages: list[Queued], method: str = "send_message") -> list[Queued]:
    return [m for m in messages if m.chat_id == chat_id and m.method == method]


async def reachable(bot: RunningBot, telegram_id: int, name: str, language: str) -> FakeUser:
    """Someone who once started the bot, so the bot may write to them."""
    user = bot.user(telegram_id, name, language)
    user.open_chat()
    return user


async def settled(bot: RunningBot) -> None:
    """Every queued message has been delivered (and recorded so, so it can be edited)."""
    async with asyncio.timeout(10):
        while True:
            async with bot.db.session() as session:
                waiting = (
                    await session.exec(
                        select(func.count()).where(
                            col(OutboxMessage.state).in_([OutboxState.PENDING, OutboxState.SENDING])
                        )
                    )
                ).one()
            if not waiting:
                return
            await asyncio.sleep(0.02)


def prompts(messages: list[Queued]) -> list[Queued]:
    """Round prompts only (not reminders or alerts)."""
    return [m for m in messages if (m.topic or "").startswith("round:")]
