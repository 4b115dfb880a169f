"""The reference bot for ``bench.incoming``: bare python-telegram-bot, one
``CallbackQueryHandler`` that answers the press and sends a message; no database, no outbox.

    python -m bench.echo_bot --base-url http://127.0.0.1:PORT --token TOKEN [--concurrent 64]

Without ``--concurrent`` it handles updates one at a time (PTB's default).
"""

from __future__ import annotations

import argparse
import logging

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    await query.answer("Got it")
    await context.bot.send_message(update.effective_chat.id, f"You pressed {query.data}")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--base-url", required=True, help="the Bot API server, http://host:port")
    options.add_argument("--token", required=True)
    options.add_argument("--concurrent", type=int, default=0, help="updates at once (0: one)")
    args = options.parse_args()
    logging.basicConfig(level=logging.WARNING)
    application = (
        ApplicationBuilder()
        .token(args.token)
        .base_url(f"{args.base_url}/bot")
        .base_file_url(f"{args.base_url}/file/bot")
        .concurrent_updates(args.concurrent or False)
        .build()
    )
    application.add_handler(CallbackQueryHandler(on_press))
    application.run_polling()


if __name__ == "__main__":
    main()
