"""Muster: a Telegram bot for community volunteer dispatch and emergency mobilization."""
