"""The kinds of field a form is made of.

A field knows how its question is answered (a message, or buttons), how to draw its buttons,
how to read an answer into a JSON value, and how to show that value again. The engine does
the rest: where the dialog is, what comes next, the summary, skipping and keeping.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypedDict

from bot.dialogs.button_data import CHOOSE, DONE, TOGGLE, DialogPress
from bot.dialogs.env import FormEnv
from bot.dialogs.inputs import UserInput
from bot.errors import InvalidInput, StaleButton
from bot.outbox.queue import Button
from bot.phones import parse_phone, parse_shared_phone
from bot.services.natural_time import PAST_GRACE, TimeNotUnderstood, names_a_day, parse_when
from bot.text import clean_text

Values = Mapping[str, Any]
Predicate = Callable[[FormEnv, Values], bool]
# An answer checked against the database (e.g. a volunteer named by a leader): the value to
# keep, or ``InvalidInput`` to ask again.
Check = Callable[[FormEnv, Values, Any], Awaitable[Any]]
ReplyButton = str | dict[str, Any]


def plain(text: str) -> str:
    """Catalog text is HTML; button labels are shown as they are."""
    return html.unescape(text)


@dataclass(frozen=True)
class Option:
    value: Any  # what is stored: a JSON scalar
    label: str  # plain text, as shown on a button


@dataclass(frozen=True)
class StepView:
    """What a field needs to draw its buttons."""

    version: int
    current: Any = None  # the value it has now (an earlier answer or a default), or None
    selection: tuple[Any, ...] = ()  # the working choice of a multi-select step


@dataclass(frozen=True)
class Chosen:
    """A press that answers the field."""

    value: Any


@dataclass(frozen=True)
class Toggled:
    """A press that changed the working selection; the keyboard is redrawn in place."""

    selection: tuple[Any, ...]


@dataclass(frozen=True, kw_only=True)
class Field:
    """One question. ``label`` and ``prompt`` are catalog keys; ``optional`` adds Skip;
    ``when`` leaves the field out unless it holds; ``default`` is offered (to keep, or
    pre-selected) while there is no answer yet; ``show`` renders a stored value its own way
    (e.g. an ISO date in the community's time). ``ask`` words the question when it is asked,
    from the dialog's context (e.g. naming the elder); otherwise it is the catalog text
    ``prompt``. ``check`` looks a typed answer up in the database. ``resets`` names later
    questions that depend on this answer: they are asked again when it changes. ``hint`` adds a
    line (HTML) under the question that depends on the earlier answers (e.g. the skills a
    template suggests). ``skipped`` says what a skipped answer means (e.g. the usual
    times apply), where "(none)" would mislead."""

    name: str
    label: str
    prompt: str
    optional: bool = False
    when: Predicate | None = None
    default: Callable[[FormEnv, Values], Any] | None = None
    show: Callable[[FormEnv, Any], str] | None = None
    ask: Callable[[FormEnv, Values], str] | None = None
    check: Check | None = None
    resets: tuple[str, ...] = ()
    hint: Callable[[FormEnv, Values], str | None] | None = None
    skipped: Callable[[FormEnv], str] | None = None

    answered_by_buttons: ClassVar[bool] = False
    expected: ClassVar[str] = "dialog.error.expected_text"

    def applies(self, env: FormEnv, values: Values) -> bool:
        return self.when is None or self.when(env, values)

    def follow(self, values: dict[str, Any], old: Any, new: Any) -> None:
        """Move the later answers that keep to this one when it changes (none by default)."""

    def question(self, env: FormEnv, values: Values) -> str:
        return self.ask(env, values) if self.ask else env.t(self.prompt)

    def reply_buttons(self, env: FormEnv) -> list[list[ReplyButton]]:
        """Rows of a reply keyboard (sharing a contact or a location); none by default."""
        return []

    def inline_rows(self, env: FormEnv, view: StepView) -> list[list[Button]]:
        return []

    def read(self, env: FormEnv, message: UserInput) -> Any:
        raise InvalidInput(self.expected)

    def read_answer(self, env: FormEnv, values: Values, message: UserInput) -> Any:
        """Read a typed answer that may depend on the earlier ones (an end after its start);
        most answers stand on their own."""
        return self.read(env, message)

    def press(self, env: FormEnv, view: StepView, action: str, value: str) -> Chosen | Toggled:
        raise StaleButton()

    def display(self, env: FormEnv, value: Any) -> str:
        """The value as plain text (the caller escapes it for HTML)."""
        if value is None:
            return self.skipped(env) if self.skipped else plain(env.t("dialog.no_answer"))
        return self.show(env, value) if self.show else self.describe(env, value)

    def describe(self, env: FormEnv, value: Any) -> str:
        return str(value)


class FieldKeys(TypedDict):
    """A field's name and its two catalog keys, spread into a field: ``TextField(**keys,
    max_length=...)``."""

    name: str
    label: str
    prompt: str


def field_keys(area: str, name: str) -> FieldKeys:
    """The keys of a field whose texts are ``<area>.<name>.label`` and ``<area>.<name>.prompt``."""
    return {"name": name, "label": f"{area}.{name}.label", "prompt": f"{area}.{name}.prompt"}


OptionsFactory = Callable[[FormEnv], Sequence[Option]]


def _option_at(options: Sequence[Option], value: str) -> Option:
    """The option a button's index points at; a forged or outdated index is stale."""
    if not value.isdigit() or int(value) >= len(options):
        raise StaleButton()
    return options[int(value)]


def _rows(buttons: list[Button], columns: int) -> list[list[Button]]:
    return [buttons[i : i + columns] for i in range(0, len(buttons), columns)]


def _choice_rows(
    env: FormEnv, options: Sequence[Option], view: StepView, columns: int
) -> list[list[Button]]:
    """A button per option (its index in the callback data), the current answer marked."""
    buttons = []
    for index, option in enumerate(options):
        label = option.label
        if view.current is not None and option.value == view.current:
            label = plain(env.t("dialog.option_on", label=label))
        buttons.append((label, DialogPress(view.version, CHOOSE, str(index)).pack()))
    return _rows(buttons, columns)


def _chosen(options: Sequence[Option], action: str, value: str) -> Chosen:
    if action != CHOOSE:
        raise StaleButton()
    return Chosen(_option_at(options, value).value)


@dataclass(frozen=True, kw_only=True)
class TextField(Field):
    """Free text; ``validate`` may turn the cleaned text into another value (a date, a
    number) or raise ``InvalidInput`` with its own catalog key. ``quick`` offers answers as
    buttons besides typing (e.g. "as many as possible" for a count)."""

    min_length: int = 1
    max_length: int = 200
    multiline: bool = False
    allow_markup: bool = False
    validate: Callable[[FormEnv, str], Any] | None = None
    quick: OptionsFactory | None = None

    def read(self, env: FormEnv, message: UserInput) -> Any:
        if message.kind != "text":
            raise InvalidInput(self.expected)
        text = clean_text(
            message.text,
            min_length=self.min_length,
            max_length=self.max_length,
            multiline=self.multiline,
            allow_markup=self.allow_markup,
        )
        return self.validate(env, text) if self.validate else text

    def inline_rows(self, env: FormEnv, view: StepView) -> list[list[Button]]:
        return _choice_rows(env, self.quick(env), view, 2) if self.quick else []

    def press(self, env: FormEnv, view: StepView, action: str, value: str) -> Chosen | Toggled:
        if self.quick is None:
            raise StaleButton()
        return _chosen(self.quick(env), action, value)

    def describe(self, env: FormEnv, value: Any) -> str:
        quick = self.quick(env) if self.quick else ()
        return next((o.label for o in quick if o.value == value), str(value))


@dataclass(frozen=True, kw_only=True)
class PhoneField(Field):
    """A phone number in E.164, typed or from a shared contact. With ``own_contact`` (the
    person's own number) a button shares it, and someone else's contact is refused; without
    (e.g. an elder's number), any contact is taken."""

    region: str = "CN"
    own_contact: bool = True
    expected: ClassVar[str] = "dialog.error.expected_phone"

    def reply_buttons(self, env: FormEnv) -> list[list[ReplyButton]]:
        if not self.own_contact:
            return []
        return [[{"text": plain(env.t("dialog.share_phone")), "request_contact": True}]]

    def read(self, env: FormEnv, message: UserInput) -> Any:
        if message.kind == "contact":
            if self.own_contact and message.contact_user_id != env.actor.telegram_id:
                raise InvalidInput("dialog.error.not_your_contact")
            return parse_shared_phone(message.contact_phone)
        if message.kind == "text":
            return parse_phone(message.text, self.region)
        raise InvalidInput(self.expected if self.own_contact else "dialog.error.expected_number")


@dataclass(frozen=True, kw_only=True)
class LocationOrTextField(Field):
    """A place: a shared location, or a description typed as text."""

    max_length: int = 200
    expected: ClassVar[str] = "dialog.error.expected_place"

    def reply_buttons(self, env: FormEnv) -> list[list[ReplyButton]]:
        return [[{"text": plain(env.t("dialog.share_location")), "request_location": True}]]

    def read(self, env: FormEnv, message: UserInput) -> Any:
        if message.kind == "location":
            return {"latitude": message.latitude, "longitude": message.longitude}
        if message.kind == "text":
            return {"text": clean_text(message.text, max_length=self.max_length)}
        raise InvalidInput(self.expected)

    def describe(self, env: FormEnv, value: Any) -> str:
        if "text" in value:
            return str(value["text"])
        return plain(
            env.t(
                "dialog.location",
                latitude=f"{value['latitude']:.5f}",
                longitude=f"{value['longitude']:.5f}",
            )
        )


@dataclass(frozen=True, kw_only=True)
class LocationField(LocationOrTextField):
    """A shared location only (e.g. a map pin beside a place already named in words)."""

    expected: ClassVar[str] = "dialog.error.expected_location"

    def read(self, env: FormEnv, message: UserInput) -> Any:
        if message.kind == "location":
            return {"latitude": message.latitude, "longitude": message.longitude}
        raise InvalidInput(self.expected)


ATTACHMENT_KINDS = ("photo", "document")
FILE_NAME_MAX = 128


@dataclass(frozen=True, kw_only=True)
class AttachmentField(Field):
    """A photo or a document (``kinds`` narrows it to one), kept as the Telegram file id it
    came with, so it can be sent on without being downloaded: ``{"kind", "file_id",
    "name"}``. With ``max_bytes`` the form reads the file itself: a document up to that size
    is fetched before the answer is taken (``env.files``), a larger one is refused here."""

    kinds: tuple[str, ...] = ATTACHMENT_KINDS
    max_bytes: int | None = None
    expected: ClassVar[str] = "dialog.error.expected_attachment"

    def read(self, env: FormEnv, message: UserInput) -> Any:
        if message.kind not in self.kinds or not message.file_id:
            raise InvalidInput(self._expected())
        if self.max_bytes is not None and message.file_size > self.max_bytes:
            raise InvalidInput("dialog.error.file_too_big", mb=self.max_bytes // (1024 * 1024))
        name = "".join(ch for ch in message.file_name if ch.isprintable())[:FILE_NAME_MAX]
        return {"kind": message.kind, "file_id": message.file_id, "name": name}

    def _expected(self) -> str:
        """What to send instead: a photo or a document, or the one kind it takes."""
        return self.expected if len(self.kinds) > 1 else f"dialog.error.expected_{self.kinds[0]}"

    def describe(self, env: FormEnv, value: Any) -> str:
        if value.get("kind") == "photo":
            return plain(env.t("dialog.attachment.photo"))
        return plain(env.t("dialog.attachment.document", name=value.get("name") or "—"))


@dataclass(frozen=True, kw_only=True)
class MessageField(Field):
    """A message to pass on as it is: text, or one of ``media`` (a photo, a voice message,
    ...) with its caption, kept as ``{"kind", "text", "message_id"}`` so that it can be
    copied to others. ``refused`` is the catalog text asking for something usable."""

    media: tuple[str, ...] = ("photo", "voice")
    max_length: int = 1000
    refused: str = "dialog.error.expected_text"

    def read(self, env: FormEnv, message: UserInput) -> Any:
        if message.kind == "text":
            text = clean_text(
                message.text, max_length=self.max_length, multiline=True, allow_markup=True
            )
            return {"kind": "text", "text": text, "message_id": message.message_id}
        if message.kind not in self.media or not message.message_id:
            raise InvalidInput(self.refused)
        caption = " ".join(message.caption.split())
        if len(caption) > self.max_length:
            raise InvalidInput("dialog.error.too_long", max=self.max_length, length=len(caption))
        return {"kind": message.kind, "text": caption, "message_id": message.message_id}

    def describe(self, env: FormEnv, value: Any) -> str:
        if value.get("kind") == "text":
            return str(value.get("text", ""))
        return plain(env.t(f"dialog.attachment.{value.get('kind')}"))


LONG_WRAP = timedelta(hours=12)


def _check_long_wrap(env: FormEnv, after: datetime, moment: datetime) -> None:
    """A time alone is read as the next one after ``after``: a night's "6:00" after 22:00 is
    the next morning, but "12:00" after 14:00 would be 22 hours on, more likely a slip. Such
    a reading is asked about: typed with its day, it is taken."""
    if moment - after > LONG_WRAP:
        hours = round((moment - after).total_seconds() / 3600)
        typed = f"{env.t.local(moment):%m-%d} {env.t.time(moment)}"
        raise InvalidInput(
            "dialog.error.long_wrap", when=env.t.when(moment), hours=hours, typed=typed
        )


def _examples(env: FormEnv) -> dict[str, str]:
    """The dates the prompts give as examples: the day after tomorrow, so that an example
    typed as it stands is always taken (a fixed one would one day be in the past)."""
    day = env.t.local(env.now).date() + timedelta(days=2)
    return {"day": f"{day:%m-%d}", "date": f"{day:%Y-%m-%d}"}


@dataclass(frozen=True, kw_only=True)
class DateTimeField(Field):
    """A moment typed as people say it (``tomorrow 08:00``, ``明天 8:00``, ``12-03 14:00``,
    ``now``; see ``bot.services.natural_time``), read in the community's timezone, stored as
    an ISO instant in UTC and shown back in the community's time. Never in the past (a few
    minutes' grace, so "now" stays valid while the form is filled in). ``after`` names an
    earlier field this moment must follow (a time alone is then read as the next one after
    it); ``before`` one it must not pass. ``now_button`` offers "Now" as a button.
    ``carries`` names a later moment that moves with this one when it is changed, so the
    length between them stays (an end moves with its start, unless it is changed too)."""

    after: str | None = None
    before: str | None = None
    now_button: bool = False
    carries: str | None = None
    max_length: int = 40

    def follow(self, values: dict[str, Any], old: Any, new: Any) -> None:
        was, now = _instant(old), _instant(new)
        carried = _instant(values.get(self.carries)) if self.carries else None
        if self.carries and was is not None and now is not None and carried is not None:
            values[self.carries] = (carried + (now - was)).isoformat()

    def question(self, env: FormEnv, values: Values) -> str:
        return self.ask(env, values) if self.ask else env.t(self.prompt, **_examples(env))

    def inline_rows(self, env: FormEnv, view: StepView) -> list[list[Button]]:
        return _choice_rows(env, self._now_option(env), view, 1)

    def press(self, env: FormEnv, view: StepView, action: str, value: str) -> Chosen | Toggled:
        return _chosen(self._now_option(env), action, value)

    def _now_option(self, env: FormEnv) -> list[Option]:
        if not self.now_button:
            return []
        return [
            Option(env.now.replace(second=0, microsecond=0).isoformat(), plain(env.t("dialog.now")))
        ]

    def read_answer(self, env: FormEnv, values: Values, message: UserInput) -> Any:
        if message.kind != "text":
            raise InvalidInput(self.expected)
        text = message.text.strip()
        if not text or len(text) > self.max_length:
            raise InvalidInput("dialog.error.datetime", **_examples(env))
        after = _instant(values.get(self.after)) if self.after else None
        zone = env.config.bot.zone
        try:
            moment = parse_when(text, now=env.now, zone=zone, after=after)
        except TimeNotUnderstood:
            raise InvalidInput("dialog.error.datetime", **_examples(env)) from None
        self._check(env, values, moment)
        if after is not None and not names_a_day(text, env.t.local(env.now).date()):
            _check_long_wrap(env, after, moment)
        return moment.isoformat()

    def _check(self, env: FormEnv, values: Values, moment: datetime) -> None:
        if moment < env.now - PAST_GRACE:
            raise InvalidInput("dialog.error.past", when=env.t.when(moment))
        after = _instant(values.get(self.after)) if self.after else None
        if after is not None and moment <= after:
            raise InvalidInput("dialog.error.not_after", when=env.t.when(after))
        before = _instant(values.get(self.before)) if self.before else None
        if before is not None and moment > before:
            raise InvalidInput("dialog.error.not_before", when=env.t.when(before))

    def describe(self, env: FormEnv, value: Any) -> str:
        moment = _instant(value)
        return env.t.when(moment) if moment is not None else str(value)


def _instant(value: Any) -> datetime | None:
    """A stored ISO instant (``None`` for no answer or anything unreadable)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass(frozen=True, kw_only=True)
class ChoiceField(Field):
    """One of several options, as inline buttons; the current answer is marked. With
    ``typed_names``, typed text that begins with an option's label picks it too (a
    compound's name, perhaps followed by the building)."""

    options: OptionsFactory
    columns: int = 1
    typed_names: bool = False

    answered_by_buttons: ClassVar[bool] = True
    expected: ClassVar[str] = "dialog.error.expected_button"

    def inline_rows(self, env: FormEnv, view: StepView) -> list[list[Button]]:
        return _choice_rows(env, self.options(env), view, self.columns)

    def read(self, env: FormEnv, message: UserInput) -> Any:
        typed = _folded(message.text) if message.kind == "text" else ""
        named = [
            (len(label), o.value)
            for o in self.options(env)
            if (label := _folded(o.label)) and typed.startswith(label)
        ]
        if not (self.typed_names and named):
            raise InvalidInput(self.expected)
        return max(named, key=lambda pair: pair[0])[1]  # the longest name it begins with

    def press(self, env: FormEnv, view: StepView, action: str, value: str) -> Chosen | Toggled:
        return _chosen(self.options(env), action, value)

    def describe(self, env: FormEnv, value: Any) -> str:
        return next((o.label for o in self.options(env) if o.value == value), str(value))


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _yes_no(env: FormEnv) -> list[Option]:
    return [Option(True, plain(env.t("dialog.yes"))), Option(False, plain(env.t("dialog.no")))]


@dataclass(frozen=True, kw_only=True)
class YesNoField(ChoiceField):
    options: OptionsFactory = field(default=_yes_no)
    columns: int = 2


@dataclass(frozen=True, kw_only=True)
class MultiChoiceField(Field):
    """Several options, toggled in place, then Done; ``min_selected=0`` allows none."""

    options: OptionsFactory
    min_selected: int = 1
    columns: int = 2

    answered_by_buttons: ClassVar[bool] = True
    expected: ClassVar[str] = "dialog.error.expected_button"

    def initial_selection(self, current: Any) -> tuple[Any, ...]:
        return tuple(current or ())

    def inline_rows(self, env: FormEnv, view: StepView) -> list[list[Button]]:
        buttons = []
        for index, option in enumerate(self.options(env)):
            mark = "dialog.option_on" if option.value in view.selection else "dialog.option_off"
            label = plain(env.t(mark, label=option.label))
            buttons.append((label, DialogPress(view.version, TOGGLE, str(index)).pack()))
        done = (plain(env.t("dialog.done")), DialogPress(view.version, DONE).pack())
        return [*_rows(buttons, self.columns), [done]]

    def press(self, env: FormEnv, view: StepView, action: str, value: str) -> Chosen | Toggled:
        options = self.options(env)
        if action == TOGGLE:
            picked = _option_at(options, value).value
            chosen = set(view.selection) ^ {picked}
            return Toggled(tuple(o.value for o in options if o.value in chosen))
        if action == DONE:
            if len(view.selection) < self.min_selected:
                raise InvalidInput("dialog.error.choose_at_least", min=self.min_selected)
            return Chosen(list(view.selection))
        raise StaleButton()

    def describe(self, env: FormEnv, value: Any) -> str:
        if not value:
            return plain(env.t("dialog.none_selected"))
        options = self.options(env)
        known = [o.label for o in options if o.value in value]  # in the options' order
        gone = [str(v) for v in value if v not in {o.value for o in options}]
        return env.t.join(known + gone)
