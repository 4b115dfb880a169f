"""Announcements over real HTTP: a leader's /broadcast reaches 200 volunteers in their own
language, some of whom blocked the bot and some of whom press "Got it"; the status card counts
them; a scheduled announcement can be changed or withdrawn until its time."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from bot.services.announcements.buttons import CardAction, CardPress
from models import Party
from models.announcements import Announcement, AnnouncementRecipient
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import RunningBot, StartBot, expect_refused_as_forged
from tests.outbox_support import volunteers
from tests.seed import audit_trail
from tests.seed_callouts import (
    leader_in_telegram,
    outbox_settled,
    seed_crowd,
    volunteer_in_telegram,
)

NOTICE = "Water is off in buildings 3 & 4 tomorrow <9:00-12:00>"


async def broadcast_now(lead: FakeUser, text: str, audience: str = "Everyone") -> SentMessage:
    """The leader fills in /broadcast: the text, no attachment, the audience, Got it, now;
    returns the summary."""
    await lead.send("/broadcast")
    await lead.expect_message("New announcement")
    await lead.send(text)
    await ask(lead, "Add a photo or a document?", "Skip")
    await ask(lead, "Who should receive it?", audience)
    await ask(lead, "“Got it” button", "Yes")
    await ask(lead, "Send it now, or later?", "Now")
    return await lead.expect_message("Please check the announcement", edits=False)


async def ask(lead: FakeUser, question: str, answer: str) -> None:
    """Wait for the form's question, then press the answer on it."""
    await lead.press(answer, await lead.expect_message(question, edits=False))


def card_of(lead: FakeUser, bot: RunningBot) -> SentMessage:
    """The leader's status card as it is now."""
    cards = [m for m in bot.telegram.sent(chat_id=lead.id) if "📢 Announcement ·" in (m.text or "")]
    return cards[-1].current


async def test_an_announcement_to_200_volunteers_counts_delivered_read_and_undelivered(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    people = volunteers(bot.telegram, await seed_crowd(bot.db, 200), "zh")
    blocked, readers = people[:12], people[12:42]
    for person in blocked:
        person.block()

    summary = await broadcast_now(lead, NOTICE)
    assert "Recipients if sent now: 200." in (summary.text or "")
    await lead.press("📢 Send")
    await lead.expect_message("Recipients: 200.")
    await outbox_settled(bot)

    got = await people[100].expect_message("通知")
    assert NOTICE in (got.text or "")  # the leader's text as written, escaped on the way
    assert got.buttons == [["👍 收到"]]
    for person in readers:
        await person.press("👍 收到")
        assert (await person.expect_callback_answer()).text == "谢谢，已记录。"
    # A quick second tap, before the button changed: harmless.
    await readers[0].press_data(got_message(readers[0]), got.button_data("👍 收到") or "")
    assert (await readers[0].expect_callback_answer()).text == "您已经确认过这条通知了。"
    await outbox_settled(bot)
    assert got_message(readers[0]).current.buttons == [["✅ 已读"]]

    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    card = card_of(lead, bot).text or ""
    assert "Recipients: 200 · delivered 188 · on the way 0 · not delivered 12" in card
    assert "Read (“Got it”): 30 · not yet 158" in card
    assert await acknowledged(bot) == 30
    assert card_of(lead, bot).buttons == [["🔄 Refresh"]]  # too early to remind anyone

    clock.advance(hours=1)
    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    await lead.press("⏰ Remind those who have not read it (158)", card_of(lead, bot))
    assert (await lead.expect_callback_answer()).text == "Reminded: 158."
    await outbox_settled(bot)
    reminder = people[100].messages[-1]
    assert "提醒" in (reminder.text or "") and NOTICE in (reminder.text or "")
    assert all(len(person.messages) == 1 for person in readers[1:])  # readers are left alone


async def test_a_forged_got_it_for_someone_elses_announcement_is_refused(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(clock=FrozenClock())
    lead = await leader_in_telegram(bot)
    member = await volunteer_in_telegram(bot, 301, "Wang Fang", "en", party=Party.OTHER)
    outsider = await volunteer_in_telegram(bot, 302, "Li Na", "en")
    await lead.press("📢 Send", await broadcast_now(lead, "Party branch meeting", "Party members"))
    await lead.expect_message("Recipients: 1.")
    meeting = await member.expect_message("Party branch meeting")
    await lead.press("📢 Send", await broadcast_now(lead, "Leaves are being collected"))
    await lead.expect_message("Recipients: 2.")
    await outsider.expect_message("Leaves are being collected")

    await outsider.press_data(outsider.messages[-1], meeting.button_data("👍 Got it") or "")
    await expect_refused_as_forged(bot, outsider, "en")
    assert await acknowledged(bot) == 0


async def test_a_volunteer_cannot_press_a_leaders_card_buttons(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock())
    lead = await leader_in_telegram(bot)
    volunteer = await volunteer_in_telegram(bot, 301, "Wang Fang", "en")
    await lead.press("📢 Send", await broadcast_now(lead, "Meeting at the community hall"))
    await lead.expect_message("Recipients: 1.")
    notice = await volunteer.expect_message("Meeting at the community hall")
    forged = CardPress(await latest_announcement(bot), CardAction.REMIND.value).pack()
    await volunteer.press_data(notice, forged)
    await expect_refused_as_forged(bot, volunteer, "en")


async def test_a_scheduled_announcement_can_be_changed_until_its_time(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()  # 09:00 in the community
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    volunteer = await volunteer_in_telegram(bot, 301, "Wang Fang", "en")
    await lead.send("/broadcast")
    await lead.expect_message("New announcement")
    await lead.send("Vaccination day on Saturday")
    await ask(lead, "Add a photo or a document?", "Skip")
    await ask(lead, "Who should receive it?", "Everyone")
    await ask(lead, "“Got it” button", "No")
    await ask(lead, "Send it now, or later?", "At a later time")
    await lead.expect_message("When should it be sent?")
    await lead.send("08:00 yesterday")
    await lead.expect_message("I could not read that time")
    await lead.send("tomorrow 08:00")
    await ask(lead, "Please check the announcement", "📢 Send")
    await lead.expect_message("Scheduled for")
    await outbox_settled(bot)
    assert "Will be sent" in (card_of(lead, bot).text or "")

    await lead.press("✏️ Change", card_of(lead, bot))
    summary = await lead.expect_message("Please check the announcement", edits=False)
    await lead.press("✏️ Change something", summary)
    await lead.press("✏️ Text", await lead.expect_message("Which answer do you want to change?"))
    await lead.expect_message("Type the announcement")
    await lead.send("Vaccination day moved to Sunday")
    await ask(lead, "Please check the announcement", "📢 Send")
    await lead.expect_message("Scheduled for")

    clock.advance(hours=22)
    await run_due_work(bot.runtime)
    await volunteer.expect_no_message()
    clock.advance(hours=1)
    await run_due_work(bot.runtime)
    got = await volunteer.expect_message("Vaccination day")
    assert "moved to Sunday" in (got.text or "") and not got.buttons
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    assert "delivered 1" in (card_of(lead, bot).text or "")
    assert len([m for m in volunteer.messages if "Vaccination" in (m.text or "")]) == 1

    forged = CardPress(await latest_announcement(bot), CardAction.EDIT.value).pack()
    await lead.press_data(card_of(lead, bot), forged)  # too late: the card has no such button
    await expect_refused_as_forged(bot, lead, "en")


async def test_a_withdrawn_announcement_is_never_sent(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    volunteer = await volunteer_in_telegram(bot, 301, "Wang Fang", "en")
    await lead.send("/broadcast")
    await lead.expect_message("New announcement")
    await lead.send("Fire drill on Monday")
    await ask(lead, "Add a photo or a document?", "Skip")
    await ask(lead, "Who should receive it?", "Everyone")
    await ask(lead, "“Got it” button", "Yes")
    await ask(lead, "Send it now, or later?", "At a later time")
    await lead.expect_message("When should it be sent?")
    await lead.send("tomorrow 10:00")
    await ask(lead, "Please check the announcement", "📢 Send")
    await lead.expect_message("Scheduled for")
    await outbox_settled(bot)
    await lead.press("🗑 Withdraw", card_of(lead, bot))
    assert (await lead.expect_callback_answer()).text == "Withdrawn: nobody was told."
    await outbox_settled(bot)
    assert "withdrawn" in (card_of(lead, bot).text or "") and not card_of(lead, bot).buttons

    clock.advance(days=2)
    await run_due_work(bot.runtime)
    await volunteer.expect_no_message()
    assert ("broadcast.withdraw", True) in [(a, ok) for _, a, ok in await audit_trail(bot.db)]


async def test_a_photo_goes_out_before_the_text_and_a_sticker_is_asked_again(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(clock=FrozenClock())
    lead = await leader_in_telegram(bot)
    volunteer = await volunteer_in_telegram(bot, 301, "Wang Fang", "en")
    await lead.send("/broadcast")
    await lead.expect_message("New announcement")
    await lead.send("The new duty rota")
    await lead.expect_message("Add a photo or a document?", edits=False)
    await lead.send_sticker()
    await lead.expect_message("Please send a photo, or a file as a document.")
    await lead.send_photo(caption="rota")
    await ask(lead, "Attachment: 🖼 a photo", "Everyone")
    await ask(lead, "“Got it” button", "Yes")
    await ask(lead, "Send it now, or later?", "Now")
    await ask(lead, "Please check the announcement", "📢 Send")
    await lead.expect_message("Recipients: 1.")

    photo = await volunteer.expect_message(lambda m: m.photo is not None)
    text = await volunteer.expect_message("The new duty rota")
    assert photo.message_id < text.message_id and text.buttons == [["👍 Got it"]]


async def latest_announcement(bot: RunningBot) -> int:
    async with bot.db.session() as session:
        return (await session.exec(select(func.max(Announcement.id)))).one()


def got_message(person: FakeUser) -> SentMessage:
    return next(m for m in person.messages if m.buttons)


async def acknowledged(bot: RunningBot) -> int:
    async with bot.db.session() as session:
        return (await session.exec(select(func.count(AnnouncementRecipient.acknowledged_at)))).one()
