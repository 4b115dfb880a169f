"""Call-outs in Telegram: ``/callout`` (the creation form), a volunteer's I'll go / Can't go
/ Withdraw (in a private chat or a team's group chat), the leader's roster card buttons,
``/callouts`` and ``/tasks``. The forms are declared in ``handlers.callout_forms``; check-in,
check-out and ``/hours`` are in ``handlers.attendance``.

Handlers parse the press, call one service, and render its result; every rule (who may press
what, what a press does) is in ``bot.services.callouts``.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, filters

from bot import dialogs
from bot.context import Handlers, MusterContext
from bot.errors import NotRegistered
from bot.outbox.queue import Outgoing, keyboard
from bot.services.callouts import (
    checkin,
    closing,
    corrections,
    delivery,
    drafts,
    export,
    filling,
    listing,
    rescheduling,
    roster,
)
from bot.services.callouts.buttons import (
    DeclinePress,
    GoPress,
    KeepPress,
    OpenCard,
    RosterAction,
    RosterPress,
    WithdrawPress,
)
from bot.services.callouts.filling import PressResult
from bot.services.callouts.roster import Copy, copy_topic
from bot.services.callouts.views import clash_question, personal_message
from handlers.audience_fields import audience_context
from handlers.buttons import button
from handlers.callout_forms import (
    CALLOUT_FORM,
    HOURS_FORM,
    TIME_FORM,
    hours_context,
    time_context,
)
from handlers.dialog import deliver, form_env
from handlers.interaction import Interaction, interaction, pressed_data
from handlers.press_batches import go_handler, left_if_unknown
from models.callouts import ResponseState

# -- creating a call-out ------------------------------------------------------------------


@interaction
async def on_callout(update: Update, context: MusterContext, it: Interaction) -> None:
    choices = await drafts.creation_choices(it.session, actor=it.actor)
    note = it.t("callouts.form.intro")
    form = await dialogs.begin(
        form_env(it),
        CALLOUT_FORM,
        context=audience_context(choices.teams, teams_only=choices.teams_only),
        note=note,
    )
    deliver(it, form)


# -- a volunteer's answers -----------------------------------------------------------------

Answer = Callable[[Update, MusterContext, Interaction], Awaitable[None]]


def _left_if_unknown(handler: Answer) -> Answer:
    """A press refused as from someone not signed up, in a private chat, is on a message
    from before they left Muster (``press_batches.left_if_unknown``)."""

    @functools.wraps(handler)
    async def answered(update: Update, context: MusterContext, it: Interaction) -> None:
        try:
            await handler(update, context, it)
        except NotRegistered as error:
            raise left_if_unknown(error, it) from None

    return answered


@interaction
@_left_if_unknown
async def on_decline(update: Update, context: MusterContext, it: Interaction) -> None:
    press = DeclinePress.unpack(pressed_data(update))
    result = await filling.answer_decline(
        it.session,
        telegram_id=it.actor.telegram_id,
        callout_id=press.callout_id,
        now=it.now,
        chat_id=it.chat_id,
    )
    _show_answer(update, it, result)


@interaction
@_left_if_unknown
async def on_withdraw(update: Update, context: MusterContext, it: Interaction) -> None:
    press = WithdrawPress.unpack(pressed_data(update))
    result = await filling.withdraw(
        it.session,
        telegram_id=it.actor.telegram_id,
        callout_id=press.callout_id,
        was=press.was,
        now=it.now,
        display=it.runtime.display,
    )
    _show_answer(update, it, result)


def _show_answer(update: Update, it: Interaction, result: PressResult) -> None:
    """A short answer to the press, and the volunteer's own view of the call-out: in place of
    the pressed message in a private chat; as a private message when pressed in a group."""
    mine = result.mine
    it.answer(
        it.t(
            f"callouts.toast.{result.outcome.value}",
            position=mine.position or "?",
            minutes=mine.eta_minutes or "?",
        )
    )
    view = personal_message(it.t, it.runtime.display, result.callout, mine)
    query = update.callback_query
    assert query is not None and query.message is not None
    # Each message with their buttons carries a copy topic, so /leave takes the buttons away.
    if query.message.chat.type == ChatType.PRIVATE:
        it.edit(query.message.message_id, view.html, view.markup)
    elif result.changed:
        topic = copy_topic(Copy.FROM_GROUP, result.callout.id)
        it.send(Outgoing.message(it.actor.telegram_id, view.html, view.markup, topic=topic))
    for clash in result.clashes:
        question = clash_question(it.t, result.callout, clash)
        topic = copy_topic(Copy.CLASH, result.callout.id)
        it.send(Outgoing.message(it.actor.telegram_id, question.html, question.markup, topic=topic))
    if result.card_stale:  # the leader's card follows within a couple of seconds
        it.runtime.wake_card_refresher()


# I'll go: presses on one call-out are handled together, one transaction per batch.
on_go = go_handler(_show_answer, "callouts.on_go")


@interaction
async def on_keep(update: Update, context: MusterContext, it: Interaction) -> None:
    """Of two clashing call-outs, the one kept: withdrawn from the other."""
    press = KeepPress.unpack(pressed_data(update))
    result = await filling.keep_one(
        it.session,
        it.actor.telegram_id,
        keep_id=press.keep_id,
        drop_id=press.drop_id,
        now=it.now,
        display=it.runtime.display,
    )
    key = "dropped" if result.outcome == filling.Outcome.WITHDRAWN else "nothing_to_drop"
    said = it.t(f"callouts.clash.{key}", title=result.callout.title)
    it.answer(said)
    message = update.callback_query.message if update.callback_query else None
    if message is not None:
        it.edit(message.message_id, said)
    if result.card_stale:
        it.runtime.wake_card_refresher()


# -- the leader's roster card --------------------------------------------------------------


@interaction
async def on_roster(update: Update, context: MusterContext, it: Interaction) -> None:
    press = RosterPress.unpack(pressed_data(update))
    callout_id, display, t = press.callout_id, it.runtime.display, it.t
    match press.kind:
        case RosterAction.REMIND:
            count = await delivery.remind_non_responders(
                it.session, actor=it.actor, callout_id=callout_id, now=it.now, display=display
            )
            it.answer(t("callouts.card.reminded", count=count))
        case RosterAction.WIDEN:
            count = await delivery.widen_to_everyone(
                it.session, actor=it.actor, callout_id=callout_id, now=it.now, display=display
            )
            it.answer(
                t("callouts.card.widened" if count else "callouts.card.widened_none", count=count)
            )
        case RosterAction.CLOSE:
            closed = await closing.close_callout(
                it.session, actor=it.actor, callout_id=callout_id, now=it.now, display=display
            )
            it.answer(t("callouts.card.closed", count=closed.told))
        case RosterAction.CANCEL:
            view = await roster.ask_to_cancel(it.session, actor=it.actor, callout_id=callout_id)
            question = roster.cancel_question(t, view)
            message = update.callback_query.message if update.callback_query else None
            if message is not None:
                it.edit(message.message_id, question.html, question.markup)
        case RosterAction.CANCEL_CONFIRMED:
            cancelled = await closing.cancel_callout(
                it.session, actor=it.actor, callout_id=callout_id, now=it.now, display=display
            )
            it.answer(t("callouts.card.cancelled", count=cancelled.told))
        case RosterAction.EXPORT:
            sheet = await export.export_roster(
                it.session, actor=it.actor, callout_id=callout_id, t=t, now=it.now
            )
            caption = t("callouts.card.export_caption", title=sheet.title)
            it.send(Outgoing.document(it.actor.telegram_id, sheet.filename, sheet.content, caption))
        case RosterAction.NAMES:
            pages = await roster.full_list(it.session, it.actor, callout_id, t, it.now)
            for page in pages:
                it.send(Outgoing.message(it.actor.telegram_id, page))
        case RosterAction.REFRESH:
            await roster.show_card(it.session, it.actor, callout_id, it.now, display)
            it.answer(t("callouts.card.refreshed"))
        case RosterAction.CHANGE_TIME:
            await _begin_time_change(it, callout_id)
        case RosterAction.QR:
            await _send_checkin_qr(it, callout_id)
        case RosterAction.HOURS:
            await _begin_hours_correction(it, callout_id)


async def _begin_time_change(it: Interaction, callout_id: int) -> None:
    view = await rescheduling.callout_times(it.session, actor=it.actor, callout_id=callout_id)
    times = time_context(callout_id, view.starts_at, view.ends_at)
    note = it.t("callouts.time_form.intro", title=view.title)
    deliver(it, await dialogs.begin(form_env(it), TIME_FORM, context=times, note=note))


async def _send_checkin_qr(it: Interaction, callout_id: int) -> None:
    """The QR code picture, to print and put up at the site."""
    link = await checkin.checkin_link(
        it.session,
        actor=it.actor,
        callout_id=callout_id,
        bot_username=it.runtime.bot_username,
        now=it.now,
    )
    caption = it.t("callouts.card.qr_caption", title=link.title, url=link.url)
    filename = f"callout-{callout_id}-checkin.png"
    it.send(Outgoing.photo(it.actor.telegram_id, filename, link.png, caption))


async def _begin_hours_correction(it: Interaction, callout_id: int) -> None:
    env = form_env(it)
    sheet = await corrections.hours_sheet(it.session, actor=it.actor, callout_id=callout_id)
    deliver(it, await dialogs.begin(env, HOURS_FORM, context=hours_context(env, callout_id, sheet)))


@interaction
async def on_open_card(update: Update, context: MusterContext, it: Interaction) -> None:
    press = OpenCard.unpack(pressed_data(update))
    await roster.open_card(it.session, it.actor, press.callout_id, it.now, it.runtime.display)


# -- lists -----------------------------------------------------------------------------------


@interaction
async def on_callouts(update: Update, context: MusterContext, it: Interaction) -> None:
    lines = await listing.list_callouts(it.session, actor=it.actor, now=it.now)
    t = it.t
    if not lines:
        it.reply(t("callouts.list.none"))
        return
    text = [t("callouts.list.heading")]
    buttons = []
    for line in lines:
        start = t.when(line.starts_at)
        fill = (
            t("callouts.list.fill_open", confirmed=line.confirmed)
            if line.needed is None
            else t("callouts.list.fill", confirmed=line.confirmed, needed=line.needed)
        )
        status = t(f"callouts.card.status.{line.status.value}")
        text.append(
            t("callouts.list.item", status=status, title=line.title, start=start, fill=fill)
        )
        label = html.unescape(t("callouts.list.button", title=line.title[:40], start=start))
        buttons.append([(label, OpenCard(line.id).pack())])
    it.reply("\n".join(text), keyboard(buttons))


@interaction
async def on_tasks(update: Update, context: MusterContext, it: Interaction) -> None:
    tasks = await listing.my_tasks(it.session, telegram_id=it.actor.telegram_id, now=it.now)
    t = it.t
    if not tasks:
        it.reply(t("callouts.tasks.none"))
        return
    text = [t("callouts.tasks.heading")]
    for task in tasks:
        when = t.time_range(task.starts_at, task.ends_at)
        if task.state == ResponseState.WAITING:
            key = "callouts.tasks.waiting"
        else:
            key = (
                "callouts.tasks.confirmed_now"
                if task.is_current(it.now)
                else ("callouts.tasks.confirmed")
            )
        text.append(t(key, title=task.title, time=when, position=task.position))
        if task.place:
            text.append(t("callouts.tasks.place", place=task.place))
    it.reply("\n".join(text))


def routes() -> Handlers:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("callout", on_callout, filters=private),
        CommandHandler("callouts", on_callouts, filters=private),
        CommandHandler("tasks", on_tasks, filters=private),
        button(GoPress, on_go),
        button(DeclinePress, on_decline),
        button(WithdrawPress, on_withdraw),
        button(KeepPress, on_keep),
        button(RosterPress, on_roster),
        button(OpenCard, on_open_card),
    ]
