"""Call-outs: a leader asks for volunteers, the right people are asked in their language,
places are filled first come first served by the database, and the leader watches it on one
roster card.

- ``drafts``: what a leader fills in, validated, and ``create_callout``;
- ``audience``: who is asked, as one SQL query;
- ``views``: the texts and buttons a volunteer sees;
- ``delivery``: asking the audience (and team group chats), reminding, widening;
- ``filling``: I'll go / Can't go / Withdraw, the waiting line and promotion;
- ``roster``: the leader's card, its counts, and closing or cancelling;
- ``export``: the roster as a spreadsheet;
- ``listing``: ``/callouts`` for leaders and ``/tasks`` for volunteers;
- ``escalation``: the waves run when a call-out is still short in time;
- ``reminders``: "still coming?" before the start;
- ``rescheduling``: a new time, told to those coming;
- ``checkin``: check-in (button, ``/checkin``, the QR code's link), check-out and its hours;
- ``corrections``: a leader correcting a volunteer's hours;
- ``due``: all of the above that the scheduler runs on its own.
"""
