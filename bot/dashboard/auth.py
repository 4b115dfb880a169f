"""Who is looking at the board: Telegram's ``initData``, validated as Telegram documents for
Mini Apps, then the person's role and scope from the database (never from the client).

The check (core.telegram.org/bots/webapps, "Validating data received via the Mini App"):
``secret_key = HMAC-SHA256(key="WebAppData", msg=bot_token)``; the data-check-string is every
received field but ``hash``, as ``key=value`` sorted by key, joined by line feeds;
``hash`` must be the hex HMAC-SHA256 of it under ``secret_key``. ``auth_date`` says when
Telegram signed it; older than ``[dashboard] init_data_max_age`` is refused as stale.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import parse_qsl

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.accounts import Actor, effective_role, pick_language
from bot.services.leader_scope import LeaderScope, require_team_tools
from models import Account, Role

SCHEME = "tma "
FUTURE_SLACK = 60  # seconds: a phone's clock a little ahead is not an attack

Reason = Literal["missing", "forged", "stale"]


class Unauthorized(Exception):
    """The request does not prove who sent it (401)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str
    language_code: str | None


@dataclass(frozen=True)
class Viewer:
    """The person behind a request, as the services see them, with their scope."""

    actor: Actor
    scope: LeaderScope


def secret_key(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def signature(fields: dict[str, str], token: str) -> str:
    check = data_check_string(fields).encode()
    return hmac.new(secret_key(token), check, hashlib.sha256).hexdigest()


def init_data_of(header: str | None) -> str:
    """The raw initData of an ``Authorization: tma <initData>`` header."""
    if not header or not header.startswith(SCHEME) or not header[len(SCHEME) :].strip():
        raise Unauthorized("missing")
    return header[len(SCHEME) :].strip()


def validate(raw: str, *, token: str, now: datetime, max_age: int) -> WebAppUser:
    """The signed user, if ``raw`` is Telegram's and fresh; else ``Unauthorized``."""
    fields = _fields(raw)
    received = fields.get("hash", "")
    if not hmac.compare_digest(signature(fields, token), received):
        raise Unauthorized("forged")
    try:
        signed_at = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise Unauthorized("forged") from None
    age = now.timestamp() - signed_at
    if age > max_age or age < -FUTURE_SLACK:
        raise Unauthorized("stale")
    return WebAppUser(user_id, str(user.get("first_name") or ""), user.get("language_code"))


def _fields(raw: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise Unauthorized("forged") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a key given twice: which one was signed?
        raise Unauthorized("forged")
    return fields


async def viewer_of(
    session: AsyncSession, user: WebAppUser, *, admins: list[int], default_language: str
) -> Viewer:
    """The viewer, if they may use a team's tools (a leader, an administrator or a team's
    leader); ``NotAllowed`` otherwise. Role and scope are the database's."""
    account = await session.get(Account, user.id)
    if account is not None:
        role, language = effective_role(account, admins), account.language
        name = account.first_name or user.first_name
    else:  # an administrator named in the config who never wrote to the bot
        role = Role.ADMIN if user.id in admins else Role.VOLUNTEER
        language, name = pick_language(user.language_code, default_language), user.first_name
    actor = Actor(user.id, language, role, name)
    scope = await require_team_tools(session, actor, "dashboard.open")
    return Viewer(actor, scope)
