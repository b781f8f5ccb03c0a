"""score(targets, intake) -> Report: pure, deterministic, exact.

Shares and ratios are Fractions, numbers are Decimals already rounded by the reader, points are summed
unrounded and rounded half-up once at the end (assessment-2005.md, rules 1, 2 and 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from kaohe.model import Failing, FileInfo, Intake, Report, StreetResult, TargetResult, Unit
from kaohe.targets import AllTest, AnyTest, FieldTest, Target, Targets, Test


def round_half_up(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """Exact half-up rounding of a non-negative or negative rational to `places` decimals."""
    q = Fraction(value) * 10**places
    whole = (q.numerator * 2 + q.denominator) // (2 * q.denominator) if q >= 0 else \
        -((-q.numerator * 2 + q.denominator) // (2 * q.denominator))
    return Decimal(whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def evaluate(test: Test, values: dict[str, Any]) -> bool | None:
    """Three-valued: True, False, or None when a value it needs could not be read."""
    if isinstance(test, AllTest):
        results = [evaluate(t, values) for t in test.all]
        return False if False in results else (None if None in results else True)
    if isinstance(test, AnyTest):
        results = [evaluate(t, values) for t in test.any]
        return True if True in results else (None if None in results else False)
    assert isinstance(test, FieldTest)
    value = values.get(test.field)
    if value is None:
        return None
    op = test.operator
    if op == "is":
        return value is test.is_
    if op == "in":
        return value in (test.in_ or [])
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return False
    if test.between is not None:
        return test.between[0] <= value <= test.between[1]
    bound = getattr(test, op)
    assert isinstance(bound, Decimal)
    return {"at_least": value >= bound, "at_most": value <= bound, "more_than": value > bound,
            "less_than": value < bound}[op]


def _threshold(test: Test) -> Any:
    if not isinstance(test, FieldTest):
        return True
    op = test.operator
    if op == "between":
        return list(test.between or ())
    if op == "is":
        return test.is_
    if op == "in":
        return list(test.in_ or ())
    return getattr(test, op)


def _failing(target: Target, unit: Unit, street: str | None) -> Failing:
    field = target.test.field if isinstance(target.test, FieldTest) else None
    cell = unit.cells.get(field) if field else None
    return Failing(unit.name, street, unit.values.get(field) if field else None, unit.sheet, cell)


def judge_units(target: Target, units: Sequence[tuple[Unit, str | None]], require: Any) -> TargetResult:
    """A target's requirement over a set of communities (or of streets, given as pass/fail units)."""
    applicable = [(u, s) for u, s in units
                  if target.applies_to is None or evaluate(target.applies_to, u.values) is not False]
    outcomes = [evaluate(target.test, u.values) is True for u, _ in applicable]
    n, k = len(applicable), sum(outcomes)
    met = require.met(k, n)
    required_count = require.required_count(n)
    needed = 0 if met else (required_count - k if required_count is not None and required_count > k else None)
    failing = tuple(_failing(target, u, s) for (u, s), ok in zip(applicable, outcomes, strict=True) if not ok)
    if require.is_share:
        actual: Any = Fraction(k, n) if n else None
        required: Any = require.share_at_least if require.share_at_least is not None else require.share_more_than
    else:
        actual = k
        required = list(require.count_between) if require.count_between else (
            require.count_at_most if require.count_at_most is not None else required_count)
    return TargetResult(target.id, met, Decimal(0), target.points, actual, required, needed, n, k, failing)


def _points(target: Target, result: TargetResult, require: Any) -> Fraction:
    full = Fraction(target.points)
    if result.met:
        return full
    method = target.scoring.method
    if method == "all-or-nothing":
        return Fraction(0)
    if method == "deduct":
        assert target.scoring.per_failure is not None
        failures = len(result.failing) if target.level != "street" else 1
        return max(Fraction(0), full - Fraction(target.scoring.per_failure) * failures)
    # proportional: points × min(1, actual / required)
    if target.level == "street":
        value = result.actual
        if value is None or isinstance(value, bool) or not result.required:
            return Fraction(0)
        ratio = Fraction(value) / Fraction(result.required)
    elif require.is_share:
        if result.actual is None or not require.share_at_least:
            return Fraction(0)
        ratio = Fraction(result.actual) / require.share_at_least
    else:
        need = result.required or 0
        ratio = Fraction(result.actual, need) if need else Fraction(1)
    return full * min(Fraction(1), max(Fraction(0), ratio))


def _street_target(target: Target, street: Unit, communities: list[Unit]) -> TargetResult:
    if target.level == "street":
        outcome = evaluate(target.test, street.values)
        met = outcome is True
        field = target.test.field if isinstance(target.test, FieldTest) else None
        actual = street.values.get(field) if field else outcome
        required = _threshold(target.test)
        shortfall = None
        if isinstance(target.test, FieldTest) and target.test.at_least is not None and not met:
            if isinstance(actual, Decimal):
                shortfall = target.test.at_least - actual
        failing = () if met else (Failing(street.name, None, actual, street.sheet,
                                          street.cells.get(field) if field else None),)
        result = TargetResult(target.id, met, Decimal(0), target.points, actual, required, 0 if met else 1,
                              1, 1 if met else 0, failing, shortfall)
    else:
        require = target.require
        assert require is not None
        result = judge_units(target, [(c, None) for c in communities], require)
        if target.level == "district":
            return TargetResult(target.id, None, Decimal(0), target.points, result.passing, None, None,
                                result.units, result.passing)
        if not communities:  # rule 4: no communities listed meets no community target
            return TargetResult(target.id, False, Decimal(0), target.points, None, result.required, None, 0, 0)
    points = _points(target, result, target.require)
    return TargetResult(result.id, result.met, points, result.max_points, result.actual, result.required,
                        result.needed, result.units, result.passing, result.failing, result.shortfall)


def _grade(targets: Targets, score: Decimal, vetoed: bool) -> str:
    if vetoed:
        return targets.veto_grade or targets.lowest_grade.name
    return next(g.name for g in targets.grades if score >= g.min)


def score(targets: Targets, intake: Intake, targets_info: FileInfo | None = None) -> Report:
    """Assess every roster street and the district."""
    results: list[dict[str, Any]] = []
    for street in intake.streets:
        sub = street.submission
        if sub is None or sub.street is None:
            results.append(dict(name=street.name, status=street.status, files=street.files, total=Fraction(0),
                                targets=(), communities=0, rows=sub.rows if sub else None, vetoed=()))
            continue
        unit = Unit(street.name, sub.street.values, sub.street.cells, sub.street.sheet)
        judged = [_street_target(t, unit, sub.communities) for t in targets.targets]
        main = sum((Fraction(r.points) for t, r in zip(targets.targets, judged, strict=True) if not t.bonus),
                   Fraction(0))
        bonus = sum((Fraction(r.points) for t, r in zip(targets.targets, judged, strict=True) if t.bonus),
                    Fraction(0))
        if targets.bonus_cap is not None:
            bonus = min(bonus, Fraction(targets.bonus_cap))
        rounded = tuple(_rounded(r) for r in judged)
        vetoed = tuple(t.id for t, r in zip(targets.targets, judged, strict=True) if t.veto and r.met is False)
        results.append(dict(name=street.name, status=street.status, files=street.files, total=main + bonus,
                            targets=rounded, communities=len(sub.communities), rows=sub.rows, vetoed=vetoed))

    scores = [round_half_up(r["total"]) for r in results]
    ranks = [1 + sum(1 for other in scores if other > s) for s in scores]
    streets = tuple(
        StreetResult(r["name"], r["status"], r["files"], s, _grade(targets, s, bool(r["vetoed"])), rank,
                     r["targets"], r["communities"], r["rows"], r["vetoed"])
        for r, s, rank in zip(results, scores, ranks, strict=True)
    )
    district = tuple(_district_target(t, intake, streets) for t in targets.targets)
    communities = sum(r["communities"] for r in results)
    return Report(targets.period, targets.title, streets, district, tuple(intake.issues), communities,
                  intake.source, intake.roster_file, targets_info.name if targets_info else None, intake.inputs,
                  intake.roster_info, targets_info)


def _rounded(r: TargetResult) -> TargetResult:
    from dataclasses import replace

    return replace(r, points=round_half_up(Fraction(r.points)))


def _district_target(target: Target, intake: Intake, streets: tuple[StreetResult, ...]) -> TargetResult:
    if target.level == "district":
        over, require = "communities", target.require
    else:
        rule = target.district_rule
        over, require = rule.over, rule.require
    assert require is not None
    if over == "streets":
        passing_names = {s.name for s in streets
                         if any(r.id == target.id and r.met for r in s.targets)}
        units = [(Unit(s.name, {"_met": s.name in passing_names}), None) for s in streets]
        met_test = FieldTest.model_validate({"field": "_met", "is": True})
        proxy = target.model_copy(update={"test": met_test, "applies_to": None})
        result = judge_units(proxy, units, require)
        failing = tuple(Failing(f.name) for f in result.failing)
    else:
        pool = [(c, s.name) for s in intake.streets if s.status == "submitted" and s.submission
                for c in s.submission.communities]
        result = judge_units(target, pool, require)
        failing = result.failing
    return TargetResult(target.id, result.met, Decimal(0), target.points, result.actual, result.required,
                        result.needed, result.units, result.passing, failing, over=over)
