"""Forged button presses over real HTTP: every press is answered, and a press whose data is not
on the pressed message, that belongs in another chat, that no longer can be checked, or that
does not parse does nothing at all: no database change, no message sent or edited.

Telegram delivers with every press the message the button was on, as Telegram stored it: a
custom client can forge the data but not that message. The fake server does the same, and
``press_data`` forges the data on a real message.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, get_type_hints

import pytest
from sqlmodel import SQLModel, select

from bot.button_data import INT_MAX, CallbackData
from bot.clock import FrozenClock
from bot.errors import StaleButton
from bot.i18n import text
from bot.scheduler import run_due_work
from handlers.buttons import ButtonRoute
from models import Account, AuditEntry
from models.callouts import ResponseState
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import RunningBot, StartBot, expect_refused_as_forged
from tests.seed import seed_team, seed_volunteer
from tests.seed_callouts import (
    create,
    leader_in_telegram,
    outbox_settled,
    set_group_chat,
    states,
)

ALICE = 102
GROUP = -100777
STALE = text("en", StaleButton.key)
GARBAGE = ("x", ":", "\x00", "😀", "::::", "cgo:", "cgo:1:0:0", "cgo:١:0", "cgo: 1:0", "a" * 64)


@dataclass
class World:
    """A leader, Alice (a member of the Patrol team), and a call-out sent to Alice privately
    and posted in the team's group chat; the leader has the roster card."""

    bot: RunningBot
    alice: FakeUser
    lead: FakeUser
    callout_id: int
    invitation: SentMessage
    post: SentMessage


async def a_world(start_bot: StartBot) -> World:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    lead = await leader_in_telegram(bot)
    volunteer_id = await seed_volunteer(bot.db, ALICE, "Alice", language="en")
    alice = bot.user(ALICE, "Alice", "en")
    alice.open_chat()
    team = await seed_team(bot.db, "Patrol", [volunteer_id])
    group = bot.telegram.add_group(GROUP, "巡逻队", [alice, lead])
    await set_group_chat(bot.db, team, group.id)
    callout_id = await create(bot.db, clock.now(), everyone=False, team_ids=(team,), needed=2)
    await run_due_work(bot.runtime)
    invitation = await alice.expect_message("Call-out for volunteers")
    post = await alice.expect_message("志愿者召集令", chat_id=group.id)
    await lead.expect_message("Roster")
    await outbox_settled(bot)
    await run_due_work(bot.runtime)  # the card catches up with the delivery progress
    await lead.expect_message("Delivered: 1")
    await outbox_settled(bot)
    return World(bot, alice, lead, callout_id, invitation, post)


async def test_a_forged_press_in_a_group_does_not_rewrite_the_call_out_post(
    start_bot: StartBot,
) -> None:
    world = await a_world(start_bot)
    bot, alice, post = world.bot, world.alice, world.post
    before = len(bot.telegram.world.events)

    await alice.press_data(post, "eld.rc:1")  # "Nothing was removed." in place of the post
    await expect_refused_as_forged(bot, alice, "en")
    await alice.press_data(post, "lang:zh")  # "已切换为中文。" in place of the post
    await expect_refused_as_forged(bot, alice, "en")

    await alice.expect_no_message(chat_id=GROUP)
    assert len(bot.telegram.world.events) == before  # nothing sent or edited anywhere
    assert "志愿者召集令" in (bot.telegram.messages(GROUP)[-1].text or "")
    assert await language_of(bot, ALICE) == "en"
    (first, _) = await forged_entries(bot)  # who tried what on which message
    assert (first.target_type, first.target_id) == ("message", f"{GROUP}/{post.message_id}")
    assert first.detail["data"] == "eld.rc:1"

    await alice.press("✅ 我去", post, chat_id=GROUP)  # the real button still works
    await alice.expect_message("You are going")
    assert await states(bot.db, world.callout_id) == {ALICE: ResponseState.CONFIRMED}


async def test_a_press_on_a_message_telegram_no_longer_shows_is_answered_as_stale(
    start_bot: StartBot,
) -> None:
    world = await a_world(start_bot)
    alice = world.alice
    real = world.invitation.button_data("✅ I'll go") or ""

    await alice.press_data(world.invitation, real, inaccessible=True)

    assert (await alice.expect_callback_answer()).text == STALE
    assert await states(world.bot.db, world.callout_id) == {ALICE: ResponseState.INVITED}


async def test_oversized_ids_and_garbage_are_answered_as_stale_without_an_error(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    world = await a_world(start_bot)
    alice = world.alice
    huge = 2**64
    with caplog.at_level(logging.ERROR):
        for data in (f"cgo:{huge}:0", f"cno:{huge}", f"eld.s:{huge}", *GARBAGE):
            query = await alice.press_data(world.invitation, data)
            answer = await alice.expect_callback_answer(query_id=query)
            assert answer.text == STALE, data

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    await alice.expect_no_message()  # no "Something went wrong"


async def test_every_button_route_refuses_forged_data_and_answers_every_press(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Walks every registered button route (a new one is covered without changing this test)
    with forged data of each kind: another user's, another chat type's, on a message Telegram
    no longer shows, oversized and garbage."""
    world = await a_world(start_bot)
    bot, alice = world.bot, world.alice
    assert bot.app is not None
    routes = [h for group in bot.app.handlers.values() for h in group]
    buttons = [h for h in routes if isinstance(h, ButtonRoute)]
    unguarded = [h for h in routes if type(h).__name__ == "CallbackQueryHandler"]
    assert unguarded == [], "every button route passes the one guard (handlers.buttons)"
    assert buttons[-1].kind is None and buttons[-1] is bot.app.handlers[0][-1]  # the catch-all
    kinds = [b.kind for b in buttons if b.kind is not None]
    assert len(kinds) >= 20 and len({k.prefix for k in kinds}) == len(kinds)

    others = [  # the data of every button the bot sent to someone else (the leader's card)
        data
        for m in bot.telegram.sent(chat_id=world.lead.id)
        for row in m.callback_data
        for data in row
        if data
    ]
    assert others
    refresher = bot.runtime.card_refresher
    assert refresher is not None
    await refresher.refresh_changed()  # the live cards shown as they are, before the presses
    await outbox_settled(bot)
    before = await snapshot(bot)
    events = len(bot.telegram.world.events)
    presses: list[tuple[SentMessage, str, bool]] = [
        (world.invitation, data, False) for data in others
    ]
    for kind in kinds:
        sample = sample_of(kind)
        presses += [
            (world.invitation, sample, False),  # another user's, on Alice's own message
            (world.post, sample, False),  # in another chat type (the team's group)
            (world.invitation, sample, True),  # stale: Telegram no longer shows the message
            (world.invitation, oversized(kind), False),
            (world.invitation, f"{kind.prefix}:\x00😀", False),
            (world.post, f"{kind.prefix}:{'9' * 60}", False),
        ]
    presses += [(world.post, data, False) for data in GARBAGE]
    presses = [p for p in presses if not on_message(*p[:2])]  # those would be real presses

    with caplog.at_level(logging.ERROR):
        for message, data, inaccessible in presses:
            query = await alice.press_data(message, data, inaccessible=inaccessible)
            answer = await alice.expect_callback_answer(query_id=query)
            assert answer.text == STALE, data

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    await outbox_settled(bot)
    assert await snapshot(bot) == before  # no database change (but the audit log)
    assert len(bot.telegram.world.events) == events  # no message sent or edited
    forged = [p for p in presses if not p[2]]
    assert await forged_presses_logged(bot) == len(forged)


def on_message(message: SentMessage, data: str) -> bool:
    return any(data in row for row in message.callback_data)


def sample_of(kind: type[CallbackData]) -> str:
    """Well-formed data of this kind, for the call-out that exists (id 1)."""
    values = {int: 1, bool: True, str: "x"}
    hints = get_type_hints(kind)
    return kind(**{f.name: values[hints[f.name]] for f in dataclasses.fields(kind)}).pack()


def oversized(kind: type[CallbackData]) -> str:
    """This kind's data with every number past what any id can be (and text past 64 bytes
    when it has no number)."""
    hints = get_type_hints(kind)
    parts = [
        str(INT_MAX + 1) if hints[f.name] is int else "1" if hints[f.name] is bool else "x" * 64
        for f in dataclasses.fields(kind)
    ]
    return ":".join([kind.prefix, *parts])


async def snapshot(bot: RunningBot) -> dict[str, list[Any]]:
    """Every row of every table but the audit log, the replicas' leases (renewed on a timer)
    and the intake (every update is a row there, handled or not)."""
    rows: dict[str, list[Any]] = {}
    async with bot.db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in (AuditEntry.__tablename__, "lease", "intake_update"):
                result = await session.exec(table.select())  # type: ignore[call-overload]
                rows[table.name] = sorted(map(tuple, result.all()), key=repr)
    return rows


async def forged_presses_logged(bot: RunningBot) -> int:
    return len(await forged_entries(bot))


async def forged_entries(bot: RunningBot) -> list[AuditEntry]:
    async with bot.db.session() as session:
        entries = await session.exec(
            select(AuditEntry)
            .where(AuditEntry.actor_telegram_id == ALICE, AuditEntry.action == "button.forged")
            .order_by(AuditEntry.id)  # type: ignore[arg-type]
        )
        return list(entries.all())


async def language_of(bot: RunningBot, telegram_id: int) -> str:
    async with bot.db.session() as session:
        account = await session.get(Account, telegram_id)
        assert account is not None
        return account.language
