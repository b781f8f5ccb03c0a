"""Renderers of a Report: terminal tables, the kaohe.report/1 JSON document, CSV."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any


def a4_landscape(ws: Any, repeat_rows: str) -> None:
    """Print setup shared by the scorecard and the templates: A4 landscape, fit to width, rows repeated."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = repeat_rows
    ws.oddFooter.center.text = "&P / &N"


def plain(value: Any) -> Any:
    """A result value as JSON/CSV sees it: shares as 4-decimal floats, Decimals as int or float."""
    if isinstance(value, Fraction):
        return round(value.numerator / value.denominator, 4)  # true division: correctly rounded, as float()
    if isinstance(value, Decimal):  # 1200.00 and 1200 alike print as 1200; 150.5 as 150.5
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value  # None, bools, ints and texts as they are
