"""Scoped leaders over real HTTP: a team's leader acts on their team's call-outs only, a
community leader (who leads no team) on every one; every refusal is audit-logged naming the
record it was aimed at."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.i18n import text
from bot.scheduler import run_due_work
from models import AuditEntry, Callout, Role
from models.callouts import CalloutStatus
from models.db import Database
from tests.fake_telegram import FakeUser
from tests.harness import RunningBot, StartBot
from tests.rounds_world import lead_team
from tests.seed import seed_account, seed_team
from tests.seed_callouts import create, leader_in_telegram, outbox_settled, volunteer_in_telegram

PATROL_LEADER = 7101  # leads the patrol team
RESCUE_LEADER = 7102  # leads the rescue team


async def refusals(db: Database) -> list[tuple[int | None, str, str | None, str | None]]:
    async with db.session() as session:
        entries = await session.exec(
            select(AuditEntry).where(AuditEntry.allowed.is_(False)).order_by(AuditEntry.id)
        )
        return [
            (e.actor_telegram_id, e.action, e.target_type, e.target_id) for e in entries.scalars()
        ]


async def status(db: Database, callout_id: int) -> CalloutStatus:
    async with db.session() as session:
        callout = await session.get(Callout, callout_id)
        assert callout is not None
        return CalloutStatus(callout.status)


async def a_team_leader(bot: RunningBot, telegram_id: int, name: str) -> FakeUser:
    await seed_account(bot.db, telegram_id, role=Role.LEADER, language="en", first_name=name)
    person = bot.user(telegram_id, name, "en")
    person.open_chat()
    return person


async def open_card(leader: FakeUser, title: str) -> None:
    await leader.send("/callouts")
    listing = await leader.expect_message("Call-outs")
    await leader.press(title, listing)
    await leader.expect_message(
        lambda m: not m.edited and "Roster" in (m.text or "") and m.seq > listing.seq
    )


async def test_a_team_leader_acts_only_on_their_teams_call_outs(start_bot: StartBot) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    community = await leader_in_telegram(bot)  # leads no team: acts for the whole community
    await volunteer_in_telegram(bot, 101, "Wang Fang", "en")
    patrol = await seed_team(bot.db, "Patrol", [1])
    rescue = await seed_team(bot.db, "Rescue", [1])
    li = await a_team_leader(bot, PATROL_LEADER, "Li")
    chen = await a_team_leader(bot, RESCUE_LEADER, "Chen")
    await lead_team(bot.db, patrol, PATROL_LEADER)
    await lead_team(bot.db, rescue, PATROL_LEADER)  # for now Li leads both teams
    callout_id = await create(
        bot.db, clock.now(), title="Rescue drill", team_ids=[rescue], everyone=False
    )
    await run_due_work(bot.runtime)
    await outbox_settled(bot)
    await open_card(li, "Rescue drill")  # the rescue team's call-out: Li may open its card

    await lead_team(bot.db, rescue, RESCUE_LEADER)  # Chen takes the rescue team over
    await li.press("🔒 Close")
    assert (await li.expect_callback_answer(show_alert=True)).text == text(
        "en", "errors.not_allowed"
    )
    await li.press("📊 Export roster")
    await li.expect_callback_answer(show_alert=True)
    assert await status(bot.db, callout_id) == CalloutStatus.OPEN
    assert await refusals(bot.db) == [
        (PATROL_LEADER, "callout.close", "callout", str(callout_id)),
        (PATROL_LEADER, "callout.export", "callout", str(callout_id)),
    ]
    await li.send("/callouts")  # no longer listed for Li
    assert "Rescue drill" not in (await li.expect_message()).text

    await open_card(community, "Rescue drill")  # the community's leader acts on everything
    await community.press("📊 Export roster")
    await community.expect_message(lambda m: m.document is not None)

    await open_card(chen, "Rescue drill")
    await chen.press("🔒 Close")
    await chen.expect_callback_answer()
    assert await status(bot.db, callout_id) == CalloutStatus.CLOSED
    assert len(await refusals(bot.db)) == 2


async def test_every_refusal_names_its_target(start_bot: StartBot) -> None:
    bot = await start_bot()
    wang = await volunteer_in_telegram(bot, 101, "Wang Fang", "en")
    await wang.send("/promote 424242")
    await wang.expect_message(text("en", "errors.admins_only"))
    await wang.send("/callouts")
    await wang.expect_message(text("en", "errors.not_allowed"))
    assert await refusals(bot.db) == [
        (101, "roles.promote", "account", "424242"),
        (101, "callout.list", "community", None),
    ]
