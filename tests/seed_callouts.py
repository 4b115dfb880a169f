"""Call-out test data: leaders, many volunteers at once, team group chats, paused or
unreachable people, and call-outs created through the service as a leader would."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, update
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import CommunityConfig
from bot.services.accounts import Actor
from bot.services.callouts import filling
from bot.services.callouts.buttons import NO_ETA
from bot.services.callouts.delivery import Delivery, deliver_callout
from bot.services.callouts.drafts import CalloutDraft, create_callout
from bot.services.callouts.filling import PressResult
from bot.services.callouts.views import Display
from models import Account, CalloutResponse, OutboxMessage, OutboxState, Role, Team, Volunteer
from models.callouts import ResponseState
from models.db import Database
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot
from tests.seed import SEEDED_AT, seed_account, seed_volunteer

LEADER_ID = 7000
LEADER = Actor(LEADER_ID, "en", Role.LEADER, "Lin")
DISPLAY = Display(ZoneInfo("Asia/Shanghai"), CommunityConfig(name="Sunshine"), "zh")


async def seed_leader(db: Database, telegram_id: int = LEADER_ID, language: str = "en") -> Actor:
    await seed_account(db, telegram_id, role=Role.LEADER, language=language, first_name="Lin")
    return Actor(telegram_id, language, Role.LEADER, "Lin")


async def seed_crowd(
    db: Database, count: int, *, first_id: int = 100_000, language: str = "zh"
) -> list[int]:
    """``count`` plain volunteers in one transaction; returns their Telegram ids."""
    ids = list(range(first_id, first_id + count))
    async with db.session() as session:
        await session.exec(
            insert(Account),
            params=[
                {
                    "telegram_id": i,
                    "language": language,
                    "role": Role.VOLUNTEER,
                    "first_name": f"V{i}",
                    "created_at": SEEDED_AT,
                }
                for i in ids
            ],
        )
        await session.exec(
            insert(Volunteer),
            params=[
                {
                    "telegram_id": i,
                    "name": f"Volunteer {i}",
                    "phone": f"+86138{i:08d}",
                    "registered_at": SEEDED_AT,
                }
                for i in ids
            ],
        )
    return ids


async def set_group_chat(db: Database, team_id: int, chat_id: int) -> None:
    async with db.session() as session:
        await session.exec(update(Team).where(Team.id == team_id).values(group_chat_id=chat_id))


async def pause(db: Database, telegram_id: int, until: datetime | None) -> None:
    async with db.session() as session:
        await session.exec(
            update(Volunteer)
            .where(Volunteer.telegram_id == telegram_id)
            .values(paused=True, paused_until=until)
        )


async def mark_unreachable(db: Database, telegram_id: int, at: datetime) -> None:
    async with db.session() as session:
        await session.exec(
            update(Account).where(Account.telegram_id == telegram_id).values(unreachable_at=at)
        )


async def mark_left(db: Database, telegram_id: int, at: datetime) -> None:
    """As ``/leave`` leaves a volunteer: anonymous and unlinked from the account."""
    async with db.session() as session:
        await session.exec(
            update(Volunteer)
            .where(Volunteer.telegram_id == telegram_id)
            .values(left_at=at, telegram_id=None, name=None, phone=None)
        )


def draft(now: datetime, **changes: Any) -> CalloutDraft:
    """Vaccination duty tomorrow morning, for everyone unless the test narrows it."""
    values: dict[str, Any] = {
        "title": "Vaccination duty",
        "description": "Help at the vaccination point: queue, forms, guidance.",
        "place": "Community health station, Building 2",
        "starts_at": now + timedelta(hours=23),
        "ends_at": now + timedelta(hours=27),
        "needed": 50,
        "everyone": True,
        "template": "vaccination",
    }
    values.update(changes)
    return CalloutDraft(**values)


async def create(db: Database, now: datetime, actor: Actor = LEADER, **changes: Any) -> int:
    async with db.session() as session:
        # Tests set the scene in any order: a call-out may be recorded before its volunteers.
        created = await create_callout(
            session, actor=actor, draft=draft(now, **changes), now=now, reaching_nobody=True
        )
    return created.id


async def create_and_deliver(
    db: Database, now: datetime, actor: Actor = LEADER, **changes: Any
) -> tuple[int, Delivery]:
    callout_id = await create(db, now, actor, **changes)
    async with db.session() as session:
        delivery = await deliver_callout(session, callout_id=callout_id, now=now, display=DISPLAY)
    assert delivery is not None
    return callout_id, delivery


async def states(db: Database, callout_id: int) -> dict[int, ResponseState]:
    """Each asked volunteer's answer, by Telegram id."""
    async with db.session() as session:
        rows = await session.exec(
            select(Volunteer.telegram_id, CalloutResponse.state)
            .join(CalloutResponse, CalloutResponse.volunteer_id == Volunteer.id)
            .where(CalloutResponse.callout_id == callout_id)
        )
        return {tg: ResponseState(state) for tg, state in rows.all() if tg is not None}


# -- presses, as the handlers make them ------------------------------------------------------


async def go(
    db: Database,
    telegram_id: int,
    callout_id: int,
    clock: FrozenClock,
    eta: int = NO_ETA,
    *,
    chat_id: int | None = None,
) -> PressResult:
    """I'll go, pressed in ``chat_id`` (by default the presser's private chat)."""
    async with db.session() as session:
        return await filling.answer_go(
            session,
            telegram_id=telegram_id,
            callout_id=callout_id,
            eta=eta,
            now=clock.now(),
            chat_id=chat_id or telegram_id,
        )


async def decline(
    db: Database,
    telegram_id: int,
    callout_id: int,
    clock: FrozenClock,
    *,
    chat_id: int | None = None,
) -> PressResult:
    async with db.session() as session:
        return await filling.answer_decline(
            session,
            telegram_id=telegram_id,
            callout_id=callout_id,
            now=clock.now(),
            chat_id=chat_id or telegram_id,
        )


async def withdraw(
    db: Database, telegram_id: int, callout_id: int, was: str, clock: FrozenClock
) -> PressResult:
    async with db.session() as session:
        return await filling.withdraw(
            session,
            telegram_id=telegram_id,
            callout_id=callout_id,
            was=was,
            now=clock.now(),
            display=DISPLAY,
        )


async def messages_to(db: Database, chat_id: int) -> list[str]:
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage.payload)
            .where(OutboxMessage.chat_id == chat_id)
            .order_by(OutboxMessage.id)
        )
        return [payload.get("text", "") for payload in rows.all()]


# -- people in the fake Telegram (end-to-end tests) ---------------------------------------


async def volunteer_in_telegram(
    bot: RunningBot, telegram_id: int, name: str, language: str, **profile: Any
) -> FakeUser:
    """A signed-up volunteer who once started the bot, so the bot may write to them."""
    await seed_volunteer(bot.db, telegram_id, name, language=language, **profile)
    person = bot.user(telegram_id, name, language)
    person.open_chat()
    return person


async def leader_in_telegram(bot: RunningBot, language: str = "en") -> FakeUser:
    await seed_leader(bot.db, LEADER_ID, language)
    person = bot.user(LEADER_ID, "Lin", language)
    person.open_chat()
    return person


async def change_time_from_the_card(lead: FakeUser, title: str, start: str) -> None:
    """The leader (in English) moves the call-out's start from its roster card, keeping its
    length."""
    await lead.press("🕒 Change time", await lead.expect_message("Roster"))
    await lead.expect_message(f"Changing the time of {title}", edits=False)
    await lead.send(start)
    await lead.expect_message("When does it end?", edits=False)
    await lead.press("Keep the current answer")
    await lead.expect_message(f"{title} now runs")


async def outbox_settled(bot: RunningBot, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until the sender has sent (or given up on) everything queued so far."""
    async with asyncio.timeout(timeout):
        while True:
            if not await _unsettled(bot.db):
                return
            await asyncio.sleep(0.02)  # the sender runs in the bot: look again shortly


async def _unsettled(db: Database) -> int:
    async with db.session() as session:
        count = await session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]))
        )
        return count.one()
