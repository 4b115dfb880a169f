"""A call-out broadcast to 300 volunteers through the running bot, with Telegram's limits on and
429s, 403s, 5xx answers and dropped connections along the way."""

from __future__ import annotations

from collections import Counter

from sqlmodel import select

from bot.config import OutboxConfig
from bot.outbox import progress
from models import Account
from tests.fake_telegram import Limits
from tests.harness import StartBot
from tests.outbox_support import add_accounts, call_out, put, settled, volunteers

VOLUNTEERS = range(10_001, 10_301)
TOPIC = "callout:42"


async def test_a_broadcast_to_300_reaches_every_reachable_volunteer_once_through_faults(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(outbox=OutboxConfig())  # Telegram's pacing, not the test shortcut
    telegram = bot.telegram
    telegram.limits = Limits.telegram()
    people = volunteers(telegram, VOLUNTEERS)
    blocked, deactivated = people[::15], people[7::50]
    for person in blocked:
        person.block()
    for person in deactivated:
        person.deactivate()
    unreachable = {p.id for p in blocked + deactivated}
    await add_accounts(bot.db, VOLUNTEERS, bot.clock.now())

    await put(bot.db, bot.clock.now(), *[call_out(chat, topic=TOPIC) for chat in VOLUNTEERS])
    bot.runtime.wake_sender()
    await telegram.wait_for(lambda: telegram.stats.sends >= 60, timeout=30)
    telegram.inject_429(times=2, retry_after=1, method="sendMessage")
    await telegram.wait_for(lambda: telegram.stats.sends >= 140, timeout=30)
    telegram.fail_next("sendMessage", 500, times=2)
    telegram.fail_next("sendMessage", 502)
    await telegram.wait_for(lambda: telegram.stats.sends >= 200, timeout=30)
    telegram.drop_next(2, method="sendMessage")
    await settled(bot.db, timeout=90)

    delivered = Counter(chat for _, chat in telegram.stats.send_log)
    assert set(delivered) == set(VOLUNTEERS) - unreachable
    assert set(delivered.values()) == {1}  # exactly once each
    for chat in delivered:
        assert telegram.sent(chat)[0].text == f"Flood patrol tonight, volunteer {chat}"
    assert telegram.stats.too_many_requests == 2  # only the two injected: pacing provoked none
    assert telegram.stats.errors[500] == 2 and telegram.stats.errors[502] == 1
    assert telegram.stats.dropped_connections == 2

    async with bot.db.session() as session:
        marked = (
            await session.exec(select(Account).where(Account.unreachable_at.is_not(None)))
        ).all()  # type: ignore[union-attr]
        counts = await progress(session, TOPIC)
    assert {a.telegram_id for a in marked} == unreachable
    assert (counts.delivered, counts.failed, counts.pending) == (
        300 - len(unreachable),
        len(unreachable),
        0,
    )
