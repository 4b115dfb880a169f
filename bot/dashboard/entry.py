"""How leaders open the board: the menu button of their private chat (set with their own
command menu, see ``bot.menus``), and a ``web_app`` button where Telegram allows one (private
chats only: it refuses them in groups, where a link to the private chat is given instead)."""

from __future__ import annotations

from typing import Any

from telegram import MenuButton, MenuButtonDefault, MenuButtonWebApp, WebAppInfo

from bot.i18n import Translator, text


def menu_button(url: str | None, language: str | None) -> MenuButton:
    """The board for someone with a menu of their own (``language`` given), else Telegram's
    default button (the command list)."""
    if not url or language is None:
        return MenuButtonDefault()
    return MenuButtonWebApp(str(text(language, "menu.board_button")), WebAppInfo(url))


def board_keyboard(t: Translator, url: str) -> dict[str, Any]:
    """One button that opens the board inside Telegram (private chats only)."""
    return {"inline_keyboard": [[{"text": t("menu.board_button"), "web_app": {"url": url}}]]}


def private_chat_keyboard(t: Translator, bot_username: str) -> dict[str, Any]:
    """In a group: a link to the private chat, where ``/dashboard`` opens the board."""
    link = f"https://t.me/{bot_username}"
    return {"inline_keyboard": [[{"text": t("menu.board_private"), "url": link}]]}
