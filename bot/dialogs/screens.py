"""Drawing a dialog's steps: the question of a field, the summary, their keyboards.

Every step is one message: what the previous answer was taken as, any complaint about this
one, and the question, with the step's buttons carrying the conversation's ``version``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.dialogs.button_data import (
    BACK,
    CANCEL,
    CONFIRM,
    EDIT,
    FIELD,
    KEEP,
    SKIP,
    DialogPress,
)
from bot.dialogs.env import FormEnv
from bot.dialogs.fields import Chosen, Field, StepView, Values, plain
from bot.dialogs.form import EDIT as EDIT_STEP
from bot.dialogs.form import Form, Previewed
from bot.dialogs.inputs import UserInput
from bot.dialogs.store import DialogState
from bot.i18n import LANGUAGES, Html, text
from bot.outbox.queue import REMOVE_KEYBOARD, Button, Outgoing, keyboard, reply_keyboard
from models import Conversation


@dataclass
class OpenDialog:
    """A conversation being moved, with its form and the context of the current update."""

    env: FormEnv
    form: Form
    conversation: Conversation
    state: DialogState

    @property
    def version(self) -> int:
        return self.conversation.version

    @property
    def step(self) -> str:
        return self.conversation.step

    @property
    def values(self) -> dict[str, Any]:
        return self.state.values

    def t(self, key: str, **params: object) -> Html:
        return self.env.t(key, **params)

    def current(self, field: Field) -> Any:
        """The field's value now: its answer, else its default, else ``None``."""
        if field.name in self.values:
            return self.values[field.name]
        if field.default is not None:
            return field.default(self.env, self.values)
        return None

    def view(self, field: Field) -> StepView:
        return StepView(self.version, self.current(field), tuple(self.state.selection))


def question(
    dialog: OpenDialog, field: Field, lead: list[str], *, error: str | None = None
) -> Outgoing:
    """The field's question as a new message, after ``lead`` (an acknowledgement, a note)."""
    return Outgoing.message(
        dialog.env.chat_id,
        question_text(dialog, field, lead, error=error),
        field_markup(dialog, field),
        protect_content=dialog.form.protect_content,
    )


def question_text(
    dialog: OpenDialog, field: Field, lead: list[str], *, error: str | None = None
) -> str:
    parts = [*lead, _complaint(dialog, error)]
    asked = field.question(dialog.env, dialog.values)
    progress = _progress(dialog, field)
    parts.append(f"{progress}\n{asked}" if progress else asked)
    if field.hint is not None:
        parts.append(field.hint(dialog.env, dialog.values) or "")
    current = dialog.current(field)
    if current is not None and not field.answered_by_buttons:
        parts.append(dialog.t("dialog.current", value=field.display(dialog.env, current)))
    return join(parts)


def acknowledgement(dialog: OpenDialog, field: Field, value: Any) -> Html:
    return dialog.t(
        "dialog.ack", label=dialog.t(field.label), value=field.display(dialog.env, value)
    )


def _complaint(dialog: OpenDialog, error: str | None) -> str:
    return dialog.t("dialog.error.line", error=Html(error)) if error else ""


def _progress(dialog: OpenDialog, field: Field) -> str:
    """ "(3/8)" while filling the form in for the first time; nothing when changing an answer
    or for a form of one question."""
    if field.name in dialog.values:
        return ""
    names = [f.name for f in dialog.form.applicable(dialog.env, dialog.values)]
    if len(names) == 1:
        return ""
    return dialog.t("dialog.progress", step=names.index(field.name) + 1, total=len(names))


def _shortcuts(field: Field, view: StepView) -> list[tuple[str, str]]:
    """(catalog key, action) of Keep and Skip where they apply."""
    found = []
    if view.current is not None and not field.answered_by_buttons:
        found.append(("dialog.keep", KEEP))
    if field.optional:
        found.append(("dialog.skip", SKIP))
    return found


def field_markup(dialog: OpenDialog, field: Field) -> dict[str, Any]:
    """A reply keyboard for fields that share a contact or location (with Keep/Skip as reply
    buttons), else the inline keyboard; a step without buttons removes any reply keyboard."""
    view = dialog.view(field)
    shortcuts = _shortcuts(field, view)
    reply_rows = field.reply_buttons(dialog.env)
    if reply_rows:
        extra: list[str | dict[str, Any]] = [plain(dialog.t(key)) for key, _ in shortcuts]
        return reply_keyboard([*reply_rows, extra] if extra else reply_rows)
    rows = field.inline_rows(dialog.env, view)
    if shortcuts:
        version = view.version
        rows.append(
            [(plain(dialog.t(key)), DialogPress(version, act).pack()) for key, act in shortcuts]
        )
    return keyboard(rows) if rows else REMOVE_KEYBOARD


def typed_shortcut(dialog: OpenDialog, field: Field, message: UserInput) -> Chosen | None:
    """Keep or Skip sent with a reply-keyboard button (in either language): the answer it
    stands for; ``None`` for any other message."""
    if message.kind != "text" or not field.reply_buttons(dialog.env):
        return None
    view = dialog.view(field)
    for key, action in _shortcuts(field, view):
        if message.text.strip() in {plain(text(language, key)) for language in LANGUAGES}:
            return Chosen(None if action == SKIP else view.current)
    return None


def summary(
    dialog: OpenDialog,
    lead: list[str],
    *,
    error: str | None = None,
    message_id: int | None = None,
    preview: Previewed | None = None,
) -> Outgoing:
    """Every answer with Confirm / Edit / Cancel, or, at the edit step, a button per field;
    a new message, or drawn over ``message_id``. ``preview`` goes under the answers."""
    env, form = dialog.env, dialog.form
    editing = dialog.step == EDIT_STEP
    assert form.summary is not None
    preview = preview or Previewed("")
    parts = [*lead, _complaint(dialog, error), dialog.t(form.summary)]
    parts.append(describe(env, form, dialog.values))
    parts.append(preview.text)
    if editing:
        parts.append(dialog.t("dialog.edit_which"))
    elif preview.can_confirm:
        parts.append(dialog.t("dialog.summary_hint"))
    markup = keyboard(_field_rows(dialog) if editing else _summary_rows(dialog, preview))
    if message_id is not None:
        return Outgoing.edit(env.chat_id, message_id, join(parts), markup)
    return Outgoing.message(env.chat_id, join(parts), markup, protect_content=form.protect_content)


def describe(env: FormEnv, form: Form, values: Values) -> Html:
    """One line per applicable field: its label and its value, escaped."""
    lines = [
        env.t("dialog.summary_line", label=env.t(f.label), value=f.display(env, values.get(f.name)))
        for f in form.applicable(env, values)
    ]
    return Html("\n".join(lines))


def _summary_rows(dialog: OpenDialog, preview: Previewed) -> list[list[Button]]:
    version = dialog.version
    rows: list[list[Button]] = []
    if preview.can_confirm:
        rows.append([(plain(dialog.t(dialog.form.confirm)), DialogPress(version, CONFIRM).pack())])
    for name in preview.change:
        field = dialog.form.field(name)
        if field is not None and field.applies(dialog.env, dialog.values):
            label = plain(dialog.t("dialog.edit_field", label=dialog.t(field.label)))
            rows.append([(label, DialogPress(version, FIELD, name).pack())])
    rows.append(
        [
            (plain(dialog.t("dialog.edit")), DialogPress(version, EDIT).pack()),
            (plain(dialog.t("dialog.cancel")), DialogPress(version, CANCEL).pack()),
        ]
    )
    return rows


def _field_rows(dialog: OpenDialog) -> list[list[Button]]:
    buttons = [
        (
            plain(dialog.t("dialog.edit_field", label=dialog.t(f.label))),
            DialogPress(dialog.version, FIELD, f.name).pack(),
        )
        for f in dialog.form.applicable(dialog.env, dialog.values)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return [*rows, [(plain(dialog.t("dialog.back")), DialogPress(dialog.version, BACK).pack())]]


def join(parts: list[str]) -> str:
    return "\n\n".join(p for p in parts if p)


def remove_buttons(chat_id: int, message_id: int) -> Outgoing:
    """Take an answered (or outdated) step's inline keyboard off its message."""
    return Outgoing(
        chat_id,
        "edit_message_reply_markup",
        {"message_id": message_id},
        coalesce_key=f"markup:{chat_id}:{message_id}",
    )


def redraw_buttons(chat_id: int, message_id: int, markup: dict[str, Any]) -> Outgoing:
    return Outgoing(
        chat_id,
        "edit_message_reply_markup",
        {"message_id": message_id, "reply_markup": markup},
        coalesce_key=f"markup:{chat_id}:{message_id}",
    )
