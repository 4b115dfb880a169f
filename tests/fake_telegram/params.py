"""Decoding Bot API request parameters the way Telegram does.

Clients may send a JSON body, ``application/x-www-form-urlencoded`` or
``multipart/form-data`` (PTB uses forms, and multipart when files are attached). In
forms every value is a string and nested objects such as ``reply_markup`` are
JSON-encoded, so :class:`Params` offers typed accessors that accept both shapes.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import ApiError, bad_request


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    file_name: str | None
    content_type: str | None
    data: bytes

    def describe(self) -> str:
        return f"<file {self.file_name!r} {len(self.data)} bytes>"


class Params:
    """Request parameters with typed, Telegram-like coercion."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile] | None = None):
        self.values = values
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return name in self.values or name in self.files

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def get_str(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return str(value).lower() if isinstance(value, bool) else str(value)

    def get_int(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str, *, required: bool = False) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1")

    def get_json(self, name: str, *, error: str | None = None) -> Any:
        """A nested object: decoded from its JSON string when sent in a form."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise (
                    ApiError(400, error) if error else bad_request(f"can't parse {name}")
                ) from None
        return value

    def chat_id(self, name: str = "chat_id") -> int | str:
        """``chat_id`` is an integer or ``@channelusername``."""
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            return text

    def input_file(self, name: str) -> UploadedFile | str | None:
        """A file parameter: an uploaded part (direct or ``attach://``) or a string.

        Strings are file_ids or HTTP URLs.
        """
        if name in self.files:
            return self.files[name]
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            part = self.files.get(value[len("attach://") :])
            if part is None:
                raise bad_request(f"wrong file identifier/HTTP URL specified for {name}")
            return part
        return value if isinstance(value, str) and value else None

    def for_log(self) -> dict[str, Any]:
        """A JSON-friendly copy for the call log (nested JSON decoded, files described)."""
        logged: dict[str, Any] = {}
        for key, value in self.values.items():
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            logged[key] = value
        for key, part in self.files.items():
            logged[key] = part.describe()
        return logged


async def read_params(request: web.Request) -> Params:
    """Parse query string plus JSON / urlencoded / multipart body into :class:`Params`."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected")
            values.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(
                        field_name=key,
                        file_name=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                else:
                    values[key] = value if isinstance(value, str) else value.decode()
    return Params(values, files)
