"""The texts of the rounds, rendered for one recipient (their language, the community's
zone, and what the privacy rule lets them see). The scheduler sends these without a handler,
so they are built here, next to the services that send them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bot.i18n import Html, Translator
from bot.outbox.queue import PRIORITY_ALERT, Outgoing, keyboard
from bot.services.rounds.buttons import CloseAlert, VisitAnswer
from models.elders import AlertOutcome, AlertReason, EscalationStep, RoundKind, VisitStatus

if TYPE_CHECKING:  # the service imports these views
    from bot.services.rounds.visits import HelpPassedOn

ALERT_STEP_KEYS = {
    EscalationStep.BACKUP: "rounds.alert.to_backup",
    EscalationStep.LEADER: "rounds.alert.to_leader",
    EscalationStep.DUTY: "rounds.alert.to_duty",
    EscalationStep.HELP_LEADER: "rounds.alert.to_leader_help",
    EscalationStep.HELP_DUTY: "rounds.alert.to_duty_help",
}


@dataclass(frozen=True)
class ContactFacts:
    name: str
    phone: str


@dataclass(frozen=True)
class ElderFacts:
    """An elder as a message shows them; the private part only to those the rule allows."""

    id: int
    name: str
    compound: str
    building: str = ""
    room: str = ""
    phone: str = ""
    health_notes: str = ""
    risk_notes: str = ""
    contacts: tuple[ContactFacts, ...] = ()


@dataclass(frozen=True)
class PromptLine:
    visit_id: int
    number: int
    elder: ElderFacts
    status: VisitStatus
    answered_at: datetime | None = None
    answered_by: str | None = None
    correctable: bool = False  # "all well" that may still be corrected to "needs help"


@dataclass(frozen=True)
class PromptView:
    """One visitor's message for one round (or one chunk of it)."""

    kind: RoundKind
    due_at: datetime
    deadline: datetime
    sent_late: bool
    lines: tuple[PromptLine, ...]


@dataclass(frozen=True)
class AlertView:
    """What an alert message says to one recipient at one escalation step."""

    alert_id: int
    visit_id: int
    reason: AlertReason
    step: EscalationStep
    elder: ElderFacts
    private_visible: bool
    due_at: datetime
    deadline: datetime
    visitor_name: str
    team_name: str
    alerted: tuple[str, ...] = ()  # who was alerted before, in order
    description: str | None = None
    last_resort: bool = False  # the step had nobody to hold it: a leader or administrator
    last_resort_why: tuple[str, ...] = ()  # why, as ``rounds.alert.why`` keys
    reminder: int = 0  # the n-th reminder of an alert nobody has closed; 0: the step itself
    opened_at: datetime | None = None


def hhmm(t: Translator, instant: datetime) -> str:
    """ "9:00", as the times of every other message are written."""
    return t.time(instant)


def address(elder: ElderFacts) -> str:
    return " ".join(part for part in (elder.compound, elder.building, elder.room) if part)


def elder_block(t: Translator, elder: ElderFacts, private_visible: bool) -> Html:
    """Name and compound for anyone; address, phone, notes and family only when allowed."""
    if not private_visible:
        return t("rounds.elder.public", name=elder.name, compound=elder.compound or "–")
    lines = [t("rounds.elder.private", name=elder.name, address=address(elder) or "–")]
    if elder.phone:
        lines.append(t("rounds.elder.phone", phone=elder.phone))
    if elder.health_notes:
        lines.append(t("rounds.elder.health", notes=elder.health_notes))
    if elder.risk_notes:
        lines.append(t("rounds.elder.risk", notes=elder.risk_notes))
    for contact in elder.contacts:
        lines.append(t("rounds.elder.contact", name=contact.name, phone=contact.phone or "–"))
    return Html("\n".join(lines))


# -- the round prompt -----------------------------------------------------------------------


def prompt_text(t: Translator, view: PromptView) -> Html:
    if view.kind == RoundKind.EXTRA:
        parts = [t("rounds.prompt.header_extra", deadline=t.time_after(view.due_at, view.deadline))]
    else:
        parts = [
            t(
                "rounds.prompt.header",
                time=hhmm(t, view.due_at),
                deadline=t.time_after(view.due_at, view.deadline),
            )
        ]
    if view.sent_late:
        parts.append(t("rounds.prompt.late_note", time=t.when(view.due_at)))
    for line in view.lines:
        block = elder_block(t, line.elder, private_visible=True)
        parts.append(Html(f"{line.number}. {block}"))
        if line.status != VisitStatus.PENDING:
            parts.append(status_line(t, line))
    if all(line.status != VisitStatus.PENDING for line in view.lines):
        parts.append(t("rounds.prompt.all_done"))
    return Html("\n\n".join(parts))


def status_line(t: Translator, line: PromptLine) -> Html:
    at = hhmm(t, line.answered_at) if line.answered_at else ""
    return t(f"rounds.status.{line.status.value}", time=at, who=line.answered_by or "")


def prompt_keyboard(t: Translator, view: PromptView) -> dict[str, Any]:
    rows: list[list[tuple[str, str]]] = []
    for line in view.lines:
        number, name = line.number, line.elder.name
        if line.correctable:  # "all well" pressed by mistake? (gone once too late)
            rows.append(
                [(t("rounds.button.correct", number=number), _answer(line.visit_id, "needs_help"))]
            )
        if line.status != VisitStatus.PENDING:
            continue
        rows.append(
            [(t("rounds.button.well", number=number, name=name), _answer(line.visit_id, "well"))]
        )
        rows.append(
            [
                (t("rounds.button.help", number=number), _answer(line.visit_id, "needs_help")),
                (t("rounds.button.no_answer", number=number), _answer(line.visit_id, "no_answer")),
            ]
        )
    return keyboard(rows)


def _answer(visit_id: int, answer: str) -> str:
    return VisitAnswer(visit_id, answer).pack()


# -- alerts ---------------------------------------------------------------------------------


def reminder_text(t: Translator, view: AlertView) -> Html:
    return Html(
        "\n\n".join(
            [
                t(
                    "rounds.alert.reminder",
                    time=hhmm(t, view.due_at),
                    deadline=t.time_after(view.due_at, view.deadline),
                ),
                elder_block(t, view.elder, view.private_visible),
            ]
        )
    )


def reminder_keyboard(t: Translator, visit_id: int) -> dict[str, Any]:
    return keyboard(
        [
            [(t("rounds.button.well_single"), _answer(visit_id, "well"))],
            [
                (t("rounds.button.help_single"), _answer(visit_id, "needs_help")),
                (t("rounds.button.no_answer_single"), _answer(visit_id, "no_answer")),
            ],
        ]
    )


def alert_text(t: Translator, view: AlertView) -> Html:
    parts = []
    if view.reminder:
        opened = view.opened_at or view.due_at
        parts.append(t("rounds.alert.still_open", since=hhmm(t, opened), number=view.reminder))
    parts += _what_happened(t, view)
    if view.last_resort:
        why = [str(t(f"rounds.alert.why.{key}")) for key in view.last_resort_why]
        parts.append(t("rounds.alert.to_last_resort", why=str(t("rounds.alert.why_and")).join(why)))
    else:
        parts.append(t(ALERT_STEP_KEYS[view.step]))
    if view.alerted:
        parts.append(t("rounds.alert.already_alerted", names=t.join(view.alerted)))
    return Html("\n\n".join(parts))


def settled_alert_text(t: Translator, view: AlertView, closed: Html) -> Html:
    """An alert's message once it is closed: how it ended and what it was about, with no
    call to act."""
    return Html("\n\n".join([closed, *_what_happened(t, view)]))


def _what_happened(t: Translator, view: AlertView) -> list[Html]:
    parts = [
        t(
            f"rounds.alert.reason.{view.reason.value}",
            visitor=view.visitor_name,
            time=hhmm(t, view.due_at),
            deadline=t.time_after(view.due_at, view.deadline),
            team=view.team_name,
        ),
        elder_block(t, view.elder, view.private_visible),
    ]
    if view.description:
        parts.append(t("rounds.alert.description", text=view.description))
    return parts


def outcome_keyboard(t: Translator, alert_id: int) -> dict[str, Any]:
    def button(outcome: AlertOutcome) -> tuple[str, str]:
        return t(f"rounds.outcome.{outcome.value}"), CloseAlert(alert_id, outcome.value).pack()

    return keyboard(
        [
            [button(AlertOutcome.VISITED_WELL), button(AlertOutcome.PHONE_WELL)],
            [button(AlertOutcome.FAMILY_INFORMED), button(AlertOutcome.AMBULANCE_CALLED)],
        ]
    )


def closed_text(
    t: Translator, elder_name: str, outcome: AlertOutcome, closer: str, at: datetime
) -> Html:
    return t(
        "rounds.alert.closed",
        elder=elder_name,
        outcome=t(f"rounds.outcome.{outcome.value}"),
        who=closer,
        time=hhmm(t, at),
    )


def extra_round_started(t: Translator, elders: int, visitors: int) -> Html:
    """/round_now's answer: how many elders and visitors, each counted in its plural form."""
    return t(
        "rounds.round_now.started",
        elders=t("rounds.round_now.elders", count=elders),
        visitors=t("rounds.round_now.visitors", count=visitors),
    )


def help_forwards(passed: HelpPassedOn, zone: tzinfo) -> tuple[Outgoing, ...]:
    """The description of what is wrong, to each recipient in their language (a photo or a
    voice message copied after the words), not to be forwarded further."""
    report = passed.report
    kind_key = f"rounds.help.media.{report.media_kind}" if report.media_kind else None
    messages: list[Outgoing] = []
    for person in passed.recipients:
        t = Translator(person.language, zone)
        shown = (passed.text or t(kind_key)) if kind_key else passed.text
        said = t("rounds.help.forwarded", who=passed.reporter, elder=passed.elder, text=shown)
        messages.append(
            Outgoing.message(
                person.telegram_id, said, priority=PRIORITY_ALERT, protect_content=True
            )
        )
        if report.media_kind:
            copy = {
                "from_chat_id": report.chat_id,
                "message_id": report.message_id,
                "protect_content": True,
            }
            messages.append(
                Outgoing(person.telegram_id, "copy_message", copy, priority=PRIORITY_ALERT)
            )
    return tuple(messages)


def help_thanks(t: Translator, passed: HelpPassedOn) -> str:
    """The reporter's thanks, saying who the description went to."""
    names = t.join(person.name for person in passed.recipients)
    return t("rounds.help.thanks", names=names) if names else t("rounds.help.thanks_nobody")
