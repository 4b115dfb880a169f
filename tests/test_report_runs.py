"""Reports asked for are produced once, for whoever may still receive them; a report that
cannot be drawn is said to have failed rather than tried for ever."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import Config
from bot.errors import NotAllowed
from bot.services.accounts import Actor
from bot.services.reports import runs
from bot.services.reports.period import Period
from models import Account, OutboxMessage, Role
from models.db import Database
from models.reports import ReportRun
from tests.seed_callouts import LEADER, LEADER_ID, seed_leader

CONFIG = Config()
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 21))


async def ask(db: Database, clock: FrozenClock) -> int:
    async with db.session() as session:
        await runs.request_report(
            session, actor=LEADER, period=NOVEMBER, team_id=None, now=clock.now()
        )
        return (await session.exec(select(ReportRun.id))).one()


async def sent_to_leader(db: Database) -> list[str]:
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage.method).where(OutboxMessage.chat_id == LEADER_ID)
        )
        return list(rows.all())


async def test_a_report_is_produced_once(db: Database, clock: FrozenClock) -> None:
    await seed_leader(db)
    run_id = await ask(db, clock)
    assert await runs.produce_report(db, CONFIG, run_id, clock.now()) is True
    assert await runs.produce_report(db, CONFIG, run_id, clock.now()) is False
    assert await sent_to_leader(db) == ["send_document", "send_photo"]
    async with db.session() as session:
        assert await runs.open_runs(session, now=clock.now()) == []


async def test_a_leader_demoted_meanwhile_receives_nothing(
    db: Database, clock: FrozenClock
) -> None:
    await seed_leader(db)
    run_id = await ask(db, clock)
    async with db.session() as session:
        await session.exec(
            update(Account).where(Account.telegram_id == LEADER_ID).values(role=Role.VOLUNTEER)
        )
    assert await runs.produce_report(db, CONFIG, run_id, clock.now()) is False
    assert await sent_to_leader(db) == []


async def test_a_report_that_cannot_be_drawn_is_said_to_have_failed(
    db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> bytes:
        raise RuntimeError("no fonts today")

    monkeypatch.setattr(runs, "render_charts", broken)
    await seed_leader(db)
    run_id = await ask(db, clock)
    assert await runs.produce_report(db, CONFIG, run_id, clock.now()) is False
    assert await sent_to_leader(db) == ["send_message"]
    async with db.session() as session:
        assert await runs.open_runs(session, now=clock.now()) == []


async def test_only_leaders_ask_for_reports(db: Database, clock: FrozenClock) -> None:
    async with db.session() as session:
        with pytest.raises(NotAllowed):
            await runs.request_report(
                session,
                actor=Actor(101, "en", Role.VOLUNTEER),
                period=NOVEMBER,
                team_id=None,
                now=clock.now(),
            )
