"""The bot answers over real HTTP: start, help by role, language switch."""

from tests.harness import StartBot


async def test_start_greets_in_the_users_telegram_language(start_bot: StartBot) -> None:
    bot = await start_bot()
    alice = bot.user(101, "Alice", "en")
    await alice.send("/start")
    reply = await alice.expect_message()
    assert "Sunshine Community" in reply.text


async def test_help_lists_leader_commands_only_for_leaders(start_bot: StartBot) -> None:
    bot = await start_bot()
    volunteer = bot.user(102, "Bob", "en")
    await volunteer.send("/help")
    assert "/volunteers" not in (await volunteer.expect_message()).text
    admin = bot.admin()
    await admin.send("/help")
    text = (await admin.expect_message()).text
    assert "/volunteers" in text and "/promote" in text


async def test_language_switch_changes_later_replies(start_bot: StartBot) -> None:
    bot = await start_bot()
    user = bot.user(103, "Chen", "zh")
    await user.send("/language")
    await user.expect_message()
    await user.press("English")
    assert "English" in (await user.expect_message()).text
    await user.send("/help")
    assert "What you can do" in (await user.expect_message()).text
