"""The leaders' live board: a Telegram Mini App served by the bot's own process.

- ``auth``: Telegram's ``initData``, checked on every request; the viewer's role and scope
  come from the database.
- ``views``: what each page shows, as JSON-ready data, from the same services as the chat.
- ``actions``: the roster card's and the alert's actions, through the chat's services.
- ``version``: one cheap database-derived value the page polls to know when to reload.
- ``server``: the tornado handlers on the operator endpoint.
- ``entry``: how leaders open it (``/dashboard``, the menu button).
"""
