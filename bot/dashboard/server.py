"""The board over HTTP, on the operator endpoint (``bot.observability.server``): the page and
its files, the JSON views, the actions. Nothing is kept between requests; any replica
answers any request.

Every ``/dashboard/api/`` request but ``strings`` carries Telegram's initData
(``Authorization: tma <initData>``), checked each time (401 when missing, forged or stale);
the role and scope are the database's (403 for a volunteer or a record outside the scope,
audit-logged like a refusal in chat). Actions are POSTs with a JSON body: a page of another
origin can send neither the header nor the content type without a CORS preflight, which is
never granted, so they are safe from cross-site requests.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

import tornado.web
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.dashboard import actions, auth, creation, views
from bot.dashboard.auth import Unauthorized, Viewer, WebAppUser
from bot.dashboard.version import board_version
from bot.errors import DomainError, InvalidInput, NotAllowed, NotFound
from bot.i18n import LANGUAGES, catalog
from bot.outbox.queue import enqueue
from bot.runtime import Runtime
from bot.services import audit
from bot.services.accounts import pick_language
from models import Account

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
# The page's own strings, and the chat's labels it shows as they are in chat.
STRING_PREFIXES = ("dashboard.", "rounds.outcome.", "rounds.alert.reason.", "rounds.today.")
MAX_BODY = 16 * 1024
TAGS = re.compile(r"<[^>]+>")

Json = dict[str, Any]
View = Callable[[AsyncSession, Viewer, datetime], Awaitable[Json]]


def routes(runtime: Runtime) -> list[tuple[str, type[tornado.web.RequestHandler], Json]]:
    given = {"runtime": runtime}
    return [
        (r"/dashboard", tornado.web.RedirectHandler, {"url": "/dashboard/"}),
        (r"/dashboard/", _PageHandler, {}),
        (r"/dashboard/static/(.*)", _StaticHandler, {"path": str(STATIC_DIR)}),
        (r"/dashboard/api/strings", _StringsHandler, given),
        (r"/dashboard/api/me", _MeHandler, given),
        (r"/dashboard/api/version", _VersionHandler, given),
        (r"/dashboard/api/now", _NowHandler, given),
        (r"/dashboard/api/callouts/new", _NewCalloutHandler, given),
        (r"/dashboard/api/callouts/preview", _PreviewHandler, given),
        (r"/dashboard/api/callouts", _CreateHandler, given),
        (r"/dashboard/api/callouts/([0-9]{1,18})", _CalloutHandler, given),
        (r"/dashboard/api/rounds", _RoundsHandler, given),
        (r"/dashboard/api/volunteers", _VolunteersHandler, given),
        (r"/dashboard/api/hours", _HoursHandler, given),
        (r"/dashboard/api/callouts/([0-9]{1,18})/([a-z_]+)", _CalloutActionHandler, given),
        (r"/dashboard/api/alerts/([0-9]{1,18})/close", _AlertCloseHandler, given),
        (r"/dashboard/api/volunteers/export", _VolunteersExportHandler, given),
        (r"/dashboard/api/rounds/now", _RoundNowHandler, given),
        (r"/dashboard/api/.*", _UnknownHandler, {}),
    ]


def plain(text: str) -> str:
    """A catalog text (Telegram HTML) as the plain text a toast shows."""
    return html.unescape(TAGS.sub("", text))


class _JsonHandler(tornado.web.RequestHandler):
    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def send_json(self, body: Json, status: int = HTTPStatus.OK) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.send_json({"error": HTTPStatus(status_code).phrase.lower()}, status_code)


class _UnknownHandler(_JsonHandler):
    def prepare(self) -> None:
        self.send_json({"error": "not_found", "message": ""}, HTTPStatus.NOT_FOUND)


class _PageHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        page = STATIC_DIR / "index.html"
        if not page.is_file():
            raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.write(page.read_bytes())


class _StaticHandler(tornado.web.StaticFileHandler):
    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-cache")


class _StringsHandler(_JsonHandler):
    def initialize(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def get(self) -> None:
        wanted = self.get_query_argument("lang", "")
        language = wanted if wanted in LANGUAGES else self.runtime.config.bot.default_language
        texts = {k: v for k, v in catalog(language).items() if k.startswith(STRING_PREFIXES)}
        self.send_json({"language": language, "strings": texts})


class _ApiHandler(_JsonHandler):
    """Checks the initData, opens a transaction, finds the viewer, turns refusals into
    401/403/404/400/409 (a 403 is audit-logged)."""

    def initialize(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def run(self, work: Callable[[AsyncSession, Viewer, datetime], Awaitable[Json]]) -> None:
        runtime, config = self.runtime, self.runtime.config
        now = runtime.clock.now()
        try:
            raw = auth.init_data_of(self.request.headers.get("Authorization"))
            user = auth.validate(
                raw, token=config.token, now=now, max_age=config.dashboard.init_data_max_age
            )
        except Unauthorized as refused:
            self.send_json({"error": "unauthorized", "reason": refused.reason}, 401)
            return
        try:
            async with runtime.db.session() as session:
                viewer = await auth.viewer_of(
                    session,
                    user,
                    admins=config.bot.admins,
                    default_language=config.bot.default_language,
                )
                body = await work(session, viewer, now)
        except DomainError as error:
            await self._refuse(user, error, now)
            return
        self.send_json(body)

    async def _refuse(self, user: WebAppUser, error: DomainError, now: datetime) -> None:
        config = self.runtime.config
        async with self.runtime.db.session() as session:
            account = await session.get(Account, user.id)
            language = (
                account.language
                if account
                else pick_language(user.language_code, config.bot.default_language)
            )
            message = plain(self.runtime.translator(language).at(now)(error.key, **error.params))
            if isinstance(error, NotAllowed):
                await audit.record(
                    session,
                    now,
                    user.id,
                    error.action,
                    allowed=False,
                    target_type=error.target_type,
                    target_id=error.target_id,
                    via="dashboard",
                )
        status, kind = _status_of(error)
        self.send_json({"error": kind, "message": message}, status)

    async def view(self, build: View) -> None:
        async def with_version(session: AsyncSession, viewer: Viewer, now: datetime) -> Json:
            body = await build(session, viewer, now)
            return {**body, "version": await board_version(session)}

        await self.run(with_version)


def _status_of(error: DomainError) -> tuple[int, str]:
    if isinstance(error, NotAllowed):
        return HTTPStatus.FORBIDDEN, "forbidden"
    if isinstance(error, NotFound):
        return HTTPStatus.NOT_FOUND, "not_found"
    if isinstance(error, InvalidInput):
        return HTTPStatus.BAD_REQUEST, "invalid"
    return HTTPStatus.CONFLICT, "conflict"


class _MeHandler(_ApiHandler):
    async def get(self) -> None:
        config = self.runtime.config
        await self.view(lambda session, viewer, now: views.me(session, viewer, config))


class _VersionHandler(_ApiHandler):
    async def get(self) -> None:
        async def nothing(session: AsyncSession, viewer: Viewer, now: datetime) -> Json:
            return {}

        await self.view(nothing)


class _NowHandler(_ApiHandler):
    async def get(self) -> None:
        config = self.runtime.config
        await self.view(lambda session, viewer, now: views.now_view(session, viewer, config, now))


class _CalloutHandler(_ApiHandler):
    async def get(self, callout_id: str) -> None:
        config = self.runtime.config
        await self.view(
            lambda session, viewer, now: views.callout_view(
                session, viewer, config, int(callout_id), now
            )
        )


class _RoundsHandler(_ApiHandler):
    async def get(self) -> None:
        config = self.runtime.config
        week = _date_argument(self.get_query_argument("week", ""), "%Y-%m-%d")
        await self.view(
            lambda session, viewer, now: views.rounds_view(session, viewer, config, now, week)
        )


class _VolunteersHandler(_ApiHandler):
    async def get(self) -> None:
        config = self.runtime.config
        query = {key: self.get_query_argument(key, "") for key in views.FILTER_KEYS}
        page_text = self.get_query_argument("page", "1")

        async def build(session: AsyncSession, viewer: Viewer, now: datetime) -> Json:
            filters = views.registry_filter(query, config)
            if not page_text.isascii() or not page_text.isdigit() or len(page_text) > 6:
                raise InvalidInput()
            return await views.volunteers_view(
                session, viewer, config, now, filters, int(page_text)
            )

        await self.view(build)


class _HoursHandler(_ApiHandler):
    async def get(self) -> None:
        config = self.runtime.config
        month = _date_argument(self.get_query_argument("month", ""), "%Y-%m")
        await self.view(
            lambda session, viewer, now: views.hours_view(session, viewer, config, now, month)
        )


def _date_argument(text: str, form: str) -> date | None:
    if not text:
        return None
    try:
        return datetime.strptime(text[:10], form).date()
    except ValueError:
        raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None


class _ActionHandler(_ApiHandler):
    """A POST with a JSON object body; the action's messages go to the outbox in the same
    transaction, and the sender is woken once it is committed."""

    def body_json(self) -> Json:
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        if len(self.request.body) > MAX_BODY:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        return body

    async def act(self, action: Callable[[actions.Request], Awaitable[actions.Done]]) -> None:
        config = self.runtime.config

        async def work(session: AsyncSession, viewer: Viewer, now: datetime) -> Json:
            request = actions.Request(session, viewer.actor, config, now, self.body_json())
            done = await action(request)
            await enqueue(session, now, done.messages)
            return {"ok": True, "message": plain(done.message), **done.extra}

        await self.run(work)
        if self.get_status() == HTTPStatus.OK:
            self.runtime.wake_sender()


class _CalloutActionHandler(_ActionHandler):
    async def post(self, callout_id: str, name: str) -> None:
        action = actions.CALLOUT_ACTIONS.get(name)
        if action is None:
            self.send_json({"error": "not_found", "message": ""}, HTTPStatus.NOT_FOUND)
            return
        await self.act(lambda request: action(request, int(callout_id)))


class _AlertCloseHandler(_ActionHandler):
    async def post(self, alert_id: str) -> None:
        await self.act(lambda request: actions.close_alert(request, int(alert_id)))


class _VolunteersExportHandler(_ActionHandler):
    async def post(self) -> None:
        config = self.runtime.config

        async def export(request: actions.Request) -> actions.Done:
            query = {key: str(request.body.get(key) or "") for key in views.FILTER_KEYS}
            return await actions.export_volunteers(request, views.registry_filter(query, config))

        await self.act(export)


class _RoundNowHandler(_ActionHandler):
    async def post(self) -> None:
        await self.act(actions.round_now)


class _NewCalloutHandler(_ApiHandler):
    async def get(self) -> None:
        config = self.runtime.config
        await self.view(lambda session, viewer, now: creation.choices(session, viewer, config))


class _PreviewHandler(_ActionHandler):
    """How many a draft would reach now (nothing is recorded)."""

    async def post(self) -> None:
        config = self.runtime.config

        async def preview(session: AsyncSession, viewer: Viewer, now: datetime) -> Json:
            draft = creation.draft_of(self.body_json(), config)
            return {"reach": await creation.reach(session, viewer, draft, now)}

        await self.run(preview)


class _CreateHandler(_ActionHandler):
    async def post(self) -> None:
        await self.act(actions.create_callout)
