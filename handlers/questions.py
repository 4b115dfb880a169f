"""A volunteer's question reaches a person: the offer to pass on what they typed, the leader's
reply coming back, and ``/questions`` for a leader's unanswered ones (``bot.services.questions``).

``take_unrouted`` is the hook the dialog router calls for a message no form was waiting for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Message, Update
from telegram.ext import CommandHandler, filters

from bot.button_data import CallbackData
from bot.context import Handlers, MusterContext
from bot.dialogs import plain
from bot.i18n import Translator
from bot.outbox.queue import PRIORITY_NOTICE, Button, Outgoing, keyboard
from bot.services import questions
from handlers.buttons import button
from handlers.interaction import Interaction, interaction, pressed_data

TITLE_ON_BUTTON = 30  # characters of a call-out's title or a team's name on a button
NOBODY = 0  # "don't send"


@dataclass(frozen=True)
class AskLeader(CallbackData):
    prefix = "ask"
    question_id: int
    leader: int  # a Telegram id, or NOBODY


async def take_unrouted(it: Interaction, message: Message) -> bool:
    """A typed message no form was waiting for: a leader's reply to a relayed question goes
    back to the volunteer; a volunteer's message is offered to a leader. ``False`` when it is
    neither (the caller says it did not understand)."""
    if message.text is None:
        return False
    replied = message.reply_to_message
    if replied is not None:
        from_the_bot = replied.from_user is not None and replied.from_user.is_bot
        answer = await questions.answer(
            it.session,
            now=it.now,
            leader_telegram_id=it.actor.telegram_id,
            replied_to_message_id=replied.message_id,
            replied_to_text=(replied.text or "") if from_the_bot else "",
            text=message.text,
            default_language=it.runtime.config.bot.default_language,
        )
        if answer is not None:
            it.send(_answer_for_the_asker(it.translator_for(answer.asker_language), answer))
            it.reply(it.t("questions.answer_sent", name=answer.asker_name))
            return True
    offer = await questions.offer_to_pass_on(
        it.session,
        now=it.now,
        telegram_id=it.actor.telegram_id,
        message_id=message.message_id,
        text=message.text,
    )
    if offer is None:
        return False
    rows: list[list[Button]] = [
        [(_ask_label(it.t, r), AskLeader(offer.question_id, r.telegram_id).pack())]
        for r in offer.recipients
    ]
    rows.append([(plain(it.t("questions.dont_send")), AskLeader(offer.question_id, NOBODY).pack())])
    it.reply(it.t("questions.offer"), keyboard(rows))
    return True


@interaction
async def on_ask(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    choice = AskLeader.unpack(pressed_data(update))
    if choice.leader == NOBODY:
        await questions.drop(
            it.session, telegram_id=it.actor.telegram_id, question_id=choice.question_id
        )
        it.edit(query.message.message_id, it.t("questions.not_sent"))
        return
    relayed = await questions.pass_on(
        it.session,
        now=it.now,
        telegram_id=it.actor.telegram_id,
        question_id=choice.question_id,
        leader_telegram_id=choice.leader,
        default_language=it.runtime.config.bot.default_language,
    )
    it.edit(query.message.message_id, it.t("questions.sent", name=relayed.leader_name))
    it.send(_relayed_to_the_leader(it.translator_for(relayed.leader_language), relayed))


@interaction
async def on_questions(update: Update, context: MusterContext, it: Interaction) -> None:
    waiting, total = await questions.unanswered(
        it.session,
        leader_telegram_id=it.actor.telegram_id,
        default_language=it.runtime.config.bot.default_language,
    )
    if not waiting:
        it.reply(it.t("questions.none_waiting"))
        return
    it.reply(it.t("questions.waiting", count=total))
    it.send(*(_relayed_to_the_leader(it.t, relayed) for relayed in waiting))
    if total > len(waiting):
        it.reply(it.t("questions.more", more=total - len(waiting)))


def _ask_label(t: Translator, recipient: questions.Recipient) -> str:
    if recipient.callout_title is not None:
        title = _cut(recipient.callout_title)
        return plain(t("questions.ask_callout", name=recipient.name, title=title))
    return plain(t("questions.ask_team", name=recipient.name, team=_cut(recipient.team_name or "")))


def _relayed_to_the_leader(t: Translator, relayed: questions.Relayed) -> Outgoing:
    when = t.when(relayed.asked_at)
    if relayed.callout_title is not None:
        text = t(
            "questions.relayed_callout",
            name=relayed.asker_name,
            title=relayed.callout_title,
            question=relayed.text,
            when=when,
        )
    else:
        text = t(
            "questions.relayed_team",
            name=relayed.asker_name,
            team=relayed.team_name or "",
            question=relayed.text,
            when=when,
        )
    return Outgoing.message(
        relayed.leader_telegram_id,
        text,
        priority=PRIORITY_NOTICE,
        topic=questions.topic(relayed.question_id),
    )


def _answer_for_the_asker(t: Translator, answer: questions.Answer) -> Outgoing:
    """The leader's words, as a reply to what the volunteer typed (if it is still there)."""
    message = Outgoing.message(
        answer.asker_telegram_id,
        t("questions.answer", name=answer.leader_name, answer=answer.text),
        priority=PRIORITY_NOTICE,
    )
    threaded = {
        **message.payload,
        "reply_to_message_id": answer.asker_message_id,
        "allow_sending_without_reply": True,
    }
    return replace(message, payload=threaded)


def _cut(text: str) -> str:
    return text if len(text) <= TITLE_ON_BUTTON else text[: TITLE_ON_BUTTON - 1] + "…"


def routes() -> Handlers:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("questions", on_questions, filters=private),
        button(AskLeader, on_ask),
    ]
