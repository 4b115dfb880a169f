"""/volunteers for leaders: counts, the filtered list a page at a time, and file exports.

The whole view state (screen, page, filters) travels in the button's callback data, so any
old message still works and nothing is stored between presses. Filters are packed as
``s<skill index>.t<team id>.c<compound index>.a<availability index>.p<party index>``,
indices into the community's configured lists: it fits Telegram's 64 bytes whatever the
names are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.button_data import BadCallbackData, CallbackData
from bot.config import CommunityConfig
from bot.context import Handlers, MusterContext
from bot.i18n import Html
from bot.labels import availability_label, party_label, skill_label
from bot.outbox.queue import Button, keyboard
from bot.services import registry
from bot.services.registry import RegistryCounts, RegistryFilter, VolunteerPage, VolunteerRow
from bot.services.registry_export import (
    ExportRequest,
    FileFormat,
    send_registry_export,
    skill_labels,
)
from handlers.buttons import button
from handlers.interaction import Interaction, interaction
from models import Availability, Party

AVAILABILITY = [slot.value for slot in Availability]
PARTIES = [party.value for party in Party]
DIMENSIONS = ("s", "t", "c", "a", "p")  # skill, team, compound, availability, party
FIELD_OF = {"s": "skill", "t": "team_id", "c": "compound", "a": "availability", "p": "party"}
TEAMS_IN_COUNTS = 30
CHAT_TEXT_CUT = 40  # long free text is shortened in chat; the export has it whole
TEAM_NAMES_IN_ENTRY = 3


@dataclass(frozen=True)
class RegistryPress(CallbackData):
    """``view``: home (counts), list, pick (a filter's choices), xlsx, csv."""

    prefix = "vol"
    view: str
    dimension: str = ""
    page: int = 0
    filters: str = ""


# -- the filter codec ---------------------------------------------------------------------


def pack_filters(chosen: RegistryFilter, community: CommunityConfig) -> str:
    parts = []
    if chosen.skill is not None:
        parts.append(f"s{community.skill_codes.index(chosen.skill)}")
    if chosen.team_id is not None:
        parts.append(f"t{chosen.team_id}")
    if chosen.compound is not None:
        parts.append(f"c{community.compounds.index(chosen.compound)}")
    if chosen.availability is not None:
        parts.append(f"a{AVAILABILITY.index(chosen.availability)}")
    if chosen.party is not None:
        parts.append(f"p{PARTIES.index(chosen.party)}")
    return ".".join(parts)


def unpack_filters(text: str, community: CommunityConfig) -> RegistryFilter:
    """The inverse of ``pack_filters``; anything else is a stale or forged button."""
    values: dict[str, Any] = {}
    for part in filter(None, text.split(".")):
        dimension, number = part[:1], part[1:]
        if dimension not in FIELD_OF or FIELD_OF[dimension] in values:
            raise BadCallbackData()
        if not number.isascii() or not number.isdigit() or len(number) > 18:
            raise BadCallbackData()
        values[FIELD_OF[dimension]] = _filter_value(dimension, int(number), community)
    return RegistryFilter(**values)


def _filter_value(dimension: str, number: int, community: CommunityConfig) -> str | int:
    if dimension == "t":
        return number
    choices = _choices(dimension, community)
    if number >= len(choices):  # the configuration changed since the button was made
        raise BadCallbackData()
    return choices[number]


def _choices(dimension: str, community: CommunityConfig) -> Sequence[str]:
    return {
        "s": community.skill_codes,
        "c": community.compounds,
        "a": AVAILABILITY,
        "p": PARTIES,
    }[dimension]


# -- handlers -----------------------------------------------------------------------------


@interaction
async def on_volunteers(update: Update, context: MusterContext, it: Interaction) -> None:
    counts = await registry.registry_counts(it.session, actor=it.actor, now=it.now)
    it.reply(*_home(it, counts))


@interaction
async def on_registry_press(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    press = RegistryPress.unpack(query.data or "")
    community = it.runtime.config.community
    chosen = unpack_filters(press.filters, community)
    message_id = query.message.message_id
    if press.view == "list":
        page = await registry.find_volunteers(
            it.session, actor=it.actor, filters=chosen, page=press.page, now=it.now
        )
        it.edit(message_id, *_list(it, page, chosen))
    elif press.view == "pick" and press.dimension in DIMENSIONS:
        it.edit(message_id, *await _pick(it, press.dimension, chosen))
    elif press.view in ("xlsx", "csv"):
        file_format: FileFormat = "xlsx" if press.view == "xlsx" else "csv"
        registry.check_can_export(it.actor)
        request = ExportRequest(it.chat_id, it.actor, chosen, file_format)
        context.application.create_task(
            send_registry_export(it.runtime, context.bot, request), update=update
        )
        it.answer(it.t("volunteers.export_sent"))
    else:
        counts = await registry.registry_counts(it.session, actor=it.actor, now=it.now)
        it.edit(message_id, *_home(it, counts))


# -- rendering ----------------------------------------------------------------------------

Rendered = tuple[str, dict[str, Any]]


def _home(it: Interaction, counts: RegistryCounts) -> Rendered:
    community = it.runtime.config.community
    line = "volunteers.count_line"
    skills = [
        it.t(line, label=skill_label(it.t, community, code), count=counts.by_skill[code])
        for code in community.skill_codes
        if counts.by_skill.get(code)
    ]
    parties = [
        it.t(line, label=party_label(it.t, party), count=counts.by_party[party])
        for party in PARTIES
        if counts.by_party.get(party)
    ]
    teams = [it.t(line, label=name, count=n) for name, n in counts.by_team[:TEAMS_IN_COUNTS]]
    if len(counts.by_team) > TEAMS_IN_COUNTS:
        teams.append(it.t("volunteers.more_teams", count=len(counts.by_team) - TEAMS_IN_COUNTS))
    none = it.t("volunteers.none")
    text = it.t(
        "volunteers.counts",
        total=counts.total,
        active=counts.active,
        paused=counts.paused,
        skills=Html("\n".join(skills)) if skills else none,
        parties=Html("\n".join(parties)) if parties else none,
        teams=Html("\n".join(teams)) if teams else none,
    )
    rows = [
        [(it.t("volunteers.button_list"), RegistryPress("list").pack())],
        [
            (it.t("volunteers.button_xlsx"), RegistryPress("xlsx").pack()),
            (it.t("volunteers.button_csv"), RegistryPress("csv").pack()),
        ],
    ]
    return text, keyboard(rows)


def _list(it: Interaction, page: VolunteerPage, chosen: RegistryFilter) -> Rendered:
    community = it.runtime.config.community
    packed = pack_filters(chosen, community)
    entries = [
        _entry(it, page.page * registry.LIST_PAGE_SIZE + i + 1, row)
        for i, row in enumerate(page.rows)
    ]
    text = it.t(
        "volunteers.list",
        matching=page.matching,
        page=page.page + 1,
        pages=page.pages,
        filters=_describe_filters(it, chosen, page.team_name),
        entries=Html("\n\n".join(entries)) if entries else it.t("volunteers.nobody_matches"),
    )
    dimension_buttons: list[Button] = [
        (it.t(f"volunteers.filter_{d}"), RegistryPress("pick", d, 0, packed).pack())
        for d in DIMENSIONS
        if d != "c" or community.compounds
    ]
    rows: list[list[Button]] = [dimension_buttons[:3], dimension_buttons[3:]]
    if chosen.active:
        rows.append([(it.t("volunteers.clear_filters"), RegistryPress("list").pack())])
    nav: list[Button] = []
    if page.page > 0:
        previous = RegistryPress("list", "", page.page - 1, packed).pack()
        nav.append((it.t("volunteers.previous_page"), previous))
    if page.page + 1 < page.pages:
        following = RegistryPress("list", "", page.page + 1, packed).pack()
        nav.append((it.t("volunteers.next_page"), following))
    rows.append(nav)
    rows.append(
        [
            (it.t("volunteers.button_xlsx"), RegistryPress("xlsx", "", 0, packed).pack()),
            (it.t("volunteers.button_csv"), RegistryPress("csv", "", 0, packed).pack()),
        ]
    )
    rows.append([(it.t("volunteers.button_counts"), RegistryPress("home").pack())])
    return text, keyboard(row for row in rows if row)


def _entry(it: Interaction, number: int, row: VolunteerRow) -> str:
    community = it.runtime.config.community
    hidden = it.t("volunteers.hidden")
    none = it.t("volunteers.none")
    teams = list(row.teams[:TEAM_NAMES_IN_ENTRY])
    if len(row.teams) > TEAM_NAMES_IN_ENTRY:
        teams.append(f"+{len(row.teams) - TEAM_NAMES_IN_ENTRY}")
    return it.t(
        "volunteers.entry_paused" if row.paused else "volunteers.entry",
        number=number,
        name=row.name,
        telegram_id=row.telegram_id or "",
        phone=(row.phone or none) if row.contact_visible else hidden,
        compound=_cut(row.compound) if row.compound else none,
        address=(_cut(row.address) if row.address else none) if row.contact_visible else hidden,
        skills=it.t.join(skill_labels(it.t, community, row.skills)) or none,
        availability=it.t.join(availability_label(it.t, s) for s in row.availability) or none,
        teams=it.t.join(_cut(name, 20) for name in teams) or none,
        party=party_label(it.t, row.party),
    )


def _describe_filters(it: Interaction, chosen: RegistryFilter, team: str | None) -> str:
    parts = []
    for dimension in DIMENSIONS:
        value = getattr(chosen, FIELD_OF[dimension])
        if value is None:
            continue
        label = (team or f"#{value}") if dimension == "t" else _option_label(it, dimension, value)
        parts.append(it.t(f"volunteers.filter_is_{dimension}", value=label))
    if not parts:
        return it.t("volunteers.no_filters")
    return Html(it.t.join(parts))


async def _pick(it: Interaction, dimension: str, chosen: RegistryFilter) -> Rendered:
    """The choices of one filter; each button is the list with that choice applied."""
    community = it.runtime.config.community
    current = getattr(chosen, FIELD_OF[dimension])
    options: list[tuple[str | int, str]]
    if dimension == "t":
        options = [(t.id, t.name) for t in await registry.team_options(it.session, actor=it.actor)]
    else:
        registry.check_can_filter(it.actor)
        choices = _choices(dimension, community)
        options = [(value, _option_label(it, dimension, value)) for value in choices]
    buttons: list[Button] = []
    for value, label in options:
        choice: dict[str, Any] = {FIELD_OF[dimension]: value}  # as unpack_filters reads it
        applied = replace(chosen, **choice)
        data = RegistryPress("list", "", 0, pack_filters(applied, community)).pack()
        buttons.append((f"✅ {label}" if value == current else label, data))
    rows: list[list[Button]] = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    cleared = pack_filters(replace(chosen, **{FIELD_OF[dimension]: None}), community)
    rows.append([(it.t("volunteers.option_any"), RegistryPress("list", "", 0, cleared).pack())])
    text = it.t(f"volunteers.pick_{dimension}") if options else it.t("volunteers.pick_no_teams")
    return text, keyboard(rows)


def _option_label(it: Interaction, dimension: str, value: str | int) -> str:
    value = str(value)
    if dimension == "s":
        return skill_label(it.t, it.runtime.config.community, value)
    if dimension == "a":
        return availability_label(it.t, value)
    if dimension == "p":
        return party_label(it.t, value)
    return value


def _cut(text: str, limit: int = CHAT_TEXT_CUT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def routes() -> Handlers:
    return [
        CommandHandler("volunteers", on_volunteers, filters=filters.ChatType.PRIVATE),
        button(RegistryPress, on_registry_press),
    ]
