"""PTB's requests over aiohttp (``bot.telegram_http``): what the Bot API receives, and the
errors PTB expects when it cannot get an answer."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram_http import AiohttpRequest


async def _serve(handler):  # type: ignore[no-untyped-def]
    app = web.Application()
    app.router.add_post("/{method}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def echo():  # type: ignore[no-untyped-def]
    """A server that answers with what it received: content type and fields."""

    async def handler(request: web.Request) -> web.Response:
        fields: dict[str, object] = {}
        if request.content_type == "multipart/form-data":
            async for part in await request.multipart():
                data = await part.read()  # type: ignore[union-attr]
                name = part.name  # type: ignore[union-attr]
                if part.filename:  # type: ignore[union-attr]
                    fields[name] = {"filename": part.filename, "bytes": len(data)}  # type: ignore[union-attr]
                else:
                    fields[name] = data.decode()
        elif request.content_type == "application/json":
            fields = await request.json()
        else:
            fields = dict(await request.post())  # type: ignore[arg-type]
        result = {"type": request.content_type, "fields": fields}
        return web.json_response({"ok": True, "result": result})

    runner, base = await _serve(handler)
    yield base
    await runner.cleanup()


async def test_parameters_are_sent_as_json_each_as_ptb_encodes_it(echo: str) -> None:
    """As the Bot API reads a form's fields: a number or a string as it is, an object as its
    JSON (the Bot API parses a JSON body's top-level values alike)."""
    data = RequestData(
        [
            RequestParameter("chat_id", 42, None),
            RequestParameter("text", "你好 <b>", None),
            RequestParameter("reply_markup", {"inline_keyboard": [[{"text": "a"}]]}, None),
        ]
    )
    async with AiohttpRequest(connections=4) as request:
        answer = await request.post(f"{echo}/sendMessage", data)
    assert answer["type"] == "application/json"
    assert answer["fields"]["chat_id"] == "42"
    assert answer["fields"]["text"] == "你好 <b>"
    assert json.loads(answer["fields"]["reply_markup"]) == {"inline_keyboard": [[{"text": "a"}]]}


async def test_a_file_goes_as_multipart_with_the_other_fields(echo: str) -> None:
    document = InputFile(b"x" * 3000, filename="roster.xlsx", attach=False)
    data = RequestData(
        [RequestParameter("chat_id", 7, None), RequestParameter.from_input("document", document)]
    )
    async with AiohttpRequest(connections=4) as request:
        answer = await request.post(f"{echo}/sendDocument", data)
    assert answer["type"] == "multipart/form-data"
    assert answer["fields"]["chat_id"] == "7"
    assert answer["fields"]["document"] == {"filename": "roster.xlsx", "bytes": 3000}


async def test_an_answer_slower_than_the_read_timeout_is_timed_out() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    runner, base = await _serve(slow)
    try:
        async with AiohttpRequest(connections=1, read_timeout=0.2) as request:
            with pytest.raises(TimedOut):
                await request.post(f"{base}/getMe")
    finally:
        await runner.cleanup()


async def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with AiohttpRequest(connections=1) as request:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/getMe")
    assert not isinstance(raised.value, TimedOut)
