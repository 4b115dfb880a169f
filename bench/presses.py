"""What the presses benchmarks share (``bench.incoming``, ``bench.burst``): people pressing a
button at once on the fake Bot API server, and a tally, read from the server's call log, of
when each press was answered and when its presser's reply came."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from bench.bot_process import BotProcess
from bench.report import Row
from bot.config import Config
from bot.services.accounts import Actor
from bot.services.callouts.delivery import deliver_callout
from bot.services.callouts.drafts import CalloutDraft, create_callout
from bot.services.callouts.views import Display
from models import CalloutResponse, Role
from models.callouts import ResponseState
from models.db import Database
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.fake_telegram.state import CallRecord

PLACES = 50  # of the call-out
GO_PREFIX = "cgo:"  # bot.services.callouts.buttons.GoPress
WITHIN_SECONDS = 180.0  # a run that has not answered everyone by then is reported as it is
ANSWER_LIMIT_SECONDS = 15.0  # Telegram refuses an answer to a press later than this


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


async def press_all(server: FakeTelegram, people: list[FakeUser], tally: Tally) -> None:
    """Everyone presses I'll go on their latest message with a ``cgo:`` button (Muster's
    call-out; else the echo bot's only button), queued one after the other as fast as the
    server takes them."""
    for person in people:
        message_id, data = _button(server, person)
        press = Press(person.id, message_id, time.monotonic())
        press.query_id = await person.press_data(message_id, data)
        tally.add(press)


def _button(server: FakeTelegram, person: FakeUser) -> tuple[int, str]:
    """The message and the callback data to press."""
    found = []
    for message in reversed(server.world.chat_messages(person.id, from_bot=True)):
        buttons = [b for row in message.inline_keyboard or [] for b in row]
        datas = [b["callback_data"] for b in buttons if "callback_data" in b]
        go = [d for d in datas if d.startswith(GO_PREFIX)]
        if go:
            return message.message_id, go[0]
        found += [(message.message_id, d) for d in datas]
    return found[0]


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
    extra = {**percentiles("answer", answers), **percentiles("reply", replies)}
    refused = sum(p.answer_refused for p in presses)
    late = sum(a > 1000 * ANSWER_LIMIT_SECONDS for a in answers)
    note = f"{len(answers)}/{len(presses)} answered, {late} after 15 s ({refused} refused); {note}"
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


def percentiles(name: str, values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {f"{name} p{q} ms": round(cuts[q - 1], 1) for q in (50, 95, 99)}


async def first_poll(server: FakeTelegram, within: float = 30, since: int = 0) -> None:
    """Until the bot's first long poll arrives (it is answered only when updates come), of
    the calls after the first ``since``."""
    async with asyncio.timeout(within):
        while not any(c.method == "getUpdates" for c in server.calls[since:]):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def people_in_chat(server: FakeTelegram, ids: Iterable[int]) -> list[FakeUser]:
    """Users of the server who started the bot long ago (each has a private chat with it)."""
    people = []
    for user_id in ids:
        person = server.user(user_id, f"Volunteer {user_id}", language_code="zh")
        server.world.private_chat(person.info)
        people.append(person)
    return people


# -- Muster's call-out --------------------------------------------------------------------------


async def delivered(server: FakeTelegram, count: int, within: float = 120) -> None:
    """Wait until the call-out has reached everyone (polled: a predicate re-checked on every
    request would cost the server more than the requests)."""
    async with asyncio.timeout(within):
        while server.stats.sends < count:  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def post_callout(db: Database, leader_id: int, now: datetime) -> None:
    """The call-out for 50 places to every volunteer, as a leader's form makes it."""
    leader = Actor(leader_id, "zh", Role.LEADER, "Lin")
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
        created = await create_callout(session, actor=leader, draft=draft, now=now)
    async with db.session() as session:
        await deliver_callout(
            session, callout_id=created.id, now=now, display=Display.from_config(Config())
        )


async def answers(db: Database) -> tuple[int, int]:
    async with db.session() as session:
        query = select(CalloutResponse.state, func.count()).group_by(CalloutResponse.state)
        counts = dict((await session.exec(query)).all())  # type: ignore[arg-type]
    return counts.get(ResponseState.CONFIRMED, 0), counts.get(ResponseState.WAITING, 0)
