"""The fake Bot API HTTP server (aiohttp) and its test-facing control surface."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from . import errors
from .errors import ApiError, too_many_requests
from .faults import Fault, FaultPlan
from .limits import Limits, RateLimiter
from .methods import BotApi, MethodSpec, commands_key, lookup
from .params import Params, read_params
from .sent_message import SentMessage
from .state import CallbackAnswer, CallRecord, Chat, Stats, UserInfo, World
from .updates import UpdateQueue
from .user import FakeUser

T = TypeVar("T")
JSON = dict[str, Any]

MAX_UPLOAD = 60 * 1024 * 1024


class _DropConnection(Exception):
    """Internal: close the TCP connection without answering (after ``hang`` seconds)."""

    def __init__(self, hang: float) -> None:
        super().__init__("connection dropped")
        self.hang = hang


class FakeTelegram:
    """A fake Telegram Bot API server on ``127.0.0.1`` for end-to-end tests.

    Point PTB at it with ``base_url=server.base_url`` and
    ``base_file_url=server.base_file_url``. Use :meth:`user` to create simulated
    humans, and the ``fail_*``/``inject_429``/``drop_next`` methods to inject faults.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        limits: Limits | None = None,
        bot_username: str = "muster_test_bot",
        bot_first_name: str = "Muster Test",
        latency: float = 0.0,
        strict_html: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot_username = bot_username
        self.world = World(
            {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": bot_first_name,
                "username": bot_username,
            }
        )
        self.updates = UpdateQueue()
        self.api = BotApi(self.world, self.updates)
        self.api.strict_html = strict_html
        self.faults = FaultPlan()
        self.limiter = RateLimiter(limits or Limits.off())
        self.stats = Stats()
        self.calls: list[CallRecord] = []
        #: seconds of artificial delay added to every request
        self.latency = latency
        self.host = host
        self.port = port
        self._users: dict[int, FakeUser] = {}
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = asyncio.Event()
        self.updates.closed = False
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._closing.set()
        self.updates.close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (valid after :meth:`start`)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for PTB's ``base_url``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for PTB's ``base_file_url``."""
        return f"{self.url}/file/bot"

    # -- settings -----------------------------------------------------------------------
    @property
    def limits(self) -> Limits:
        return self.limiter.limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self.limiter.limits = limits

    @property
    def strict_html(self) -> bool:
        """Reject a bare ``&`` in HTML text (default); Telegram itself tolerates it."""
        return self.api.strict_html

    @strict_html.setter
    def strict_html(self, strict: bool) -> None:
        self.api.strict_html = strict

    @property
    def callback_query_max_age(self) -> float:
        """Seconds after which answerCallbackQuery fails as "query is too old" (15)."""
        return self.api.callback_query_max_age

    @callback_query_max_age.setter
    def callback_query_max_age(self, seconds: float) -> None:
        self.api.callback_query_max_age = seconds

    # -- people and chats ---------------------------------------------------------------
    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        phone_number: str | None = None,
        is_premium: bool | None = None,
    ) -> FakeUser:
        """Get or create the simulated human with this Telegram id."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        info = UserInfo(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
            phone_number=phone_number or f"+1555{user_id % 10**7:07d}",
        )
        self.world.users[user_id] = info
        user = self._users[user_id] = FakeUser(self, info)
        return user

    @property
    def users(self) -> list[FakeUser]:
        return list(self._users.values())

    def add_group(
        self,
        chat_id: int,
        title: str = "Test group",
        members: Iterable[FakeUser | int] = (),
        *,
        chat_type: str | None = None,
        username: str | None = None,
    ) -> Chat:
        """Create a group (negative id; ``-100...`` ids default to supergroups) with the bot."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = chat_type or ("supergroup" if str(chat_id).startswith("-100") else "group")
        member_ids = {m.id if isinstance(m, FakeUser) else int(m) for m in members}
        chat = Chat(id=chat_id, type=kind, title=title, username=username, members=member_ids)
        self.world.chats[chat_id] = chat
        return chat

    def remove_bot_from_group(self, chat_id: int) -> None:
        """Sends to the group then fail with 403 "bot was kicked from the group chat"."""
        self.world.chats[chat_id].bot_is_member = False

    def menu_commands(self, scopes: list[JSON], language: str) -> list[str]:
        """The commands of the first of ``scopes`` that has any (language first, then none)."""
        for scope in scopes:
            for code in (language, ""):
                commands = self.api.commands.get(commands_key(scope, code))
                if commands:
                    return [c["command"] for c in commands]
        return []

    def menu_button(self, chat_id: int) -> JSON:
        """A private chat's menu button as last set (``{"type": "default"}`` if never)."""
        return self.api.menu_buttons.get(chat_id, {"type": "default"})

    def push_update(self, body: JSON) -> JSON:
        """Queue a raw update body (e.g. ``{"my_chat_member": {...}}``)."""
        update = self.updates.push(copy.deepcopy(body))
        self.world.notifier.notify()
        return update

    # -- fault injection ----------------------------------------------------------------
    def fail_next(
        self,
        method: str | None,
        status: int = 500,
        *,
        times: int = 1,
        description: str | None = None,
    ) -> Fault:
        """Answer the next ``times`` calls of ``method`` with an error.

        ``method=None`` matches every method except getUpdates.
        """
        return self.faults.add(
            Fault(
                "error",
                method.lower() if method else None,
                times,
                status=status,
                description=description or errors.default_description(status),
            )
        )

    def inject_429(
        self, times: int = 1, retry_after: int = 1, *, method: str | None = None
    ) -> Fault:
        """Answer the next ``times`` calls (any but getUpdates by default) with 429."""
        return self.faults.add(
            Fault("error", method.lower() if method else None, times, retry_after=retry_after)
        )

    def drop_next(self, times: int = 1, *, method: str | None = None, hang: float = 0.0) -> Fault:
        """Close the connection of the next ``times`` calls without answering.

        The client sees a network error. With ``hang`` the server first waits that many
        seconds, so a client with a shorter read timeout sees a timeout instead.
        """
        return self.faults.add(
            Fault(
                "hang" if hang else "drop",
                method.lower() if method else None,
                times,
                hang_seconds=hang,
            )
        )

    def fail_chat(
        self,
        chat_id: int | str,
        status: int = 403,
        description: str = errors.BOT_BLOCKED,
    ) -> None:
        """Make every call with this ``chat_id`` fail until :meth:`clear_chat_failure`."""
        self.faults.chat_failures[chat_id] = ApiError(status, description)

    def clear_chat_failure(self, chat_id: int | str | None = None) -> None:
        if chat_id is None:
            self.faults.chat_failures.clear()
        else:
            self.faults.chat_failures.pop(chat_id, None)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- inspection -----------------------------------------------------------------------
    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[SentMessage]:
        """Snapshots of every successful bot send/edit, optionally filtered.

        ``method`` is the API method that produced the snapshot (e.g. "editMessageText").
        """
        return [
            e
            for e in self.world.events
            if (chat_id is None or e.chat_id == chat_id)
            and (method is None or e.method.lower() == method.lower())
        ]

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Current state of the bot's (undeleted) messages in a chat."""
        return [m.view() for m in self.world.chat_messages(chat_id, from_bot=True)]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        stored = self.world.messages.get((chat_id, message_id))
        return stored.view() if stored else None

    def callback_answer(self, query_id: str) -> CallbackAnswer | None:
        record = self.world.queries.get(query_id)
        return record.answer if record else None

    def find_calls(
        self,
        method: str | None = None,
        *,
        chat_id: int | str | None = None,
        ok: bool | None = None,
    ) -> list[CallRecord]:
        """Logged calls filtered by method (case-insensitive), chat_id and success."""
        return [
            c
            for c in self.calls
            if (method is None or c.method.lower() == method.lower())
            and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
            and (ok is None or c.ok == ok)
        ]

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109
        message: str = "",
    ) -> T:
        """Wait until ``predicate()`` is truthy (re-checked after every API call)."""
        result = await self.world.notifier.wait_for(predicate, timeout)
        if not result:
            raise AssertionError(message or f"condition not met within {timeout}s")
        return result

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[CallRecord], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        since: int = 0,
    ) -> CallRecord:
        """Wait for a logged call to ``method`` (from index ``since`` of :attr:`calls`)."""

        def find() -> CallRecord | None:
            for call in self.calls[since:]:
                if (
                    call.status
                    and call.method.lower() == method.lower()
                    and (predicate is None or predicate(call))
                ):
                    return call
            return None

        return await self.wait_for(find, timeout, f"no {method} call within {timeout}s")

    # -- HTTP -----------------------------------------------------------------------------
    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        spec = lookup(request.match_info["method"])
        name = spec.name if spec else request.match_info["method"]
        record = CallRecord(name, {}, time.monotonic(), time.time())
        self.calls.append(record)
        self.stats.calls[name] += 1
        self.world.notifier.notify()  # a waiter for this call need not wait for its answer
        try:
            try:
                params = await read_params(request)
                record.params = params.for_log()
                if self.latency:
                    await asyncio.sleep(self.latency)
                result = await self._dispatch(request.match_info["token"], spec, params)
                status, body = 200, {"ok": True, "result": result}
            except ApiError as exc:
                status, body = exc.status, exc.payload()
            except _DropConnection as drop:
                return await self._drop(request, record, drop.hang)
            record.status, record.response = status, body
            self._count(status)
            return web.json_response(body, status=status)
        except asyncio.CancelledError:
            record.status = 499  # client went away (e.g. cancelled long poll)
            raise
        finally:
            record.duration = time.monotonic() - record.time
            self.world.notifier.notify()

    async def _dispatch(self, token: str, spec: MethodSpec | None, params: Params) -> Any:
        if token != self.token:
            raise ApiError(401, errors.UNAUTHORIZED)
        if spec is None:
            raise ApiError(404, errors.NOT_FOUND)
        fault = self.faults.take(spec.name, spec.counts_as_send)
        if fault is not None:
            if fault.kind == "error":
                raise fault.error()
            raise _DropConnection(fault.hang_seconds)
        chat_id = _target_chat(params)
        failure = self.faults.chat_failure(chat_id)
        if failure is not None:
            raise ApiError(failure.status, failure.description)
        is_group = self._is_group(chat_id)
        if spec.counts_as_send and chat_id is not None:
            retry_after = self.limiter.check(chat_id, is_group)
            if retry_after is not None:
                raise too_many_requests(retry_after)
        result = await spec.handler(self.api, params)
        if spec.counts_as_send and chat_id is not None:
            self.limiter.record(chat_id, is_group)
            self.stats.sends += 1
            self.stats.send_log.append((time.monotonic(), chat_id))
        return result

    def _is_group(self, chat_id: int | str | None) -> bool:
        if isinstance(chat_id, int):
            chat = self.world.chats.get(chat_id)
            return chat.is_group if chat else chat_id < 0
        return chat_id is not None

    def _count(self, status: int) -> None:
        if status == 200:
            return
        self.stats.errors[status] += 1
        if status == 429:
            self.stats.too_many_requests += 1
        elif status == 403:
            self.stats.forbidden += 1

    async def _drop(self, request: web.Request, record: CallRecord, hang: float) -> web.Response:
        if hang:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), hang)
        record.dropped = True
        record.status = -1
        self.stats.dropped_connections += 1
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.world.files.by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": errors.NOT_FOUND}, status=404
            )
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )


def _target_chat(params: Params) -> int | str | None:
    """The ``chat_id`` a call targets, if any (``None`` when absent or malformed)."""
    if "chat_id" not in params:
        return None
    try:
        return params.chat_id()
    except ApiError:
        return None
