"""The form engine's fields for moments and map pins, choices loaded when a dialog began, and
a preview under the summary (added for the call-out forms, usable by any form)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.dialogs import (
    ChoiceField,
    DateTimeField,
    Form,
    FormEnv,
    LocationField,
    Option,
    UserInput,
    register,
)
from models.db import Database
from tests.test_dialog_engine import (
    COMPLETED,
    Person,
    _keys,
    _remember,
    labels,
    last_text,
    markup,
)


@pytest.fixture
def person(db: Database, clock: FrozenClock) -> Person:
    return Person(db, clock)


def _two_hours_later(env: FormEnv, values: Mapping[str, Any]) -> str | None:
    start = values.get("start")
    return (datetime.fromisoformat(start) + timedelta(hours=2)).isoformat() if start else None


def _teams_loaded_at_the_start(env: FormEnv) -> list[Option]:
    return [Option(team_id, name) for team_id, name in env.context.get("teams", [])]


async def _how_many(env: FormEnv, values: Mapping[str, Any]) -> str:
    return f"<i>Would reach {len(values)} people.</i>"


SHIFT = register(
    Form(
        flow="test_shift",
        fields=(
            DateTimeField(name="start", **_keys("name"), now_button=True),
            DateTimeField(name="end", **_keys("phone"), after="start", default=_two_hours_later),
            DateTimeField(name="answer_by", **_keys("address"), before="end", optional=True),
            LocationField(name="pin", **_keys("compound"), optional=True),
            ChoiceField(name="team", **_keys("party"), options=_teams_loaded_at_the_start),
        ),
        complete=_remember,
        preview=_how_many,
    )
)


async def test_moments_are_read_as_typed_checked_and_shown_in_the_communitys_time(
    person: Person,
) -> None:
    asked = await person.start(SHIFT, context={"teams": [[3, "Patrol"], [5, "Medics"]]})
    assert labels(asked) == ["🕒 Now"]
    for typed, complaint in [
        ("banana", "I could not read that time"),
        ("x" * 60, "I could not read that time"),
        ("today 08:00", "Sat 21 Nov, 8:00 has already passed"),
    ]:
        assert complaint in last_text(await person.say(typed))
    sticker = await person.send(UserInput.unsupported("sticker"))
    assert "Please answer with a text message." in last_text(sticker)
    start = await person.say("tomorrow 20:00")
    assert "<b>Sun 22 Nov, 20:00</b>" in last_text(start)
    assert "Current answer: <b>Sun 22 Nov, 22:00</b>" in last_text(start)  # the default
    assert "must be after Sun 22 Nov, 20:00" in last_text(await person.say("tomorrow 19:00"))
    ended = await person.say("06:00")  # a time alone: the first one after the start
    assert "<b>Mon 23 Nov, 6:00</b>" in last_text(ended)
    late = await person.say("2026-11-24 08:00")
    assert "must not be later than Mon 23 Nov, 6:00" in last_text(late)
    await person.say("today 18:00")
    saved = await person.conversation()
    assert saved is not None and saved.data["values"] == {
        "start": "2026-11-22T12:00:00+00:00",
        "end": "2026-11-22T22:00:00+00:00",
        "answer_by": "2026-11-21T10:00:00+00:00",
    }


async def test_a_while_from_now_starts_and_a_while_after_the_start_ends(
    person: Person,
) -> None:
    """An emergency's leader types "in 30 minutes", then how long it lasts."""
    await person.start(SHIFT, context={"teams": []})
    start = await person.say("in 30 minutes")
    assert "<b>Sat 21 Nov, 9:30</b>" in last_text(start)
    ended = await person.say("3小时后")
    assert "<b>Sat 21 Nov, 12:30</b>" in last_text(ended)


async def test_now_is_a_button_and_the_map_pin_takes_only_a_shared_location(
    person: Person,
) -> None:
    await person.start(SHIFT, context={"teams": [[3, "Patrol"]]})
    pressed = await person.press("🕒 Now")
    assert "<b>Sat 21 Nov, 9:00</b>" in last_text(pressed)
    await person.press("Keep the current answer")
    await person.press("Skip")
    asked = await person.say("x")
    assert "Please share a location with the button below" in last_text(asked)
    assert markup(asked)["keyboard"][0][0]["request_location"] is True
    shared = await person.send(UserInput.location(30.5928, 114.3055))
    assert "📍 30.59280, 114.30550" in last_text(shared)
    assert labels(shared) == ["Patrol"]  # the choices the dialog began with


async def test_a_forms_preview_is_worked_out_under_its_summary(person: Person) -> None:
    await person.start(SHIFT, context={"teams": [[3, "Patrol"]]})
    await person.press("🕒 Now")
    await person.press("Keep the current answer")
    await person.press("Skip")
    await person.say("Skip")  # the map pin's reply keyboard
    summary = await person.press("Patrol")
    assert "<i>Would reach 5 people.</i>" in last_text(summary)
    await person.press("✅ Confirm")
    values, context = COMPLETED[-1]
    assert values["team"] == 3 and values["pin"] is None
    assert context == {"teams": [[3, "Patrol"]]}
