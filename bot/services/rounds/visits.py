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
from bot.outbox.queue import PRIORITY_ALERT, Outgoing
from bot.services.accounts import Actor
from bot.services.leader_scope import leader_scope
from bot.services.rounds import escalation
from bot.services.rounds.buttons import ANSWERS
from bot.services.rounds.facts import (
    alert_topic,
    elder_facts,
    prompt_of_visit,
    prompt_topic,
    sent_message_ids,
)
from bot.services.rounds.messages import joined, prompt_keyboard, prompt_text
from bot.services.rounds.people import people_by_telegram, volunteer_of
from models.elders import Alert, AlertOutcome, EscalationStep, Visit, VisitStatus

HELP_REPORT_EXPIRES = timedelta(hours=6)
# "All well" pressed by mistake may be corrected to "needs help" until the round's window
# closes, or for this long after the answer if that is later (a late answer).
CORRECTION_GRACE = timedelta(minutes=30)
DESCRIPTION_MAX = 1000
MEDIA_KINDS = ("photo", "voice", "video", "video_note", "audio")


@dataclass(frozen=True)
class HelpQuestion:
    """After "Needs help": ask the presser what is wrong with ``elder``, saying who was
    alerted (``names``, empty when nobody could be)."""

    visit_id: int
    elder: str
    names: str


@dataclass(frozen=True)
class Answered:
    """What an answer changed: the messages to send and the short notice for the presser."""

    messages: tuple[Outgoing, ...]
    notice: str  # catalog key
    names: str = ""  # who was alerted, by name (the notice's {names})
    ask: HelpQuestion | None = None  # what is wrong? (the handler's form asks it)


async def answer_visit(
    session: AsyncSession,
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
    volunteer_id = await volunteer_of(session, actor.telegram_id)
    is_visitor = volunteer_id is not None and volunteer_id in (visit.visitor_id, visit.backup_id)
    leads = (await leader_scope(session, actor)).covers_team(visit.team_id)
    if not (is_visitor or leads):
        raise NotAllowed("rounds.answer_visit", target_type="visit", target_id=visit_id)
    _check_open(visit, answer, now)
    alert = await escalation.alert_of(session, visit.id or 0)
    visit.status = VisitStatus(answer)
    metrics.visit_confirmed(session, answer)
    visit.answered_at, visit.answered_by = now, actor.telegram_id
    visit.answered_late = now > visit.window_ends_at
    if is_visitor:  # they went to the door, whatever they found
        await escalation.credit_visit(session, config, visit, volunteer_id, now)  # type: ignore[arg-type]
    messages: list[Outgoing] = []
    notice, names, ask = "rounds.notice.well", "", None
    t = Translator(actor.language, config.bot.zone)
    if answer == "well" and alert is not None and alert.closed_at is None:
        context = await escalation.load_context(session, alert, config.bot.admins)
        messages += await escalation.finish_alert(
            session, config, context, actor.telegram_id, AlertOutcome.VISITED_WELL, now
        )
    elif answer == "no_answer":
        reached = await escalation.raise_no_answer(session, config, visit, now)
        names = joined(t, [p.name for p in reached])
        notice = "rounds.notice.no_answer" if reached else "rounds.notice.nobody_reached"
    elif answer == "needs_help":
        reached = await escalation.raise_needs_help(session, config, visit, now)
        names = joined(t, [p.name for p in reached])
        elder = (await elder_facts(session, [visit.elder_id], with_contacts=False))[visit.elder_id]
        ask = HelpQuestion(visit.id or 0, elder.name, names)
        notice = "rounds.notice.needs_help" if reached else "rounds.notice.nobody_reached"
    reminder = await _reminder_message(session, alert)
    copy = pressed if pressed != reminder else None
    messages += await _refresh_prompt(session, config, visit, copy)
    if reminder is not None and answer != "well":
        messages.append(_without_buttons(*reminder))
    return Answered(tuple(messages), notice, names, ask)


def _check_open(visit: Visit, answer: str, now: datetime) -> None:
    """A visit takes one answer; "no answer" may be followed by a later "all well" or
    "needs help" (the visitor came back), a missed visit can still be answered, and "all
    well" may be corrected to "needs help" for a while (a press by mistake)."""
    if visit.status in (VisitStatus.PENDING, VisitStatus.MISSED):
        return
    if visit.status == VisitStatus.NO_ANSWER and answer != "no_answer":
        return
    if visit.status == VisitStatus.WELL and answer == "needs_help":
        answered = visit.answered_at or now
        if now <= max(visit.window_ends_at, answered + CORRECTION_GRACE):
            return
        raise DomainError("rounds.notice.too_late_to_correct")
    if visit.status.value == answer:
        raise DomainError("rounds.notice.already_recorded")
    raise DomainError("rounds.notice.already_answered")


async def _refresh_prompt(
    session: AsyncSession, config: Config, visit: Visit, copy: tuple[int, int] | None
) -> list[Outgoing]:
    """Show the answer in the visitor's round message (once it has been delivered), and in
    ``copy``, the message pressed on, if that is another copy of it."""
    found = await prompt_of_visit(session, visit, config.bot.admins)
    if found is None:
        return []
    chunk, view = found
    topic = prompt_topic(visit.round_id, visit.visitor_id or 0, chunk)
    sent = (await sent_message_ids(session, [topic])).get(topic)
    shown = [m for m in (sent, copy) if m is not None]
    if shown[1:] and shown[0] == shown[1]:
        shown.pop()
    people = await people_by_telegram(session, [chat for chat, _ in shown], config.bot.admins)
    edits = []
    for chat_id, message_id in shown:
        t = Translator(people[chat_id].language if chat_id in people else "zh", config.bot.zone)
        edits.append(
            Outgoing.edit(chat_id, message_id, prompt_text(t, view), prompt_keyboard(t, view))
        )
    return edits


async def _reminder_message(session: AsyncSession, alert: Alert | None) -> tuple[int, int] | None:
    if alert is None:
        return None
    topic = alert_topic(alert.id or 0, EscalationStep.REMINDER.value)
    return (await sent_message_ids(session, [topic])).get(topic)


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


async def describe_help(
    session: AsyncSession,
    actor: Actor,
    config: Config,
    visit_id: int,
    report: HelpReport,
    now: datetime,
) -> tuple[Outgoing, ...]:
    """Pass the description of what is wrong at visit ``visit_id`` on to everyone alerted
    about it, and thank the visitor. Anything but text, a photo or a voice message is
    refused (``InvalidInput``), so the question can be asked again."""
    text = (report.text or "").strip()
    if report.media_kind is None and not text:
        raise InvalidInput("rounds.help.unusable")
    if len(text) > DESCRIPTION_MAX:
        raise InvalidInput("rounds.help.too_long", limit=DESCRIPTION_MAX)
    alert = await escalation.alert_of(session, visit_id)
    if alert is None:
        raise NotFound()
    kind_key = f"rounds.help.media.{report.media_kind}" if report.media_kind else None
    alert.description = text or None
    context = await escalation.load_context(session, alert, config.bot.admins)
    recipients = [i for i in context.acting_ids if i != actor.telegram_id]
    people = await people_by_telegram(session, [*recipients, actor.telegram_id], config.bot.admins)
    reporter = people[actor.telegram_id].name if actor.telegram_id in people else "–"
    messages: list[Outgoing] = []
    for telegram_id in recipients:
        if telegram_id not in people:
            continue
        t = Translator(people[telegram_id].language, config.bot.zone)
        shown = (text or t(kind_key)) if kind_key else text
        messages.append(
            Outgoing.message(
                telegram_id,
                t("rounds.help.forwarded", who=reporter, elder=context.elder.name, text=shown),
                priority=PRIORITY_ALERT,
                protect_content=True,
            )
        )
        if report.media_kind:
            messages.append(
                Outgoing(
                    telegram_id,
                    "copy_message",
                    {
                        "from_chat_id": report.chat_id,
                        "message_id": report.message_id,
                        "protect_content": True,
                    },
                    priority=PRIORITY_ALERT,
                )
            )
    t = Translator(actor.language, config.bot.zone)
    names = joined(t, [people[i].name for i in recipients if i in people])
    thanks = t("rounds.help.thanks", names=names) if names else t("rounds.help.thanks_nobody")
    messages.append(Outgoing.message(actor.telegram_id, thanks))
    return tuple(messages)
