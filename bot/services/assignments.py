"""Telling people what they were given to do: made a leader or a team's leader, added to a
team, made an elder's visitor or backup, put on the duty rota (and reminded before each shift).

Services return ``Assignment`` values (who, and what); ``notices`` renders them, each in the
person's own language, as messages for the outbox of the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.i18n import BABEL_LOCALE, Html, Translator
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.services.rounds import duty
from bot.services.rounds.duty import night_starts as night_shift_starts
from bot.services.rounds.local_time import at_local
from bot.services.rounds.people import Person, volunteers_by_id
from models.db import dialect_insert
from models.elders import DutyReminder, Shift


@dataclass(frozen=True)
class DutyTerm:
    """A duty slot someone holds: every ``weekday`` or one ``on_date``."""

    shift: Shift
    weekday: int | None = None
    on_date: date | None = None


@dataclass(frozen=True)
class Assignment:
    person: Person
    kind: str  # team_leader, team_member, elders, duty
    team: str = ""
    visitor_of: tuple[str, ...] = ()
    backup_of: tuple[str, ...] = ()
    duty: DutyTerm | None = None


def notices(assignments: Iterable[Assignment | None], config: Config) -> list[Outgoing]:
    """One message per assignment, to the person concerned, in their language."""
    day_starts = config.rounds.duty_day_starts
    night_starts = night_shift_starts(day_starts)
    messages = []
    for assignment in assignments:
        if assignment is None:
            continue
        t = Translator(assignment.person.language, config.bot.zone)
        body = _text(t, assignment, day_starts, night_starts)
        messages.append(
            Outgoing.message(assignment.person.telegram_id, body, priority=PRIORITY_NOTICE)
        )
    return messages


def duty_when(t: Translator, term: DutyTerm) -> str:
    if term.on_date is not None:
        return format_skeleton("MMMEd", term.on_date, locale=BABEL_LOCALE[t.language])
    return str(t(f"assignments.every_weekday.{term.weekday}"))


def _day_and_time(t: Translator, instant: datetime) -> str:
    local = instant.astimezone(t.zone)
    day = format_skeleton("MMMEd", local.date(), locale=BABEL_LOCALE[t.language])
    return f"{day} {local:%H:%M}"


def shift_hours(t: Translator, shift: Shift, day_starts: str, night_starts: str) -> Html:
    start, end = (day_starts, night_starts) if shift == Shift.DAY else (night_starts, day_starts)
    return t("assignments.shift_hours", shift=t(f"duty.shift.{shift.value}"), start=start, end=end)


def _text(t: Translator, a: Assignment, day_starts: str, night_starts: str) -> Html:
    if a.kind == "team_leader":
        return t("assignments.team_leader", team=a.team)
    if a.kind == "team_member":
        return t("assignments.team_member", team=a.team)
    if a.kind == "elders":
        parts = []
        if a.visitor_of:
            parts.append(t("assignments.visitor_of", elders=t.join(a.visitor_of)))
        if a.backup_of:
            parts.append(t("assignments.backup_of", elders=t.join(a.backup_of)))
        return Html(
            "\n".join([t("assignments.elders_header"), *parts, t("assignments.elders_how")])
        )
    assert a.kind == "duty" and a.duty is not None
    return t(
        "assignments.duty",
        when=duty_when(t, a.duty),
        hours=shift_hours(t, a.duty.shift, day_starts, night_starts),
    )


async def remind_duty_shift(session: AsyncSession, *, config: Config, now: datetime) -> int:
    """Remind whoever holds the next duty shift, once, when it starts within
    ``[rounds] duty_reminder_minutes`` (a step of the rounds' due work: restart-safe, since
    the reminder is recorded with the message in one transaction)."""
    zone, day_starts = config.bot.zone, config.rounds.duty_day_starts
    lead = timedelta(minutes=config.rounds.duty_reminder_minutes)
    upcoming = duty.shift_at(now + lead, zone, day_starts)
    if upcoming == duty.shift_at(now, zone, day_starts):
        return 0  # the next shift starts later than that
    day, shift = upcoming
    volunteer_id = await duty.holder(session, day=day, shift=shift)
    if volunteer_id is None:
        return 0
    person = (await volunteers_by_id(session, ids=[volunteer_id], admins=config.bot.admins)).get(
        volunteer_id
    )
    if person is None:
        return 0
    recorded = await session.exec(
        dialect_insert(session, DutyReminder)
        .values(on_date=day, shift=shift, volunteer_id=volunteer_id, sent_at=now)
        .on_conflict_do_nothing()
    )
    if not recorded.rowcount:
        return 0  # reminded already
    night_starts = night_shift_starts(day_starts)
    start = at_local(day, day_starts if shift == Shift.DAY else night_starts, zone)
    t = Translator(person.language, zone)
    text = t(
        "assignments.duty_reminder",
        start=_day_and_time(t, start),
        hours=shift_hours(t, shift, day_starts, night_starts),
    )
    await enqueue(
        session, now, [Outgoing.message(person.telegram_id, text, priority=PRIORITY_NOTICE)]
    )
    return 1
