"""No press is lost to a crash, and none counts twice: the real program (`muster run`) is
killed with SIGKILL at each point around a volunteer's "I'll go" (the update fetched, stored,
mid-handler, committed, answered) and started again. Each time the press took effect exactly
once: one place taken, one edit of the volunteer's message, at most one answer.

The kill points are deterministic: ``MUSTER_TEST_CRASH_AT`` (``bot.crash_points``) has the
process kill itself at the named point."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.clock import SystemClock
from bot.crash_points import CRASH_AT
from models.callouts import ResponseState
from models.db import Database
from models.intake import IntakeUpdate
from tests.conftest import database_url, drop_everything
from tests.fake_telegram import FakeTelegram
from tests.operations_support import (
    QUICK_OUTBOX,
    finished,
    muster,
    muster_run,
    polled,
    write_config,
)
from tests.outbox_support import settled
from tests.seed import seed_volunteer
from tests.seed_callouts import LEADER_ID, create_and_deliver, seed_leader, states

ALICE = 102


async def unhandled(db: Database) -> int:
    async with db.session() as session:
        query = select(func.count()).where(IntakeUpdate.handled_at.is_(None))
        return (await session.exec(query)).one()


async def prepare(
    tmp_path: Path, telegram: FakeTelegram, backend: str
) -> tuple[Path, Database, int]:
    """A community with a leader, Alice, and a call-out for her on its way to her, in an empty
    database of the backend's."""
    url = database_url(backend, tmp_path)
    empty = Database(url)
    await drop_everything(empty)
    await empty.dispose()
    config = write_config(tmp_path, telegram, sections=QUICK_OUTBOX, database_url=url)
    code, err = await finished(await muster("db", "upgrade", "--config", str(config)))
    assert code == 0, err
    db = Database(url)
    await seed_leader(db, LEADER_ID, "en")
    await seed_volunteer(db, ALICE, "Alice", language="en")
    callout_id, _ = await create_and_deliver(db, SystemClock().now(), needed=3)
    return config, db, callout_id


@pytest.mark.parametrize(
    "crash_at",
    [
        "intake.fetched",  # received from Telegram, not yet stored
        "intake.stored",  # stored; the offset not yet confirmed
        "interaction.handled",  # mid-handler: its effects written, not committed
        "interaction.committed",  # committed, the press not yet answered
        "interaction.answered",  # answered
    ],
)
async def test_a_press_survives_a_kill_at_any_point_and_takes_effect_once(
    tmp_path: Path, backend: str, crash_at: str
) -> None:
    async with FakeTelegram() as telegram:
        config, db, callout_id = await prepare(tmp_path, telegram, backend)
        lin = telegram.user(LEADER_ID, "Lin", language_code="en")
        alice = telegram.user(ALICE, "Alice", language_code="en")
        lin.open_chat()
        alice.open_chat()
        try:
            async with muster_run(config, polled(telegram), env={CRASH_AT: crash_at}) as first:
                await alice.expect_message("Call-out for volunteers", timeout=30)
                await alice.press("✅ I'll go")
                assert await asyncio.wait_for(first.wait(), 30) == -signal.SIGKILL

            async with muster_run(config, polled(telegram)):
                await alice.expect_message("You are going", timeout=30)
                # Every update fetched since is stored (the offset moved past it) and handled.
                await telegram.wait_for(lambda: not telegram.updates.pending, timeout=30)
                await settled(db, timeout=30)
                assert await unhandled(db) == 0

            assert await states(db, callout_id) == {ALICE: ResponseState.CONFIRMED}
            edits = telegram.find_calls("editMessageText", chat_id=ALICE)
            assert len(edits) == 1, [e.params.get("text") for e in edits]
            answers = telegram.find_calls("answerCallbackQuery")
            assert len(answers) == (0 if crash_at == "interaction.committed" else 1)
        finally:
            await db.dispose()
