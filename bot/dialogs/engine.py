"""The dialog engine: asks a form's questions one step at a time, in a private chat.

Every call loads the chat's conversation row, moves it, and returns the messages to send, all
inside the caller's transaction: the answer, the new step and the next question are committed
together. A button carries the step's ``version``; a press from any other step (or dialog) is
answered as stale and changes nothing. Bad input is asked again at the same step, with the
reason; it never moves the dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.dialogs import store
from bot.dialogs.button_data import BACK, CANCEL, CONFIRM, EDIT, FIELD, KEEP, SKIP, DialogPress
from bot.dialogs.env import FormEnv
from bot.dialogs.fields import (
    AttachmentField,
    Chosen,
    Field,
    MultiChoiceField,
    Toggled,
    Values,
)
from bot.dialogs.form import EDIT as EDIT_STEP
from bot.dialogs.form import SUMMARY, Form, Previewed, form_for
from bot.dialogs.inputs import UserInput
from bot.dialogs.screens import (
    OpenDialog,
    acknowledgement,
    field_markup,
    join,
    question,
    question_text,
    redraw_buttons,
    remove_buttons,
    summary,
    typed_shortcut,
)
from bot.dialogs.store import DialogState
from bot.errors import InvalidInput, StaleButton
from bot.outbox.queue import Outgoing
from models import Conversation


@dataclass(frozen=True)
class DialogReply:
    """What to send, and the little answer a button press gets."""

    messages: tuple[Outgoing, ...] = ()
    answer: str | None = None
    alert: bool = False


async def begin(
    env: FormEnv,
    form: Form,
    *,
    values: Values | None = None,
    at: str | None = None,
    context: dict[str, Any] | None = None,
    note: str | None = None,
) -> DialogReply:
    """Start ``form``, replacing any open dialog. ``values`` pre-fills answers (a template, a
    profile being changed): those questions are not asked again unless ``at`` names one to
    ask first. ``context`` is handed to ``complete`` and is the fields' ``env.context``; ``note``
    goes above the first question."""
    conversation = await store.claim(env.session, env.chat_id, env.now)
    state = DialogState(values=dict(values or {}), context=dict(context or {}))
    dialog = OpenDialog(replace(env, context=state.context), form, conversation, state)
    lead = [note] if note else []
    if at is None:
        return DialogReply(tuple(await _advance(dialog, lead)))
    field = form.field(at)
    if field is None or not field.applies(dialog.env, state.values):
        raise StaleButton()
    return DialogReply((_enter_field(dialog, field, lead),))


async def resume(env: FormEnv) -> DialogReply | None:
    """Show the open dialog's current step again (after /start, or a restart); ``None`` when
    no dialog is open."""
    dialog = await _open(env)
    if dialog is None:
        return None
    lead: list[str] = [dialog.t("dialog.resuming")]
    field = dialog.form.field(dialog.step)
    if field is None:
        return DialogReply((await _summary(dialog, lead),))
    return DialogReply((question(dialog, field, lead),))


async def handle_message(env: FormEnv, message: UserInput) -> DialogReply | None:
    """A message sent while a dialog is open; ``None`` when none is."""
    dialog = await _open(env)
    if dialog is None:
        return None
    field = dialog.form.field(dialog.step)
    if field is None:  # the summary waits for a button
        error = dialog.t("dialog.error.use_buttons")
        return DialogReply((await _summary(dialog, [], error=error),))
    shortcut = typed_shortcut(dialog, field, message)
    if shortcut is not None:
        return DialogReply(tuple(await _answer(dialog, field, shortcut.value)))
    try:
        value = field.read_answer(dialog.env, dialog.values, message)
        if field.check is not None:
            value = await field.check(dialog.env, dialog.values, value)
    except InvalidInput as invalid:
        error = dialog.t(invalid.key, **invalid.params)
        if isinstance(field, MultiChoiceField):  # its toggles redraw only the buttons
            dialog.state.complained = True
            store.save(dialog.conversation, dialog.state, env.now)
        return DialogReply((question(dialog, field, [], error=error),))
    return DialogReply(tuple(await _answer(dialog, field, value)))


async def handle_press(env: FormEnv, press: DialogPress, message_id: int) -> DialogReply:
    """A press of one of the dialog's buttons on message ``message_id``."""
    dialog = await _open(env)
    if dialog is None or press.version != dialog.version:
        return _stale(env, message_id)
    try:
        return await _press(dialog, press, message_id)
    except StaleButton:
        return _stale(env, message_id)
    except InvalidInput as invalid:
        return DialogReply(answer=dialog.t(invalid.key, **invalid.params), alert=True)


async def file_limit(session: AsyncSession, chat_id: int) -> int | None:
    """How large a document the open dialog's current step reads (its contents are then
    fetched before the answer is handled); ``None`` when it reads none."""
    conversation = await session.get(Conversation, chat_id)
    form = form_for(conversation.flow) if conversation is not None and conversation.flow else None
    field = form.field(conversation.step) if form is not None and conversation else None
    if isinstance(field, AttachmentField) and "document" in field.kinds:
        return field.max_bytes
    return None


async def cancel(env: FormEnv, message_id: int | None = None) -> DialogReply | None:
    """Leave the open dialog, forgetting its answers; ``None`` when none is open."""
    conversation = await store.open_dialog(env.session, env.chat_id)
    if conversation is None:
        return None
    form = form_for(conversation.flow)
    store.close(conversation, env.now)
    said = env.t(form.cancelled if form else "dialog.cancelled")
    messages = [remove_buttons(env.chat_id, message_id)] if message_id else []
    messages.append(Outgoing.message(env.chat_id, said, await env.home_keyboard()))
    return DialogReply(tuple(messages))


async def _open(env: FormEnv) -> OpenDialog | None:
    conversation = await store.open_dialog(env.session, env.chat_id)
    if conversation is None:
        return None
    form = form_for(conversation.flow)
    if form is None:  # a form that no longer exists (the code changed): nothing to continue
        store.close(conversation, env.now)
        return None
    if form.expires is not None and env.now - conversation.updated_at > form.expires:
        store.close(conversation, env.now)  # left long ago: a new message is not its answer
        return None
    state = DialogState.of(conversation)
    return OpenDialog(replace(env, context=state.context), form, conversation, state)


async def _press(dialog: OpenDialog, press: DialogPress, message_id: int) -> DialogReply:
    if press.action == CANCEL:
        return await cancel(dialog.env, message_id) or DialogReply()
    if dialog.step == SUMMARY:
        return await _press_on_summary(dialog, press, message_id)
    if dialog.step == EDIT_STEP:
        return await _press_on_field_list(dialog, press, message_id)
    field = dialog.form.field(dialog.step)
    if field is None:
        raise StaleButton()
    view = dialog.view(field)
    result: Chosen | Toggled
    if press.action == SKIP and field.optional:
        result = Chosen(None)
    elif press.action == KEEP and view.current is not None:
        result = Chosen(view.current)
    else:
        result = field.press(dialog.env, view, press.action, press.value)
    if isinstance(result, Chosen):
        answered = await _answer(dialog, field, result.value)
        return DialogReply((remove_buttons(dialog.env.chat_id, message_id), *answered))
    dialog.state.selection = list(result.selection)
    markup = field_markup(dialog, field)
    redrawn = redraw_buttons(dialog.env.chat_id, message_id, markup)
    if dialog.state.complained:  # a toggle answers the complaint: the question alone again
        text = question_text(dialog, field, [])
        redrawn = Outgoing.edit(dialog.env.chat_id, message_id, text, markup)
        dialog.state.complained = False
    store.save(dialog.conversation, dialog.state, dialog.env.now)
    return DialogReply((redrawn,))


async def _press_on_summary(dialog: OpenDialog, press: DialogPress, message_id: int) -> DialogReply:
    if press.action == CONFIRM:
        done = await _complete(dialog, [])
        return DialogReply((remove_buttons(dialog.env.chat_id, message_id), *done))
    if press.action == EDIT:
        _move(dialog, EDIT_STEP)
        return DialogReply((await _summary(dialog, [], message_id=message_id),))
    if press.action == FIELD:  # a change the preview offered (see ``Previewed.change``)
        return await _press_on_field_list(dialog, press, message_id)
    raise StaleButton()


async def _press_on_field_list(
    dialog: OpenDialog, press: DialogPress, message_id: int
) -> DialogReply:
    if press.action == BACK:
        _move(dialog, SUMMARY)
        return DialogReply((await _summary(dialog, [], message_id=message_id),))
    field = dialog.form.field(press.value) if press.action == FIELD else None
    if field is None or not field.applies(dialog.env, dialog.values):
        raise StaleButton()
    asked = _enter_field(dialog, field, [])
    return DialogReply((remove_buttons(dialog.env.chat_id, message_id), asked))


async def _answer(dialog: OpenDialog, field: Field, value: Any) -> list[Outgoing]:
    old = dialog.values.get(field.name, value)
    if old != value:
        for name in field.resets:  # they depended on the old answer
            dialog.values.pop(name, None)
        field.follow(dialog.values, old, value)
    dialog.values[field.name] = value
    lead: list[str] = [acknowledgement(dialog, field, value)] if dialog.form.acknowledge else []
    return await _advance(dialog, lead)


async def _advance(dialog: OpenDialog, lead: list[str]) -> list[Outgoing]:
    """On to the first question not answered yet; then the summary, or completion. After a
    change from the summary that is the summary again (or a question the change opened)."""
    field = dialog.form.next_unanswered(dialog.env, dialog.values)
    if field is not None:
        return [_enter_field(dialog, field, lead)]
    if dialog.form.summary is not None:
        _move(dialog, SUMMARY)
        return [await _summary(dialog, lead)]
    return await _complete(dialog, lead)


async def _summary(
    dialog: OpenDialog, lead: list[str], *, error: str | None = None, message_id: int | None = None
) -> Outgoing:
    """The summary with the form's preview (not on the list of fields to change)."""
    preview = None
    if dialog.form.preview is not None and dialog.step == SUMMARY:
        found = await dialog.form.preview(dialog.env, dialog.values)
        preview = found if isinstance(found, Previewed) else Previewed(found)
    return summary(dialog, lead, error=error, message_id=message_id, preview=preview)


def _enter_field(dialog: OpenDialog, field: Field, lead: list[str]) -> Outgoing:
    dialog.state.selection = []
    dialog.state.complained = False
    if isinstance(field, MultiChoiceField):
        dialog.state.selection = list(field.initial_selection(dialog.current(field)))
    _move(dialog, field.name)
    return question(dialog, field, lead)


def _move(dialog: OpenDialog, step: str) -> None:
    store.move(dialog.conversation, dialog.form.flow, step, dialog.state, dialog.env.now)


async def _complete(dialog: OpenDialog, lead: list[str]) -> list[Outgoing]:
    """Hand the answers of the applicable fields to the form's hook; the dialog is over."""
    env, form = dialog.env, dialog.form
    answers = {f.name: dialog.values.get(f.name) for f in form.applicable(env, dialog.values)}
    screen = await form.complete(env, answers, dialog.state.context)
    again = form.field(screen.ask_again) if screen.ask_again else None
    if again is not None:  # not taken: the same question, with what was wrong above it
        dialog.values.pop(again.name, None)
        return [*screen.also, _enter_field(dialog, again, [screen.text])]
    store.close(dialog.conversation, env.now)
    markup = screen.markup if screen.markup is not None else await env.home_keyboard()
    done = Outgoing.message(
        env.chat_id, join([*lead, screen.text]), markup, protect_content=form.protect_content
    )
    return [*screen.also, done]


def _stale(env: FormEnv, message_id: int) -> DialogReply:
    """An old button: its keyboard is taken away and the press answered, nothing else."""
    return DialogReply((remove_buttons(env.chat_id, message_id),), env.t("errors.stale_button"))
