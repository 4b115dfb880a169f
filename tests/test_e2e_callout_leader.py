"""Call-outs over real HTTP, the leader's side: the roster card's counts, its buttons (refused
to volunteers, even forged), cancelling, the exported roster and /callouts."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.clock import FrozenClock
from bot.i18n import text
from bot.scheduler import run_due_work
from bot.services.callouts.buttons import RosterAction, RosterPress
from models import Callout
from models.callouts import CalloutStatus
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot, expect_refused_as_forged
from tests.seed import audit_trail
from tests.seed_callouts import (
    create,
    leader_in_telegram,
    outbox_settled,
    states,
    volunteer_in_telegram,
)


async def a_call_out_with_answers(
    bot: RunningBot, clock: FrozenClock
) -> tuple[int, FakeUser, list[FakeUser]]:
    """Five volunteers asked for two places: two go, one waits, one can't, one is silent."""
    lead = await leader_in_telegram(bot)
    people = [
        await volunteer_in_telegram(bot, 101 + n, name, "en", phone=f"+861380000000{n}")
        for n, name in enumerate(("Wang Fang", "Li Na", "Zhao Lei", "Chen Jie", "Sun Mei"))
    ]
    callout_id = await create(bot.db, clock.now(), needed=2, title="Flood patrol")
    await run_due_work(bot.runtime)
    for person in people:
        await person.expect_message("Flood patrol")
    for person in people[:3]:
        await person.press("✅ I'll go")
        await person.expect_message("You are")
    await people[3].press("❌ Can't go")
    await people[3].expect_message("You said you can't go")
    return callout_id, lead, people


async def test_the_roster_card_shows_who_is_coming(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    _, lead, _ = await a_call_out_with_answers(bot, clock)
    await outbox_settled(bot)
    await run_due_work(bot.runtime)

    card = await lead.expect_message(
        lambda m: all(
            count in (m.text or "")
            for count in (
                "Confirmed: 2",
                "Waiting list: 1",
                "Declined: 1",
                "No answer yet: 1",
                "Delivered: 5 · pending: 0 · undelivered: 0",
            )
        )
    )
    assert "Needed: 2" in card.text and "Full" in card.text
    assert card.buttons == [  # full: no Remind, no Widen (they would only lengthen the line)
        ["👥 Full list"],
        ["🕒 Change time", "📷 Check-in QR"],
        ["⏱ Correct hours", "📊 Export roster"],
        ["🔒 Close", "🛑 Cancel"],
        ["🔄 Refresh"],
    ]
    cards = [m for m in bot.telegram.sent(chat_id=lead.id) if not m.edited]
    assert len(cards) == 1  # one message, edited in place


async def test_a_volunteers_forged_roster_press_is_refused_and_logged(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    callout_id, _, people = await a_call_out_with_answers(bot, clock)
    intruder = people[4]
    invitation = intruder.messages[-1]

    await intruder.press_data(
        invitation, RosterPress(callout_id, RosterAction.CANCEL_CONFIRMED).pack()
    )

    await expect_refused_as_forged(bot, intruder, "en")
    assert (await states(bot.db, callout_id))[people[0].id] == "confirmed"


async def test_cancelling_from_the_card_asks_first_then_tells_those_coming(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    callout_id, lead, people = await a_call_out_with_answers(bot, clock)
    await lead.expect_message("Roster")

    await lead.press("🛑 Cancel")
    await lead.expect_message("Everyone who said yes or is waiting will be told")
    await lead.press("🛑 Yes, cancel it")

    assert (await lead.expect_callback_answer()).text == "Cancelled. 3 volunteers were told."
    for person in people[:3]:  # two confirmed, one waiting
        await person.expect_message("has been cancelled. You do not need to come")
    await lead.expect_message(
        lambda m: "cancelled" in (m.text or "") and m.buttons == [["📊 Export roster"]]
    )
    assert (lead.id, "callout.cancel", True) in await audit_trail(bot.db)
    async with bot.db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None and callout.status == CalloutStatus.CANCELLED


async def test_the_exported_roster_lists_names_phones_and_answers(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    _, lead, _ = await a_call_out_with_answers(bot, clock)
    await lead.expect_message("Roster")

    await lead.press("📊 Export roster")

    sent = await lead.expect_message(lambda m: m.document is not None)
    assert sent.document is not None and sent.document.file_name.endswith(".xlsx")
    assert "Flood patrol" in (sent.caption or "")
    rows = list(load_workbook(io.BytesIO(sent.document.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Name", "Phone", "Answer")
    assert [row[:3] for row in rows[1:]] == [
        ("Li Na", "+8613800000001", "Confirmed"),  # by name among the confirmed
        ("Wang Fang", "+8613800000000", "Confirmed"),
        ("Zhao Lei", "+8613800000002", "Waiting list"),
        ("Sun Mei", "+8613800000004", "No answer"),  # seeded as visible in the registry
        ("Chen Jie", "+8613800000003", "Declined"),
    ]


async def test_callouts_lists_them_and_opens_a_card(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    _, lead, _ = await a_call_out_with_answers(bot, clock)
    first_card = await lead.expect_message("Roster")

    await lead.send("/callouts")
    listing = await lead.expect_message("Call-outs")
    assert "Flood patrol" in listing.text and "2/2 confirmed" in listing.text
    await lead.press("Flood patrol")

    fresh_card = await lead.expect_message(lambda m: not m.edited and "Roster" in (m.text or ""))
    assert fresh_card.message_id != first_card.message_id
    assert "Confirmed: 2" in fresh_card.text
    await lead.expect_message("moved to a newer message")


async def test_volunteers_cannot_list_call_outs(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock())
    person = await volunteer_in_telegram(bot, 101, "Wang Fang", "en")
    await person.send("/callouts")
    await person.expect_message(text("en", "errors.not_allowed"))
