"""Benchmark: 1,000 volunteers press "I'll go" at once on a call-out for 50 places.

Muster runs as ``python -m bot run`` (long polling) in a process of its own against the fake
Bot API server, which runs here: it queues the 1,000 presses in one go and notes when each
press's answers arrive. Measured per press, from the moment the server queued it:

* **answer**: the bot's answer to the press (``answerCallbackQuery``, made by the handler
  right after its transaction commits);
* **reply**: the message that shows the volunteer their place (Muster edits the call-out
  message through the outbox; the echo bot sends a new message).

Updates handled per second is the presses over the time from the first press until the last
one was answered. The outbox pacing is off (``[outbox]`` limits far above Telegram's, the fake
server's limits off): this measures the bot, not Telegram's 30 messages a second. The call-out
and the volunteers are seeded before the start: the volunteers in bulk, the call-out through
the services as a leader's form would (``create_callout``, ``deliver_callout``).

The reference, in the same run against the same server: a bare python-telegram-bot bot
(``bench.echo_bot``) with one CallbackQueryHandler that answers and sends a message; once one
update at a time (PTB's default), with 8 at once, and with 64 at once (as many as Muster's
update processor allows).

    python -m bench.incoming                        # SQLite (and the reference)
    python -m bench.incoming --database postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    MUSTER_BENCH_DATABASE_URL=... python -m bench.incoming --presses 300
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bench.bot_process import BotProcess, fresh_database, write_config
from bench.report import Row, table
from bench.suite import Options
from bot.clock import SystemClock
from bot.config import Config
from bot.services.accounts import Actor
from bot.services.callouts.delivery import deliver_callout
from bot.services.callouts.drafts import CalloutDraft, create_callout
from bot.services.callouts.views import Display
from models import Account, CalloutResponse, Role, Volunteer
from models.callouts import ResponseState
from models.db import Database
from tests.fake_telegram import FakeTelegram, FakeUser, Limits
from tests.fake_telegram.state import CallRecord

TOKEN = "123456:INCOMING"
PLACES = 50
LEADER_ID = 900_001
FIRST_VOLUNTEER = 1_000_001
GO_PREFIX = "cgo:"  # bot.services.callouts.buttons.GoPress
DATABASE_ENV = "MUSTER_BENCH_DATABASE_URL"
WITHIN_SECONDS = 180.0  # a run that has not answered everyone by then is reported as it is
log = logging.getLogger(__name__)


async def run(options: Options) -> list[Row]:
    """The suite for ``python -m bench``: ``options.messages`` is the number of presses."""
    presses = options.messages
    rows = []
    databases = [("sqlite", f"sqlite+aiosqlite:///{options.work / 'bench-incoming.db'}")]
    if options.postgres_url:
        databases.append(("postgresql", options.postgres_url))
    for name, url in databases:
        rows.append(await muster(url, name, presses, options.work))
    for concurrent in (0, 8, 64):  # PTB's default; a few at once; as many as Muster allows
        rows.append(await echo_bot(presses, options.work, concurrent))
    return rows


# -- who presses, and what they get back -------------------------------------------------------


@dataclass
class Press:
    user: int
    message_id: int  # the message whose button was pressed
    at: float  # when the server queued the press (time.monotonic)
    query_id: str = ""
    answered: float | None = None
    answer_refused: bool = False  # the answer came too late: Telegram allows 15 seconds
    replied: float | None = None


@dataclass
class Tally:
    """Reads the server's call log as it grows: when each press was answered and when its
    presser's reply came. ``edits_pressed_message``: the reply is an edit of the pressed
    message (Muster); otherwise any new message to the presser (the echo bot)."""

    server: FakeTelegram
    edits_pressed_message: bool
    by_user: dict[int, Press] = field(default_factory=dict)
    by_query: dict[str, Press] = field(default_factory=dict)
    seen: int = 0  # calls read up to here, but for those still unanswered:
    unanswered: list[CallRecord] = field(default_factory=list)

    def add(self, press: Press) -> None:
        self.by_user[press.user] = press
        self.by_query[press.query_id] = press

    def read(self) -> None:
        new = self.server.calls[self.seen :]
        self.seen += len(new)
        calls, self.unanswered = self.unanswered + new, []
        for call in calls:
            if call.method.lower() == "getupdates":
                continue
            if call.status:
                self._note(call)
            else:  # its time is known, whether it succeeded not yet
                self.unanswered.append(call)

    def _note(self, call: CallRecord) -> None:
        method, params = call.method.lower(), call.params
        if method == "answercallbackquery":
            press = self.by_query.get(str(params.get("callback_query_id")))
            if press is not None and press.answered is None:
                press.answered, press.answer_refused = call.time, not call.ok
            return
        if not call.ok:
            return
        press = self.by_user.get(_int(params.get("chat_id")))
        if press is None or press.replied is not None or call.time < press.at:
            return
        if self.edits_pressed_message:
            edited = _int(params.get("message_id"))
            mine = method == "editmessagetext" and edited == press.message_id
        else:
            mine = method == "sendmessage"
        if mine:
            press.replied = call.time

    def done(self) -> bool:
        self.read()
        return all(p.answered is not None and p.replied is not None for p in self.by_user.values())


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


# -- one run --------------------------------------------------------------------------------


async def press_all(server: FakeTelegram, people: list[FakeUser], tally: Tally) -> None:
    """Everyone presses I'll go on their latest message with buttons (Muster's ``cgo:`` one,
    the echo bot's only one), queued one after the other as fast as the server takes them."""
    for person in people:
        stored = next(
            m
            for m in reversed(server.world.chat_messages(person.id, from_bot=True))
            if m.inline_keyboard
        )
        buttons = [b for row in stored.inline_keyboard or [] for b in row]
        datas = [b["callback_data"] for b in buttons if "callback_data" in b]
        data = next((d for d in datas if d.startswith(GO_PREFIX)), datas[0])
        press = Press(person.id, stored.message_id, time.monotonic())
        press.query_id = await person.press_data(stored.message_id, data)
        tally.add(press)


async def measure(
    server: FakeTelegram, bot: BotProcess, people: list[FakeUser], edits: bool
) -> tuple[Tally, float, float]:
    """Press, wait until everyone is answered and replied to; the tally, the bot's CPU
    seconds and the wall seconds from the first press to the last answer or reply."""
    tally = Tally(server, edits, seen=len(server.calls))
    cpu = bot.cpu_seconds()
    started = time.monotonic()
    await press_all(server, people, tally)
    deadline = started + WITHIN_SECONDS
    while not tally.done() and time.monotonic() < deadline and bot.alive():  # noqa: ASYNC110
        await asyncio.sleep(0.02)  # (the server's log has no event to wait on cheaply)
    cpu = bot.cpu_seconds() - cpu
    ends = [t for p in tally.by_user.values() for t in (p.answered, p.replied) if t is not None]
    return tally, cpu, (max(ends) if ends else time.monotonic()) - started


def row(scenario: str, database: str, tally: Tally, cpu: float, seconds: float, note: str) -> Row:
    presses = list(tally.by_user.values())
    answers = [1000 * (p.answered - p.at) for p in presses if p.answered is not None]
    replies = [1000 * (p.replied - p.at) for p in presses if p.replied is not None]
    first = min(p.at for p in presses)
    last_answer = max((p.answered for p in presses if p.answered is not None), default=first)
    extra = {**_percentiles("answer", answers), **_percentiles("reply", replies)}
    refused = sum(p.answer_refused for p in presses)
    if refused:
        note += f"; {refused} answers came after Telegram's 15 s and were refused"
    return Row(
        scenario=scenario,
        database=database,
        messages=len(presses),
        delivered=len(replies),
        lost=len(presses) - len(replies),
        duplicates=0,
        too_many_requests=tally.server.stats.too_many_requests,
        seconds=round(seconds, 2),
        rate=round(len(answers) / max(last_answer - first, 1e-9), 1),
        cpu_ms_per_message=round(1000 * cpu / len(presses), 2),
        note=note,
        extra=extra,
    )


def _percentiles(name: str, values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {f"{name} p{q} ms": round(cuts[q - 1], 1) for q in (50, 95, 99)}


# -- Muster -------------------------------------------------------------------------------------


async def muster(url: str, database: str, presses: int, work: Path) -> Row:
    async with FakeTelegram(token=TOKEN, limits=Limits.off()) as server:
        people = _people(server, presses)
        db = await fresh_database(url)
        try:
            await seed(db, [p.id for p in people])
            config = write_config(work, server.url, TOKEN, url)
            command = ("-m", "bot", "run", "--config", str(config))
            async with BotProcess(*command, log=work / f"muster-{database}.log") as bot:
                await _delivered(server, len(people))
                tally, cpu, seconds = await measure(server, bot, people, edits=True)
            confirmed, waiting = await _answers(db)
        finally:
            await db.dispose()
    note = f"{confirmed} confirmed, {waiting} waiting; outbox pacing off"
    return row(f"Muster: {presses} press I'll go at once", database, tally, cpu, seconds, note)


def _people(server: FakeTelegram, count: int) -> list[FakeUser]:
    people = []
    for user_id in range(FIRST_VOLUNTEER, FIRST_VOLUNTEER + count):
        person = server.user(user_id, f"Volunteer {user_id}", language_code="zh")
        server.world.private_chat(person.info)  # they started the bot long ago
        people.append(person)
    return people


async def _delivered(server: FakeTelegram, count: int, within: float = 120) -> None:
    """Wait until the call-out has reached everyone (polled: a predicate re-checked on every
    request would cost the server more than the requests)."""
    async with asyncio.timeout(within):
        while server.stats.sends < count:  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def seed(db: Database, volunteers: list[int]) -> None:
    """The volunteers in bulk; the call-out through the services, as a leader's form does."""
    now = SystemClock().now()
    people = [{"telegram_id": LEADER_ID, "language": "zh", "role": Role.LEADER, "first_name": "Lin",
               "created_at": now}]  # fmt: skip
    people += [
        {"telegram_id": t, "language": "zh", "role": Role.VOLUNTEER, "first_name": f"V{t}",
         "created_at": now}
        for t in volunteers
    ]  # fmt: skip
    async with db.session() as session:
        await session.exec(insert(Account), params=people)  # type: ignore[call-overload]
        await session.exec(
            insert(Volunteer),  # type: ignore[call-overload]
            params=[
                {"telegram_id": t, "name": f"Volunteer {t}", "phone": f"+86138{t:08d}",
                 "registered_at": now}
                for t in volunteers
            ],
        )  # fmt: skip
    leader = Actor(LEADER_ID, "zh", Role.LEADER, "Lin")
    draft = CalloutDraft(
        title="Vaccination duty",
        description="Help at the vaccination point: queue, forms, guidance.",
        place="Community health station, Building 2",
        starts_at=now + timedelta(hours=23),
        ends_at=now + timedelta(hours=27),
        needed=PLACES,
        everyone=True,
        template="vaccination",
    )
    async with db.session() as session:
        created = await create_callout(session, leader, draft, now)
    async with db.session() as session:
        await deliver_callout(session, created.id, now, Display.from_config(Config()))


async def _answers(db: Database) -> tuple[int, int]:
    async with db.session() as session:
        query = select(CalloutResponse.state, func.count()).group_by(CalloutResponse.state)
        counts = dict((await session.exec(query)).all())  # type: ignore[arg-type]
    return counts.get(ResponseState.CONFIRMED, 0), counts.get(ResponseState.WAITING, 0)


# -- the reference ------------------------------------------------------------------------------


async def echo_bot(presses: int, work: Path, concurrent: int) -> Row:
    async with FakeTelegram(token=TOKEN, limits=Limits.off()) as server:
        people = _people(server, presses)
        await _send_buttons(server, people)
        command = ["-m", "bench.echo_bot", "--base-url", server.url, "--token", TOKEN]
        command += ["--concurrent", str(concurrent)]
        async with BotProcess(*command, log=work / f"echo-{concurrent}.log") as bot:
            await _polling(server)
            tally, cpu, seconds = await measure(server, bot, people, edits=False)
    how = f"{concurrent} updates at once" if concurrent else "one update at a time"
    scenario = f"reference: PTB echo bot, {how}"
    return row(scenario, "-", tally, cpu, seconds, "answers and sends a message; no database")


async def _polling(server: FakeTelegram, within: float = 30) -> None:
    """Until the bot's first long poll arrives (it is answered only when updates come)."""
    async with asyncio.timeout(within):
        while not any(call.method == "getUpdates" for call in server.calls):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def _send_buttons(server: FakeTelegram, people: list[FakeUser]) -> None:
    """The message with a button each person will press."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("I'll go", callback_data="go:1")]])
    queue = iter(people)
    async with Bot(TOKEN, base_url=f"{server.url}/bot") as bot:

        async def worker() -> None:
            for person in queue:
                await bot.send_message(
                    person.id, "Vaccination duty, 50 needed", reply_markup=markup
                )

        await asyncio.gather(*(worker() for _ in range(8)))


# -- python -m bench.incoming -------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.incoming", description=__doc__)
    parser.add_argument("--presses", type=int, default=1000, help="volunteers pressing (1000)")
    parser.add_argument(
        "--database",
        default=os.environ.get(DATABASE_ENV),
        help=f"a PostgreSQL URL to measure too (default ${DATABASE_ENV}); it is wiped",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as work:
        options = Options(args.presses, Path(work), args.database)
        rows = asyncio.run(run(options))
    print(table(rows))


if __name__ == "__main__":
    main()
