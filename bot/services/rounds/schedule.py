"""Planning rounds: at each round time every visitor gets one message listing the elders to
see, with a button per answer.

The schedule is the registry itself (each elder's visit times). The planner remembers how far
it has looked (``RoundsMark``); on every scheduler tick it plans the round times that fell
between that mark and now. A restart therefore loses nothing (round times that passed while
the bot was down are planned on the first tick, sent late with a note or marked missed), and a
registry edit counts from the next tick. A round is unique per (local date, time), so a round
is planned once even when a DST fold repeats its clock time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import insert, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import as_utc
from bot.config import Config
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.i18n import Translator
from bot.observability import metrics
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing, enqueue
from bot.services import audit
from bot.services.accounts import Actor
from bot.services.leader_scope import require_team_tools
from bot.services.rounds.facts import PROMPT_CHUNK, build_prompt, elder_facts, prompt_topic
from bot.services.rounds.local_time import at_local, days_between, local_day
from bot.services.rounds.messages import ElderFacts, prompt_keyboard, prompt_text
from bot.services.rounds.people import Person, volunteers_by_id
from bot.services.rounds.volunteer_refs import name_key
from models import Team
from models.elders import (
    Alert,
    AlertReason,
    Elder,
    ElderVisitTime,
    EscalationStep,
    Round,
    RoundKind,
    RoundsMark,
    Visit,
    VisitStatus,
)

PLANNED_UNTIL = "planned_until"
# Round times further back than this are not caught up after a long outage (a week-old
# round helps nobody and would flood everyone with stale prompts).
CATCH_UP_LIMIT = timedelta(hours=24)
# A prompt queued later than this after its round time says it comes late.
LATE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class DueSlot:
    day: date
    slot: str
    due_at: datetime


@dataclass(frozen=True)
class RoundStarted:
    round_id: int
    elders: int
    visitors: int


def due_slots(slots: list[str], after: datetime, until: datetime, zone: tzinfo) -> list[DueSlot]:
    """The (local date, time) round times whose instant lies in ``(after, until]``."""
    found = [
        DueSlot(day, slot, at_local(day, slot, zone))
        for day in days_between(after, until, zone)
        for slot in slots
    ]
    return sorted((d for d in found if after < d.due_at <= until), key=lambda d: (d.due_at, d.slot))


async def plan_due_rounds(session: AsyncSession, *, config: Config, now: datetime) -> int:
    """Plan every round whose time has come since the last look; the number of visits."""
    # Locked, so two processes (a restart overlapping the old one) never plan side by side.
    mark = await session.get(RoundsMark, PLANNED_UNTIL, with_for_update=True)
    if mark is None:  # the first start ever: rounds begin from now
        session.add(RoundsMark(name=PLANNED_UNTIL, at=now))
        return 0
    after = max(as_utc(mark.at), now - CATCH_UP_LIMIT)
    if after >= now:
        return 0
    mark.at = now
    slots = list(
        await session.exec(
            select(ElderVisitTime.slot)
            .join(Elder, col(Elder.id) == ElderVisitTime.elder_id)
            .where(col(Elder.removed_at).is_(None))
            .distinct()
        )
    )
    planned = 0
    for due in due_slots(slots, after, now, config.bot.zone):
        planned += await _plan_scheduled_round(session, config, due, now)
    return planned


async def _plan_scheduled_round(
    session: AsyncSession, config: Config, due: DueSlot, now: datetime
) -> int:
    exists = await session.exec(
        select(Round.id).where(
            Round.kind == RoundKind.SCHEDULED, Round.local_date == due.day, Round.slot == due.slot
        )
    )
    if exists.first() is not None:
        return 0
    round_ = Round(
        kind=RoundKind.SCHEDULED,
        local_date=due.day,
        slot=due.slot,
        due_at=due.due_at,
        created_at=now,
        sent_late=now - due.due_at > LATE_AFTER,
    )
    rows = await session.exec(
        select(*ROUND_ELDER_COLUMNS, ElderVisitTime.window_minutes)  # type: ignore[call-overload]
        .join(ElderVisitTime, ElderVisitTime.elder_id == col(Elder.id))
        .where(ElderVisitTime.slot == due.slot, col(Elder.removed_at).is_(None))
        .order_by(*ELDER_ORDER)
    )
    elders = [RoundElder(*row) for row in rows]
    started = await start_round(session, config=config, round_=round_, elders=elders, now=now)
    return started.elders


@dataclass(frozen=True, slots=True)
class RoundElder:
    """An elder as a round plans them: who visits, within which window. Only this is read
    for the whole round (10,000 elders as records would be some 30 MB); what a prompt shows
    is read for the visits it lists (``elder_facts``)."""

    id: int
    team_id: int
    primary_visitor_id: int | None
    backup_visitor_id: int | None
    window: int


ROUND_ELDER_COLUMNS = (
    col(Elder.id),
    col(Elder.team_id),
    col(Elder.primary_visitor_id),
    col(Elder.backup_visitor_id),
)


ELDER_ORDER = (
    col(Elder.compound),
    col(Elder.building),
    col(Elder.room),
    col(Elder.name),
    col(Elder.id),
)


async def start_round(
    session: AsyncSession,
    *,
    config: Config,
    round_: Round,
    elders: list[RoundElder],
    now: datetime,
) -> RoundStarted:
    """Create the round's visits and queue one prompt per visitor, in one transaction."""
    session.add(round_)
    await session.flush()
    assert round_.id is not None
    admins = config.bot.admins
    people = await volunteers_by_id(
        session,
        ids=[e.primary_visitor_id for e in elders] + [e.backup_visitor_id for e in elders],
        admins=admins,
    )
    rows = [_visit_row(config, round_, elder, people, now) for elder in elders]
    if rows:
        await session.exec(insert(Visit), params=rows)
    visits = list(
        await session.exec(select(Visit).where(Visit.round_id == round_.id).order_by(col(Visit.id)))
    )
    metrics.visits_due(session, len(visits))
    await _open_missed(session, config, [v for v in visits if v.status == VisitStatus.MISSED], now)
    prompts = await _prompts(session, config, round_, visits, people, now)
    await enqueue(session, now, prompts)
    visitors = {v.visitor_id for v in visits if v.visitor_id in people}
    return RoundStarted(round_.id, len(visits), len(visitors))


def _visit_row(
    config: Config, round_: Round, elder: RoundElder, people: dict[int, Person], now: datetime
) -> dict[str, object]:
    visitor, backup = choose_visitors(elder, people)
    window = elder.window
    window_ends = round_.due_at + timedelta(minutes=window)
    status = VisitStatus.PENDING
    if window_ends <= now:  # only when the bot was down over the whole window
        if config.rounds.missed_while_down == "send_late":
            window_ends = now + timedelta(minutes=window)
        else:
            status = VisitStatus.MISSED
    return {
        "round_id": round_.id,
        "elder_id": elder.id,
        "team_id": elder.team_id,
        "visitor_id": visitor,
        "backup_id": backup,
        "due_at": round_.due_at,
        "window_ends_at": window_ends,
        "status": status,
        "answered_late": False,
    }


def choose_visitors(
    elder: Elder | RoundElder, people: dict[int, Person]
) -> tuple[int | None, int | None]:
    """The primary visitor knocks; if they can no longer be reached (left, no account), the
    backup takes the round and there is no backup for it."""
    if elder.primary_visitor_id in people or elder.backup_visitor_id not in people:
        return elder.primary_visitor_id, elder.backup_visitor_id
    return elder.backup_visitor_id, None


async def _open_missed(
    session: AsyncSession, config: Config, visits: list[Visit], now: datetime
) -> None:
    """Visits whose whole window passed while the bot was down: escalated at once."""
    if not visits:
        return
    metrics.visits_missed(session, len(visits))
    first = EscalationStep.REMINDER
    await session.exec(
        insert(Alert),
        params=[
            {
                "visit_id": v.id,
                "reason": AlertReason.MISSED,
                "opened_at": now,
                "next_step": first,
                "next_step_at": now + timedelta(minutes=config.rounds.reminder_delay_minutes),
            }
            for v in visits
        ],
    )


VISITORS_PER_READ = 250  # visitors whose elders are read together (not all 10,000 at once)


async def _prompts(
    session: AsyncSession,
    config: Config,
    round_: Round,
    visits: list[Visit],
    people: dict[int, Person],
    now: datetime,
) -> list[Outgoing]:
    by_visitor: dict[int, list[Visit]] = defaultdict(list)
    for visit in visits:
        if visit.status == VisitStatus.PENDING and visit.visitor_id in people:
            by_visitor[visit.visitor_id].append(visit)
    translators: dict[str, Translator] = {}
    messages = []
    visitors = list(by_visitor.items())
    facts: dict[int, ElderFacts] = {}
    for index, (visitor_id, own) in enumerate(visitors):
        if index % VISITORS_PER_READ == 0:  # what the next visitors' prompts show, read at once
            batch = visitors[index : index + VISITORS_PER_READ]
            wanted = [v.elder_id for _, theirs in batch for v in theirs]
            facts = await elder_facts(session, elder_ids=wanted, with_contacts=False)
        person = people[visitor_id]
        t = translators.setdefault(person.language, Translator(person.language, config.bot.zone))
        for chunk in range((len(own) + PROMPT_CHUNK - 1) // PROMPT_CHUNK):
            part = own[chunk * PROMPT_CHUNK : (chunk + 1) * PROMPT_CHUNK]
            view = build_prompt(round_, part, facts, chunk, {}, now)
            prompt = Outgoing.message(
                person.telegram_id,
                prompt_text(t, view),
                prompt_keyboard(t, view),
                priority=PRIORITY_NOTICE,
                topic=prompt_topic(round_.id or 0, visitor_id, chunk),
                protect_content=True,  # the elders' phones and notes: not to be forwarded
            )
            messages.append(prompt.saying_if_repeated(t("rounds.prompt.repeated")))
    return messages


# -- /round_now -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamChoice:
    id: int
    name: str


async def round_now_choices(session: AsyncSession, *, actor: Actor) -> list[TeamChoice]:
    """The care teams ``actor`` may start an extra round for (teams with elders)."""
    scope = await require_team_tools(session, actor=actor, action="rounds.round_now")
    query = (
        select(Team.id, Team.name)
        .where(col(Team.id).in_(select(Elder.team_id).where(col(Elder.removed_at).is_(None))))
        .order_by(col(Team.name))
    )
    if scope.teams is not None:
        query = query.where(col(Team.id).in_(scope.teams))
    return [TeamChoice(i, n) for i, n in await session.exec(query) if i is not None]


async def resolve_round_target(
    session: AsyncSession, *, actor: Actor, text: str
) -> tuple[int | None, int | None]:
    """``/round_now <text>``: ``#12`` or ``12`` is an elder's number, anything else a team's
    name. Returns (team id, elder id)."""
    await require_team_tools(session, actor=actor, action="rounds.round_now")
    cleaned = text.strip().lstrip("#").strip()
    if cleaned.isdigit():
        return None, int(cleaned)
    wanted = name_key(text)
    for team_id, name in await session.exec(select(Team.id, Team.name)):
        if name_key(name) == wanted:
            return team_id, None
    raise InvalidInput("rounds.round_now.unknown", what=text.strip()[:64])


async def start_extra_round(
    session: AsyncSession,
    *,
    actor: Actor,
    config: Config,
    now: datetime,
    team_id: int | None = None,
    elder_id: int | None = None,
) -> RoundStarted:
    """A round now, outside the schedule (a heat wave, a storm), for a team or one elder."""
    scope = await require_team_tools(session, actor=actor, action="rounds.round_now")
    window = literal(config.rounds.window_minutes)  # the same for every elder of the round
    query = (
        select(*ROUND_ELDER_COLUMNS, window)  # type: ignore[call-overload]
        .where(col(Elder.removed_at).is_(None))
        .order_by(*ELDER_ORDER)
    )
    if elder_id is not None:
        elder = await session.get(Elder, elder_id)
        if elder is None or elder.removed_at is not None:
            raise NotFound()
        team_id = elder.team_id
        query = query.where(Elder.id == elder_id)
    else:
        query = query.where(Elder.team_id == team_id)
    if not scope.covers_team(team_id):
        raise NotAllowed("rounds.round_now", target_type="team", target_id=team_id)
    elders = [RoundElder(*row) for row in await session.exec(query)]
    if not elders:
        raise InvalidInput("rounds.round_now.no_elders")
    round_ = Round(
        kind=RoundKind.EXTRA,
        local_date=local_day(now, config.bot.zone),
        due_at=now,
        created_at=now,
        created_by=actor.telegram_id,
    )
    started = await start_round(session, config=config, round_=round_, elders=elders, now=now)
    await audit.record(
        session,
        now=now,
        actor=actor.telegram_id,
        action="rounds.round_now",
        target_type="round",
        target_id=started.round_id,
        team_id=team_id,
        elder_id=elder_id,
    )
    return started
