"""/elders (leaders): the people cared for by the door-knock rounds.

/elders                 the list, a page at a time
/elders <text>          search by name, compound or team
/elders <number>        one elder's card (with Remove)
/elders add             one elder, with a form (✏️ Edit on a card changes one)
/elders export [csv]    the registry as a spreadsheet (XLSX unless csv)
/elders import          then send the spreadsheet (a form of one step: a file with mistakes
                        is answered with them and the step waits for the corrected file);
                        or send it with that caption
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import dialogs
from bot.button_data import CallbackData
from bot.context import Handlers, MusterContext
from bot.dialogs import AttachmentField, Form, FormEnv, Screen
from bot.errors import InvalidInput
from bot.i18n import Html, Translator
from bot.outbox.queue import Outgoing, keyboard
from bot.services.assignments import notices
from bot.services.rounds import elder_sheets, registry
from bot.services.rounds.elder_sheets import PROBLEMS_SHOWN, ImportReport
from bot.services.rounds.messages import elder_block
from bot.services.rounds.spreadsheet import MAX_BYTES, FileFormat
from handlers import elder_form
from handlers.buttons import button
from handlers.dialog import deliver, fetch_document, form_env, user_input
from handlers.interaction import Interaction, interaction, pressed_data

IMPORT_WORDS = ("import", "导入")
ADD_WORDS = ("add", "添加", "新增")
EXPORT_WORDS = ("export", "导出")


@dataclass(frozen=True)
class ElderPageButton(CallbackData):
    prefix = "eld.p"
    page: int


@dataclass(frozen=True)
class ElderShow(CallbackData):
    prefix = "eld.s"
    elder_id: int


@dataclass(frozen=True)
class ElderRemove(CallbackData):
    """``confirmed`` False asks first; True removes."""

    prefix = "eld.r"
    elder_id: int
    confirmed: bool


@dataclass(frozen=True)
class ElderEdit(CallbackData):
    prefix = "eld.e"
    elder_id: int


@dataclass(frozen=True)
class ElderRemoveCancel(CallbackData):
    prefix = "eld.rc"
    elder_id: int


@interaction
async def on_elders(update: Update, context: MusterContext, it: Interaction) -> None:
    args = context.args or []
    word = args[0].lower() if args else ""
    if word in IMPORT_WORDS:
        await elder_sheets.require_importer(it.session, actor=it.actor)
        deliver(it, await dialogs.begin(form_env(it), IMPORT_FORM))
    elif word in ADD_WORDS:
        deliver(it, await elder_form.begin_adding(form_env(it)))
    elif word in EXPORT_WORDS:
        file_format: FileFormat = "csv" if len(args) > 1 and args[1].lower() == "csv" else "xlsx"
        export = await elder_sheets.export_elders(
            it.session, actor=it.actor, t=it.t, file_format=file_format, now=it.now
        )
        caption = it.t("elders.export.caption", rows=export.rows)
        it.send(Outgoing.document(it.chat_id, export.filename, export.content, caption))
    elif len(args) == 1 and args[0].lstrip("#").isdigit():
        await _show(it, int(args[0].lstrip("#")))
    elif args:
        text = " ".join(args)
        found = await registry.search_elders(it.session, actor=it.actor, text=text)
        title = it.t("elders.search.header", text=text, count=len(found))
        if not found:
            title = it.t("elders.search.none", text=text)
        it.reply(title, keyboard(_summary_rows(found)))
    else:
        page = await registry.list_elders(it.session, actor=it.actor, page=0)
        it.reply(*_page(it.t, page))


def _summary_rows(items: tuple[registry.ElderSummary, ...]) -> list[list[tuple[str, str]]]:
    """One button per elder, opening their card."""
    return [
        [(f"#{e.id} {e.name} · {e.compound or '–'} · {e.team}", ElderShow(e.id).pack())]
        for e in items
    ]


def _page(t: Translator, page: registry.ElderPage) -> tuple[Html, dict[str, Any]]:
    if not page.total:
        return t("elders.list.empty"), keyboard([])
    rows = _summary_rows(page.items)
    nav: list[tuple[str, str]] = []
    if page.page > 0:
        nav.append((t("elders.button.previous"), ElderPageButton(page.page - 1).pack()))
    if page.page + 1 < page.pages:
        nav.append((t("elders.button.next"), ElderPageButton(page.page + 1).pack()))
    if nav:
        rows.append(nav)
    text = t("elders.list.header", total=page.total, page=page.page + 1, pages=page.pages)
    return text, keyboard(rows)


@interaction
async def on_page(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    button = ElderPageButton.unpack(query.data or "")
    page = await registry.list_elders(it.session, actor=it.actor, page=button.page)
    it.edit(query.message.message_id, *_page(it.t, page))


async def _show(it: Interaction, elder_id: int) -> None:
    card = await registry.elder_card(
        it.session, actor=it.actor, config=it.runtime.config, elder_id=elder_id
    )
    it.reply(_card_text(it.t, card), _card_buttons(it.t, card), protect_content=True)


def _card_text(t: Translator, card: registry.ElderCard) -> Html:
    times = t.join(
        str(t("elders.card.time", time=slot, window=window)) for slot, window in card.visit_times
    )
    parts = [
        Html(f"#{card.facts.id} {elder_block(t, card.facts, card.private_visible)}"),
        t(
            "elders.card.details",
            team=card.team,
            primary=card.primary or "–",
            backup=card.backup or "–",
            times=times or "–",
        ),
    ]
    if not card.private_visible:
        parts.append(t("elders.card.private_hidden"))
    return Html("\n\n".join(parts))


def _card_buttons(t: Translator, card: registry.ElderCard) -> dict[str, Any]:
    if not card.may_remove:
        return keyboard([])
    buttons = [(t("elders.button.remove"), ElderRemove(card.facts.id, False).pack())]
    if card.private_visible:  # changing shows every detail
        buttons.insert(0, (t("elders.button.edit"), ElderEdit(card.facts.id).pack()))
    return keyboard([buttons])


@interaction
async def on_show(update: Update, context: MusterContext, it: Interaction) -> None:
    button = ElderShow.unpack(pressed_data(update))
    await _show(it, button.elder_id)


@interaction
async def on_edit(update: Update, context: MusterContext, it: Interaction) -> None:
    button = ElderEdit.unpack(pressed_data(update))
    deliver(it, await elder_form.begin_editing(form_env(it), button.elder_id))


@interaction
async def on_remove(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    button = ElderRemove.unpack(query.data or "")
    if not button.confirmed:
        card = await registry.elder_card(
            it.session, actor=it.actor, config=it.runtime.config, elder_id=button.elder_id
        )
        it.reply(
            it.t("elders.remove.confirm", name=card.facts.name),
            keyboard(
                [
                    [
                        (
                            it.t("elders.button.confirm_remove"),
                            ElderRemove(button.elder_id, True).pack(),
                        ),
                        (it.t("elders.button.cancel"), ElderRemoveCancel(button.elder_id).pack()),
                    ]
                ]
            ),
        )
        return
    name = await registry.remove_elder(
        it.session, actor=it.actor, elder_id=button.elder_id, now=it.now
    )
    it.edit(query.message.message_id, it.t("elders.remove.done", name=name))


@interaction
async def on_remove_cancel(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    ElderRemoveCancel.unpack(query.data or "")
    it.edit(query.message.message_id, it.t("elders.remove.cancelled"))


SHEET = AttachmentField(
    name="sheet",
    label="elders.import.label",
    prompt="elders.import.send_file",
    kinds=("document",),
    max_bytes=MAX_BYTES,
)


async def _import(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    """Import the file; with mistakes, say them and wait for the corrected file."""
    content = env.files.get(values["sheet"]["file_id"])
    try:
        report = await elder_sheets.import_elders(
            env.session, actor=env.actor, config=env.config, content=content, now=env.now
        )
    except InvalidInput as unreadable:
        return Screen(env.t(unreadable.key, **unreadable.params), ask_again=SHEET.name)
    if not report.imported:
        return Screen(report_text(env.t, report), ask_again=SHEET.name)
    return Screen(report_text(env.t, report), also=tuple(notices(report.assigned, env.config)))


IMPORT_FORM = Form(
    flow="elders_import",
    fields=(SHEET,),
    complete=_import,
    summary=None,
    acknowledge=False,
    cancelled="elders.import.cancelled",
    expires=elder_sheets.IMPORT_WAIT,
)


async def on_captioned_sheet(update: Update, context: MusterContext) -> None:
    """A spreadsheet sent with the caption ``/elders import``: the import form, already
    answered. Nothing else handles the message (not the dialog router in group 1)."""
    message = update.message
    assert message is not None
    files = await fetch_document(message, MAX_BYTES)

    @interaction
    async def import_sheet(update: Update, context: MusterContext, it: Interaction) -> None:
        await elder_sheets.require_importer(it.session, actor=it.actor)
        env = form_env(it, files)
        sheet = SHEET.read(env, user_input(message))
        deliver(it, await dialogs.begin(env, IMPORT_FORM, values={SHEET.name: sheet}))

    await import_sheet(update, context)
    raise ApplicationHandlerStop


def report_text(t: Translator, report: ImportReport) -> Html:
    if report.imported:
        parts = [t("elders.import.done", created=report.created, updated=report.updated)]
    else:
        parts = [t("elders.import.rejected", rejected=report.rejected_rows, rows=report.rows)]
        for problem in report.problems[:PROBLEMS_SHOWN]:
            reason = t(problem.key, **problem.params)
            if problem.column:
                column = t(f"elders.column.{problem.column}")
                parts.append(
                    t("elders.import.problem_line", row=problem.row, column=column, reason=reason)
                )
            else:
                parts.append(t("elders.import.problem_row", row=problem.row, reason=reason))
        if len(report.problems) > PROBLEMS_SHOWN:
            parts.append(
                t("elders.import.more_problems", count=len(report.problems) - PROBLEMS_SHOWN)
            )
    if report.ignored_columns:
        parts.append(t("elders.import.ignored_columns", columns=t.join(report.ignored_columns)))
    return Html("\n".join(parts))


def routes() -> Handlers:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("elders", on_elders, filters=private),
        button(ElderPageButton, on_page),
        button(ElderShow, on_show),
        button(ElderEdit, on_edit),
        button(ElderRemove, on_remove),
        button(ElderRemoveCancel, on_remove_cancel),
        MessageHandler(
            private & filters.Document.ALL & filters.CaptionRegex(elder_sheets.IMPORT_CAPTION),
            on_captioned_sheet,
        ),
    ]
