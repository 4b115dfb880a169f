"""The leaders' side of the rounds over real HTTP: importing the elders as a document,
the list and a card with removal, the duty rota, /round_now and /rounds."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bot.clock import FrozenClock
from bot.scheduler import run_due_work
from models import Role
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot
from tests.rounds_world import lead_team, reachable, settled
from tests.seed import seed_account, seed_team, seed_volunteer

MONDAY_TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
LEADER = 600


async def care_team(bot: RunningBot) -> tuple[FakeUser, FakeUser]:
    """Lin leads the Sunshine care team; Wang visits."""
    lin = await reachable(bot, LEADER, "Lin", "en")
    wang = await reachable(bot, 601, "Wang", "en")
    await seed_account(bot.db, LEADER, role=Role.LEADER, language="en", first_name="Lin")
    wang_id = await seed_volunteer(bot.db, 601, "Wang", phone="+8613900000601", language="en")
    await lead_team(bot.db, await seed_team(bot.db, "Sunshine care team", [wang_id]), LEADER)
    return lin, wang


def sheet(*rows: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "小区", "房号", "电话", "服务队", "主要走访人", "走访时间"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


async def test_a_leader_imports_elders_by_sending_the_spreadsheet(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock(MONDAY_TEN))
    lin, wang = await care_team(bot)

    await lin.send("/elders import")
    await lin.expect_message("Send the spreadsheet now")
    bad = sheet(["李奶奶", "阳光小区", "502", "13900001111", "Sunshine care team", "Nobody", ""])
    await lin.send_document("elders.csv", bad, mime_type="text/csv")
    report = await lin.expect_message("Nothing was imported")
    assert "Row 2, Primary visitor: No registered volunteer is “Nobody”" in (report.text or "")

    good = sheet(
        ["李奶奶", "阳光小区", "502", "13900001111", "Sunshine care team", "Wang", "09:00"],
        ["陈大爷", "阳光小区", "101", "", "Sunshine care team", "Wang", ""],
    )
    # Resent with the command as its caption: no need to say /elders import again.
    await lin.send_document("elders.csv", good, mime_type="text/csv", caption="/elders import")
    await lin.expect_message("Imported: 2 new, 0 updated.")

    await lin.send("/elders")
    listing = await lin.expect_message("Elders on the rounds")
    assert [row[0] for row in listing.buttons] == [
        "#1 李奶奶 · 阳光小区 · Sunshine care team",
        "#2 陈大爷 · 阳光小区 · Sunshine care team",
    ]
    await lin.press("#1 李奶奶", listing)
    card = await lin.expect_message("李奶奶")
    assert "13900001111" in (card.text or "") and "09:00 (within 120 min)" in (card.text or "")
    await lin.press("🗑 Remove from the rounds", card)
    await lin.expect_message("Remove 李奶奶 from the rounds?")
    await lin.press("Yes, remove")
    await lin.expect_message("李奶奶 is removed from the rounds.")

    # A volunteer's document is just a document; /elders is for leaders.
    await wang.send_document("notes.csv", good, mime_type="text/csv", caption="/elders import")
    await wang.expect_message("not allowed")
    await wang.send("/elders")
    await wang.expect_message("not allowed")


async def test_an_export_comes_back_as_a_spreadsheet_document(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock(MONDAY_TEN))
    lin, _ = await care_team(bot)
    good = sheet(["李奶奶", "阳光小区", "502", "13900001111", "Sunshine care team", "Wang", ""])
    await lin.send_document("elders.csv", good, mime_type="text/csv", caption="/elders import")
    await lin.expect_message("Imported: 1 new")
    await lin.send("/elders export csv")
    exported = await lin.expect_message("Elders on the rounds: 1")
    assert exported.document is not None and exported.document.file_name == "elders-2026-11-23.csv"
    assert "李奶奶" in exported.document.data.decode("utf-8-sig")


async def test_duty_is_set_with_arguments_and_shown_to_anyone(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock(MONDAY_TEN))
    lin, wang = await care_team(bot)
    await lin.send("/duty set mon day Wang")
    await lin.expect_message("Duty Mon, day: Wang.")
    await lin.send("/duty set 2026-11-23 night nobody")
    await lin.expect_message("Duty Mon 23 Nov, night: nobody.")
    await lin.send("/duty set mon noon Wang")
    await lin.expect_message("“noon” is not a shift")
    await wang.send("/duty")
    overview = await wang.expect_message("Duty rota")
    assert "On duty now (day): Wang" in (overview.text or "")
    assert "Mon 23 Nov night: nobody" in (overview.text or "")
    await wang.send("/duty set mon day Wang")
    await wang.expect_message("not allowed")
    await wang.send("/duty help")
    await wang.expect_message("/duty set <weekday> <day|night> <who>")


async def test_the_night_shift_running_now_can_be_filled_and_gaps_are_dated_as_elsewhere(
    start_bot: StartBot,
) -> None:
    """At 04:12 on Friday, Thursday's night shift (20:00-08:00) is still running: /duty
    lists it as a gap and a leader can fill it; its day shift is over."""
    bot = await start_bot(clock=FrozenClock(datetime(2026, 12, 3, 20, 12, tzinfo=UTC)))
    lin, _ = await care_team(bot)
    li = await reachable(bot, 602, "李明", "zh")
    await seed_account(bot.db, 602, role=Role.LEADER, language="zh", first_name="李明")
    good = sheet(["李奶奶", "阳光小区", "502", "13900001111", "Sunshine care team", "Wang", ""])
    await lin.send_document("elders.csv", good, mime_type="text/csv", caption="/elders import")
    await lin.expect_message("Imported: 1 new")
    await lin.send("/duty")
    gaps = (await lin.expect_message("Duty rota")).text or ""
    assert "Nobody on duty in the week ahead: Thu 3 Dec (night), Fri 4 Dec (day), " in gaps

    await lin.send("/duty set 2026-12-03 day Wang")
    await lin.expect_message("The 2026-12-03 day shift has ended")
    await lin.send("/duty set 2026-12-03 night Wang")
    await lin.expect_message("Duty Thu 3 Dec, night: Wang.")
    await lin.send("/duty")
    filled = (await lin.expect_message("Duty rota")).text or ""
    assert "On duty now (night): Wang" in filled
    assert "in the week ahead: Fri 4 Dec (day), Fri 4 Dec (night), Sat 5 Dec (day)," in filled
    await li.send("/duty")
    chinese = (await li.expect_message("值班表")).text or ""
    assert "无人值班：12月4日（周五）白班、12月4日（周五）夜班、" in chinese


async def test_an_extra_round_now_and_todays_state(start_bot: StartBot) -> None:
    clock = FrozenClock(MONDAY_TEN)
    bot = await start_bot(clock=clock)
    lin, wang = await care_team(bot)
    good = sheet(["李奶奶", "阳光小区", "502", "13900001111", "Sunshine care team", "Wang", ""])
    await lin.send_document("elders.csv", good, mime_type="text/csv", caption="/elders import")
    await lin.expect_message("Imported: 1 new")

    await lin.send("/round_now")
    await lin.expect_message("Start an extra round now for which team?")
    await lin.press("Sunshine care team")
    await lin.expect_message("Extra round started: 1 elder, 1 visitor asked")
    prompt = await wang.expect_message("Extra round now")
    await settled(bot)  # the prompt is recorded as delivered, so it can be edited
    await wang.press("✅ 1. 李奶奶: visited, all well", prompt)
    await wang.expect_message("✅ Visited, all well")

    await run_due_work(bot.runtime)
    await lin.send("/rounds")
    today = await lin.expect_message("Today's rounds: Sunshine care team")
    assert "All well: 1" in (today.text or "")
    assert "李奶奶 – Wang: ✅ all well" in (today.text or "")


async def test_every_message_showing_an_elders_phone_is_protected_from_forwarding(
    start_bot: StartBot,
) -> None:
    """Lin opens Grandma Li's card (by number and from the list) and changes her phone in
    the form: each message that shows the phone cannot be forwarded or saved; the list,
    which shows names only, can."""
    bot = await start_bot(clock=FrozenClock(MONDAY_TEN))
    lin, _ = await care_team(bot)
    row = ["李奶奶", "阳光小区", "502", "13900001111", "Sunshine care team", "Wang", "09:00"]
    caption = "/elders import"
    await lin.send_document("elders.csv", sheet(row), mime_type="text/csv", caption=caption)
    await lin.expect_message("Imported: 1 new")

    await lin.send("/elders 1")
    await lin.expect_message("#1 李奶奶", edits=False)
    await lin.send("/elders")
    listing = await lin.expect_message("Elders on the rounds")
    await lin.press("#1 李奶奶", listing)
    card = await lin.expect_message("#1 李奶奶", edits=False)
    await lin.press("✏️ Edit", card)
    summary = await lin.expect_message("Changing #1 李奶奶")
    await lin.press("✏️ Change something", summary)
    fields = await lin.expect_message("Which answer do you want to change?")
    await lin.press("✏️ Phone", fields)
    asked = await lin.expect_message("Their phone number?")
    assert "13900001111" in (asked.text or "")  # the current answer, to keep or change
    await lin.send("139 0000 2222")
    summary = await lin.expect_message("The elder's details", edits=False)
    await lin.press("✅ Save", summary)
    await lin.expect_message("#1 李奶奶: changes saved.")

    sent = bot.telegram.find_calls("sendMessage", chat_id=lin.id, ok=True)
    showing = [c for c in sent if "1390000" in str(c.params.get("text"))]
    assert len(showing) >= 5  # two cards, the form's summary twice, the question
    assert all(str(c.params.get("protect_content")).lower() == "true" for c in showing)
    (listed,) = [c for c in sent if "Elders on the rounds" in str(c.params.get("text"))]
    assert "protect_content" not in listed.params
