"""Strict validator/parser for Telegram's HTML ``parse_mode``.

:func:`parse_html` turns a Bot API HTML string into the plain text Telegram would
store plus the ``MessageEntity`` dicts describing the formatting, or raises
:class:`EntityParseError` with the description Telegram's server would use
(``Bad Request: can't parse entities: ...``).

It is deliberately *stricter* than Telegram in one respect: a bare ``&`` that does
not start one of the supported entities (``&lt;`` ``&gt;`` ``&amp;`` ``&quot;``
``&#NNN;`` ``&#xHH;``) is an error, whereas Telegram silently keeps it. This makes
missing ``html.escape`` calls visible in tests. Pass ``strict_ampersand=False`` for
Telegram's lenient behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EntityParseError", "ParsedText", "parse_html", "utf16_len"]

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,6}));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z0-9_-]+")
_UNQUOTED_VALUE_RE = re.compile(r"[^\s>]+")
_END_TAG_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")

#: Tag name -> MessageEntity type (``None``: handled specially).
_TAG_TYPES: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": None,
    "tg-emoji": "custom_emoji",
}
ALLOWED_TAGS = frozenset(_TAG_TYPES)


class EntityParseError(ValueError):
    """Raised for HTML that Telegram would refuse; ``description`` is the API text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def description(self) -> str:
        return f"Bad Request: can't parse entities: {self.reason}"


@dataclass(frozen=True)
class ParsedText:
    """Result of parsing: plain text (tags removed, entities decoded) and entities."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length(self) -> int:
        """Length as Telegram counts it (UTF-16 code units)."""
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    """Number of UTF-16 code units in ``text`` (what Telegram's limits count)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    offset: int  # UTF-16 offset in the output text
    byte_offset: int
    attrs: dict[str, str]


class _Parser:
    def __init__(self, source: str, strict_ampersand: bool) -> None:
        self.src = source
        self.strict_ampersand = strict_ampersand
        self.pos = 0
        self.out: list[str] = []
        self.u16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    # -- helpers -------------------------------------------------------------------
    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.u16 += utf16_len(text)

    def decode_entity(self, index: int) -> tuple[str, int]:
        """Decode the entity starting at ``index`` (a ``&``); returns (char, end)."""
        match = _ENTITY_RE.match(self.src, index)
        if match is None and not self.strict_ampersand:
            return "&", index + 1
        if match is None:
            raise EntityParseError(
                f"Unsupported HTML entity at byte offset {self.byte_offset(index)}: "
                "'&' must be escaped as &amp;"
            )
        named, dec, hexa = match.groups()
        if named:
            return _NAMED_ENTITIES[named], match.end()
        code = int(dec) if dec else int(hexa, 16)
        if code == 0 or code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(
                f"Invalid character reference at byte offset {self.byte_offset(index)}"
            )
        return chr(code), match.end()

    def decode_attr_value(self, value: str) -> str:
        return _ENTITY_RE.sub(lambda m: _decode_match(m), value)

    # -- main loop -----------------------------------------------------------------
    def run(self) -> ParsedText:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "&":
                decoded, self.pos = self.decode_entity(self.pos)
                self.emit(decoded)
            elif char == "<":
                if src.startswith("</", self.pos):
                    self.end_tag()
                else:
                    self.start_tag()
            elif char == ">":
                # Telegram accepts a bare '>' in text.
                self.emit(char)
                self.pos += 1
            else:
                nxt = _next_special(src, self.pos)
                self.emit(src[self.pos : nxt])
                self.pos = nxt
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def start_tag(self) -> None:
        begin = self.pos
        begin_bytes = self.byte_offset(begin)
        match = _TAG_NAME_RE.match(self.src, begin + 1)
        name = match.group(0).lower() if match else ""
        if name not in ALLOWED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin_bytes}')
        assert match is not None
        self.pos = match.end()
        attrs = self.attributes(name, begin_bytes)
        self.validate_tag(name, attrs, begin_bytes)
        self.stack.append(_OpenTag(name, self.u16, begin_bytes, attrs))

    def attributes(self, tag: str, begin_bytes: int) -> dict[str, str]:
        src = self.src
        attrs: dict[str, str] = {}
        while True:
            while self.pos < len(src) and src[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(src):
                raise EntityParseError(f"Unclosed start tag at byte offset {begin_bytes}")
            if src[self.pos] == ">":
                self.pos += 1
                return attrs
            match = _ATTR_NAME_RE.match(src, self.pos)
            if match is None:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin_bytes}'
                )
            attr = match.group(0).lower()
            self.pos = match.end()
            while self.pos < len(src) and src[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(src) or src[self.pos] != "=":
                if tag == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                raise EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {begin_bytes}'
                )
            self.pos += 1
            while self.pos < len(src) and src[self.pos].isspace():
                self.pos += 1
            attrs[attr] = self.attribute_value(begin_bytes)

    def attribute_value(self, begin_bytes: int) -> str:
        src = self.src
        if self.pos >= len(src):
            raise EntityParseError(f"Unclosed start tag at byte offset {begin_bytes}")
        quote = src[self.pos]
        if quote in "'\"":
            end = src.find(quote, self.pos + 1)
            if end < 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin_bytes}")
            raw = src[self.pos + 1 : end]
            self.pos = end + 1
        else:
            match = _UNQUOTED_VALUE_RE.match(src, self.pos)
            if match is None:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin_bytes}")
            raw = match.group(0)
            self.pos = match.end()
        return self.decode_attr_value(raw)

    @staticmethod
    def validate_tag(name: str, attrs: dict[str, str], begin_bytes: int) -> None:
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin_bytes}'
            )
        if name == "a" and not attrs.get("href"):
            raise EntityParseError(
                f'Tag "a" must have non-empty attribute "href" at byte offset {begin_bytes}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset '
                f"{begin_bytes}"
            )

    def end_tag(self) -> None:
        begin = self.pos
        begin_bytes = self.byte_offset(begin)
        match = _END_TAG_RE.match(self.src, begin)
        if match is None:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin_bytes}")
        name = match.group(1).lower()
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin_bytes}")
        top = self.stack[-1]
        if name != top.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin_bytes}, expected "</{top.name}>", '
                f'found "</{name}>"'
            )
        self.pos = match.end()
        self.stack.pop()
        self.close_entity(top)

    def close_entity(self, tag: _OpenTag) -> None:
        length = self.u16 - tag.offset
        parent = self.stack[-1] if self.stack else None
        if tag.name == "code" and parent is not None and parent.name == "pre":
            language = tag.attrs.get("class", "")
            if language.startswith("language-") and len(language) > len("language-"):
                parent.attrs["language"] = language[len("language-") :]
            return
        if length == 0:
            return
        entity: dict[str, Any] = {"type": _TAG_TYPES[tag.name], "offset": tag.offset}
        entity["length"] = length
        if tag.name == "blockquote":
            expandable = "expandable" in tag.attrs
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        elif tag.name == "a":
            entity["url"] = tag.attrs["href"]
        elif tag.name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        self.entities.append(entity)


def _decode_match(match: re.Match[str]) -> str:
    named, dec, hexa = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
        return match.group(0)
    return chr(code)


def _next_special(src: str, start: int) -> int:
    """Index of the next ``&``, ``<`` or ``>`` at or after ``start`` (or ``len(src)``)."""
    positions = [p for p in (src.find(c, start) for c in "&<>") if p >= 0]
    return min(positions) if positions else len(src)


def parse_html(source: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parse Telegram HTML; raise :class:`EntityParseError` where Telegram would.

    With ``strict_ampersand`` (default) a bare ``&`` is an error too (see module doc).
    """
    return _Parser(source, strict_ampersand).run()
