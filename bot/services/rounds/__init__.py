"""Door-knock rounds for elderly people living alone (幸福来敲门).

- ``registry``, ``elder_sheets`` (+ ``spreadsheet``): the elders cared for, for leaders, as a
  list or a spreadsheet; ``people`` holds the privacy rule for their details;
- ``schedule``: round times become visits and one prompt per visitor (``local_time`` turns
  local clock times into instants, DST-safe);
- ``visits``: the visitors' answers; ``escalation``: alerts, step by step, and their closing;
- ``duty``: the duty rota; ``summary``: the daily summary and today's state;
- ``messages``, ``facts``, ``buttons``: what the messages say and carry;
- ``jobs``: the one piece of due work the scheduler runs.
"""
