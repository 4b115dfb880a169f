"""Door-knock rounds in chat: the visitors' answers, closing alerts, the description after
"Needs help", /rounds (today's state) and /round_now (an extra round, leaders)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot import dialogs
from bot.button_data import CallbackData
from bot.context import Handlers, MusterContext
from bot.dialogs import DialogReply, Form, FormEnv, MessageField, Screen
from bot.i18n import Html, Translator
from bot.outbox.queue import keyboard
from bot.services.rounds import escalation, schedule, summary, visits
from bot.services.rounds.buttons import CloseAlert, VisitAnswer
from bot.services.rounds.messages import (
    extra_round_started,
    help_forwards,
    help_thanks,
)
from handlers.buttons import button
from handlers.dialog import deliver, form_env
from handlers.interaction import Interaction, interaction, pressed_data


@dataclass(frozen=True)
class RoundNowTeam(CallbackData):
    prefix = "rnow"
    team_id: int


@interaction
async def on_visit_answer(update: Update, context: MusterContext, it: Interaction) -> None:
    button = VisitAnswer.unpack(pressed_data(update))
    message = update.callback_query.message if update.callback_query else None
    pressed = (message.chat.id, message.message_id) if message else None
    answered = await visits.answer_visit(
        it.session,
        actor=it.actor,
        config=it.runtime.config,
        visit_id=button.visit_id,
        answer=button.answer,
        now=it.now,
        pressed=pressed,
    )
    if answered.ask is not None:
        deliver(it, await ask_what_is_wrong(form_env(it), answered.ask))
    it.answer(it.t(answered.notice, names=it.t.join(answered.reached)), alert=answered.refused)


# -- the description after "Needs help": a form of one question ------------------------------


def _what_is_wrong(env: FormEnv, values: Mapping[str, Any]) -> str:
    elder, names = env.context["elder"], env.context["names"]
    if names:
        return env.t("rounds.help.ask", elder=elder, names=names)
    return env.t("rounds.help.ask_nobody", elder=elder)


DESCRIPTION = MessageField(
    name="description",
    label="rounds.help.label",
    prompt="rounds.help.ask",
    ask=_what_is_wrong,
    media=visits.MEDIA_KINDS,
    max_length=visits.DESCRIPTION_MAX,
    refused="rounds.help.unusable",
)


async def _pass_on(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    said = values["description"]
    media = None if said["kind"] == "text" else said["kind"]
    report = visits.HelpReport(said["text"] or None, media, env.chat_id, said["message_id"])
    passed = await visits.describe_help(
        env.session,
        actor=env.actor,
        config=env.config,
        visit_id=int(context["visit_id"]),
        report=report,
    )
    return Screen(help_thanks(env.t, passed), also=help_forwards(passed, env.config.bot.zone))


HELP_FORM = Form(
    flow="help_report",
    fields=(DESCRIPTION,),
    complete=_pass_on,
    summary=None,
    acknowledge=False,
    cancelled="rounds.help.cancelled",
    expires=visits.HELP_REPORT_EXPIRES,
)


async def ask_what_is_wrong(env: FormEnv, question: visits.HelpQuestion) -> DialogReply:
    """Take the presser's next message as the description (the form waits in the database,
    so a restart in between loses nothing; /cancel leaves it)."""
    names = env.t.join(question.reached)
    context = {"visit_id": question.visit_id, "elder": question.elder, "names": names}
    return await dialogs.begin(env, HELP_FORM, context=context)


@interaction
async def on_close_alert(update: Update, context: MusterContext, it: Interaction) -> None:
    button = CloseAlert.unpack(pressed_data(update))
    closed = await escalation.close_alert(
        it.session,
        actor=it.actor,
        config=it.runtime.config,
        alert_id=button.alert_id,
        outcome=button.outcome,
        now=it.now,
    )
    it.send(*closed.messages)
    it.answer(it.t("rounds.notice.closed"))


@interaction
async def on_rounds(update: Update, context: MusterContext, it: Interaction) -> None:
    teams = await summary.today_state(
        it.session, actor=it.actor, config=it.runtime.config, now=it.now
    )
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
    config = it.runtime.config
    if context.args:
        team_id, elder_id = await schedule.resolve_round_target(
            it.session, actor=it.actor, text=" ".join(context.args)
        )
        started = await schedule.start_extra_round(
            it.session,
            actor=it.actor,
            config=config,
            now=it.now,
            team_id=team_id,
            elder_id=elder_id,
        )
        it.reply(extra_round_started(it.t, started.elders, started.visitors))
        return
    teams = await schedule.round_now_choices(it.session, actor=it.actor)
    if not teams:
        it.reply(it.t("rounds.round_now.no_teams"))
        return
    buttons = [[(team.name, RoundNowTeam(team.id).pack())] for team in teams]
    it.reply(it.t("rounds.round_now.choose"), keyboard(buttons))


@interaction
async def on_round_now_team(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    button = RoundNowTeam.unpack(query.data or "")
    started = await schedule.start_extra_round(
        it.session, actor=it.actor, config=it.runtime.config, now=it.now, team_id=button.team_id
    )
    text = extra_round_started(it.t, started.elders, started.visitors)
    it.edit(query.message.message_id, text)


def routes() -> Handlers:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("rounds", on_rounds, filters=private),
        CommandHandler("round_now", on_round_now, filters=private),
        button(VisitAnswer, on_visit_answer),
        button(CloseAlert, on_close_alert),
        button(RoundNowTeam, on_round_now_team),
    ]
