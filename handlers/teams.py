"""/teams for leaders: the list, a team's card, members toggled in place, rename, delete.

/teams                          the list of teams (buttons open a card)
/teams new <name>               create a team
/teams rename <id> <name>       rename one (the card shows its id)
/teams leader <id> <name | ->   set (a name, phone or #number) or clear the team's own leader
/teams add <id> <name>          add a volunteer (a name, phone or #number)
The card's buttons also choose the team leader, or add a member, in Telegram's chooser.
/link_team (in a group the bot was added to)   link the group to a team, chosen by button
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, filters

from bot.button_data import GROUPS, CallbackData
from bot.context import Handlers, MusterContext
from bot.errors import InvalidInput
from bot.i18n import Html
from bot.outbox.queue import Button, keyboard
from bot.person_request import PersonRequest, choose_person_keyboard
from bot.services import teams
from bot.services.assignments import notices
from bot.services.teams import MemberPage, TeamCard, TeamChange, TeamSummary
from handlers.buttons import button
from handlers.interaction import Interaction, interaction

NO_LEADER = ("-", "none", "无")
MEMBER_MARK = {True: "✅", False: "▫️"}  # button labels are plain text, not HTML


@dataclass(frozen=True)
class TeamPress(CallbackData):
    """``view`` is what to show: list, card, members, toggle, delete, really_delete; or
    choose_leader / share_member: open Telegram's chooser of a person."""

    prefix = "team"
    view: str
    team_id: int = 0
    page: int = 0
    volunteer_id: int = 0


@dataclass(frozen=True)
class LinkPress(CallbackData):
    """In a group: link this group to the team pressed."""

    prefix = "link"
    chats = GROUPS
    team_id: int


@dataclass(frozen=True)
class TeamsCommand:
    action: str  # list, new, rename, leader, add, usage
    team_id: int = 0
    text: str = ""  # the new name; the leader as typed ("" clears)


def parse_teams_command(text: str) -> TeamsCommand:
    """What follows /teams; anything malformed becomes ``usage`` (the list plus the syntax)."""
    parts = text.split(maxsplit=1)
    rest = parts[1] if len(parts) > 1 else ""
    action, _, args = rest.partition(" ")
    action = action.lower()
    try:
        if not action:
            return TeamsCommand("list")
        if action == "new" and args.strip():
            return TeamsCommand("new", text=args)
        team_ref, _, value = args.strip().partition(" ")
        if action == "rename" and value.strip():
            return TeamsCommand("rename", _team_id(team_ref), text=value)
        if action == "add" and value.strip():
            return TeamsCommand("add", _team_id(team_ref), text=value.strip())
        if action == "leader" and value.strip():
            leader = "" if value.strip().lower() in NO_LEADER else value.strip()
            return TeamsCommand("leader", _team_id(team_ref), text=leader)
    except InvalidInput:
        pass
    return TeamsCommand("usage")


def _team_id(text: str) -> int:
    value = text.removeprefix("#")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise InvalidInput()
    return int(value)


# -- the command ---------------------------------------------------------------------------


@interaction
async def on_teams(update: Update, context: MusterContext, it: Interaction) -> None:
    assert update.message is not None
    command = parse_teams_command(update.message.text or "")
    if command.action == "new":
        created = await teams.create_team(it.session, actor=it.actor, name=command.text, now=it.now)
        it.reply(*_card(it, TeamCard(created, ()), notice=it.t("teams.created", name=created.name)))
    elif command.action == "rename":
        summary = await teams.rename_team(
            it.session, actor=it.actor, team_id=command.team_id, name=command.text, now=it.now
        )
        it.reply(it.t("teams.renamed", name=summary.name))
    elif command.action == "leader":
        await set_leader(it, command.team_id, command.text or None)
    elif command.action == "add":
        await add_member(it, command.team_id, command.text)
    else:
        listed = await teams.list_teams(it.session, actor=it.actor)
        notice = it.t("teams.usage") if command.action == "usage" else None
        it.reply(*_list(it, listed, notice))


# -- buttons ------------------------------------------------------------------------------


@interaction
async def on_team_press(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    press = TeamPress.unpack(query.data or "")
    message_id = query.message.message_id
    if press.view == "card":
        card = await teams.team_card(it.session, actor=it.actor, team_id=press.team_id)
        it.edit(message_id, *_card(it, card))
    elif press.view == "members":
        page = await teams.member_page(
            it.session, actor=it.actor, team_id=press.team_id, page=press.page
        )
        it.edit(message_id, *_members(it, page))
    elif press.view == "toggle":
        page = await teams.toggle_member(
            it.session,
            actor=it.actor,
            team_id=press.team_id,
            volunteer_id=press.volunteer_id,
            page=press.page,
            now=it.now,
        )
        it.edit(message_id, *_members(it, page))
        it.send(*notices([page.assigned], it.runtime.config))
    elif press.view in ("choose_leader", "share_member"):
        card = await teams.team_card(it.session, actor=it.actor, team_id=press.team_id)
        purpose = "team_leader" if press.view == "choose_leader" else "team_member"
        label = "button_choose_leader" if purpose == "team_leader" else "button_share_member"
        prompt = "choose_leader" if purpose == "team_leader" else "choose_member"
        request = PersonRequest(purpose, press.team_id)
        it.reply(
            it.t(f"teams.{prompt}", name=card.team.name, id=card.team.id),
            choose_person_keyboard(it.t(f"teams.{label}"), request),
        )
    elif press.view == "delete":
        card = await teams.team_card(it.session, actor=it.actor, team_id=press.team_id)
        it.edit(message_id, *_confirm_delete(it, card.team))
    elif press.view == "really_delete":
        deleted = await teams.delete_team(
            it.session, actor=it.actor, team_id=press.team_id, now=it.now
        )
        listed = await teams.list_teams(it.session, actor=it.actor)
        it.edit(message_id, *_list(it, listed, it.t("teams.deleted", name=deleted.name)))
    else:
        listed = await teams.list_teams(it.session, actor=it.actor)
        it.edit(message_id, *_list(it, listed))


@interaction
async def on_link_team(update: Update, context: MusterContext, it: Interaction) -> None:
    assert update.effective_chat is not None
    if update.effective_chat.type == ChatType.PRIVATE:
        it.reply(it.t("teams.link_in_group"))
        return
    listed = await teams.linkable_teams(it.session, actor=it.actor)
    if not listed:
        it.reply(it.t("teams.link_no_teams"))
        return
    rows: list[list[Button]] = [[(s.name, LinkPress(s.id).pack())] for s in listed]
    it.reply(it.t("teams.link_choose"), keyboard(rows))


@interaction
async def on_link_press(update: Update, context: MusterContext, it: Interaction) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    press = LinkPress.unpack(query.data or "")
    linked = await teams.link_group(
        it.session, actor=it.actor, team_id=press.team_id, chat_id=it.chat_id, now=it.now
    )
    it.edit(query.message.message_id, it.t("teams.linked", name=linked.name))


async def set_leader(it: Interaction, team_id: int, leader: str | int | None) -> None:
    """Set (or clear) the team's leader, typed or chosen; the new leader is told."""
    admins = it.runtime.config.bot.admins
    change = await teams.set_team_leader(
        it.session, actor=it.actor, team_id=team_id, leader=leader, now=it.now, admins=admins
    )
    report_leader(it, change)


def report_leader(it: Interaction, change: TeamChange) -> None:
    it.reply(it.t("teams.leader_set", name=change.team.name, leader=_leader(it, change.team)))
    it.send(*notices([change.assigned], it.runtime.config), *change.menus)


async def add_member(it: Interaction, team_id: int, who: str | int) -> None:
    """A volunteer named or chosen in Telegram's chooser joins the team and is told."""
    change = await teams.add_member(
        it.session, actor=it.actor, team_id=team_id, who=who, now=it.now
    )
    assert change.assigned is not None
    it.reply(it.t("teams.member_added", person=change.assigned.person.name, name=change.team.name))
    it.send(*notices([change.assigned], it.runtime.config))


# -- rendering ----------------------------------------------------------------------------


Rendered = tuple[str, dict[str, Any]]


def _list(it: Interaction, listed: list[TeamSummary], notice: Html | None = None) -> Rendered:
    body = it.t("teams.list", count=len(listed)) if listed else it.t("teams.none_yet")
    text = "\n\n".join(part for part in (notice, body, it.t("teams.how_to_create")) if part)
    rows: list[list[Button]] = [
        [(f"{s.name} · {s.member_count}", _press("card", s.id))] for s in listed
    ]
    return text, keyboard(rows)


def _card(it: Interaction, card: TeamCard, notice: Html | None = None) -> Rendered:
    team = card.team
    # Names are plain text (escaped when filled in); the catalog texts are already HTML.
    members: str = it.t.join(card.member_names) if card.member_names else it.t("teams.no_members")
    if team.member_count > len(card.member_names):
        members = it.t(
            "teams.and_more", names=members, more=team.member_count - len(card.member_names)
        )
    body = it.t(
        "teams.card",
        name=team.name,
        id=team.id,
        count=team.member_count,
        leader=_leader(it, team),
        members=members,
    )
    text = f"{notice}\n\n{body}" if notice else body
    rows: list[list[Button]] = [
        [(it.t("teams.button_members"), _press("members", team.id))],
        [(it.t("teams.button_choose_leader"), _press("choose_leader", team.id))],
        [
            (it.t("teams.button_delete"), _press("delete", team.id)),
            (it.t("teams.button_all_teams"), _press("list")),
        ],
    ]
    return text, keyboard(rows)


def _members(it: Interaction, page: MemberPage) -> Rendered:
    team = page.team
    text: str = it.t(
        "teams.members",
        name=team.name,
        count=team.member_count,
        page=page.page + 1,
        pages=page.pages,
    )
    rows: list[list[Button]] = [
        [
            (
                f"{MEMBER_MARK[c.is_member]} {c.name}",
                _press("toggle", team.id, page.page, c.volunteer_id),
            )
        ]
        for c in page.choices
    ]
    if not page.choices:
        text = f"{text}\n\n{it.t('teams.nobody_registered')}"
    nav: list[Button] = []
    if page.page > 0:
        nav.append((it.t("volunteers.previous_page"), _press("members", team.id, page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append((it.t("volunteers.next_page"), _press("members", team.id, page.page + 1)))
    rows.append(nav)
    rows.append([(it.t("teams.button_share_member"), _press("share_member", team.id))])
    rows.append([(it.t("teams.button_back_to_team"), _press("card", team.id))])
    return text, keyboard(row for row in rows if row)


def _confirm_delete(it: Interaction, team: TeamSummary) -> Rendered:
    text = it.t("teams.confirm_delete", name=team.name, count=team.member_count)
    rows = [
        [
            (it.t("teams.button_really_delete"), _press("really_delete", team.id)),
            (it.t("teams.keep"), _press("card", team.id)),
        ]
    ]
    return text, keyboard(rows)


def _leader(it: Interaction, team: TeamSummary) -> str:
    if team.leader_telegram_id is None:
        return it.t("teams.no_leader")
    return it.t("teams.leader", name=team.leader_name or "")


def _press(view: str, team_id: int = 0, page: int = 0, volunteer_id: int = 0) -> str:
    return TeamPress(view, team_id, page, volunteer_id).pack()


def routes() -> Handlers:
    return [
        CommandHandler("teams", on_teams, filters=filters.ChatType.PRIVATE),
        button(TeamPress, on_team_press),
        CommandHandler("link_team", on_link_team),
        button(LinkPress, on_link_press),
    ]
