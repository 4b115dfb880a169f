"""People are addressed as people, and told what they were given to do (issue 11, items 6
and 7), over real HTTP: an administrator promotes by name or picks someone in Telegram's
chooser; a leader names a team's leader and adds members; each person is told, in their own
language, what the new job lets them do."""

from __future__ import annotations

from models import Role
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot
from tests.seed import audit_trail, seed_account, seed_volunteer

LEADER_ID = 400


async def a_leader(bot: RunningBot) -> FakeUser:
    await seed_account(bot.db, LEADER_ID, role=Role.LEADER, language="zh", first_name="李明")
    return bot.user(LEADER_ID, "李明", "zh")


async def test_an_administrator_promotes_wang_fang_by_name_and_she_learns_what_she_can_do(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    await seed_volunteer(bot.db, 201, "王芳", language="zh")
    wang = bot.user(201, "王芳", "zh")
    wang.open_chat()
    admin = bot.admin()

    await admin.send("/promote 王芳")
    done = await admin.expect_message("is now a leader")
    assert "王芳" in done.text and "201" not in done.text  # no Telegram ids shown
    told = await wang.expect_message("负责人")
    assert "/callout" in told.text and "/teams" in told.text  # what it lets her do
    await bot.telegram.wait_for(lambda: "callout" in wang.menu(), message=str(wang.menu()))
    assert {"teams", "elders", "rounds"} <= set(wang.menu())

    await admin.send("/demote 王芳")
    await admin.expect_message("no longer a leader")
    await wang.expect_message("取消")
    await bot.telegram.wait_for(lambda: "callout" not in wang.menu())
    assert "tasks" in wang.menu()  # back to everyone's menu


async def test_an_administrator_picks_a_person_in_telegrams_chooser(start_bot: StartBot) -> None:
    bot = await start_bot()
    li = bot.user(301, "Li", "en")
    await li.send("/help")  # Li has opened the bot, but never signed up as a volunteer
    await li.expect_message()
    admin = bot.admin("zh")

    await admin.send("/promote")
    offer = await admin.expect_message("选择")
    assert offer.reply_markup is not None and "keyboard" in offer.reply_markup
    await admin.share_users("👤 选择一个人", li)
    assert "Li现在是负责人" in (await admin.expect_message("负责人")).text
    assert "You can now" in (await li.expect_message("leader")).text

    stranger = bot.user(302, "Stranger", "en")
    await admin.send("/promote")
    await admin.expect_message("选择")
    await admin.share_users("👤 选择一个人", stranger)  # never opened the bot
    assert "还没有打开过" in (await admin.expect_message()).text
    assert [act for _, act, ok in await audit_trail(bot.db) if ok] == ["role_granted"]


async def test_a_leader_names_a_team_leader_who_is_told_what_the_team_expects(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    lead = await a_leader(bot)
    await seed_volunteer(
        bot.db, 101, "Zhang Wei", language="en", phone="+8613911112222", role=Role.LEADER
    )
    zhang = bot.user(101, "Zhang Wei", "en")
    zhang.open_chat()
    await lead.send("/teams new 巡逻队")
    await lead.expect_message("已创建")

    await lead.send("/teams leader 1 13911112222")  # by phone, as /duty set takes it
    assert "Zhang Wei" in (await lead.expect_message("巡逻队")).text
    told = await zhang.expect_message("leader of the team")
    assert "巡逻队" in told.text and "/rounds" in told.text and "alerts" in told.text

    await lead.send("/teams leader 1 Zhang Wei")  # the same person again: nothing new to say
    await lead.expect_message("巡逻队")
    await lead.send("/teams add 1 #1")  # by the number /volunteers shows
    assert "Zhang Wei 已加入" in (await lead.expect_message()).text
    assert "added to the team" in (await zhang.expect_message("巡逻队")).text
    await zhang.expect_no_message(within=0.5)


async def test_a_leader_chooses_the_team_leader_and_adds_members_from_the_chooser(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    lead = await a_leader(bot)
    await seed_volunteer(bot.db, 101, "王芳", language="zh")
    await seed_volunteer(bot.db, 102, "Chen", language="en")
    wang, chen = bot.user(101, "王芳", "zh"), bot.user(102, "Chen", "en")
    wang.open_chat()
    chen.open_chat()
    outsider = bot.user(103, "Outsider", "en")
    await outsider.send("/help")
    await outsider.expect_message()
    await lead.send("/teams new 巡逻队")
    await lead.expect_message("已创建")

    await lead.press("👤 选择队长")
    await lead.expect_message("选择")
    await lead.share_users("👤 选择队长", wang)
    assert "王芳" in (await lead.expect_message("队长")).text
    told = await wang.expect_message("队长")  # a volunteer, with the team's tools (item 8)
    assert "巡逻队的队长" in told.text and "预警" in told.text and "/callout" in told.text
    assert "/promote" not in told.text

    await lead.send("/teams")
    await lead.expect_message()
    await lead.press("巡逻队 · 0")
    await lead.expect_message("队伍编号")
    await lead.press("👥 添加 / 移除队员")
    await lead.expect_message("第 1/1 页")
    await lead.press("▫️ Chen")  # from the list
    await lead.expect_message("1 名队员")
    assert "added to the team" in (await chen.expect_message("巡逻队")).text
    await lead.press("👤 从我的聊天中添加")
    await lead.expect_message("选择要加入")
    await lead.share_users("👤 从我的聊天中添加", wang)  # from the chooser
    assert "王芳 已加入" in (await lead.expect_message()).text
    assert "您已加入" in (await wang.expect_message("巡逻队")).text

    await lead.send("/teams add 1 chen")  # by name (case and width do not matter)
    assert "Chen 已经在" in (await lead.expect_message()).text
    await lead.send("/teams add 1 无名氏")
    assert "没有名为“无名氏”的已登记志愿者" in (await lead.expect_message()).text

    await lead.press("👤 从我的聊天中添加")
    await lead.expect_message("选择要加入")
    await lead.share_users("👤 从我的聊天中添加", outsider)
    assert "还没有注册成为志愿者" in (await lead.expect_message()).text
    await outsider.expect_no_message(within=0.3)


async def test_a_volunteer_cannot_use_a_forged_chooser_answer(start_bot: StartBot) -> None:
    bot = await start_bot()
    await seed_volunteer(bot.db, 101, "王芳", language="en")
    wang = bot.user(101, "王芳", "en")
    request_promote = 1 * 10_000_000
    wang_chat = bot.telegram.world.private_chat(bot.telegram.world.users[101])
    stored = bot.telegram.world.add_message(
        wang_chat,
        {
            "from": bot.telegram.world.users[101].to_dict(),
            "users_shared": {"request_id": request_promote, "users": [{"user_id": 101}]},
        },
        from_bot=False,
    )
    bot.telegram.push_update({"message": stored.payload})
    assert "not allowed" in (await wang.expect_message()).text
    refused = [(a, act) for a, act, ok in await audit_trail(bot.db) if not ok]
    assert refused == [(101, "roles.promote")]
