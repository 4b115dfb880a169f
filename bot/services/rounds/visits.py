"""A visitor's answers: Visited, all well / Needs help / No answer, and the description of
what is wrong that follows "Needs help" (text, photo or voice; asked for by a form, so the
question waits in the database).

Button data can be forged: every answer checks that the presser is a visitor of that visit
or a leader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.button_data import BadCallbackData
from bot.config import Config
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.i18n import Translator
from bot.observability import metrics
from bot.outbox.queue import Outgoing, enqueue
from bot.services.accounts import Actor
from bot.services.leader_scope import leader_scope
from bot.services.rounds import escalation
from bot.services.rounds.buttons import ANSWERS
from bot.services.rounds.facts import (
    alert_topic,
    correctable,
    elder_facts,
    prompt_of_visit,
    prompt_topic,
    sent_message_ids,
)
from bot.services.rounds.messages import prompt_keyboard, prompt_text
from bot.services.rounds.people import Person, people_by_telegram, volunteer_of
from models.elders import Alert, AlertOutcome, EscalationStep, Visit, VisitStatus

HELP_REPORT_EXPIRES = timedelta(hours=6)
DESCRIPTION_MAX = 1000
MEDIA_KINDS = ("photo", "voice", "video", "video_note", "audio")


@dataclass(frozen=True)
class HelpQuestion:
    """After "Needs help": ask the presser what is wrong with ``elder``, saying who was
    alerted (``reached``, by name; empty when nobody could be)."""

    visit_id: int
    elder: str
    reached: tuple[str, ...]


@dataclass(frozen=True)
class Answered:
    """What an answer changed, for the presser: the short notice and who was alerted (the
    messages to everyone else are in the outbox already)."""

    notice: str  # catalog key
    reached: tuple[str, ...] = ()  # who was alerted, by name (the notice's {names})
    ask: HelpQuestion | None = None  # what is wrong? (the handler's form asks it)
    refused: bool = False  # nothing was recorded: the notice says why (shown as an alert)


async def answer_visit(
    session: AsyncSession,
    *,
    actor: Actor,
    config: Config,
    visit_id: int,
    answer: str,
    now: datetime,
    pressed: tuple[int, int] | None = None,
) -> Answered:
    """Record ``answer``; ``pressed`` (chat id, message id) is the message pressed on, which
    shows the answer too when it is a copy of the prompt sent twice (after a crash)."""
    if answer not in ANSWERS:
        raise BadCallbackData()
    visit = (
        await session.exec(select(Visit).where(Visit.id == visit_id).with_for_update())
    ).first()
    if visit is None:
        raise NotFound()
    volunteer_id = await volunteer_of(session, telegram_id=actor.telegram_id)
    is_visitor = volunteer_id is not None and volunteer_id in (visit.visitor_id, visit.backup_id)
    leads = (await leader_scope(session, actor=actor)).covers_team(visit.team_id)
    if not (is_visitor or leads):
        raise NotAllowed("rounds.answer_visit", target_type="visit", target_id=visit_id)
    alert = await escalation.alert_of(session, visit_id=visit.id or 0)
    reminder = await _reminder_message(session, alert)
    copy = pressed if pressed != reminder else None
    if visit.status == VisitStatus.WELL and answer == "needs_help" and not correctable(visit, now):
        # Too late to correct: the prompt pressed on loses its correction button.
        await enqueue(session, now, await _refresh_prompt(session, config, visit, copy, now))
        return Answered("rounds.notice.too_late_to_correct", refused=True)
    _check_open(visit, answer, now)
    visit.status = VisitStatus(answer)
    metrics.visit_confirmed(session, answer)
    visit.answered_at, visit.answered_by = now, actor.telegram_id
    visit.answered_late = now > visit.window_ends_at
    if is_visitor:  # they went to the door, whatever they found
        await escalation.credit_visit(
            session,
            config=config,
            visit=visit,
            volunteer_id=volunteer_id,  # type: ignore[arg-type]
            now=now,
        )
    messages: list[Outgoing] = []
    notice, ask = "rounds.notice.well", None
    reached: tuple[str, ...] = ()
    if answer == "well" and alert is not None and alert.closed_at is None:
        context = await escalation.load_context(session, alert=alert, admins=config.bot.admins)
        messages += await escalation.finish_alert(
            session,
            config=config,
            context=context,
            closer=actor.telegram_id,
            outcome=AlertOutcome.VISITED_WELL,
            now=now,
        )
    elif answer == "no_answer":
        reached = tuple(
            p.name
            for p in await escalation.raise_no_answer(session, config=config, visit=visit, now=now)
        )
        notice = "rounds.notice.no_answer" if reached else "rounds.notice.nobody_reached"
    elif answer == "needs_help":
        alerted = await escalation.raise_needs_help(session, config=config, visit=visit, now=now)
        reached = tuple(p.name for p in alerted)
        elder = (await elder_facts(session, elder_ids=[visit.elder_id], with_contacts=False))[
            visit.elder_id
        ]
        ask = HelpQuestion(visit.id or 0, elder.name, reached)
        notice = "rounds.notice.needs_help" if reached else "rounds.notice.nobody_reached"
    messages += await _refresh_prompt(session, config, visit, copy, now)
    if reminder is not None and answer != "well":
        messages.append(_without_buttons(*reminder))
    await enqueue(session, now, messages)
    return Answered(notice, reached, ask)


def _check_open(visit: Visit, answer: str, now: datetime) -> None:
    """A visit takes one answer; "no answer" may be followed by a later "all well" or
    "needs help" (the visitor came back), a missed visit can still be answered, and "all
    well" may be corrected to "needs help" while ``correctable`` (a press by mistake)."""
    if visit.status in (VisitStatus.PENDING, VisitStatus.MISSED):
        return
    if visit.status == VisitStatus.NO_ANSWER and answer != "no_answer":
        return
    if visit.status == VisitStatus.WELL and answer == "needs_help" and correctable(visit, now):
        return
    if visit.status.value == answer:
        raise DomainError("rounds.notice.already_recorded")
    raise DomainError("rounds.notice.already_answered")


async def _refresh_prompt(
    session: AsyncSession,
    config: Config,
    visit: Visit,
    copy: tuple[int, int] | None,
    now: datetime,
) -> list[Outgoing]:
    """Show the answer in the visitor's round message (once it has been delivered), and in
    ``copy``, the message pressed on, if that is another copy of it."""
    found = await prompt_of_visit(session, visit=visit, admins=config.bot.admins, now=now)
    if found is None:
        return []
    chunk, view = found
    topic = prompt_topic(visit.round_id, visit.visitor_id or 0, chunk)
    sent = (await sent_message_ids(session, topics=[topic])).get(topic)
    shown = [m for m in (sent, copy) if m is not None]
    if shown[1:] and shown[0] == shown[1]:
        shown.pop()
    people = await people_by_telegram(
        session, telegram_ids=[chat for chat, _ in shown], admins=config.bot.admins
    )
    edits = []
    for chat_id, message_id in shown:
        language = people[chat_id].language if chat_id in people else config.bot.default_language
        t = Translator(language, config.bot.zone)
        edits.append(
            Outgoing.edit(chat_id, message_id, prompt_text(t, view), prompt_keyboard(t, view))
        )
    return edits


async def _reminder_message(session: AsyncSession, alert: Alert | None) -> tuple[int, int] | None:
    if alert is None:
        return None
    topic = alert_topic(alert.id or 0, EscalationStep.REMINDER.value)
    return (await sent_message_ids(session, topics=[topic])).get(topic)


def _without_buttons(chat_id: int, message_id: int) -> Outgoing:
    return Outgoing(
        chat_id,
        "edit_message_reply_markup",
        {"message_id": message_id, "reply_markup": {"inline_keyboard": []}},
    )


# -- the description after "Needs help" ---------------------------------------------------------


@dataclass(frozen=True)
class HelpReport:
    """What the visitor sent: text, or a media message (copied to those alerted)."""

    text: str | None
    media_kind: str | None = None  # photo, voice, ... ; None for text
    chat_id: int = 0
    message_id: int = 0


@dataclass(frozen=True)
class HelpPassedOn:
    """A description of what is wrong, to pass on to ``recipients`` (everyone alerted but the
    reporter, as ``Person``s) from ``reporter`` about ``elder``."""

    report: HelpReport
    text: str  # the description, cleaned ("" for a media message without a caption)
    reporter: str
    elder: str
    recipients: tuple[Person, ...]


async def describe_help(
    session: AsyncSession,
    *,
    actor: Actor,
    config: Config,
    visit_id: int,
    report: HelpReport,
) -> HelpPassedOn:
    """The description of what is wrong at visit ``visit_id`` and everyone alerted about it,
    to pass it on to (``messages.help_messages``), kept on the alert. Anything but text, a
    photo or a voice message is refused (``InvalidInput``), so the question can be asked
    again."""
    text = (report.text or "").strip()
    if report.media_kind is None and not text:
        raise InvalidInput("rounds.help.unusable")
    if len(text) > DESCRIPTION_MAX:
        raise InvalidInput("rounds.help.too_long", limit=DESCRIPTION_MAX)
    alert = await escalation.alert_of(session, visit_id=visit_id)
    if alert is None:
        raise NotFound()
    alert.description = text or None
    context = await escalation.load_context(session, alert=alert, admins=config.bot.admins)
    recipients = [i for i in context.acting_ids if i != actor.telegram_id]
    people = await people_by_telegram(
        session, telegram_ids=[*recipients, actor.telegram_id], admins=config.bot.admins
    )
    reporter = people[actor.telegram_id].name if actor.telegram_id in people else "–"
    reached = tuple(people[i] for i in recipients if i in people)
    return HelpPassedOn(report, text, reporter, context.elder.name, reached)
