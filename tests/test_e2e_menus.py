"""Menus fit the person (issue 11, item 10), over real HTTP: a volunteer's /start shows
buttons rather than a list of commands, and each button does what its command does; the
command menu ("/") is the volunteers' for volunteers and a leader's own for leaders and
administrators; an administrator's /help is short and grouped, details one tap away."""

from __future__ import annotations

from telegram import BotCommandScopeAllPrivateChats

from models import Role
from tests.harness import StartBot
from tests.seed import seed_account, seed_volunteer

MENU_ROWS_ZH = [
    ["📋 我的任务", "📍 签到"],
    ["⏱ 服务时长", "⏸ 暂停接收"],
    ["👤 我的资料", "❓ 帮助"],
]


async def test_a_volunteers_start_shows_buttons_that_do_what_the_commands_do(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    await seed_volunteer(bot.db, 101, "王芳", language="zh")
    wang = bot.user(101, "王芳", "zh")

    await wang.send("/start")
    card = await wang.expect_message("王芳")
    assert "/profile" not in card.text and "/pause" not in card.text  # buttons, not commands
    assert card.reply_markup is not None
    assert [[b["text"] for b in row] for row in card.reply_markup["keyboard"]] == MENU_ROWS_ZH

    await wang.tap_reply_button("📋 我的任务")
    assert "暂时没有任务" in (await wang.expect_message()).text
    await wang.tap_reply_button("⏱ 服务时长")
    assert "还没有服务时长记录" in (await wang.expect_message()).text
    await wang.tap_reply_button("👤 我的资料")
    assert "王芳" in (await wang.expect_message()).text
    await wang.tap_reply_button("❓ 帮助")
    assert "/leave" in (await wang.expect_message("您可以使用")).text
    await wang.expect_no_message()  # no "did not understand" besides each answer


async def test_the_command_menu_follows_the_role(start_bot: StartBot) -> None:
    bot = await start_bot()
    await seed_account(bot.db, 400, role=Role.LEADER, language="zh", first_name="李明")
    await seed_volunteer(bot.db, 101, "王芳", language="zh")
    lead, wang = bot.user(400, "李明", "zh"), bot.user(101, "王芳", "zh")
    lead.open_chat()
    wang.open_chat()
    await bot.restart()  # at start every leader's own menu is set

    assert "callout" in lead.menu() and "promote" not in lead.menu()
    assert "callout" not in wang.menu() and {"tasks", "checkin", "hours"} <= set(wang.menu())
    everyones = await bot.app.bot.get_my_commands(
        scope=BotCommandScopeAllPrivateChats(), language_code="zh"
    )
    assert everyones and not any(
        "负责人" in c.description or c.command == "callout" for c in everyones
    )

    admin = bot.admin()
    await admin.send("/start")
    await admin.expect_message()
    await bot.telegram.wait_for(lambda: "promote" in admin.menu(), message=str(admin.menu()))
    assert "callout" in admin.menu()

    await lead.send("/language")
    await lead.expect_message()
    await lead.press("English")
    await lead.expect_message()
    await bot.telegram.wait_for(
        lambda: any(
            c["description"] == "New call-out"
            for c in bot.telegram.api.commands.get(('{"chat_id": 400, "type": "chat"}', ""), [])
        )
    )


async def test_an_administrators_help_is_short_and_grouped(start_bot: StartBot) -> None:
    bot = await start_bot()
    admin = bot.admin()
    await admin.send("/help")
    overview = await admin.expect_message("What I can do for you")
    assert overview.buttons == [
        ["🙋 Volunteer commands"],
        ["📣 Leader commands"],
        ["🛡 Administrator commands"],
    ]
    assert len(overview.text.splitlines()) <= 10
    assert "/round_now" not in overview.text  # details are one tap away

    await admin.press("📣 Leader commands")
    details = await admin.expect_message("/round_now")
    assert details.message_id == overview.message_id and details.buttons == [["« All help"]]
    await admin.press("« All help")
    assert "🛡" in (await admin.expect_message("What I can do for you")).text

    volunteer = bot.user(102, "Bob", "en")
    await volunteer.send("/help")
    plain = await volunteer.expect_message("What you can do")
    assert plain.buttons == [] and "/callout" not in plain.text
    await volunteer.send("/language")
    own_keyboard = await volunteer.expect_message()
    await volunteer.press_data(own_keyboard, "help:leader")  # a leader's help section: no
    await volunteer.expect_callback_answer()
    await volunteer.expect_no_message()
