"""A message that points at a card says where the card is, and the card is there: after a
/broadcast the leader's status card comes first and the confirmation says "the card above";
after a /callout the confirmation comes first and says "the roster card follows"."""

from __future__ import annotations

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from tests.fake_telegram import FakeUser
from tests.fake_telegram.sent_message import SentMessage
from tests.harness import RunningBot, StartBot
from tests.seed_callouts import leader_in_telegram, outbox_settled, volunteer_in_telegram


async def prompt(user: FakeUser, expected: str) -> SentMessage:
    return await user.expect_message(expected, edits=False)


def position(bot: RunningBot, chat_id: int, text: str) -> int:
    """Where, among the bot's messages in the chat, the only one containing ``text`` is."""
    found = [i for i, m in enumerate(bot.telegram.messages(chat_id)) if text in (m.text or "")]
    assert len(found) == 1, found
    return found[0]


async def test_the_broadcast_confirmation_follows_the_card_it_calls_the_card_above(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(clock=FrozenClock())
    lead = await leader_in_telegram(bot)
    await volunteer_in_telegram(bot, 101, "Zhao Lei", "zh")
    await volunteer_in_telegram(bot, 102, "Sun Mei", "en")

    await lead.send("/broadcast")
    await prompt(lead, "New announcement")
    await lead.send("Water is off tomorrow morning")
    await lead.press("Skip", await prompt(lead, "Add a photo or a document?"))
    await lead.press("Everyone", await prompt(lead, "Who should receive it?"))
    await lead.press("Yes", await prompt(lead, "“Got it” button"))
    await lead.press("Now", await prompt(lead, "Send it now, or later?"))
    await lead.press("📢 Send", await prompt(lead, "Please check the announcement"))
    sent = await prompt(lead, "Recipients: 2.")
    assert "The announcement card above shows" in (sent.text or "")
    await outbox_settled(bot)

    assert position(bot, lead.id, "📢 Announcement ·") < position(bot, lead.id, "Recipients: 2.")


async def test_the_callout_confirmation_comes_before_the_roster_card_it_announces(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(clock=FrozenClock())
    lead = await leader_in_telegram(bot)
    zhao = await volunteer_in_telegram(bot, 101, "Zhao Lei", "en")
    await volunteer_in_telegram(bot, 102, "Sun Mei", "en")

    await lead.send("/callout")
    await lead.press("Night patrol", await prompt(lead, "What kind of call-out is it?"))
    await lead.press("Keep the current answer", await prompt(lead, "Its title"))
    await lead.press("Skip", await prompt(lead, "What will volunteers do"))
    await prompt(lead, "Where?")
    await lead.send("River bank, gate 3")
    await prompt(lead, "Share the exact location")
    await lead.tap_reply_button("Skip")
    await prompt(lead, "When does it start?")
    await lead.send("tomorrow 20:00")
    await lead.press("Keep the current answer", await prompt(lead, "When does it end?"))
    await lead.press("Keep the current answer", await prompt(lead, "How many volunteers"))
    await lead.press("Done ✓", await prompt(lead, "Which skills are required?"))
    await lead.press("🌐 Everyone", await prompt(lead, "Who should be asked?"))
    await lead.press("Skip", await prompt(lead, "By when should volunteers answer?"))
    await lead.press("Normal", await prompt(lead, "How urgent is it?"))
    await lead.press("📣 Send", await prompt(lead, "Preview of the call-out"))
    created = await prompt(lead, "Night patrol is being sent to 2 volunteers")
    assert "The roster card follows" in (created.text or "")

    await run_due_work(bot.runtime)  # the scheduler delivers it, and posts the card
    await zhao.expect_message("Night patrol")
    await lead.expect_message("📋 Roster")
    await outbox_settled(bot)

    assert position(bot, lead.id, "is being sent to") < position(bot, lead.id, "📋 Roster")
