"""``/broadcast``: a leader's announcement, declared on the dialog engine (text, a photo or a
document, the audience, "Got it", now or later); the recipients' "Got it"; the buttons of the
sender's status card (refresh, remind the unread, change or withdraw a pending one).

Every rule is in ``bot.services.announcements``; this module turns the form's answers into the
service's values and presses into service calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot import dialogs
from bot.context import Handlers, MusterContext
from bot.dialogs import (
    AttachmentField,
    ChoiceField,
    DateTimeField,
    FieldKeys,
    Form,
    FormEnv,
    Option,
    Screen,
    TextField,
    YesNoField,
    field_keys,
    plain,
)
from bot.dialogs.screens import redraw_buttons
from bot.services.announcements import (
    acks,
    card,
    delivery,
    drafts,
)
from bot.services.announcements.buttons import CardAction, CardPress, GotIt
from bot.services.announcements.drafts import AnnouncementDraft
from bot.services.announcements.views import Attachment, got_it_markup
from bot.services.display import Display
from bot.services.registry import TeamOption
from handlers.audience_fields import (
    audience_answers,
    audience_context,
    audience_fields,
    chosen_audience,
)
from handlers.buttons import button
from handlers.dialog import deliver, form_env
from handlers.interaction import Interaction, interaction, pressed_data
from models.announcements import TEXT_MAX

NOW, LATER = "now", "later"
EDITING = "announcement_id"  # in the form's context when a pending announcement is changed


def _keys(name: str) -> FieldKeys:
    return field_keys("broadcast.form", name)


def _timing_options(env: FormEnv) -> list[Option]:
    return [Option(k, plain(env.t(f"broadcast.form.timing.option.{k}"))) for k in (NOW, LATER)]


def _answer_is(name: str, value: str) -> Any:
    return lambda env, values: values.get(name) == value


BROADCAST_FIELDS = (
    TextField(**_keys("text"), max_length=TEXT_MAX, multiline=True, allow_markup=True),
    AttachmentField(**_keys("attachment"), optional=True),
    *audience_fields("broadcast", columns=2),
    YesNoField(**_keys("ask_ack"), default=lambda env, values: True),
    ChoiceField(**_keys("timing"), options=_timing_options, columns=2),
    DateTimeField(**_keys("send_at"), when=_answer_is("timing", LATER)),
)


def draft_from(values: Mapping[str, Any]) -> AnnouncementDraft:
    """The form's answers as the announcement service takes them."""
    attachment = values.get("attachment")
    send_at = values.get("send_at") if values.get("timing") == LATER else None
    return AnnouncementDraft(
        text=values["text"],
        audience=chosen_audience(values),
        ask_ack=bool(values.get("ask_ack")),
        send_at=datetime.fromisoformat(send_at) if send_at else None,
        attachment=Attachment(attachment["kind"], attachment["file_id"], attachment["name"])
        if attachment
        else None,
    )


def values_from(draft: AnnouncementDraft) -> dict[str, Any]:
    """A pending announcement as the form's answers (to change it)."""
    attachment = draft.attachment
    values: dict[str, Any] = {
        "text": draft.text,
        "attachment": (
            {"kind": attachment.kind, "file_id": attachment.file_id, "name": attachment.name}
            if attachment
            else None
        ),
        **audience_answers(draft.audience),
        "ask_ack": draft.ask_ack,
        "timing": LATER if draft.send_at else NOW,
    }
    if draft.send_at:
        values["send_at"] = draft.send_at.isoformat()
    return values


def form_context(teams: list[TeamOption], announcement_id: int | None = None) -> dict[str, Any]:
    context = audience_context(teams)
    if announcement_id is not None:
        context[EDITING] = announcement_id
    return context


async def _preview(env: FormEnv, values: Mapping[str, Any]) -> str:
    count = await drafts.reach(env.session, actor=env.actor, chosen=draft_from(values).audience)
    return env.t("broadcast.form.preview", count=count)


async def _save(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    draft = draft_from(values)
    if EDITING in context:
        saved = await drafts.update_announcement(
            env.session,
            actor=env.actor,
            announcement_id=int(context[EDITING]),
            draft=draft,
            now=env.now,
            display=Display.from_config(env.config),
        )
    else:
        saved = await drafts.create_announcement(
            env.session,
            actor=env.actor,
            draft=draft,
            now=env.now,
            display=Display.from_config(env.config),
        )
    if saved.recipients is None:
        return Screen(env.t("broadcast.form.scheduled", when=env.t.when(saved.send_at)))
    return Screen(env.t("broadcast.form.sent", count=saved.recipients))


BROADCAST_FORM = Form(
    flow="broadcast",
    fields=BROADCAST_FIELDS,
    complete=_save,
    summary="broadcast.form.summary",
    confirm="broadcast.form.send",
    cancelled="broadcast.form.cancelled",
    preview=_preview,
)


@interaction
async def on_broadcast(update: Update, context: MusterContext, it: Interaction) -> None:
    teams = await drafts.team_choices(it.session, actor=it.actor)
    note = it.t("broadcast.form.start")
    deliver(
        it,
        await dialogs.begin(form_env(it), BROADCAST_FORM, context=form_context(teams), note=note),
    )


@interaction
async def on_got_it(update: Update, context: MusterContext, it: Interaction) -> None:
    press = GotIt.unpack(pressed_data(update))
    done = await acks.acknowledge(
        it.session,
        telegram_id=it.actor.telegram_id,
        announcement_id=press.announcement_id,
        now=it.now,
    )
    it.answer(it.t("broadcast.ack.thanks" if done.first else "broadcast.ack.already"))
    message = update.callback_query.message if update.callback_query else None
    if done.first and message is not None:
        markup = got_it_markup(it.t, press.announcement_id, read=True)
        it.send(redraw_buttons(it.chat_id, message.message_id, markup))


@interaction
async def on_card(update: Update, context: MusterContext, it: Interaction) -> None:
    press = CardPress.unpack(pressed_data(update))
    announcement_id, t = press.announcement_id, it.t
    display = it.runtime.display
    match press.kind:
        case CardAction.REFRESH:
            await card.refresh_for(it.session, it.actor, announcement_id, it.now, display)
            it.answer(t("broadcast.card.refreshed"))
        case CardAction.REMIND:
            count = await delivery.remind_unread(
                it.session,
                actor=it.actor,
                announcement_id=announcement_id,
                now=it.now,
                display=display,
            )
            it.answer(t("broadcast.card.reminded", count=count))
        case CardAction.EDIT:
            editing = await drafts.start_editing(
                it.session, actor=it.actor, announcement_id=announcement_id
            )
            values = values_from(editing.draft)
            begun = await dialogs.begin(
                form_env(it),
                BROADCAST_FORM,
                values=values,
                context=form_context(editing.teams, announcement_id),
            )
            deliver(it, begun)
        case CardAction.WITHDRAW:
            await drafts.withdraw_announcement(
                it.session,
                actor=it.actor,
                announcement_id=announcement_id,
                now=it.now,
                display=display,
            )
            it.answer(t("broadcast.card.withdrawn"))


def routes() -> Handlers:
    return [
        CommandHandler("broadcast", on_broadcast, filters=filters.ChatType.PRIVATE),
        button(GotIt, on_got_it),
        button(CardPress, on_card),
    ]
