"""A volunteer's certificate of service hours as a picture (PNG, A4 landscape), in their
language and the CJK font of ``fonts``. Drawing is CPU work: callers run it in a thread."""

from __future__ import annotations

import io

from bot.i18n import Translator
from bot.services.recognition import Certificate, hours_figure
from bot.services.reports.charts import DRAWING, literal, text_of
from bot.services.reports.fonts import picture_font

A4_LANDSCAPE = (11.69, 8.27)  # inches
DPI = 150
GOLD, INK = "#b08d3c", "#222222"


def certificate_lines(t: Translator, certificate: Certificate) -> dict[str, str]:
    """Every text on the certificate, looked up before drawing."""
    period = certificate.period
    return {
        "title": text_of(t, "recognition.certificate.title"),
        "certify": text_of(t, "recognition.certificate.certify"),
        "name": literal(certificate.name),
        "served": text_of(
            t,
            "recognition.certificate.served",
            hours=hours_figure(certificate.minutes),
            community=certificate.community,
        ),
        "period": text_of(
            t,
            "recognition.certificate.period",
            first=period.first.isoformat(),
            last=period.last.isoformat(),
        ),
        "issued": text_of(
            t,
            "recognition.certificate.issued",
            community=certificate.community,
            day=certificate.issued_on.isoformat(),
            number=certificate.number,
        ),
    }


def draw_certificate(t: Translator, certificate: Certificate) -> bytes:
    # matplotlib is loaded when a picture is drawn, not at start.
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    lines = certificate_lines(t, certificate)
    with DRAWING, matplotlib.rc_context(picture_font().rc()):
        figure = Figure(figsize=A4_LANDSCAPE, dpi=DPI)
        FigureCanvasAgg(figure)
        for inset, width in ((0.03, 4), (0.045, 1.2)):
            figure.add_artist(
                Rectangle(
                    (inset, inset * 1.41),
                    1 - 2 * inset,
                    1 - 2 * inset * 1.41,
                    transform=figure.transFigure,
                    fill=False,
                    edgecolor=GOLD,
                    linewidth=width,
                )
            )
        place = {
            "title": (0.80, 34, GOLD),
            "certify": (0.64, 18, INK),
            "name": (0.53, 40, INK),
            "served": (0.40, 18, INK),
            "period": (0.32, 16, INK),
            "issued": (0.14, 12, "#555555"),
        }
        for key, (height, size, colour) in place.items():
            figure.text(
                0.5, height, lines[key], ha="center", va="center", fontsize=size, color=colour
            )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
