"""The one sender that drains the outbox within Telegram's limits.

It paces sends rather than bouncing off 429s (``pacing.Pacer``: 30 requests a second, and
never more than Telegram's 30 within any second however the network bunches them), keeps each
chat in order and at its own pace (``schedule.Schedule``: 1 a second per private chat after a
burst of 3, 19 a minute per group, the most urgent chat first), and keeps its bookkeeping to a
transaction per handful of messages (``store.OutboxStore``).

One loop does all the database work, in this order, so nothing it knows is ever contradicted:
write the outcomes of finished sends, load what is due (now and then), claim the next few
messages, and start each when the pacer allows. The sends themselves run as tasks, at most
``concurrency`` at once. What an answer means (sent, retry, wait, unreachable, rejected) is
decided in ``verdicts``.

After a crash the messages left ``sending`` may go out a second time; see ``store``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, InputFile, MenuButton
from telegram.error import TelegramError

from bot.clock import Clock
from bot.config import OutboxConfig
from bot.outbox.pacing import Pacer
from bot.outbox.queue import IF_REPEATED, MENU_LANGUAGE
from bot.outbox.quiet import QuietHours
from bot.outbox.schedule import Schedule, Ticket
from bot.outbox.store import Claimed, OutboxStore, Outcome
from bot.outbox.verdicts import MAX_ERROR_LENGTH, Kind, Verdict, backoff, failure, success
from bot.recovery import Recovery
from models.db import Database

log = logging.getLogger(__name__)

SENDABLE = frozenset(
    {
        "send_message",
        "edit_message_text",
        "edit_message_caption",
        "edit_message_reply_markup",
        "send_document",
        "send_photo",
        "send_location",
        "copy_message",  # a visitor's photo or voice note passed on to those alerted (rounds)
        "delete_message",
        "set_my_commands",  # one person's command menu (scope: their private chat)
        "delete_my_commands",  # back to everyone's menu
    }
)
MENU_METHODS = frozenset({"set_my_commands", "delete_my_commands"})
HORIZON_SECONDS = 0.2  # claim what may start within this; a new reply waits at most this long
MAX_BATCH = 64
LOAD_LIMIT = 512  # messages loaded into the schedule at a time
LOAD_PER_CHAT = 16  # of which at most this many for one chat
# A burst of wake() calls costs one load, not one each; and however long the outbox, loading
# takes at most a fifth of the sender's time.
MIN_RELOAD_SECONDS = 0.05
RELOAD_GAP_PER_LOAD_SECOND = 4.0
# After the database failed under the loop: wait this long, doubled at each failure, up to
# the most; the loop logs once when it starts failing and once when it recovers.
RECOVERY_PAUSE_SECONDS = 1.0
MAX_RECOVERY_PAUSE_SECONDS = 10.0
# A loop that has not reached the database for this long (and at least ten polls) is stuck.
STALLED_SECONDS = 60.0

# Told the kind of each final answer (a ``verdicts.Kind`` value; retries are not, their final
# outcome is): the application wires its metrics here (``bot.app``), the outbox knows no more.
OutcomeReport = Callable[[str], None]
BoardButton = Callable[[str | None], MenuButton]  # a menu's language (None: no menu) -> button


def _unreported(kind: str) -> None:
    """No one listens (tests and benchmarks of the sender alone)."""


@dataclass(frozen=True)
class SenderLimits:
    global_per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_group_per_minute: float = 19.0
    # Sends a private chat may have in a row before the 1/s pace applies (Telegram allows
    # short bursts in a private chat; a group gets none, to stay within 20 a minute).
    per_chat_burst: int = 3
    concurrency: int = 8
    max_attempts: int = 8
    poll_seconds: float = 2.0

    @classmethod
    def from_config(cls, config: OutboxConfig) -> SenderLimits:
        return cls(**config.model_dump(exclude={"retention_days"}))

    def chat_interval(self, chat_id: int) -> float:
        """Seconds a chat rests after each message."""
        if chat_id < 0:  # groups and channels have negative ids
            return 60.0 / self.per_group_per_minute
        return 1.0 / self.per_chat_per_second

    def chat_burst(self, chat_id: int) -> int:
        """Sends a chat may make in a row before it must rest."""
        return 1 if chat_id < 0 else self.per_chat_burst


class OutboxSender:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Clock,
        limits: SenderLimits,
        quiet_hours: QuietHours | None = None,
        *,
        report: OutcomeReport = _unreported,
        board_button: BoardButton | None = None,
    ) -> None:
        self.db = db
        # The leaders' board (the app wires it when it is on): a chat's menu button follows
        # its own command menu, the board's for a menu's language, Telegram's default for none.
        self.board_button = board_button
        self.bot = bot
        self.clock = clock
        self.limits = limits
        self.quiet_hours = quiet_hours
        self.report = report
        self.store = OutboxStore(db)
        self.schedule = Schedule()
        self.pacer = Pacer(limits.global_per_second, limits.concurrency)
        self.rate_limited = 0  # 429s received, for metrics and benchmarks
        self._outcomes: list[Outcome] = []  # finished, not yet written
        self._signal = asyncio.Event()  # something changed: look again
        self._reload = True  # new work may be waiting in the database
        self._loaded_at = -math.inf
        self._reload_gap = MIN_RELOAD_SECONDS
        self._load_was_full = False
        self._deliveries: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.recovery = Recovery(
            "the outbox sender", log, RECOVERY_PAUSE_SECONDS, MAX_RECOVERY_PAUSE_SECONDS
        )

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        recovered = await self.store.recover()
        if recovered:
            log.warning("%d outbox messages of unknown fate will be sent again", recovered)
        self._stopping = False
        self._reload = True
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Let the sends in flight finish (for up to ``timeout`` seconds), write what became
        of them, and stop. Sends cut off by the timeout stay ``sending`` (unknown fate)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._signal.set()
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            for delivery in list(self._deliveries):
                delivery.cancel()
            await task

    def wake(self) -> None:
        """New work was committed: look at the outbox now rather than at the next poll."""
        self._reload = True
        self._signal.set()

    @property
    def running(self) -> bool:
        """The loop is alive (``/healthz`` reports a sender that died or was stopped)."""
        return self._task is not None and not self._task.done()

    def progress(self) -> str:
        """ "running", or why the outbox is not draining: its database failing, or the loop
        stuck (it reaches the database at least every ``poll_seconds`` when all is well)."""
        if not self.running:
            return "stopped"
        if self.recovery.failing:
            return self.recovery.state()
        idle = time.monotonic() - self.recovery.last_success
        if idle > max(STALLED_SECONDS, 10 * self.limits.poll_seconds):
            return f"stalled: no progress for {idle:.0f}s"
        return "running"

    # -- the loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._step()
            except Exception as error:  # the database, most likely: back off, then retry
                self._reload = True
                self.recovery.failed(error)
                while not self._stopping and self.recovery.waiting():
                    self._signal.clear()
                    await self._sleep(self.recovery.retry_at - time.monotonic())
        if self._deliveries:
            await asyncio.wait(set(self._deliveries))
        try:
            await self._write_outcomes()
        except Exception:
            log.exception("could not record the last outbox outcomes; they will be resent")

    async def _step(self) -> None:
        self._signal.clear()  # anything that happens from here on wakes the wait below
        if self._should_load():
            await self._load()
        now = self._now()
        picks = self.schedule.pick(now, self.pacer.batch_size(now, HORIZON_SECONDS, MAX_BATCH))
        if picks:
            await self._dispatch(await self._claim(picks))
            return
        if self._outcomes:
            await self._write_outcomes()
        await self._sleep(self._idle_seconds())

    def _should_load(self) -> bool:
        since = self._now() - self._loaded_at
        if since >= self.limits.poll_seconds:
            return True
        if since < self._reload_gap:
            return False
        # Woken by new work, or everything loaded is sent and there may be more.
        return self._reload or (self._load_was_full and not self.schedule.has_ready())

    def _idle_seconds(self) -> float:
        now = self._now()
        wake_at = self._loaded_at + self.limits.poll_seconds
        if self._reload or self._load_was_full:
            wake_at = min(wake_at, self._loaded_at + self._reload_gap)
        resting_until = self.schedule.next_ready_at()
        if resting_until is not None:
            wake_at = min(wake_at, resting_until)
        return max(0.0, wake_at - now)

    async def _load(self) -> None:
        self._reload = False  # a wake() during the query asks for another load
        self._loaded_at = self._now()
        now = self.clock.now()
        quiet = self.quiet_hours is not None and self.quiet_hours.cover(now)
        with self._outcomes_written() as outcomes:
            tickets = await self.store.load_due(
                now, limit=LOAD_LIMIT, per_chat=LOAD_PER_CHAT, outcomes=outcomes, quiet=quiet
            )
        self.recovery.succeeded()
        self.schedule.replace(tickets, self._now())
        self._load_was_full = len(tickets) >= LOAD_LIMIT
        took = self._now() - self._loaded_at
        self._reload_gap = max(MIN_RELOAD_SECONDS, RELOAD_GAP_PER_LOAD_SECOND * took)

    async def _claim(self, picks: list[Ticket]) -> list[Claimed]:
        try:
            with self._outcomes_written() as outcomes:
                claimed = await self.store.claim(picks, outcomes)
            self.recovery.succeeded()
        except Exception:
            self.schedule.forget(picks, self._now())
            with suppress(Exception):  # the claim may have committed before it failed
                await self.store.release(picks)
            raise
        taken = {c.ticket.id for c in claimed}
        self.schedule.forget([t for t in picks if t.id not in taken], self._now())
        return claimed

    async def _dispatch(self, claimed: list[Claimed]) -> None:
        """Start each claimed message as soon as the pacer allows, in order."""
        for position, message in enumerate(claimed):
            if not await self._wait_for_a_start():
                await self.store.release(m.ticket for m in claimed[position:])
                return
            self.pacer.started(self._now())
            delivery = asyncio.create_task(self._deliver(message))
            self._deliveries.add(delivery)
            delivery.add_done_callback(self._deliveries.discard)

    async def _wait_for_a_start(self) -> bool:
        """Wait until the pacer lets another request start; False if stopping."""
        while not self._stopping:
            self._signal.clear()
            delay = self.pacer.delay(self._now())
            if delay is not None and delay <= 0:
                return True
            await self._sleep(delay)  # None: until a request in flight is answered
        return False

    async def _sleep(self, seconds: float | None) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._signal.wait(), seconds)

    async def _write_outcomes(self) -> None:
        with self._outcomes_written() as outcomes:
            await self.store.write(outcomes)
        self.recovery.succeeded()

    @contextmanager
    def _outcomes_written(self) -> Iterator[list[Outcome]]:
        """Hands the unwritten outcomes to one transaction; if it fails, they stay unwritten."""
        taken, self._outcomes = self._outcomes, []
        try:
            yield taken
        except BaseException:
            self._outcomes[:0] = taken
            raise

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    # -- one message -----------------------------------------------------------------------

    async def _deliver(self, message: Claimed) -> None:
        try:
            verdict = success(await self._call(message))
        except TelegramError as exc:
            verdict = failure(exc)
        except Exception as exc:  # a payload the Bot API method cannot take: a bug, not bad luck
            log.exception("outbox message %d cannot be sent", message.ticket.id)
            verdict = Verdict(Kind.REJECTED, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH])
        finally:
            self.pacer.answered(self._now())
        self._settle(message, verdict)
        self._signal.set()

    async def _call(self, message: Claimed) -> Any:
        if message.method not in SENDABLE:
            raise ValueError(f"outbox method {message.method!r} is not one the sender makes")
        payload = message.payload
        kwargs = {
            key: _input_file(value)
            for key, value in payload.items()
            if key not in (IF_REPEATED, MENU_LANGUAGE)
        }
        if message.method in MENU_METHODS:
            if "commands" in kwargs:
                kwargs["commands"] = [BotCommand(*pair) for pair in kwargs["commands"]]
            scope = BotCommandScopeChat(message.chat_id)
            result = await getattr(self.bot, message.method)(scope=scope, **kwargs)
            if self.board_button is not None:
                button = self.board_button(payload.get(MENU_LANGUAGE))
                await self.bot.set_chat_menu_button(chat_id=message.chat_id, menu_button=button)
            return result
        return await getattr(self.bot, message.method)(chat_id=message.chat_id, **kwargs)

    def _settle(self, message: Claimed, verdict: Verdict) -> None:
        """Act on the answer at once in memory; it is written with the next transaction."""
        now, ticket = self._now(), message.ticket
        self._tell_pacer(verdict, now)
        attempts = message.attempts + (0 if verdict.kind is Kind.RATE_LIMITED else 1)
        if verdict.kind is Kind.RETRY and attempts >= self.limits.max_attempts:
            verdict = Verdict(Kind.REJECTED, f"gave up: {verdict.error}"[:MAX_ERROR_LENGTH])
        _log(ticket, verdict)
        self.report(verdict.kind.value)
        due: datetime | None = None
        if verdict.kind in (Kind.RATE_LIMITED, Kind.RETRY):
            after = verdict.retry_after if verdict.kind is Kind.RATE_LIMITED else backoff(attempts)
            self.schedule.retry(ticket, now, after)
            due = self.clock.now() + timedelta(seconds=after)
        elif verdict.kind is Kind.UNREACHABLE:
            self.schedule.drop_chat(ticket.chat_id)
        else:
            chat = ticket.chat_id
            self.schedule.done(
                ticket, now, self.limits.chat_interval(chat), self.limits.chat_burst(chat)
            )
        self._outcomes.append(Outcome(message, verdict, self.clock.now(), attempts, due))

    def _tell_pacer(self, verdict: Verdict, now: float) -> None:
        if verdict.kind is Kind.RATE_LIMITED:
            self.rate_limited += 1
            self.pacer.pause(now, verdict.retry_after)
        elif verdict.kind is Kind.RETRY:
            self.pacer.failed(now)
        else:
            self.pacer.succeeded()


def _log(ticket: Ticket, verdict: Verdict) -> None:
    if verdict.kind is Kind.RATE_LIMITED:
        log.warning("429 from Telegram: waiting %.1fs", verdict.retry_after)
    elif verdict.kind is Kind.RETRY:
        log.warning("outbox message %d failed, will retry: %s", ticket.id, verdict.error)
    elif verdict.kind is Kind.UNREACHABLE:
        log.info("chat %d is unreachable: %s", ticket.chat_id, verdict.error)
    elif verdict.kind is Kind.REJECTED:
        log.error("outbox message %d failed for good: %s", ticket.id, verdict.error)


def _input_file(value: Any) -> Any:
    if isinstance(value, dict) and "base64" in value:
        return InputFile(base64.b64decode(value["base64"]), filename=value["filename"])
    return value
