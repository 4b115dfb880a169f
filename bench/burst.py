"""Benchmark: the mixed burst. 1,000 volunteers press "I'll go" on a call-out for 50 places
while an announcement to 3,000 volunteers drains and a door-knock round of 2,000 visits falls
due, everything at Telegram's limits (the fake server enforcing them: 30 messages a second,
one a second per chat; the bot at its default pacing).

The volunteers, the care teams and the elders are seeded in bulk (``bench.memory.seed``:
3,000 volunteers, the first 500 of them visitors, 2,000 elders with one visit each). A first
run of the bot, its pacing off, delivers the call-out to everyone. Then the announcement is
made (as a leader's form does), the round is made due and the bot started again, at
Telegram's pace; once the announcement has begun to go out, 1,000 volunteers who are not
visitors press at once. Measured: the presses' answers as in ``bench.incoming``, and the
outgoing side from the first press until the last was answered and edited: the announcement's
messages a second, everything's messages a second (announcement, prompts, edits, cards) and
the 429s Telegram would have answered (over the whole run).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

from bench import memory
from bench.bot_process import BotProcess, fresh_database, write_config
from bench.presses import answers, delivered, measure, people_in_chat, post_callout, row
from bench.report import Row
from bot.clock import SystemClock
from bot.config import Config
from bot.services.accounts import Actor
from bot.services.announcements.audience import Audience
from bot.services.announcements.drafts import AnnouncementDraft, create_announcement
from bot.services.display import Display
from models import Role
from models.db import Database
from tests.fake_telegram import FakeTelegram, Limits

TOKEN = "123456:BURST"
VOLUNTEERS = 3_000
ELDERS = 2_000
VISITORS = 500
NOTICE = "Water is off in Buildings 1 to 12 tomorrow from 08:00 to 14:00."
STARTED_DRAINING = 60  # announcement messages out before the presses begin (two seconds' worth)


async def run(url: str, database: str, presses: int, work: Path) -> list[Row]:
    volunteers = max(VOLUNTEERS, VISITORS + presses)
    ids = range(memory.FIRST_VOLUNTEER, memory.FIRST_VOLUNTEER + volunteers)
    async with FakeTelegram(token=TOKEN, limits=Limits.off()) as server:
        people = people_in_chat(server, ids)
        people_in_chat(server, [memory.LEADER_ID + n for n in range(VISITORS // 100 + 1)])
        db = await fresh_database(url)
        try:
            await _seed(db, server, work, url, volunteers)
            now = SystemClock().now()
            await _announce(db)
            await memory.make_round_due(db, now)
            server.limits = Limits.telegram()
            config = write_config(work, server.url, TOKEN, url, sections="")  # default pacing
            async with BotProcess(*_command(config), log=work / f"burst-{database}.log") as bot:
                await _announcement_out(server, STARTED_DRAINING)
                pressers = people[VISITORS : VISITORS + presses]
                began = time.monotonic()
                tally, cpu, seconds = await measure(server, bot, pressers, edits=True)
            confirmed, waiting = await answers(db)
        finally:
            await db.dispose()
    note = f"{confirmed} confirmed, {waiting} waiting; Telegram's limits"
    scenario = f"mixed burst: {presses} presses"
    pressed = row(scenario, database, tally, cpu, seconds, note)
    broadcast = _broadcast(server, database, volunteers, began, began + seconds)
    return [dataclasses.replace(pressed, too_many_requests=0), broadcast]


def _command(config: Path) -> tuple[str, ...]:
    return ("-m", "bot", "run", "--config", str(config))


async def _seed(db: Database, server: FakeTelegram, work: Path, url: str, volunteers: int) -> None:
    """The people and the elders; the call-out delivered to every volunteer by a bot whose
    pacing is off (the server's limits are off too, meanwhile)."""
    await memory.seed(db, volunteers, ELDERS, VISITORS)
    await post_callout(db, memory.LEADER_ID, SystemClock().now())
    config = write_config(work, server.url, TOKEN, url)
    async with BotProcess(*_command(config), log=work / "burst-seed.log"):
        await delivered(server, volunteers, within=300)


async def _announce(db: Database) -> None:
    leader = Actor(memory.LEADER_ID, "zh", Role.LEADER, "Lin")
    draft = AnnouncementDraft(text=NOTICE, audience=Audience(everyone=True))
    async with db.session() as session:
        display = Display.from_config(Config())
        await create_announcement(
            session, actor=leader, draft=draft, now=SystemClock().now(), display=display
        )


def _announcement_sends(server: FakeTelegram) -> list[float]:
    """When each volunteer's copy went out (not the leader's card, which quotes it)."""
    return [
        call.time
        for call in server.calls
        if call.method == "sendMessage"
        and call.ok
        and NOTICE in str(call.params.get("text"))
        and int(str(call.params.get("chat_id"))) >= memory.FIRST_VOLUNTEER
    ]


async def _announcement_out(server: FakeTelegram, count: int, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while len(_announcement_sends(server)) < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.5)


def _broadcast(
    server: FakeTelegram, database: str, volunteers: int, began: float, ended: float
) -> Row:
    """The outgoing side while the presses were being answered (from the first press until
    the last answer or edit): the announcement's messages a second, and everything's."""
    sends = [t for t in _announcement_sends(server) if began <= t <= ended]
    everything = sum(began <= t <= ended for t in server.stats.send_times)
    span = max(ended - began, 1e-9)
    return Row(
        scenario="mixed burst: the announcement meanwhile",
        database=database,
        messages=volunteers,
        delivered=len(_announcement_sends(server)),
        lost=0,
        duplicates=0,
        too_many_requests=server.stats.too_many_requests,
        seconds=round(span, 1),
        rate=round(len(sends) / span, 1),
        note=f"{len(sends)} of its messages while the presses were answered; all messages "
        "(the round's prompts, the presses' edits, the cards too)",
        extra={"all msg/s": round(everything / span, 1)},
    )
