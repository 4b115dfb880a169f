"""``/report``: a leader chooses a period and a scope; the spreadsheet and the charts follow in
a moment (they are produced in the background, see ``bot.services.reports.runs``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot import dialogs
from bot.context import Handlers, MusterContext
from bot.dialogs import (
    ChoiceField,
    Field,
    FieldKeys,
    Form,
    FormEnv,
    Option,
    Screen,
    UserInput,
    field_keys,
    plain,
)
from bot.errors import InvalidInput
from bot.services.reports import (
    period,
    runs,
)
from bot.services.reports.period import PeriodKind
from handlers.dialog import deliver, form_env
from handlers.interaction import Interaction, interaction

COMMUNITY = 0  # the scope's value for the whole community


def _keys(name: str) -> FieldKeys:
    return field_keys("report.form", name)


def _today(env: FormEnv) -> date:
    return env.now.astimezone(env.config.bot.zone).date()


@dataclass(frozen=True, kw_only=True)
class DayField(Field):
    """A local date, past ones included (``2026-10-01``, ``10-01``, ``10月1日``); ``after``
    names the field of the first day, so that the two make a valid period."""

    after: str | None = None
    expected: ClassVar[str] = "report.invalid.day"

    def read_answer(self, env: FormEnv, values: Mapping[str, Any], message: UserInput) -> Any:
        if message.kind != "text" or len(message.text) > 40:
            raise InvalidInput(self.expected)
        day = period.parse_day(message.text, _today(env))
        if self.after and values.get(self.after):
            period.custom(date.fromisoformat(values[self.after]), day)  # raises if it is not
        return day.isoformat()


def _period_options(env: FormEnv) -> list[Option]:
    return [
        Option(k.value, plain(env.t(f"report.form.period.option.{k.value}"))) for k in PeriodKind
    ]


def _scope_options(env: FormEnv) -> list[Option]:
    everyone = Option(COMMUNITY, plain(env.t("report.scope.community")))
    return [everyone, *(Option(team_id, name) for team_id, name in env.context.get("teams", []))]


def _custom(env: FormEnv, values: Mapping[str, Any]) -> bool:
    return values.get("period") == PeriodKind.CUSTOM.value


REPORT_FIELDS = (
    ChoiceField(**_keys("period"), options=_period_options, columns=2),
    DayField(**_keys("first"), when=_custom),
    DayField(**_keys("last"), when=_custom, after="first"),
    ChoiceField(**_keys("scope"), options=_scope_options, columns=2),
)


def period_from(env: FormEnv, values: Mapping[str, Any]) -> period.Period:
    kind = PeriodKind(values["period"])
    if kind == PeriodKind.CUSTOM:
        return period.custom(
            date.fromisoformat(values["first"]), date.fromisoformat(values["last"])
        )
    return period.named(kind, _today(env))


async def _request(env: FormEnv, values: Mapping[str, Any], context: Mapping[str, Any]) -> Screen:
    team_id = int(values["scope"]) or None
    requested = await runs.request_report(
        env.session, actor=env.actor, period=period_from(env, values), team_id=team_id, now=env.now
    )
    scope = requested.scope.team_name or plain(env.t("report.scope.community"))
    return Screen(env.t("report.requested", scope=scope, period=requested.period.label))


REPORT_FORM = Form(
    flow="report",
    fields=REPORT_FIELDS,
    complete=_request,
    summary=None,
    cancelled="report.form.cancelled",
)


@interaction
async def on_report(update: Update, context: MusterContext, it: Interaction) -> None:
    teams = await runs.report_scopes(it.session, actor=it.actor)
    begun = await dialogs.begin(
        form_env(it),
        REPORT_FORM,
        context={"teams": [[team.id, team.name] for team in teams]},
        note=it.t("report.form.start"),
    )
    deliver(it, begun)


def routes() -> Handlers:
    return [CommandHandler("report", on_report, filters=filters.ChatType.PRIVATE)]
