"""The map of the bot: every route, every form and every piece of scheduled work, in one place.

How to read it. A button's callback data starts with a prefix (``cgo:12``: the call-out's
"I'll go"); ``AREAS`` below lists, beside each area, the prefixes of the buttons it routes and
the commands it answers, and the area's ``routes()`` (in ``handlers/<area>.py``) holds the
route itself. A form a command or button opens is in ``FORMS``, with what opens it; what
follows a press or a form up later (a wave of escalation, a reminder, a card refreshed) is a
function in ``DUE_WORK``, run by the scheduler at every tick (``bot.scheduler``); a card a
press leaves stale is in ``LIVE_CARDS``, kept current by the card refresher.

Handler groups run in order; within a group the first matching handler wins.
- group 0: commands, then button presses (each area's ``routes()``), and last the button
  route that answers any press no other route took (``handlers.buttons.unmatched``); every
  button route checks the press first (``bot.button_data.check_press``);
- group 1: the dialog router: plain messages in a private chat go to the open conversation;
- the error handler logs every unhandled error and tells the user.
"""

from __future__ import annotations

from bot.context import MusterApplication
from bot.dialogs import use_forms
from bot.outbox import retention
from bot.outbox.cards import use_live_cards
from bot.scheduler import use_due_work
from bot.services.announcements import due as announcements_due
from bot.services.callouts import due as callouts_due
from bot.services.callouts import group_posts, roster
from bot.services.reports import due as reports_due
from bot.services.rounds import due as rounds_due
from handlers import (
    account,
    attendance,
    broadcast,
    buttons,
    callout_forms,
    callouts,
    dashboard,
    dialog,
    duty,
    elder_form,
    elders,
    errors,
    lifecycle,
    people,
    profile,
    questions,
    recognition,
    report,
    roles,
    rounds,
    signup,
    start,
    teams,
    volunteers,
)

# In this order. ``roles`` and ``attendance`` before ``start``: their /start handlers take
# invite links (``/start inv_...``) and check-in links (``/start ci_...``).
AREAS = (
    roles,  # /promote /demote /invite, invite links
    attendance,  # /checkin /checkout /hours, check-in links; buttons cci, cyes
    callouts,  # /callout /callouts /tasks; buttons cgo cno cwd ckp crs cop
    start,  # /start: sign-up, or the menu
    account,  # /help /language; buttons help, lang
    teams,  # /teams /link_team; buttons team, link
    people,  # a person chosen in Telegram's chooser (promote, add to a team, ...)
    volunteers,  # /volunteers (the registry, its export); button vol
    lifecycle,  # /pause /resume /leave; buttons pause, pplc, leave
    profile,  # /profile; button profile
    elders,  # /elders; buttons eld.p eld.s eld.r eld.e eld.rc
    rounds,  # /rounds /round_now; buttons visit, alert, rnow
    duty,  # /duty
    broadcast,  # /broadcast; buttons bok, bcard
    report,  # /report
    recognition,  # /certificate /leaderboard; buttons cert, board
    questions,  # /questions; button ask
    dashboard,  # /dashboard: the leaders' live board (a Mini App; no buttons of its own)
    dialog,  # /cancel; button dlg (every form's buttons)
)

# Every form, found by its flow name when the next answer comes (in any process).
FORMS = (
    signup.SIGNUP_FORM,  # /start by someone not yet registered
    profile.PROFILE_FORM,  # /profile, a field's button (profile)
    callout_forms.CALLOUT_FORM,  # /callout
    callout_forms.TIME_FORM,  # the roster card's "change time" (crs)
    callout_forms.HOURS_FORM,  # the roster card's "correct hours" (crs)
    callout_forms.CHECKIN_LOCATION_FORM,  # /checkin, a check-in button (cci) or link
    elder_form.ELDER_FORM,  # /elders add, an elder's "edit" (eld.e)
    elders.IMPORT_FORM,  # /elders import, or a spreadsheet sent
    rounds.HELP_FORM,  # a visit answered "needs help" (visit)
    broadcast.BROADCAST_FORM,  # /broadcast
    report.REPORT_FORM,  # /report
)

# Due work, run in this order at every tick; each returns how much it did.
DUE_WORK = (
    announcements_due.send_scheduled_announcements,  # /broadcast for later
    announcements_due.refresh_announcement_cards,  # the sender's card (bcard) after "got it" (bok)
    callouts_due.deliver_new_callouts,  # /callout confirmed
    callouts_due.refresh_roster_cards,  # the roster card (crs) as its invitations go out
    callouts_due.run_escalation_waves,  # a call-out still short of people
    callouts_due.remind_before_start,  # those going (cgo), before it starts; asks cyes
    callouts_due.check_out_the_forgotten,  # checked in (cci), never out
    retention.prune_old_outbox_rows,  # [outbox] retention_days
    reports_due.plan_monthly_reports,  # the monthly report
    reports_due.produce_waiting_reports,  # /report, and the monthly ones
    rounds_due.run_rounds,  # door-knock rounds: visits (visit), alerts (alert), summaries, duty
)

# Cards kept current after the presses that change them, by the card refresher
# (``bot.outbox.cards``): a press only marks its card stale; each is edited at most every 2 s.
LIVE_CARDS = (
    roster.roster_cards,  # the roster card (crs) after cgo cno cwd ckp, /leave and /pause
    group_posts.group_posts,  # a call-out's posts in team groups (cgo cno): time, counts, full
)


def register_routes(app: MusterApplication) -> None:
    use_forms(FORMS)
    use_due_work(DUE_WORK)
    use_live_cards(LIVE_CARDS)
    for area in AREAS:
        app.add_handlers(area.routes(), group=0)
    app.add_handler(buttons.unmatched(), group=0)
    app.add_handlers(dialog.router(), group=1)
    app.add_error_handler(errors.on_error)
