"""/duty: who holds the 12-hour duty shifts (anyone may look; leaders set them).

    /duty                                   the weekly pattern, exceptions, who is on now
    /duty set <weekday> <day|night> <who>   the weekly pattern (mon … sun, 周一 … 周日)
    /duty set <YYYY-MM-DD> <day|night> <who|nobody>   an exception for one date
    /duty clear <weekday|YYYY-MM-DD> <day|night>
<who> is a volunteer's name, phone or number (#12).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import Handlers, MusterContext
from bot.i18n import Html, Translator
from bot.services.assignments import Assignment, DutyTerm, notices
from bot.services.rounds import duty
from handlers.interaction import Interaction, interaction


@interaction
async def on_duty(update: Update, context: MusterContext, it: Interaction) -> None:
    config = it.runtime.config
    args = context.args or []
    if args and args[0].lower() in ("help", "帮助"):
        it.reply(it.t("duty.usage"))
        return
    if args:
        starts = config.rounds.duty_day_starts
        current = duty.shift_at(it.now, config.bot.zone, starts)
        command = duty.parse_duty_command(args, current, starts)
        slot = await duty.apply_duty_command(
            it.session, actor=it.actor, config=config, command=command, now=it.now
        )
        it.reply(_change_text(it.t, command, slot))
        it.send(*notices([_assignment(slot)], config))
        return
    overview = await duty.duty_overview(it.session, config=config, now=it.now, actor=it.actor)
    it.reply(_overview_text(it.t, overview))


def _assignment(slot: duty.DutySlot) -> Assignment | None:
    if slot.newly_on_duty is None:
        return None
    term = DutyTerm(slot.shift, slot.weekday, slot.on_date)
    return Assignment(slot.newly_on_duty, "duty", duty=term)


def _when(t: Translator, slot: duty.DutySlot) -> str:
    if slot.on_date is not None:
        return t.lasting.date(slot.on_date)
    return str(t(f"duty.weekday.{slot.weekday}"))


def _change_text(t: Translator, command: duty.DutyCommand, slot: duty.DutySlot) -> Html:
    shift = t(f"duty.shift.{slot.shift.value}")
    if command.action == "clear":
        return t("duty.cleared", when=_when(t, slot), shift=shift)
    return t("duty.set_done", when=_when(t, slot), shift=shift, name=slot.name or t("duty.nobody"))


def _overview_text(t: Translator, overview: duty.DutyOverview) -> Html:
    current = overview.current
    parts = [
        t("duty.header", day_starts=overview.day_starts, night_starts=overview.night_starts),
        t(
            "duty.now",
            shift=t(f"duty.shift.{current.shift.value}"),
            name=current.name or t("duty.nobody"),
        ),
        t("duty.pattern_header"),
    ]
    by_key = {(s.weekday, s.shift): s.name for s in overview.pattern}
    for weekday in range(7):
        parts.append(
            t(
                "duty.pattern_line",
                weekday=t(f"duty.weekday.{weekday}"),
                day=by_key.get((weekday, duty.Shift.DAY)) or "–",
                night=by_key.get((weekday, duty.Shift.NIGHT)) or "–",
            )
        )
    if overview.exceptions:
        parts.append(t("duty.exceptions_header"))
        for slot in overview.exceptions:
            parts.append(
                t(
                    "duty.exception_line",
                    date=_when(t, slot),
                    shift=t(f"duty.shift.{slot.shift.value}"),
                    name=slot.name or t("duty.nobody"),
                )
            )
    if overview.coverage is not None:
        parts += _coverage_lines(t, overview.coverage)
    parts.append(t("duty.how_to_set"))
    return Html("\n".join(parts))


def _coverage_lines(t: Translator, coverage: duty.Coverage) -> list[Html]:
    """For leaders: where an alert would find nobody of its own (it then goes to every leader
    and administrator)."""
    lines = []
    if coverage.teams_without_leader:
        teams = t.join(coverage.teams_without_leader)
        lines.append(t("duty.warn_no_leader", teams=teams))
    if coverage.uncovered_shifts:
        shifts = t.join(
            str(
                t(
                    "duty.gap_item",
                    date=t.lasting.date(day),
                    shift=t(f"duty.shift.{shift.value}"),
                )
            )
            for day, shift in coverage.uncovered_shifts
        )
        lines.append(t("duty.warn_gaps", shifts=shifts))
    if lines:
        lines.append(t("duty.warn_last_resort"))
    return lines


def routes() -> Handlers:
    return [CommandHandler("duty", on_duty, filters=filters.ChatType.PRIVATE)]
