"""A targets file in plain words: what `kaohe targets check` prints once the file is valid."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from kaohe.targets import AllTest, AnyTest, FieldTest, Requirement, Target, Targets, Test
from kaohe.words import Translator


def _num(value: Decimal | Fraction | int) -> str:
    if isinstance(value, Fraction):
        return f"{float(value) * 100:g}%"
    text = f"{value}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _test(test: Test, targets: Targets, level: str, tr: Translator) -> str:
    fields = targets.fields.street if level == "street" else targets.fields.community
    if isinstance(test, AllTest):
        return tr("explain.and").join(f"({_test(t, targets, level, tr)})" for t in test.all)
    if isinstance(test, AnyTest):
        return tr("explain.or").join(f"({_test(t, targets, level, tr)})" for t in test.any)
    assert isinstance(test, FieldTest)
    label = fields[test.field].title(tr.lang)
    op = test.operator
    if op == "is":
        return tr("explain.is_yes" if test.is_ else "explain.is_no", label=label)
    if op == "in":
        return tr("explain.in", label=label, values="、".join(test.in_ or []))
    if op == "between":
        low, high = test.between or (0, 0)
        return tr("explain.between", label=label, low=_num(low), high=_num(high))
    symbol = {"at_least": "≥", "at_most": "≤", "more_than": ">", "less_than": "<"}[op]
    return f"{label} {symbol} {_num(getattr(test, op))}"


def _require(req: Requirement, over: str, tr: Translator) -> str:
    """`over`: community or street; the words name it in the singular and the plural."""
    unit, units = tr(f"explain.unit_{over}"), tr(f"explain.units_{over}")
    if req.is_every:
        return tr("explain.every", unit=unit)
    if req.share_at_least is not None:
        return tr("explain.share_at_least", share=_num(req.share_at_least), unit=unit, units=units)
    if req.share_more_than is not None:
        return tr("explain.share_more_than", share=_num(req.share_more_than), unit=unit, units=units)
    if req.count_at_least is not None:
        return tr("explain.count_at_least", n=req.count_at_least, unit=unit, units=units)
    if req.count_at_most is not None:
        return tr("explain.count_at_most", n=req.count_at_most, unit=unit, units=units)
    if req.count_between is not None:
        low, high = req.count_between
        return tr("explain.count_between", low=low, high=high, unit=unit, units=units)
    return tr("explain.count_ratio", ratio=req.count_at_least_ratio or Fraction(0), unit=unit, units=units)


def _scoring(target: Target, tr: Translator) -> str:
    points = _num(target.points)
    if not target.points:
        return tr("explain.advisory")
    method = target.scoring.method
    if method == "all-or-nothing":
        text = tr("explain.all_or_nothing", points=points)
    elif method == "proportional":
        text = tr("explain.proportional", points=points)
    else:
        text = tr("explain.deduct", points=points, step=_num(target.scoring.per_failure or 0))
    if target.bonus:
        text += tr("explain.bonus")
    if target.veto:
        text += tr("explain.veto")
    return text


def explain(targets: Targets, tr: Translator) -> list[str]:
    """One paragraph per target, then the grade bands, in plain words."""
    lines = [tr("explain.title", title=tr.pick(targets.title, targets.title_en), period=targets.period)]
    scored = sum(1 for t in targets.targets if t.points)
    lines.append(tr("explain.summary", scored=scored, total=_num(targets.max_points),
                    advisory=len(targets.targets) - scored))
    for t in targets.targets:
        what = _test(t.test, targets, "street" if t.level == "street" else "community", tr)
        if t.level == "street":
            rule = tr("explain.each_street", what=what)
        else:
            assert t.require is not None
            scope = tr("explain.scope_district" if t.level == "district" else "explain.scope_street")
            rule = tr("explain.rule", scope=scope, require=_require(t.require, "community", tr), what=what)
            if t.applies_to is not None:
                rule += tr("explain.only", cond=_test(t.applies_to, targets, "community", tr))
        lines.append(f"- {t.id}  {t.name(tr.lang)}")
        lines.append(tr("explain.line", rule=rule, scoring=_scoring(t, tr)))
        if t.level != "district":
            rule_d = t.district_rule
            over = "street" if rule_d.over == "streets" else "community"
            lines.append(tr("explain.district", require=_require(rule_d.require, over, tr)))
    bands = tr("explain.list_sep").join(f"{g.title(tr.lang)} ≥ {_num(g.min)}" for g in targets.grades)
    lines.append(tr("explain.grades", bands=bands))
    if targets.bonus_cap is not None:
        lines.append(tr("explain.bonus_cap", cap=_num(targets.bonus_cap)))
    return lines
