"""Thin Telegram handlers: parse the update, call a service, render the reply.

Each module exposes ``routes()``; ``bot/routes.py`` lists them all.
"""
