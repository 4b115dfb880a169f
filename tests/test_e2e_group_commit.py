"""I'll go presses that arrive while another batch of the same call-out is being handled are
handled together, in one transaction (``handlers.press_batches``): over real HTTP, each
presser is answered with their own outcome and position, a refused press in the batch is
audit-logged and spoils nothing, and a forged one is stopped by the button guard."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import select

import handlers.press_batches
from bot.clock import FrozenClock
from bot.errors import StaleButton
from bot.i18n import text
from bot.scheduler import run_due_work
from models.callouts import ResponseState
from models.intake import IntakeUpdate
from tests.harness import StartBot
from tests.seed import audit_trail
from tests.seed_callouts import create, leader_in_telegram, pause, states, volunteer_in_telegram

TOGETHER = handlers.press_batches._together


class HeldFirstBatch:
    """The batch's transaction (``press_batches._together``), its first one held before it
    begins until released; each batch's size noted."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, runtime: Any, callout_id: int, render: Any, presses: Any) -> Any:
        self.sizes.append(len(presses))
        if len(self.sizes) == 1:
            self.started.set()
            await self.release.wait()
        return await TOGETHER(runtime, callout_id, render, presses)


async def test_presses_waiting_for_a_batch_are_handled_together_each_with_its_own_answer(
    start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    await leader_in_telegram(bot)
    people = [await volunteer_in_telegram(bot, 201 + n, f"V{n}", "en") for n in range(7)]
    first, *batch, forger = people
    callout_id = await create(bot.db, clock.now(), needed=2)
    await run_due_work(bot.runtime)
    invitations = [await person.expect_message("Call-out for volunteers") for person in people]
    await pause(bot.db, batch[-1].id, until=None)  # paused since: may not answer
    held = HeldFirstBatch()
    monkeypatch.setattr(handlers.press_batches, "_together", held)

    try:
        await first.press("I'll go")
        await asyncio.wait_for(held.started.wait(), 5)  # the first batch is running (and held)
        queries = [await person.press("I'll go") for person in batch]
        await forger.press_data(invitations[-1], f"cgo:{callout_id}:7")  # not on the message
        async with asyncio.timeout(5):
            while True:  # the five (not the forged one) wait for the next batch
                if bot.runtime.group_commit.waiting(("go", callout_id)) == len(batch):
                    break
                await asyncio.sleep(0.01)
    finally:  # never leave the bot's handlers waiting
        held.release.set()

    assert (await first.expect_callback_answer()).text == text("en", "callouts.toast.confirmed")
    answers = [
        (await person.expect_callback_answer(query_id=query)).text
        for person, query in zip(batch, queries, strict=True)
    ]
    assert held.sizes == [1, len(batch)]  # the five pressed meanwhile: one batch
    assert answers == [
        text("en", "callouts.toast.confirmed"),
        text("en", "callouts.toast.waiting", position=1),
        text("en", "callouts.toast.waiting", position=2),
        text("en", "callouts.toast.waiting", position=3),
        text("en", "callouts.toast.paused"),  # paused: refused, and told why
    ]
    assert (await forger.expect_callback_answer()).text == text("en", StaleButton.key)
    # Each presser's own message shows their own answer.
    await batch[0].expect_message("You are going")
    await batch[3].expect_message("You are number 3 on the waiting list")

    answered = await states(bot.db, callout_id)
    assert [answered[p.id] for p in people] == [
        ResponseState.CONFIRMED,
        ResponseState.CONFIRMED,
        ResponseState.WAITING,
        ResponseState.WAITING,
        ResponseState.WAITING,
        ResponseState.INVITED,  # the refused press changed nothing
        ResponseState.INVITED,
    ]
    refusals = [(who, action) for who, action, allowed in await audit_trail(bot.db) if not allowed]
    assert sorted(refusals) == [(batch[-1].id, "callout.answer"), (forger.id, "button.forged")]
    async with bot.db.session() as session:  # every press consumed exactly once
        left = await session.exec(select(IntakeUpdate).where(IntakeUpdate.handled_at.is_(None)))
        assert left.all() == []
