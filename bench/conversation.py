"""Benchmark: how soon the reply to a person's own action arrives, on an idle bot.

Muster runs as ``python -m bot run`` (long polling) in a process of its own, at its default
outbox pacing, against the fake Bot API server enforcing Telegram's limits (``Limits.telegram()``:
30/s overall, 20/min per group, 1/s per private chat after a short burst). Residents sign up
one after another, in English, through the whole sign-up form: typed answers, toggled options,
"Done" and "Confirm" buttons. Each action's **reply** is the last message of its step (a step
is often two requests: the edit of the answered question and the next question), measured
from the moment the server queued the action until that last request arrived. The resident
takes about 2 s to read each reply and tap again.

The same run with ``per_chat_burst = 1`` shows what each step cost when every chat was paced at
1 a second, edits included.

    python -m bench.conversation                    # SQLite
    python -m bench.conversation --people 20
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.bot_process import BotProcess, fresh_database, write_config
from bench.presses import first_poll, percentiles
from bench.report import Row, table
from bench.suite import Options
from tests.fake_telegram import FakeTelegram, FakeUser, Limits

TOKEN = "123456:CONVERSATION"
FIRST_RESIDENT = 2_000_001
# A step is over when the bot has said nothing more for this long (longer than a chat's 1 s
# pace, so a message held back by it still counts); then the person reads for a moment more
# before they tap or type again: 2 s from the reply to the next action.
QUIET_SECONDS = 1.2
READING_SECONDS = 0.8
STEP_TIMEOUT = 10.0
BOT_REQUESTS = frozenset({"sendmessage", "editmessagetext", "editmessagereplymarkup"})
PEOPLE = 5  # residents signing up one after another (11 actions each)

Action = Callable[[FakeUser], Awaitable[object]]


def _first_button(user: FakeUser) -> Awaitable[str]:
    message = next(m for m in reversed(user.messages) if m.inline_keyboard)
    return user.press(message.inline_keyboard[0][0]["text"], message)


SIGN_UP: tuple[Action, ...] = (
    lambda u: u.send("/start"),
    lambda u: u.send("Alice Chen"),
    lambda u: u.send("138 0013 8000"),
    lambda u: u.send("Building 3, Room 502"),
    _first_button,  # a skill (the question is edited)
    lambda u: u.press("Done ✓"),
    _first_button,  # an availability
    lambda u: u.press("Done ✓"),
    lambda u: u.press("Not a party member"),
    lambda u: u.press("Yes"),
    lambda u: u.press("✅ Confirm and sign up"),
)


async def run(options: Options) -> list[Row]:
    """The suite for ``python -m bench``; ``options.messages`` does not apply (an idle bot)."""
    rows = []
    for burst in (3, 1):
        rows.append(await sign_ups(options.work, PEOPLE, burst))
    return rows


async def sign_ups(work: Path, people: int, burst: int) -> Row:
    url = f"sqlite+aiosqlite:///{work / f'bench-conversation-{burst}.db'}"
    async with FakeTelegram(token=TOKEN, limits=Limits.telegram()) as server:
        db = await fresh_database(url)
        await db.dispose()
        config = write_config(work, server.url, TOKEN, url, f"[outbox]\nper_chat_burst = {burst}\n")
        command = ("-m", "bot", "run", "--config", str(config))
        replies: list[float] = []
        started = time.monotonic()
        async with BotProcess(*command, log=work / f"muster-conversation-{burst}.log"):
            await first_poll(server)
            for n in range(people):
                user = server.user(FIRST_RESIDENT + n, f"Resident {n}", language_code="en")
                for action in SIGN_UP:
                    replies.append(await _step(server, user, action))
        seconds = time.monotonic() - started
    ms = [1000 * r for r in replies]
    return Row(
        scenario=f"Muster: sign-up steps, idle bot, per_chat_burst={burst}",
        database="sqlite",
        messages=len(ms),
        delivered=len(ms),
        lost=0,
        duplicates=0,
        too_many_requests=server.stats.too_many_requests,
        seconds=round(seconds, 2),
        rate=round(len(ms) / seconds, 1),
        note=f"{people} residents x {len(SIGN_UP)} actions; Telegram's limits on",
        extra=percentiles("reply", ms),
    )


async def _step(server: FakeTelegram, user: FakeUser, action: Action) -> float:
    """Seconds from the action until the last request of the bot's answer to it."""
    seen, chat = len(server.calls), str(user.id)
    at = time.monotonic()
    await action(user)
    last: float | None = None
    deadline = at + STEP_TIMEOUT
    while time.monotonic() < deadline:
        mine = [
            call.time
            for call in server.calls[seen:]
            if call.method.lower() in BOT_REQUESTS and str(call.params.get("chat_id")) == chat
        ]
        if mine:
            last = max(mine)
            if time.monotonic() - last >= QUIET_SECONDS:
                break
        await asyncio.sleep(0.02)
    if last is None:
        raise RuntimeError(f"no answer to a step of resident {user.id}")
    user.mark_all_read()
    await asyncio.sleep(READING_SECONDS)
    return last - at


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.conversation", description=__doc__)
    parser.add_argument("--people", type=int, default=PEOPLE, help="residents signing up")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as work:
        rows = [asyncio.run(sign_ups(Path(work), args.people, burst)) for burst in (3, 1)]
    print(table(rows))


if __name__ == "__main__":
    main()
