"""The leader's roster card shows people, not only counts, over real HTTP: who is coming by
name (no phones), the first of the waiting line, check-in marks once the duty starts; 230
people still fit in one card, with the full list one tap away; and a withdrawal with the
promotion it brings reaches the leader as one message."""

from __future__ import annotations

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from bot.services.callouts import checkin
from tests.harness import StartBot
from tests.seed_callouts import (
    DISPLAY,
    create,
    go,
    leader_in_telegram,
    outbox_settled,
    seed_crowd,
    volunteer_in_telegram,
)

TELEGRAM_LIMIT = 4096


async def test_the_leader_sees_who_is_coming_and_hears_of_a_withdrawal_once(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    wang, li, zhao, chen = [
        await volunteer_in_telegram(bot, 101 + n, name, "en", phone=f"+861380000000{n}")
        for n, name in enumerate(("Wang Fang", "Li Na", "Zhao Lei", "Chen Jie"))
    ]
    await create(bot.db, clock.now(), needed=2, title="Flood patrol")
    await run_due_work(bot.runtime)
    for person in (wang, li, zhao, chen):
        await person.press("✅ I'll go", await person.expect_message("Flood patrol"))
        await person.expect_message("You are")
    await outbox_settled(bot)
    await run_due_work(bot.runtime)

    card = await lead.expect_message(lambda m: "Chen Jie" in (m.text or ""))
    assert "🙋 Coming: Wang Fang, Li Na" in card.text
    assert "⏳ Next on the waiting list: 1. Zhao Lei, 2. Chen Jie" in card.text
    assert "+86138" not in card.text  # names only, never phones
    sent_before = len([m for m in bot.telegram.sent(chat_id=lead.id) if not m.edited])

    # Wang Fang withdraws; Zhao Lei moves up. Lin gets one message saying both.
    await wang.press("↩️ Withdraw")
    await wang.expect_message("You withdrew")
    await zhao.expect_message("A place opened up")
    await outbox_settled(bot)
    news = [m for m in bot.telegram.sent(chat_id=lead.id) if not m.edited][sent_before:]
    assert [m.text for m in news] == [
        "📋 Flood patrol: the roster changed\n"
        "↩️ Withdrew: Wang Fang\n"
        "⬆️ Moved up from the waiting list: Zhao Lei\n"
        "Now 2 of 2 confirmed."
    ]
    card = await lead.expect_message(lambda m: m.edited and "Coming: Li Na, Zhao Lei" in m.text)
    assert "Next on the waiting list: 1. Chen Jie" in card.text


async def test_two_hundred_and_thirty_names_fit_the_card_and_the_full_list_is_a_tap_away(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot, language="zh")
    crowd = await seed_crowd(bot.db, 230)
    callout_id = await create(bot.db, clock.now(), needed=None, title="河道清洁")
    await run_due_work(bot.runtime)
    for telegram_id in crowd:
        await go(bot.db, telegram_id, callout_id, clock)
    await outbox_settled(bot)

    # The duty starts; the first volunteer checks in.
    clock.advance(hours=23, minutes=5)
    async with bot.db.session() as session:
        await checkin.check_in(session, crowd[0], callout_id, clock.now(), DISPLAY)
    await run_due_work(bot.runtime)
    await outbox_settled(bot)

    card = await lead.expect_message(lambda m: "📍Volunteer 100000" in (m.text or ""))
    assert len(card.text) < TELEGRAM_LIMIT
    assert (
        "🙋 确认参加（📍已签到，🏁已签退，❔未签到）：📍Volunteer 100000、❔Volunteer 100001"
        in (card.text)
    )
    assert "Volunteer 100029" in card.text and "Volunteer 100030" not in card.text

    await lead.press("👥 完整名单", card)
    await lead.expect_message("河道清洁：完整名单", edits=False)
    await outbox_settled(bot)
    pages = [m for m in bot.telegram.sent(chat_id=lead.id) if "Volunteer" in (m.text or "")]
    pages = [m for m in pages if not m.edited and m.message_id > card.message_id]
    assert len(pages) >= 2 and all(len(m.text) <= TELEGRAM_LIMIT for m in pages)
    listed = "\n".join(m.text for m in pages)
    assert pages[0].text.startswith("👥 河道清洁：完整名单\n✅ 已确认（230 人）：")
    assert all(f"Volunteer {i}" in listed for i in crowd)
    assert "1. 📍Volunteer 100000" in listed and "230. ❔Volunteer 100229" in listed
