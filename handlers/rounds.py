"""Door-knock rounds in chat: the visitors' answers, closing alerts, the description after
"Needs help", /rounds (today's state) and /round_now (an extra round, leaders)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

import bot.services.rounds.jobs  # noqa: F401  (registers the rounds' due work)
from bot.callbacks import CallbackData
from bot.context import MusterContext
from bot.i18n import Html, Translator
from bot.outbox.queue import keyboard
from bot.services.rounds import escalation, schedule, summary, visits
from bot.services.rounds.buttons import CloseAlert, VisitAnswer
from handlers.interaction import Interaction, interaction, pressed_data

# What a visitor may send as the description of "Needs help" (anything else is asked again).
REPORT_MESSAGES = (
    filters.TEXT
    | filters.PHOTO
    | filters.VOICE
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.AUDIO
    | filters.Sticker.ALL
    | filters.ANIMATION
)


@dataclass(frozen=True)
class RoundNowTeam(CallbackData):
    prefix = "rnow"
    team_id: int


@interaction
async def on_visit_answer(update: Update, context: MusterContext, it: Interaction) -> None:
    button = VisitAnswer.unpack(pressed_data(update))
    answered = await visits.answer_visit(
        it.session, it.actor, it.services.config, button.visit_id, button.answer, it.now
    )
    it.send(*answered.messages)
    it.answer(it.t(answered.notice))


@interaction
async def on_close_alert(update: Update, context: MusterContext, it: Interaction) -> None:
    button = CloseAlert.unpack(pressed_data(update))
    closed = await escalation.close_alert(
        it.session, it.actor, it.services.config, button.alert_id, button.outcome, it.now
    )
    it.send(*closed.messages)
    it.answer(it.t("rounds.notice.closed"))


async def on_possible_help_report(update: Update, context: MusterContext) -> None:
    """After "Needs help" the visitor's next message is the description. Anything else goes
    on to the dialogs (group 1)."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    async with services.db.session() as session:
        waiting = await visits.awaits_help_report(session, user.id, services.clock.now())
    if not waiting:
        return
    await _take_help_report(update, context)
    raise ApplicationHandlerStop  # the message was the description: no dialog gets it


@interaction
async def _take_help_report(update: Update, context: MusterContext, it: Interaction) -> None:
    report = _report(update.effective_message)
    it.send(*await visits.describe_help(it.session, it.actor, it.services.config, report, it.now))


def _report(message: Message | None) -> visits.HelpReport:
    if message is None:
        return visits.HelpReport(None)
    for kind in visits.MEDIA_KINDS:
        if getattr(message, kind, None):
            return visits.HelpReport(message.caption, kind, message.chat_id, message.message_id)
    return visits.HelpReport(message.text)


@interaction
async def on_rounds(update: Update, context: MusterContext, it: Interaction) -> None:
    teams = await summary.today_state(it.session, it.actor, it.services.config, it.now)
    if not teams:
        it.reply(it.t("rounds.today.no_teams"))
    for team in teams:
        it.reply(_today_text(it.t, team))


def _today_text(t: Translator, team: summary.TeamToday) -> Html:
    parts = [t("rounds.today.header", team=team.team), summary.stats_text(t, team.stats)]
    for kind in ("attention", "pending", "done"):
        lines = getattr(team, kind)
        if lines:
            parts.append(t(f"rounds.today.{kind}"))
            parts.extend(summary.visit_line_text(t, line) for line in lines)
    return Html("\n".join(parts))


@interaction
async def on_round_now(update: Update, context: MusterContext, it: Interaction) -> None:
    config = it.services.config
    if context.args:
        team_id, elder_id = await schedule.resolve_round_target(
            it.session, it.actor, " ".join(context.args)
        )
        started = await schedule.start_extra_round(
            it.session, it.actor, config, it.now, team_id=team_id, elder_id=elder_id
        )
        it.reply(it.t("rounds.round_now.started", elders=started.elders, visitors=started.visitors))
        return
    teams = await schedule.round_now_choices(it.session, it.actor)
    if not teams:
        it.reply(it.t("rounds.round_now.no_teams"))
        return
    buttons = [[(team.name, RoundNowTeam(team.id).pack())] for team in teams]
    it.reply(it.t("rounds.round_now.choose"), keyboard(buttons))


@interaction
async def on_round_now_team(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    button = RoundNowTeam.unpack(query.data or "")
    started = await schedule.start_extra_round(
        it.session, it.actor, it.services.config, it.now, team_id=button.team_id
    )
    text = it.t("rounds.round_now.started", elders=started.elders, visitors=started.visitors)
    it.edit(query.message.message_id, text)


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("rounds", on_rounds, filters=private),
        CommandHandler("round_now", on_round_now, filters=private),
        CallbackQueryHandler(on_visit_answer, pattern=VisitAnswer.pattern()),
        CallbackQueryHandler(on_close_alert, pattern=CloseAlert.pattern()),
        CallbackQueryHandler(on_round_now_team, pattern=RoundNowTeam.pattern()),
        MessageHandler(private & ~filters.COMMAND & REPORT_MESSAGES, on_possible_help_report),
    ]
