"""The whole story of a call-out over real HTTP, as the issue tells it: a leader creates it
through the form for one team, the team answers, the clock moves and the call-out widens to
the whole community on its own, reminders go out before the start ("still coming?"), someone
drops out and the waiting list moves up, volunteers check in (the QR code's deep link, the
reminder's button) and out (or are checked out at the end), and ``/hours`` shows the time."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlmodel import select

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from models import Callout, CalloutResponse, Volunteer
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot
from tests.seed import seed_team
from tests.seed_callouts import leader_in_telegram, outbox_settled, volunteer_in_telegram


async def new(user: FakeUser, expected: str) -> str:
    return (await user.expect_message(expected, edits=False)).text or ""


async def leader_creates_vaccination_duty_for_the_medical_team(lead: FakeUser) -> None:
    await lead.send("/callout")
    await new(lead, "What kind of call-out is it?")
    await lead.press("Vaccination duty")
    await new(lead, "Its title")
    await lead.press("Keep the current answer")
    await new(lead, "What will volunteers do")
    await lead.send("Queue, forms and guidance at the vaccination point.")
    await new(lead, "Where?")
    await lead.send("Health station, Building 2")
    await new(lead, "Share the exact location")
    await lead.tap_reply_button("Skip")
    await new(lead, "When does it start?")
    await lead.send("tomorrow 08:00")
    await new(lead, "When does it end?")
    await lead.send("12:00")
    await new(lead, "How many volunteers are needed?")
    await lead.send("3")
    skills = await lead.expect_message("Which skills are required?", edits=False)
    assert "This template suggests: Medical" in skills.text  # suggested, not ticked
    assert "✅ Medical" not in str(skills.buttons)
    await lead.press("Medical")  # only medics can do this one
    await lead.expect_message(lambda m: m.edited and "✅ Medical" in str(m.buttons))
    await lead.press("Done ✓")
    await new(lead, "Who should be asked?")
    await lead.press("👥 Chosen teams")
    await new(lead, "Which teams?")
    await lead.press("Medical team")
    await lead.expect_message(lambda m: m.edited and "✅ Medical team" in str(m.buttons))
    await lead.press("Done ✓")
    await new(lead, "Only party members among them?")
    await lead.press("No")
    await new(lead, "By when should volunteers answer?")
    await lead.press("Skip")
    await new(lead, "How urgent is it?")
    await lead.press("Normal")
    assert "It will reach 2 volunteers now." in await new(lead, "Preview of the call-out")
    await lead.press("📣 Send")
    await new(lead, "is being sent to 2 volunteers")


async def checkin_code(bot: RunningBot) -> str:
    async with bot.db.session() as session:
        callout = (await session.exec(select(Callout))).one()
        assert callout.checkin_code is not None
        return callout.checkin_code


async def attendance(bot: RunningBot, telegram_id: int) -> CalloutResponse:
    async with bot.db.session() as session:
        return (
            await session.exec(
                select(CalloutResponse)
                .join(Volunteer, Volunteer.id == CalloutResponse.volunteer_id)
                .where(Volunteer.telegram_id == telegram_id)
            )
        ).one()


async def test_a_call_out_from_the_form_to_the_hours_it_earned(start_bot: StartBot) -> None:
    clock = FrozenClock()  # Saturday 2026-11-21, 09:00 in Shanghai
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    wang, li = (
        await volunteer_in_telegram(bot, 101, "Wang Fang", "en", skills=["medical"]),
        await volunteer_in_telegram(bot, 102, "Li Na", "en", skills=["medical"]),
    )
    zhao, chen = (
        await volunteer_in_telegram(bot, 103, "Zhao Lei", "en", skills=["medical"]),
        await volunteer_in_telegram(bot, 104, "Chen Jie", "en", skills=["medical"]),
    )
    driver = await volunteer_in_telegram(bot, 105, "Sun Mei", "en", skills=["driving"])
    async with bot.db.session() as session:
        ids = {v.telegram_id: v.id for v in (await session.exec(select(Volunteer))).all()}
    await seed_team(bot.db, "Medical team", [ids[wang.id], ids[li.id]])

    # The leader creates it; the scheduler delivers it to the team.
    await leader_creates_vaccination_duty_for_the_medical_team(lead)
    await run_due_work(bot.runtime)
    for person in (wang, li):
        await person.expect_message("Vaccination duty")
        await person.press("✅ I'll go")
        await person.expect_message("You are going")
    assert bot.telegram.sent(chat_id=zhao.id) == []

    # Ten minutes on it is still short: it widens to every medic in the community.
    clock.advance(minutes=10)
    await run_due_work(bot.runtime)
    for person in (zhao, chen):
        await person.expect_message("Vaccination duty")
    assert bot.telegram.sent(chat_id=driver.id) == []  # still only those with the skill
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    await lead.expect_message("asked the whole community: 2 more")
    await zhao.press("✅ I'll go")
    await zhao.expect_message("You are going")
    await chen.press("✅ I'll go")
    await chen.expect_message("number 1 on the waiting list")

    # At thirty minutes it is full: the reminder wave is not needed, and the card says so.
    clock.advance(minutes=20)
    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    await lead.expect_message("remind those who have not answered: not needed, full")

    # An hour before the start, the confirmed are asked whether they are still coming.
    clock.set(datetime(2026, 11, 21, 23, 0, tzinfo=UTC))  # 07:00 in Shanghai
    await run_due_work(bot.runtime)
    for person in (wang, li, zhao):
        reminder = await person.expect_message("Are you still coming?")
        assert reminder.buttons == [
            ["✅ Yes, I'm coming", "↩️ I can't any more"],
            ["📍 Check in"],
        ]
    await run_due_work(bot.runtime)  # nothing is sent twice
    await li.press("↩️ I can't any more")
    await li.expect_message("You withdrew")
    await chen.expect_message("A place opened up: you are off the waiting list and confirmed.")
    await wang.press("✅ Yes, I'm coming")
    assert (await wang.expect_callback_answer()).text == "Thank you! See you there."
    await wang.expect_message(lambda m: m.edited and m.buttons == [["📍 Check in"]])

    # The leader puts the check-in QR code up at the site.
    await lead.press("📷 Check-in QR")
    qr = await lead.expect_message(lambda m: m.photo is not None)
    assert qr.photo is not None and qr.photo.data.startswith(b"\x89PNG")
    code = await checkin_code(bot)
    assert f"https://t.me/muster_test_bot?start=ci_{code}" in (qr.caption or "")

    # Zhao checks in from the reminder's button as he arrives, Wang by scanning the code.
    clock.set(datetime(2026, 11, 21, 23, 55, tzinfo=UTC))  # 07:55
    await zhao.press("📍 Check in")
    await zhao.expect_message("You are checked in to Vaccination duty at 7:55")
    await zhao.tap_reply_button("Skip")
    skipped = await zhao.expect_message("checked in without a location")
    # The step's own keyboard goes, and his menu buttons come back (not none at all).
    assert skipped.reply_keyboard == [
        ["📋 My tasks", "📍 Check in"],
        ["⏱ My hours", "⏸ Pause"],
        ["👤 My profile", "❓ Help"],
    ]
    clock.set(datetime(2026, 11, 22, 0, 5, tzinfo=UTC))  # 08:05
    await wang.send(f"/start ci_{code}")
    checked_in = await wang.expect_message("You are checked in to Vaccination duty")
    assert "at 8:05." in checked_in.text
    assert checked_in.reply_keyboard == [["📍 Share a location"], ["Skip"]]
    await wang.send_location(30.5928, 114.3055)
    await wang.expect_message("Location saved")
    wang_at_site = await attendance(bot, wang.id)
    assert (wang_at_site.check_in_latitude, wang_at_site.check_in_longitude) == (
        30.5928,
        114.3055,
    )

    # Wang checks out at 11:35; Zhao forgets, and is checked out when the duty ends.
    clock.set(datetime(2026, 11, 22, 3, 35, tzinfo=UTC))
    await wang.send("/checkout")
    await wang.expect_message("3 h 30 min credited")
    clock.set(datetime(2026, 11, 22, 4, 1, tzinfo=UTC))
    await run_due_work(bot.runtime)
    forgot = await zhao.expect_message("ended at Sun 22 Nov, 12:00 and you were still checked in")
    assert "4 h 5 min credited" in forgot.text  # from 07:55 to the end

    await wang.send("/hours")
    hours = await wang.expect_message("Your service hours")
    assert "This month: 3 h 30 min" in hours.text and "All time: 3 h 30 min" in hours.text
    assert "today · Vaccination duty · 3 h 30 min" in hours.text

    # The exported roster has the check-in and check-out times.
    await lead.press("📊 Export roster")
    sheet = await lead.expect_message(lambda m: m.document is not None)
    assert sheet.document is not None
    rows = list(load_workbook(io.BytesIO(sheet.document.data)).active.iter_rows(values_only=True))
    wang_row = next(row for row in rows if row[0] == "Wang Fang")
    assert wang_row[6:8] == (datetime(2026, 11, 22, 8, 5), datetime(2026, 11, 22, 11, 35))
