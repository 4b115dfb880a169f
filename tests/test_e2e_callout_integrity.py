"""A place belongs to someone who was asked and is still here, over real HTTP: leaving and
pausing give places up (the next in line is promoted and told), a press counts only from
someone the call-out reached, and blocking the bot is noticed at once."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import FrozenClock
from bot.errors import StaleButton
from bot.i18n import text
from bot.scheduler import run_due_work
from models import Account, Volunteer
from models.callouts import ResponseState
from tests.fake_telegram import FakeUser
from tests.fake_telegram.sent_message import SentMessage
from tests.harness import RunningBot, StartBot
from tests.seed import audit_trail, seed_team
from tests.seed_callouts import (
    change_time_from_the_card,
    create,
    leader_in_telegram,
    outbox_settled,
    set_group_chat,
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
    await run_due_work(bot.runtime)
    await alice.press("✅ I'll go", await alice.expect_message("Flood patrol"))
    await alice.expect_message("You are going")
    await wang.press("✅ 我去", await wang.expect_message("Flood patrol"))
    await wang.expect_message("候补名单第 1 位")
    await lead.expect_message("Roster")
    return callout_id, lead, alice, wang


async def card_shows(bot: RunningBot, lead: FakeUser, *counts: str) -> SentMessage:
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    return await lead.expect_message(lambda m: all(count in (m.text or "") for count in counts))


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
    assert "• Flood patrol, tomorrow, 8:00: confirmed" in question.text
    await alice.press("Yes, delete")
    done = await alice.expect_message("has been deleted")
    assert "• Flood patrol, tomorrow, 8:00: confirmed" in done.text

    promoted = await wang.expect_message("有名额空出来了")
    assert "您已确认参加" in promoted.text
    assert await states(bot.db, callout_id) == {wang.id: ResponseState.CONFIRMED}
    await card_shows(bot, lead, "Confirmed: 1", "Waiting list: 0", "Withdrew: 1")
    # The leader hears of it in one message that no longer names whoever left.
    news = await lead.expect_message("Flood patrol: the roster changed")
    assert news.text == (
        "📋 Flood patrol: the roster changed\n"
        "↩️ Withdrew: a volunteer who has since left\n"
        "⬆️ Moved up from the waiting list: 王芳\n"
        "Now 1 of 1 confirmed."
    )
    card = [m for m in lead.messages if "Roster" in (m.text or "")][-1]
    assert "Alice" not in card.text and "Coming: 王芳" in card.text
    answers = await exported_answers(lead)
    assert ("王芳", "+8613800000001", "Confirmed") in answers
    assert [row for row in answers if row[2] == "Confirmed"] == [
        ("王芳", "+8613800000001", "Confirmed")
    ]


async def test_leaving_from_the_waiting_list_clears_the_old_messages_and_is_no_news(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    callout_id, lead, alice, wang = await one_place_two_takers(bot, clock)
    invitation = [m for m in wang.messages if "Flood patrol" in (m.text or "")][-1]
    assert invitation.buttons == [["退出候补名单"]]
    await outbox_settled(bot)
    lead.mark_all_read()

    await wang.send("/leave")
    await wang.expect_message("确定删除您的个人资料吗？")
    await wang.press("确定删除")
    goodbye = await wang.expect_message("您的个人资料已删除", edits=False)
    assert "您已放弃以下名额：\n• Flood patrol" in goodbye.text
    assert "已通知候补" not in goodbye.text  # nobody was waiting behind her
    assert goodbye.reply_markup == {"remove_keyboard": True}  # no My-tasks keyboard left
    await outbox_settled(bot)
    assert not [m for m in wang.messages if "确定删除" in str(m.buttons)]  # the question went

    cleared = await wang.expect_message(
        lambda m: m.message_id == invitation.message_id and "您已退出" in (m.text or "")
    )
    assert "Flood patrol" in cleared.text and cleared.buttons == []
    assert await states(bot.db, callout_id) == {alice.id: ResponseState.CONFIRMED}
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    await lead.expect_message("Waiting list: 0")
    assert not [m for m in lead.messages if "the roster changed" in (m.text or "")]


async def test_a_place_from_the_waiting_line_shows_on_the_message_they_pressed_too(
    start_bot: StartBot,
) -> None:
    """Not only in the notice: the invitation Wang pressed said he was waiting, with a button
    to leave the waiting line; it now says he is going, with the button to withdraw."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    _, _, alice, wang = await one_place_two_takers(bot, clock)
    [invitation] = [m for m in wang.messages if "Flood patrol" in (m.text or "")]
    assert invitation.buttons == [["退出候补名单"]]
    await alice.press("↩️ Withdraw: I can't come any more")
    await wang.expect_message("有名额空出来了")
    await outbox_settled(bot)
    shown = await wang.expect_message(
        lambda m: m.message_id == invitation.message_id and "您已确认参加" in (m.text or "")
    )
    assert shown.buttons == [["↩️ 退出：我去不了了"]]


async def test_after_leaving_every_copy_of_the_call_out_loses_its_buttons(
    start_bot: StartBot,
) -> None:
    """The invitation, the notice of a place from the waiting line and the notice of a new
    time all carry buttons: /leave edits each of them to say so."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    _, lead, alice, wang = await one_place_two_takers(bot, clock)
    await alice.press("↩️ Withdraw: I can't come any more")
    promoted = await wang.expect_message("有名额空出来了")  # a message of its own
    assert promoted.buttons == [["↩️ 退出：我去不了了"]]
    await change_time_from_the_card(lead, "Flood patrol", "tomorrow 14:00")
    new_time = await wang.expect_message("时间已更改")
    assert new_time.buttons == [["↩️ 退出：我去不了了"]]
    copies = [m for m in wang.messages if "Flood patrol" in (m.text or "")]
    assert len(copies) == 3

    await wang.send("/leave")
    await wang.expect_message("确定删除您的个人资料吗？")
    await wang.press("确定删除")
    await wang.expect_message("您的个人资料已删除", edits=False)
    await outbox_settled(bot)

    for copy in copies:
        cleared = await wang.expect_message(
            lambda m, copy=copy: m.message_id == copy.message_id and "您已退出" in (m.text or "")
        )
        assert "Flood patrol" in cleared.text and cleared.buttons == []


async def test_after_leaving_the_copy_of_a_group_press_and_a_clash_question_lose_buttons(
    start_bot: StartBot,
) -> None:
    """Pressed in the team's group, 王芳 gets her own copy with a Withdraw button; saying yes to
    an overlapping duty asks her which to keep, with buttons. /leave edits both."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    wang = await volunteer_in_telegram(bot, 101, "王芳", "zh")
    team = await seed_team(bot.db, "Patrol", [])
    group = bot.telegram.add_group(-100777, "巡逻队", [wang])
    await set_group_chat(bot.db, team, group.id)
    now = clock.now()
    await create(
        bot.db, now, title="Flood patrol", everyone=False, team_ids=(team,), needed=1,
        starts_at=now + timedelta(hours=23), ends_at=now + timedelta(hours=27),
    )  # fmt: skip
    await run_due_work(bot.runtime)
    post = await wang.expect_message("Flood patrol", chat_id=group.id)
    await wang.press("✅ 我去", post, chat_id=group.id)
    own_copy = await wang.expect_message("您已确认参加")
    assert own_copy.chat_id == wang.id and own_copy.buttons
    await create(
        bot.db, now, title="Vaccination duty", needed=5,
        starts_at=now + timedelta(hours=24), ends_at=now + timedelta(hours=28),
    )  # fmt: skip
    await run_due_work(bot.runtime)
    await wang.press("✅ 我去", await wang.expect_message("Vaccination duty"))
    question = await wang.expect_message("时间重叠", edits=False)
    assert question.buttons == [["保留：Vaccination duty"], ["保留：Flood patrol"]]

    await wang.send("/leave")
    await wang.expect_message("确定删除您的个人资料吗？")
    await wang.press("确定删除")
    await wang.expect_message("您的个人资料已删除", edits=False)
    await outbox_settled(bot)
    for message in (own_copy, question):
        cleared = await wang.expect_message(
            lambda m, sent=message: m.message_id == sent.message_id and "您已退出" in (m.text or "")
        )
        assert cleared.buttons == []


async def test_a_press_on_a_message_from_before_leaving_says_they_left(
    start_bot: StartBot,
) -> None:
    """A copy whose edit has not gone through yet (Telegram fails for the chat a while) is
    still pressed: the press finds that they left."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    _, _, alice, wang = await one_place_two_takers(bot, clock)
    await alice.press("↩️ Withdraw: I can't come any more")
    promoted = await wang.expect_message("有名额空出来了")  # a message of its own
    await wang.send("/leave")
    await wang.expect_message("确定删除您的个人资料吗？")
    bot.telegram.fail_chat(wang.id, 500, "Internal Server Error")
    await wang.press("确定删除")
    await wang.expect_callback_answer()  # answered once the departure is committed

    await wang.press("↩️ 退出：我去不了了", promoted)
    refusal = await wang.expect_callback_answer(show_alert=True)
    assert refusal.text == text("zh", "callouts.toast.left")
    assert "您已退出" in refusal.text


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
    assert "• Flood patrol, tomorrow, 8:00: confirmed" in question.text
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


# -- 5. a press counts only from someone the call-out reached -------------------------------


async def test_forged_presses_on_a_call_out_never_sent_are_refused_and_reveal_nothing(
    start_bot: StartBot,
) -> None:
    """Sun is not in the patrol team, so was never sent its call-out; she forges I'll go and
    Can't go for it (walking ids from a message of her own) and in a group it was not posted in."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    zhao = await volunteer_in_telegram(bot, 101, "Zhao Lei", "en")
    sun = await volunteer_in_telegram(bot, 103, "Sun Mei", "en")
    async with bot.db.session() as session:
        zhao_id = (
            await session.exec(select(Volunteer.id).where(Volunteer.telegram_id == 101))
        ).one()
    team = await seed_team(bot.db, "Patrol", [zhao_id])
    callout_id = await create(
        bot.db, clock.now(), needed=1, everyone=False, team_ids=(team,), title="Night patrol"
    )
    await run_due_work(bot.runtime)
    await zhao.expect_message("Night patrol")
    await outbox_settled(bot)
    other_group = bot.telegram.add_group(-100888, "Chess club", [sun])
    await sun.send("/pause")  # any message of hers with buttons will carry the forged data
    own = await sun.expect_message("for how long")

    for data, chat in (
        (f"cgo:{callout_id}:0", sun.id),
        (f"cno:{callout_id}", sun.id),
        (f"cwd:{callout_id}:confirmed", sun.id),
    ):
        await sun.press_data(own, data, chat_id=chat)
        refusal = await sun.expect_callback_answer(show_alert=True)
        assert refusal.text == text("en", StaleButton.key)
    await other_group_press(bot, sun, other_group.id, f"cgo:{callout_id}:0")

    assert await states(bot.db, callout_id) == {zhao.id: ResponseState.INVITED}
    await outbox_settled(bot)
    assert not any("Night patrol" in (m.text or "") for m in bot.telegram.sent(chat_id=sun.id))
    # The button guard refuses them before the service's own rule is reached (the service
    # rule is proven in tests/test_callout_filling.py): audit-logged all the same.
    assert [a for a in await audit_trail(bot.db) if a[0] == sun.id] == [
        (sun.id, "button.forged", False)
    ] * 4
    await zhao.press("✅ I'll go")  # whoever was asked still answers
    await zhao.expect_message("You are going")


async def other_group_press(bot: RunningBot, person: FakeUser, chat_id: int, data: str) -> None:
    """A forged press in a group the call-out was not posted in (on a message of the bot's
    that happens to have buttons there)."""
    assert bot.app is not None
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="x")]])
    posted = await bot.app.bot.send_message(chat_id, "Pick one", reply_markup=buttons)
    await person.press_data(posted.message_id, data, chat_id=chat_id)
    refusal = await person.expect_callback_answer(show_alert=True)
    assert refusal.text == text("en", StaleButton.key)


async def test_a_paused_volunteers_press_on_their_invitation_is_refused(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    alice = await volunteer_in_telegram(bot, 102, "Alice", "en")
    callout_id = await create(bot.db, clock.now(), needed=1, title="Flood patrol")
    await run_due_work(bot.runtime)
    invitation = await alice.expect_message("Flood patrol")
    await alice.send("/pause")
    await alice.expect_message("for how long")
    await alice.press("Until I send /resume")
    await alice.expect_message("paused until you send /resume")

    await alice.press("✅ I'll go", invitation)
    refusal = await alice.expect_callback_answer(show_alert=True)
    assert refusal.text == text("en", "callouts.toast.paused")
    assert "/resume" in refusal.text
    assert await states(bot.db, callout_id) == {alice.id: ResponseState.INVITED}
    assert (alice.id, "callout.answer", False) in await audit_trail(bot.db)

    await alice.send("/resume")
    await alice.expect_message("Welcome back")
    await alice.press("✅ I'll go", invitation)
    await alice.expect_message("You are going")


# -- 8. blocking the bot is noticed at once ---------------------------------------------------


async def test_a_volunteer_who_blocks_the_bot_is_not_counted_until_they_come_back(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot, language="zh")
    medics = [
        await volunteer_in_telegram(bot, 101 + n, f"Medic {n}", "en", skills=["medical"])
        for n in range(3)
    ]
    await medics[0].block_bot()
    await until_unreachable(bot, medics[0].id)

    await lead.send("/callout")
    await lead.expect_message("这是哪一类召集", edits=False)
    await lead.press("火灾 / 疏散")
    await lead.expect_message("请输入标题", edits=False)
    await lead.send("5号楼火情疏散")
    await lead.expect_message("志愿者要做什么", edits=False)
    await lead.press("跳过")
    await lead.expect_message("在哪里", edits=False)
    await lead.send("5号楼")
    await lead.expect_message("地图上的准确位置", edits=False)
    await lead.tap_reply_button("跳过")
    await lead.expect_message("什么时候开始", edits=False)
    await lead.press("保持原来的内容")
    await lead.expect_message("✓ 开始时间", edits=False)
    await lead.press("保持原来的内容")
    await lead.expect_message("需要多少位志愿者", edits=False)
    await lead.press("保持原来的内容")
    await lead.expect_message("需要哪些技能", edits=False)
    await lead.press("医疗")
    await lead.expect_message(lambda m: m.edited and "✅ 医疗" in str(m.buttons))
    await lead.press("完成 ✓")
    await lead.expect_message("通知哪些人", edits=False)
    await lead.press("🌐 全体志愿者")
    await lead.expect_message("最晚何时答复", edits=False)
    await lead.press("跳过")
    await lead.expect_message("紧急程度如何", edits=False)
    await lead.press("✅ 🚨 紧急")
    preview = await lead.expect_message("召集预览", edits=False)
    assert "现在发送将通知 2 位志愿者" in preview.text
    await lead.press("📣 发送")
    await lead.expect_message("正在发送给 2 位志愿者", edits=False)
    await run_due_work(bot.runtime)
    await medics[1].expect_message("5号楼火情疏散")
    await medics[2].expect_message("5号楼火情疏散")
    await card_shows(bot, lead, "尚未答复：2")

    # Asked, then blocks the bot: no longer "no answer yet", but shown apart.
    await medics[2].block_bot()
    await until_unreachable(bot, medics[2].id)
    await card_shows(bot, lead, "尚未答复：1", "之后屏蔽了机器人或已退出：1")

    # Unblocked and restarted: reachable again. The call-out already asked everyone, so
    # its card offers no "widen to everyone" (it would only ask whoever came back).
    await medics[0].unblock_bot()
    await medics[0].send("/start")
    await medics[0].expect_message()
    card = [m for m in lead.messages if "报名名单" in (m.text or "")][-1]
    assert "尚未答复：1" in card.text and "扩大到全社区" not in str(card.buttons)
    assert bot.telegram.sent(chat_id=medics[2].id)[-1].text is not None


async def until_unreachable(bot: RunningBot, telegram_id: int) -> None:
    """The block is a separate update: wait until the bot has handled it."""
    async with asyncio.timeout(5):
        while True:
            async with bot.db.session() as session:
                account = await session.get(Account, telegram_id)
                if account is not None and account.unreachable_at is not None:
                    return
            await asyncio.sleep(0.02)
