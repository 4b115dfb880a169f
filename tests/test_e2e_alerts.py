"""Alerts over real HTTP always reach someone who can act: the last resort when a care team
has no leader and nobody is on duty, everything needed to act for whoever is asked (and not
forwardable), reminders to whoever holds an open alert now, and nothing more for a leader
who was demoted."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.clock import FrozenClock
from bot.config import RoundsConfig
from bot.scheduler import run_due_work
from models import Role, Team
from models.elders import Alert, AlertNotice, AlertStep, Shift
from tests.fake_telegram import FakeUser
from tests.harness import ADMIN_ID, RunningBot, StartBot
from tests.rounds_world import CareTeam, lead_team, reachable, seed_elder, set_duty, settled
from tests.seed import seed_account, seed_team, seed_volunteer

EIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai
NINE = EIGHT + timedelta(hours=1)
LEADER = 600
MEI = 700  # a community leader who leads no team


async def at(bot: RunningBot, clock: FrozenClock, instant: datetime) -> None:
    """The clock reaches ``instant``; the scheduler runs and its messages are delivered."""
    clock.set(instant)
    await run_due_work(bot.runtime)
    await settled(bot)


async def care_team(
    bot: RunningBot, visitors: dict[int, str], *, leader: int | None = LEADER
) -> CareTeam:
    """A care team of these visitors (Telegram id -> name), led by Lin unless ``leader``."""
    members = {
        name: (
            await seed_volunteer(bot.db, uid, name, phone=f"+86139{uid:08d}", language="en"),
            uid,
        )
        for uid, name in visitors.items()
    }
    team_id = await seed_team(bot.db, "Sunshine care team", [v for v, _ in members.values()])
    if leader is not None:
        await seed_account(bot.db, leader, role=Role.LEADER, language="en", first_name="Lin")
        await lead_team(bot.db, team_id, leader)
    return CareTeam(team_id, leader or 0, members)


def protected(bot: RunningBot, user: FakeUser, starts: str) -> list[bool]:
    """Whether each message the bot sent ``user`` starting with ``starts`` was protected."""
    return [
        str(call.params.get("protect_content")).lower() == "true"
        for call in bot.telegram.find_calls("sendMessage", chat_id=user.id, ok=True)
        if re.sub(r"<[^>]+>", "", str(call.params.get("text", ""))).startswith(starts)
    ]


async def notices(bot: RunningBot) -> list[tuple[str, int, bool, int]]:
    async with bot.db.session() as session:
        rows = await session.exec(select(AlertNotice).order_by(col(AlertNotice.id)))
        return [(n.step.value, n.telegram_id, n.last_resort, n.reminder) for n in rows]


async def test_with_no_team_leader_and_nobody_on_duty_the_leaders_and_administrators_are_alerted(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FrozenClock(EIGHT)
    # Open alerts are sent again once a day only: the reminders have a test of their own.
    bot = await start_bot(clock=clock, rounds=RoundsConfig(alert_repeat_minutes=1440))
    await seed_account(bot.db, ADMIN_ID, role=Role.ADMIN, language="en", first_name="Admin")
    admin = await reachable(bot, ADMIN_ID, "Admin", "en")
    mei = await reachable(bot, MEI, "Mei", "en")
    await seed_account(bot.db, MEI, role=Role.LEADER, language="en", first_name="Mei")
    wang = await reachable(bot, 601, "Wang", "en")
    team = await care_team(bot, {601: "Wang"}, leader=None)
    nine = {"times": ("09:00",)}
    await seed_elder(
        bot.db, team, "Grandpa Chen", "Wang", room="102", contacts=[("Li Ming", "137")], **nine
    )
    await seed_elder(bot.db, team, "Grandma Li", "Wang", **nine)

    # At start-up the log says where alerts would find nobody of their own.
    with caplog.at_level(logging.WARNING):
        await bot.restart()
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "care team without a leader" in r.getMessage()
        and getattr(r, "team", None) == "Sunshine care team"
        for r in warned
    )
    assert any("duty rota gap" in r.getMessage() for r in warned)
    # /duty tells a leader too; a volunteer sees the rota only.
    await mei.send("/duty")
    overview = (await mei.expect_message("Duty rota")).text or ""
    assert "Teams without a team leader: Sunshine care team." in overview
    assert "Nobody on duty in the week ahead: Mon 23 Nov (day), Mon 23 Nov (night)," in overview
    await wang.send("/duty")
    assert "without a leader" not in ((await wang.expect_message("Duty rota")).text or "")

    await at(bot, clock, EIGHT)
    await at(bot, clock, NINE)
    prompt = await wang.expect_message("Door-knock round")

    # Needs help: the leaders and the administrators, and the visitor is told who, by name.
    await wang.press("🆘 1. Needs help", prompt)
    assert (await wang.expect_callback_answer()).text == "Alerted: Mei, Admin."
    await wang.expect_message("What is wrong with Grandpa Chen? Send a text, a photo or a voice")
    for leader in (mei, admin):
        alert = (await leader.expect_message("Needs help")).text or ""
        assert (
            "as a community leader or administrator because the care team has no team "
            "leader and nobody is on duty now:" in alert
        )
        assert "Sunshine Garden 3 102" in alert and "Li Ming: 137" in alert
    await wang.send("He fell")
    await mei.expect_message("Wang describes what is wrong with Grandpa Chen: He fell")
    await admin.expect_message("Wang describes what is wrong with Grandpa Chen: He fell")
    await wang.expect_message("Thank you. Passed on to: Mei, Admin.")

    # Grandma Li: silence. Every step reaches someone: the visitor, then the last resort.
    end = NINE + timedelta(hours=2)
    await at(bot, clock, end)
    await wang.expect_message("⏰ Reminder")
    await at(bot, clock, end + timedelta(minutes=15))  # no backup visitor
    for leader in (mei, admin):
        alert = (await leader.expect_message("⚠️ Visit not confirmed")).text or ""
        assert "Grandma Li" in alert and "as a community leader or administrator" in alert
    for minutes in (30, 45):  # no team leader, nobody on duty: they have it already
        await at(bot, clock, end + timedelta(minutes=minutes))
    await mei.expect_no_message(within=0.2)
    async with bot.db.session() as session:
        steps = [
            (s.step.value, s.recipient_telegram_id)
            for s in await session.exec(select(AlertStep).order_by(col(AlertStep.id)))
        ]
    assert steps == [
        ("help_leader", None), ("help_duty", None),  # Grandpa Chen: nobody holds either step
        ("reminder", 601), ("backup", None), ("leader", None), ("duty", None),  # Grandma Li
    ]  # fmt: skip
    assert await notices(bot) == [
        ("help_leader", MEI, True, 0), ("help_leader", ADMIN_ID, True, 0),
        ("reminder", 601, False, 0),
        ("backup", MEI, True, 0), ("backup", ADMIN_ID, True, 0),
    ]  # fmt: skip


async def test_the_last_resort_is_told_why_it_is_asked_and_who_else_was_alerted(
    start_bot: StartBot,
) -> None:
    """A care team without a leader, Sun on duty: "needs help" goes to Sun and, for the
    missing leader, to the community's leaders, who are told that reason and that Sun has it
    too, in their language."""
    clock = FrozenClock(EIGHT)
    bot = await start_bot(clock=clock, rounds=RoundsConfig(alert_repeat_minutes=1440))
    await seed_account(bot.db, MEI, role=Role.LEADER, language="en", first_name="Mei")
    mei = await reachable(bot, MEI, "Mei", "en")
    await seed_account(bot.db, 701, role=Role.LEADER, language="zh", first_name="刘洋")
    liu = await reachable(bot, 701, "刘洋", "zh")
    wang = await reachable(bot, 601, "Wang", "en")
    sun = await reachable(bot, 603, "Sun", "en")
    team = await care_team(bot, {601: "Wang", 602: "Bob", 603: "Sun"}, leader=None)
    await seed_elder(bot.db, team, "Grandma Li", "Wang", "Bob", times=("09:00",))
    await set_duty(bot.db, team.volunteer("Sun"), [(0, Shift.DAY)])
    await at(bot, clock, EIGHT)
    await at(bot, clock, NINE)
    await wang.press("🆘 1. Needs help", await wang.expect_message("Door-knock round"))
    await wang.expect_callback_answer()
    on_duty = (await sun.expect_message("Needs help")).text or ""
    assert "You are on duty" in on_duty and "Already alerted: Mei, 刘洋" in on_duty
    english = (await mei.expect_message("Needs help")).text or ""
    assert (
        "This comes to you as a community leader or administrator because the care team has no "
        "team leader: please make sure someone acts now, then close this alert." in english
    )
    assert "Already alerted: 刘洋, Sun" in english
    chinese = (await liu.expect_message("需要帮助")).text or ""
    assert "由于该队没有队长，此预警转给您（社区负责人或管理员）" in chinese
    assert "已通知：Mei、Sun" in chinese
    assert "backup" not in english and "备用" not in chinese


async def test_the_duty_officer_and_the_backup_get_address_phone_and_family_unforwardable(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(EIGHT)
    bot = await start_bot(clock=clock)
    lin = await reachable(bot, LEADER, "Lin", "en")
    wang = await reachable(bot, 601, "Wang", "en")
    zhao = await reachable(bot, 602, "Zhao", "en")
    sun = await reachable(bot, 603, "Sun", "en")  # on duty; visits nobody
    team = await care_team(bot, {601: "Wang", 602: "Zhao", 603: "Sun"})
    await seed_elder(
        bot.db,
        team,
        "Grandma Li",
        "Wang",
        "Zhao",
        times=("09:00",),
        contacts=[("Li Ming (son)", "13700002222")],
    )
    await set_duty(bot.db, team.volunteer("Sun"), [(0, Shift.DAY)])
    await at(bot, clock, EIGHT)
    await at(bot, clock, NINE)
    await wang.press("🚪 1. No answer", await wang.expect_message("Door-knock round"))
    assert (await wang.expect_callback_answer()).text == (
        "The escalation has started. Alerted now: Zhao."
    )
    backup = (await zhao.expect_message("No answer at the door")).text or ""
    await at(bot, clock, NINE + timedelta(minutes=15))
    await lin.expect_message("No answer at the door")
    await at(bot, clock, NINE + timedelta(minutes=30))
    on_duty = (await sun.expect_message("No answer at the door")).text or ""
    for asked in (backup, on_duty):
        assert "Grandma Li · Sunshine Garden 3 502" in asked
        assert "☎ 13900001111" in asked and "👪 Li Ming (son): 13700002222" in asked
    assert protected(bot, zhao, "🚪 No answer") == [True]
    assert protected(bot, sun, "🚪 No answer") == [True]
    assert protected(bot, lin, "🚪 No answer") == [True]


async def test_an_open_alert_is_sent_again_to_whoever_holds_it_now_until_closed(
    start_bot: StartBot,
) -> None:
    seven_pm = NINE + timedelta(hours=10)  # Monday 19:00; the night shift starts at 20:00
    clock = FrozenClock(seven_pm - timedelta(hours=1))
    bot = await start_bot(clock=clock)
    lin = await reachable(bot, LEADER, "Lin", "en")
    wang = await reachable(bot, 601, "Wang", "en")
    zhao = await reachable(bot, 602, "Zhao", "en")  # Monday's day shift
    sun = await reachable(bot, 603, "Sun", "en")  # Monday's night shift
    team = await care_team(bot, {601: "Wang", 602: "Zhao", 603: "Sun"})
    await seed_elder(bot.db, team, "Grandma Li", "Wang", times=("19:00",))
    await set_duty(bot.db, team.volunteer("Zhao"), [(0, Shift.DAY)])
    await set_duty(bot.db, team.volunteer("Sun"), [(0, Shift.NIGHT)])
    await at(bot, clock, seven_pm - timedelta(hours=1))
    await at(bot, clock, seven_pm)
    pressed = seven_pm + timedelta(minutes=10)
    clock.set(pressed)
    await wang.press("🆘 1. Needs help", await wang.expect_message("Door-knock round"))
    assert (await wang.expect_callback_answer()).text == "Alerted: Lin, Zhao."
    await lin.expect_message("🆘 Needs help")
    await zhao.expect_message("🆘 Needs help")

    await at(bot, clock, pressed + timedelta(minutes=29))
    await lin.expect_no_message(within=0.2)
    await at(bot, clock, pressed + timedelta(minutes=30))  # 19:40: the day shift still
    for holder in (lin, zhao):
        again = (await holder.expect_message("🔔 Still open (reminder 1)")).text or ""
        assert "open since 19:10" in again and "Grandma Li · Sunshine Garden 3 502" in again
    await bot.restart()
    await at(bot, clock, pressed + timedelta(minutes=30))  # the same moment after a restart
    await at(bot, clock, pressed + timedelta(minutes=59))
    await lin.expect_no_message(within=0.2)
    await at(bot, clock, pressed + timedelta(minutes=60))  # 20:10: Sun is on duty now
    await lin.expect_message("🔔 Still open (reminder 2)")
    reminder = await sun.expect_message("🔔 Still open (reminder 2)")
    await zhao.expect_no_message(within=0.2)
    assert protected(bot, sun, "🔔 Still open") == [True]

    await sun.press("Ambulance called", reminder)
    for told in (lin, zhao, sun, wang):
        closed = re.compile(r"Alert closed: Grandma Li – Ambulance called")
        await told.expect_message(closed, edits=False)
    await at(bot, clock, pressed + timedelta(hours=5))
    await lin.expect_no_message(within=0.2, edits=False)
    assert await notices(bot) == [
        ("help_leader", LEADER, False, 0), ("help_duty", 602, False, 0),
        ("help_leader", LEADER, False, 1), ("help_duty", 602, False, 1),
        ("help_leader", LEADER, False, 2), ("help_duty", 603, False, 2),
    ]  # fmt: skip
    async with bot.db.session() as session:
        alert = (await session.exec(select(Alert))).one()
    assert alert.reminders == 2 and alert.remind_at is None and alert.closed_by == 603


async def test_a_demoted_team_leader_no_longer_receives_or_closes_alerts(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(EIGHT)
    bot = await start_bot(clock=clock)
    await seed_account(bot.db, ADMIN_ID, role=Role.ADMIN, language="en", first_name="Admin")
    admin = await reachable(bot, ADMIN_ID, "Admin", "en")
    lin = await reachable(bot, LEADER, "Lin", "en")
    wang = await reachable(bot, 601, "Wang", "en")
    team = await care_team(bot, {601: "Wang"})
    await seed_elder(bot.db, team, "Grandpa Chen", "Wang", room="102", times=("09:00",))
    await seed_elder(bot.db, team, "Grandma Li", "Wang", times=("09:00",))
    await at(bot, clock, EIGHT)
    await at(bot, clock, NINE)
    prompt = await wang.expect_message("Door-knock round")
    await wang.press("🆘 1. Needs help", prompt)
    await wang.expect_message("What is wrong with Grandpa Chen?")
    before = await lin.expect_message("🆘 Needs help")
    await admin.expect_message("🆘 Needs help")  # nobody on duty: the last resort too

    await admin.send(f"/demote {LEADER}")
    await admin.expect_message("no longer a leader")
    teams_left = await admin.expect_message("no longer lead these teams")
    assert "Sunshine care team" in (teams_left.text or "")
    await lin.expect_message("leader rights")
    async with bot.db.session() as session:
        assert (await session.get(Team, team.team_id)).leader_telegram_id is None  # type: ignore[union-attr]

    # Lin can no longer close the alert she received, nor hears more about it.
    await lin.press("Family informed", before)
    refused = await lin.expect_callback_answer()
    assert refused.show_alert and "not allowed" in (refused.text or "")
    await wang.send("She fell")
    await admin.expect_message("Wang describes what is wrong with Grandpa Chen")
    await wang.expect_message("Thank you. Passed on to: Admin.")
    # A new alert goes to whoever holds the role now: nobody leads the team, so the last resort.
    await wang.press("🆘 2. Needs help", prompt)
    assert (await wang.expect_callback_answer()).text == "Alerted: Admin."
    chen = (await admin.expect_message("🆘 Needs help")).text or ""
    assert "Grandma Li" in chen
    await at(bot, clock, NINE + timedelta(hours=3))  # reminders too
    await settled(bot)
    await lin.expect_no_message(within=0.2)
    assert [(s, i) for s, i, _, _ in await notices(bot) if i == LEADER] == [("help_leader", LEADER)]


async def test_every_message_of_a_round_with_an_elders_phone_or_notes_cannot_be_forwarded(
    start_bot: StartBot,
) -> None:
    """Scheduled and extra prompts, a correction, a reminder and the backup's hand-over: each
    message carrying the elder's phone or notes is protected."""
    clock = FrozenClock(EIGHT)
    bot = await start_bot(clock=clock, rounds=RoundsConfig(alert_repeat_minutes=1440))
    lin = await reachable(bot, LEADER, "Lin", "en")
    wang = await reachable(bot, 601, "Wang", "en")
    zhao = await reachable(bot, 602, "Zhao", "en")
    sun = await reachable(bot, 603, "Sun", "en")  # on duty all week
    team = await care_team(bot, {601: "Wang", 602: "Zhao", 603: "Sun"})
    private = {"times": ("09:00",), "health_notes": "Diabetic", "risk_notes": "Fell in October"}
    await seed_elder(bot.db, team, "Grandma Li", "Wang", "Zhao", phone="13900001111", **private)
    await seed_elder(bot.db, team, "Grandpa Chen", "Wang", "Zhao", phone="13900002222", **private)
    await set_duty(bot.db, team.volunteer("Sun"), [(d, s) for d in range(7) for s in Shift])
    await at(bot, clock, EIGHT)
    await at(bot, clock, NINE)
    prompt = await wang.expect_message("Door-knock round")
    await wang.press("✅ 1. Grandma Li: visited, all well", prompt)
    await wang.expect_message("✅ Visited, all well")
    await wang.press("🆘 1. Correction: needs help after all", prompt)
    await wang.expect_message("What is wrong with Grandma Li?")
    await lin.expect_message("Needs help")
    await sun.expect_message("Needs help")
    end = NINE + timedelta(hours=2)  # Grandpa Chen: silence, then his backup
    await at(bot, clock, end)
    await wang.expect_message("⏰ Reminder")
    await at(bot, clock, end + timedelta(minutes=15))
    await zhao.expect_message("⚠️ Visit not confirmed")
    await lin.send("/round_now")
    await lin.press("Sunshine care team", await lin.expect_message("for which team?"))
    await wang.expect_message("🚪 Extra round now")
    await settled(bot)

    private_calls = [
        call
        for method in ("sendMessage", "copyMessage")
        for call in bot.telegram.find_calls(method, ok=True)
        if any(
            detail in str(call.params.get("text", ""))
            for detail in ("13900001111", "13900002222", "Diabetic", "Fell in October")
        )
    ]
    firsts = sorted(
        {re.sub(r"<[^>]+>", "", str(c.params["text"])).split("\n")[0] for c in private_calls}
    )
    assert [first.split(" (")[0].split(":")[0] for first in firsts] == [
        "⏰ Reminder",
        "⚠️ Visit not confirmed",
        "🆘 Needs help",
        "🚪 Door-knock round, 9",
        "🚪 Extra round now",
    ]
    unprotected = [
        (c.params.get("chat_id"), c.params.get("text"))
        for c in private_calls
        if str(c.params.get("protect_content")).lower() != "true"
    ]
    assert unprotected == []
