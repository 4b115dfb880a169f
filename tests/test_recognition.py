"""Recognition without Telegram: certificates count the ledger (corrections too) for the
period asked; leaderboards rank only those who agreed, ties sharing a place."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.clock import FrozenClock
from bot.config import CommunityConfig, Config
from bot.errors import NotRegistered
from bot.services import hours, recognition
from bot.services.recognition import BoardPeriod, CertificatePeriod
from bot.services.reports.period import Period
from models.db import Database
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import mark_left

CONFIG = Config(community=CommunityConfig(name="Sunshine"))
LAST_DECEMBER = datetime(2025, 12, 10, 2, 0, tzinfo=UTC)
THIS_NOVEMBER = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


async def serve(
    db: Database, volunteer_id: int, minutes: int, at: datetime, source_id: int
) -> None:
    async with db.session() as session:
        await hours.credit(
            session,
            volunteer_id=volunteer_id,
            minutes=minutes,
            source="callout",
            source_id=source_id,
            served_at=at,
            now=at,
        )


async def show(db: Database, telegram_id: int, clock: FrozenClock) -> None:
    async with db.session() as session:
        await recognition.choose_shown(
            session,
            telegram_id=telegram_id,
            shown=True,
            team_id=None,
            kind=BoardPeriod.THIS_MONTH,
            now=clock.now(),
            config=CONFIG,
        )


def test_hours_are_shown_with_at_most_one_decimal() -> None:
    assert [recognition.hours_figure(m) for m in (510, 480, 20, 0)] == ["8.5", "8", "0.3", "0"]


def test_certificate_periods() -> None:
    today, registered = date(2026, 11, 21), date(2025, 3, 2)
    span = recognition.certificate_span
    assert span(CertificatePeriod.THIS_YEAR, registered, today) == Period(date(2026, 1, 1), today)
    assert span(CertificatePeriod.LAST_YEAR, registered, today) == Period(
        date(2025, 1, 1), date(2025, 12, 31)
    )
    assert span(CertificatePeriod.ALL_TIME, registered, today) == Period(registered, today)


async def test_a_certificate_counts_the_period_asked_with_corrections(
    db: Database, clock: FrozenClock
) -> None:
    wang = await seed_volunteer(db, 101, "Wang Fang")
    await serve(db, wang, 240, LAST_DECEMBER, 1)
    await serve(db, wang, 240, THIS_NOVEMBER, 2)
    async with db.session() as session:
        await hours.correct(
            session,
            volunteer_id=wang,
            source="callout",
            source_id=2,
            minutes=150,
            served_at=THIS_NOVEMBER,
            now=THIS_NOVEMBER,
            by=7000,
            note="left early",
        )
    async with db.session() as session:
        this_year = await recognition.certificate(
            session,
            telegram_id=101,
            kind=CertificatePeriod.THIS_YEAR,
            now=clock.now(),
            config=CONFIG,
        )
        everything = await recognition.certificate(
            session,
            telegram_id=101,
            kind=CertificatePeriod.ALL_TIME,
            now=clock.now(),
            config=CONFIG,
        )
    assert (this_year.minutes, everything.minutes) == (150, 390)
    assert this_year.name == "Wang Fang" and this_year.community == "Sunshine"


async def test_nobody_who_left_or_never_signed_up_gets_a_certificate(
    db: Database, clock: FrozenClock
) -> None:
    await seed_volunteer(db, 101, "Wang Fang")
    await mark_left(db, 101, clock.now())
    for telegram_id in (101, 102):
        async with db.session() as session:
            with pytest.raises(NotRegistered):
                await recognition.certificate(
                    session,
                    telegram_id=telegram_id,
                    kind=CertificatePeriod.ALL_TIME,
                    now=clock.now(),
                    config=CONFIG,
                )


async def test_the_board_ranks_only_those_who_agreed_and_ties_share_a_place(
    db: Database, clock: FrozenClock
) -> None:
    people = {
        name: await seed_volunteer(db, telegram_id, name)
        for telegram_id, name in ((101, "Wang"), (102, "Li"), (103, "Zhao"), (104, "Chen"))
    }
    for source_id, (name, minutes) in enumerate(
        (("Wang", 120), ("Li", 300), ("Zhao", 120), ("Chen", 600)), start=1
    ):
        await serve(db, people[name], minutes, THIS_NOVEMBER, source_id)
    for telegram_id in (101, 102, 103):  # Chen, with the most hours, did not agree
        await show(db, telegram_id, clock)
    team = await seed_team(db, "Patrol team", [people["Wang"], people["Chen"]])

    async with db.session() as session:
        board = await recognition.leaderboard(
            session,
            telegram_id=103,
            team_id=None,
            kind=BoardPeriod.THIS_MONTH,
            now=clock.now(),
            config=CONFIG,
        )
        teams_board = await recognition.leaderboard(
            session,
            telegram_id=104,
            team_id=team,
            kind=BoardPeriod.THIS_MONTH,
            now=clock.now(),
            config=CONFIG,
        )
    assert [(line.rank, line.name, line.minutes) for line in board.lines] == [
        (1, "Li", 300),
        (2, "Wang", 120),
        (2, "Zhao", 120),
    ]
    assert board.mine is not None and board.mine.rank == 2 and board.shown is True
    assert [line.name for line in teams_board.lines] == ["Wang"]
    assert teams_board.shown is False and teams_board.mine is None
