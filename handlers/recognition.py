"""Recognition: ``/certificate`` (a volunteer's certificate of service hours, as a file) and
``/leaderboard`` (hours per team or for the community; a volunteer chooses on it whether to be
shown). Every rule is in ``bot.services.recognition``."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.button_data import BadCallbackData, CallbackData
from bot.context import MusterContext
from bot.i18n import Translator
from bot.outbox.queue import Button, Outgoing, keyboard
from bot.services import recognition
from bot.services.recognition import BoardPeriod, CertificatePeriod, Leaderboard, hours_figure
from bot.services.reports.certificate import draw_certificate
from handlers.buttons import button
from handlers.interaction import Interaction, interaction, pressed_data

COMMUNITY = 0  # a board's ``team_id`` for the whole community
SHOW, SHOW_ME, HIDE_ME = "show", "in", "out"


@dataclass(frozen=True)
class CertificatePress(CallbackData):
    prefix = "cert"
    period: str

    @property
    def kind(self) -> CertificatePeriod:
        try:
            return CertificatePeriod(self.period)
        except ValueError:
            raise BadCallbackData() from None


@dataclass(frozen=True)
class BoardPress(CallbackData):
    """Which board to show (a team, or ``COMMUNITY``; a period), or the viewer's choice to be
    shown on boards (``SHOW_ME`` / ``HIDE_ME``) with the board to show after it."""

    prefix = "board"
    team_id: int
    period: str
    action: str = SHOW

    @property
    def kind(self) -> BoardPeriod:
        try:
            return BoardPeriod(self.period)
        except ValueError:
            raise BadCallbackData() from None


# -- the certificate ------------------------------------------------------------------------


def certificate_choice(t: Translator) -> dict[str, Any]:
    """The buttons that make a certificate, one per period (``/hours`` may offer them too)."""
    buttons = [
        (t(f"recognition.certificate.option.{kind.value}"), CertificatePress(kind.value).pack())
        for kind in CertificatePeriod
    ]
    return keyboard([buttons])


@interaction
async def on_certificate(update: Update, context: MusterContext, it: Interaction) -> None:
    it.reply(it.t("recognition.certificate.choose"), certificate_choice(it.t))


@interaction
async def on_certificate_press(update: Update, context: MusterContext, it: Interaction) -> None:
    kind = CertificatePress.unpack(pressed_data(update)).kind
    made = await recognition.certificate(
        it.session, it.actor.telegram_id, kind, it.now, it.runtime.config
    )
    picture = await asyncio.to_thread(draw_certificate, it.t, made)
    caption = it.t(
        "recognition.certificate.caption",
        hours=hours_figure(made.minutes),
        first=made.period.first.isoformat(),
        last=made.period.last.isoformat(),
    )
    name = f"{html.unescape(it.t('recognition.certificate.file_name'))}-{made.number}.png"
    it.send(Outgoing.document(it.chat_id, name, picture, caption))
    it.answer()


# -- leaderboards ---------------------------------------------------------------------------


def board_text(t: Translator, board: Leaderboard) -> str:
    scope = board.team.name if board.team else t("recognition.board.community")
    lines = [
        t(
            "recognition.board.title",
            scope=scope,
            period=t(f"recognition.board.option.{board.period.value}"),
        ),
        "",
    ]
    lines += [
        t(
            "recognition.board.line",
            rank=line.rank,
            name=line.name,
            hours=hours_figure(line.minutes),
        )
        for line in board.lines
    ] or [t("recognition.board.empty")]
    lines += ["", t("recognition.board.only_agreed")]
    if board.shown is False:
        lines.append(t("recognition.board.hidden"))
    elif board.shown and board.mine is not None:
        lines.append(
            t(
                "recognition.board.mine",
                rank=board.mine.rank,
                hours=hours_figure(board.mine.minutes),
            )
        )
    elif board.shown:
        lines.append(t("recognition.board.mine_none"))
    return "\n".join(lines)


def board_markup(t: Translator, board: Leaderboard) -> dict[str, Any]:
    team_id = board.team.id if board.team else COMMUNITY

    def marked(label: str, current: bool) -> str:
        return f"• {label} •" if current else label

    periods = [
        (
            marked(t(f"recognition.board.option.{kind.value}"), kind == board.period),
            BoardPress(team_id, kind.value).pack(),
        )
        for kind in BoardPeriod
    ]
    scopes: list[Button] = [
        (
            marked(t("recognition.board.community"), team_id == COMMUNITY),
            BoardPress(COMMUNITY, board.period.value).pack(),
        )
    ]
    scopes += [
        (marked(team.name, team.id == team_id), BoardPress(team.id, board.period.value).pack())
        for team in board.teams
    ]
    rows = [periods, *(scopes[i : i + 3] for i in range(0, len(scopes), 3))]
    if board.shown is not None:
        action, label = (HIDE_ME, "hide_me") if board.shown else (SHOW_ME, "show_me")
        press = BoardPress(team_id, board.period.value, action).pack()
        rows.append([(t(f"recognition.board.button.{label}"), press)])
    return keyboard(rows)


@interaction
async def on_leaderboard(update: Update, context: MusterContext, it: Interaction) -> None:
    board = await recognition.leaderboard(
        it.session, it.actor.telegram_id, None, BoardPeriod.THIS_MONTH, it.now, it.runtime.config
    )
    it.reply(board_text(it.t, board), board_markup(it.t, board))


@interaction
async def on_board_press(update: Update, context: MusterContext, it: Interaction) -> None:
    press = BoardPress.unpack(pressed_data(update))
    team_id, kind, config = press.team_id or None, press.kind, it.runtime.config
    if press.action == SHOW:
        board = await recognition.leaderboard(
            it.session, it.actor.telegram_id, team_id, kind, it.now, config
        )
    elif press.action in (SHOW_ME, HIDE_ME):
        shown = press.action == SHOW_ME
        board = await recognition.choose_shown(
            it.session, it.actor.telegram_id, shown, team_id, kind, it.now, config
        )
        it.answer(it.t("recognition.board.shown_now" if shown else "recognition.board.hidden_now"))
    else:
        raise BadCallbackData()
    message = update.callback_query.message if update.callback_query else None
    if message is not None:
        it.edit(message.message_id, board_text(it.t, board), board_markup(it.t, board))


def routes() -> list[BaseHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("certificate", on_certificate, filters=private),
        CommandHandler("leaderboard", on_leaderboard, filters=private),
        button(CertificatePress, on_certificate_press),
        button(BoardPress, on_board_press),
    ]
