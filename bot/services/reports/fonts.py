"""The font pictures are drawn in: Noto Sans CJK SC, from the ``manimgx-fonts-cjk`` package.

That package is the font file itself inside its wheel (nothing is fetched at run time), under
the SIL Open Font License. It is one collection of Noto Sans CJK (JP, KR, SC, TC, HK faces) as
a variable font; matplotlib reads each face of the collection, and we take the Simplified
Chinese one. It covers Latin too, so English pictures use it as well and look the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

FONT_PACKAGE = "manimgx_fonts_cjk"
FONT_FILE = "NotoSansCJK-VF.otf.ttc"
FAMILY = "Noto Sans CJK SC"


@dataclass(frozen=True)
class PictureFont:
    family: str
    path: Path
    index: int  # the face within the collection
    weight: int | str  # as matplotlib registered it (the variable font's default instance)

    def rc(self) -> dict[RcKeyType, Any]:
        """matplotlib settings that draw every text of a figure in this face."""
        weight: dict[RcKeyType, Any] = {
            name: self.weight
            for name in (
                "font.weight",
                "axes.titleweight",
                "axes.labelweight",
                "figure.titleweight",
            )
        }
        return {"font.family": [self.family], **weight, "axes.unicode_minus": False}


@cache
def picture_font() -> PictureFont:
    """Register the font with matplotlib (once) from the installed file."""
    from matplotlib import font_manager  # loaded with the first picture, not at start

    path = Path(str(files(FONT_PACKAGE) / FONT_FILE))
    font_manager.fontManager.addfont(str(path))
    entry = next(
        e for e in font_manager.fontManager.ttflist if Path(e.fname) == path and e.name == FAMILY
    )
    return PictureFont(FAMILY, path, getattr(entry, "index", 0), entry.weight)
