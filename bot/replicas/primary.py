"""What runs on one replica only: the outbox sender, the card refresher (``bot.outbox.cards``)
and the due-work scheduler (escalation waves, reminders, door-knock rounds).
``bot.replicas.keeper`` starts them on the process holding the lease and stops them when it
stops holding it.

Every process serves updates; replies written by one that does not hold the lease wait in
the outbox for the holder's sender, woken on PostgreSQL by a notification (``bot.wakeups``),
else at its next look (``[outbox] poll_seconds``).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from functools import partial

from apscheduler.jobstores.base import JobLookupError
from telegram.ext import Job

from bot import wakeups
from bot.config import Config
from bot.context import MusterApplication
from bot.dashboard.entry import menu_button
from bot.outbox.cards import CardRefresher, live_cards
from bot.outbox.quiet import QuietHours
from bot.outbox.sender import OutboxSender, OutcomeReport, SenderLimits
from bot.replicas.fenced import FencedDatabase
from bot.replicas.keeper import LeaseKeeper
from bot.runtime import Runtime
from bot.scheduler import schedule_due_work
from bot.wakeups import HolderWaker, WakeListener

log = logging.getLogger(__name__)


class AppSingletons:
    """The application's singletons; the sender's bookkeeping goes through the fenced
    database, so a sender that lost the lease can no longer record anything."""

    def __init__(
        self, app: MusterApplication, runtime: Runtime, config: Config, report: OutcomeReport
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.config = config
        self.report = report  # each send's outcome, to the metrics
        self._job: Job | None = None  # type: ignore[type-arg]
        self._listener: WakeListener | None = None

    async def start(self, fenced: FencedDatabase) -> None:
        limits = SenderLimits.from_config(self.config.outbox)
        quiet = QuietHours.from_config(self.config)
        board = self.config.dashboard  # its menu button follows the leaders' own menus
        sender = OutboxSender(
            fenced,
            self.app.bot,
            self.runtime.clock,
            limits,
            quiet,
            report=self.report,
            board_button=partial(menu_button, board.url) if board.enabled else None,
        )
        await sender.start()  # first makes the rows a previous holder left `sending` pending
        self.runtime.sender = sender
        self._job = schedule_due_work(self.app, self.config.scheduler.tick_seconds)
        refresher = CardRefresher(self.runtime.db, self.runtime.clock, live_cards(self.config))
        refresher.start()
        self.runtime.card_refresher = refresher
        if wakeups.applies_to(self.runtime.db):
            await self._listen(WakeListener(self.runtime.db, sender.wake))

    async def _listen(self, listener: WakeListener) -> None:
        try:
            await listener.start()
        except Exception as error:  # the sender still looks every [outbox] poll_seconds
            log.warning("cannot listen for other replicas' replies: %s", type(error).__name__)
            return
        self._listener = listener

    async def stop(self, timeout: float) -> None:  # noqa: ASYNC109
        """A tick of due work already running finishes (its changes are conditional updates,
        safe beside another replica's); no new one starts."""
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.stop()
        job, self._job = self._job, None
        if job is not None:
            with suppress(JobLookupError):  # gone already: the job queue stopped first
                job.schedule_removal()
        refresher, self.runtime.card_refresher = self.runtime.card_refresher, None
        if refresher is not None:
            await refresher.stop()
        sender, self.runtime.sender = self.runtime.sender, None
        if sender is not None:
            await sender.stop(timeout=timeout)


def lease_keeper_for(
    app: MusterApplication, runtime: Runtime, config: Config, *, report: OutcomeReport
) -> LeaseKeeper:
    """SQLite serves one process: a second ``muster run`` on the same file is refused. On
    PostgreSQL a process without the sender notifies the one with it of new replies. The
    sender it starts tells ``report`` the outcome of each send."""
    if wakeups.applies_to(runtime.db):
        runtime.wake_holder = HolderWaker(runtime.db).wake
    return LeaseKeeper(
        runtime.db,
        AppSingletons(app, runtime, config, report),
        config.replicas,
        exclusive=runtime.db.dialect == "sqlite",
    )


def warn_if_polling_beside_another(keeper: LeaseKeeper, config: Config) -> None:
    if config.telegram.mode == "polling" and not keeper.holding:
        log.warning(
            "another replica is running: in polling mode Telegram answers only one of them "
            '(409 Conflict); run replicas with [telegram] mode = "webhook"'
        )
