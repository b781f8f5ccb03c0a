"""A targets file in plain words: what `kaohe targets check` prints once the file is valid."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from kaohe.targets import AllTest, AnyTest, FieldTest, Requirement, Target, Targets, Test


def _num(value: Decimal | Fraction | int) -> str:
    if isinstance(value, Fraction):
        return f"{float(value) * 100:g}%"
    text = f"{value}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _test(test: Test, targets: Targets, level: str, lang: str) -> str:
    fields = targets.fields.street if level == "street" else targets.fields.community
    if isinstance(test, AllTest):
        return (" 且 " if lang == "zh" else " and ").join(f"({_test(t, targets, level, lang)})" for t in test.all)
    if isinstance(test, AnyTest):
        return (" 或 " if lang == "zh" else " or ").join(f"({_test(t, targets, level, lang)})" for t in test.any)
    assert isinstance(test, FieldTest)
    label = fields[test.field].title(lang)
    op = test.operator
    if op == "is":
        yes = ("为“是”" if test.is_ else "为“否”") if lang == "zh" else ("is yes" if test.is_ else "is no")
        return f"{label}{yes}" if lang == "zh" else f"{label} {yes}"
    if op == "in":
        values = "、".join(test.in_ or [])
        return f"{label}属于{values}" if lang == "zh" else f"{label} is one of {values}"
    if op == "between":
        low, high = test.between or (0, 0)
        if lang == "zh":
            return f"{label}在{_num(low)}~{_num(high)}之间"
        return f"{label} between {_num(low)} and {_num(high)}"
    symbol = {"at_least": "≥", "at_most": "≤", "more_than": ">", "less_than": "<"}[op]
    return f"{label} {symbol} {_num(getattr(test, op))}"


def _require(req: Requirement, unit: str, lang: str) -> str:
    zh = lang == "zh"
    if req.is_every:
        return f"每个{unit}都须满足" if zh else f"every {unit} must meet it"
    if req.share_at_least is not None:
        share = _num(req.share_at_least)
        return f"至少{share}的{unit}满足" if zh else f"at least {share} of {unit}s"
    if req.share_more_than is not None:
        return f"超过{_num(req.share_more_than)}的{unit}满足（严格多于）" if zh else \
            f"strictly more than {_num(req.share_more_than)} of {unit}s"
    if req.count_at_least is not None:
        return f"至少{req.count_at_least}个{unit}满足" if zh else f"at least {req.count_at_least} {unit}s"
    if req.count_at_most is not None:
        return f"至多{req.count_at_most}个{unit}满足" if zh else f"at most {req.count_at_most} {unit}s"
    if req.count_between is not None:
        low, high = req.count_between
        return f"{low}~{high}个{unit}满足" if zh else f"{low} to {high} {unit}s"
    ratio = req.count_at_least_ratio or Fraction(0)
    return (f"满足的{unit}数至少为{unit}总数×{ratio}（向上取整）" if zh else
            f"at least ⌈n × {ratio}⌉ of n {unit}s")


def _scoring(target: Target, lang: str) -> str:
    zh = lang == "zh"
    points = _num(target.points)
    if not target.points:
        return "不计分（参考指标）" if zh else "advisory: 0 points"
    method = target.scoring.method
    if method == "all-or-nothing":
        text = f"达标得{points}分，否则0分" if zh else f"{points} points if met, else 0"
    elif method == "proportional":
        text = f"按完成比例得分，最多{points}分" if zh else f"{points} × min(1, actual / required)"
    else:
        step = _num(target.scoring.per_failure or 0)
        text = f"{points}分，每有一个不达标扣{step}分，扣完为止" if zh else \
            f"{points} points, minus {step} per failing unit, down to 0"
    if target.bonus:
        text += "（加分项）" if zh else " (bonus)"
    if target.veto:
        text += "；一票否决" if zh else "; veto: failing it caps the grade"
    return text


def explain(targets: Targets, lang: str = "zh") -> list[str]:
    """One paragraph per target, then the grade bands, in plain words."""
    zh = lang == "zh"
    lines = [f"{targets.title_en if not zh and targets.title_en else targets.title}（{targets.period}）" if zh else
             f"{targets.title_en or targets.title} ({targets.period})"]
    total = _num(targets.max_points)
    scored = sum(1 for t in targets.targets if t.points)
    lines.append(f"计分指标{scored}项，满分{total}分；参考指标{len(targets.targets) - scored}项。" if zh else
                 f"{scored} scored targets worth {total} points; {len(targets.targets) - scored} advisory.")
    for t in targets.targets:
        unit = "社区" if zh else "community"
        what = _test(t.test, targets, "street" if t.level == "street" else "community", lang)
        if t.level == "street":
            rule = (f"每个街道：{what}" if zh else f"each street: {what}")
        else:
            assert t.require is not None
            scope = "全区" if t.level == "district" else ("每个街道的社区中" if zh else "within each street")
            rule = f"{scope}，{_require(t.require, unit, lang)}：{what}" if zh else \
                f"{scope}, {_require(t.require, unit, lang)}: {what}"
            if t.applies_to is not None:
                cond = _test(t.applies_to, targets, "community", lang)
                rule += f"（只计{cond}的社区）" if zh else f" (only communities where {cond})"
        lines.append(f"- {t.id}  {t.name(lang)}")
        lines.append(f"    {rule}；{_scoring(t, lang)}。" if zh else f"    {rule}; {_scoring(t, lang)}.")
        if t.level != "district":
            rule_d = t.district_rule
            unit_d = ("街道" if zh else "street") if rule_d.over == "streets" else unit
            lines.append(f"    全区：{_require(rule_d.require, unit_d, lang)}。" if zh else
                         f"    district: {_require(rule_d.require, unit_d, lang)}.")
    bands = "，".join(f"{g.title(lang)} ≥ {_num(g.min)}" for g in targets.grades)
    lines.append(f"等次：{bands}。" if zh else f"Grades: {bands}.")
    if targets.bonus_cap is not None:
        lines.append(f"加分合计不超过{_num(targets.bonus_cap)}分。" if zh else
                     f"Bonus points are capped at {_num(targets.bonus_cap)}.")
    return lines
