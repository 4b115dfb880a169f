"""Copies of the data: ``backup`` (SQLite's online backup, a file to keep) and ``transfer``
(an export any Muster database, SQLite or PostgreSQL, can import)."""
