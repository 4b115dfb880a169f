"""The outbox holds back what would disturb a person: routine messages at night (quiet hours)
and proactive messages in the middle of a form. The real sender over HTTP, on a clock the test
moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FrozenClock
from bot.config import Config
from bot.outbox.queue import PRIORITY_ALERT, PRIORITY_BULK, PRIORITY_NOTICE, Outgoing
from bot.outbox.quiet import QuietHours
from bot.outbox.store import FORM_HOLD
from bot.services.callouts import roster
from models import Conversation
from models.callouts import Urgency
from models.db import Database
from tests.fake_telegram import FakeTelegram
from tests.outbox_support import outbox, put, running_sender, settled, volunteers
from tests.seed_callouts import create_and_deliver, seed_crowd, seed_leader

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUIET = QuietHours.from_config(Config())  # 22:00-07:00 in Asia/Shanghai
ALICE, BOB = 501, 502
AT_23H = datetime(2026, 12, 3, 23, 0, tzinfo=SHANGHAI)


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as telegram:
        yield telegram


def texts(server: FakeTelegram, chat: int) -> list[str]:
    return [m.text or m.caption or "" for m in server.sent(chat)]


async def nothing_more_goes(server: FakeTelegram, count: int) -> None:
    """Give the sender a few of its loops to send what it would."""
    await asyncio.sleep(0.4)
    assert server.stats.sends == count


def test_quiet_hours_run_from_ten_at_night_to_seven_in_the_community() -> None:
    assert QUIET.cover(datetime(2026, 12, 3, 22, 0, tzinfo=SHANGHAI))
    assert QUIET.cover(datetime(2026, 12, 4, 6, 59, tzinfo=SHANGHAI))
    assert not QUIET.cover(datetime(2026, 12, 4, 7, 0, tzinfo=SHANGHAI))
    assert not QUIET.cover(datetime(2026, 12, 3, 21, 59, tzinfo=SHANGHAI))
    assert QUIET.over_at(AT_23H) == datetime(2026, 12, 4, 7, 0, tzinfo=SHANGHAI)
    noon = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
    assert QUIET.over_at(noon) == noon
    off = QuietHours(QUIET.starts, QUIET.starts, SHANGHAI)
    assert not off.cover(AT_23H)


async def test_a_call_out_at_night_waits_for_the_morning_but_an_emergency_goes_at_once(
    server: FakeTelegram, db: Database
) -> None:
    """At 23:00 a leader sends a routine call-out and an emergency one: the emergency and an
    alert go now; the routine one waits, through a restart, until 07:00."""
    clock = FrozenClock(AT_23H)
    volunteers(server, [ALICE, BOB])
    await put(
        db,
        clock.now(),
        Outgoing.message(ALICE, "Tree planting on Saturday", priority=PRIORITY_BULK, routine=True),
        Outgoing.message(BOB, "Flooding at Building 3: come now", priority=PRIORITY_ALERT),
        Outgoing.message(ALICE, "Alert: Mrs Li did not answer", priority=PRIORITY_ALERT),
    )
    async with running_sender(server, db, clock, quiet_hours=QUIET):
        await server.wait_for(lambda: server.stats.sends == 2, timeout=5)
        await nothing_more_goes(server, 2)
    assert texts(server, ALICE) == ["Alert: Mrs Li did not answer"]
    assert texts(server, BOB) == ["Flooding at Building 3: come now"]

    clock.set(datetime(2026, 12, 4, 6, 59, tzinfo=SHANGHAI))  # restarted before dawn
    async with running_sender(server, db, clock, quiet_hours=QUIET):
        await nothing_more_goes(server, 2)
        clock.set(datetime(2026, 12, 4, 7, 0, tzinfo=SHANGHAI))
        await settled(db, timeout=10)
    assert texts(server, ALICE)[-1] == "Tree planting on Saturday"


async def test_a_proactive_message_waits_until_the_person_finishes_their_form(
    server: FakeTelegram, db: Database
) -> None:
    """Alice is half-way through a form: the replies to her answers reach her, an alert reaches
    her, but a reminder and the monthly report wait until the form ends."""
    clock = FrozenClock(datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI))
    volunteers(server, [ALICE])
    async with db.session() as session:
        form = Conversation(
            telegram_id=ALICE, flow="signup", step="phone", version=1, updated_at=clock.now()
        )
        session.add(form)
    await put(
        db,
        clock.now(),
        Outgoing.message(ALICE, "Reminder: patrol at 14:00", priority=PRIORITY_NOTICE),
        Outgoing.document(ALICE, "report.xlsx", b"PK", "November report", priority=3),
        Outgoing.message(ALICE, "Your phone number?"),
        Outgoing.message(ALICE, "Alert: Mrs Li did not answer", priority=PRIORITY_ALERT),
    )
    async with running_sender(server, db, clock):
        await server.wait_for(lambda: server.stats.sends == 2, timeout=5)
        await nothing_more_goes(server, 2)
        assert texts(server, ALICE) == ["Your phone number?", "Alert: Mrs Li did not answer"]
        async with db.session() as session:
            row = await session.get(Conversation, ALICE)
            assert row is not None
            row.flow, row.step, row.updated_at = "", "", clock.now()  # she finishes the form
            session.add(row)
        await settled(db, timeout=10)
    assert texts(server, ALICE)[2:] == ["Reminder: patrol at 14:00", "November report"]


async def test_a_form_left_open_holds_messages_back_only_for_a_while(
    server: FakeTelegram, db: Database
) -> None:
    clock = FrozenClock(datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI))
    volunteers(server, [ALICE])
    async with db.session() as session:
        session.add(
            Conversation(
                telegram_id=ALICE, flow="signup", step="phone", version=1, updated_at=clock.now()
            )
        )
    await put(db, clock.now(), Outgoing.message(ALICE, "Reminder", priority=PRIORITY_NOTICE))
    async with running_sender(server, db, clock):
        await nothing_more_goes(server, 0)
        clock.advance(FORM_HOLD + timedelta(seconds=1))  # she walked away from the form
        await settled(db, timeout=10)
    assert texts(server, ALICE) == ["Reminder"]


async def test_a_call_out_waits_for_the_morning_only_when_the_morning_comes_before_it(
    db: Database,
) -> None:
    """At 23:00: a call-out for 9:00 tomorrow may wait until 7:00; one for 6:00 tomorrow, or an
    emergency, goes now."""
    now = AT_23H.astimezone(UTC)
    crowd = await seed_crowd(db, 2)
    await seed_leader(db)
    tomorrow_9 = now + timedelta(hours=10)
    tomorrow_6 = now + timedelta(hours=7)
    await create_and_deliver(db, now, starts_at=tomorrow_9, ends_at=tomorrow_9 + timedelta(hours=3))
    await create_and_deliver(db, now, starts_at=tomorrow_6, ends_at=tomorrow_6 + timedelta(hours=3))
    await create_and_deliver(db, now, urgency=Urgency.EMERGENCY)
    invitations = [row for row in await outbox(db) if row.chat_id in crowd]
    by_callout = {(row.topic, row.routine) for row in invitations}
    assert by_callout == {
        (roster.delivery_topic(1), True),
        (roster.delivery_topic(2), False),
        (roster.delivery_topic(3), False),
    }
