"""How leaders open the board, over real HTTP against the fake Bot API: ``/dashboard`` (a
``web_app`` button in a private chat, a link to the private chat in a group, where Telegram
refuses such buttons), and the menu button the bot sets itself for whoever has a team's
tools, taken away again when they lose them, and a button on the roster card that opens its
call-out on the board. Volunteers never get it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.cli import _add_admin
from bot.config import DashboardConfig
from bot.i18n import Translator, text
from bot.outbox.cards import Rendered
from bot.services.callouts.delivery import deliver_callout
from bot.services.callouts.roster import with_board
from models import Role
from tests.harness import StartBot
from tests.seed import audit_trail, seed_account, seed_volunteer
from tests.seed_callouts import create, seed_leader

URL = "https://board.example.org/dashboard/"
BOARD = DashboardConfig(enabled=True, url=URL)
GROUP = -1001234


def board_button(language: str) -> dict[str, object]:
    return {"type": "web_app", "text": text(language, "menu.board_button"), "web_app": {"url": URL}}


async def test_dashboard_opens_the_board_in_private_and_points_to_it_from_a_group(
    start_bot: StartBot,
) -> None:
    bot = await start_bot(dashboard=BOARD)
    await seed_account(bot.db, 400, role=Role.LEADER, language="en", first_name="Lin")
    await seed_volunteer(bot.db, 101, "Wang", language="en")
    lin, wang = bot.user(400, "Lin", "en"), bot.user(101, "Wang", "en")
    bot.telegram.add_group(GROUP, "Flood patrol", [lin, wang])

    await lin.send("/dashboard")
    opened = await lin.expect_message("live board")
    assert opened.reply_markup == {
        "inline_keyboard": [[{"text": "📊 Live board", "web_app": {"url": URL}}]]
    }

    await lin.send("/dashboard", chat_id=GROUP)
    pointer = await lin.expect_message("private chat", chat_id=GROUP)
    [[button]] = pointer.reply_markup["inline_keyboard"]
    assert button["url"].startswith("https://t.me/") and "web_app" not in button

    await wang.send("/dashboard")
    assert "not allowed" in (await wang.expect_message()).text
    assert (101, "dashboard.open", False) in await audit_trail(bot.db)


async def test_the_menu_button_follows_the_leaders_role(start_bot: StartBot) -> None:
    bot = await start_bot(dashboard=BOARD)
    await seed_account(bot.db, 400, role=Role.LEADER, language="zh", first_name="李明")
    lead, wang = bot.user(400, "李明", "zh"), bot.user(201, "王芳", "en")
    lead.open_chat()
    await wang.send("/help")
    await wang.expect_message()
    await bot.restart()  # at start every leader's menu, and menu button, is set
    assert bot.telegram.menu_button(400) == board_button("zh")
    assert bot.telegram.menu_button(201) == {"type": "default"}

    admin = bot.admin()
    await admin.send("/promote 201")
    await admin.expect_message("is now a leader")
    await bot.telegram.wait_for(lambda: bot.telegram.menu_button(201) == board_button("en"))

    await admin.send("/demote 201")
    await admin.expect_message("no longer a leader")
    await bot.telegram.wait_for(lambda: bot.telegram.menu_button(201) == {"type": "default"})


async def test_an_administrator_added_from_the_command_line_gets_the_menu_and_board_button(
    start_bot: StartBot,
) -> None:
    """`muster admin add @carol` beside the running bot, as /promote does: the new role's
    menu and the board's menu button, without a restart."""
    bot = await start_bot(dashboard=BOARD)
    carol = bot.telegram.user(301, "Carol", username="Carol_Li", language_code="en")
    await carol.send("/help")
    await carol.expect_message()
    assert "invite" not in carol.menu()

    change = await _add_admin(bot.config, "@carol_li")
    assert change.changed
    await bot.telegram.wait_for(lambda: bot.telegram.menu_button(301) == board_button("en"))
    assert {"invite", "promote", "callout"} <= set(carol.menu())
    await carol.expect_message("You are now an administrator")


async def test_without_the_board_dashboard_says_so_and_sets_no_menu_button(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    await seed_account(bot.db, 400, role=Role.LEADER, language="en", first_name="Lin")
    lin = bot.user(400, "Lin", "en")
    await lin.send("/dashboard")
    assert "not switched on" in (await lin.expect_message()).text
    assert bot.telegram.menu_button(400) == {"type": "default"}


async def test_the_roster_card_opens_its_callout_on_the_board(start_bot: StartBot) -> None:
    bot = await start_bot(dashboard=BOARD)
    leader = await seed_leader(bot.db)
    lin = bot.user(leader.telegram_id, "Lin", "en")
    lin.open_chat()
    now = bot.runtime.clock.now()
    callout_id = await create(bot.db, now)
    async with bot.db.session() as session:
        await deliver_callout(session, callout_id=callout_id, now=now, display=bot.runtime.display)
    bot.runtime.wake_sender()
    card = await lin.expect_message("Vaccination duty")
    last_row = card.reply_markup["inline_keyboard"][-1]
    assert last_row == [
        {"text": "📊 Live board", "web_app": {"url": f"{URL}?callout={callout_id}"}}
    ]


def test_the_cards_board_button_is_only_for_private_chats() -> None:
    t = Translator("en", ZoneInfo("Asia/Shanghai"))
    card = Rendered("card", {"inline_keyboard": [[{"text": "Remind", "callback_data": "x"}]]})
    assert with_board(card, t, URL, 7, -1001234) == card  # a group: Telegram refuses it
    assert with_board(card, t, None, 7, 400) == card  # the board is off
    opened = with_board(card, t, URL + "?v=2", 7, 400).markup
    assert opened is not None
    assert opened["inline_keyboard"][-1][0]["web_app"] == {"url": f"{URL}?v=2&callout=7"}
