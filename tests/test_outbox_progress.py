"""What the roster card shows of a call-out's delivery: delivered / failed / pending."""

from sqlalchemy import update

from bot.clock import FrozenClock
from bot.outbox import Progress, progress
from models import OutboxMessage, OutboxState
from models.db import Database
from tests.outbox_support import call_out, put


async def test_progress_counts_one_topics_messages_by_how_far_they_got(
    db: Database, clock: FrozenClock
) -> None:
    await put(db, clock.now(), *[call_out(chat, topic="callout:7") for chat in range(1, 11)])
    await put(db, clock.now(), call_out(99, topic="callout:8"))
    fates = {1: OutboxState.SENT, 2: OutboxState.SENT, 3: OutboxState.SENT}
    fates |= {4: OutboxState.FAILED, 5: OutboxState.SENDING}
    async with db.engine.begin() as connection:
        for chat, state in fates.items():
            await connection.execute(
                update(OutboxMessage).where(OutboxMessage.chat_id == chat).values(state=state)
            )
    async with db.session() as session:
        seven = await progress(session, "callout:7")
        eight = await progress(session, "callout:8")
        nothing = await progress(session, "callout:9")
    assert seven == Progress(delivered=3, failed=1, pending=6)
    assert (seven.total, seven.done) == (10, False)
    assert eight == Progress(delivered=0, failed=0, pending=1)
    assert nothing == Progress(0, 0, 0) and nothing.done
