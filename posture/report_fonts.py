"""The fonts the PDF report prints with, and whether they can print a text: the report must say whose it is.

DejaVu Sans (matplotlib's own copy, so always here) prints Latin, Greek with
its accents, Cyrillic, Armenian, Georgian, Hebrew and Arabic (joined by
HarfBuzz, uharfbuzz); Droid Sans Fallback (Debian's fonts-droid-fallback)
prints Chinese, Japanese and full-width Latin, and Nanum Gothic (Debian's
fonts-nanum) Korean; both are installed by dev.sh's two commands. A new
client's pseudonym must be printable by them (records.new_pseudonym), so every
report names its client in letters, never in boxes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

REGULAR, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"
FALLBACKS = {"DroidSansFallback": Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
             "NanumGothic": Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")}
SCRIPTS = "Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic, Chinese, Japanese or Korean"   # what they print
RIGHT_TO_LEFT = {"R", "AL"}                       # bidirectional classes of Hebrew and Arabic letters


@cache
def files() -> dict[str, Path]:
    """Each font's file (matplotlib, whose copy of DejaVu this is, is imported only when a report is made)."""
    import matplotlib

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {REGULAR: dejavu / "DejaVuSans.ttf", BOLD: dejavu / "DejaVuSans-Bold.ttf",
            ITALIC: dejavu / "DejaVuSans-Oblique.ttf", **FALLBACKS}


@cache
def _glyphs(font: str) -> frozenset[int]:
    """The characters a font has a glyph for (none when its file is missing)."""
    from fontTools.ttLib import TTFont

    path = files()[font]
    return frozenset(TTFont(path).getBestCmap()) if path.exists() else frozenset()


def unprintable(text: str) -> str:
    """The characters of `text` no report font prints ('' when every one prints)."""
    return "".join(dict.fromkeys(c for c in text if not c.isspace() and _font_for(c) is None))


def _font_for(c: str) -> str | None:
    return next((f for f in (REGULAR, *FALLBACKS) if ord(c) in _glyphs(f)), None)


def register() -> None:
    """The report's fonts made known to ReportLab, DejaVu Sans as one family (bold and italic too)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name, path in files().items():
        if path.exists():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


def markup(text: str) -> str:
    """Text as a ReportLab paragraph shows it, never as markup: escaped, each run in the font that has its
    characters, and a right-to-left name's words in right-to-left order (HarfBuzz orders the letters of each)."""
    out = []
    for font, run in _runs(_words_right_to_left(text)):
        out.append(escape(run) if font == REGULAR else f'<font name="{font}">{escape(run)}</font>')
    return "".join(out)


def _runs(text: str) -> list[tuple[str, str]]:
    runs: list[tuple[str, str]] = []
    for c in text:
        font = REGULAR if c.isspace() else _font_for(c) or REGULAR
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + c)
        else:
            runs.append((font, c))
    return runs


def _words_right_to_left(text: str) -> str:
    """Each stretch of right-to-left words (with the spaces between them) with its words reversed."""
    def rtl(word: str) -> bool:
        return any(unicodedata.bidirectional(c) in RIGHT_TO_LEFT for c in word)

    words = re.split(r"(\s+)", text)
    out, stretch = [], []
    for w in words:
        if rtl(w) or (stretch and w.isspace()):
            stretch.append(w)
            continue
        out += _reversed(stretch) + [w]
        stretch = []
    return "".join(out + _reversed(stretch))


def _reversed(stretch: list[str]) -> list[str]:
    """Right-to-left words in reverse order, a trailing space left where it was."""
    tail = [stretch.pop()] if stretch and stretch[-1].isspace() else []
    return stretch[::-1] + tail
