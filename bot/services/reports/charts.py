"""The report's one picture: the charts a leader looks at rather than reads — service hours
per week, how long call-outs took to fill, and each day's door-knock coverage.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display), in the
reader's language and the CJK font of ``fonts``. Drawing is CPU work: callers run it in a
thread; a lock keeps one drawing at a time (matplotlib's font objects are shared).
"""

from __future__ import annotations

import html
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.services.reports.figures import CalloutLine, ReportData, VisitDay, WeekHours
from bot.services.reports.fonts import picture_font

if TYPE_CHECKING:  # matplotlib itself is loaded when a picture is drawn, not at start
    from matplotlib.axes import Axes

FILL_TIMES_SHOWN = 15  # the latest call-outs that filled; the spreadsheet has them all
TITLE_CHARACTERS = 18
COLOURS = {"bar": "#2f6db5", "on_time": "#3a9b57", "late": "#e59a2f", "missed": "#c8423b"}
DRAWING = threading.Lock()


def text_of(t: Translator, key: str, **params: object) -> str:
    """A catalog text as a picture shows it: not HTML, and never read as mathtext (``$``)."""
    return literal(html.unescape(t(key, **params)))


def literal(text: str) -> str:
    return text.replace("$", r"\$")


@dataclass(frozen=True)
class ChartTexts:
    """Every word the picture shows, looked up before drawing."""

    title: str
    hours_title: str
    hours_axis: str
    no_hours: str
    fill_title: str
    fill_axis: str
    no_fills: str
    visits_title: str
    no_visits: str
    on_time: str
    late: str
    missed: str

    @classmethod
    def of(cls, t: Translator, data: ReportData) -> ChartTexts:
        scope = data.scope.team_name or html.unescape(t("report.scope.community"))
        made = sum(d.confirmed + d.late for d in data.visits)
        due = sum(d.due for d in data.visits)
        filled = sum(c.fill_minutes is not None for c in data.callouts)
        return cls(
            title=text_of(
                t,
                "report.chart.title",
                community=data.community,
                scope=scope,
                period=data.period.label,
            ),
            hours_title=text_of(t, "report.chart.hours_title"),
            hours_axis=text_of(t, "report.chart.hours_axis"),
            no_hours=text_of(t, "report.chart.no_hours"),
            fill_title=text_of(
                t, "report.chart.fill_title", filled=filled, total=len(data.callouts)
            ),
            fill_axis=text_of(t, "report.chart.fill_axis"),
            no_fills=text_of(t, "report.chart.no_fills"),
            visits_title=text_of(
                t,
                "report.chart.visits_title",
                percent=round(100 * made / due) if due else 0,
            ),
            no_visits=text_of(t, "report.chart.no_visits"),
            on_time=text_of(t, "report.chart.on_time"),
            late=text_of(t, "report.chart.late"),
            missed=text_of(t, "report.chart.missed"),
        )


def render_charts(t: Translator, data: ReportData) -> bytes:
    """The PNG."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    texts = ChartTexts.of(t, data)
    with DRAWING, matplotlib.rc_context(picture_font().rc()):
        figure = Figure(figsize=(10, 13), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        top, middle, bottom = figure.subplots(3, 1)
        figure.suptitle(texts.title, fontsize=16)
        _weekly_hours(top, data.weeks, texts)
        _fill_times(middle, data.callouts, texts)
        _visit_coverage(bottom, data.visits, texts)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _nothing(axes: Axes, title: str, note: str) -> None:
    axes.set_title(title)
    axes.text(0.5, 0.5, note, ha="center", va="center", transform=axes.transAxes, color="#666")
    axes.set_xticks([])
    axes.set_yticks([])


def _weekly_hours(axes: Axes, weeks: Sequence[WeekHours], texts: ChartTexts) -> None:
    if not any(week.minutes for week in weeks):
        _nothing(axes, texts.hours_title, texts.no_hours)
        return
    labels = [week.week_start.strftime("%m-%d") for week in weeks]
    values = [round(week.minutes / 60, 1) for week in weeks]
    bars = axes.bar(labels, values, color=COLOURS["bar"], width=0.6)
    axes.bar_label(bars, labels=[f"{v:g}" if v else "" for v in values], padding=2)
    axes.set_title(texts.hours_title)
    axes.set_ylabel(texts.hours_axis)
    axes.margins(y=0.15)


def _fill_times(axes: Axes, callouts: Sequence[CalloutLine], texts: ChartTexts) -> None:
    filled = [c for c in callouts if c.fill_minutes is not None][-FILL_TIMES_SHOWN:]
    if not filled:
        _nothing(axes, texts.fill_title, texts.no_fills)
        return
    labels = [f"{_short(c.title)} {c.starts_at.strftime('%m-%d')}" for c in filled]
    values = [c.fill_minutes or 0 for c in filled]
    bars = axes.barh(range(len(filled)), values, color=COLOURS["bar"], height=0.5)
    axes.set_yticks(range(len(filled)), labels=labels)
    # The earliest on top, as in the spreadsheet; room for a few bars, so one is not a block.
    axes.set_ylim(max(len(filled), 5) - 0.5, -0.5)
    axes.bar_label(bars, fmt="%d", padding=3)
    axes.set_title(texts.fill_title)
    axes.set_xlabel(texts.fill_axis)
    axes.margins(x=0.12)


def _short(title: str) -> str:
    title = literal(title)
    return title if len(title) <= TITLE_CHARACTERS else title[: TITLE_CHARACTERS - 1] + "…"


def _visit_coverage(axes: Axes, days: Sequence[VisitDay], texts: ChartTexts) -> None:
    shown = [d for d in days if d.due]
    if not shown:
        _nothing(axes, texts.visits_title, texts.no_visits)
        return
    labels = [d.day.strftime("%m-%d") for d in shown]
    on_time = [d.confirmed for d in shown]
    late = [d.late for d in shown]
    missed = [d.missed for d in shown]
    width = 0.6
    axes.bar(labels, on_time, width, color=COLOURS["on_time"], label=texts.on_time)
    axes.bar(labels, late, width, bottom=on_time, color=COLOURS["late"], label=texts.late)
    below = [a + b for a, b in zip(on_time, late, strict=True)]
    axes.bar(labels, missed, width, bottom=below, color=COLOURS["missed"], label=texts.missed)
    axes.set_title(texts.visits_title)
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=3, frameon=False)
    if len(shown) > 10:
        axes.tick_params(axis="x", labelrotation=60)
