"""Announcements (``/broadcast``): a leader tells an audience something and sees who read it.

- ``audience``: who receives it (the call-outs' targeting, as one SQL condition);
- ``drafts``: what a leader fills in, creating, editing and withdrawing a pending one;
- ``delivery``: sending it (now, or at its time by the scheduler) and reminding the unread;
- ``acks``: a recipient's "Got it";
- ``card``: the sender's status card (delivered / read / undelivered), kept current;
- ``buttons`` and ``views``: the callback data and the texts.
"""
