""":class:`FakeUser`: a simulated human talking to the bot through the fake server."""

from __future__ import annotations

import asyncio
import copy
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .html_entities import utf16_len
from .sent_message import SentMessage
from .state import CallbackAnswer, Chat, StoredMessage, UserInfo

if TYPE_CHECKING:
    from .server import FakeTelegram

JSON = dict[str, Any]
#: What ``expect_message`` accepts: ``None`` (anything), a substring of the text,
#: a compiled regex searched in the text, or a predicate on :class:`SentMessage`.
MessageMatcher = str | re.Pattern[str] | Callable[[SentMessage], bool] | None
#: What ``press`` accepts: exact (else unique substring) text, regex or text predicate.
ButtonMatcher = str | re.Pattern[str] | Callable[[str], bool]

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@])")
_SELF: Any = object()
# A valid 1x1 PNG, used as the default photo payload.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def command_entities(text: str) -> list[JSON]:
    """``bot_command`` entities as Telegram computes them (UTF-16 offsets)."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group(0)),
        }
        for m in _COMMAND_RE.finditer(text)
    ]


class FakeUser:
    """One Telegram user. Every ``send*``/``press*`` call queues a real Update."""

    def __init__(self, server: FakeTelegram, info: UserInfo) -> None:
        self.server = server
        self.info = info
        self._consumed: set[int] = set()
        self.last_query_id: str | None = None
        #: default coordinates for ``tap_reply_button`` on a location button
        self.location: tuple[float, float] = (52.520008, 13.404954)

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.info.first_name!r})"

    # -- identity -----------------------------------------------------------------------
    @property
    def id(self) -> int:
        return self.info.id

    @property
    def chat_id(self) -> int:
        """Id of the private chat with the bot (equals the user id)."""
        return self.info.id

    @property
    def first_name(self) -> str:
        return self.info.first_name

    @property
    def username(self) -> str | None:
        return self.info.username

    @property
    def language_code(self) -> str | None:
        return self.info.language_code

    @property
    def phone_number(self) -> str | None:
        return self.info.phone_number

    def to_dict(self) -> JSON:
        return self.info.to_dict()

    # -- account state ------------------------------------------------------------------
    def open_chat(self) -> None:
        """The user has started the bot (long ago): their private chat exists, so the bot may
        write to them. No update is pushed."""
        self.server.world.private_chat(self.info)

    @property
    def blocked(self) -> bool:
        return self.info.blocked_bot

    def block(self) -> None:
        """Block the bot: sends to this user now fail with 403."""
        self.info.blocked_bot = True

    def unblock(self) -> None:
        self.info.blocked_bot = False

    async def block_bot(self) -> None:
        """Block the bot in the app, now: sends fail with 403 from here on, and Telegram tells
        the bot with a ``my_chat_member`` update (member -> kicked). ``block()`` is a block the
        bot never heard of (e.g. long ago, before it ran)."""
        self.block()
        await self._bot_member_changed("member", "kicked")

    async def unblock_bot(self) -> None:
        """Unblock the bot in the app: ``my_chat_member`` (kicked -> member). Telegram's apps
        then show a Restart button that sends ``/start``; call ``send("/start")`` for it."""
        self.unblock()
        await self._bot_member_changed("kicked", "member")

    async def _bot_member_changed(self, old: str, new: str) -> None:
        """The bot's membership of this user's private chat changed, as Telegram reports it."""
        chat = self.server.world.private_chat(self.info)
        bot = self.server.world.bot_user

        def member(status: str) -> JSON:
            return {
                "status": status,
                "user": bot,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        self.server.push_update(
            {
                "my_chat_member": {
                    "chat": chat.to_dict(),
                    "from": self.info.to_dict(),
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )
        await asyncio.sleep(0)

    def deactivate(self) -> None:
        """Delete the account: sends now fail with 403 "user is deactivated"."""
        self.info.deactivated = True

    # -- sending --------------------------------------------------------------------------
    def _chat(self, chat_id: int | None) -> Chat:
        world = self.server.world
        if chat_id is None or chat_id == self.id:
            return world.private_chat(self.info)
        chat = world.chats.get(chat_id)
        if chat is None or self.id not in chat.members:
            raise AssertionError(f"{self!r} is not a member of chat {chat_id}")
        return chat

    async def _push(self, content: JSON, chat_id: int | None) -> JSON:
        if self.info.deactivated:
            raise AssertionError(f"{self!r} is deactivated and cannot send")
        if self.info.blocked_bot:
            raise AssertionError(f"{self!r} has blocked the bot; call unblock() first")
        chat = self._chat(chat_id)
        payload = {"from": self.info.to_dict(), **content}
        stored = self.server.world.add_message(chat, payload, from_bot=False)
        self.server.push_update({"message": stored.payload})
        await asyncio.sleep(0)
        return copy.deepcopy(stored.payload)

    async def send(
        self, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> JSON:
        """Send a text message (``/commands`` get ``bot_command`` entities)."""
        content: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            target = self.server.world.message(self._chat(chat_id).id, reply_to)
            if target is not None:
                content["reply_to_message"] = copy.deepcopy(target.payload)
        return await self._push(content, chat_id)

    async def send_contact(
        self,
        phone_number: str | None = None,
        *,
        user_id: FakeUser | int | None = _SELF,
        first_name: str | None = None,
        last_name: str | None = None,
        chat_id: int | None = None,
    ) -> JSON:
        """Share a contact; by default the user's own.

        ``user_id`` defaults to this user; pass another user/id, or ``None`` for a contact
        that is not a Telegram user.
        """
        contact: JSON = {
            "phone_number": phone_number or self.info.phone_number,
            "first_name": first_name or self.info.first_name,
        }
        if last_name or (user_id is _SELF and self.info.last_name):
            contact["last_name"] = last_name or self.info.last_name
        uid = self.id if user_id is _SELF else user_id
        if isinstance(uid, FakeUser):
            uid = uid.id
        if uid is not None:
            contact["user_id"] = uid
        return await self._push({"contact": contact}, chat_id)

    async def send_location(
        self, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> JSON:
        return await self._push(
            {"location": {"latitude": latitude, "longitude": longitude}}, chat_id
        )

    async def send_photo(
        self, data: bytes = _PNG, *, caption: str | None = None, chat_id: int | None = None
    ) -> JSON:
        stored = self.server.world.files.add(data, kind="photos", mime_type="image/png")
        sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": w,
                "height": h,
                "file_size": len(data),
            }
            for w, h in ((90, 90), (320, 320))
        ]
        content: JSON = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return await self._push(content, chat_id)

    async def send_sticker(self, emoji: str = "👍", *, chat_id: int | None = None) -> JSON:
        stored = self.server.world.files.add(b"RIFFfake", kind="stickers", mime_type="image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._push({"sticker": sticker}, chat_id)

    async def send_voice(
        self, duration: int = 2, data: bytes = b"OggSfake", *, chat_id: int | None = None
    ) -> JSON:
        stored = self.server.world.files.add(data, kind="voice", mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return await self._push({"voice": voice}, chat_id)

    async def send_document(
        self,
        file_name: str = "document.txt",
        data: bytes = b"hello",
        *,
        mime_type: str = "text/plain",
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> JSON:
        stored = self.server.world.files.add(data, file_name=file_name, mime_type=mime_type)
        content: JSON = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": len(data),
            }
        }
        if caption:
            content["caption"] = caption
        return await self._push(content, chat_id)

    # -- buttons ------------------------------------------------------------------------
    def _keyboard_message(self, chat: Chat, message: SentMessage | int | None) -> StoredMessage:
        world = self.server.world
        if message is not None:
            message_id = message.message_id if isinstance(message, SentMessage) else message
            stored = world.message(chat.id, message_id)
            if stored is None:
                raise AssertionError(f"message {message_id} not found (or deleted) in {chat.id}")
            return stored
        for stored in reversed(world.chat_messages(chat.id, from_bot=True)):
            if stored.inline_keyboard:
                return stored
        raise AssertionError(f"no bot message with an inline keyboard in chat {chat.id}")

    @staticmethod
    def _find_button(stored: StoredMessage, matcher: ButtonMatcher) -> JSON:
        buttons = [b for row in stored.inline_keyboard or [] for b in row]
        texts = [b["text"] for b in buttons]
        if isinstance(matcher, str):
            found = [b for b in buttons if b["text"] == matcher] or [
                b for b in buttons if matcher in b["text"]
            ]
        elif isinstance(matcher, re.Pattern):
            found = [b for b in buttons if matcher.search(b["text"])]
        else:
            found = [b for b in buttons if matcher(b["text"])]
        if not found:
            raise AssertionError(
                f"no button matching {matcher!r} on message {stored.message_id}; buttons: {texts}"
            )
        if len(found) > 1 and not (isinstance(matcher, str) and found[0]["text"] == matcher):
            raise AssertionError(
                f"{matcher!r} matches several buttons: {[b['text'] for b in found]}"
            )
        return found[0]

    async def press(
        self,
        button: ButtonMatcher,
        message: SentMessage | int | None = None,
        *,
        chat_id: int | None = None,
    ) -> str:
        """Press an inline button; returns the callback query id.

        ``message`` defaults to the most recent bot message with an inline keyboard.
        """
        if chat_id is None and isinstance(message, SentMessage):
            chat_id = message.chat_id
        chat = self._chat(chat_id)
        stored = self._keyboard_message(chat, message)
        found = self._find_button(stored, button)
        if "callback_data" not in found:
            raise AssertionError(f"button {found['text']!r} has no callback_data: {found}")
        return await self._push_query(stored, found["callback_data"])

    async def press_data(
        self,
        message: SentMessage | int,
        data: str,
        *,
        chat_id: int | None = None,
        inaccessible: bool = False,
    ) -> str:
        """Send a callback query with arbitrary (possibly forged) ``data`` on a real message:
        as with Telegram, the query carries the message as stored, keyboard and all, so a
        client can forge the data but not the message. ``inaccessible``: Telegram sends an
        ``InaccessibleMessage`` (the message is too old, or deleted): chat, id and date 0."""
        if chat_id is None and isinstance(message, SentMessage):
            chat_id = message.chat_id
        chat = self._chat(chat_id)
        stored = self._keyboard_message(chat, message)
        return await self._push_query(stored, data, inaccessible=inaccessible)

    async def _push_query(
        self, stored: StoredMessage, data: str, inaccessible: bool = False
    ) -> str:
        record = self.server.world.new_query(self.info, stored, data)
        self.last_query_id = record.id
        message = copy.deepcopy(stored.payload)
        if inaccessible:
            message = {"chat": message["chat"], "message_id": stored.message_id, "date": 0}
        query = {
            "id": record.id,
            "from": self.info.to_dict(),
            "message": message,
            "chat_instance": str(abs(hash((self.id, stored.chat_id)))),
            "data": data,
        }
        self.server.push_update({"callback_query": query})
        await asyncio.sleep(0)
        return record.id

    async def tap_reply_button(self, text: str, *, chat_id: int | None = None) -> JSON:
        """Tap a button of the chat's current reply keyboard."""
        chat = self._chat(chat_id)
        keyboard: list[list[Any]] | None = None
        for stored in reversed(self.server.world.chat_messages(chat.id, from_bot=True)):
            markup = stored.reply_markup or {}
            if "keyboard" in markup:
                keyboard = markup["keyboard"]
                break
            if markup.get("remove_keyboard"):
                break
        if keyboard is None:
            raise AssertionError(f"no reply keyboard is shown in chat {chat.id}")
        buttons = [b if isinstance(b, dict) else {"text": b} for row in keyboard for b in row]
        button = next((b for b in buttons if b["text"] == text), None)
        if button is None:
            raise AssertionError(
                f"no reply button {text!r}; keyboard: {[b['text'] for b in buttons]}"
            )
        if button.get("request_users"):
            raise AssertionError(f"reply button {text!r} asks for users: use share_users()")
        if button.get("request_contact"):
            return await self.send_contact(chat_id=chat_id)
        if button.get("request_location"):
            return await self.send_location(*self.location, chat_id=chat_id)
        return await self.send(text, chat_id=chat_id)

    async def share_users(self, text: str, *users: FakeUser) -> JSON:
        """Tap a ``request_users`` reply button and pick ``users`` in Telegram's chooser: the
        bot gets a ``users_shared`` service message with the button's ``request_id``."""
        chat = self._chat(None)
        button = self._reply_button(chat, text)
        request = button.get("request_users")
        if not isinstance(request, dict):
            raise AssertionError(f"reply button {text!r} does not ask for users")
        if not 1 <= len(users) <= request.get("max_quantity", 1):
            raise AssertionError(f"the button lets you pick 1 to {request.get('max_quantity', 1)}")
        shared = []
        for user in users:
            if request.get("user_is_bot") is True:
                raise AssertionError("the button asks for bots")
            entry: JSON = {"user_id": user.id}
            if request.get("request_name"):
                entry["first_name"] = user.first_name
            if request.get("request_username") and user.username:
                entry["username"] = user.username
            shared.append(entry)
        content = {"users_shared": {"request_id": request["request_id"], "users": shared}}
        return await self._push(content, None)

    def _reply_button(self, chat: Chat, text: str) -> JSON:
        for stored in reversed(self.server.world.chat_messages(chat.id, from_bot=True)):
            markup = stored.reply_markup or {}
            if markup.get("remove_keyboard"):
                break
            for row in markup.get("keyboard", []):
                for button in row:
                    if isinstance(button, dict) and button.get("text") == text:
                        return button
            if "keyboard" in markup:
                break
        raise AssertionError(f"no reply button {text!r} is shown in chat {chat.id}")

    def menu(self, chat_id: int | None = None) -> list[str]:
        """The commands this user sees in the menu of a chat, resolved as Telegram does: the
        most specific scope that has commands wins, each first in the user's language."""
        chat = self._chat(chat_id)
        scopes: list[JSON] = [{"type": "chat_member", "chat_id": chat.id, "user_id": self.id}]
        scopes.append({"type": "chat", "chat_id": chat.id})
        if chat.type == "private":
            scopes.append({"type": "all_private_chats"})
        else:
            scopes.append({"type": "all_group_chats"})
        scopes.append({"type": "default"})
        return self.server.menu_commands(scopes, self.language_code or "")

    # -- reading ------------------------------------------------------------------------
    @property
    def messages(self) -> list[SentMessage]:
        """Current state of every (undeleted) bot message in the private chat, in order."""
        return self.server.messages(self.chat_id)

    @property
    def last_message(self) -> SentMessage | None:
        messages = self.messages
        return messages[-1] if messages else None

    def _unread(self, chat_id: int, edits: bool) -> list[SentMessage]:
        return [
            e
            for e in self.server.world.events
            if e.chat_id == chat_id and e.seq not in self._consumed and (edits or not e.edited)
        ]

    def mark_all_read(self, *, chat_id: int | None = None) -> None:
        """Consume every message sent so far (so expect_* only sees newer ones)."""
        for event in self._unread(chat_id or self.chat_id, edits=True):
            self._consumed.add(event.seq)

    async def expect_message(
        self,
        predicate: MessageMatcher = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        chat_id: int | None = None,
        edits: bool = True,
    ) -> SentMessage:
        """Wait for the next unconsumed bot send (or edit) matching ``predicate``."""
        target = chat_id or self.chat_id
        match = _matcher(predicate)

        def find() -> SentMessage | None:
            return next((e for e in self._unread(target, edits) if match(e)), None)

        found = await self.server.world.notifier.wait_for(find, timeout)
        if found is None:
            raise AssertionError(
                f"{self!r}: no bot message matching {predicate!r} in chat {target} within "
                f"{timeout}s.\n{self._report(target)}"
            )
        self._consumed.add(found.seq)
        return found

    async def expect_no_message(
        self, within: float = 0.5, *, chat_id: int | None = None, edits: bool = True
    ) -> None:
        """Assert no unconsumed bot message (or edit) arrives within ``within`` seconds."""
        target = chat_id or self.chat_id
        found = await self.server.world.notifier.wait_for(
            lambda: self._unread(target, edits), within
        )
        if found:
            listing = "\n".join("  " + e.describe() for e in found)
            raise AssertionError(f"{self!r}: unexpected bot message(s):\n{listing}")

    async def expect_callback_answer(
        self,
        text: str | None = None,
        *,
        show_alert: bool | None = None,
        query_id: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """Wait for the bot's answerCallbackQuery to the last press; optionally check it."""
        qid = query_id or self.last_query_id
        if qid is None:
            raise AssertionError(f"{self!r} has not pressed any button")
        answer = await self.server.world.notifier.wait_for(
            lambda: self.server.callback_answer(qid), timeout
        )
        if answer is None:
            raise AssertionError(f"callback query {qid} was not answered within {timeout}s")
        if text is not None and answer.text != text:
            raise AssertionError(f"callback answer text {answer.text!r} != {text!r}")
        if show_alert is not None and answer.show_alert != show_alert:
            raise AssertionError(f"callback answer show_alert={answer.show_alert}")
        return answer

    def _report(self, chat_id: int) -> str:
        lines = ["Bot messages in this chat:"]
        for event in self.server.world.events:
            if event.chat_id == chat_id:
                flag = "read" if event.seq in self._consumed else "unread"
                lines.append(f"  ({flag}) {event.describe()}")
        if len(lines) == 1:
            lines.append("  (none)")
        failed = [c for c in self.server.find_calls(chat_id=chat_id) if c.status != 200]
        if failed:
            lines.append("Failed API calls for this chat:")
            lines.extend(f"  {c.method} -> {c.status} {c.description}" for c in failed[-10:])
        return "\n".join(lines)


def _matcher(predicate: MessageMatcher) -> Callable[[SentMessage], bool]:
    if predicate is None:
        return lambda _: True
    if isinstance(predicate, str):
        return lambda m: predicate in (m.text or "")
    if isinstance(predicate, re.Pattern):
        return lambda m: predicate.search(m.text or "") is not None
    return predicate
