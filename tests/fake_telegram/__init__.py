"""A fake Telegram Bot API server for end-to-end tests of the real PTB stack.

Typical use::

    async with FakeTelegram(token="123456:TEST") as server:
        app = (
            Application.builder()
            .token(server.token)
            .base_url(server.base_url)
            .base_file_url(server.base_file_url)
            .build()
        )
        ...
        alice = server.user(1001, "Alice")
        await alice.send("/start")
        reply = await alice.expect_message()
"""

from .errors import ApiError
from .limits import Limits
from .sent_message import SentFile, SentMessage
from .server import FakeTelegram
from .state import CallbackAnswer, CallRecord, Stats
from .transcript import Transcript
from .user import FakeUser

__all__ = [
    "ApiError",
    "CallRecord",
    "CallbackAnswer",
    "FakeTelegram",
    "FakeUser",
    "Limits",
    "SentFile",
    "SentMessage",
    "Stats",
    "Transcript",
]
