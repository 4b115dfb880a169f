"""Bot API methods implemented by the fake server.

Each method takes :class:`~.params.Params` and returns the JSON ``result`` or raises
:class:`~.errors.ApiError`. Methods are registered by name (case-insensitive, like
Telegram) with :func:`api_method`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import errors
from .errors import ApiError, bad_request
from .html_entities import ParsedText, utf16_len
from .params import Params, UploadedFile
from .sent_message import SentFile
from .state import CallbackAnswer, Chat, StoredFile, StoredMessage, World
from .updates import UpdateQueue
from .validation import (
    MAX_CALLBACK_ANSWER,
    FormattedText,
    check_caption,
    check_private_only_buttons,
    check_text,
    parse_formatted,
    parse_reply_markup,
)

JSON = dict[str, Any]
Handler = Callable[["BotApi", Params], Awaitable[Any]]

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@dataclass(frozen=True)
class MethodSpec:
    name: str  # canonical spelling, e.g. "sendMessage"
    handler: Handler
    counts_as_send: bool  # subject to flood limits and counted in stats


METHODS: dict[str, MethodSpec] = {}


def api_method(name: str, *, send: bool = False) -> Callable[[Handler], Handler]:
    """Register a Bot API method implementation under ``name``."""

    def register(func: Handler) -> Handler:
        METHODS[name.lower()] = MethodSpec(name, func, send)
        return func

    return register


def lookup(method: str) -> MethodSpec | None:
    return METHODS.get(method.lower())


class BotApi:
    """State the methods need besides :class:`World`: webhook, commands, settings."""

    def __init__(self, world: World, updates: UpdateQueue) -> None:
        self.world = world
        self.updates = updates
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int, JSON] = {}  # by private chat
        self.callback_query_max_age = 15.0
        #: reject a bare "&" in HTML text (Telegram itself keeps it literally)
        self.strict_html = True

    @property
    def bot(self) -> JSON:
        return self.world.bot_user

    # -- helpers --------------------------------------------------------------------
    def reply_target(self, params: Params, chat: Chat) -> StoredMessage | None:
        reply = params.get_json("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.get_int("reply_to_message_id")
            allow_missing = params.get_bool("allow_sending_without_reply")
        if not message_id:
            return None
        target = self.world.message(chat.id, int(message_id))
        if target is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return target

    def new_bot_message(
        self,
        params: Params,
        method: str,
        content: JSON,
        *,
        formatted: FormattedText | None = None,
        document: SentFile | None = None,
        photo: SentFile | None = None,
    ) -> StoredMessage:
        """Common tail of all send methods: chat, markup, reply, storage, event."""
        chat = self.world.chat_for_send(params.chat_id())
        markup = parse_reply_markup(params)
        check_private_only_buttons(markup, chat.type)
        reply_to = self.reply_target(params, chat)
        payload: JSON = {"from": dict(self.bot), **content}
        if reply_to is not None:
            payload["reply_to_message"] = {
                k: v for k, v in reply_to.payload.items() if k != "reply_to_message"
            }
        if markup is not None and "inline_keyboard" in markup:
            payload["reply_markup"] = markup
        stored = self.world.add_message(
            chat,
            payload,
            from_bot=True,
            method=method,
            html=formatted.raw if formatted else None,
            parse_mode=formatted.parse_mode if formatted else None,
            reply_markup=markup,
            document=document,
            photo=photo,
        )
        self.world.record_bot_event(stored, method, edited=False)
        return stored

    def resolve_file(
        self, params: Params, field: str, *, kind: str, default_name: str
    ) -> StoredFile:
        source = params.input_file(field)
        if source is None:
            raise bad_request(f"there is no {field} in the request")
        if isinstance(source, UploadedFile):
            if not source.data:
                raise bad_request("file must be non-empty")
            return self.world.files.add(
                source.data,
                kind=kind,
                file_name=source.file_name or default_name,
                mime_type=source.content_type,
            )
        known = self.world.files.get(source)
        if known is not None:
            return known
        if source.startswith(("http://", "https://")):
            name = source.rstrip("/").rsplit("/", 1)[-1] or default_name
            return self.world.files.add(b"", kind=kind, file_name=name)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def bot_message_for_edit(self, params: Params) -> StoredMessage:
        if params.get_str("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.world.chat_for_send(params.chat_id())
        message_id = params.get_int("message_id", required=True)
        assert message_id is not None
        stored = self.world.message(chat.id, message_id)
        if stored is None:
            raise ApiError(400, errors.MESSAGE_TO_EDIT_NOT_FOUND)
        if not stored.from_bot:
            raise ApiError(400, errors.MESSAGE_CANT_BE_EDITED)
        return stored

    def apply_edit(
        self,
        stored: StoredMessage,
        method: str,
        *,
        field: str | None,
        formatted: FormattedText | None,
        markup: JSON | None,
    ) -> JSON:
        """Apply an edit (text/caption and markup) or raise "message is not modified"."""
        chat = self.world.chats.get(stored.chat_id)
        check_private_only_buttons(markup, chat.type if chat else "private")
        payload = stored.payload
        entities_key = "entities" if field == "text" else "caption_entities"
        new = dict(payload)
        if field is not None:
            assert formatted is not None
            new[field] = formatted.parsed.text
            new.pop(entities_key, None)
            if formatted.parsed.entities:
                new[entities_key] = formatted.parsed.entities
        new.pop("reply_markup", None)
        if markup is not None:
            new["reply_markup"] = markup
        keys = ("text", "entities", "caption", "caption_entities", "reply_markup")
        if all(new.get(k) == payload.get(k) for k in keys):
            raise ApiError(400, errors.NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        stored.payload = new
        if formatted is not None:
            stored.html, stored.parse_mode = formatted.raw, formatted.parse_mode
        stored.reply_markup = markup
        stored.edit_count += 1
        self.world.record_bot_event(stored, method, edited=True)
        return new


# -- bot & updates -----------------------------------------------------------------


@api_method("getMe")
async def get_me(api: BotApi, params: Params) -> JSON:
    return {
        **api.bot,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("getUpdates")
async def get_updates(api: BotApi, params: Params) -> list[JSON]:
    if api.webhook_url:
        raise ApiError(409, errors.WEBHOOK_ACTIVE)
    allowed = params.get_json("allowed_updates")
    return await api.updates.get(
        offset=params.get_int("offset"),
        limit=params.get_int("limit") or 100,
        poll_timeout=params.get_float("timeout") or 0.0,
        allowed_updates=list(allowed) if isinstance(allowed, list) else None,
    )


@api_method("setWebhook")
async def set_webhook(api: BotApi, params: Params) -> bool:
    api.webhook_url = params.get_str("url") or ""
    if params.get_bool("drop_pending_updates"):
        api.updates.clear()
    return True


@api_method("deleteWebhook")
async def delete_webhook(api: BotApi, params: Params) -> bool:
    api.webhook_url = ""
    if params.get_bool("drop_pending_updates"):
        api.updates.clear()
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(api: BotApi, params: Params) -> JSON:
    return {
        "url": api.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(api.updates.pending),
    }


@api_method("close")
async def close(api: BotApi, params: Params) -> bool:
    return True


@api_method("logOut")
async def log_out(api: BotApi, params: Params) -> bool:
    return True


# -- commands ------------------------------------------------------------------------


def _commands_key(params: Params) -> tuple[str, str]:
    scope = params.get_json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get_str("language_code") or ""


def _check_scope(api: BotApi, params: Params) -> None:
    """A chat scope names a chat the bot knows (Telegram: "chat not found")."""
    scope = params.get_json("scope") or {"type": "default"}
    if scope.get("type") in ("chat", "chat_administrators", "chat_member"):
        chat_id = scope.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in api.world.chats:
            raise ApiError(400, errors.CHAT_NOT_FOUND)


def commands_key(scope: JSON, language: str) -> tuple[str, str]:
    return json.dumps(scope, sort_keys=True), language


@api_method("setMyCommands")
async def set_my_commands(api: BotApi, params: Params) -> bool:
    _check_scope(api, params)
    commands = params.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("commands must be an Array")
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        name = command.get("command", "") if isinstance(command, dict) else ""
        name = name.lstrip("/")
        valid = 1 <= len(name) <= 32 and all(c.islower() or c.isdigit() or c == "_" for c in name)
        if not valid:
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command.get("description", "")) <= 256:
            raise bad_request("command description must be non-empty")
    api.commands[_commands_key(params)] = [
        {"command": c["command"].lstrip("/"), "description": c["description"]} for c in commands
    ]
    return True


@api_method("getMyCommands")
async def get_my_commands(api: BotApi, params: Params) -> list[JSON]:
    return api.commands.get(_commands_key(params), [])


@api_method("deleteMyCommands")
async def delete_my_commands(api: BotApi, params: Params) -> bool:
    _check_scope(api, params)
    api.commands.pop(_commands_key(params), None)
    return True


@api_method("setChatMenuButton")
async def set_chat_menu_button(api: BotApi, params: Params) -> bool:
    """A private chat's menu button; a Mini App's must be an HTTPS address (as Telegram)."""
    chat_id = params.chat_id()
    chat = api.world.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None or chat.type != "private":
        raise ApiError(400, errors.CHAT_NOT_FOUND)
    button = params.get_json("menu_button") or {"type": "default"}
    if button.get("type") == "web_app":
        url = (button.get("web_app") or {}).get("url", "")
        if not isinstance(url, str) or not url.startswith("https://") or not button.get("text"):
            raise ApiError(400, errors.BUTTON_URL_INVALID)
    elif button.get("type") not in ("default", "commands"):
        raise bad_request("unsupported menu button type")
    api.menu_buttons[chat.id] = button
    return True


@api_method("getChatMenuButton")
async def get_chat_menu_button(api: BotApi, params: Params) -> JSON:
    chat_id = params.chat_id()
    return api.menu_buttons.get(chat_id if isinstance(chat_id, int) else 0, {"type": "default"})


# -- sending -------------------------------------------------------------------------


@api_method("sendMessage", send=True)
async def send_message(api: BotApi, params: Params) -> JSON:
    formatted = parse_formatted(params, "text", strict_html=api.strict_html)
    check_text(formatted)
    assert formatted is not None
    content: JSON = {"text": formatted.parsed.text}
    if formatted.parsed.entities:
        content["entities"] = formatted.parsed.entities
    stored = api.new_bot_message(params, "sendMessage", content, formatted=formatted)
    return stored.payload


def _caption_content(api: BotApi, params: Params) -> tuple[JSON, FormattedText | None]:
    formatted = parse_formatted(params, "caption", strict_html=api.strict_html)
    check_caption(formatted)
    content: JSON = {}
    if formatted is not None and formatted.parsed.text:
        content["caption"] = formatted.parsed.text
        if formatted.parsed.entities:
            content["caption_entities"] = formatted.parsed.entities
    return content, formatted


@api_method("sendDocument", send=True)
async def send_document(api: BotApi, params: Params) -> JSON:
    api.world.chat_for_send(params.chat_id())
    content, formatted = _caption_content(api, params)
    stored_file = api.resolve_file(params, "document", kind="documents", default_name="file")
    content["document"] = {
        "file_id": stored_file.file_id,
        "file_unique_id": stored_file.file_unique_id,
        "file_name": stored_file.file_name,
        "mime_type": stored_file.mime_type or "application/octet-stream",
        "file_size": len(stored_file.data),
    }
    stored = api.new_bot_message(
        params, "sendDocument", content, formatted=formatted, document=stored_file.as_sent()
    )
    return stored.payload


@api_method("sendPhoto", send=True)
async def send_photo(api: BotApi, params: Params) -> JSON:
    api.world.chat_for_send(params.chat_id())
    content, formatted = _caption_content(api, params)
    stored_file = api.resolve_file(params, "photo", kind="photos", default_name="photo.jpg")
    content["photo"] = [
        {
            "file_id": stored_file.file_id,
            "file_unique_id": stored_file.file_unique_id,
            "width": 800,
            "height": 600,
            "file_size": len(stored_file.data),
        }
    ]
    stored = api.new_bot_message(
        params, "sendPhoto", content, formatted=formatted, photo=stored_file.as_sent()
    )
    return stored.payload


@api_method("sendLocation", send=True)
async def send_location(api: BotApi, params: Params) -> JSON:
    latitude = params.get_float("latitude", required=True)
    longitude = params.get_float("longitude", required=True)
    assert latitude is not None and longitude is not None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong latitude or longitude specified")
    content = {"location": {"latitude": latitude, "longitude": longitude}}
    return api.new_bot_message(params, "sendLocation", content).payload


@api_method("copyMessage", send=True)
async def copy_message(api: BotApi, params: Params) -> JSON:
    source_chat = params.chat_id("from_chat_id")
    message_id = params.get_int("message_id", required=True)
    source = (
        api.world.message(source_chat, message_id or 0) if isinstance(source_chat, int) else None
    )
    if source is None:
        raise bad_request("message to copy not found")
    content = {
        k: v
        for k, v in source.payload.items()
        if k not in ("message_id", "date", "chat", "from", "reply_markup", "edit_date")
    }
    formatted = None
    if "caption" in params:
        caption, formatted = _caption_content(api, params)
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(caption)
    stored = api.new_bot_message(
        params,
        "copyMessage",
        content,
        formatted=formatted,
        document=source.document,
        photo=source.photo,
    )
    if formatted is None:
        stored.html, stored.parse_mode = source.html, source.parse_mode
    return {"message_id": stored.message_id}


@api_method("sendChatAction")
async def send_chat_action(api: BotApi, params: Params) -> bool:
    api.world.chat_for_send(params.chat_id())
    if params.get_str("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


# -- editing & deleting ---------------------------------------------------------------


@api_method("editMessageText", send=True)
async def edit_message_text(api: BotApi, params: Params) -> JSON:
    stored = api.bot_message_for_edit(params)
    if "text" not in stored.payload:
        raise ApiError(400, errors.NO_TEXT_TO_EDIT)
    formatted = parse_formatted(params, "text", strict_html=api.strict_html)
    check_text(formatted)
    markup = parse_reply_markup(params, inline_only=True)
    return api.apply_edit(
        stored, "editMessageText", field="text", formatted=formatted, markup=markup
    )


@api_method("editMessageCaption", send=True)
async def edit_message_caption(api: BotApi, params: Params) -> JSON:
    stored = api.bot_message_for_edit(params)
    if not any(k in stored.payload for k in ("document", "photo", "caption")):
        raise bad_request("there is no caption in the message to edit")
    formatted = parse_formatted(params, "caption", strict_html=api.strict_html) or FormattedText(
        "", None, ParsedText("")
    )
    check_caption(formatted)
    markup = parse_reply_markup(params, inline_only=True)
    return api.apply_edit(
        stored, "editMessageCaption", field="caption", formatted=formatted, markup=markup
    )


@api_method("editMessageReplyMarkup", send=True)
async def edit_message_reply_markup(api: BotApi, params: Params) -> JSON:
    stored = api.bot_message_for_edit(params)
    markup = parse_reply_markup(params, inline_only=True)
    return api.apply_edit(
        stored, "editMessageReplyMarkup", field=None, formatted=None, markup=markup
    )


@api_method("deleteMessage")
async def delete_message(api: BotApi, params: Params) -> bool:
    chat_id = params.chat_id()
    chat = api.world.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise ApiError(400, errors.CHAT_NOT_FOUND)
    stored = api.world.message(chat.id, params.get_int("message_id", required=True) or 0)
    if stored is None:
        raise ApiError(400, errors.MESSAGE_TO_DELETE_NOT_FOUND)
    stored.deleted = True
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(api: BotApi, params: Params) -> bool:
    text = params.get_str("text")
    if text is not None and utf16_len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    answer = CallbackAnswer(
        query_id=params.get_str("callback_query_id", required=True) or "",
        text=text,
        show_alert=params.get_bool("show_alert"),
        url=params.get_str("url"),
        cache_time=params.get_int("cache_time"),
    )
    api.world.answer_query(answer, api.callback_query_max_age)
    return True


# -- chats & files ---------------------------------------------------------------------


@api_method("getChat")
async def get_chat(api: BotApi, params: Params) -> JSON:
    chat_id = params.chat_id()
    chat = api.world.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise ApiError(400, errors.CHAT_NOT_FOUND)
    return {
        **chat.to_dict(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


@api_method("getChatMember")
async def get_chat_member(api: BotApi, params: Params) -> JSON:
    chat_id = params.chat_id()
    chat = api.world.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise ApiError(400, errors.CHAT_NOT_FOUND)
    user_id = params.get_int("user_id", required=True)
    if user_id == api.bot["id"]:
        return {"status": "member", "user": api.bot}
    user = api.world.users.get(user_id or 0)
    if user is None:
        raise bad_request("user not found")
    status = "member" if user.id in chat.members else "left"
    return {"status": status, "user": user.to_dict()}


@api_method("getFile")
async def get_file(api: BotApi, params: Params) -> JSON:
    stored = api.world.file(params.get_str("file_id", required=True) or "")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }
