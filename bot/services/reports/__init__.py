"""Reports for the street office (街道): a spreadsheet and one picture of charts for a period
and a scope (a team, or the whole community).

- ``period``: this week, this month, last month, or a range of local dates;
- ``figures``: the report's figures, gathered from the registry, call-outs, visits, the
  service-hours ledger (corrections included) and the audit log;
- ``workbook``: the spreadsheet (XLSX), headed in the reader's language;
- ``fonts`` and ``charts``: the picture (PNG, matplotlib's Agg), Chinese in a CJK font;
- ``runs``: reports asked for (``/report``) or due (monthly, to the administrators), produced
  in the background and sent once; ``due`` registers that work with the scheduler.
"""
