"""PTB's requests to the Bot API over aiohttp.

PTB's own ``HTTPXRequest`` is correct but costly under a burst: with hundreds of connections
open, httpcore looks at every idle connection of the pool (is it readable? expired?) each time
a request starts and ends, so the cost of one request grows with the pool. A burst of 1,000
presses spent more CPU there than in handling them (bench/incoming.py, ``--profile``). aiohttp
keeps idle connections in a queue per host and takes one in constant time.

The semantics are PTB's: the same timeouts (``pool`` waits for a free connection, ``connect``
for the connection itself, ``read`` between bytes of the answer, ``write`` the time to send),
``TimedOut`` when one runs out and ``NetworkError`` for any other failure to get an answer.

Parameters go as a JSON body (PTB's ``RequestData.json_payload``: each parameter as PTB
encodes it for a form; the Bot API server reads a JSON body's string values as it reads a
form's fields, td's ``HttpReader::parse_json_parameters``), files as multipart with the other
parameters as fields, as ``HTTPXRequest`` sends them. Not a form: URL-encoding a form quotes
every byte of Chinese text and JSON markup one at a time in Python, and under a burst of
presses that was a fifth of the bot's CPU (the edits' texts, the answers).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` on one ``aiohttp.ClientSession`` of at most ``connections``
    connections (PTB's default timeouts)."""

    __slots__ = ("_connections", "_media_write_timeout", "_session", "_timeouts")

    def __init__(
        self,
        *,
        connections: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connections = connections
        self._timeouts = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
        }
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else {}
        timeout = self._timeout(
            files=bool(files),
            read=read_timeout,
            write=write_timeout,
            connect=connect_timeout,
            pool=pool_timeout,
        )
        body = _body(request_data, files)
        try:
            async with self._session.request(
                method, url, data=body, headers=None if files else _JSON, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are TimeoutErrors
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _timeout(self, *, files: bool, **given: ODVInput[float]) -> aiohttp.ClientTimeout:
        """``aiohttp.ClientTimeout`` from PTB's four: aiohttp's ``connect`` includes the wait
        for a free connection; a write has no timeout of its own, so an upload (where writing
        is what takes the time) is bounded as a whole by its write and read timeouts."""
        chosen = {
            name: self._timeouts[name] if isinstance(value, DefaultValue) else value
            for name, value in given.items()
        }
        if files and isinstance(given["write"], DefaultValue):
            chosen["write"] = self._media_write_timeout
        pool, connect, write = chosen["pool"], chosen["connect"], chosen["write"]
        return aiohttp.ClientTimeout(
            total=write + (chosen["read"] or 0.0) if files and write is not None else None,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=chosen["read"],
        )


_JSON = {"Content-Type": "application/json"}


def _body(request_data: RequestData | None, files: dict[str, Any]) -> Any:
    """The parameters as JSON, or as multipart with the files."""
    if not files:
        return request_data.json_payload if request_data else b"{}"
    fields = request_data.json_parameters if request_data else {}
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
