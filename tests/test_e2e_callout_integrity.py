"""A place belongs to someone who was asked and is still here, over real HTTP: leaving and
pausing give places up (the next in line is promoted and told), a press counts only from
someone the call-out reached, and blocking the bot is noticed at once."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from models.callouts import ResponseState
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot
from tests.seed_callouts import (
    create,
    leader_in_telegram,
    outbox_settled,
    states,
    volunteer_in_telegram,
)


async def one_place_two_takers(
    bot: RunningBot, clock: FrozenClock
) -> tuple[int, FakeUser, FakeUser, FakeUser]:
    """Needed 1: Alice is confirmed, Wang is first in the waiting line."""
    lead = await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en", phone="+8613800000002")
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh", phone="+8613800000001")
    callout_id = await create(bot.db, clock.now(), needed=1, title="Flood patrol")
    await run_due_work(bot.services)
    await alice.press("✅ I'll go", await alice.expect_message("Flood patrol"))
    await alice.expect_message("You are going")
    await wang.press("✅ 我去", await wang.expect_message("Flood patrol"))
    await wang.expect_message("候补名单第 1 位")
    await lead.expect_message("Roster")
    return callout_id, lead, alice, wang


async def card_shows(bot: RunningBot, lead: FakeUser, *counts: str) -> None:
    await outbox_settled(bot)
    await run_due_work(bot.services)
    await lead.expect_message(lambda m: all(count in (m.text or "") for count in counts))


async def exported_answers(lead: FakeUser) -> list[tuple[object, ...]]:
    await lead.press("📊 Export roster", lead.messages[0])
    sent = await lead.expect_message(lambda m: m.document is not None)
    assert sent.document is not None
    rows = load_workbook(io.BytesIO(sent.document.data)).active.iter_rows(values_only=True)
    return [row[:3] for row in list(rows)[1:]]


# -- 4. leaving and pausing give places up ---------------------------------------------------


async def test_leave_lists_the_places_then_gives_them_to_the_next_in_line(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    callout_id, lead, alice, wang = await one_place_two_takers(bot, clock)

    await alice.send("/leave")
    question = await alice.expect_message("Delete your personal data?")
    assert "You will also give up these places" in question.text
    assert "• Flood patrol, 11-22 08:00: confirmed" in question.text
    await alice.press("Yes, delete")
    done = await alice.expect_message("has been deleted")
    assert "• Flood patrol, 11-22 08:00: confirmed" in done.text

    promoted = await wang.expect_message("有名额空出来了")
    assert "您已确认参加" in promoted.text
    assert await states(bot.db, callout_id) == {wang.id: ResponseState.CONFIRMED}
    await card_shows(bot, lead, "Confirmed: 1", "Waiting list: 0", "Withdrew: 1")
    answers = await exported_answers(lead)
    assert ("王芳", "+8613800000001", "Confirmed") in answers
    assert [row for row in answers if row[2] == "Confirmed"] == [
        ("王芳", "+8613800000001", "Confirmed")
    ]


async def test_leave_with_no_places_asks_as_before(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    await alice.send("/leave")
    question = await alice.expect_message("Delete your personal data?")
    assert "give up" not in question.text


async def test_pause_asks_whether_to_keep_places_and_giving_them_up_promotes(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    callout_id, lead, alice, wang = await one_place_two_takers(bot, clock)

    await alice.send("/pause")
    await alice.expect_message("for how long")
    await alice.press("1 week")
    question = await alice.expect_message("Keep them during the pause?")
    assert "• Flood patrol, 11-22 08:00: confirmed" in question.text
    assert question.buttons == [["Keep my places", "Give them up"]]
    await alice.press("Give them up")
    paused = await alice.expect_message("paused until")
    assert "You gave up these places" in paused.text

    await wang.expect_message("有名额空出来了")
    assert await states(bot.db, callout_id) == {
        alice.id: ResponseState.WITHDRAWN,
        wang.id: ResponseState.CONFIRMED,
    }
    await card_shows(bot, lead, "Confirmed: 1", "Waiting list: 0", "Withdrew: 1")


async def test_a_pause_may_keep_the_places_already_promised(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    callout_id, _, alice, wang = await one_place_two_takers(bot, clock)

    await alice.send("/pause")
    await alice.expect_message("for how long")
    await alice.press("1 day")
    await alice.expect_message("Keep them during the pause?")
    await alice.press("Keep my places")
    paused = await alice.expect_message("paused until")
    assert "gave up" not in paused.text

    assert await states(bot.db, callout_id) == {
        alice.id: ResponseState.CONFIRMED,
        wang.id: ResponseState.WAITING,
    }
    # A kept place can still be given back by hand, and then goes to the next in line.
    await alice.press("↩️ Withdraw: I can't come any more", alice.messages[0])
    await alice.expect_message("You withdrew")
    await wang.expect_message("有名额空出来了")
