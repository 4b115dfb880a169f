"""The board's actions: the roster card's (remind, widen, change time, close, cancel,
export), a new call-out, the registry's export, an extra round and closing an alert, each
through the very service the chat's button or command calls, so the chat cards, the people
told and the audit log are the same whichever was used. Each returns the short notice the
chat would have shown, and the messages to send."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.dashboard.creation import draft_of, local_instant
from bot.errors import InvalidInput
from bot.i18n import Translator
from bot.outbox.queue import Outgoing
from bot.services.accounts import Actor
from bot.services.callouts import closing, delivery, drafts, export, rescheduling
from bot.services.callouts.audience import count_audience
from bot.services.callouts.views import Display
from bot.services.registry import RegistryFilter
from bot.services.registry_export import export_registry
from bot.services.rounds import escalation, schedule
from bot.services.rounds.messages import extra_round_started
from models.elders import AlertOutcome

OUTCOMES = {outcome.value for outcome in AlertOutcome}


@dataclass(frozen=True)
class Done:
    message: str
    messages: tuple[Outgoing, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    session: AsyncSession
    actor: Actor
    config: Config
    now: datetime
    body: dict[str, Any]

    @property
    def t(self) -> Translator:
        return Translator(self.actor.language, self.config.bot.zone).at(self.now)

    @property
    def display(self) -> Display:
        return Display.from_config(self.config)


CalloutAction = Callable[[Request, int], Awaitable[Done]]


async def remind(request: Request, callout_id: int) -> Done:
    count = await delivery.remind_non_responders(
        request.session,
        actor=request.actor,
        callout_id=callout_id,
        now=request.now,
        display=request.display,
    )
    return Done(request.t("callouts.card.reminded", count=count))


async def widen(request: Request, callout_id: int) -> Done:
    count = await delivery.widen_to_everyone(
        request.session,
        actor=request.actor,
        callout_id=callout_id,
        now=request.now,
        display=request.display,
    )
    key = "callouts.card.widened" if count else "callouts.card.widened_none"
    return Done(request.t(key, count=count))


async def change_time(request: Request, callout_id: int) -> Done:
    zone = request.config.bot.zone
    starts_at, ends_at = (local_instant(request.body.get(key), zone) for key in TIME_KEYS)
    done = await rescheduling.change_time(
        request.session,
        actor=request.actor,
        callout_id=callout_id,
        starts_at=starts_at,
        ends_at=ends_at,
        now=request.now,
        display=request.display,
    )
    t = request.t
    time = t.time_range(done.callout.starts_at, done.callout.ends_at)
    text = t("callouts.time_form.done", title=done.callout.title, time=time, count=done.told)
    return Done(text, extra={"told": done.told})


TIME_KEYS = ("starts_at", "ends_at")


async def close(request: Request, callout_id: int) -> Done:
    closed = await closing.close_callout(
        request.session,
        actor=request.actor,
        callout_id=callout_id,
        now=request.now,
        display=request.display,
    )
    return Done(request.t("callouts.card.closed", count=closed.told))


async def cancel(request: Request, callout_id: int) -> Done:
    cancelled = await closing.cancel_callout(
        request.session,
        actor=request.actor,
        callout_id=callout_id,
        now=request.now,
        display=request.display,
    )
    return Done(request.t("callouts.card.cancelled", count=cancelled.told))


async def export_roster(request: Request, callout_id: int) -> Done:
    """The spreadsheet goes to the leader's private chat, as from the card's Export."""
    t, actor = request.t, request.actor
    sheet = await export.export_roster(
        request.session, actor=actor, callout_id=callout_id, t=t, now=request.now
    )
    caption = t("callouts.card.export_caption", title=sheet.title)
    document = Outgoing.document(actor.telegram_id, sheet.filename, sheet.content, caption)
    return Done(t("callouts.card.export_sent"), (document,))


CALLOUT_ACTIONS: dict[str, CalloutAction] = {
    "remind": remind,
    "widen": widen,
    "time": change_time,
    "close": close,
    "cancel": cancel,
    "export": export_roster,
}


async def export_volunteers(request: Request, filters: RegistryFilter) -> Done:
    """The registry as ``/volunteers`` exports it (the same filters, the same audit entry, phones
    and addresses only of those who consented), sent to the leader's private chat."""
    file_format = request.body.get("format", "xlsx")
    if file_format not in ("xlsx", "csv"):
        raise InvalidInput()
    t, actor, config = request.t, request.actor, request.config
    made = await export_registry(
        request.session,
        actor=actor,
        filters=filters,
        file_format=file_format,
        t=t,
        community=config.community,
        now=request.now,
    )
    caption = t("volunteers.export_caption", count=made.rows)
    document = Outgoing.document(actor.telegram_id, made.filename, made.content, caption)
    return Done(t("callouts.card.export_sent"), (document,))


async def create_callout(request: Request) -> Done:
    """A new call-out, as the ``/callout`` form records it; the due work delivers it."""
    draft = draft_of(request.body, request.config)
    created = await drafts.create_callout(
        request.session, actor=request.actor, draft=draft, now=request.now
    )
    reach = await count_audience(
        request.session, actor=request.actor, targeting=draft, now=request.now
    )
    text = request.t("callouts.form.created", title=created.title, count=reach)
    return Done(text, extra={"id": created.id})


async def round_now(request: Request) -> Done:
    """An extra round now for one care team (a heat wave, a storm), as ``/round_now``."""
    team_id = request.body.get("team_id")
    if not isinstance(team_id, int) or isinstance(team_id, bool):
        raise InvalidInput()
    started = await schedule.start_extra_round(
        request.session,
        actor=request.actor,
        config=request.config,
        now=request.now,
        team_id=team_id,
    )
    text = extra_round_started(request.t, started.elders, started.visitors)
    return Done(text)


async def close_alert(request: Request, alert_id: int) -> Done:
    """Everyone alerted in chat is told who closed it and how, as from the chat's button."""
    outcome = request.body.get("outcome")
    if outcome not in OUTCOMES:
        raise InvalidInput()
    closed = await escalation.close_alert(
        request.session,
        actor=request.actor,
        config=request.config,
        alert_id=alert_id,
        outcome=outcome,
        now=request.now,
    )
    return Done(request.t("rounds.notice.closed"), closed.messages)
