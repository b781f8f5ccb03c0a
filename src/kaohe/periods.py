"""Periods: the labels kaohe assesses (2005, 2005-H1, 2005-Q3, 2005-M09) and the period a workbook's title
names in words (2005年上半年, 2005年第三季度, 2005年9月).

One grammar for the command line, the desk and the reader. The words of the halves and quarters are the
targets file's (`layout.period_parts`); the months are numbers (9月, 09月).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kaohe.errors import KaoheError

PERIOD = r"\d{4}(?:-(?:H[12]|Q[1-4]|M(?:0[1-9]|1[0-2])))?"


def check_period(period: str) -> str:
    """A period label as kaohe places it in its year: 2005, 2005-H1, 2005-Q3, 2005-M09 (else a KaoheError)."""
    if not re.fullmatch(PERIOD, period):
        raise KaoheError(key="err.period", period=period)
    return period


_YEAR = re.compile(r"((?:19|20)\d\d)\s*年?")
_DAY = re.compile(r"\s*\d{1,2}\s*[日号]")
_MONTH = re.compile(r"^\s*(?:度\s*)?(?:第\s*)?(0?[1-9]|1[0-2])\s*月")


def named_periods(text: str, parts: Mapping[Any, Sequence[str]]) -> list[str]:
    """The periods a title names, as labels: 2005年上半年 → 2005-H1, 2005年第三季度 → 2005-Q3, 2005年9月 →
    2005-M09, 2005年度 → 2005. `parts` maps H1…Q4 to the words for them (layout.period_parts)."""
    found: list[str] = []
    for m in _YEAR.finditer(text):
        year, rest = m.group(1), text[m.end():]
        label = year
        words = sorted(((w, p) for p, ws in parts.items() for w in ws), key=lambda wp: -len(wp[0]))
        after = rest.lstrip(" 度")
        for word, part in words:
            if after.startswith(word):
                label = f"{year}-{part}"
                break
        else:
            month = _MONTH.match(rest)
            if month and _DAY.match(rest[month.end():]):
                continue  # a date (填报日期：2005年12月20日) says when, not which period
            if month:
                label = f"{year}-M{int(month.group(1)):02d}"
        found.append(label)
    return found


def year_of(period: str) -> str | None:
    """The year of a period label (2005 of 2005-H1), or of any text naming one; None when it names none."""
    found = _YEAR_ONLY.search(period)
    return found.group(0) if found else None


def named_years(text: str, parts: Mapping[Any, Sequence[str]]) -> set[str]:
    """The years a text names as periods (named_periods, halves and months folded into their year; dates
    left out): {2004} for …统计表（2004年上半年）."""
    return {label.split("-")[0] for label in named_periods(text, parts)}


_YEAR_ONLY = re.compile(r"(?:19|20)\d\d")


def same_period(named: str, assessed: str) -> bool:
    """Whether a title's period agrees with the one assessed: the same label, or the year alone of it (a title
    naming 2005 fits an assessment of 2005-H1; one naming 2005-H1 does not fit the whole of 2005)."""
    return named == assessed or named == assessed.split("-")[0]
