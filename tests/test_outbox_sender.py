"""The outbox sender with the real PTB ``Bot`` over HTTP against the fake Bot API server, on
SQLite (and PostgreSQL when configured): delivery, order, priority, Telegram's answers,
restarts, and pacing at Telegram's limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.clock import FrozenClock
from bot.outbox.queue import PRIORITY_BULK, PRIORITY_NOTICE, PRIORITY_REPLY, Outgoing
from bot.outbox.sender import SenderLimits
from models import Account, OutboxMessage, OutboxState
from models.db import Database
from tests.fake_telegram import FakeTelegram, Limits
from tests.outbox_support import (
    UNLIMITED,
    add_accounts,
    call_out,
    outbox,
    put,
    running_sender,
    settled,
    volunteers,
)

ALICE, BOB, CAROL = 501, 502, 503
TEAM_GROUP = -1001234


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as telegram:
        yield telegram


def texts(server: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text or "" for m in server.sent(chat_id)]


async def test_a_message_is_delivered_and_recorded_with_telegrams_message_id(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE])
    await put(db, clock.now(), Outgoing.message(ALICE, "<b>Flood patrol</b> tonight"))
    async with running_sender(server, db, clock):
        await settled(db)
    (row,) = await outbox(db)
    (delivered,) = server.sent(ALICE)
    assert delivered.html == "<b>Flood patrol</b> tonight"
    assert (row.state, row.sent_message_id, row.attempts) == ("sent", delivered.message_id, 1)
    assert row.sent_at == clock.now()


async def test_each_chat_reads_in_the_order_its_messages_were_enqueued(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE])
    priorities = [PRIORITY_BULK, PRIORITY_NOTICE, PRIORITY_REPLY, PRIORITY_BULK, PRIORITY_REPLY]
    await put(
        db,
        clock.now(),
        *[Outgoing.message(ALICE, f"message {i}", priority=p) for i, p in enumerate(priorities)],
    )
    async with running_sender(server, db, clock):
        await settled(db)
    assert texts(server, ALICE) == [f"message {i}" for i in range(5)]


async def test_a_reply_does_not_wait_behind_a_broadcast(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    """Carol asked something while a 60-message call-out goes out at 40 a second: her answer
    is among the next few messages sent, not after the rest of the call-out."""
    recipients = range(1000, 1060)
    volunteers(server, [*recipients, CAROL])
    await put(db, clock.now(), *[call_out(chat) for chat in recipients])
    async with running_sender(server, db, clock, replace(UNLIMITED, global_per_second=40)) as s:
        await server.wait_for(lambda: server.stats.sends >= 10, timeout=10)
        await put(db, clock.now(), Outgoing.message(CAROL, "Your duty starts at 08:00"))
        sent_when_asked = server.stats.sends
        s.wake()
        await settled(db)
    order = [chat for _, chat in server.stats.send_log]
    assert order.index(CAROL) < sent_when_asked + 15
    assert len(order) == 61


async def test_a_429_waits_the_time_telegram_names_and_loses_nothing(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE, BOB, CAROL])
    server.inject_429(retry_after=1, method="sendMessage")
    await put(db, clock.now(), *[call_out(chat) for chat in (ALICE, BOB, CAROL)])
    async with running_sender(server, db, clock, replace(UNLIMITED, concurrency=1)) as sender:
        await settled(db)
    calls = server.find_calls("sendMessage")
    refused, retried = calls[0], calls[1]
    assert refused.status == 429 and retried.ok
    assert retried.time - refused.time >= 1.0
    assert sender.rate_limited == 1
    assert sorted(chat for _, chat in server.stats.send_log) == [ALICE, BOB, CAROL]
    assert [row.state for row in await outbox(db)] == ["sent"] * 3


async def test_a_volunteer_who_blocked_the_bot_is_marked_unreachable_and_not_retried(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    alice, _, carol = volunteers(server, [ALICE, BOB, CAROL])
    alice.block()
    carol.deactivate()
    await add_accounts(db, [ALICE, BOB, CAROL], clock.now())
    await put(
        db,
        clock.now(),
        call_out(ALICE),
        Outgoing.message(ALICE, "A second call-out"),
        call_out(BOB),
        call_out(CAROL),
    )
    async with running_sender(server, db, clock):
        await settled(db)
    assert len(server.find_calls("sendMessage", chat_id=ALICE)) == 1
    assert len(server.find_calls("sendMessage", chat_id=CAROL)) == 1
    assert texts(server, BOB) == [f"Flood patrol tonight, volunteer {BOB}"]
    async with db.session() as session:
        accounts = {a.telegram_id: a for a in (await session.exec(select(Account))).all()}
    assert accounts[ALICE].unreachable_at == clock.now()
    assert accounts[CAROL].unreachable_at == clock.now()
    assert accounts[BOB].unreachable_at is None
    states = {(row.chat_id, row.state) for row in await outbox(db)}
    assert states == {(ALICE, "failed"), (BOB, "sent"), (CAROL, "failed")}


async def test_a_group_that_removed_the_bot_gets_nothing_more(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    server.add_group(TEAM_GROUP, "River patrol team")
    server.remove_bot_from_group(TEAM_GROUP)
    await put(db, clock.now(), *[Outgoing.message(TEAM_GROUP, f"card {i}") for i in range(3)])
    async with running_sender(server, db, clock):
        await settled(db)
    assert len(server.find_calls("sendMessage", chat_id=TEAM_GROUP)) == 1
    rows = await outbox(db)
    assert [row.state for row in rows] == ["failed"] * 3
    assert "kicked" in (rows[0].last_error or "")


async def test_server_errors_and_dropped_connections_are_retried_until_delivered(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE, BOB, CAROL])
    server.fail_next("sendMessage", 502, times=2)
    server.drop_next(1, method="sendMessage")
    await put(db, clock.now(), *[call_out(chat) for chat in (ALICE, BOB, CAROL)])
    async with running_sender(server, db, clock):
        await settled(db)
    for chat in (ALICE, BOB, CAROL):
        assert texts(server, chat) == [f"Flood patrol tonight, volunteer {chat}"]
    rows = await outbox(db)
    assert [row.state for row in rows] == ["sent"] * 3
    assert sum(row.attempts for row in rows) == 6  # three failed tries, three good ones
    assert any("Bad Gateway" in (row.last_error or "") for row in rows)


async def test_a_message_that_keeps_failing_is_given_up_after_its_attempts(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE])
    server.fail_next("sendMessage", 500, times=5)
    await put(db, clock.now(), call_out(ALICE))
    async with running_sender(server, db, clock, replace(UNLIMITED, max_attempts=2)):
        await settled(db)
    (row,) = await outbox(db)
    assert (row.state, row.attempts) == ("failed", 2)
    assert "gave up" in (row.last_error or "")
    assert len(server.find_calls("sendMessage")) == 2


async def test_a_message_telegram_refuses_fails_at_once_and_the_chat_goes_on(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE])
    await put(
        db,
        clock.now(),
        Outgoing.message(ALICE, "x" * 5000),  # over Telegram's 4096 characters
        Outgoing.message(ALICE, "A shorter one"),
    )
    async with running_sender(server, db, clock):
        await settled(db)
    too_long, shorter = await outbox(db)
    assert too_long.state == "failed" and "too long" in (too_long.last_error or "")
    assert too_long.attempts == 1
    assert shorter.state == "sent"
    assert len(server.find_calls("sendMessage")) == 2


async def test_a_row_for_a_method_the_sender_does_not_make_fails_without_a_call(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE])
    await put(db, clock.now(), Outgoing(ALICE, "ban_chat_member", {"user_id": BOB}))
    async with running_sender(server, db, clock):
        await settled(db)
    (row,) = await outbox(db)
    assert row.state == "failed" and "ban_chat_member" in (row.last_error or "")
    assert server.calls == [c for c in server.calls if c.method == "getMe"]


async def test_an_edit_that_changes_nothing_counts_as_done(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE])
    await put(db, clock.now(), Outgoing.message(ALICE, "Roster: 3 of 5"))
    async with running_sender(server, db, clock) as sender:
        await settled(db)
        (card,) = server.sent(ALICE)
        await put(db, clock.now(), Outgoing.edit(ALICE, card.message_id, "Roster: 3 of 5"))
        sender.wake()
        await settled(db)
    edit = (await outbox(db))[-1]
    assert edit.state == "sent" and edit.last_error is None


async def test_files_go_out_as_uploads(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE])
    await put(
        db,
        clock.now(),
        Outgoing.document(ALICE, "roster.csv", b"name,phone\nAlice,123\n", "Roster"),
        Outgoing.photo(ALICE, "checkin.png", PNG, "Scan to check in"),
    )
    async with running_sender(server, db, clock):
        await settled(db)
    document, photo = server.sent(ALICE)
    assert document.document is not None and document.document.data.startswith(b"name,phone")
    assert photo.photo is not None and photo.caption == "Scan to check in"


async def test_after_a_restart_what_was_in_flight_goes_again_and_nothing_sent_does(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    """A crash left Bob's message ``sending`` (its fate unknown) and Alice's recorded as sent."""
    volunteers(server, [ALICE, BOB, CAROL])
    await put(db, clock.now(), *[call_out(chat) for chat in (ALICE, BOB, CAROL)])
    async with db.engine.begin() as connection:
        for chat, state in ((ALICE, OutboxState.SENT), (BOB, OutboxState.SENDING)):
            await connection.execute(
                update(OutboxMessage).where(OutboxMessage.chat_id == chat).values(state=state)
            )
    async with running_sender(server, db, clock):
        await settled(db)
    assert sorted(chat for _, chat in server.stats.send_log) == [BOB, CAROL]


async def test_a_stopped_sender_leaves_nothing_claimed_and_the_next_one_finishes(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    recipients = list(range(2000, 2060))
    volunteers(server, recipients)
    await put(db, clock.now(), *[call_out(chat) for chat in recipients])
    async with running_sender(server, db, clock, replace(UNLIMITED, global_per_second=60)):
        await server.wait_for(lambda: server.stats.sends >= 20, timeout=10)
    states = [row.state for row in await outbox(db)]
    assert "sending" not in states and "pending" in states
    async with running_sender(server, db, clock):
        await settled(db)
    assert sorted(chat for _, chat in server.stats.send_log) == recipients


async def test_at_telegrams_limits_nothing_provokes_a_429(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    """90 call-outs, six messages for one volunteer and two cards in a team group, with the
    fake enforcing 30/s overall, 1/s per chat after a burst of 3 and 20/min per group, at
    the default pacing."""
    server.limits = Limits.telegram()
    recipients = list(range(3000, 3090))
    volunteers(server, [*recipients, ALICE])
    server.add_group(TEAM_GROUP, "River patrol team")
    await put(
        db,
        clock.now(),
        *[call_out(chat) for chat in recipients],
        *[Outgoing.message(ALICE, f"update {i}", priority=PRIORITY_REPLY) for i in range(6)],
        *[Outgoing.message(TEAM_GROUP, f"card {i}", priority=PRIORITY_NOTICE) for i in range(2)],
    )
    async with running_sender(server, db, clock, SenderLimits()) as sender:
        await settled(db)
    assert server.stats.too_many_requests == 0 and sender.rate_limited == 0
    assert server.stats.sends == 98
    assert server.stats.max_sends_in_window(1.0) <= 30
    assert server.stats.max_sends_in_window(1.0, chat_id=ALICE) == 3  # her burst, then 1/s


async def test_messages_enqueued_while_it_runs_are_sent_when_it_is_woken(
    server: FakeTelegram, db: Database, clock: FrozenClock
) -> None:
    volunteers(server, [ALICE])
    slow_poll = replace(UNLIMITED, poll_seconds=3600)
    async with running_sender(server, db, clock, slow_poll) as sender:
        await asyncio.sleep(0.1)  # it has looked at the empty outbox and gone idle
        await put(db, clock.now(), Outgoing.message(ALICE, "Thanks, you are on the list"))
        sender.wake()
        await server.wait_for(lambda: server.sent(ALICE), timeout=5)


# The smallest valid PNG (1x1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
