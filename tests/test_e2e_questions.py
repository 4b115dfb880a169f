"""A volunteer's question reaches a person, over real HTTP: what they type outside any form is
offered to the leader of the call-out they last answered or to their team's leader; the
leader's reply to the relayed message comes back as a reply to the volunteer's own message;
the record stays until it is answered, and goes when the person who asked leaves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import select

from bot.clock import FrozenClock
from bot.config import BotConfig
from bot.i18n import text
from bot.scheduler import run_due_work
from models import OutboxMessage, Volunteer
from models.questions import Question
from tests.fake_telegram import FakeUser
from tests.harness import ADMIN_ID, RunningBot, StartBot
from tests.rounds_world import lead_team
from tests.seed import seed_account, seed_team
from tests.seed_callouts import (
    LEADER_ID,
    create,
    leader_in_telegram,
    outbox_settled,
    volunteer_in_telegram,
)

WANG_ID, ZHOU_ID, TEAM_LEADER_ID = 101, 102, 7100
QUESTION = "你好，明天几点集合？"


async def volunteer_id(bot: RunningBot, telegram_id: int) -> int:
    async with bot.db.session() as session:
        found = await session.scalar(
            select(Volunteer.id).where(Volunteer.telegram_id == telegram_id)
        )
    assert found is not None
    return found


async def questions_in_database(bot: RunningBot) -> list[Question]:
    async with bot.db.session() as session:
        return list((await session.exec(select(Question).order_by(Question.id))).all())


async def wang_answered_a_call_out(bot: RunningBot, clock: FrozenClock) -> tuple[FakeUser, ...]:
    """Wang (zh) is in team 东区 led by Zhang, and said yes to Lin's call-out 'Flood patrol'."""
    lin = await leader_in_telegram(bot)
    wang = await volunteer_in_telegram(bot, WANG_ID, "王芳", "zh")
    await seed_account(bot.db, TEAM_LEADER_ID, language="en", first_name="Zhang")
    zhang = bot.user(TEAM_LEADER_ID, "Zhang", "en")
    zhang.open_chat()
    team_id = await seed_team(bot.db, "东区", [await volunteer_id(bot, WANG_ID)], by=LEADER_ID)
    await lead_team(bot.db, team_id, TEAM_LEADER_ID)
    await create(bot.db, clock.now(), needed=2, title="Flood patrol")
    await run_due_work(bot.runtime)
    await wang.expect_message("Flood patrol")
    await wang.press("✅ 我去")
    await wang.expect_message("您")
    await outbox_settled(bot)
    lin.mark_all_read()
    wang.mark_all_read()
    return wang, lin, zhang


async def test_a_question_goes_to_the_call_out_leader_and_the_answer_comes_back(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang, lin, zhang = await wang_answered_a_call_out(bot, clock)

    asked = await wang.send(QUESTION)
    offer = await wang.expect_message(text("zh", "questions.offer"))
    assert offer.buttons == [
        ["💬 问Lin（召集：Flood patrol）"],
        ["💬 问Zhang（东区队长）"],
        ["✖️ 不用了"],
    ]
    await wang.press("💬 问Lin（召集：Flood patrol）")
    await wang.expect_message(lambda m: m.edited and "已转给Lin" in (m.text or ""))

    relayed = await lin.expect_message(QUESTION)
    assert "王芳" in relayed.text and "Flood patrol" in relayed.text
    assert "Reply to this message" in relayed.text
    await zhang.expect_no_message()  # only the leader Wang chose

    await lin.send("/questions")  # a leader sees what is still waiting
    await lin.expect_message("Questions waiting for your answer: 1")
    await lin.expect_message(QUESTION)

    await lin.send("8:00 at the community gate", reply_to=relayed.message_id)
    await lin.expect_message("Your answer was passed on to 王芳")
    answer = await wang.expect_message("8:00 at the community gate")
    assert "Lin" in answer.text
    assert answer.message["reply_to_message"]["message_id"] == asked["message_id"]

    [question] = await questions_in_database(bot)
    assert question.text == QUESTION and question.leader_telegram_id == LEADER_ID
    assert question.sent_at is not None and question.answered_at is not None
    await lin.send("/questions")
    await lin.expect_message("No questions are waiting for your answer.")


async def test_a_question_can_go_to_the_team_leader_instead(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang, lin, zhang = await wang_answered_a_call_out(bot, clock)

    await wang.send("我下周出差，可以请假吗？")
    await wang.expect_message(text("zh", "questions.offer"))
    await wang.press("💬 问Zhang（东区队长）")
    relayed = await zhang.expect_message("我下周出差")
    assert "东区" in relayed.text
    await lin.expect_no_message()

    await zhang.send("/questions")  # shown again: a reply to the copy answers it too
    await zhang.expect_message("Questions waiting for your answer: 1")
    copy = await zhang.expect_message("我下周出差")
    await zhang.send("No problem, have a good trip", reply_to=copy.message_id)
    await wang.expect_message("No problem, have a good trip")


async def test_a_leader_who_never_wrote_to_the_bot_reads_it_in_the_default_language(
    start_bot: StartBot,
) -> None:
    """Zhang was named 东区's leader before he ever wrote to the bot (no account): Wang's
    question reaches him in the community's default language, English here."""
    bot = await start_bot(bot=BotConfig(admins=[ADMIN_ID], default_language="en"))
    wang = await volunteer_in_telegram(bot, WANG_ID, "王芳", "zh")
    zhang = bot.user(TEAM_LEADER_ID, "Zhang", "zh")
    zhang.open_chat()
    team_id = await seed_team(bot.db, "东区", [await volunteer_id(bot, WANG_ID)])
    await lead_team(bot.db, team_id, TEAM_LEADER_ID)

    await wang.send(QUESTION)
    offer = await wang.expect_message(text("zh", "questions.offer"))
    await wang.press(offer.buttons[0][0], offer)
    relayed = await zhang.expect_message(QUESTION)
    assert "from your team 东区 asks" in (relayed.text or "")


async def test_dont_send_keeps_nothing_and_a_second_press_is_stale(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang, lin, _ = await wang_answered_a_call_out(bot, clock)

    await wang.send(QUESTION)
    offer = await wang.expect_message(text("zh", "questions.offer"))
    ask_lin = offer.button_data("💬 问Lin（召集：Flood patrol）")
    assert ask_lin is not None
    await wang.press("✖️ 不用了")
    await wang.expect_message(lambda m: m.edited and "没有转发" in (m.text or ""))
    assert await questions_in_database(bot) == []

    await wang.press_data(offer.message_id, ask_lin)  # a second press, as a slow client sends
    await wang.expect_callback_answer(text("zh", "errors.stale_button"), show_alert=True)
    await lin.expect_no_message()


async def test_a_message_too_long_to_pass_on_is_said_so_not_cut(start_bot: StartBot) -> None:
    """Longer than a question may be: the volunteer is told, with the numbers, and sends it
    again shorter; nothing is kept of the long one, and no leader gets half of it."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang, lin, _ = await wang_answered_a_call_out(bot, clock)

    await wang.send("请问" * 600)
    told = await wang.expect_message("太长")
    assert "1200" in told.text and "1000" in told.text
    assert await questions_in_database(bot) == []
    await wang.send(QUESTION)
    await wang.press((await wang.expect_message(text("zh", "questions.offer"))).buttons[0][0])
    await lin.expect_message(QUESTION)


async def test_nobody_to_ask_still_gets_did_not_understand(start_bot: StartBot) -> None:
    bot = await start_bot(clock=FrozenClock())
    zhou = await volunteer_in_telegram(bot, ZHOU_ID, "周杰", "en")  # no team, no call-out

    await zhou.send("hello?")

    await zhou.expect_message(text("en", "dialog.not_understood"))
    assert await questions_in_database(bot) == []


async def test_a_forged_press_cannot_send_someone_elses_question(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang, lin, _ = await wang_answered_a_call_out(bot, clock)
    zhou = await volunteer_in_telegram(bot, ZHOU_ID, "周杰", "en")
    await wang.send(QUESTION)
    await wang.expect_message(text("zh", "questions.offer"))
    [draft] = await questions_in_database(bot)

    await zhou.send("/start")
    menu = await zhou.expect_message()
    await zhou.press_data(menu, f"ask:{draft.id}:{LEADER_ID}")

    await zhou.expect_callback_answer(text("en", "errors.stale_button"), show_alert=True)
    await lin.expect_no_message()
    [still] = await questions_in_database(bot)
    assert still.sent_at is None


async def test_leaving_takes_the_questions_asked_and_the_name_in_others(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang, lin, _ = await wang_answered_a_call_out(bot, clock)
    await wang.send(QUESTION)
    await wang.expect_message(text("zh", "questions.offer"))
    await wang.press("💬 问Lin（召集：Flood patrol）")
    await lin.expect_message(QUESTION)
    zhou = await volunteer_in_telegram(bot, ZHOU_ID, "周杰", "en")
    team_id = await seed_team(bot.db, "西区", [await volunteer_id(bot, ZHOU_ID)], by=LEADER_ID)
    await lead_team(bot.db, team_id, LEADER_ID)
    await zhou.send("Is 王芳 coming with us?")
    await zhou.expect_message(text("en", "questions.offer"))
    await zhou.press(lambda b: "Lin" in b)
    await lin.expect_message("coming with us")

    await wang.send("/leave")
    await wang.expect_message(lambda m: bool(m.buttons))
    await wang.press("确定删除")
    await wang.expect_message("您的个人资料已删除")

    [left] = await questions_in_database(bot)
    assert left.asker_telegram_id == ZHOU_ID
    assert "王芳" not in left.text and "coming with us" in left.text


async def test_a_reply_finds_its_question_when_the_outbox_no_longer_has_the_message(
    start_bot: StartBot,
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang, lin, _ = await wang_answered_a_call_out(bot, clock)
    await wang.send(QUESTION)
    await wang.expect_message(text("zh", "questions.offer"))
    await wang.press("💬 问Lin（召集：Flood patrol）")
    relayed = await lin.expect_message(QUESTION)
    await outbox_settled(bot)
    async with bot.db.session() as session:  # pruned after its retention
        await session.exec(delete(OutboxMessage))

    await lin.send("8:00", reply_to=relayed.message_id)

    await wang.expect_message(lambda m: "8:00" in (m.text or "") and "Lin" in (m.text or ""))
    [question] = await questions_in_database(bot)
    assert question.answered_at is not None


async def test_a_draft_nobody_sent_is_forgotten_the_next_day(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    wang, _, _ = await wang_answered_a_call_out(bot, clock)
    await wang.send(QUESTION)
    await wang.expect_message(text("zh", "questions.offer"))
    clock.set(clock.now() + timedelta(days=1, minutes=1))

    await wang.send("谢谢")
    await wang.expect_message(text("zh", "questions.offer"))

    assert [q.text for q in await questions_in_database(bot)] == ["谢谢"]
