"""Transcripts: what each person saw, in order, as a person would read it.

Built from the server's own record: the messages people sent, every message the bot sent or
edited (``World.events``), the buttons people pressed and the notices those presses got.

    transcript = Transcript(server, "A volunteer's day (zh)")
    transcript.follow(wang, "Wang (volunteer)")
    ...
    transcript.write("volunteer-day-zh")  # test-artifacts/transcripts/volunteer-day-zh.txt

Files go to ``$MUSTER_TRANSCRIPTS_DIR``, else ``test-artifacts/transcripts/`` at the root of
the repository (git-ignored; CI keeps it as an artifact).
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .sent_message import SentMessage

if TYPE_CHECKING:
    from .server import FakeTelegram
    from .user import FakeUser

ROOT = Path(__file__).resolve().parents[2]
INDENT = "      "


def transcripts_dir() -> Path:
    configured = os.environ.get("MUSTER_TRANSCRIPTS_DIR")
    return Path(configured) if configured else ROOT / "test-artifacts" / "transcripts"


@dataclass(frozen=True)
class _Line:
    at: float
    order: int
    text: str


class Transcript:
    """Follows some people (and group chats) and renders what happened in their chats."""

    def __init__(self, server: FakeTelegram, title: str) -> None:
        self.server = server
        self.title = title
        self.people: list[tuple[int, str]] = []  # (chat id, who)
        self.groups: list[tuple[int, str]] = []

    def follow(self, user: FakeUser, label: str | None = None) -> FakeUser:
        self.people.append((user.id, label or user.first_name))
        return user

    def follow_group(self, chat_id: int, label: str) -> None:
        self.groups.append((chat_id, label))

    # -- rendering ----------------------------------------------------------------------
    def render(self) -> str:
        parts = [f"# {self.title}", ""]
        for chat_id, label in [*self.people, *self.groups]:
            parts.append(f"## {label}")
            parts.extend(self.chat_lines(chat_id) or ["(nothing)"])
            parts.append("")
        return "\n".join(parts)

    def chat_lines(self, chat_id: int) -> list[str]:
        world = self.server.world
        names = {info.id: info.first_name for info in world.users.values()}
        lines: list[_Line] = []
        for (cid, _), stored in world.messages.items():
            if cid == chat_id and not stored.from_bot:
                sender = names.get(stored.payload.get("from", {}).get("id"), "someone")
                said = _person_says(sender, stored.message_id, stored.payload)
                lines.append(_Line(stored.sent_at, 0, said))
        events = [e for e in world.events if e.chat_id == chat_id]
        last_text: dict[int, str | None] = {}
        for event in events:
            same_text = event.edited and last_text.get(event.message_id) == event.text
            last_text[event.message_id] = event.text
            lines.append(_Line(event.time, event.seq, _bot_says(event, same_text=same_text)))
        for query in world.queries.values():
            if query.chat_id != chat_id:
                continue
            label = _pressed_label(events, query.message_id, query.data, query.created)
            text = f"▶ {names.get(query.user_id, 'someone')} presses [{label}]"
            if query.answer is not None and query.answer.text:
                kind = "pop-up" if query.answer.show_alert else "notice"
                text += f"\n{INDENT}({kind}: {query.answer.text})"
            lines.append(_Line(query.created, 0, text))
        lines.sort(key=lambda line: (line.at, line.order))
        return [line.text for line in lines]

    def write(self, name: str) -> Path:
        directory = transcripts_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.txt"
        path.write_text(self.render(), encoding="utf-8")
        return path


def _person_says(sender: str, message_id: int, payload: dict) -> str:  # type: ignore[type-arg]
    if "text" in payload:
        said = payload["text"]
    elif "contact" in payload:
        said = f"(shares a contact: {payload['contact'].get('phone_number')})"
    elif "document" in payload:
        said = f"(sends the file {payload['document'].get('file_name')})"
    elif "photo" in payload:
        said = "(sends a photo)"
    elif "voice" in payload:
        said = "(sends a voice message)"
    elif "location" in payload:
        said = "(shares a location)"
    else:
        said = "(sends something)"
    reply = payload.get("reply_to_message")
    prefix = f"(replying to #{reply['message_id']}) " if reply else ""
    return f"▶ {sender} #{message_id}: {prefix}{_indent(said)}"


def _bot_says(event: SentMessage, *, same_text: bool = False) -> str:
    """A message as it appeared; an edit that only changed the buttons says just that."""
    if event.was_deleted:
        return f"🤖 (deletes #{event.message_id})"
    head = f"🤖 #{event.message_id}"
    if same_text:
        changed = "buttons now:" if event.buttons else "buttons removed"
        lines = [f"{head} (edited: {changed})"]
        lines.extend(INDENT + "  ".join(f"[{b}]" for b in row) for row in event.buttons)
        return "\n".join(lines)
    if event.edited:
        head += " (edited)"
    reply = event.message.get("reply_to_message")
    if reply:
        head += f" (replying to #{reply['message_id']})"
    if event.message.get("has_protected_content"):
        head += " (cannot be forwarded)"
    body = event.text or ""
    if event.document is not None:
        body = f"📎 {event.document.file_name}" + (f"\n{body}" if body else "")
    if event.photo is not None:
        body = "🖼 (picture)" + (f"\n{body}" if body else "")
    lines = [f"{head}: {_indent(body)}"]
    lines.extend(INDENT + "  ".join(f"[{b}]" for b in row) for row in event.buttons)
    if event.reply_keyboard:
        keys = " | ".join("  ".join(f"⌨ {b}" for b in row) for row in event.reply_keyboard)
        lines.append(f"{INDENT}{keys}")
    return "\n".join(lines)


def _pressed_label(
    events: list[SentMessage], message_id: int | None, data: str | None, at: float
) -> str:
    """The text of the button with this data, as the message showed it when it was pressed."""
    shown = [e for e in events if e.message_id == message_id and e.time <= at]
    for event in reversed(shown):
        for row in event.inline_keyboard:
            for button in row:
                if button.get("callback_data") == data:
                    return str(button["text"])
    return f"? {data}"


def _indent(text: str) -> str:
    return textwrap.indent(text, INDENT).lstrip() if "\n" in text else text
