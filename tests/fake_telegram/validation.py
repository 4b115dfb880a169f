"""Checks Telegram applies to message content and keyboards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import errors
from .errors import ApiError, bad_request
from .html_entities import EntityParseError, ParsedText, parse_html
from .params import Params

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_CALLBACK_ANSWER = 200

#: Inline button fields of which exactly one must be present.
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
URL_SCHEMES = ("http://", "https://", "tg://")


@dataclass(frozen=True)
class FormattedText:
    """Text/caption as sent and as Telegram stores it."""

    raw: str
    parse_mode: str | None
    parsed: ParsedText


def parse_formatted(
    params: Params, field: str, *, strict_html: bool = True
) -> FormattedText | None:
    """Parse ``field`` with its ``parse_mode``; ``None`` if the field is absent.

    ``strict_html`` also rejects a bare ``&`` in HTML (Telegram keeps it literally).
    """
    raw = params.get_str(field)
    if raw is None:
        return None
    parse_mode = params.get_str("parse_mode") or None
    mode = (parse_mode or "").lower()
    entities_field = "entities" if field == "text" else f"{field}_entities"
    if mode == "html":
        try:
            parsed = parse_html(raw, strict_ampersand=strict_html)
        except EntityParseError as exc:
            raise ApiError(400, exc.description) from None
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown is not validated by the fake; text is kept verbatim.
        explicit = params.get_json(entities_field) or []
        parsed = ParsedText(raw, list(explicit))
    else:
        raise bad_request("unsupported parse_mode")
    return FormattedText(raw, parse_mode, parsed)


def check_text(text: FormattedText | None) -> None:
    if text is None or not text.parsed.text.strip():
        raise ApiError(400, errors.TEXT_EMPTY)
    if text.parsed.length > MAX_TEXT:
        raise ApiError(400, errors.TEXT_TOO_LONG)


def check_caption(caption: FormattedText | None) -> None:
    if caption is not None and caption.parsed.length > MAX_CAPTION:
        raise ApiError(400, errors.CAPTION_TOO_LONG)


def parse_reply_markup(params: Params, *, inline_only: bool = False) -> JSON | None:
    """Decode and validate ``reply_markup``; returns the markup object or ``None``."""
    if "reply_markup" not in params:
        return None
    markup = params.get_json("reply_markup", error=errors.REPLY_MARKUP_INVALID)
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, errors.REPLY_MARKUP_INVALID)
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif inline_only:
        raise bad_request("inline keyboard expected")
    elif "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
    elif markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        pass
    else:
        raise ApiError(400, errors.REPLY_MARKUP_INVALID)
    return markup


def _rows(keyboard: Any, what: str) -> list[list[Any]]:
    if not isinstance(keyboard, list) or not all(isinstance(r, list) for r in keyboard):
        raise bad_request(f"can't parse {what}: field must be an Array of Arrays")
    if sum(len(row) for row in keyboard) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return keyboard


def _check_inline_keyboard(keyboard: Any) -> None:
    for row in _rows(keyboard, "inline keyboard"):
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text must be a String")
            actions = [key for key in INLINE_ACTIONS if key in button]
            if not actions:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            if len(actions) > 1:
                raise bad_request(
                    "can't parse inline keyboard button: exactly one of the optional fields "
                    f"must be used, got {', '.join(actions)}"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not (
                    1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise ApiError(400, errors.BUTTON_DATA_INVALID)
            if "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not url.startswith(URL_SCHEMES):
                    raise bad_request(f"inline keyboard button URL '{url}' is invalid")
            if "web_app" in button:
                app = button["web_app"]
                url = app.get("url") if isinstance(app, dict) else None
                if not isinstance(url, str) or not url.startswith("https://"):
                    raise ApiError(400, errors.BUTTON_URL_INVALID)


def _check_reply_keyboard(keyboard: Any) -> None:
    for row in _rows(keyboard, "keyboard"):
        for button in row:
            text = (
                button
                if isinstance(button, str)
                else (button.get("text") if isinstance(button, dict) else None)
            )
            if not isinstance(text, str) or not text:
                raise bad_request("can't parse keyboard button: Text must be a non-empty String")
            if isinstance(button, dict) and "request_users" in button:
                _check_request_users(button["request_users"])


def _check_request_users(request: Any) -> None:
    """``KeyboardButtonRequestUsers``: a signed 32-bit ``request_id``, 1–10 users."""
    if not isinstance(request, dict) or not isinstance(request.get("request_id"), int):
        raise bad_request("can't parse keyboard button: request_id must be an Integer")
    if not -(2**31) <= request["request_id"] < 2**31:
        raise bad_request("can't parse keyboard button: request_id is out of range")
    if not 1 <= request.get("max_quantity", 1) <= 10:
        raise bad_request("can't parse keyboard button: max_quantity must be between 1 and 10")


def check_private_only_buttons(markup: JSON | None, chat_type: str) -> None:
    """Buttons that ask for users, contacts or locations, and inline buttons that open a Mini
    App (``web_app``), work in private chats only."""
    if chat_type == "private" or markup is None:
        return
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if isinstance(button, dict) and "web_app" in button:
                raise ApiError(400, errors.BUTTON_TYPE_INVALID)
    if "keyboard" not in markup:
        return
    for row in markup["keyboard"]:
        for button in row:
            if isinstance(button, dict) and "request_users" in button:
                raise ApiError(400, errors.BUTTON_TYPE_INVALID)
