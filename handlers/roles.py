"""Administrators grant leader rights: /promote, /demote, /invite, and the invite link itself
(and the first administrator's claim link).

/promote and /demote take a person's name, phone or number (#12) after the command; without
one they list the leaders and offer a button that opens Telegram's chooser of a person
(the choice comes back through ``handlers.people``). The person is told, and their command
menu follows their role (``bot.menus``).

``/start inv_<code>`` and ``/start claim_<code>`` are routed here before the generic /start
(this module is listed first).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import Handlers, MusterContext
from bot.i18n import Html
from bot.menus import menu_update
from bot.outbox.queue import PRIORITY_NOTICE, Outgoing
from bot.person_request import PersonRequest, choose_person_keyboard
from bot.services import invites, roles
from bot.services.roles import RoleChange
from handlers.interaction import Interaction, interaction
from models import Role

log = logging.getLogger("muster")

INVITE_START = filters.Regex(rf"^/start(@\w+)?\s+({invites.PAYLOAD_PREFIX}|{invites.CLAIM_PREFIX})")


@interaction
async def on_promote(update: Update, context: MusterContext, it: Interaction) -> None:
    if not context.args:
        await _usage(it, "promote")
        return
    await change_role(it, "promote", " ".join(context.args))


@interaction
async def on_demote(update: Update, context: MusterContext, it: Interaction) -> None:
    if not context.args:
        await _usage(it, "demote")
        return
    await change_role(it, "demote", " ".join(context.args))


async def change_role(it: Interaction, purpose: str, target: str | int) -> None:
    """Promote or demote the person named (typed) or chosen (a shared user's id)."""
    if purpose == "promote":
        change = await roles.promote(
            it.session, actor=it.actor, target=target, admins=_admins(it), now=it.now
        )
        _report_change(it, change, "roles.promoted", "roles.you_are_leader")
    else:
        change = await roles.demote(
            it.session, actor=it.actor, target=target, admins=_admins(it), now=it.now
        )
        _report_change(it, change, "roles.demoted", "roles.you_are_volunteer")


@interaction
async def on_invite_create(update: Update, context: MusterContext, it: Interaction) -> None:
    invite = await invites.create_invite(it.session, actor=it.actor, now=it.now)
    link = invite.link(it.runtime.bot_username)
    it.reply(it.t("roles.invite_created", link=link, expires=it.t.when(invite.expires_at)))


@interaction
async def on_invite_opened(update: Update, context: MusterContext, it: Interaction) -> None:
    code = invites.code_from_start_argument(context.args[0] if context.args else "")
    redeemed = await invites.redeem_invite(it.session, actor=it.actor, code=code, now=it.now)
    community = it.runtime.config.community.name
    if redeemed.role == Role.ADMIN:
        log.warning(
            "%s (Telegram id %d) opened the claim link and is now an administrator; the link "
            "no longer works",
            it.actor.first_name,
            it.actor.telegram_id,
        )
        it.reply(it.t("roles.claim_welcome", community=community))
    else:
        it.reply(it.t("roles.invite_welcome", community=community))
    it.send(menu_update(it.actor.telegram_id, redeemed.role, it.actor.language))
    if redeemed.creator_language is not None:
        t = it.translator_for(redeemed.creator_language)
        notice = t("roles.invite_was_used", name=it.actor.first_name)
        it.send(Outgoing.message(redeemed.created_by, notice, priority=PRIORITY_NOTICE))


async def _usage(it: Interaction, purpose: str) -> None:
    entries = await roles.list_leaders(it.session, actor=it.actor, admins=_admins(it))
    lines = [
        it.t("roles.leader_line", name=e.first_name, role=it.t(f"roles.role.{e.role.value}"))
        for e in entries
    ]
    leaders = Html("\n".join(lines)) if lines else it.t("roles.no_leaders")
    chooser = choose_person_keyboard(it.t("roles.button_choose"), PersonRequest(purpose))
    it.reply(it.t(f"roles.usage_{purpose}", leaders=leaders), chooser)


def _report_change(it: Interaction, change: RoleChange, done_key: str, notice_key: str) -> None:
    """Tell the administrator; tell the person concerned, in their own language."""
    if not change.changed:
        role = it.t(f"roles.role.{change.role.value}")
        it.reply(it.t("roles.unchanged", name=change.first_name, role=role))
        return
    it.reply(it.t(done_key, name=change.first_name))
    if change.teams_left:
        it.reply(it.t("roles.teams_left", teams=it.t.join(change.teams_left)))
    t = it.translator_for(change.language)
    notice = t(notice_key, community=it.runtime.config.community.name)
    it.send(Outgoing.message(change.telegram_id, notice, priority=PRIORITY_NOTICE))
    it.send(menu_update(change.telegram_id, change.role, change.language))


def _admins(it: Interaction) -> list[int]:
    return it.runtime.config.bot.admins


def routes() -> Handlers:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", on_invite_opened, filters=private & INVITE_START),
        CommandHandler("promote", on_promote, filters=private),
        CommandHandler("demote", on_demote, filters=private),
        CommandHandler("invite", on_invite_create, filters=private),
    ]
