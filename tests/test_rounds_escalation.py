"""Answers and escalation: an unconfirmed visit goes to the visitor, the backup, the leader and
the duty officer in turn; "No answer" and "Needs help" act at once; whoever acts closes the
alert and everyone alerted hears who closed it and how."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.button_data import BadCallbackData
from bot.clock import FrozenClock
from bot.config import Config
from bot.dialogs import FormEnv
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.i18n import Translator
from bot.outbox.queue import Outgoing, enqueue
from bot.services import roles
from bot.services.accounts import Actor
from bot.services.hours import totals
from bot.services.rounds import escalation, visits
from bot.services.rounds.buttons import VisitAnswer
from bot.services.rounds.messages import help_forwards, help_thanks
from handlers.rounds import ask_what_is_wrong
from models import Account, Role, Team
from models.db import Database
from models.elders import Alert, AlertNotice, AlertStep, Shift, Visit, VisitStatus
from tests.rounds_world import (
    ADMIN_ID,
    EVERY_SHIFT,
    SHANGHAI_9AM,
    CareTeam,
    Queued,
    Rounds,
    actor,
    rounds_config,
    seed_care_team,
    seed_elder,
    set_duty,
)
from tests.seed import seed_account, seed_volunteer

NINE = SHANGHAI_9AM
WINDOW_END = NINE + timedelta(hours=2)  # 11:00


async def send_as_the_handler(
    session: AsyncSession, who: Actor, config: Config, answered: visits.Answered, at: datetime
) -> None:
    """After an answer (its messages are queued by the service): the form asking what is
    wrong after "Needs help"."""
    if answered.ask is not None:
        env = FormEnv(session, config, Translator(who.language, config.bot.zone), at, who)
        await enqueue(session, at, (await ask_what_is_wrong(env, answered.ask)).messages)


class Story:
    """Grandma Li (visited by Wang, backup Zhao) in the Sunshine care team; Sun is on duty."""

    def __init__(self, db: Database, team: CareTeam, rounds: Rounds, elder: int) -> None:
        self.db, self.team, self.rounds, self.elder = db, team, rounds, elder
        self.wang = actor(team.telegram("Wang"))
        self.zhao = actor(team.telegram("Zhao"))
        self.sun = actor(team.telegram("Sun"))
        self.leader = actor(team.leader, Role.LEADER)

    async def visit_id(self) -> int:
        async with self.db.session() as session:
            return (await session.exec(select(Visit.id))).one()  # type: ignore[return-value]

    async def visit(self) -> Visit:
        async with self.db.session() as session:
            return (await session.exec(select(Visit))).one()

    async def answer(self, who: object, answer: str, at: datetime) -> visits.Answered:
        """A press as the handler makes it: the answer and its messages in one transaction."""
        self.rounds.clock.set(at)
        async with self.db.session() as session:
            answered = await visits.answer_visit(
                session,
                actor=who,  # type: ignore[arg-type]
                config=self.rounds.config,
                visit_id=await self.visit_id(),
                answer=answer,
                now=at,
            )
            await send_as_the_handler(session, who, self.rounds.config, answered, at)
        return answered

    async def close(self, who: object, outcome: str, at: datetime) -> None:
        async with self.db.session() as session:
            alert_id = (await session.exec(select(Alert.id))).one()
            closed = await escalation.close_alert(
                session,
                actor=who,
                config=self.rounds.config,
                alert_id=alert_id,
                outcome=outcome,
                now=at,  # type: ignore[arg-type]
            )
            await enqueue(session, at, closed.messages)

    async def describe(self, who: Actor, report: visits.HelpReport, at: datetime) -> None:
        async with self.db.session() as session:
            visit_id = await self.visit_id()
            passed = await visits.describe_help(
                session,
                actor=who,
                config=self.rounds.config,
                visit_id=visit_id,
                report=report,
            )
            # As the handler's form does: the words (and media) passed on, then the thanks.
            zone = self.rounds.config.bot.zone
            thanks = help_thanks(Translator(who.language, zone), passed)
            passed_on = (*help_forwards(passed, zone), Outgoing.message(who.telegram_id, thanks))
            await enqueue(session, at, passed_on)

    async def steps(self) -> list[tuple[str, int | None, datetime]]:
        async with self.db.session() as session:
            rows = await session.exec(select(AlertStep).order_by(col(AlertStep.id)))
            return [(s.step.value, s.recipient_telegram_id, s.at) for s in rows]

    async def new(self) -> list[Queued]:
        return await self.rounds.queued()


@pytest.fixture
async def story(db: Database) -> Story:
    team = await seed_care_team(db, visitors=((501, "Wang"), (502, "Zhao"), (503, "Sun")))
    elder = await seed_elder(
        db, team, "Grandma Li", "Wang", "Zhao", contacts=[("Li Ming (son)", "13700002222")]
    )
    await set_duty(db, team.volunteer("Sun"), EVERY_SHIFT)
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(NINE)
    await rounds.queued()
    return Story(db, team, rounds, elder)


async def notices(db: Database) -> list[tuple[str, int, bool, int]]:
    async with db.session() as session:
        rows = await session.exec(select(AlertNotice).order_by(col(AlertNotice.id)))
        return [(n.step.value, n.telegram_id, n.last_resort, n.reminder) for n in rows]


def recipients(messages: list[Queued]) -> list[int]:
    return [m.chat_id for m in messages if m.method == "send_message"]


async def test_silence_escalates_step_by_step_each_step_once_and_recorded(story: Story) -> None:
    wang, zhao, sun, leader = (
        story.wang.telegram_id,
        story.zhao.telegram_id,
        story.sun.telegram_id,
        story.leader.telegram_id,
    )
    await story.rounds.at(WINDOW_END - timedelta(seconds=1))
    assert await story.new() == []
    await story.rounds.at(WINDOW_END)
    (reminder,) = await story.new()
    assert reminder.chat_id == wang and "Reminder" in reminder.text
    assert (await story.visit()).status == VisitStatus.MISSED

    await story.rounds.at(WINDOW_END + timedelta(minutes=10))
    assert await story.new() == []
    await story.rounds.at(WINDOW_END + timedelta(minutes=15))
    (backup,) = await story.new()
    assert backup.chat_id == zhao and "Visit not confirmed" in backup.text
    assert "You are the backup visitor" in backup.text
    assert [label for label, _ in backup.buttons] == [
        "Visited, all well",
        "Reached by phone, all well",
        "Family informed",
        "Ambulance called",
    ]

    await story.rounds.at(WINDOW_END + timedelta(minutes=30))
    (to_leader,) = await story.new()
    assert to_leader.chat_id == leader and "Already alerted: Wang, Zhao" in to_leader.text

    await story.rounds.at(WINDOW_END + timedelta(minutes=45))
    (to_duty,) = await story.new()
    assert to_duty.chat_id == sun and "You are on duty" in to_duty.text

    for minutes in (46, 60, 74):
        await story.rounds.at(WINDOW_END + timedelta(minutes=minutes))
    assert await story.new() == []  # the next is the first reminder, 30 minutes on
    assert await story.steps() == [
        ("reminder", wang, WINDOW_END),
        ("backup", zhao, WINDOW_END + timedelta(minutes=15)),
        ("leader", leader, WINDOW_END + timedelta(minutes=30)),
        ("duty", sun, WINDOW_END + timedelta(minutes=45)),
    ]


async def test_whoever_is_asked_to_act_gets_what_they_need_and_cannot_forward_it(
    story: Story,
) -> None:
    for minutes in (0, 15, 30, 45):
        await story.rounds.at(WINDOW_END + timedelta(minutes=minutes))
    alerts = {m.chat_id: m for m in await story.new()}
    # The backup visitor, the team's leader and the duty officer (a volunteer on duty, not one
    # of her visitors) each get the address, her phone and the family's.
    for asked in (story.zhao, story.leader, story.sun):
        text = alerts[asked.telegram_id].text
        assert "Sunshine Garden 3 502" in text and "13900001111" in text
        assert "Li Ming (son): 13700002222" in text
    assert all(m.payload["protect_content"] is True for m in alerts.values())


async def test_the_leader_closes_the_alert_and_everyone_alerted_is_told(story: Story) -> None:
    for minutes in (0, 15, 30):
        await story.rounds.at(WINDOW_END + timedelta(minutes=minutes))
    await story.new()
    closed_at = WINDOW_END + timedelta(minutes=40)
    await story.close(story.leader, "family_informed", closed_at)

    told = await story.new()
    notices = [m for m in told if m.method == "send_message"]
    assert sorted(recipients(notices)) == sorted(
        [story.wang.telegram_id, story.zhao.telegram_id, story.leader.telegram_id]
    )
    assert all("Alert closed" in m.text and "Family informed" in m.text for m in notices)
    assert all(f"Closed by Leader {story.leader.telegram_id}" in m.text for m in notices)
    # The duty step never comes.
    await story.rounds.at(WINDOW_END + timedelta(hours=3))
    assert await story.new() == []
    with pytest.raises(DomainError) as refused:
        await story.close(story.zhao, "visited_well", closed_at + timedelta(minutes=1))
    assert refused.value.key == "rounds.alert.already_closed"


async def test_an_alert_closed_is_shown_in_the_default_language_to_one_with_no_account(
    story: Story, db: Database
) -> None:
    """Zhao, alerted as the backup, has no account any more; his alert message still says
    how it closed, in the community's default language (English here), not in Chinese."""
    story.rounds.config.bot.default_language = "en"
    for minutes in (0, 15):
        await story.rounds.at(WINDOW_END + timedelta(minutes=minutes))
    await story.new()
    await story.rounds.deliver_all()
    async with db.session() as session:
        await session.delete(await session.get(Account, story.zhao.telegram_id))
    await story.close(story.leader, "family_informed", WINDOW_END + timedelta(minutes=20))

    (settled,) = [
        m
        for m in await story.new()
        if m.chat_id == story.zhao.telegram_id and m.method == "edit_message_text"
    ]
    assert "Alert closed" in settled.text and "Family informed" in settled.text


async def test_someone_not_involved_cannot_close_an_alert(story: Story, db: Database) -> None:
    await seed_volunteer(db, 777, "Stranger")
    await story.rounds.at(WINDOW_END)
    with pytest.raises(NotAllowed):
        await story.close(actor(777), "visited_well", WINDOW_END + timedelta(minutes=1))


async def test_another_teams_leader_cannot_close_an_alert_a_community_leader_can(
    story: Story, db: Database
) -> None:
    """Scoped leaders: the leader of another team is refused, naming the alert; a leader who
    leads no team acts for the whole community."""
    await seed_care_team(db, "Patrol", leader=810, visitors=((811, "Qian"),))
    await story.rounds.at(WINDOW_END)
    with pytest.raises(NotAllowed) as refused:
        await story.close(actor(810, Role.LEADER), "family_informed", WINDOW_END)
    assert (refused.value.target_type, refused.value.action) == ("alert", "rounds.close_alert")
    await story.close(actor(820, Role.LEADER), "family_informed", WINDOW_END)


async def test_a_late_all_well_closes_the_alert_and_counts_as_a_late_visit(
    story: Story, db: Database
) -> None:
    await story.rounds.at(WINDOW_END)
    await story.new()
    await story.answer(story.wang, "well", WINDOW_END + timedelta(minutes=5))

    visit = await story.visit()
    assert visit.status == VisitStatus.WELL and visit.answered_late
    notices = await story.new()
    assert recipients(notices) == [story.wang.telegram_id]  # only Wang had been alerted
    await story.rounds.at(WINDOW_END + timedelta(hours=2))
    assert await story.new() == []  # the backup is never bothered
    async with db.session() as session:
        worked = await totals(
            session,
            volunteer_id=story.team.volunteer("Wang"),
            now=WINDOW_END,
            zone=story.rounds.config.bot.zone,
        )
    assert worked.all_time == 30


async def test_no_answer_alerts_the_backup_at_once_then_the_leader_and_the_duty_officer(
    story: Story,
) -> None:
    pressed = NINE + timedelta(minutes=30)
    answered = await story.answer(story.wang, "no_answer", pressed)
    assert answered.notice == "rounds.notice.no_answer"
    assert recipients(await story.new()) == [story.zhao.telegram_id]
    await story.rounds.at(pressed + timedelta(minutes=15))
    assert recipients(await story.new()) == [story.leader.telegram_id]
    await story.rounds.at(pressed + timedelta(minutes=30))
    (duty,) = await story.new()
    assert duty.chat_id == story.sun.telegram_id and "No answer at the door" in duty.text
    assert [s for s, _, _ in await story.steps()] == ["backup", "leader", "duty"]


async def test_needs_help_alerts_leader_and_duty_at_once_then_passes_on_the_description(
    story: Story,
) -> None:
    pressed = NINE + timedelta(minutes=20)
    await story.answer(story.wang, "needs_help", pressed)
    queued = await story.new()
    assert recipients(queued) == [
        story.leader.telegram_id,
        story.sun.telegram_id,
        story.wang.telegram_id,  # asked what is wrong
    ]
    assert "Needs help" in queued[0].text
    assert "What is wrong with Grandma Li?" in queued[2].text

    await story.describe(story.wang, visits.HelpReport("She fell <b>& hurt</b> her hip"), pressed)
    forwarded = await story.new()
    assert recipients(forwarded) == [
        story.leader.telegram_id,
        story.sun.telegram_id,
        story.wang.telegram_id,  # thanked
    ]
    assert "She fell &lt;b&gt;&amp; hurt&lt;/b&gt; her hip" in forwarded[0].text
    assert "Passed on to: Leader 500, Sun" in forwarded[2].text
    # Nothing further escalates by itself: the alert waits for someone to close it (and is
    # sent again to those holding it while nobody does).
    await story.rounds.at(pressed + timedelta(minutes=29))
    assert await story.new() == []


async def test_a_photo_or_voice_description_is_copied_to_those_alerted(story: Story) -> None:
    await story.answer(story.wang, "needs_help", NINE)
    await story.new()
    report = visits.HelpReport(None, "voice", chat_id=story.wang.telegram_id, message_id=77)
    await story.describe(story.wang, report, NINE + timedelta(minutes=1))
    forwarded = await story.new()
    copies = [m for m in forwarded if m.method == "copy_message"]
    assert [m.chat_id for m in copies] == [story.leader.telegram_id, story.sun.telegram_id]
    assert copies[0].payload == {
        "from_chat_id": story.wang.telegram_id,
        "message_id": 77,
        "protect_content": True,
    }
    assert "(voice message below)" in forwarded[0].text


async def test_a_sticker_is_not_a_description_and_the_question_stays_open(story: Story) -> None:
    await story.answer(story.wang, "needs_help", NINE)
    with pytest.raises(InvalidInput):
        await story.describe(story.wang, visits.HelpReport(None), NINE)
    with pytest.raises(InvalidInput):
        await story.describe(story.wang, visits.HelpReport("x" * 1001), NINE)
    await story.new()
    # Refused descriptions change nothing: a usable one afterwards is passed on.
    await story.describe(story.wang, visits.HelpReport("She is dizzy"), NINE)
    assert "She is dizzy" in (await story.new())[0].text


async def test_presses_are_checked_against_who_visits(story: Story, db: Database) -> None:
    with pytest.raises(NotAllowed):  # Sun is on duty, but not this elder's visitor
        await story.answer(story.sun, "well", NINE)
    with pytest.raises(BadCallbackData):
        await story.answer(story.wang, "dance", NINE)
    async with db.session() as session:
        with pytest.raises(NotFound):
            await visits.answer_visit(
                session,
                actor=story.wang,
                config=story.rounds.config,
                visit_id=999,
                answer="well",
                now=NINE,
            )
    # The backup visitor and a leader may answer.
    answered = await story.answer(story.zhao, "well", NINE + timedelta(minutes=3))
    assert answered.notice == "rounds.notice.well"


async def test_a_visit_takes_one_answer(story: Story) -> None:
    await story.answer(story.wang, "well", NINE)
    with pytest.raises(DomainError) as again:
        await story.answer(story.wang, "well", NINE)
    assert again.value.key == "rounds.notice.already_recorded"
    with pytest.raises(DomainError) as changed:
        await story.answer(story.wang, "no_answer", NINE)
    assert changed.value.key == "rounds.notice.already_answered"


async def test_the_prompt_shows_the_answer_and_keeps_the_other_buttons(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang", room="101")
    await seed_elder(db, team, "Grandpa Chen", "Wang", room="102")
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(NINE)
    (prompt,) = await rounds.queued()
    await rounds.deliver_all()
    first = VisitAnswer.unpack(prompt.button("✅ 1."))
    async with db.session() as session:
        await visits.answer_visit(
            session,
            actor=actor(team.telegram("Wang")),
            config=rounds.config,
            visit_id=first.visit_id,
            answer="well",
            now=NINE,
        )
    (edit,) = [m for m in await rounds.queued() if m.method == "edit_message_text"]
    assert edit.chat_id == team.telegram("Wang")
    assert "✅ Visited, all well (9:00, Wang)" in edit.payload["text"]
    labels = [b["text"] for row in edit.payload["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [
        "🆘 1. Correction: needs help after all",
        "✅ 2. Grandpa Chen: visited, all well",
        "🆘 2. Needs help",
        "🚪 2. No answer",
    ]


async def test_the_correction_button_is_gone_from_a_prompt_shown_after_its_window(
    db: Database,
) -> None:
    """Grandma Li's "all well" at 9:00 may be corrected until the window closes at 11:00;
    Grandpa Chen's late "all well" at 11:10 redraws the prompt: only his answer (30 minutes
    of grace) still has the correction button."""
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang", room="101")
    await seed_elder(db, team, "Grandpa Chen", "Wang", room="102")
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(NINE)
    (prompt,) = await rounds.queued()
    await rounds.deliver_all()
    wang = actor(team.telegram("Wang"))
    for button, at in (("✅ 1.", NINE), ("✅ 2.", WINDOW_END + timedelta(minutes=10))):
        async with db.session() as session:
            await visits.answer_visit(
                session,
                actor=wang,
                config=rounds.config,
                visit_id=VisitAnswer.unpack(prompt.button(button)).visit_id,
                answer="well",
                now=at,
            )
    *_, edit = [m for m in await rounds.queued() if m.method == "edit_message_text"]
    labels = [b["text"] for row in edit.payload["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["🆘 2. Correction: needs help after all"]


async def test_a_prompt_whose_reader_has_no_account_is_shown_in_the_default_language(
    db: Database,
) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    config = rounds_config()
    config.bot.default_language = "en"  # the accounts here speak English; the default too
    rounds = Rounds(db, config, FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(NINE)
    (prompt,) = await rounds.queued()
    await rounds.deliver_all()
    async with db.session() as session:  # Wang's account is gone (the prompt is still there)
        await session.delete(await session.get(Account, team.telegram("Wang")))
    async with db.session() as session:
        await visits.answer_visit(
            session,
            actor=actor(team.leader, Role.LEADER),
            config=config,
            visit_id=VisitAnswer.unpack(prompt.button("✅")).visit_id,
            answer="well",
            now=NINE,
        )
    (edit,) = [m for m in await rounds.queued() if m.method == "edit_message_text"]
    assert "Visited, all well" in edit.text  # not Chinese, which nobody here reads


async def test_a_leader_on_duty_is_alerted_once(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    # The leader also signed up as a volunteer, and holds the duty shifts.
    async with db.session() as session:
        await session.delete(await session.get(Account, team.leader))
    leader_volunteer = await seed_volunteer(
        db, team.leader, "Leader Lin", role=Role.LEADER, language="en"
    )
    await set_duty(db, leader_volunteer, EVERY_SHIFT)
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(NINE)
    await rounds.queued()
    async with db.session() as session:
        visit = (await session.exec(select(Visit))).one()
        answered = await visits.answer_visit(
            session,
            actor=actor(team.telegram("Wang")),
            config=rounds.config,
            visit_id=visit.id,  # type: ignore[arg-type]
            answer="needs_help",
            now=NINE,
        )
        wang = actor(team.telegram("Wang"))
        await send_as_the_handler(session, wang, rounds.config, answered, NINE)  # type: ignore[arg-type]
    queued = await rounds.queued()
    assert recipients(queued) == [team.leader, team.telegram("Wang")]
    async with db.session() as session:
        steps = [
            (s.step.value, s.recipient_telegram_id) for s in await session.exec(select(AlertStep))
        ]
    assert steps == [("help_leader", team.leader), ("help_duty", team.leader)]


async def test_with_nobody_on_duty_the_step_is_recorded_without_a_recipient(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(NINE)
    for minutes in (0, 15, 30, 45):
        await rounds.at(WINDOW_END + timedelta(minutes=minutes))
    async with db.session() as session:
        steps = [
            (s.step.value, s.recipient_telegram_id) for s in await session.exec(select(AlertStep))
        ]
    assert steps == [
        ("reminder", team.telegram("Wang")),
        ("backup", None),  # none assigned
        ("leader", team.leader),
        ("duty", None),  # nobody on the rota
    ]
    # A step nobody holds goes to the last resort: the community's leaders and administrators
    # (here the team's leader is the only one, so the leader step tells them nothing new).
    assert await notices(db) == [
        ("reminder", team.telegram("Wang"), False, 0),
        ("backup", team.leader, True, 0),
    ]


async def test_the_last_resort_is_the_community_leaders_not_another_teams_leader(
    db: Database,
) -> None:
    """A step nobody holds goes to the community's leaders (who lead no team) and the
    administrators, never to the leader of an unrelated team."""
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang")
    await seed_account(db, 900, role=Role.LEADER, first_name="Community Liu")
    await seed_account(db, 901, role=Role.LEADER, first_name="Patrol Tom")
    async with db.session() as session:
        session.add(Team(name="Patrol", created_by=1, created_at=NINE, leader_telegram_id=901))
    rounds = Rounds(db, rounds_config(), FrozenClock(NINE - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(NINE)
    for minutes in (0, 15, 30, 45):
        await rounds.at(WINDOW_END + timedelta(minutes=minutes))
    told = await notices(db)
    assert ("backup", 900, True, 0) in told
    assert all(telegram_id != 901 for _, telegram_id, _, _ in told)


async def test_the_duty_officer_is_whoever_holds_the_shift_at_that_moment(db: Database) -> None:
    team = await seed_care_team(db)
    await seed_elder(db, team, "Grandma Li", "Wang", times=("19:00",))
    # Monday 2026-11-23: Zhao holds the day shift (08:00-20:00), Sun the night shift.
    await set_duty(db, team.volunteer("Zhao"), [(0, Shift.DAY)])
    await set_duty(db, team.volunteer("Sun"), [(0, Shift.NIGHT)])
    seven_pm = NINE + timedelta(hours=10)
    rounds = Rounds(db, rounds_config(), FrozenClock(seven_pm - timedelta(hours=1)))
    await rounds.tick()
    await rounds.at(seven_pm)
    for minutes in (0, 15, 30, 45):  # the duty step is due at 21:45, in the night shift
        await rounds.at(seven_pm + timedelta(hours=2, minutes=minutes))
    async with db.session() as session:
        duty = (await session.exec(select(AlertStep).where(AlertStep.step == "duty"))).one()
    assert duty.recipient_telegram_id == team.telegram("Sun")


async def test_an_alert_nobody_closes_is_sent_again_to_its_holders_until_closed(
    story: Story,
) -> None:
    for minutes in (0, 15, 30, 45):  # the last step, to the duty officer, at 11:45
        await story.rounds.at(WINDOW_END + timedelta(minutes=minutes))
    await story.new()
    await story.rounds.at(WINDOW_END + timedelta(minutes=74))
    assert await story.new() == []
    await story.rounds.at(WINDOW_END + timedelta(minutes=75))
    again = await story.new()
    assert recipients(again) == [story.leader.telegram_id, story.sun.telegram_id]
    assert all("Still open</b> (reminder 1)" in m.text for m in again)
    await story.rounds.at(WINDOW_END + timedelta(minutes=105))
    assert recipients(await story.new()) == [story.leader.telegram_id, story.sun.telegram_id]
    await story.close(story.sun, "phone_well", WINDOW_END + timedelta(minutes=110))
    await story.new()
    await story.rounds.at(WINDOW_END + timedelta(hours=5))  # 16:00
    assert await story.new() == []
    assert [n for n in await notices(story.db) if n[3]] == [
        ("leader", story.leader.telegram_id, False, 1), ("duty", story.sun.telegram_id, False, 1),
        ("leader", story.leader.telegram_id, False, 2), ("duty", story.sun.telegram_id, False, 2),
    ]  # fmt: skip


async def test_a_demoted_leader_can_no_longer_close_an_alert_nor_hears_of_it(
    story: Story,
) -> None:
    for minutes in (0, 15, 30):  # the leader is alerted at 11:30
        await story.rounds.at(WINDOW_END + timedelta(minutes=minutes))
    await story.new()
    admin = actor(ADMIN_ID, Role.ADMIN)
    async with story.db.session() as session:
        await roles.demote(
            session,
            actor=admin,
            target=str(story.leader.telegram_id),
            admins=[ADMIN_ID],
            now=WINDOW_END,
        )
    demoted = actor(story.leader.telegram_id)
    with pytest.raises(NotAllowed):
        await story.close(demoted, "family_informed", WINDOW_END + timedelta(minutes=35))
    await story.close(story.zhao, "visited_well", WINDOW_END + timedelta(minutes=40))
    told = recipients(await story.new())
    assert story.leader.telegram_id not in told and story.zhao.telegram_id in told


async def test_a_holder_who_blocked_the_bot_is_passed_over_for_the_last_resort(
    story: Story, db: Database
) -> None:
    await seed_account(db, 700, role=Role.LEADER, first_name="Mei", language="en")
    await seed_account(db, 701, role=Role.LEADER, first_name="Blocked leader", language="en")
    async with db.session() as session:
        for telegram_id in (story.sun.telegram_id, 701):  # the duty officer and a leader
            account = await session.get(Account, telegram_id)
            assert account is not None
            account.unreachable_at = NINE
    answered = await story.answer(story.wang, "needs_help", NINE + timedelta(minutes=5))
    assert answered.reached == ("Leader 500", "Mei")
    assert recipients(await story.new()) == [
        story.leader.telegram_id,
        700,  # for the duty step, in place of Sun
        story.wang.telegram_id,
    ]
    assert [(s, i) for s, i, _ in await story.steps()] == [
        ("help_leader", story.leader.telegram_id),
        ("help_duty", None),
    ]
