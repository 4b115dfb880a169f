"""A day in the life, once per role and per language, over real HTTP: a volunteer's day, a
leader's call-out day, a care team's round with an alert, a duty officer's night.

Each story writes its transcript (what every person saw, in order) to
``test-artifacts/transcripts/<story>-<language>.txt`` (``tests.fake_telegram.transcript``),
kept by CI as an artifact, for a person to read. The stories assert what things mean, looked up
in the catalogs of the person's language, not exact dates or layouts.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.clock import FrozenClock
from bot.i18n import catalog, text
from bot.scheduler import run_due_work
from models import Callout, Role
from models.elders import Alert, Shift
from tests.fake_telegram import FakeUser, SentMessage, Transcript
from tests.harness import RunningBot, StartBot
from tests.rounds_world import CareTeam, lead_team, reachable, seed_elder, set_duty, settled
from tests.seed import seed_account, seed_team, seed_volunteer
from tests.seed_callouts import (
    create,
    leader_in_telegram,
    outbox_settled,
    volunteer_in_telegram,
)

LANGUAGES = pytest.mark.parametrize("language", ["zh", "en"])
MONDAY_EIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai
NAMES = {
    "zh": {"volunteer": "王芳", "other": "李娜", "third": "赵磊", "elder": "李奶奶"},
    "en": {"volunteer": "Wang Fang", "other": "Li Na", "third": "Zhao Lei", "elder": "Grandma Li"},
}
QUESTIONS = {"zh": "你好，明天几点集合？", "en": "Hello, what time do we meet tomorrow?"}
DESCRIPTIONS = {
    "zh": "沿河堤巡查，检查水泵。请带手电筒。",
    "en": "Walk the river bank and check the pumps. Bring a torch.",
}
PLACES = {"zh": "河堤3号门", "en": "River bank, gate 3"}
ANSWERS = {"zh": "早上7:45在社区门口集合。", "en": "7:45 at the community gate."}


def says(language: str, key: str, **params: object) -> str:
    """A catalog text as the person reads it (tags gone, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text(language, key, **params)))


def opening(language: str, key: str) -> str:
    """The first words of a catalog text, up to its first placeholder: enough to know which
    message it is."""
    template = catalog(language)[key].split("{", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", template)).strip().splitlines()[0][:14]


async def new(
    user: FakeUser, expected: str | Callable[[SentMessage], bool] | None = None
) -> SentMessage:
    return await user.expect_message(expected, edits=False)


Recorder = Callable[[RunningBot, str], Transcript]


@pytest.fixture
async def transcript(request: pytest.FixtureRequest) -> AsyncIterator[Recorder]:
    """``transcript(bot, title)``: a recorder written when the test ends, passed or failed."""
    made: list[Transcript] = []

    def start(bot: RunningBot, title: str) -> Transcript:
        made.append(Transcript(bot.telegram, title))
        return made[-1]

    yield start
    name = re.sub(r"[^\w-]+", "-", request.node.name.removeprefix("test_")).strip("-")
    for recorded in made:
        recorded.write(name)


async def roster_rows(lead: FakeUser, language: str) -> list[tuple[object, ...]]:
    """The leader presses Export on the newest roster card and opens the spreadsheet."""
    await lead.press(says(language, "callouts.card.button.export"))
    sheet = await lead.expect_message(lambda m: m.document is not None)
    assert sheet.document is not None
    book = load_workbook(io.BytesIO(sheet.document.data))
    return list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]


async def question_answered(volunteer: FakeUser, lead: FakeUser, language: str) -> None:
    """The volunteer types a question outside any form; the leader replies to it."""
    asked = await volunteer.send(QUESTIONS[language])
    offer = await new(volunteer, says(language, "questions.offer"))
    await volunteer.press(offer.buttons[0][0])  # the leader of the call-out they answered
    relayed = await new(lead, QUESTIONS[language])
    await lead.send(ANSWERS[language], reply_to=relayed.message_id)
    answer = await new(volunteer, ANSWERS[language])
    assert answer.message["reply_to_message"]["message_id"] == asked["message_id"]


# -- a volunteer's day --------------------------------------------------------------------
@LANGUAGES
async def test_a_volunteers_day(start_bot: StartBot, transcript: Recorder, language: str) -> None:
    """Wang signs up and says No to sharing her phone; a call-out comes, she goes; she asks
    when to meet and gets the leader's answer; the leader's roster spreadsheet has her name
    and not her phone."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    record = transcript(bot, f"A volunteer's day ({language})")
    lead = record.follow(await leader_in_telegram(bot, language), "Lin (leader)")
    name = NAMES[language]["volunteer"]
    wang = record.follow(bot.user(101, name, language), f"{name} (volunteer)")

    await wang.send("/start")
    welcome = await new(wang)
    assert opening(language, "signup.field.name.prompt") in (welcome.text or "")
    who_sees_what = says(language, "signup.welcome", community="Sunshine Community")
    assert who_sees_what.split("\n\n")[1] in (welcome.text or "")  # the privacy notice
    await wang.send(name)
    await new(wang)
    await wang.send("138 0013 8000")
    await new(wang)
    await wang.send("3-502")
    await new(wang)
    await wang.press(says(language, "dialog.done"))  # no special skills
    availability = await new(wang)
    await wang.press(availability.buttons[0][0])
    await wang.press(says(language, "dialog.done"))
    party = await new(wang)
    await wang.press(party.buttons[-1][0])
    consent = await new(wang)
    assert says(language, "signup.field.consent.prompt") in (consent.text or "")
    await wang.press(says(language, "dialog.no"))
    await new(wang)
    await wang.press(says(language, "signup.confirm"))
    await new(wang, says(language, "signup.registered", name=name))

    await create(bot.db, clock.now(), needed=2, title="Flood patrol")
    await run_due_work(bot.runtime)
    await new(wang, "Flood patrol")
    await wang.press(says(language, "callouts.button.go"))
    await wang.expect_message(lambda m: m.edited and bool(m.buttons))
    await outbox_settled(bot)
    await run_due_work(bot.runtime)

    await question_answered(wang, lead, language)

    rows = await roster_rows(lead, language)
    [mine] = [row for row in rows if row[0] == name]
    assert mine[1] in (None, "")  # said No: no phone, not even now that she is coming
    assert mine[2] == says(language, "callouts.state.confirmed")
    assert QUESTIONS[language] in record.render() and ANSWERS[language] in record.render()


# -- a leader's call-out day --------------------------------------------------------------
async def fill_in_the_call_out_form(lead: FakeUser, language: str) -> SentMessage:
    """Answer each question of /callout as a leader would, whatever order it asks them in."""
    press: dict[str, str] = {
        "template": says(language, "callouts.template.night_patrol"),
        "title": says(language, "dialog.keep"),
        "skills": says(language, "dialog.done"),
        "skill_match": says(language, "callouts.form.skill_match.any"),
        "audience": says(language, "callouts.form.audience.everyone"),
        "party_only": says(language, "dialog.no"),
        "urgency": says(language, "callouts.form.urgency.normal"),
    }
    typed = {
        "description": DESCRIPTIONS[language],
        "place": PLACES[language],
        "starts_at": "2026-11-22 20:00",
        "ends_at": "2026-11-22 23:00",
        "needed": "2",
    }
    skipped = ("location", "checkin_location", "deadline")
    await lead.send("/callout")
    answered: set[str | None] = set()
    for _ in range(25):
        asked = await new(lead)
        shown = asked.text or ""
        if opening(language, "callouts.form.summary") in shown:
            return asked
        step = next(
            (
                s
                for s in (*press, *typed, *skipped)
                if opening(language, f"callouts.form.{s}.prompt") in shown
            ),
            None,
        )
        assert step not in answered, f"asked again: {shown}"
        answered.add(step)
        if step in press:
            await lead.press(press[step])
        elif step in typed:
            await lead.send(typed[step])
        elif step in skipped:
            skip = says(language, "dialog.skip")
            if any(skip in row for row in asked.buttons):
                await lead.press(skip)
            else:
                await lead.tap_reply_button(skip)
    raise AssertionError("the call-out form never showed its preview")


@LANGUAGES
async def test_a_leaders_call_out_day(
    start_bot: StartBot, transcript: Recorder, language: str
) -> None:
    """Lin creates a night patrol for everyone through the form; two volunteers go, one can't;
    one asks a question and gets Lin's answer; Lin exports the roster."""
    clock = FrozenClock()
    bot = await start_bot(clock=clock)
    record = transcript(bot, f"A leader's call-out day ({language})")
    lead = record.follow(await leader_in_telegram(bot, language), "Lin (leader)")
    names = NAMES[language]
    volunteers = []
    for n, key in enumerate(("volunteer", "other", "third")):
        person = await volunteer_in_telegram(bot, 101 + n, names[key], language)
        volunteers.append(record.follow(person, f"{names[key]} (volunteer)"))
    wang, li, zhao = volunteers

    preview = await fill_in_the_call_out_form(lead, language)
    assert says(language, "callouts.form.preview", count=3) in (preview.text or "")
    await lead.press(says(language, "callouts.form.send"))
    await new(lead)
    await run_due_work(bot.runtime)
    title = says(language, "callouts.template.night_patrol")
    for person in (wang, li, zhao):
        await new(person, title)
    for person, button in ((wang, "go"), (li, "go"), (zhao, "decline")):
        query = await person.press(says(language, f"callouts.button.{button}"))
        await person.expect_callback_answer(query_id=query)  # the press was handled
    await outbox_settled(bot)
    await run_due_work(bot.runtime)
    await outbox_settled(bot)

    await question_answered(wang, lead, language)

    rows = await roster_rows(lead, language)
    answers = {row[0]: row[2] for row in rows[1:]}
    assert answers == {
        names["volunteer"]: says(language, "callouts.state.confirmed"),
        names["other"]: says(language, "callouts.state.confirmed"),
        names["third"]: says(language, "callouts.state.declined"),
    }
    async with bot.db.session() as session:
        callout = (await session.exec(select(Callout))).one()
    assert callout.everyone and callout.needed == 2


# -- a care team's round with an alert ----------------------------------------------------
async def care_team(bot: RunningBot, language: str) -> tuple[CareTeam, dict[str, FakeUser]]:
    """Lin leads the care team; Wang visits the elder, Zhao is her backup, Sun is on duty."""
    people = {
        "Lin": await reachable(bot, 600, "Lin", language),
        "Wang": await reachable(bot, 601, NAMES[language]["volunteer"], language),
        "Zhao": await reachable(bot, 602, NAMES[language]["third"], language),
        "Sun": await reachable(bot, 603, NAMES[language]["other"], language),
    }
    members = {
        key: (
            await seed_volunteer(
                bot.db, user.id, user.first_name, phone=f"+86139{user.id:08d}", language=language
            ),
            user.id,
        )
        for key, user in people.items()
        if key != "Lin"
    }
    team_name = "阳光关爱队" if language == "zh" else "Sunshine care team"
    team_id = await seed_team(bot.db, team_name, [v for v, _ in members.values()])
    await seed_account(bot.db, 600, role=Role.LEADER, language=language, first_name="Lin")
    await lead_team(bot.db, team_id, 600)
    team = CareTeam(team_id, 600, members)
    return team, people


async def at(bot: RunningBot, clock: FrozenClock, instant: datetime) -> None:
    clock.set(instant)
    await run_due_work(bot.runtime)
    await settled(bot)


@LANGUAGES
async def test_a_care_teams_round_with_an_alert(
    start_bot: StartBot, transcript: Recorder, language: str
) -> None:
    """The 9:00 round: Wang knocks, nobody answers; Zhao, the backup, is alerted at once,
    reaches the elder by phone and closes the alert; everyone alerted is told."""
    clock = FrozenClock(MONDAY_EIGHT)
    bot = await start_bot(clock=clock)
    record = transcript(bot, f"A care team's round with an alert ({language})")
    team, people = await care_team(bot, language)
    for key in ("Wang", "Zhao", "Lin"):
        record.follow(people[key], f"{people[key].first_name} ({key})")
    elder = NAMES[language]["elder"]
    await seed_elder(bot.db, team, elder, "Wang", "Zhao", times=("09:00",))
    await at(bot, clock, MONDAY_EIGHT)
    await at(bot, clock, MONDAY_EIGHT + timedelta(hours=1))

    card = await new(people["Wang"], opening(language, "rounds.prompt.header"))
    no_answer = says(language, "rounds.button.no_answer", number=1)
    await people["Wang"].press(no_answer, card)
    await people["Wang"].expect_callback_answer()
    alert = await new(people["Zhao"], elder)
    assert "13900001111" in (alert.text or "")  # the elder's phone, to call at once
    await people["Zhao"].press(says(language, "rounds.outcome.phone_well"), alert)
    closed = opening(language, "rounds.alert.closed")
    for told in ("Zhao", "Wang"):
        await people[told].expect_message(closed)
    await settled(bot)
    async with bot.db.session() as session:
        [closed_alert] = (await session.exec(select(Alert))).all()
    assert closed_alert.closed_by == people["Zhao"].id


# -- a duty officer's night ---------------------------------------------------------------
@LANGUAGES
async def test_a_duty_officers_night(
    start_bot: StartBot, transcript: Recorder, language: str
) -> None:
    """At the 21:00 visit Wang finds the elder needs help; Sun, on the night shift, gets the
    address, phone and family at once, is reminded while it stays open, and closes it when
    the ambulance is called."""
    nine_pm = MONDAY_EIGHT + timedelta(hours=13)
    clock = FrozenClock(nine_pm - timedelta(hours=1))
    bot = await start_bot(clock=clock)
    record = transcript(bot, f"A duty officer's night ({language})")
    team, people = await care_team(bot, language)
    for key in ("Sun", "Wang", "Lin"):
        record.follow(people[key], f"{people[key].first_name} ({key})")
    elder = NAMES[language]["elder"]
    await seed_elder(
        bot.db, team, elder, "Wang", times=("21:00",), contacts=[("Li Ming", "13700002222")]
    )
    await set_duty(bot.db, team.volunteer("Sun"), [(0, Shift.NIGHT)])
    await at(bot, clock, nine_pm - timedelta(hours=1))
    await at(bot, clock, nine_pm)
    card = await new(people["Wang"], opening(language, "rounds.prompt.header"))
    clock.set(nine_pm + timedelta(minutes=5))
    await people["Wang"].press(says(language, "rounds.button.help", number=1), card)
    await people["Wang"].expect_callback_answer()
    await settled(bot)

    alert = await new(people["Sun"], elder)
    assert "13900001111" in (alert.text or "") and "13700002222" in (alert.text or "")
    await at(bot, clock, nine_pm + timedelta(minutes=35))  # still open half an hour later
    reminder = await new(people["Sun"], opening(language, "rounds.alert.still_open"))
    await people["Sun"].press(says(language, "rounds.outcome.ambulance_called"), reminder)
    for told in ("Sun", "Wang", "Lin"):
        await people[told].expect_message(opening(language, "rounds.alert.closed"))
    async with bot.db.session() as session:
        [closed_alert] = (await session.exec(select(Alert))).all()
    assert closed_alert.closed_by == people["Sun"].id
