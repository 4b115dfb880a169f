"""Escalation: a visit not confirmed by the end of its window, or "no answer" at the door,
goes step by step to a reminder for the visitor, the backup visitor, the team leader and the
duty officer; "needs help" goes to the team leader and the duty officer at once.

Who receives a step is decided in one place (``recipients_of_step``): the step's holder at
the moment it is sent, or, when the step has nobody to hold it (no backup, no team leader, a
gap in the duty rota), the last resort: the community's leaders and administrators. So every
step reaches someone who can act. Whoever is asked to act gets the elder's address, phone and
family contacts, in a message that cannot be forwarded.

Each step is a row (``AlertStep``, unique per alert and step) written in the same transaction
as its messages, and everyone it reached an ``AlertNotice``, so a restart never sends a step
twice and never loses one. An alert still open after its last step is sent again to whoever
holds it then, every ``[rounds] alert_repeat_minutes``, each time recorded. Whoever acts
closes the alert with an outcome, and everyone alerted who may still act is told who closed
it and how.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config, RoundsConfig
from bot.errors import DomainError, NotAllowed, NotFound
from bot.i18n import Html, Translator
from bot.observability import metrics
from bot.outbox.queue import PRIORITY_ALERT, Outgoing, enqueue
from bot.services import audit, hours
from bot.services.accounts import Actor
from bot.services.leader_scope import leader_scope
from bot.services.rounds import duty
from bot.services.rounds.facts import (
    alert_message_topics,
    alert_topic,
    facts_of,
    sent_message_ids,
)
from bot.services.rounds.messages import (
    AlertView,
    ElderFacts,
    alert_text,
    closed_text,
    outcome_keyboard,
    reminder_keyboard,
    reminder_text,
    settled_alert_text,
)
from bot.services.rounds.people import (
    Person,
    leaders_and_admins,
    people_by_telegram,
    volunteer_of,
    volunteers_by_id,
)
from models import Team
from models.elders import (
    Alert,
    AlertNotice,
    AlertOutcome,
    AlertReason,
    AlertStep,
    Elder,
    ElderContact,
    EscalationStep,
    Visit,
    VisitStatus,
)

CHAIN = (EscalationStep.REMINDER, EscalationStep.BACKUP, EscalationStep.LEADER, EscalationStep.DUTY)
HELP_STEPS = (EscalationStep.HELP_LEADER, EscalationStep.HELP_DUTY)
LEADER_STEPS = (EscalationStep.LEADER, EscalationStep.HELP_LEADER)
DUTY_STEPS = (EscalationStep.DUTY, EscalationStep.HELP_DUTY)
BATCH = 200  # alerts handled per transaction

Row = TypeVar("Row", Visit, Elder, Team)


def delay_before(step: EscalationStep, rounds: RoundsConfig) -> timedelta:
    minutes = {
        EscalationStep.REMINDER: rounds.reminder_delay_minutes,
        EscalationStep.BACKUP: rounds.backup_delay_minutes,
        EscalationStep.LEADER: rounds.leader_delay_minutes,
        EscalationStep.DUTY: rounds.duty_delay_minutes,
    }.get(step, 0)
    return timedelta(minutes=minutes)


def step_after(step: EscalationStep) -> EscalationStep | None:
    if step not in CHAIN:
        return None
    index = CHAIN.index(step) + 1
    return CHAIN[index] if index < len(CHAIN) else None


@dataclass
class AlertContext:
    """An alert with everything its messages need."""

    alert: Alert
    visit: Visit
    elder: ElderFacts
    team_name: str
    leader: Person | None
    visitor: Person | None
    backup: Person | None
    reporter: Person | None  # who answered "no answer" or "needs help"
    steps: list[AlertStep]
    notices: list[AlertNotice]
    people: dict[int, Person]  # everyone alerted so far, by Telegram id

    def _reached(self) -> list[tuple[int, EscalationStep, bool]]:
        """Everyone an alert was sent to: (Telegram id, the step they were asked at, whether
        as the last resort), in order. Steps recorded before notices existed count too."""
        noticed = {(n.telegram_id, n.step) for n in self.notices}
        reached = [
            (s.recipient_telegram_id, s.step, False)
            for s in self.steps
            if s.recipient_telegram_id is not None
            and (s.recipient_telegram_id, s.step) not in noticed
        ]
        return reached + [(n.telegram_id, n.step, n.last_resort) for n in self.notices]

    @property
    def alerted_ids(self) -> list[int]:
        """Everyone alerted so far, in order, once each."""
        return _once(telegram_id for telegram_id, _, _ in self._reached())

    def alerted_for_help(self) -> list[int]:
        """Everyone alerted at a "needs help" step (they need not hear it twice)."""
        return _once(i for i, step, _ in self._reached() if step in HELP_STEPS)

    def may_act(self, person: Person) -> bool:
        """Whether someone alerted may still act on the alert (see and close it): a leader's
        copy is theirs only while they lead (the team, or the community); a visitor's or a
        duty officer's copy stays theirs."""
        if person.is_leader:
            return True
        if self.leader is not None and person.telegram_id == self.leader.telegram_id:
            return True
        return any(
            i == person.telegram_id and not last_resort and step not in LEADER_STEPS
            for i, step, last_resort in self._reached()
        )

    @property
    def acting_ids(self) -> list[int]:
        """Everyone alerted so far who may still act, in order, once each."""
        return [i for i in self.alerted_ids if i in self.people and self.may_act(self.people[i])]


def _once(ids: Iterable[int]) -> list[int]:
    seen: list[int] = []
    for i in ids:
        if i not in seen:
            seen.append(i)
    return seen


class Holders:
    """Who holds an alert's steps at ``now`` besides the team (whoever is on duty, and the
    last resort), looked up once for a whole batch of alerts."""

    def __init__(self, session: AsyncSession, config: Config, now: datetime) -> None:
        self.session, self.config, self.now = session, config, now
        self._duty: tuple[Person | None] | None = None
        self._last_resort: list[Person] | None = None

    async def duty(self) -> Person | None:
        if self._duty is None:
            self._duty = (await duty.on_duty(self.session, config=self.config, now=self.now),)
        return self._duty[0]

    async def last_resort(self) -> list[Person]:
        """The community's leaders and administrators."""
        if self._last_resort is None:
            self._last_resort = await leaders_and_admins(
                self.session, admins=self.config.bot.admins
            )
        return self._last_resort


@dataclass(frozen=True)
class Recipient:
    """Someone a step (or a reminder) goes to, and in what capacity."""

    person: Person
    step: EscalationStep
    last_resort: bool = False
    why: str = ""  # for the last resort: why nobody else holds the step (``rounds.alert.why``)


async def holder_of_step(
    context: AlertContext, step: EscalationStep, holders: Holders
) -> Person | None:
    """Who holds ``step`` of this alert now: the visitor, the backup visitor, the team's
    leader or whoever is on duty (as of this moment, not as of when the alert opened)."""
    if step in DUTY_STEPS:
        return await holders.duty()
    if step in LEADER_STEPS:
        return context.leader
    return context.visitor if step == EscalationStep.REMINDER else context.backup


async def recipients_of_step(
    context: AlertContext, step: EscalationStep, holders: Holders
) -> tuple[Person | None, list[Recipient]]:
    """The one rule of who receives a step: its holder, or, when nobody holds it (or the holder
    blocked the bot), the last resort (the community's leaders and administrators). Returns
    the holder too."""
    holder = await holder_of_step(context, step, holders)
    if holder is not None and holder.reachable:
        return holder, [Recipient(holder, step)]
    why = f"{_holder_role(step)}_{'none' if holder is None else 'unreachable'}"
    return None, [Recipient(p, step, True, why) for p in await holders.last_resort()]


def _holder_role(step: EscalationStep) -> str:
    if step in DUTY_STEPS:
        return "duty"
    if step in LEADER_STEPS:
        return "leader"
    return "visitor" if step == EscalationStep.REMINDER else "backup"


async def holders_now(context: AlertContext, holders: Holders) -> list[Recipient]:
    """Who holds an open alert once its steps are done: the team's leader and whoever is on
    duty now, or else the last resort."""
    help_needed = context.alert.reason == AlertReason.NEEDS_HELP
    leader_step, duty_step = HELP_STEPS if help_needed else (LEADER_STEPS[0], DUTY_STEPS[0])
    found = [
        Recipient(person, step)
        for person, step in ((context.leader, leader_step), (await holders.duty(), duty_step))
        if person is not None and person.reachable
    ]
    if not found:
        last_resort = await holders.last_resort()
        found = [Recipient(p, leader_step, True, "nobody_now") for p in last_resort]
    unique: dict[int, Recipient] = {}
    for recipient in found:
        unique.setdefault(recipient.person.telegram_id, recipient)
    return list(unique.values())


async def load_context(session: AsyncSession, *, alert: Alert, admins: list[int]) -> AlertContext:
    return (await load_contexts(session, alerts=[alert], admins=admins))[0]


async def load_contexts(
    session: AsyncSession, *, alerts: list[Alert], admins: list[int]
) -> list[AlertContext]:
    """The contexts of a batch of alerts, in a fixed number of queries."""
    visits = await _by_id(session, Visit, [a.visit_id for a in alerts])
    elders = await _by_id(session, Elder, {v.elder_id for v in visits.values()})
    contacts: dict[int, list[ElderContact]] = defaultdict(list)
    for contact in await session.exec(
        select(ElderContact)
        .where(col(ElderContact.elder_id).in_(list(elders)))
        .order_by(col(ElderContact.position))
    ):
        contacts[contact.elder_id].append(contact)
    teams = await _by_id(session, Team, {v.team_id for v in visits.values()})
    steps: dict[int, list[AlertStep]] = defaultdict(list)
    for step in await session.exec(
        select(AlertStep)
        .where(col(AlertStep.alert_id).in_([a.id for a in alerts]))
        .order_by(col(AlertStep.id))
    ):
        steps[step.alert_id].append(step)
    notices: dict[int, list[AlertNotice]] = defaultdict(list)
    for notice in await session.exec(
        select(AlertNotice)
        .where(col(AlertNotice.alert_id).in_([a.id for a in alerts]))
        .order_by(col(AlertNotice.id))
    ):
        notices[notice.alert_id].append(notice)
    volunteers = await volunteers_by_id(
        session,
        ids=[i for v in visits.values() for i in (v.visitor_id, v.backup_id)],
        admins=admins,
    )
    people = await people_by_telegram(
        session,
        telegram_ids=[t.leader_telegram_id for t in teams.values()]
        + [v.answered_by for v in visits.values()]
        + [s.recipient_telegram_id for batch in steps.values() for s in batch]
        + [n.telegram_id for batch in notices.values() for n in batch],
        admins=admins,
    )
    contexts = []
    for alert in alerts:
        visit = visits[alert.visit_id]
        elder = elders[visit.elder_id]
        team = teams.get(visit.team_id or 0)
        leader_id = team.leader_telegram_id if team else None
        contexts.append(
            AlertContext(
                alert=alert,
                visit=visit,
                elder=facts_of(elder, contacts[visit.elder_id]),
                team_name=team.name if team else "–",
                leader=people.get(leader_id) if leader_id else None,
                visitor=volunteers.get(visit.visitor_id) if visit.visitor_id else None,
                backup=volunteers.get(visit.backup_id) if visit.backup_id else None,
                reporter=people.get(visit.answered_by) if visit.answered_by else None,
                steps=steps[alert.id or 0],
                notices=notices[alert.id or 0],
                people=people,
            )
        )
    return contexts


# -- due work ---------------------------------------------------------------------------------


async def _by_id(
    session: AsyncSession, table: type[Row], ids: Iterable[int | None]
) -> dict[int, Row]:
    """Rows of ``table`` by their id, in one query."""
    rows = await session.exec(select(table).where(col(table.id).in_(list(ids))))
    return {row.id: row for row in rows}  # type: ignore[misc]  # read back: never None


async def open_missed_alerts(session: AsyncSession, *, config: Config, now: datetime) -> int:
    """Visits still unconfirmed at the end of their window become missed, with an alert whose
    first step (the reminder) follows after the configured delay."""
    visits = list(
        await session.exec(
            select(Visit)
            .where(Visit.status == VisitStatus.PENDING, col(Visit.window_ends_at) <= now)
            .order_by(col(Visit.window_ends_at), col(Visit.id))
            .limit(BATCH)
        )
    )
    metrics.visits_missed(session, len(visits))
    for visit in visits:
        visit.status = VisitStatus.MISSED
        session.add(
            Alert(
                visit_id=visit.id,  # type: ignore[arg-type]
                reason=AlertReason.MISSED,
                opened_at=now,
                next_step=EscalationStep.REMINDER,
                next_step_at=visit.window_ends_at
                + delay_before(EscalationStep.REMINDER, config.rounds),
            )
        )
    return len(visits)


async def run_due_steps(session: AsyncSession, *, config: Config, now: datetime) -> int:
    async def step(context: AlertContext, holders: Holders) -> list[Outgoing]:
        return list(
            (
                await take_step(session, config=config, context=context, now=now, holders=holders)
            ).messages
        )

    return await _for_due_alerts(session, config, now, Alert.next_step_at, step)


async def _for_due_alerts(
    session: AsyncSession,
    config: Config,
    now: datetime,
    due: Any,
    act: Callable[[AlertContext, Holders], Awaitable[list[Outgoing]]],
) -> int:
    """A batch of open alerts whose ``due`` time has come, in that order: ``act`` on each
    (with one ``Holders`` for the batch), and queue what it says in one go."""
    alerts = list(
        await session.exec(
            select(Alert)
            .where(col(Alert.closed_at).is_(None), col(due) <= now)
            .order_by(col(due), col(Alert.id))
            .limit(BATCH)
        )
    )
    if not alerts:
        return 0
    holders = Holders(session, config, now)
    messages: list[Outgoing] = []
    for context in await load_contexts(session, alerts=alerts, admins=config.bot.admins):
        messages += await act(context, holders)
    await enqueue(session, now, messages)
    return len(alerts)


@dataclass(frozen=True)
class StepTaken:
    """What a step did: its messages (to queue in the same transaction) and who it reached
    (by name, for the person who raised the alert)."""

    messages: list[Outgoing]
    reached: list[Person]


NOTHING = StepTaken([], [])


async def take_step(
    session: AsyncSession,
    *,
    config: Config,
    context: AlertContext,
    now: datetime,
    holders: Holders | None = None,
) -> StepTaken:
    """Take the alert's next step and schedule the one after (or, after the last, the first
    reminder while nobody closes it)."""
    alert = context.alert
    step = alert.next_step
    if step is None:
        return NOTHING
    following = step_after(step)
    alert.next_step = following
    alert.next_step_at = now + delay_before(following, config.rounds) if following else None
    alert.remind_at = None if following else now + repeat_interval(config)
    return await send_step(
        session, config=config, context=context, step=step, now=now, holders=holders
    )


def repeat_interval(config: Config) -> timedelta:
    return timedelta(minutes=config.rounds.alert_repeat_minutes)


async def send_step(
    session: AsyncSession,
    *,
    config: Config,
    context: AlertContext,
    step: EscalationStep,
    now: datetime,
    holders: Holders | None = None,
    also: Sequence[Recipient] = (),
) -> StepTaken:
    """Record the step (with its holder, or nobody) and everyone it reaches; return its
    messages, which name ``also`` (those alerted at the same moment by other steps) among
    the alerted. The caller queues them in the same transaction: the step and its messages
    go together."""
    if any(s.step == step for s in context.steps):
        return NOTHING  # recorded already: a step is taken once
    holder, recipients = await recipients_of_step(
        context, step, holders or Holders(session, config, now)
    )
    earlier = context.alerted_ids
    # Someone already alerted (a leader who is also on duty) is not told twice; "needs help"
    # is news even to those alerted about the missed visit before.
    told = context.alerted_for_help() if step in HELP_STEPS else earlier
    record = AlertStep(
        alert_id=context.alert.id,  # type: ignore[arg-type]
        step=step,
        recipient_telegram_id=holder.telegram_id if holder else None,
        at=now,
    )
    session.add(record)
    context.steps.append(record)
    messages = []
    for recipient in recipients:
        person = recipient.person
        if person.telegram_id in told:
            continue
        _record_notice(session, context, recipient, now)
        messages.append(_step_message(config, context, recipient, earlier, also=also))
    return StepTaken(messages, [r.person for r in recipients])


def _record_notice(
    session: AsyncSession,
    context: AlertContext,
    recipient: Recipient,
    now: datetime,
    reminder: int = 0,
) -> None:
    notice = AlertNotice(
        alert_id=context.alert.id,  # type: ignore[arg-type]
        telegram_id=recipient.person.telegram_id,
        step=recipient.step,
        last_resort=recipient.last_resort,
        reminder=reminder,
        at=now,
    )
    session.add(notice)
    context.notices.append(notice)
    context.people[recipient.person.telegram_id] = recipient.person


def alert_view(context: AlertContext, step: EscalationStep, private: bool = True) -> AlertView:
    reporter = context.reporter or context.visitor
    return AlertView(
        alert_id=context.alert.id or 0,
        visit_id=context.visit.id or 0,
        reason=context.alert.reason,
        step=step,
        elder=context.elder,
        private_visible=private,
        due_at=context.visit.due_at,
        deadline=context.visit.window_ends_at,
        visitor_name=reporter.name if reporter else "–",
        team_name=context.team_name,
        description=context.alert.description,
        opened_at=context.alert.opened_at,
    )


def _step_message(
    config: Config,
    context: AlertContext,
    recipient: Recipient,
    earlier: list[int],
    reminder: int = 0,
    also: Sequence[Recipient] = (),
) -> Outgoing:
    """The alert as one recipient sees it. Whoever is asked to act sees everything they need
    to act (address, phone, health notes, family contacts); the message is protected, so it
    cannot be forwarded or saved."""
    person, step = recipient.person, recipient.step
    t = Translator(person.language, config.bot.zone)
    known = {**context.people, **{r.person.telegram_id: r.person for r in also}}
    others = _once([*earlier, *(r.person.telegram_id for r in also)])
    mine = [r for r in (recipient, *also) if r.person.telegram_id == person.telegram_id]
    view = replace(
        alert_view(context, step),
        alerted=tuple(known[i].name for i in others if i in known and i != person.telegram_id),
        last_resort=recipient.last_resort,
        last_resort_why=tuple(dict.fromkeys(r.why for r in mine if r.last_resort)),
        reminder=reminder,
    )
    topic = alert_topic(context.alert.id or 0, step.value)
    if reminder or recipient.last_resort:  # one message per topic: its buttons go on closing
        topic = alert_topic(context.alert.id or 0, f"r{reminder}:{person.telegram_id}")
    if step == EscalationStep.REMINDER and not recipient.last_resort:
        return Outgoing.message(
            person.telegram_id,
            reminder_text(t, view),
            reminder_keyboard(t, view.visit_id),
            priority=PRIORITY_ALERT,
            topic=topic,
            protect_content=True,
        )
    return Outgoing.message(
        person.telegram_id,
        alert_text(t, view),
        outcome_keyboard(t, view.alert_id),
        priority=PRIORITY_ALERT,
        topic=topic,
        protect_content=True,
    )


# -- an alert nobody closes -----------------------------------------------------------------------


async def remind_open_alerts(session: AsyncSession, *, config: Config, now: datetime) -> int:
    """Alerts still open after their last step go again to whoever holds them now (the duty
    officer changes with the shift), each reminder recorded, until someone closes them."""

    async def remind(context: AlertContext, holders: Holders) -> list[Outgoing]:
        return list(
            await send_reminder(session, config=config, context=context, now=now, holders=holders)
        )

    return await _for_due_alerts(session, config, now, Alert.remind_at, remind)


async def send_reminder(
    session: AsyncSession, *, config: Config, context: AlertContext, now: datetime, holders: Holders
) -> list[Outgoing]:
    alert = context.alert
    alert.reminders += 1
    alert.remind_at = now + repeat_interval(config)
    earlier = context.alerted_ids
    messages = []
    for recipient in await holders_now(context, holders):
        _record_notice(session, context, recipient, now, reminder=alert.reminders)
        messages.append(_step_message(config, context, recipient, earlier, alert.reminders))
    return messages


# -- answers that start or change an alert ------------------------------------------------------


async def raise_no_answer(
    session: AsyncSession, *, config: Config, visit: Visit, now: datetime
) -> list[Person]:
    """After "No answer" at the door the escalation starts at once, with the backup visitor
    (the visitor needs no reminder: they are standing at the door). Returns who was reached."""
    alert = await alert_of(session, visit_id=visit.id or 0)
    if alert is None:
        alert = Alert(visit_id=visit.id, reason=AlertReason.NO_ANSWER, opened_at=now)  # type: ignore[arg-type]
        session.add(alert)
    alert.reason = AlertReason.NO_ANSWER
    if alert.next_step in (None, EscalationStep.REMINDER):
        alert.next_step = EscalationStep.BACKUP
    alert.next_step_at = now
    await session.flush()
    context = await load_context(session, alert=alert, admins=config.bot.admins)
    taken = await take_step(session, config=config, context=context, now=now)
    await enqueue(session, now, taken.messages)
    return taken.reached


async def raise_needs_help(
    session: AsyncSession, *, config: Config, visit: Visit, now: datetime
) -> list[Person]:
    """After "Needs help" the team leader and whoever is on duty (or, for either missing, the
    last resort) are alerted at once; the alert stays open until one of them closes it, and
    is sent again while it does. Returns who was reached, once each."""
    alert = await alert_of(session, visit_id=visit.id or 0)
    if alert is None:
        alert = Alert(visit_id=visit.id, reason=AlertReason.NEEDS_HELP, opened_at=now)  # type: ignore[arg-type]
        session.add(alert)
    alert.reason = AlertReason.NEEDS_HELP
    # "All well" corrected: the alert it closed is open again.
    alert.closed_at, alert.closed_by, alert.outcome = None, None, None
    alert.next_step, alert.next_step_at = None, None
    alert.remind_at = now + repeat_interval(config)
    await session.flush()
    context = await load_context(session, alert=alert, admins=config.bot.admins)
    holders = Holders(session, config, now)
    messages: list[Outgoing] = []
    reached: dict[int, Person] = {}
    # Both steps go out at once: each message names everyone alerted by either.
    everyone = [
        r for step in HELP_STEPS for r in (await recipients_of_step(context, step, holders))[1]
    ]
    for step in HELP_STEPS:
        taken = await send_step(
            session,
            config=config,
            context=context,
            step=step,
            now=now,
            holders=holders,
            also=everyone,
        )
        messages += taken.messages
        reached.update((p.telegram_id, p) for p in taken.reached)
    await enqueue(session, now, messages)
    return list(reached.values())


async def alert_of(session: AsyncSession, *, visit_id: int) -> Alert | None:
    return (
        await session.exec(select(Alert).where(Alert.visit_id == visit_id).with_for_update())
    ).first()


# -- closing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    messages: tuple[Outgoing, ...]
    elder_name: str
    outcome: AlertOutcome


async def close_alert(
    session: AsyncSession,
    *,
    actor: Actor,
    config: Config,
    alert_id: int,
    outcome: str,
    now: datetime,
) -> Closed:
    """Whoever acted closes the alert; everyone alerted hears who closed it and how."""
    try:
        chosen = AlertOutcome(outcome)
    except ValueError:
        raise NotFound() from None
    alert = (
        await session.exec(select(Alert).where(Alert.id == alert_id).with_for_update())
    ).first()
    if alert is None:
        raise NotFound()
    if alert.closed_at is not None:
        raise await _already_closed(session, alert, actor, config)
    context = await load_context(session, alert=alert, admins=config.bot.admins)
    volunteer_id = await volunteer_of(session, telegram_id=actor.telegram_id)
    involved = actor.telegram_id in context.acting_ids or (
        volunteer_id is not None
        and volunteer_id in (context.visit.visitor_id, context.visit.backup_id)
    )
    leads = (await leader_scope(session, actor=actor)).covers_team(context.visit.team_id)
    if not (involved or leads):
        raise NotAllowed("rounds.close_alert", target_type="alert", target_id=alert.id)
    if chosen == AlertOutcome.VISITED_WELL and volunteer_id is not None:
        await confirm_late_visit(
            session,
            config=config,
            visit=context.visit,
            telegram_id=actor.telegram_id,
            volunteer_id=volunteer_id,
            now=now,
        )
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="rounds.close_alert",
        target_type="alert",
        target_id=alert.id,
        outcome=chosen.value,
        elder_id=context.visit.elder_id,
    )
    messages = await finish_alert(
        session, config=config, context=context, closer=actor.telegram_id, outcome=chosen, now=now
    )
    return Closed(tuple(messages), context.elder.name, chosen)


async def _already_closed(
    session: AsyncSession, alert: Alert, actor: Actor, config: Config
) -> DomainError:
    closer = alert.closed_by
    people = await people_by_telegram(session, telegram_ids=[closer], admins=config.bot.admins)
    t = Translator(actor.language, config.bot.zone)
    who = people[closer].name if closer in people else "–"
    outcome = t(f"rounds.outcome.{alert.outcome.value}") if alert.outcome else "–"
    return DomainError("rounds.alert.already_closed", who=who, outcome=outcome)


async def confirm_late_visit(
    session: AsyncSession,
    *,
    config: Config,
    visit: Visit,
    telegram_id: int,
    volunteer_id: int,
    now: datetime,
) -> None:
    """Someone went and found all well after all: the visit counts, late, and so do their
    service hours."""
    if visit.status not in (VisitStatus.PENDING, VisitStatus.MISSED, VisitStatus.NO_ANSWER):
        return
    visit.status = VisitStatus.WELL
    metrics.visit_confirmed(session, VisitStatus.WELL)
    visit.answered_at, visit.answered_by = now, telegram_id
    visit.answered_late = now > visit.window_ends_at
    await credit_visit(session, config=config, visit=visit, volunteer_id=volunteer_id, now=now)


async def credit_visit(
    session: AsyncSession, *, config: Config, visit: Visit, volunteer_id: int, now: datetime
) -> None:
    if config.rounds.minutes_per_visit:
        await hours.credit(
            session,
            volunteer_id=volunteer_id,
            minutes=config.rounds.minutes_per_visit,
            source="visit",
            source_id=visit.id or 0,
            served_at=now,
            now=now,
        )


async def finish_alert(
    session: AsyncSession,
    *,
    config: Config,
    context: AlertContext,
    closer: int,
    outcome: AlertOutcome,
    now: datetime,
) -> list[Outgoing]:
    """Close the alert and tell everyone alerted who may still act (and the visitor, and the
    closer)."""
    alert = context.alert
    alert.closed_at, alert.closed_by, alert.outcome = now, closer, outcome
    alert.next_step, alert.next_step_at, alert.remind_at = None, None, None
    told = [*context.acting_ids]
    for person in (context.visitor, context.reporter):
        if person and person.telegram_id not in told:
            told.append(person.telegram_id)
    if closer not in told:
        told.append(closer)
    sent = await sent_message_ids(
        session, topics=await alert_message_topics(session, alert_id=alert.id or 0)
    )
    chats = [chat for chat, _ in sent.values()]
    people = await people_by_telegram(
        session, telegram_ids=[*told, *chats], admins=config.bot.admins
    )
    closer_name = people[closer].name if closer in people else "–"

    def closed(telegram_id: int) -> tuple[Translator, Html]:
        language = (
            people[telegram_id].language if telegram_id in people else config.bot.default_language
        )
        t = Translator(language, config.bot.zone)
        return t, closed_text(t, context.elder.name, outcome, closer_name, now)

    messages = [
        Outgoing.message(i, closed(i)[1], priority=PRIORITY_ALERT) for i in told if i in people
    ]
    return _settle_alert_messages(context, sent.values(), closed) + messages


def _settle_alert_messages(
    context: AlertContext,
    sent: Iterable[tuple[int, int]],
    closed: Callable[[int], tuple[Translator, Html]],
) -> list[Outgoing]:
    """An alert's messages, once it is closed, say how it ended in place of the call to act,
    and lose their buttons (a later press on an old message would only be refused)."""
    acting = context.acting_ids
    edits = []
    for chat, message in sent:
        t, closed_line = closed(chat)
        view = alert_view(context, EscalationStep.REMINDER, private=chat in acting)
        text = settled_alert_text(t, view, closed_line)
        edits.append(
            Outgoing.edit(chat, message, text, {"inline_keyboard": []}, priority=PRIORITY_ALERT)
        )
    return edits
