"""In-memory world of the fake server: users, chats, messages, files, logs, stats."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import errors
from .errors import ApiError, bad_request
from .sent_message import SentFile, SentMessage

T = TypeVar("T")

JSON = dict[str, Any]


class Notifier:
    """Wakes waiters whenever the world changes (a call was handled, an update queued)."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def _current(self) -> asyncio.Event:
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def notify(self) -> None:
        event, self._event = self._event, None
        if event is not None:
            event.set()

    async def wait_for(self, check: Callable[[], T], within: float) -> T | None:
        """Re-evaluate ``check`` on every change until it is truthy or ``within`` passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = self._current()
            result = check()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)


@dataclass
class UserInfo:
    """A Telegram account as the server knows it."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool | None = None
    phone_number: str | None = None
    blocked_bot: bool = False
    deactivated: bool = False

    def to_dict(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code", "is_premium"):
            value = getattr(self, key)
            if value is not None:
                user[key] = value
        return user


@dataclass
class Chat:
    id: int
    type: str  # "private" | "group" | "supergroup" | "channel"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    members: set[int] = field(default_factory=set)
    bot_is_member: bool = True
    last_message_id: int = 0

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def to_dict(self) -> JSON:
        chat: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                chat[key] = value
        return chat


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str = ""

    def as_sent(self) -> SentFile:
        return SentFile(self.file_id, self.file_name, self.mime_type, self.data)


class FileStore:
    """Files uploaded by the bot or sent by users; served at ``/file/bot<token>/<path>``."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(
        self,
        data: bytes,
        *,
        kind: str = "documents",
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        n = next(self._counter)
        prefix = {"photos": "AgAC", "stickers": "CAAC", "voice": "AwAC"}.get(kind, "BQAC")
        suffix = (file_name or "").rsplit(".", 1)[-1] if file_name and "." in file_name else ""
        path = f"{kind}/file_{n}" + (f".{suffix}" if suffix else "")
        stored = StoredFile(
            file_id=f"{prefix}fake{n:06d}",
            file_unique_id=f"AQADfake{n:06d}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=path,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)


@dataclass
class StoredMessage:
    """A message in a chat, in its *current* state (after edits)."""

    chat_id: int
    message_id: int
    from_bot: bool
    payload: JSON  # the Telegram ``Message`` object
    method: str = ""
    html: str | None = None  # text/caption exactly as the bot sent it
    parse_mode: str | None = None
    reply_markup: JSON | None = None  # as sent (reply keyboards included)
    document: SentFile | None = None
    photo: SentFile | None = None
    deleted: bool = False
    edit_count: int = 0
    #: time.monotonic() when it was sent (orders a user's messages among the bot's in transcripts)
    sent_at: float = field(default_factory=time.monotonic)

    def view(
        self,
        *,
        edited: bool | None = None,
        method: str | None = None,
        seq: int = 0,
        at: float = 0.0,
    ) -> SentMessage:
        """A :class:`SentMessage` snapshot of the current state."""
        return SentMessage(
            chat_id=self.chat_id,
            message_id=self.message_id,
            method=method or self.method,
            message=copy.deepcopy(self.payload),
            html=self.html,
            parse_mode=self.parse_mode,
            reply_markup=copy.deepcopy(self.reply_markup),
            document=self.document,
            photo=self.photo,
            edited=self.edit_count > 0 if edited is None else edited,
            was_deleted=self.deleted,
            seq=seq,
            time=at,
            resolver=self._live_view,
        )

    def _live_view(self) -> SentMessage:
        return self.view()

    @property
    def inline_keyboard(self) -> list[list[JSON]] | None:
        markup = self.payload.get("reply_markup")
        return markup.get("inline_keyboard") if markup else None


@dataclass
class CallbackAnswer:
    """What the bot answered to a callback query (``answerCallbackQuery``)."""

    query_id: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None


@dataclass
class CallbackQueryRecord:
    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    created: float
    answer: CallbackAnswer | None = None


@dataclass
class CallRecord:
    """One Bot API request as seen by the server."""

    method: str
    params: JSON
    time: float  # time.monotonic() when the request arrived
    wall_time: float
    status: int = 0
    response: JSON | None = None
    duration: float = 0.0
    dropped: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def description(self) -> str | None:
        return (self.response or {}).get("description")

    @property
    def result(self) -> Any:
        return (self.response or {}).get("result")


@dataclass
class Stats:
    """Counters for assertions and benchmarks."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    too_many_requests: int = 0
    forbidden: int = 0
    dropped_connections: int = 0
    sends: int = 0
    #: (time.monotonic(), chat_id) of every successful send/edit
    send_log: list[tuple[float, int | str]] = field(default_factory=list)

    @property
    def send_times(self) -> list[float]:
        return [t for t, _ in self.send_log]

    def sends_to(self, chat_id: int | str) -> list[float]:
        return [t for t, c in self.send_log if c == chat_id]

    def max_sends_in_window(self, window: float = 1.0, chat_id: int | str | None = None) -> int:
        """Largest number of sends within any ``window``-second span (half-open)."""
        times = self.send_times if chat_id is None else self.sends_to(chat_id)
        best = start = 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def reset(self) -> None:
        self.calls.clear()
        self.errors.clear()
        self.too_many_requests = self.forbidden = self.dropped_connections = self.sends = 0
        self.send_log.clear()


class World:
    """Users, chats and messages; shared by the HTTP methods and :class:`FakeUser`."""

    def __init__(self, bot_user: JSON) -> None:
        self.bot_user = bot_user
        self.users: dict[int, UserInfo] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.files = FileStore()
        self.queries: dict[str, CallbackQueryRecord] = {}
        self.events: list[SentMessage] = []  # every bot send/edit, in order
        self.notifier = Notifier()
        self._event_seq = itertools.count(1)
        self._query_seq = itertools.count(1)

    # -- chats ----------------------------------------------------------------------
    def private_chat(self, user: UserInfo) -> Chat:
        """The private chat with ``user``, created on first use."""
        chat = self.chats.get(user.id)
        if chat is None:
            chat = Chat(
                id=user.id,
                type="private",
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
                members={user.id},
            )
            self.chats[user.id] = chat
        return chat

    def chat_for_send(self, chat_id: int | str) -> Chat:
        """Resolve a target chat like Telegram: 400 unknown, 403 blocked/kicked."""
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else self._by_username(chat_id)
        if chat is None:
            if isinstance(chat_id, int) and chat_id in self.users:
                raise errors.forbidden(errors.CANT_INITIATE)
            raise ApiError(400, errors.CHAT_NOT_FOUND)
        if chat.type == "private":
            user = self.users.get(chat.id)
            if user is not None and user.deactivated:
                raise errors.forbidden(errors.USER_DEACTIVATED)
            if user is not None and user.blocked_bot:
                raise errors.forbidden(errors.BOT_BLOCKED)
        elif not chat.bot_is_member:
            raise errors.forbidden(errors.BOT_KICKED)
        return chat

    def _by_username(self, name: str) -> Chat | None:
        wanted = name.lstrip("@").lower()
        for chat in self.chats.values():
            if chat.type != "private" and (chat.username or "").lower() == wanted:
                return chat
        return None

    # -- messages -------------------------------------------------------------------
    def add_message(
        self, chat: Chat, payload: JSON, *, from_bot: bool, **extra: Any
    ) -> StoredMessage:
        """Store a new message; ``payload`` gets message_id/date/chat filled in."""
        message_id = chat.next_message_id()
        full: JSON = {"message_id": message_id, "date": int(time.time()), "chat": chat.to_dict()}
        full.update(payload)
        stored = StoredMessage(chat.id, message_id, from_bot, full, **extra)
        self.messages[(chat.id, message_id)] = stored
        return stored

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        stored = self.messages.get((chat_id, message_id))
        return None if stored is None or stored.deleted else stored

    def chat_messages(self, chat_id: int, *, from_bot: bool | None = None) -> list[StoredMessage]:
        found = [
            m
            for (cid, _), m in self.messages.items()
            if cid == chat_id and not m.deleted and (from_bot is None or m.from_bot == from_bot)
        ]
        return sorted(found, key=lambda m: m.message_id)

    def record_bot_event(self, stored: StoredMessage, method: str, *, edited: bool) -> SentMessage:
        """Remember a send/edit by the bot (what ``FakeUser.expect_message`` waits for)."""
        snapshot = stored.view(
            edited=edited, method=method, seq=next(self._event_seq), at=time.monotonic()
        )
        self.events.append(snapshot)
        return snapshot

    # -- callback queries -----------------------------------------------------------
    def new_query(
        self, user: UserInfo, stored: StoredMessage | None, data: str | None
    ) -> CallbackQueryRecord:
        query_id = f"{user.id}{next(self._query_seq):08d}"
        record = CallbackQueryRecord(
            id=query_id,
            user_id=user.id,
            chat_id=stored.chat_id if stored else None,
            message_id=stored.message_id if stored else None,
            data=data,
            created=time.monotonic(),
        )
        self.queries[query_id] = record
        return record

    def answer_query(self, answer: CallbackAnswer, max_age: float) -> None:
        record = self.queries.get(answer.query_id)
        if (
            record is None
            or record.answer is not None
            or time.monotonic() - record.created > max_age
        ):
            raise ApiError(400, errors.QUERY_TOO_OLD)
        record.answer = answer

    # -- misc ------------------------------------------------------------------------
    def file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        return stored
