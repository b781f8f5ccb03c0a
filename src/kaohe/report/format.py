"""How every renderer writes a figure: the terminal, the scorecard, the street results and the desk's pages
show a value, a requirement, a share or a change of points in the same few characters. No rendering library
here: the Excel writer and the desk import these without rich.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from kaohe.model import TargetResult
from kaohe.targets import FieldTest, Requirement, Target
from kaohe.words import Translator


def fmt_number(value: Any) -> str:
    """Points and values without needless decimals: 10, 7.5, 12.35."""
    if isinstance(value, Fraction):
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def yes_no(value: bool, tr: Translator) -> str:
    return tr("yes") if value else tr("no")


def fmt_required(target: Target, result: TargetResult, tr: Translator) -> str:
    """What the target asks, in a few characters: ≥1000, ≥85%, >50%, 全部, 1~2."""
    req = result.required
    if result.over is None and target.level == "street":  # one street's own value
        if isinstance(req, bool):
            return yes_no(req, tr)
        if isinstance(req, list):
            return f"{fmt_number(req[0])}~{fmt_number(req[1])}"
        return f"≥{fmt_number(req)}"
    require: Requirement | None = target.require
    if result.over is not None and target.level != "district":
        require = target.district_rule.require
    if require is None:
        return "—"
    if require.is_every:
        return tr("every")
    if require.share_at_least is not None:
        return f"≥{float(require.share_at_least) * 100:g}%"
    if require.share_more_than is not None:
        return f">{float(require.share_more_than) * 100:g}%"
    if isinstance(req, list):
        return f"{req[0]}~{req[1]}"
    return f"≥{req}" if req is not None else "—"


def fmt_actual(result: TargetResult, tr: Translator) -> str:
    value = result.actual
    if value is None:
        return "—"
    if isinstance(value, bool):
        return yes_no(value, tr)
    if isinstance(value, Fraction):
        return f"{float(value) * 100:.1f}% ({result.passing}/{result.units})"
    return fmt_number(value)


def signed(value: Decimal) -> str:
    """Points moved: +3, -10, 0."""
    text = fmt_number(value)
    return f"+{text}" if value > 0 else text


def fmt_shown(value: Any, tr: Translator) -> str:
    """A figure as a clerk wrote it: 980, 是/否."""
    if isinstance(value, bool):
        return yes_no(value, tr)
    if value is None:
        return "—"
    return fmt_number(value)


def percent(value: float | None) -> str:
    """A district value: every scored target is judged for the district as a share of streets or communities.

    One decimal: 84.8 % must not read as the 85 % it falls short of."""
    return "—" if value is None else f"{value * 100:.1f}%"


def share(value: float | None, target: Target, tr: Translator) -> str:
    if value is None:
        return "—"
    if target.level != "street":
        return percent(value)
    if isinstance(target.test, FieldTest) and target.test.is_ is not None:  # a yes/no street fact
        return yes_no(value >= 0.5, tr)
    return f"{value:g}"
