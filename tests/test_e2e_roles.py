"""Leader rights over real HTTP: /promote, /demote, /invite and the invite link."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import FrozenClock
from models import Role
from tests.harness import ADMIN_ID, StartBot
from tests.seed import audit_trail, seed_account, seed_volunteer

LINK = re.compile(r"https://t\.me/muster_test_bot\?start=(inv_[A-Za-z0-9_-]+)")


async def test_an_invite_link_makes_its_first_opener_a_leader_and_no_one_else(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    admin = bot.admin()
    await admin.send("/invite")
    created = await admin.expect_message("t.me")
    payload = LINK.search(created.text or "")
    assert payload is not None and len(payload.group(1)) <= 64

    li = bot.user(301, "Li", "zh")
    await li.send(f"/start {payload.group(1)}")
    welcome = await li.expect_message()
    assert "负责人" in welcome.text and "/callout" in welcome.text  # what it lets them do
    await bot.telegram.wait_for(lambda: "callout" in li.menu())  # and their menu shows it
    assert "Li" in (await admin.expect_message("invite link was used")).text
    await li.send(f"/start {payload.group(1)}")  # opened again: said as it is, no alarm
    again = (await li.expect_message("您已经打开过此链接")).text
    assert again.startswith("您已经打开过此链接（今天") and "相应权限已经是您的了" in again
    await li.send("/help")
    assert "/volunteers" in (await li.expect_message()).text

    mallory = bot.user(302, "Mallory", "en")
    await mallory.send(f"/start {payload.group(1)}")
    assert "already been used by someone else" in (await mallory.expect_message()).text
    await mallory.send("/volunteers")
    assert "not allowed" in (await mallory.expect_message()).text
    assert [(a, act) for a, act, _ in await audit_trail(bot.db)][:2] == [
        (ADMIN_ID, "invite_created"),
        (301, "invite_used"),
    ]


async def test_an_expired_or_unknown_invite_gets_a_clear_answer(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    admin = bot.admin()
    await admin.send("/invite")
    payload = LINK.search((await admin.expect_message("t.me")).text or "")
    assert payload is not None
    clock.advance(timedelta(days=8))
    late = bot.user(303, "Late", "en")
    await late.send(f"/start {payload.group(1)}")
    expired = (await late.expect_message()).text
    assert expired.startswith("This invite link expired (Sat 28 Nov, 9:00) without being used.")
    await late.send("/start inv_<b>nonsense&")
    assert "not valid" in (await late.expect_message()).text


async def test_the_promoted_are_named_as_they_signed_up_not_by_their_telegram_name(
    start_bot: StartBot,
) -> None:
    """Two Graces on Telegram: the administrator is told which one, by her registered name."""
    bot = await start_bot()
    await seed_volunteer(bot.db, 202, "Grace Li", language="en")
    grace = bot.user(202, "Grace", "en")
    await grace.send("/help")
    await grace.expect_message()
    admin = bot.admin()
    await admin.send("/promote 202")
    assert (await admin.expect_message()).text.startswith("✅ Grace Li is now a leader.")


async def test_an_administrator_promotes_and_demotes_and_the_person_is_told(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    wang = bot.user(201, "王芳", "zh")
    await wang.send("/help")  # people must have opened the bot before it can write to them
    await wang.expect_message()
    admin = bot.admin()

    await admin.send("/promote 201")
    assert "is now a leader" in (await admin.expect_message()).text
    assert "负责人" in (await wang.expect_message()).text
    await wang.send("/volunteers")
    assert "志愿者统计" in (await wang.expect_message()).text

    await admin.send("/promote")
    overview = (await admin.expect_message()).text or ""
    assert "王芳 · a leader" in overview and "201" not in overview

    await admin.send("/demote 201")
    assert "no longer a leader" in (await admin.expect_message()).text
    assert "取消" in (await wang.expect_message()).text
    await wang.send("/volunteers")
    assert "没有权限" in (await wang.expect_message()).text
    trail = await audit_trail(bot.db)
    assert (ADMIN_ID, "role_granted", True) in trail and (ADMIN_ID, "role_revoked", True) in trail


async def test_promoting_a_stranger_or_a_malformed_name_is_explained(start_bot: StartBot) -> None:
    bot = await start_bot()
    admin = bot.admin()
    await admin.send("/promote 424242")
    assert "found no one called “424242”" in (await admin.expect_message()).text
    await admin.send("/promote <b>me</b>")
    assert "found no one called “<b>me</b>”" in (await admin.expect_message()).text
    await admin.send(f"/demote {ADMIN_ID}")
    assert "configuration" in (await admin.expect_message()).text


async def test_volunteers_and_leaders_are_refused_admin_commands_and_it_is_logged(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    await seed_account(bot.db, 202, role=Role.LEADER, first_name="Lead", language="en")
    bob = bot.user(201, "Bob", "en")
    lead = bot.user(202, "Lead", "en")
    for command in ("/promote 202", "/demote 202", "/invite", "/promote"):
        await bob.send(command)
        assert "not allowed" in (await bob.expect_message()).text
    await lead.send("/promote 201")
    assert "not allowed" in (await lead.expect_message()).text
    refused = [(a, act) for a, act, allowed in await audit_trail(bot.db) if not allowed]
    assert refused == [
        (201, "roles.promote"),
        (201, "roles.demote"),
        (201, "invites.create"),
        (201, "roles.list"),
        (202, "roles.promote"),
    ]
