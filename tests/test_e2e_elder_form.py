"""A leader adds one elder in chat, and later changes a detail (issue 11, item 4): the form
asks for everything a spreadsheet row holds, finds the visitors by name, offers to add a
backup who is not in the team yet, and checks the answers as an import would."""

from __future__ import annotations

from sqlmodel import select

from bot.clock import FrozenClock
from models import AuditEntry, Role, Volunteer
from tests.harness import RunningBot, StartBot
from tests.rounds_world import lead_team, reachable
from tests.seed import seed_account, seed_team, seed_volunteer
from tests.test_e2e_rounds_registry import MONDAY_TEN

LIN, WANG, ZHAO, MEI = 600, 601, 602, 610


async def test_a_leader_adds_an_elder_in_chat_and_later_changes_her_room(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(clock=FrozenClock(MONDAY_TEN))
    lin = await reachable(bot, LIN, "Lin", "en")
    wang = await reachable(bot, WANG, "Wang", "en")
    mei = await reachable(bot, MEI, "Mei", "zh")
    await seed_account(bot.db, LIN, role=Role.LEADER, language="en", first_name="Lin")
    await seed_account(bot.db, MEI, role=Role.LEADER, language="zh", first_name="Mei")
    wang_id = await seed_volunteer(bot.db, WANG, "Wang", phone="+8613900000601", language="en")
    await seed_volunteer(bot.db, ZHAO, "Zhao", phone="+8613900000602", language="en")
    await lead_team(bot.db, await seed_team(bot.db, "Sunshine care team", [wang_id]), LIN)
    await lead_team(bot.db, await seed_team(bot.db, "Riverside team"), MEI)

    # Lin adds Grandma Li. Her team is the only one she may choose.
    await lin.send("/elders add")
    team = await lin.expect_message("Which team visits them?")
    assert [row[0] for row in team.buttons][:1] == ["Sunshine care team"]
    assert "Riverside team" not in str(team.buttons)
    await lin.press("Sunshine care team", team)
    await lin.expect_message("What is their name?")
    await lin.send("李奶奶")
    await lin.expect_message("Which compound")
    await lin.send("阳光小区")
    await lin.expect_message("Which building?")
    await lin.press("Skip")
    await lin.expect_message("Which flat or room number?")
    await lin.send("502")
    await lin.expect_message("Their phone number?")
    await lin.send("139 0000 1111")
    await lin.expect_message("Emergency contacts")
    await lin.send("李明 13700002222")
    await lin.expect_message("about their health")
    await lin.press("Skip")
    await lin.expect_message("Any risks")
    await lin.send("Lives alone & <b>forgets</b> the stove")  # shown escaped, as typed
    await lin.expect_message("Daily visit times")
    await lin.send("25:00")
    await lin.expect_message("Daily visit times")  # not a time: asked again
    await lin.send("09:00")
    await lin.expect_message("Who visits them?")
    await lin.send("Nobody")
    await lin.expect_message("No registered volunteer is “Nobody”")
    await lin.send("Wang")
    await lin.expect_message("Who is the backup visitor")
    await lin.send("Zhao")
    offer = await lin.expect_message("Zhao is not in Sunshine care team yet. Add them to the team?")
    await lin.press("Yes", offer)
    summary = await lin.expect_message("The elder's details")
    for shown in ("李奶奶", "阳光小区", "+8613900001111", "李明 13700002222", "Wang", "Zhao"):
        assert shown in (summary.text or "")
    await lin.press("✅ Save", summary)
    await lin.expect_message("#1 李奶奶 is on the rounds now.\nAdded to Sunshine care team: Zhao.")
    told = await wang.expect_message("Door-knock rounds: you have been assigned")  # item 7
    assert "李奶奶" in (told.text or "")

    await lin.send("/elders 1")
    card = await lin.expect_message("#1 李奶奶", edits=False)
    assert "Wang" in (card.text or "") and "backup: Zhao" in (card.text or "")
    assert "09:00 (within 120 min)" in (card.text or "")
    assert "Lives alone & <b>forgets</b> the stove" in (card.text or "")

    # Later, she moved to flat 503: Lin changes that one answer.
    await lin.press("✏️ Edit", card)
    summary = await lin.expect_message("Changing #1 李奶奶")
    await lin.press("✏️ Change something", summary)
    fields = await lin.expect_message("Which answer do you want to change?")
    await lin.press("✏️ Room", fields)
    await lin.expect_message("Which flat or room number?")
    await lin.send("503")
    summary = await lin.expect_message("The elder's details", edits=False)
    await lin.press("✅ Save", summary)
    await lin.expect_message("#1 李奶奶: changes saved.")
    await lin.send("/elders 1")
    assert "503" in ((await lin.expect_message("#1 李奶奶", edits=False)).text or "")

    # Another team's leader sees her name, not her details, and cannot change her record;
    # a volunteer cannot add elders.
    await mei.send("/elders 1")
    other = await mei.expect_message("#1 李奶奶", edits=False)
    assert "503" not in (other.text or "") and other.buttons == []
    forged = card.button_data("✏️ Edit") or ""
    await mei.press_data(other, forged)  # refused by the button guard: not on her message
    assert "已过期" in ((await mei.expect_callback_answer()).text or "")
    await wang.send("/elders add")
    await wang.expect_message("not allowed")

    async with bot.db.session() as session:
        audit = [
            (e.action, e.target_id)
            for e in await session.exec(select(AuditEntry))
            if e.action.startswith(("elders.", "team_member"))
        ]
    assert ("elders.add", "1") in audit and ("elders.edit", "1") in audit
    assert ("team_member_added", str(await volunteer_id(bot, ZHAO))) in audit


async def volunteer_id(bot: RunningBot, telegram_id: int) -> int:
    async with bot.db.session() as session:
        query = select(Volunteer.id).where(Volunteer.telegram_id == telegram_id)
        return (await session.exec(query)).one() or 0


async def test_skipped_visit_times_are_shown_as_the_communitys_usual_times(
    start_bot: StartBot,
) -> None:
    """Skipping the visit times means the community's usual times, not "(none)"."""
    bot = await start_bot(clock=FrozenClock(MONDAY_TEN))
    mei = await reachable(bot, MEI, "Mei", "zh")
    await seed_account(bot.db, MEI, role=Role.LEADER, language="zh", first_name="Mei")
    wang_id = await seed_volunteer(bot.db, WANG, "Wang", phone="+8613900000601", language="en")
    await lead_team(bot.db, await seed_team(bot.db, "Riverside team", [wang_id]), MEI)
    await mei.send("/elders add")
    await mei.press("Riverside team", await mei.expect_message("由哪个队"))
    for answer in ("李奶奶", "阳光小区", "3", "502", "13900001111", "", "", ""):
        await mei.expect_message("（", edits=False)
        if answer:
            await mei.send(answer)
        else:
            await mei.press("跳过")
    await mei.expect_message("每天的走访时间")
    await mei.press("跳过")
    await mei.expect_message("✓ 走访时间：社区的默认时间（09:00、17:00）")
