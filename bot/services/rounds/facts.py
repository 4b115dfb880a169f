"""Loading what the round messages show: elders as ``ElderFacts``, a visitor's prompt as it
stands now, and the sent message a prompt or an alert went out as (to edit it later)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.rounds.messages import ContactFacts, ElderFacts, PromptLine, PromptView
from bot.services.rounds.people import ID_CHUNK, Person, people_by_telegram
from models import OutboxMessage, OutboxState
from models.elders import Elder, ElderContact, Round, Visit, VisitStatus

# Elders per prompt message: a visitor usually has about four; a long list is split so that a
# message stays within Telegram's limits (4,096 characters, 100 buttons).
PROMPT_CHUNK = 12
# "All well" pressed by mistake may be corrected to "needs help" until the round's window
# closes, or for this long after the answer if that is later (a late answer).
CORRECTION_GRACE = timedelta(minutes=30)


def correctable(visit: Visit, now: datetime) -> bool:
    """Whether the visit's "all well" may still be corrected to "needs help" at ``now`` (its
    prompt shows the correction button only while it may)."""
    if visit.status != VisitStatus.WELL:
        return False
    answered = visit.answered_at or now
    return now <= max(visit.window_ends_at, answered + CORRECTION_GRACE)


def facts_of(elder: Elder, contacts: Iterable[ElderContact] = ()) -> ElderFacts:
    return ElderFacts(
        id=elder.id or 0,
        name=elder.name,
        compound=elder.compound,
        building=elder.building,
        room=elder.room,
        phone=elder.phone,
        health_notes=elder.health_notes,
        risk_notes=elder.risk_notes,
        contacts=tuple(ContactFacts(c.name, c.phone) for c in contacts),
    )


async def elder_facts(
    session: AsyncSession, *, elder_ids: Iterable[int], with_contacts: bool
) -> dict[int, ElderFacts]:
    """What messages show of these elders, read as plain columns (not as records: a round
    reads thousands)."""
    wanted = sorted(set(elder_ids))
    rows: list[Any] = []
    contacts: dict[int, list[ElderContact]] = defaultdict(list)
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        rows += await session.exec(select(*FACT_COLUMNS).where(col(Elder.id).in_(chunk)))
        if with_contacts:
            found = await session.exec(
                select(ElderContact)
                .where(col(ElderContact.elder_id).in_(chunk))
                .order_by(col(ElderContact.position))
            )
            for contact in found:
                contacts[contact.elder_id].append(contact)
    return {row.id: facts_of(row, contacts[row.id]) for row in rows}  # rows read as Elders


FACT_COLUMNS = tuple(
    col(getattr(Elder, name))
    for name in (
        "id",
        "name",
        "compound",
        "building",
        "room",
        "phone",
        "health_notes",
        "risk_notes",
    )
)


def prompt_topic(round_id: int, visitor_id: int, chunk: int) -> str:
    return f"round:{round_id}:{visitor_id}:{chunk}"


def alert_topic(alert_id: int, step: str) -> str:
    return f"alert:{alert_id}:{step}"


async def prompt_of_visit(
    session: AsyncSession, *, visit: Visit, admins: list[int], now: datetime
) -> tuple[int, PromptView] | None:
    """The chunk of the visitor's prompt that lists ``visit``, as it stands at ``now``."""
    if visit.visitor_id is None:
        return None
    visits = list(
        await session.exec(
            select(Visit)
            .where(Visit.round_id == visit.round_id, Visit.visitor_id == visit.visitor_id)
            .order_by(col(Visit.id))
        )
    )
    position = next(i for i, v in enumerate(visits) if v.id == visit.id)
    chunk = position // PROMPT_CHUNK
    round_ = await session.get(Round, visit.round_id)
    assert round_ is not None
    chosen = visits[chunk * PROMPT_CHUNK : (chunk + 1) * PROMPT_CHUNK]
    facts = await elder_facts(session, elder_ids=[v.elder_id for v in chosen], with_contacts=False)
    names = await people_by_telegram(
        session, telegram_ids=[v.answered_by for v in chosen], admins=admins
    )
    return chunk, build_prompt(round_, chosen, facts, chunk, names, now)


def build_prompt(
    round_: Round,
    visits: list[Visit],
    facts: dict[int, ElderFacts],
    chunk: int,
    names: dict[int, Person],
    now: datetime,
) -> PromptView:
    lines = tuple(
        PromptLine(
            visit_id=v.id or 0,
            number=chunk * PROMPT_CHUNK + n + 1,
            elder=facts[v.elder_id],
            status=v.status,
            answered_at=v.answered_at,
            answered_by=names[v.answered_by].name if v.answered_by in names else None,
            correctable=correctable(v, now),
        )
        for n, v in enumerate(visits)
    )
    return PromptView(
        kind=round_.kind,
        due_at=round_.due_at,
        deadline=min(v.window_ends_at for v in visits),
        sent_late=round_.sent_late,
        lines=lines,
    )


async def sent_message_ids(
    session: AsyncSession, *, topics: Iterable[str]
) -> dict[str, tuple[int, int]]:
    """Topic → (chat id, message id) of messages already delivered, to edit them."""
    wanted = list(set(topics))
    if not wanted:
        return {}
    rows = await session.exec(
        select(OutboxMessage.topic, OutboxMessage.chat_id, OutboxMessage.sent_message_id).where(
            col(OutboxMessage.topic).in_(wanted),
            OutboxMessage.state == OutboxState.SENT,
            col(OutboxMessage.sent_message_id).is_not(None),
            OutboxMessage.method == "send_message",
        )
    )
    return {topic: (chat, message) for topic, chat, message in rows if topic and message}


async def alert_message_topics(session: AsyncSession, *, alert_id: int) -> list[str]:
    rows = await session.exec(
        select(OutboxMessage.topic).where(col(OutboxMessage.topic).startswith(f"alert:{alert_id}:"))
    )
    return [t for t in rows if t]
