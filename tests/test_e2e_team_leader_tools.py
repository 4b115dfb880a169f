"""A team's leader (队长) whose role is still volunteer has their team's tools (issue 11,
item 8): named the Sunshine care team's leader, Wang is told what that lets him do, his menu
and /help show the team's tools, and he uses /rounds, /round_now, /elders (list, card, add,
import, export), /callout and the call-out's roster card, for his own team only. Another
team's elders and call-outs and the community's commands stay refused, each refusal
audit-logged naming its target."""

from __future__ import annotations

from sqlmodel import select

from bot.clock import FrozenClock
from bot.i18n import text
from bot.scheduler import run_due_work
from models import AuditEntry, Callout, Role
from tests.harness import StartBot
from tests.rounds_world import CareTeam, lead_team, reachable, seed_elder, settled
from tests.seed import seed_account, seed_team, seed_volunteer
from tests.seed_callouts import create, seed_leader
from tests.test_e2e_rounds_registry import MONDAY_TEN, sheet

LIN, WANG, ZHAO, MEI, SUN = 600, 601, 602, 610, 611
NOT_ALLOWED = text("en", "errors.not_allowed")
ADMINS_ONLY = text("en", "errors.admins_only")


async def test_a_volunteer_made_team_leader_uses_their_teams_tools_and_only_theirs(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(MONDAY_TEN)
    bot = await start_bot(clock=clock)
    lin = await reachable(bot, LIN, "Lin", "en")  # a community leader
    wang = await reachable(bot, WANG, "Wang", "en")  # a volunteer, soon the team's leader
    zhao = await reachable(bot, ZHAO, "Zhao", "en")  # a volunteer of his team
    await seed_account(bot.db, LIN, role=Role.LEADER, language="en", first_name="Lin")
    mei = await seed_leader(bot.db, MEI)  # leads the Riverside team
    wang_id = await seed_volunteer(bot.db, WANG, "Wang", phone="+8613900000601", language="en")
    zhao_id = await seed_volunteer(bot.db, ZHAO, "Zhao", phone="+8613900000602", language="en")
    sun_id = await seed_volunteer(bot.db, SUN, "Sun", phone="+8613900000611", language="en")
    sunshine = await seed_team(bot.db, "Sunshine care team", [wang_id, zhao_id])
    riverside = await seed_team(bot.db, "Riverside team", [sun_id])
    await lead_team(bot.db, riverside, MEI)
    ours = CareTeam(sunshine, WANG, {"Zhao": (zhao_id, ZHAO)})
    theirs = CareTeam(riverside, MEI, {"Sun": (sun_id, SUN)})
    grandma_li = await seed_elder(bot.db, ours, "李奶奶", "Zhao", times=("09:00",))
    grandpa_qian = await seed_elder(bot.db, theirs, "钱爷爷", "Sun", times=("09:00",))
    await create(bot.db, clock.now(), actor=mei, title="Riverside drill", team_ids=[riverside])

    # Lin makes Wang the team's leader; his role stays volunteer.
    await lin.send(f"/teams leader {sunshine} Wang")
    await lin.expect_message("Sunshine care team")
    told = await wang.expect_message("leader of the team")
    for tool in ("/elders", "/rounds", "/round_now", "/callout", "/callouts"):
        assert tool in (told.text or "")
    assert "/promote" not in (told.text or "")
    await bot.telegram.wait_for(lambda: "elders" in wang.menu(), message=str(wang.menu()))
    assert {"callout", "callouts", "rounds", "tasks"} <= set(wang.menu())
    assert not {"volunteers", "broadcast", "teams", "promote"} & set(wang.menu())
    await wang.send("/help")
    helped = (await wang.expect_message()).text or ""
    assert "/elders" in helped and "/callout" in helped and "/volunteers" not in helped

    # Today's rounds and an extra round: his team only.
    await wang.send("/rounds")
    today = (await wang.expect_message("Today's rounds")).text or ""
    assert "Sunshine care team" in today and "Riverside team" not in today
    await wang.send("/round_now")
    choice = await wang.expect_message("Start an extra round now for which team?")
    assert choice.buttons == [["Sunshine care team"]]
    await wang.press("Sunshine care team", choice)
    await wang.expect_message("Extra round started: 1 elder,")
    await zhao.expect_message("Extra round now")
    await wang.send(f"/round_now #{grandpa_qian}")
    await wang.expect_message(NOT_ALLOWED)

    # His team's elders: the list, a card, adding one, import and export.
    await wang.send("/elders")
    listing = await wang.expect_message("Elders on the rounds: 1")
    assert "李奶奶" in str(listing.buttons) and "钱爷爷" not in str(listing.buttons)
    await wang.send(f"/elders {grandma_li}")
    card = await wang.expect_message("李奶奶", edits=False)
    assert "+8613900001111" in (card.text or "") or "13900001111" in (card.text or "")
    await wang.send(f"/elders {grandpa_qian}")
    await wang.expect_message(NOT_ALLOWED)
    await wang.send("/elders add")
    team = await wang.expect_message("Which team visits them?")
    assert "Riverside team" not in str(team.buttons)
    await wang.send("/cancel")
    await wang.expect_message()
    good = sheet(
        ["张奶奶", "阳光小区", "101", "13900002222", "Sunshine care team", "Zhao", "10:00"]
    )
    await wang.send_document("elders.csv", good, mime_type="text/csv", caption="/elders import")
    await wang.expect_message("Imported: 1 new, 0 updated.")
    bad = sheet(["赵爷爷", "河畔小区", "9", "13900003333", "Riverside team", "Sun", "10:00"])
    await wang.send_document("elders.csv", bad, mime_type="text/csv", caption="/elders import")
    await wang.expect_message("Nothing was imported")
    await wang.send("/elders export csv")
    exported = await wang.expect_message(lambda m: m.document is not None)
    assert "Elders on the rounds: 2" in (exported.caption or "")

    # A call-out to his team, and its roster card; the form asks only his own teams.
    await wang.send("/callout")
    await wang.expect_message("What kind of call-out is it?")
    await wang.press("Night patrol")
    await wang.expect_message("Its title")
    await wang.press("Keep the current answer")
    await wang.expect_message("What will volunteers do")
    await wang.send("Walk the river bank")
    await wang.expect_message("Where?")
    await wang.send("Gate 3")
    await wang.expect_message("Share the exact location")
    await wang.tap_reply_button("Skip")
    await wang.expect_message("When does it start?")
    await wang.send("tomorrow 20:00")
    await wang.expect_message("When does it end?")
    await wang.send("23:00")
    await wang.expect_message("How many volunteers")
    await wang.send("1")
    await wang.expect_message("Which skills are required?")
    await wang.press("Done ✓")
    who = await wang.expect_message("Who should be asked?")
    assert who.buttons == [["👥 Chosen teams"]]
    await wang.press("👥 Chosen teams", who)
    teams = await wang.expect_message("Which teams?")
    assert "Riverside team" not in str(teams.buttons)
    await wang.press("Sunshine care team", teams)
    await wang.expect_message(lambda m: m.edited and "✅ Sunshine care team" in str(m.buttons))
    await wang.press("Done ✓")
    await wang.expect_message("Only party members among them?")
    await wang.press("No")
    await wang.expect_message("By when should volunteers answer?")
    await wang.press("Skip")
    await wang.expect_message("How urgent is it?")
    await wang.press("Normal")
    preview = await wang.expect_message("Preview of the call-out")
    await wang.press("📣 Send", preview)
    await wang.expect_message("is being sent to")
    await run_due_work(bot.runtime)
    await settled(bot)
    await zhao.expect_message("Night patrol")
    await wang.expect_message("Roster")
    await wang.send("/callouts")
    listed = await wang.expect_message("Call-outs")
    assert "Night patrol" in (listed.text or "") and "Riverside drill" not in (listed.text or "")
    await wang.press("Night patrol", listed)
    roster = await wang.expect_message(
        lambda m: not m.edited and "Roster" in (m.text or "") and m.seq > listed.seq
    )
    # The community is not his to ask: his card offers no widening; a community leader's does.
    assert "Widen" not in str(roster.buttons) and "Remind" in str(roster.buttons)
    await lin.send("/callouts")
    await lin.press("Night patrol", await lin.expect_message("Call-outs"))
    lins = await lin.expect_message(lambda m: not m.edited and "Roster" in (m.text or ""))
    assert "📢 Widen to the whole community" in str(lins.buttons)
    async with bot.db.session() as session:
        night = (await session.exec(select(Callout).where(Callout.title == "Night patrol"))).one()
    assert night.team_ids == [sunshine] and not night.everyone

    # The community's commands stay with the community's leaders.
    for command in ("/volunteers export", "/broadcast", "/promote Zhao", "/teams"):
        await wang.send(command)
        await wang.expect_message(ADMINS_ONLY if command.startswith("/promote") else NOT_ALLOWED)

    # No longer the team's leader: the team's tools leave his menu and are refused again.
    await lin.send(f"/teams leader {sunshine} none")
    await lin.expect_message("Sunshine care team")
    await bot.telegram.wait_for(lambda: "elders" not in wang.menu(), message=str(wang.menu()))
    await wang.send("/elders")
    await wang.expect_message(NOT_ALLOWED)

    # A volunteer who leads no team still has none of it.
    await zhao.send("/rounds")
    await zhao.expect_message(NOT_ALLOWED)

    async with bot.db.session() as session:
        refused = [
            (e.action, e.target_type, e.target_id)
            for e in await session.exec(
                select(AuditEntry).where(AuditEntry.allowed.is_(False)).order_by(AuditEntry.id)
            )
            if e.actor_telegram_id == WANG
        ]
    assert ("rounds.round_now", "team", str(riverside)) in refused
    assert ("elders.show", "elder", str(grandpa_qian)) in refused
    assert refused == [
        ("rounds.round_now", "team", str(riverside)),
        ("elders.show", "elder", str(grandpa_qian)),
        ("registry.counts", "community", None),
        ("broadcast.create", "community", None),
        ("roles.promote", "account", None),
        ("teams.list", "community", None),
        ("elders.list", "community", None),
    ]
