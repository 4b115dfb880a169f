"""A door-knock round over real HTTP: four elders, four outcomes (all well, needs help, no
answer, silence), each alert to the right people in order, and nothing sent twice across a
restart in the middle of the round."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from bot.clock import FrozenClock
from bot.config import RoundsConfig
from bot.outbox.queue import IF_REPEATED
from bot.scheduler import run_due_work
from models import Account, OutboxMessage, OutboxState, Role, ServiceHours
from models.elders import AlertStep
from tests.fake_telegram import FakeUser
from tests.fake_telegram.sent_message import SentMessage
from tests.harness import RunningBot, StartBot, expect_refused_as_forged
from tests.rounds_world import (
    EVERY_SHIFT,
    CareTeam,
    lead_team,
    reachable,
    seed_elder,
    set_duty,
    settled,
)
from tests.seed import seed_account, seed_team, seed_volunteer

EIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai
NINE = EIGHT + timedelta(hours=1)
LEADER = 600


async def at(bot: RunningBot, clock: FrozenClock, instant: datetime) -> None:
    """The clock reaches ``instant``; the scheduler runs and its messages are delivered."""
    clock.set(instant)
    await run_due_work(bot.runtime)
    await settled(bot)


async def care_team(bot: RunningBot, visitors: dict[int, tuple[str, str]]) -> CareTeam:
    """Lin leads a care team of these visitors (Telegram id -> name, language)."""
    await seed_account(bot.db, LEADER, role=Role.LEADER, language="en", first_name="Lin")
    members = {
        name: (
            await seed_volunteer(bot.db, uid, name, phone=f"+86139{uid:08d}", language=lang),
            uid,
        )
        for uid, (name, lang) in visitors.items()
    }
    team_id = await seed_team(bot.db, "Sunshine care team", [v for v, _ in members.values()])
    await lead_team(bot.db, team_id, LEADER)
    return CareTeam(team_id, LEADER, members)


async def wang_visits_grandma_li(bot: RunningBot, clock: FrozenClock) -> FakeUser:
    """Wang, Lin's only visitor, is asked to see Grandma Li at 9:00; it is 9:00 now."""
    wang = await reachable(bot, 601, "Wang", "en")
    team = await care_team(bot, {601: ("Wang", "en")})
    await seed_elder(bot.db, team, "Grandma Li", "Wang", times=("09:00",))
    await at(bot, clock, EIGHT)
    await at(bot, clock, NINE)
    return wang


def sends(bot: RunningBot, user: FakeUser) -> list[str]:
    """The first line of every message the bot sent this person (edits excluded), in order."""
    return [
        (m.text or "").split("\n")[0]
        for m in bot.telegram.sent(chat_id=user.id)
        if m.method in ("sendMessage", "copyMessage")
    ]


async def test_a_round_with_every_outcome_alerts_the_right_people_once_each(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(EIGHT)
    # Open alerts are sent again once a day only: this story is about the steps.
    bot = await start_bot(clock=clock, rounds=RoundsConfig(alert_repeat_minutes=1440))
    lin = await reachable(bot, LEADER, "Lin", "en")
    wang = await reachable(bot, 601, "Wang", "en")
    zhao = await reachable(bot, 602, "赵强", "zh")
    sun = await reachable(bot, 603, "Sun", "en")  # on duty all week
    qian = await reachable(bot, 604, "Qian", "en")
    team = await care_team(
        bot, {601: ("Wang", "en"), 602: ("赵强", "zh"), 603: ("Sun", "en"), 604: ("Qian", "en")}
    )
    nine_only = {"times": ("09:00",)}
    await seed_elder(bot.db, team, "Grandma Li", "Wang", "赵强", room="101", **nine_only)
    await seed_elder(bot.db, team, "Grandpa Chen", "Wang", "赵强", room="102", **nine_only)
    await seed_elder(bot.db, team, "Grandma Zhou", "赵强", "Qian", room="103", **nine_only)
    await seed_elder(bot.db, team, "Grandpa Wu", "Qian", "赵强", room="104", **nine_only)
    await set_duty(bot.db, team.volunteer("Sun"), EVERY_SHIFT)
    await at(bot, clock, EIGHT)

    # 09:00: one message per visitor, listing their elders.
    await at(bot, clock, NINE)
    prompt = await wang.expect_message("Door-knock round, 9:00")
    assert "Grandma Li" in prompt.text and "Grandpa Chen" in prompt.text
    await zhao.expect_message("敲门走访 9:00")
    await qian.expect_message("Door-knock round, 9:00")

    # Grandma Li: all well. The prompt shows it, in place.
    await wang.press("✅ 1. Grandma Li: visited, all well", prompt)
    edited = await wang.expect_message("✅ Visited, all well (9:00, Wang)")
    assert edited.message_id == prompt.message_id
    assert (await wang.expect_callback_answer()).text == "Thank you! Visit confirmed."

    # Grandpa Chen needs help: the leader and the duty officer at once, then the description.
    await wang.press("🆘 2. Needs help", prompt)
    await wang.expect_message("What is wrong with Grandpa Chen?")
    assert "Needs help" in (await lin.expect_message("Needs help")).text
    await sun.expect_message("Needs help")
    await wang.send("He fell in the kitchen and cannot stand up")
    await lin.expect_message("He fell in the kitchen")
    await sun.expect_message("He fell in the kitchen")
    await wang.expect_message("Passed on to: Lin, Sun")

    # Grandma Zhou: no answer at the door. Her backup, Qian, at once.
    await zhao.press("🚪 1. 无人应答")
    await qian.expect_message("No answer at the door")
    await settled(bot)

    await bot.restart()  # in the middle of the round

    # 09:15 the leader, 09:30 the duty officer, for Grandma Zhou.
    await at(bot, clock, NINE + timedelta(minutes=15))
    zhou_alert = await lin.expect_message("No answer at the door")
    await at(bot, clock, NINE + timedelta(minutes=30))
    await sun.expect_message("No answer at the door")
    await lin.press("Family informed", zhou_alert)
    for told in (zhao, qian, lin, sun):
        await told.expect_message(re.compile(r"Grandma Zhou – .+ Lin"))
    # The alert messages themselves now say it is closed, by whom and how; no call to act.
    await settled(bot)
    settled_alert = zhou_alert.current
    assert settled_alert.text.startswith(
        "✅ Alert closed: Grandma Zhou – Family informed. Closed by Lin at 9:30."
    )
    assert "No answer at the door" in settled_alert.text
    assert "please" not in settled_alert.text.lower() and not settled_alert.buttons

    # Grandpa Wu: silence. 11:00 reminder, 11:15 backup, 11:30 leader, 11:45 duty.
    end = NINE + timedelta(hours=2)
    await at(bot, clock, end)
    await qian.expect_message("Reminder")
    await bot.restart()
    await at(bot, clock, end)  # the same moment again after the restart: nothing new
    await at(bot, clock, end + timedelta(minutes=15))
    await zhao.expect_message("走访未确认")
    await at(bot, clock, end + timedelta(minutes=30))
    await lin.expect_message("Visit not confirmed")
    await at(bot, clock, end + timedelta(minutes=45))
    await sun.expect_message("Visit not confirmed")
    await at(bot, clock, end + timedelta(hours=3))

    # Exactly these messages, in this order, to each person: nothing twice.
    assert sends(bot, wang) == [
        "🚪 Door-knock round, 9:00",
        "🆘 What is wrong with Grandpa Chen? Send a text, a photo or a voice message: "
        "it goes straight to those alerted (Lin, Sun).",
        "Thank you. Passed on to: Lin, Sun.",
    ]
    assert sends(bot, zhao) == [
        "🚪 敲门走访 9:00",
        "✅ 预警已关闭：Grandma Zhou – 已通知家属。由 Lin 于 9:30 关闭。",
        "⚠️ 走访未确认（Sunshine care team）",
    ]
    assert sends(bot, qian) == [
        "🚪 Door-knock round, 9:00",
        "🚪 No answer at the door (Sunshine care team)",
        "✅ Alert closed: Grandma Zhou – Family informed. Closed by Lin at 9:30.",
        "⏰ Reminder: the 9:00 visit below is not confirmed yet (it was due by 11:00). "
        "Please visit now and confirm.",
    ]
    assert sends(bot, lin) == [
        "🆘 Needs help (Sunshine care team)",
        "📝 Wang describes what is wrong with Grandpa Chen: He fell in the kitchen and cannot "
        "stand up",
        "🚪 No answer at the door (Sunshine care team)",
        "✅ Alert closed: Grandma Zhou – Family informed. Closed by Lin at 9:30.",
        "⚠️ Visit not confirmed (Sunshine care team)",
    ]
    assert sends(bot, sun) == [
        "🆘 Needs help (Sunshine care team)",
        "📝 Wang describes what is wrong with Grandpa Chen: He fell in the kitchen and cannot "
        "stand up",
        "🚪 No answer at the door (Sunshine care team)",
        "✅ Alert closed: Grandma Zhou – Family informed. Closed by Lin at 9:30.",
        "⚠️ Visit not confirmed (Sunshine care team)",
    ]
    async with bot.db.session() as session:
        steps = [
            (s.step.value, s.recipient_telegram_id) for s in await session.exec(select(AlertStep))
        ]
        credited = list(await session.exec(select(ServiceHours.volunteer_id, ServiceHours.minutes)))
    assert sorted(steps) == sorted(
        [
            ("help_leader", LEADER), ("help_duty", 603),  # Grandpa Chen
            ("backup", 604), ("leader", LEADER), ("duty", 603),  # Grandma Zhou
            ("reminder", 604), ("backup", 602), ("leader", LEADER), ("duty", 603),  # Grandpa Wu
        ]
    )  # fmt: skip
    # Wang went to two doors, Zhao to one; Qian never went.
    wang_id, zhao_id = team.volunteer("Wang"), team.volunteer("赵强")
    assert sorted(credited) == sorted([(wang_id, 30), (wang_id, 30), (zhao_id, 30)])


async def test_a_voice_note_after_needs_help_is_passed_on_and_forged_presses_refused(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock(EIGHT)
    bot = await start_bot(clock=clock)
    lin = await reachable(bot, LEADER, "Lin", "en")
    wang = await reachable(bot, 601, "Wang", "en")
    stranger = await reachable(bot, 699, "Stranger", "en")
    await seed_volunteer(bot.db, 699, "Stranger", language="en")
    team = await care_team(bot, {601: ("Wang", "en")})
    await seed_elder(bot.db, team, "Grandma Li", "Wang", times=("09:00",))
    await at(bot, clock, EIGHT)
    await at(bot, clock, NINE)
    prompt = await wang.expect_message("Door-knock round")

    # A forged press from someone who is not her visitor changes nothing.
    forged = prompt.button_data("🆘 1. Needs help") or ""
    await stranger.press_data(await a_message_with_buttons(stranger), forged)
    await expect_refused_as_forged(bot, stranger, "en")

    await wang.press("🆘 1. Needs help", prompt)
    await wang.expect_message("What is wrong with Grandma Li?")
    await wang.send_sticker()
    await wang.expect_message("Please describe it with a text, a photo or a voice message.")
    await wang.send_voice(duration=4)
    await wang.expect_message("Passed on to: Lin")
    await lin.expect_message("(voice message below)")
    await settled(bot)
    assert [m.method for m in bot.telegram.sent(chat_id=LEADER)][-1] == "copyMessage"


async def a_message_with_buttons(user: FakeUser) -> SentMessage:
    """A message with buttons in the user's own chat, to forge a press from."""
    await user.send("/language")
    return await user.expect_message()


async def test_rounds_tells_the_leader_each_elders_outcome_and_who_holds_open_alerts(
    start_bot: StartBot,
) -> None:
    """Lin opens /rounds at 11:20: Grandma Li is well; Grandma Zhou's door stayed shut and
    her alert is with Qian, her backup (not "confirmed in time" under "Done"); Grandpa Wu's
    visit was missed and his reminder is with Qian; Grandpa Chen was well, but late. Lin's
    colleague Zhao leads in Chinese and reads the same."""
    clock = FrozenClock(EIGHT)
    bot = await start_bot(clock=clock)
    lin = await reachable(bot, LEADER, "Lin", "en")
    await reachable(bot, 601, "Wang", "en")
    zhao = await reachable(bot, 602, "赵强", "zh")
    await reachable(bot, 604, "Qian", "en")
    team = await care_team(bot, {601: ("Wang", "en"), 602: ("赵强", "zh"), 604: ("Qian", "en")})
    nine_only = {"times": ("09:00",)}
    await seed_elder(bot.db, team, "Grandma Li", "Wang", "Qian", room="101", **nine_only)
    await seed_elder(bot.db, team, "Grandma Zhou", "Wang", "Qian", room="103", **nine_only)
    await seed_elder(bot.db, team, "Grandpa Wu", "Qian", "赵强", room="104", **nine_only)
    await seed_elder(bot.db, team, "Grandpa Chen", "赵强", "Qian", room="102", **nine_only)
    await at(bot, clock, EIGHT)
    await at(bot, clock, NINE)
    wang = bot.user(601, "Wang", "en")
    prompt = await wang.expect_message("Door-knock round, 9:00")
    await wang.press("✅ 1. Grandma Li: visited, all well", prompt)
    await wang.expect_callback_answer()
    await wang.press("🚪 2. No answer", prompt)
    await wang.expect_callback_answer()
    await at(bot, clock, NINE + timedelta(hours=2, minutes=5))  # windows over
    chen_prompt = await zhao.expect_message("敲门走访 9:00")
    await zhao.press("✅ 1. Grandpa Chen：已走访，一切安好", chen_prompt)
    await zhao.expect_callback_answer()
    await settled(bot)

    await lin.send("/rounds")
    shown = (await lin.expect_message("📋 Today's rounds: Sunshine care team")).text
    attention, done = shown.split("Needs attention")[1].split("Done")
    assert "9:00 Grandma Zhou – Wang: 🚪 no answer at the door" in attention
    assert "🚨 Alert open, with: Qian" in attention
    assert "9:00 Grandpa Wu – Qian: ⌛ missed" in attention
    assert "9:00 Grandma Li – Wang: ✅ all well" in done
    assert "9:00 Grandpa Chen – 赵强: ✅ all well (answered late)" in done
    assert "Grandma Zhou" not in done
    assert "Confirmed in time" not in shown
    for line in ("All well: 2", "No answer at the door: 1", "answered late: 1", "Missed"):
        assert line in shown, line

    await lead_team(bot.db, team.team_id, 602)  # 赵强 leads now, in Chinese
    async with bot.db.session() as session:
        await session.exec(
            update(Account).where(Account.telegram_id == 602).values(role=Role.LEADER)
        )  # type: ignore[call-overload]
    await zhao.send("/rounds")
    shown = (await zhao.expect_message("📋 今日走访：Sunshine care team")).text
    attention, done = shown.split("需要处理")[1].split("已完成")
    assert "9:00 Grandma Zhou – Wang：🚪 敲门无人应答" in attention
    assert "🚨 预警未关闭，已通知：Qian" in attention
    assert "9:00 Grandpa Chen – 赵强：✅ 一切安好（超时回复）" in done


async def test_all_well_pressed_by_mistake_is_corrected_to_needs_help_while_the_window_is_open(
    start_bot: StartBot,
) -> None:
    """Wang presses "all well" for Grandma Li by mistake and corrects it: the leader is
    alerted as for "needs help". 赵强's correction after the window closed is refused, and
    the button he pressed goes from his message."""
    clock = FrozenClock(EIGHT)
    bot = await start_bot(clock=clock)
    lin = await reachable(bot, LEADER, "Lin", "en")
    wang = await reachable(bot, 601, "Wang", "en")
    zhao = await reachable(bot, 602, "赵强", "zh")
    team = await care_team(bot, {601: ("Wang", "en"), 602: ("赵强", "zh")})
    await seed_elder(bot.db, team, "Grandma Li", "Wang", times=("09:00",))
    await seed_elder(bot.db, team, "Grandpa Chen", "赵强", times=("09:00",))
    await at(bot, clock, EIGHT)
    await at(bot, clock, NINE)
    prompt = await wang.expect_message("Door-knock round, 9:00")
    await wang.press("✅ 1. Grandma Li: visited, all well", prompt)
    await wang.expect_callback_answer()
    edited = await wang.expect_message("✅ Visited, all well")

    await at(bot, clock, NINE + timedelta(minutes=10))
    await wang.press("🆘 1. Correction: needs help after all", edited)
    await wang.expect_message("What is wrong with Grandma Li?")
    assert "Grandma Li" in (await lin.expect_message("Needs help")).text
    assert (await wang.expect_callback_answer()).text == "Alerted: Lin."
    assert (
        "🆘 Needs help: reported at 9:10 by Wang" in (await wang.expect_message("Needs help")).text
    )

    chen = await zhao.expect_message("敲门走访 9:00")
    await zhao.press("✅ 1. Grandpa Chen：已走访，一切安好", chen)
    await zhao.expect_callback_answer()
    edited = await zhao.expect_message("✅")
    await at(bot, clock, NINE + timedelta(hours=2, minutes=1))  # the window has closed
    await zhao.press("🆘 1. 更正：其实需要帮助", edited)
    refused = await zhao.expect_callback_answer()
    assert refused.text == "已超过可更正的时间。如需帮助，请立即联系您的队长。"
    assert refused.show_alert
    await settled(bot)
    shown = edited.current
    assert "✅" in (shown.text or "") and "Grandpa Chen" in (shown.text or "")
    assert not any("更正" in label for row in shown.buttons for label in row)
    assert not any("Grandpa Chen" in (m.text or "") for m in bot.telegram.sent(chat_id=LEADER))


async def test_a_press_on_either_copy_of_a_prompt_sent_twice_shows_the_answer_on_both(
    start_bot: StartBot,
) -> None:
    """The prompt's send was cut off by a crash, so it went again after the restart: Wang
    presses the first copy, and neither copy keeps live buttons for that visit."""
    clock = FrozenClock(EIGHT)
    bot = await start_bot(clock=clock)
    await reachable(bot, LEADER, "Lin", "en")
    wang = await wang_visits_grandma_li(bot, clock)
    first = await wang.expect_message("🚪 Door-knock round, 9:00")
    text, markup = first.text or "", {"inline_keyboard": first.inline_keyboard}
    sending = {"text": text, "reply_markup": markup, IF_REPEATED: f"🔁 Sent again\n\n{text}"}
    async with bot.db.session() as session:  # its fate unknown, as after a crash mid-send
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.topic).startswith("round:"))
            .values(state=OutboxState.SENDING, payload=sending)
        )  # type: ignore[call-overload]
    await bot.restart()
    second = await wang.expect_message("🔁 Sent again")
    await settled(bot)  # the second send recorded as sent, as it is long before a press

    await wang.press("🚪 1. No answer", first)
    await wang.expect_callback_answer()
    await settled(bot)
    for copy in (first.current, second.current):
        assert "🚪 No answer at 9:00 (Wang)" in (copy.text or "")
        assert copy.buttons == []
