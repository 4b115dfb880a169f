"""The outbox's bookkeeping when Telegram says a chat is unreachable."""

from __future__ import annotations

from sqlmodel import select

from bot.clock import FrozenClock
from bot.outbox.queue import INSERT_CHUNK, Outgoing, enqueue
from bot.outbox.store import OutboxStore, Outcome
from bot.outbox.verdicts import Kind, Verdict
from models import Account, OutboxMessage, OutboxState
from models.db import Database

CHAT = 501


async def queue(db: Database, clock: FrozenClock, text: str) -> None:
    async with db.session() as session:
        await enqueue(session, clock.now(), [Outgoing.message(CHAT, text, topic=text)])


async def states(db: Database) -> dict[str, str]:
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    # By topic: a message that is done keeps no text.
    return {row.topic: OutboxState(row.state).value for row in rows}


async def test_a_reply_queued_after_the_blocked_send_was_claimed_is_not_failed_with_it(
    db: Database, clock: FrozenClock
) -> None:
    """The person was unreachable when the old message went out, then came back and wrote:
    the answer to what they wrote must still get its own try."""
    async with db.session() as session:
        session.add(Account(telegram_id=CHAT, language="en", created_at=clock.now()))
    await queue(db, clock, "queued while unreachable")
    await queue(db, clock, "also queued while unreachable")
    store = OutboxStore(db)
    tickets = await store.load_due(clock.now(), limit=10, per_chat=10)
    claimed = await store.claim(tickets[:1])

    await queue(db, clock, "the reply to what they wrote")
    blocked = Verdict(Kind.UNREACHABLE, "Forbidden: bot was blocked by the user")
    await store.write([Outcome(claimed[0], blocked, clock.now(), 1)])

    assert await states(db) == {
        "queued while unreachable": "failed",
        "also queued while unreachable": "failed",
        "the reply to what they wrote": "pending",
    }


async def test_a_broadcast_larger_than_one_insert_is_queued_whole_and_in_order(
    db: Database, clock: FrozenClock
) -> None:
    """Rows go in by the ``INSERT_CHUNK`` (a round for 10,000 elders does not hold them all
    encoded at once): every message is queued, once, in the order given."""
    count = 2 * INSERT_CHUNK + 7
    messages = [Outgoing.message(1000 + n, f"notice {n}", topic=str(n)) for n in range(count)]
    async with db.session() as session:
        assert await enqueue(session, clock.now(), messages) == count
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()  # type: ignore[arg-type]
    assert [row.topic for row in rows] == [str(n) for n in range(count)]


async def test_a_coalesced_message_replaces_the_pending_one_and_the_last_of_a_batch_wins(
    db: Database, clock: FrozenClock
) -> None:
    """A card edited again before it went out is sent once, as it is now: whether the earlier
    edit is pending in the outbox or earlier in the same batch. A card already sent is not
    replaced: the new edit goes out on its own."""

    def card(chat: int, text: str) -> Outgoing:
        return Outgoing.message(chat, text, topic=text, coalesce_key=f"card:{chat}")

    async with db.session() as session:
        await enqueue(session, clock.now(), [card(1, "one v1"), card(2, "two v1")])
    async with db.session() as session:  # the second card went out meanwhile
        sent = (await session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == 2))).one()
        sent.state = OutboxState.SENT
    async with db.session() as session:
        added = await enqueue(
            session,
            clock.now(),
            [
                card(1, "one v2"),
                card(3, "three v1"),
                card(1, "one v3"),
                card(2, "two v2"),
                card(3, "three v2"),
            ],
        )
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()

    assert added == 2  # two v2 and three v2; one v3 took the place of one v1
    pending = [(row.chat_id, row.payload["text"]) for row in rows if row.state == "pending"]
    assert pending == [(1, "one v3"), (2, "two v2"), (3, "three v2")]
