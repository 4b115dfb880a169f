"""Muster: a Telegram bot for community volunteer dispatch and emergency mobilization."""

__version__ = "0.1.0"
