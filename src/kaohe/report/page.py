"""The printed page of kaohe's workbooks, as one model: A4 landscape, its margins, how wide a column and how
tall a row of text are, and the print scale that fits a sheet's columns on the page.

Sheets print "fit to width": each program picks its own scale, and they differ — the same column is ~7 px
a unit in Excel with 等线 and ~9.6 px in LibreOffice, whose CJK fallback font is wider. So the model keeps
both bounds: charts are sized for the page at 100 % (any smaller scale only leaves them more room below a
page break), and readability is judged at the widest rendering (`worst_scale`: the issue list must stay at
90 % or more there). tests/test_print.py checks the model against LibreOffice's PDF of the same file.
"""

from __future__ import annotations

import math
import unicodedata
from functools import lru_cache

# A4 landscape, inches
PAPER_WIDTH, PAPER_HEIGHT = 11.69, 8.27
MARGIN_LEFT = MARGIN_RIGHT = 0.4
MARGIN_TOP, MARGIN_BOTTOM = 0.6, 0.75
HEADER_MARGIN, FOOTER_MARGIN = 0.3, 0.3  # inside the top and bottom margins: the footer is never clipped
PRINT_WIDTH = (PAPER_WIDTH - MARGIN_LEFT - MARGIN_RIGHT) * 72  # points
PRINT_HEIGHT = (PAPER_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) * 72

FONT = "等线"  # Office's Chinese default (DengXian); LibreOffice falls back to its CJK sans (Noto Sans CJK)
FONT_SIZE = 10
LINE = 15.0  # points a line of 10-point text takes, CJK included (a row of one line)
CHAR_PX = 7.5  # pixels per unit of column width in Excel (等线 10 pt), a little over its digit width
CHAR_PX_WIDE = 9.6  # the same in LibreOffice, measured from its PDF (its CJK fallback font is wider)


@lru_cache(maxsize=65536)
def text_width(text: str) -> int:
    """How many column-width units a text takes: CJK and full-width characters two, others one."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_points(width: float, px: float = CHAR_PX) -> float:
    """A column `width` units wide (as set; the file stores it with Excel's padding, +0.71) in points."""
    return ((width + 0.71) * px + 5) * 0.75


def scale_for(widths: list[float], px: float = CHAR_PX) -> int:
    """The print scale (percent) at which these columns fill the page's width, at most 100."""
    total = sum(column_points(w, px) for w in widths)
    return max(10, min(100, math.floor(PRINT_WIDTH / total * 100))) if total else 100


def worst_scale(widths: list[float]) -> int:
    """The scale "fit to width" comes to in the program that draws columns widest (LibreOffice)."""
    return scale_for(widths, CHAR_PX_WIDE)


# How many column units a CJK character takes when a text wraps: 13.3 px at 10 pt over Excel's 7.5 px a unit
# (LibreOffice's wider units make it 1.4 there). Counting it as 2, as column widths do to be safe, made rows of
# one printed line twice as tall: a blank gap under every such row.
CJK_WRAP_UNITS = 1.8


@lru_cache(maxsize=65536)
def lines(text: str, width: float) -> int:
    """How many lines a wrapped text takes in a column `width` units wide."""
    if len(text) * 2 <= width - 1 and "\n" not in text:  # short: one line, whatever its characters
        return 1
    room = max(1.0, width - 1)
    return sum(max(1, math.ceil(_wrap_width(part) / room)) for part in text.split("\n"))


def _wrap_width(text: str) -> float:
    if text.isascii():
        return len(text)
    return sum(CJK_WRAP_UNITS if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def page_rows(heights: list[float], scale: int, breaks: set[int], repeated: float = 0.0) -> list[int]:
    """The first row (0-based) of every printed page: `heights` in points, manual `breaks` (a break at r:
    row r starts a page), `repeated` the points of the rows repeated on every page after the first."""
    room = PRINT_HEIGHT * 100 / scale
    starts = [0]
    used = 0.0
    for row, height in enumerate(heights):
        if row in breaks and row != starts[-1]:
            starts.append(row)
            used = repeated
        elif used + height > room and row != starts[-1]:
            starts.append(row)
            used = repeated
        used += height
    return starts
