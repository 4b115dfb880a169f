"""Linking a team's group chat is a command (issue 11, item 11), over real HTTP: a team's
leader adds the bot to the team's group, sends /link_team there and picks the team from
buttons; they may link only their own team, and every link and refusal is in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from models import Role, Team
from tests.harness import StartBot
from tests.rounds_world import lead_team
from tests.seed import audit_trail, seed_account, seed_team, seed_volunteer

GROUP = -1001234
LEADER = 400


async def test_a_team_leader_links_the_teams_group_from_inside_it(start_bot: StartBot) -> None:
    bot = await start_bot()
    await seed_account(bot.db, LEADER, role=Role.LEADER, language="zh", first_name="李明")
    await seed_volunteer(bot.db, 101, "王芳", language="zh")
    patrol = await seed_team(bot.db, "巡逻队")
    rescue = await seed_team(bot.db, "救援队")
    await lead_team(bot.db, patrol, LEADER)
    li, wang = bot.user(LEADER, "李明", "zh"), bot.user(101, "王芳", "zh")
    bot.telegram.add_group(GROUP, "巡逻队群", [li, wang])

    await li.send("/link_team")  # in the private chat: told where to send it
    assert "在队伍的群里发送" in (await li.expect_message()).text

    await li.send("/link_team", chat_id=GROUP)
    choice = await li.expect_message("本群属于哪个队伍", chat_id=GROUP)
    assert choice.buttons == [["巡逻队"]]  # only the team he leads
    await li.press("巡逻队", choice)
    done = await li.expect_message("已关联", chat_id=GROUP)
    assert "巡逻队" in done.text and done.buttons == []

    await li.press_data(choice, f"link:{rescue}")  # another team's, forged: refused
    answer = await li.expect_callback_answer(show_alert=True)
    assert "已过期" in (answer.text or "")
    await wang.send("/link_team", chat_id=GROUP)  # a volunteer: refused
    await wang.expect_message("没有权限", chat_id=GROUP)

    async with bot.db.session() as session:
        linked = dict((await session.exec(select(Team.name, Team.group_chat_id))).all())
    assert linked == {"巡逻队": GROUP, "救援队": None}
    trail = await audit_trail(bot.db)
    assert (LEADER, "team_group_linked", True) in trail
    assert (LEADER, "button.forged", False) in trail and (
        101,
        "teams.link_group",
        False,
    ) in trail


async def test_a_community_leader_may_link_any_team(start_bot: StartBot) -> None:
    bot = await start_bot()
    await seed_account(bot.db, LEADER, role=Role.LEADER, language="en", first_name="Lin")
    await seed_team(bot.db, "Patrol")
    await seed_team(bot.db, "Rescue")
    lin = bot.user(LEADER, "Lin", "en")
    bot.telegram.add_group(GROUP, "Rescue group", [lin])
    await lin.send("/link_team", chat_id=GROUP)
    choice = await lin.expect_message("Which team is this group for?", chat_id=GROUP)
    assert choice.buttons == [["Patrol"], ["Rescue"]]
    await lin.press("Rescue", choice)
    assert "group of Rescue" in (await lin.expect_message(chat_id=GROUP)).text
