"""The test suite's fake Bot API server, run in a process of its own for the benchmarks.

In its own process its CPU time is not the sender's: the figures measure the client alone.
The parent drives it with one JSON command per line on stdin and reads one JSON answer per
line on stdout (``FakeServerProcess`` below):

    {"cmd": "limits", "telegram": true}   Telegram's limits on (false: off)
    {"cmd": "reset"}                      forget every call and count
    {"cmd": "wait", "sends": 3000, "quiet": 5, "within": 300}
                                          answer once that many sends were accepted, or none
                                          for ``quiet`` seconds, or after ``within``: the stats
    {"cmd": "stats"}                      the stats now
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from types import TracebackType
from typing import Any

from tests.fake_telegram import FakeTelegram, Limits

TOKEN = "123456:BENCH"
FIRST_USER_ID = 1_000_001


def recipients(count: int) -> list[int]:
    """The ids of the volunteers the server knows (each has started the bot)."""
    return list(range(FIRST_USER_ID, FIRST_USER_ID + count))


# -- the child process ---------------------------------------------------------------------


def _stats(server: FakeTelegram) -> dict[str, Any]:
    log = server.stats.send_log
    per_chat = Counter(chat for _, chat in log)
    return {
        "sends": len(log),
        "chats": len(per_chat),
        "duplicates": len(log) - len(per_chat),
        "too_many_requests": server.stats.too_many_requests,
        "errors": {str(status): n for status, n in server.stats.errors.items()},
        "first": log[0][0] if log else None,
        "last": log[-1][0] if log else None,
        "cpu_seconds": time.process_time(),
    }


def _reset(server: FakeTelegram) -> None:
    server.stats.reset()
    server.limiter.reset()
    server.calls.clear()
    server.world.events.clear()
    server.world.messages.clear()


async def _wait(server: FakeTelegram, sends: int, quiet: float, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and len(server.stats.send_log) < sends:
        log = server.stats.send_log
        last = log[-1][0] if log else server.calls[-1].time if server.calls else None
        if last is not None and time.monotonic() - last > quiet:
            return
        await asyncio.sleep(0.05)


async def _serve(users: int) -> None:
    async with FakeTelegram(token=TOKEN, limits=Limits.off()) as server:
        for user_id in recipients(users):
            user = server.user(user_id, f"Volunteer {user_id}")
            server.world.private_chat(user.info)
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        _answer({"port": server.port})
        while line := await reader.readline():
            command = json.loads(line)
            if command["cmd"] == "limits":
                server.limits = Limits.telegram() if command["telegram"] else Limits.off()
            elif command["cmd"] == "reset":
                _reset(server)
            elif command["cmd"] == "wait":
                await _wait(server, command["sends"], command["quiet"], command["within"])
            _answer(_stats(server))


def _answer(body: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(body) + "\n")
    sys.stdout.flush()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--users", type=int, default=3000)
    asyncio.run(_serve(options.parse_args().users))


# -- the parent's handle -------------------------------------------------------------------


class FakeServerProcess:
    """``async with FakeServerProcess(users=3000) as server:`` then ``server.base_url``."""

    def __init__(self, users: int) -> None:
        self.users = users
        self.token = TOKEN
        self.port = 0
        self._process: asyncio.subprocess.Process | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def __aenter__(self) -> FakeServerProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.fake_server",
            "--users",
            str(self.users),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        self.port = (await self._read())["port"]
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                await asyncio.wait_for(self._process.wait(), 10)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()

    async def limits(self, *, telegram: bool) -> None:
        await self._ask({"cmd": "limits", "telegram": telegram})

    async def reset(self) -> None:
        await self._ask({"cmd": "reset"})

    async def stats(self) -> dict[str, Any]:
        return await self._ask({"cmd": "stats"})

    async def wait(
        self, sends: int, *, quiet: float = 10.0, within: float = 600.0
    ) -> dict[str, Any]:
        return await self._ask({"cmd": "wait", "sends": sends, "quiet": quiet, "within": within})

    async def _ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write((json.dumps(command) + "\n").encode())
        await self._process.stdin.drain()
        return await self._read()

    async def _read(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        line = await self._process.stdout.readline()
        if not line:
            raise RuntimeError("the fake Bot API server process died")
        return json.loads(line)


if __name__ == "__main__":
    main()
