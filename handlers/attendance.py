"""On the day of a call-out: the reminder's buttons (Yes / Check in), ``/checkin``,
``/checkout``, the check-in deep link from the QR code at the site (``/start ci_<code>``), and
``/hours``. Part of the call-out area: ``handlers.callouts.routes()`` lists these routes.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot import dialogs
from bot.context import Handlers, MusterContext
from bot.outbox.queue import Outgoing, keyboard
from bot.services import hours_report
from bot.services.callouts import checkin, reminders
from bot.services.callouts.buttons import CheckInPress, StillComingPress
from bot.services.callouts.checkin import CheckedIn
from bot.services.hours_report import duration_text
from handlers.buttons import button
from handlers.callout_forms import CHECKIN_LOCATION_FORM
from handlers.dialog import deliver, form_env
from handlers.interaction import Interaction, interaction, pressed_data

# ``/start ci_<code>``: listed before the plain /start (see ``bot.routes``).
CHECKIN_START = filters.Regex(rf"^/start(@\w+)?\s+{checkin.LINK_PREFIX}")


async def _checked_in(it: Interaction, done: CheckedIn) -> None:
    """Say so; a new check-in then asks (optionally) where they are."""
    t = it.t
    if done.already:
        it.reply(
            t(
                "callouts.checkin.already",
                title=done.callout.title,
                time=t.when(done.at),
            )
        )
        return
    note = t("callouts.checkin.done", title=done.callout.title, time=t.time(done.at))
    context = {"callout_id": done.callout.id}
    deliver(
        it, await dialogs.begin(form_env(it), CHECKIN_LOCATION_FORM, context=context, note=note)
    )


@interaction
async def on_checkin_link(update: Update, context: MusterContext, it: Interaction) -> None:
    payload = context.args[0] if context.args else ""
    done = await checkin.check_in_by_link(
        it.session,
        telegram_id=it.actor.telegram_id,
        payload=payload,
        now=it.now,
        display=it.runtime.display,
    )
    await _checked_in(it, done)


@interaction
async def on_checkin(update: Update, context: MusterContext, it: Interaction) -> None:
    done = await checkin.check_in_current(
        it.session, telegram_id=it.actor.telegram_id, now=it.now, display=it.runtime.display
    )
    await _checked_in(it, done)


@interaction
async def on_checkin_press(update: Update, context: MusterContext, it: Interaction) -> None:
    press = CheckInPress.unpack(pressed_data(update))
    done = await checkin.check_in(
        it.session,
        telegram_id=it.actor.telegram_id,
        callout_id=press.callout_id,
        now=it.now,
        display=it.runtime.display,
    )
    it.answer(it.t("callouts.checkin.toast"))
    await _checked_in(it, done)


@interaction
async def on_checkout(update: Update, context: MusterContext, it: Interaction) -> None:
    done = await checkin.check_out(
        it.session, telegram_id=it.actor.telegram_id, now=it.now, display=it.runtime.display
    )
    t = it.t
    it.reply(
        t(
            "callouts.checkout.done",
            title=done.callout.title,
            time=t.time_range(done.checked_in_at, done.checked_out_at),
            duration=duration_text(t, done.minutes),
        )
    )


@interaction
async def on_still_coming(update: Update, context: MusterContext, it: Interaction) -> None:
    press = StillComingPress.unpack(pressed_data(update))
    answer = await reminders.confirm_still_coming(
        it.session, telegram_id=it.actor.telegram_id, callout_id=press.callout_id
    )
    query = update.callback_query
    assert query is not None and query.message is not None
    if not answer.confirmed:
        it.answer(it.t("callouts.reminder.not_confirmed"), alert=True)
        return
    it.answer(it.t("callouts.reminder.thanks"))
    buttons = reminders.reminder_buttons(it.t, answer.callout, asked=False)
    it.send(
        Outgoing(
            query.message.chat.id,
            "edit_message_reply_markup",
            {"message_id": query.message.message_id, "reply_markup": keyboard(buttons)},
        )
    )


@interaction
async def on_hours(update: Update, context: MusterContext, it: Interaction) -> None:
    report = await hours_report.my_hours(
        it.session, telegram_id=it.actor.telegram_id, now=it.now, zone=it.runtime.config.bot.zone
    )
    it.reply(hours_report.render_report(it.t, report))


def routes() -> Handlers:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", on_checkin_link, filters=private & CHECKIN_START),
        CommandHandler("checkin", on_checkin, filters=private),
        CommandHandler("checkout", on_checkout, filters=private),
        CommandHandler("hours", on_hours, filters=private),
        button(CheckInPress, on_checkin_press),
        button(StillComingPress, on_still_coming),
    ]
