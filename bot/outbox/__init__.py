"""One persistent outbox and one rate-limited sender for every message Muster sends."""

from bot.outbox.progress import Progress, progress
from bot.outbox.queue import Outgoing, enqueue, keyboard, reply_keyboard
from bot.outbox.sender import OutboxSender, SenderLimits

__all__ = [
    "OutboxSender",
    "Outgoing",
    "Progress",
    "SenderLimits",
    "enqueue",
    "keyboard",
    "progress",
    "reply_keyboard",
]
