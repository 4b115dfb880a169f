"""What runs on one replica only: the outbox sender, the card refresher (``bot.outbox.cards``)
and the due-work scheduler (escalation waves, reminders, door-knock rounds). ``bot.leadership``
starts them on the process holding the lease and stops them when it stops holding it.

Every process serves updates; replies written by one that does not hold the lease wait in
the outbox for the holder's sender, woken on PostgreSQL by a notification (``bot.wakeups``),
else at its next look (``[outbox] poll_seconds``).
"""

from __future__ import annotations

import logging
from contextlib import suppress

from apscheduler.jobstores.base import JobLookupError
from telegram.ext import Job

from bot import wakeups
from bot.config import Config
from bot.context import MusterApplication
from bot.leadership import FencedDatabase, Leadership
from bot.outbox.cards import CardRefresher
from bot.outbox.quiet import QuietHours
from bot.outbox.sender import OutboxSender, SenderLimits
from bot.runtime import Services
from bot.scheduler import schedule_due_work
from bot.services.callouts.roster import roster_cards
from bot.services.display import Display
from bot.wakeups import HolderWaker, WakeListener

log = logging.getLogger(__name__)


class AppSingletons:
    """The application's singletons; the sender's bookkeeping goes through the fenced
    database, so a sender that lost the lease can no longer record anything."""

    def __init__(self, app: MusterApplication, services: Services, config: Config) -> None:
        self.app = app
        self.services = services
        self.config = config
        self._job: Job | None = None  # type: ignore[type-arg]
        self._listener: WakeListener | None = None

    async def start(self, fenced: FencedDatabase) -> None:
        limits = SenderLimits.from_config(self.config.outbox)
        quiet = QuietHours.from_config(self.config)
        sender = OutboxSender(fenced, self.app.bot, self.services.clock, limits, quiet)
        await sender.start()  # first makes the rows a previous holder left `sending` pending
        self.services.sender = sender
        self._job = schedule_due_work(self.app, self.config.scheduler.tick_seconds)
        display = Display.from_config(self.config)
        refresher = CardRefresher(self.services.db, self.services.clock, [roster_cards(display)])
        refresher.start()
        self.services.card_refresher = refresher
        if wakeups.applies_to(self.services.db):
            await self._listen(WakeListener(self.services.db, sender.wake))

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
        refresher, self.services.card_refresher = self.services.card_refresher, None
        if refresher is not None:
            await refresher.stop()
        sender, self.services.sender = self.services.sender, None
        if sender is not None:
            await sender.stop(timeout=timeout)


def leadership_for(app: MusterApplication, services: Services, config: Config) -> Leadership:
    """SQLite serves one process: a second ``muster run`` on the same file is refused. On
    PostgreSQL a process without the sender notifies the one with it of new replies."""
    if wakeups.applies_to(services.db):
        services.wake_holder = HolderWaker(services.db).wake
    return Leadership(
        services.db,
        AppSingletons(app, services, config),
        config.replicas,
        exclusive=services.db.dialect == "sqlite",
    )


def warn_if_polling_beside_another(leadership: Leadership, config: Config) -> None:
    if config.telegram.mode == "polling" and not leadership.holding:
        log.warning(
            "another replica is running: in polling mode Telegram answers only one of them "
            '(409 Conflict); run replicas with [telegram] mode = "webhook"'
        )
