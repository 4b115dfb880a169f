"""The form engine without Telegram: each call is one transaction, as each update is, and the
conversation row is all that carries a dialog from one call (or process) to the next."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import Config
from bot.dialogs import (
    ChoiceField,
    DialogPress,
    DialogReply,
    Form,
    FormEnv,
    LocationOrTextField,
    MessageField,
    MultiChoiceField,
    Option,
    PhoneField,
    Screen,
    TextField,
    UserInput,
    YesNoField,
    begin,
    cancel,
    handle_message,
    handle_press,
    register,
    resume,
)
from bot.errors import InvalidInput
from bot.i18n import Translator
from bot.services.accounts import Actor
from models import Conversation, Role
from models.db import Database

COMPLETED: list[tuple[dict[str, Any], dict[str, Any]]] = []


async def _remember(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    COMPLETED.append((dict(values), dict(context)))
    return Screen("Saved.")


def _keys(name: str) -> dict[str, str]:
    """Texts borrowed from the sign-up catalog: these tests are about the steps, not words."""
    return {"label": f"signup.field.{name}.label", "prompt": f"signup.field.{name}.prompt"}


def _colours(env: FormEnv) -> list[Option]:
    return [Option("red", "Red"), Option("green", "Green"), Option("blue", "Blue")]


def _count(env: FormEnv, text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 500:
        raise InvalidInput("dialog.error.too_long", max=500, length=text)
    return int(text)


def _wants_place(env: FormEnv, values: Mapping[str, Any]) -> bool:
    return values.get("outdoor") is True


ORDER = register(
    Form(
        flow="test_order",
        fields=(
            TextField(name="title", **_keys("name"), max_length=20),
            TextField(name="count", **_keys("address"), validate=_count),
            PhoneField(name="phone", **_keys("phone")),
            YesNoField(name="outdoor", **_keys("consent")),
            LocationOrTextField(name="place", **_keys("compound"), when=_wants_place),
            ChoiceField(name="colour", **_keys("party"), options=_colours),
            MultiChoiceField(
                name="extras",
                **_keys("skills"),
                options=_colours,
                min_selected=1,
                default=lambda env, values: ["green"],
            ),
            TextField(name="note", **_keys("availability"), optional=True),
        ),
        complete=_remember,
    )
)
QUICK = register(
    Form(
        flow="test_quick",
        fields=(
            TextField(name="title", **_keys("name"), max_length=20),
            MultiChoiceField(name="extras", **_keys("skills"), options=_colours, min_selected=0),
        ),
        complete=_remember,
        summary=None,
    )
)

NEEDS = register(
    Form(
        flow="test_needs",
        fields=(
            TextField(
                name="count",
                **_keys("address"),
                validate=_count,
                quick=lambda env: [Option(0, "As many as possible")],
            ),
            PhoneField(name="contact", **_keys("phone"), own_contact=False),
        ),
        complete=_remember,
        summary=None,
    )
)


class Person:
    """Someone in a private chat with the bot, one transaction per message or press."""

    def __init__(self, db: Database, clock: FrozenClock, user_id: int = 7) -> None:
        self.db, self.clock = db, clock
        self.actor = Actor(user_id, "en", Role.VOLUNTEER)
        self.config = Config()
        self.last: DialogReply = DialogReply()

    async def _run(self, call: Callable[[FormEnv], Awaitable[DialogReply | None]]) -> DialogReply:
        async with self.db.session() as session:
            env = FormEnv(
                session,
                self.config,
                Translator("en", self.config.bot.zone),
                self.clock.now(),
                self.actor,
            )
            reply = await call(env) or DialogReply()
        self.last = reply if reply.messages else self.last
        return reply

    async def start(self, form: Form, **kwargs: Any) -> DialogReply:
        return await self._run(lambda env: begin(env, form, **kwargs))

    async def say(self, text: str) -> DialogReply:
        return await self.send(UserInput.typed(text))

    async def send(self, message: UserInput) -> DialogReply:
        return await self._run(lambda env: handle_message(env, message))

    async def press(self, label: str, reply: DialogReply | None = None) -> DialogReply:
        data = button_data(reply or self.last, label)
        return await self.press_data(data)

    async def press_data(self, data: str, message_id: int = 50) -> DialogReply:
        press = DialogPress.unpack(data)
        return await self._run(lambda env: handle_press(env, press, message_id))

    async def cancel(self) -> DialogReply:
        return await self._run(lambda env: cancel(env))

    async def resume(self) -> DialogReply:
        return await self._run(lambda env: resume(env))

    async def conversation(self) -> Conversation | None:
        async with self.db.session() as session:
            return await session.get(Conversation, self.actor.telegram_id)


def texts(reply: DialogReply) -> list[str]:
    return [m.payload["text"] for m in reply.messages if "text" in m.payload]


def last_text(reply: DialogReply) -> str:
    return texts(reply)[-1]


def markup(reply: DialogReply) -> dict[str, Any]:
    return next(
        m.payload["reply_markup"] for m in reversed(reply.messages) if "reply_markup" in m.payload
    )


def labels(reply: DialogReply) -> list[str]:
    return [b["text"] for row in markup(reply).get("inline_keyboard", []) for b in row]


def button_data(reply: DialogReply, label: str) -> str:
    for row in markup(reply).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label or button["text"].endswith(f" {label}"):
                return button["callback_data"]
    raise AssertionError(f"no button {label!r} in {labels(reply)}")


@pytest.fixture(autouse=True)
def _forget_completed() -> None:
    COMPLETED.clear()


@pytest.fixture
def person(db: Database, clock: FrozenClock) -> Person:
    return Person(db, clock)


async def fill_to_summary(person: Person) -> DialogReply:
    await person.start(ORDER)
    await person.say("Flood patrol")
    await person.say("12")
    await person.say("138 0013 8000")
    await person.press("No")
    await person.press("Blue")
    await person.press("Done ✓")
    return await person.press("Skip")


async def test_each_answer_moves_the_saved_step_and_the_next_question_is_one_message(
    person: Person,
) -> None:
    first = await person.start(ORDER, note="Hello!")
    assert len(first.messages) == 1
    assert last_text(first).startswith("Hello!") and "(1/7)" in last_text(first)
    reply = await person.say("Flood patrol")
    assert len(reply.messages) == 1
    assert "✓ Name: <b>Flood patrol</b>" in last_text(reply) and "(2/7)" in last_text(reply)
    saved = await person.conversation()
    assert saved is not None and saved.flow == "test_order" and saved.step == "count"
    assert saved.data["values"] == {"title": "Flood patrol"}


async def test_a_dialog_continues_from_the_database_alone(db: Database, clock: FrozenClock) -> None:
    before = Person(db, clock)
    await before.start(ORDER)
    await before.say("Flood patrol")
    after_restart = Person(db, clock)  # nothing shared but the database
    shown = await after_restart.resume()
    assert "continue where you left off" in last_text(shown)
    assert "Building" in last_text(shown)  # the count question (borrowed text)
    reply = await after_restart.say("12")
    assert "✓ Building / room: <b>12</b>" in last_text(reply)


@pytest.mark.parametrize(
    ("typed", "complaint"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 200, "at most 20 characters, and yours has 200"),
        ("<b>x</b>&", "do not use the characters &lt; &gt; &amp;"),
        ("😀😀😀", "in words, not only emoji"),
        ("bell\x07", "control characters"),
    ],
)
async def test_bad_text_is_asked_again_at_the_same_step(
    person: Person, typed: str, complaint: str
) -> None:
    await person.start(ORDER)
    before = await person.conversation()
    reply = await person.say(typed)
    assert complaint in last_text(reply)
    assert "What is your name?" in last_text(reply)
    after = await person.conversation()
    assert after is not None and before is not None
    assert (after.step, after.version, after.data) == ("title", before.version, before.data)


@pytest.mark.parametrize("other", ["sticker", "photo", "voice"])
async def test_media_where_text_is_expected_is_asked_again(person: Person, other: str) -> None:
    await person.start(ORDER)
    reply = await person.send(UserInput.unsupported(other))
    assert "Please answer with a text message." in last_text(reply)
    assert (await person.conversation()).step == "title"  # type: ignore[union-attr]


async def test_a_validator_turns_text_into_a_value_or_names_the_problem(person: Person) -> None:
    await person.start(ORDER)
    await person.say("Flood patrol")
    refused = await person.say("many")
    assert "at most 500 characters, and yours has many" in last_text(refused)
    await person.say("12")
    saved = await person.conversation()
    assert saved is not None and saved.data["values"]["count"] == 12


async def test_a_phone_is_typed_or_ones_own_contact_and_stored_as_e164(person: Person) -> None:
    await person.start(ORDER, values={"title": "x", "count": 1})
    invalid = await person.say("12345")
    assert "does not look like a valid phone number" in last_text(invalid)
    assert markup(invalid)["keyboard"][0][0]["request_contact"] is True
    others = await person.send(UserInput.contact("+8613900139000", user_id=999))
    assert "someone else's contact" in last_text(others)
    card = await person.send(UserInput.contact("+8613900139000", user_id=None))
    assert "someone else's contact" in last_text(card)
    own = await person.send(UserInput.contact("8613900139000", user_id=7))
    assert "✓ Phone: <b>+8613900139000</b>" in last_text(own)
    assert markup(own) == {
        "inline_keyboard": [
            [
                {"text": "Yes", "callback_data": button_data(own, "Yes")},
                {"text": "No", "callback_data": button_data(own, "No")},
            ]
        ]
    }


async def test_typed_local_numbers_are_read_in_the_default_region(person: Person) -> None:
    await person.start(ORDER, values={"title": "x", "count": 1})
    await person.say("010-1234 5678")
    saved = await person.conversation()
    assert saved is not None and saved.data["values"]["phone"] == "+861012345678"


async def test_a_conditional_field_is_asked_only_when_its_condition_holds(person: Person) -> None:
    await person.start(ORDER, values={"title": "x", "count": 1, "phone": "+8613800138000"})
    no = await person.press("No")
    assert "Which compound" not in last_text(no)
    assert "Are you a member" in last_text(no)  # the colour question (borrowed text)

    other = Person(person.db, person.clock, user_id=8)
    await other.start(ORDER, values={"title": "x", "count": 1, "phone": "+8613800138000"})
    yes = await other.press("Yes")
    assert "Which compound" in last_text(yes)
    assert markup(yes)["keyboard"][0][0]["request_location"] is True
    sticker = await other.send(UserInput.unsupported("sticker"))
    assert "type the place, or share a location" in last_text(sticker)
    shared = await other.send(UserInput.location(31.23, 121.47))
    assert "📍 31.23000, 121.47000" in last_text(shared)


async def test_buttons_answer_choice_steps_and_text_there_is_asked_again(person: Person) -> None:
    await person.start(ORDER, values={"title": "x", "count": 1, "phone": "+8613800138000"})
    typed = await person.say("yes")
    assert "Please choose with the buttons below." in last_text(typed)
    assert labels(typed) == ["Yes", "No"]


async def test_a_multi_choice_toggles_in_place_and_needs_its_minimum(person: Person) -> None:
    await person.start(
        ORDER,
        values={
            "title": "x",
            "count": 1,
            "phone": "+8613800138000",
            "outdoor": False,
            "colour": "red",
        },
    )
    prompt = person.last
    assert labels(prompt)[:3] == ["▫️ Red", "✅ Green", "▫️ Blue"]  # the default, pre-selected
    toggled = await person.press("Green", prompt)
    assert [m.method for m in toggled.messages] == ["edit_message_reply_markup"]
    assert labels(toggled)[:3] == ["▫️ Red", "▫️ Green", "▫️ Blue"]
    too_few = await person.press("Done ✓", prompt)
    assert too_few.alert and too_few.answer == "Please choose at least 1."
    await person.press("Red", prompt)
    await person.press("Blue", prompt)  # the same message: its buttons are still valid
    done = await person.press("Done ✓", prompt)
    assert "✓ Skills: <b>Red, Blue</b>" in last_text(done)
    assert done.messages[0].method == "edit_message_reply_markup"  # the answered buttons go


async def test_a_toggle_after_a_complaint_shows_the_question_without_it(person: Person) -> None:
    """Only the buttons are redrawn on a toggle, but not under a complaint already answered."""
    values = {"title": "x", "count": 1, "phone": "+8613800138000", "outdoor": False}
    await person.start(ORDER, values=values | {"colour": "red"})
    complained = await person.say("purple")
    complaint = last_text(complained)
    assert "⚠️" in complaint
    toggled = await person.press("Red", complained)
    [edit] = toggled.messages
    assert edit.method == "edit_message_text"
    assert "⚠️" not in edit.payload["text"] and edit.payload["text"] in complaint
    assert labels(toggled)[:3] == ["✅ Red", "✅ Green", "▫️ Blue"]
    again = await person.press("Blue", complained)
    assert [m.method for m in again.messages] == ["edit_message_reply_markup"]


async def test_a_multi_choice_may_allow_choosing_nothing(person: Person) -> None:
    await person.start(QUICK, values={"title": "x"})
    done = await person.press("Done ✓")
    assert COMPLETED == [({"title": "x", "extras": []}, {})]
    assert "✓ Skills: <b>none</b>" in last_text(done)


async def test_an_optional_field_can_be_skipped(person: Person) -> None:
    summary = await fill_to_summary(person)
    assert "✓ Availability: <b>(none)</b>" in last_text(summary)
    saved = await person.conversation()
    assert saved is not None and saved.step == "summary" and saved.data["values"]["note"] is None


async def test_a_press_on_an_earlier_step_is_stale_and_changes_nothing(person: Person) -> None:
    await person.start(ORDER, values={"title": "x", "count": 1, "phone": "+8613800138000"})
    question = person.last
    await person.press("No", question)
    before = await person.conversation()
    again = await person.press("Yes", question)
    assert again.answer == "This button is out of date. Please use the latest message."
    assert [m.method for m in again.messages] == ["edit_message_reply_markup"]
    after = await person.conversation()
    assert after is not None and before is not None
    assert (after.step, after.version, after.data) == (before.step, before.version, before.data)


@pytest.mark.parametrize("forged", ["choose:9", "choose:x", "toggle:0", "confirm:", "field:nope"])
async def test_forged_presses_are_answered_as_stale(person: Person, forged: str) -> None:
    await person.start(ORDER, values={"title": "x", "count": 1, "phone": "+8613800138000"})
    version = (await person.conversation()).version  # type: ignore[union-attr]
    action, value = forged.split(":")
    reply = await person.press_data(DialogPress(version, action, value).pack())
    assert reply.answer == "This button is out of date. Please use the latest message."
    assert (await person.conversation()).step == "outdoor"  # type: ignore[union-attr]


async def test_the_summary_edits_one_answer_and_comes_back(person: Person) -> None:
    summary = await fill_to_summary(person)
    assert "<b>Name</b>: Flood patrol" in last_text(summary)
    listing = await person.press("✏️ Change something", summary)
    assert listing.messages[0].method == "edit_message_text"
    assert "Which answer do you want to change?" in last_text(listing)
    assert "✏️ Compound" not in labels(listing)  # the place was not asked: outdoor is No
    asked = await person.press("✏️ Name", listing)
    assert "Current answer: <b>Flood patrol</b>" in last_text(asked)
    assert "(1/" not in last_text(asked)
    assert "Keep the current answer" in labels(asked)
    back = await person.say("Fire drill")
    assert "Please check your answers" in last_text(back)
    assert "<b>Name</b>: Fire drill" in last_text(back)
    await person.press("✅ Confirm", back)
    values, _ = COMPLETED[0]
    assert values == {
        "title": "Fire drill",
        "count": 12,
        "phone": "+8613800138000",
        "outdoor": False,
        "colour": "blue",
        "extras": ["green"],
        "note": None,
    }


async def test_an_edit_that_opens_a_conditional_field_asks_it_before_the_summary(
    person: Person,
) -> None:
    summary = await fill_to_summary(person)
    listing = await person.press("✏️ Change something", summary)
    asked = await person.press("✏️ Leaders may see your phone and address", listing)
    assert labels(asked) == ["Yes", "✅ No"]
    place = await person.press("Yes", asked)
    assert "Which compound" in last_text(place)
    back = await person.say("the riverside")
    assert "<b>Compound</b>: the riverside" in last_text(back)


async def test_keep_and_back_leave_answers_as_they_were(person: Person) -> None:
    summary = await fill_to_summary(person)
    listing = await person.press("✏️ Change something", summary)
    back = await person.press("« Back", listing)
    assert labels(back) == ["✅ Confirm", "✏️ Change something", "✖️ Cancel"]
    listing = await person.press("✏️ Change something", back)
    asked = await person.press("✏️ Name", listing)
    kept = await person.press("Keep the current answer", asked)
    assert "<b>Name</b>: Flood patrol" in last_text(kept)


async def test_text_at_the_summary_is_answered_with_the_summary_again(person: Person) -> None:
    await fill_to_summary(person)
    reply = await person.say("yes please")
    assert "Please use the buttons below" in last_text(reply)
    assert "✅ Confirm" in labels(reply)


async def test_confirming_completes_closes_and_stales_every_earlier_button(person: Person) -> None:
    summary = await fill_to_summary(person)
    done = await person.press("✅ Confirm", summary)
    assert last_text(done) == "Saved."
    assert markup(done) == {"remove_keyboard": True}
    saved = await person.conversation()
    assert saved is not None and saved.flow == "" and saved.data == {}
    twice = await person.press("✅ Confirm", summary)
    assert twice.answer is not None and "out of date" in twice.answer
    assert len(COMPLETED) == 1
    assert await person.say("hello") == DialogReply()  # no dialog: the router answers that


async def test_a_form_without_summary_completes_after_the_one_field_asked(person: Person) -> None:
    await person.start(
        QUICK, values={"title": "Old", "extras": ["red"]}, at="title", context={"record": 5}
    )
    done = await person.say("New")
    assert "✓ Name: <b>New</b>" in last_text(done) and "Saved." in last_text(done)
    assert COMPLETED == [({"title": "New", "extras": ["red"]}, {"record": 5})]


async def test_cancel_forgets_the_answers_and_removes_the_reply_keyboard(person: Person) -> None:
    await person.start(ORDER)
    await person.say("Flood patrol")
    reply = await person.cancel()
    assert last_text(reply) == "Cancelled; nothing was saved."
    assert markup(reply) == {"remove_keyboard": True}
    saved = await person.conversation()
    assert saved is not None and saved.flow == "" and saved.data == {}
    assert await person.cancel() == DialogReply()  # nothing left to cancel


async def test_a_new_dialog_never_reuses_a_version_of_the_last_one(person: Person) -> None:
    await person.start(ORDER, values={"title": "x", "count": 1, "phone": "+8613800138000"})
    old = person.last
    await person.cancel()
    await person.start(ORDER, values={"title": "x", "count": 1, "phone": "+8613800138000"})
    reply = await person.press("Yes", old)
    assert reply.answer is not None and "out of date" in reply.answer


async def test_a_text_field_may_offer_quick_answers_as_buttons(person: Person) -> None:
    asked = await person.start(NEEDS)
    assert labels(asked) == ["As many as possible"]
    quick = await person.press("As many as possible")
    assert "✓ Building / room: <b>As many as possible</b>" in last_text(quick)

    other = Person(person.db, person.clock, user_id=8)
    await other.start(NEEDS)
    typed = await other.say("30")
    assert "✓ Building / room: <b>30</b>" in last_text(typed)


async def test_a_phone_of_someone_else_takes_any_contact_and_offers_no_share_button(
    person: Person,
) -> None:
    asked = await person.start(NEEDS, values={"count": 5})
    assert markup(asked) == {"remove_keyboard": True}  # sharing would send one's own number
    sticker = await person.send(UserInput.unsupported("sticker"))
    assert "Please type the phone number." in last_text(sticker)
    await person.send(UserInput.contact("+8613900139000", user_id=None))
    assert COMPLETED == [({"count": 5, "contact": "+8613900139000"}, {})]


# -- answers looked up in the database, refused completions, expiry, messages passed on ----------


async def _look_up(env: FormEnv, values: Mapping[str, Any], text: str) -> dict[str, Any]:
    """A stand-in for a database lookup: "nobody" is nobody; names in capitals are known."""
    if text == "nobody":
        raise InvalidInput("rounds.ref.unknown", who=text)
    return {"name": text, "known": text.isupper()}


def _offer(env: FormEnv, values: Mapping[str, Any]) -> str:
    return f"Add {values['who']['name']}?"


async def _refuse_wrong(
    env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]
) -> Screen:
    if values["title"] == "wrong":
        return Screen("That one is wrong.", ask_again="title")
    return await _remember(env, values, context)


LOOKUP = register(
    Form(
        flow="test_lookup",
        fields=(
            TextField(
                name="who",
                **_keys("name"),
                check=_look_up,
                show=lambda env, value: value["name"],
                resets=("add",),
            ),
            YesNoField(
                name="add",
                **_keys("consent"),
                ask=_offer,
                when=lambda env, values: "who" in values and not values["who"]["known"],
            ),
        ),
        complete=_remember,
    )
)
REFUSING = register(
    Form(
        flow="test_refusing",
        fields=(TextField(name="title", **_keys("name")),),
        complete=_refuse_wrong,
        summary=None,
        acknowledge=False,
        expires=timedelta(minutes=30),
    )
)
DESCRIBE = register(
    Form(
        flow="test_describe",
        fields=(MessageField(name="said", **_keys("name"), refused="rounds.help.unusable"),),
        complete=_remember,
        summary=None,
    )
)


async def test_a_looked_up_answer_and_the_question_that_depends_on_it(person: Person) -> None:
    await person.start(LOOKUP)
    unknown = await person.say("nobody")
    assert "No registered volunteer is “nobody”" in last_text(unknown)
    offered = await person.say("zhao")
    assert "Add zhao?" in last_text(offered) and "(2/2)" in last_text(offered)
    await person.press("Yes")
    await person.press("Change something")
    await person.press("Name")
    # Another person named: the offer was about Zhao, so it is asked again about Sun.
    again = await person.say("sun")
    assert "Add sun?" in last_text(again)
    await person.press("No")
    await person.press("Confirm")
    assert COMPLETED == [({"who": {"name": "sun", "known": False}, "add": False}, {})]


async def test_a_completion_that_refuses_asks_the_same_question_again(person: Person) -> None:
    await person.start(REFUSING)
    refused = await person.say("wrong")
    assert last_text(refused).startswith("That one is wrong.") and "(1/1)" not in last_text(refused)
    saved = await person.conversation()
    assert saved is not None and saved.flow == "test_refusing" and saved.step == "title"
    done = await person.say("right")
    assert last_text(done) == "Saved."  # no "✓ Name: right" before it
    assert COMPLETED == [({"title": "right"}, {})]


async def test_a_form_left_longer_than_it_waits_is_over(person: Person) -> None:
    await person.start(REFUSING)
    person.clock.advance(timedelta(minutes=31))
    assert await person.say("late") == DialogReply()  # not an answer: the router says so
    saved = await person.conversation()
    assert saved is not None and saved.flow == "" and COMPLETED == []


async def test_a_message_field_keeps_text_or_a_voice_message_to_pass_on(person: Person) -> None:
    await person.start(DESCRIBE)
    sticker = await person.send(UserInput.unsupported("sticker"))
    assert "Please describe it with a text, a photo or a voice message." in last_text(sticker)
    document = await person.send(UserInput.document("f1", "a.txt", message_id=11))
    assert "Please describe it" in last_text(document)
    await person.send(UserInput.media("voice", "f2", caption="Listen", message_id=12))
    assert COMPLETED == [({"said": {"kind": "voice", "text": "Listen", "message_id": 12}}, {})]
