"""A volunteer's question reaches a person.

Text a volunteer types outside any form is not a command the bot understands, but it is often
a question for a person ("明天几点集合？"). The bot keeps it as a draft ``Question`` and offers
to pass it on to the leaders who can answer: the leader of the call-out they last answered, and
their team's leader. Once they choose, the question goes to that leader as a message of its
own (outbox topic ``question:<id>``); the leader answers by replying to that message, and the
answer goes back to the volunteer as a reply to what they typed. The record stays, so a leader
can list what is still unanswered (``/questions``). ``/leave`` deletes the questions a person
asked (``bot.services.erasure``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import InvalidInput, StaleButton
from models import Account, Callout, CalloutResponse, OutboxMessage, Team, TeamMember, Volunteer
from models.callouts import CalloutStatus
from models.questions import QUESTION_MAX, Question

TOPIC = "question"  # outbox topic of a relayed question: ``question:<id>``
UNANSWERED_SHOWN = 10  # /questions re-sends at most this many, oldest first
DRAFT_KEPT = timedelta(days=1)  # a draft nobody chose to send is forgotten after this


def topic(question_id: int) -> str:
    return f"{TOPIC}:{question_id}"


@dataclass(frozen=True)
class Recipient:
    """A leader who can answer, and why them: the call-out or the team they lead."""

    telegram_id: int
    name: str
    callout_id: int | None = None
    callout_title: str | None = None
    team_id: int | None = None
    team_name: str | None = None


@dataclass(frozen=True)
class Offer:
    question_id: int
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class Relayed:
    """A question on its way to a leader (or shown again by ``/questions``)."""

    question_id: int
    leader_telegram_id: int
    leader_language: str
    leader_name: str
    asker_name: str
    text: str
    asked_at: datetime
    callout_title: str | None
    team_name: str | None


@dataclass(frozen=True)
class Answer:
    """A leader's reply, to be given to the volunteer who asked."""

    question_id: int
    asker_telegram_id: int
    asker_language: str
    asker_message_id: int
    asker_name: str
    leader_name: str
    text: str


async def offer_to_pass_on(
    session: AsyncSession, *, now: datetime, telegram_id: int, message_id: int, text: str
) -> Offer | None:
    """Keep what a volunteer typed as a draft question and say who could answer it; ``None``
    when they are not a volunteer or no leader is there to ask (nothing is kept then)."""
    volunteer = (
        await session.exec(
            select(Volunteer).where(
                Volunteer.telegram_id == telegram_id,
                col(Volunteer.left_at).is_(None),
            )
        )
    ).first()
    if volunteer is None or volunteer.id is None or not text.strip():
        return None
    await session.exec(
        delete(Question).where(
            col(Question.asker_telegram_id) == telegram_id,
            col(Question.sent_at).is_(None),
            col(Question.asked_at) < now - DRAFT_KEPT,
        )
    )
    recipients = await _recipients(session, volunteer.id, telegram_id)
    if not recipients:
        return None
    if len(text.strip()) > QUESTION_MAX:  # said, not cut: they send it shorter, or in parts
        raise InvalidInput("questions.too_long", limit=QUESTION_MAX, length=len(text.strip()))
    question = Question(
        asker_telegram_id=telegram_id,
        asker_message_id=message_id,
        text=text.strip(),
        asked_at=now,
    )
    session.add(question)
    await session.flush()
    assert question.id is not None
    return Offer(question.id, recipients)


async def pass_on(
    session: AsyncSession,
    *,
    now: datetime,
    telegram_id: int,
    question_id: int,
    leader_telegram_id: int,
    default_language: str,
) -> Relayed:
    """The volunteer chose a leader: send the draft to them. Only the asker's own draft, only
    once, and only to a leader they may ask (the button's data can be forged). A leader who
    never wrote to the bot (no account) reads it in ``default_language``."""
    volunteer_id = await session.scalar(
        select(Volunteer.id).where(
            Volunteer.telegram_id == telegram_id, col(Volunteer.left_at).is_(None)
        )
    )
    if volunteer_id is None:
        raise StaleButton()
    chosen = next(
        (
            r
            for r in await _recipients(session, volunteer_id, telegram_id)
            if r.telegram_id == leader_telegram_id
        ),
        None,
    )
    if chosen is None:
        raise StaleButton()
    sent = await session.exec(
        update(Question)
        .where(
            col(Question.id) == question_id,
            col(Question.asker_telegram_id) == telegram_id,
            col(Question.sent_at).is_(None),
        )
        .values(
            sent_at=now,
            leader_telegram_id=chosen.telegram_id,
            callout_id=chosen.callout_id,
            team_id=chosen.team_id,
        )
    )
    if not sent.rowcount:  # pressed twice, or not theirs
        raise StaleButton()
    question = await session.get(Question, question_id)
    assert question is not None
    return await _relayed(session, question, default_language)


async def drop(session: AsyncSession, *, telegram_id: int, question_id: int) -> None:
    """The volunteer chose not to send it: the draft goes."""
    gone = await session.exec(
        delete(Question).where(
            col(Question.id) == question_id,
            col(Question.asker_telegram_id) == telegram_id,
            col(Question.sent_at).is_(None),
        )
    )
    if not gone.rowcount:
        raise StaleButton()


async def answer(
    session: AsyncSession,
    *,
    now: datetime,
    leader_telegram_id: int,
    replied_to_message_id: int,
    replied_to_text: str,
    text: str,
    default_language: str,
) -> Answer | None:
    """A leader replied to a message in their chat with the bot: when that message was a
    relayed question, the answer for the volunteer (the question is marked answered), in
    their language (``default_language`` when they have no account).

    The relayed message is found by its Telegram id in the outbox; when the outbox no longer
    has it (pruned after ``[outbox] retention_days``, or its id not yet recorded), by the
    question's text inside the message replied to, among this leader's questions."""
    if not text.strip():
        return None
    question = await _replied_question(
        session, leader_telegram_id, replied_to_message_id, replied_to_text
    )
    if question is None:
        return None
    if question.answered_at is None:
        question.answered_at = now
        session.add(question)
    assert question.id is not None
    asker = await session.get(Account, question.asker_telegram_id)
    return Answer(
        question_id=question.id,
        asker_telegram_id=question.asker_telegram_id,
        asker_language=asker.language if asker else default_language,
        asker_message_id=question.asker_message_id,
        asker_name=await _person_name(session, question.asker_telegram_id),
        leader_name=await _person_name(session, leader_telegram_id),
        text=text.strip(),
    )


async def _replied_question(
    session: AsyncSession, leader_telegram_id: int, message_id: int, shown_text: str
) -> Question | None:
    topic_name = await session.scalar(
        select(OutboxMessage.topic).where(
            OutboxMessage.chat_id == leader_telegram_id,
            OutboxMessage.sent_message_id == message_id,
            col(OutboxMessage.topic).startswith(f"{TOPIC}:"),
        )
    )
    if topic_name is not None:
        question = await session.get(Question, int(topic_name.split(":", 1)[1]))
        if question is not None and question.leader_telegram_id == leader_telegram_id:
            return question
        return None  # the asker left, or it was meant for someone else
    candidates = (
        await session.exec(
            select(Question)
            .where(
                col(Question.leader_telegram_id) == leader_telegram_id,
                col(Question.sent_at).is_not(None),
            )
            .order_by(col(Question.answered_at).is_not(None), col(Question.sent_at).desc())
        )
    ).all()
    return next((q for q in candidates if q.text and q.text in shown_text), None)


async def unanswered(
    session: AsyncSession, *, leader_telegram_id: int, default_language: str
) -> tuple[list[Relayed], int]:
    """Questions sent to this leader and not answered yet, oldest first (at most
    ``UNANSWERED_SHOWN``), and how many there are in all."""
    waiting = and_(
        col(Question.leader_telegram_id) == leader_telegram_id,
        col(Question.sent_at).is_not(None),
        col(Question.answered_at).is_(None),
    )
    total = await session.scalar(select(func.count()).select_from(Question).where(waiting))
    rows = (
        await session.exec(
            select(Question).where(waiting).order_by(col(Question.sent_at), col(Question.id))
        )
    ).all()
    shown = [await _relayed(session, q, default_language) for q in rows[:UNANSWERED_SHOWN]]
    return shown, total or 0


async def _recipients(
    session: AsyncSession, volunteer_id: int, telegram_id: int
) -> tuple[Recipient, ...]:
    """The leader of the open call-out they last answered, then their teams' leaders; each
    person once, never the asker themself."""
    found: list[Recipient] = []
    last = (
        await session.exec(
            select(Callout)
            .join(CalloutResponse, col(CalloutResponse.callout_id) == Callout.id)
            .where(
                CalloutResponse.volunteer_id == volunteer_id,
                col(CalloutResponse.responded_at).is_not(None),
                Callout.status != CalloutStatus.CANCELLED,
            )
            .order_by(col(CalloutResponse.responded_at).desc())
            .limit(1)
        )
    ).first()
    if last is not None and await session.get(Account, last.created_by) is not None:
        found.append(
            Recipient(
                last.created_by,
                await _person_name(session, last.created_by),
                callout_id=last.id,
                callout_title=last.title,
            )
        )
    teams = (
        await session.exec(
            select(Team)
            .join(TeamMember, col(TeamMember.team_id) == Team.id)
            .where(
                TeamMember.volunteer_id == volunteer_id, col(Team.leader_telegram_id).is_not(None)
            )
            .order_by(Team.name)
        )
    ).all()
    for team in teams:
        assert team.leader_telegram_id is not None
        found.append(
            Recipient(
                team.leader_telegram_id,
                await _person_name(session, team.leader_telegram_id),
                team_id=team.id,
                team_name=team.name,
            )
        )
    unique: dict[int, Recipient] = {}
    for recipient in found:
        if recipient.telegram_id != telegram_id:
            unique.setdefault(recipient.telegram_id, recipient)
    return tuple(unique.values())[:3]


async def _relayed(session: AsyncSession, question: Question, default_language: str) -> Relayed:
    assert question.id is not None and question.leader_telegram_id is not None
    leader = await session.get(Account, question.leader_telegram_id)
    callout = await session.get(Callout, question.callout_id) if question.callout_id else None
    team = await session.get(Team, question.team_id) if question.team_id else None
    return Relayed(
        question_id=question.id,
        leader_telegram_id=question.leader_telegram_id,
        leader_language=leader.language if leader else default_language,
        leader_name=await _person_name(session, question.leader_telegram_id),
        asker_name=await _person_name(session, question.asker_telegram_id),
        text=question.text,
        asked_at=question.sent_at or question.asked_at,
        callout_title=callout.title if callout else None,
        team_name=team.name if team else None,
    )


async def _person_name(session: AsyncSession, telegram_id: int) -> str:
    """Their registered name, else their Telegram first name."""
    name = await session.scalar(
        select(Volunteer.name).where(
            Volunteer.telegram_id == telegram_id, col(Volunteer.left_at).is_(None)
        )
    )
    if name:
        return name
    account = await session.get(Account, telegram_id)
    return (account.first_name if account else "") or "—"
