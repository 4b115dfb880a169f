"""A form is data: an ordered tuple of fields, what to do when it is complete, and a few texts.

The engine finds a form by its ``flow`` name, which is what a saved conversation refers to, so
that whichever process receives the next message can carry the dialog on; the route table
hands it every form (``bot.routes.FORMS``, through ``use_forms``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.dialogs.env import FormEnv
from bot.dialogs.fields import Field, Values
from bot.outbox.queue import Outgoing

SUMMARY = "summary"  # the step showing every answer with Confirm / Edit / Cancel
EDIT = "edit"  # the summary's list of fields to change
RESERVED_STEPS = frozenset({SUMMARY, EDIT})


@dataclass(frozen=True)
class Screen:
    """A message to show: HTML text and an optional (inline) keyboard. A completion that
    could not take the answers (a spreadsheet with mistakes) names the field to ``ask_again``:
    the dialog stays open at that question, with ``text`` above it, so that a corrected answer
    simply follows. ``also``: messages to others that the completion produced (sent first)."""

    text: str
    markup: dict[str, Any] | None = None
    ask_again: str | None = None
    also: tuple[Outgoing, ...] = ()


@dataclass(frozen=True)
class Previewed:
    """What a form's preview found: a line (HTML) under the summary's answers; ``change``
    names fields offered as buttons to change at once (e.g. to reach more people); without
    ``can_confirm`` the summary offers no Confirm (there is nothing sensible to confirm)."""

    text: str
    change: tuple[str, ...] = ()
    can_confirm: bool = True


# Called once the answers are confirmed: calls the domain service, says what to show next.
Complete = Callable[[FormEnv, Values, Mapping[str, Any]], Awaitable[Screen]]
# Extra text under the summary, worked out when it is shown (e.g. how many a call-out reaches).
Preview = Callable[[FormEnv, Values], Awaitable[str | Previewed]]


@dataclass(frozen=True)
class Form:
    """``summary`` is the catalog key of the summary's heading; ``None`` completes the form
    as soon as the last question is answered (e.g. changing one field of a profile).
    ``preview`` adds a line (HTML) under the summary's answers. ``expires``: a dialog left
    that long is over (the next message is not taken as an answer to an old question).
    ``acknowledge`` False: answers are not repeated back ("✓ Label: value") before what
    follows (a form of one question whose completion says what became of the answer).
    ``protect_content``: every message the form sends is kept from being forwarded or saved
    (its answers are private: an elder's phone and notes)."""

    flow: str
    fields: tuple[Field, ...]
    complete: Complete
    summary: str | None = "dialog.summary_title"
    confirm: str = "dialog.confirm"
    cancelled: str = "dialog.cancelled"
    preview: Preview | None = None
    expires: timedelta | None = None
    acknowledge: bool = True
    protect_content: bool = False

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names) or RESERVED_STEPS.intersection(names):
            raise ValueError(f"form {self.flow}: field names must be unique and not reserved")
        if not self.flow or len(self.flow) > 32 or any(len(n) > 32 for n in names):
            raise ValueError(f"form {self.flow}: names must be 1 to 32 characters")

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def applicable(self, env: FormEnv, values: Values) -> list[Field]:
        return [f for f in self.fields if f.applies(env, values)]

    def next_unanswered(self, env: FormEnv, values: Values) -> Field | None:
        return next((f for f in self.applicable(env, values) if f.name not in values), None)


_FORMS: dict[str, Form] = {}


def register(form: Form) -> Form:
    """Make ``form`` reachable by its flow name; a second, different form of that name is a
    programming error."""
    existing = _FORMS.setdefault(form.flow, form)
    if existing is not form:
        raise ValueError(f"another form is registered as {form.flow!r}")
    return form


def use_forms(forms: Iterable[Form]) -> None:
    """The forms the engine carries on (``bot.routes.FORMS``)."""
    for form in forms:
        register(form)


def form_for(flow: str) -> Form | None:
    return _FORMS.get(flow)
