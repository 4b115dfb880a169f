"""Call-outs over real HTTP, the volunteers' side: who is asked and in which language, I'll go
from a private chat and from a team's group chat, the waiting line, withdrawing, /tasks."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.errors import NotRegistered, StaleButton
from bot.i18n import text
from bot.scheduler import run_due_work
from models.callouts import ResponseState, Urgency
from tests.harness import StartBot
from tests.seed import seed_team
from tests.seed_callouts import (
    LEADER,
    create,
    leader_in_telegram,
    mark_unreachable,
    outbox_settled,
    pause,
    set_group_chat,
    states,
    volunteer_in_telegram,
)


async def test_a_call_out_reaches_the_right_volunteers_each_in_their_language(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh", skills=["medical"])
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en", skills=["medical"])
    bob = await volunteer_in_telegram(bot, 103, "Bob", "en", skills=["driving"])
    resting = await volunteer_in_telegram(bot, 104, "Chen", "zh", skills=["medical"])
    await pause(bot.db, resting.id, until=None)

    callout_id = await create(bot.db, clock.now(), skills=("medical",), title="Vaccination duty")
    await run_due_work(bot.runtime)  # the bot delivers what was created

    chinese = await wang.expect_message("志愿者召集令")
    assert "Vaccination duty" in chinese.text
    assert "11月22日（周日）8:00–12:00" in chinese.text  # in Shanghai time
    assert chinese.buttons == [["✅ 我去", "❌ 去不了"]]
    english = await alice.expect_message("Call-out for volunteers")
    assert english.buttons == [["✅ I'll go", "❌ Can't go"]]
    await lead.expect_message("Roster")
    await outbox_settled(bot)
    await run_due_work(bot.runtime)  # the card catches up with the delivery progress
    await lead.expect_message("Delivered: 2 · pending: 0 · undelivered: 0")
    assert set(await states(bot.db, callout_id)) == {wang.id, alice.id}
    assert bot.telegram.sent(chat_id=bob.id) == []
    assert bot.telegram.sent(chat_id=resting.id) == []


async def test_ill_go_in_a_private_chat_confirms_in_place(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    await create(bot.db, clock.now(), needed=3, urgency=Urgency.EMERGENCY)
    await run_due_work(bot.runtime)
    invitation = await alice.expect_message("EMERGENCY")
    assert invitation.buttons[0] == [
        "🏃 There in 15 min",
        "🏃 There in 30 min",
        "🏃 There in 60 min",
    ]

    await alice.press("🏃 There in 30 min")
    answered = await alice.expect_message("You are going, arriving in about 30 minutes")
    assert answered.message_id == invitation.message_id  # the same message, edited
    assert answered.buttons == [["↩️ Withdraw: I can't come any more"]]
    assert (await alice.expect_callback_answer()).text == "You're on the list. Thank you!"
    # The leader's card says when she will be there, as a time of day.
    arriving = bot.runtime.translator("en").time(clock.now() + timedelta(minutes=30))
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    await lead.expect_message(f"Alice (🏃 by {arriving})")

    # A second press of the old button (a double tap) comes with the edited message, which
    # no longer has it: it is out of date.
    await alice.press_data(invitation, invitation.button_data("🏃 There in 30 min") or "")
    assert (await alice.expect_callback_answer()).text == text("en", StaleButton.key)


async def test_a_full_call_out_answers_with_the_waiting_position_and_a_withdrawal_promotes(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh")
    li = await volunteer_in_telegram(bot, 103, "李娜", "zh")
    await create(bot.db, clock.now(), needed=1)
    await run_due_work(bot.runtime)
    for person in (alice, wang, li):
        await person.expect_message()

    await alice.press("✅ I'll go")
    await alice.expect_message("You are going")
    await wang.press("✅ 我去")
    assert "候补名单第 1 位" in (await wang.expect_message("名额已满")).text
    await li.press("✅ 我去")
    await li.expect_message("候补名单第 2 位")

    await alice.press("↩️ Withdraw: I can't come any more")
    await alice.expect_message("You withdrew")
    promoted = await wang.expect_message("有名额空出来了")
    assert "您已确认参加" in promoted.text
    await li.send("/tasks")
    assert "候补第 1 位" in (await li.expect_message("您的任务")).text


async def test_presses_in_a_team_group_are_answered_to_each_presser_privately(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh")
    stranger = bot.user(555, "Stranger", "en")
    team = await seed_team(bot.db, "Patrol", [])  # nobody is in it: only the group is asked
    group = bot.telegram.add_group(-100777, "巡逻队", [alice, wang, stranger])
    await set_group_chat(bot.db, team, group.id)
    callout_id = await create(bot.db, clock.now(), everyone=False, team_ids=(team,), needed=1)
    await run_due_work(bot.runtime)
    post = await alice.expect_message("志愿者召集令", chat_id=group.id)  # the community language

    await alice.press("✅ 我去", post, chat_id=group.id)
    assert "You are going" in (await alice.expect_message("You are going")).text
    await wang.press("✅ 我去", post, chat_id=group.id)
    await wang.expect_message("候补名单第 1 位")
    await stranger.press("✅ 我去", post, chat_id=group.id)
    refusal = await stranger.expect_callback_answer(show_alert=True)
    assert refusal.text == text("en", NotRegistered.key)

    assert await states(bot.db, callout_id) == {
        alice.id: ResponseState.CONFIRMED,
        wang.id: ResponseState.WAITING,
    }
    posts = [m for m in bot.telegram.sent(chat_id=group.id) if not m.edited]
    assert len(posts) == 1  # one post, never sent again: it is edited in place


async def test_a_team_group_post_follows_the_counts_the_waiting_list_and_a_new_time(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh")
    li = await volunteer_in_telegram(bot, 103, "李娜", "zh")
    team = await seed_team(bot.db, "Patrol", [])
    group = bot.telegram.add_group(-100777, "巡逻队", [alice, wang, li])
    await set_group_chat(bot.db, team, group.id)
    await create(bot.db, clock.now(), everyone=False, team_ids=(team,), needed=2)
    await run_due_work(bot.runtime)
    post = await alice.expect_message("需要 2 人 · 已确认 0 人", chat_id=group.id)

    await alice.press("✅ 我去", post, chat_id=group.id)
    await alice.expect_message("You are going")
    await wang.press("✅ 我去", post, chat_id=group.id)
    await wang.expect_message("您已确认参加")
    await li.press("✅ 我去", post, chat_id=group.id)
    await li.expect_message("候补名单第 1 位")
    full = await alice.expect_message(
        lambda m: m.edited and "候补 1 人" in (m.text or ""), chat_id=group.id
    )
    assert full.message_id == post.message_id
    assert "需要 2 人 · 已确认 2 人" in full.text
    assert "名额已满" in full.text
    assert full.buttons == post.buttons  # answering still joins the waiting list

    await lead.expect_message("Roster")
    await lead.press("🕒 Change time")
    await lead.expect_message("Changing the time", edits=False)
    await lead.send("tomorrow 14:00")
    await lead.expect_message("When does it end?", edits=False)
    await lead.press("Keep the current answer")
    await lead.expect_message("now runs tomorrow, 14:00–18:00")
    moved = await alice.expect_message(
        lambda m: m.edited and "11月22日（周日）14:00–18:00" in (m.text or ""), chat_id=group.id
    )
    assert moved.message_id == post.message_id
    edits = [m for m in bot.telegram.sent(chat_id=group.id) if m.edited]
    assert len(edits) <= 3  # three presses and a new time: coalesced, not one edit per press


async def test_tasks_lists_upcoming_duties(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    await alice.send("/tasks")
    await alice.expect_message("You have no upcoming tasks")

    await create(bot.db, clock.now(), title="Night patrol", place="North gate", actor=LEADER)
    await run_due_work(bot.runtime)
    await alice.expect_message("Night patrol")
    await alice.press("✅ I'll go")
    await alice.expect_message("You are going")

    await alice.send("/tasks")
    tasks = await alice.expect_message("Your tasks")
    assert "Night patrol" in tasks.text and "North gate" in tasks.text


async def test_whoever_comes_back_after_blocking_the_bot_is_offered_the_open_call_outs_they_missed(
    start_bot: StartBot,
) -> None:
    """王芳 was asked to one call-out and declined another, then blocked the bot; a third
    went out while she was away. Unblocking brings her the two she has not answered. Alice,
    found unreachable by the bot, is back with /start and gets the one she missed."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh")
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    await create(bot.db, clock.now(), title="Asked before")
    await create(bot.db, clock.now(), title="Declined before")
    await run_due_work(bot.runtime)
    await wang.expect_message("Asked before")
    await wang.press("❌ 去不了", await wang.expect_message("Declined before"))
    await wang.expect_callback_answer()
    await wang.block_bot()
    await mark_unreachable(bot.db, alice.id, clock.now())
    await outbox_settled(bot)

    await create(bot.db, clock.now(), title="Sent while away")
    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    await wang.unblock_bot()
    for title in ("Asked before", "Sent while away"):
        again = await wang.expect_message(title, edits=False)
        assert again.text.startswith("🔁 这条召集发出时您暂时收不到消息，现在仍在招募。")
        assert again.buttons == [["✅ 我去", "❌ 去不了"]]
    await outbox_settled(bot)
    sent = [m.text or "" for m in bot.telegram.sent(chat_id=wang.id) if m.method == "sendMessage"]
    assert sum("Declined before" in m for m in sent) == 1  # answered: not offered again

    await alice.send("/start")
    again = await alice.expect_message("Sent while away", edits=False)
    assert again.text.startswith("🔁 You were away when this call-out was sent; it is still open.")
    await alice.press("✅ I'll go", again)
    assert (await alice.expect_callback_answer()).text == "You're on the list. Thank you!"


async def test_a_title_with_an_ampersand_and_angle_brackets_is_shown_as_typed(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh")
    title = "Sandbags & pumps <dyke>"
    await create(bot.db, clock.now(), title=title)
    await run_due_work(bot.runtime)
    assert title in (await alice.expect_message("Call-out for volunteers")).text
    await wang.press("✅ 我去", await wang.expect_message(title))
    assert title in (await wang.expect_message("您已确认参加")).text
    assert title in (await lead.expect_message("Roster")).text
    await wang.send("/tasks")
    assert title in (await wang.expect_message(title, edits=False)).text
    await lead.send("/callouts")
    listed = await lead.expect_message("Call-outs", edits=False)
    assert title in listed.text and title in str(listed.buttons)
