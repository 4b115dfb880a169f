"""The report's picture: Chinese labels are drawn in the CJK font the project installs, not as
empty boxes; text typed by people never breaks the drawing."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image

from bot.i18n import Translator
from bot.services.reports.charts import ChartTexts, render_charts
from bot.services.reports.figures import (
    CalloutLine,
    ReportData,
    Scope,
    Totals,
    VisitDay,
    WeekHours,
)
from bot.services.reports.fonts import picture_font
from bot.services.reports.period import Period

ZONE = ZoneInfo("Asia/Shanghai")
MADE = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def a_month(community: str = "阳光社区", team: str | None = "巡逻队") -> ReportData:
    return ReportData(
        community=community,
        period=Period(date(2026, 11, 1), date(2026, 11, 21)),
        scope=Scope(1 if team else None, team),
        made_at=MADE,
        totals=Totals(),
        callouts=(
            CalloutLine(1, "疫苗接种值守", MADE, "open", 20, 20, 18, 95),
            CalloutLine(2, "防汛巡逻 $x$", MADE, "closed", 10, 4, 4, None),
        ),
        visits=(VisitDay(date(2026, 11, 18), due=10, confirmed=8, late=1, missed=1, alerts=1),),
        weeks=(WeekHours(date(2026, 11, 16), 750),),
    )


def glyphs_missing(path: str, index: int, text: str) -> set[str]:
    face = FT2Font(path, face_index=index)
    return {ch for ch in text if not ch.isspace() and face.get_char_index(ord(ch)) == 0}


def test_the_font_comes_from_the_installed_package_and_matplotlib_resolves_it() -> None:
    font = picture_font()
    assert font.path.is_file() and "manimgx_fonts_cjk" in str(font.path)
    wanted = font_manager.FontProperties(family=font.family, weight=font.weight)
    assert font_manager.findfont(wanted, fallback_to_default=False) == str(font.path)


def test_every_chinese_label_has_its_glyphs_in_the_font() -> None:
    font = picture_font()
    texts = ChartTexts.of(Translator("zh", ZONE), a_month())
    labels = "".join(str(value) for value in vars(texts).values())
    assert "每周服务时长" in labels
    assert glyphs_missing(str(font.path), font.index, labels) == set()
    # The check itself catches tofu: matplotlib's default font has none of these glyphs.
    default = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    assert "时" in glyphs_missing(default, 0, labels)


def test_the_chinese_picture_is_drawn_without_falling_back_to_boxes() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_charts(Translator("zh", ZONE), a_month())
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1000, 1300)


def test_an_empty_period_and_dollar_signs_in_names_still_draw() -> None:
    empty = ReportData(
        community="Sunshine $5$ Community",
        period=Period(date(2026, 11, 1), date(2026, 11, 7)),
        scope=Scope(),
        made_at=MADE,
        totals=Totals(),
    )
    png = render_charts(Translator("en", ZONE), empty)
    assert Image.open(io.BytesIO(png)).format == "PNG"
