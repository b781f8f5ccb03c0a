"""score(targets, intake) -> Report: pure, deterministic, exact.

Shares and ratios are Fractions, numbers are Decimals already rounded by the reader, points are summed
unrounded and rounded half-up once at the end (assessment-2005.md, rules 1, 2 and 6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from kaohe.model import (
    Communities,
    Failing,
    FailingUnits,
    FileInfo,
    Intake,
    Judged,
    Report,
    StreetResult,
    Submission,
    TargetResult,
    Unit,
    columns_of,
)
from kaohe.targets import AllTest, AnyTest, FieldTest, Target, Targets, Test

ZERO = Decimal("0.00")


def round_half_up(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """Exact half-up rounding of a non-negative or negative rational to `places` decimals."""
    q = Fraction(value) * 10**places
    whole = (q.numerator * 2 + q.denominator) // (2 * q.denominator) if q >= 0 else \
        -((-q.numerator * 2 + q.denominator) // (2 * q.denominator))
    return Decimal(whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))


class _OneUnit(dict[str, list[Any]]):
    """One unit's values seen as columns of one value, for the column tests."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__()
        self.unit = values

    def get(self, field: str, default: Any = None) -> Any:
        return [self.unit[field]] if field in self.unit else default


Columns = Mapping[str, list[Any]]  # field → one value per community (model.Communities.columns)
Many = Callable[[Columns, int], list["bool | None"]]


class Scorer:
    """Scores streets under one targets file, and owns what that work can reuse within a run.

    Speed lives here and nowhere else in scoring: each test compiled once into comprehensions over columns; a
    verdict, the points of a community target and a rounded total depend on (target, n, k) or the exact
    value alone, so each is worked out once. The memos are keyed by the ids of targets objects this Scorer
    holds (so an id cannot be reused while it lives) and die with it: one Scorer per run, per targets file.
    """

    def __init__(self, targets: Targets) -> None:
        self.targets = targets
        self._tests: dict[int, Many] = {}
        self._verdicts: dict[tuple[int, int, int, int], TargetResult] = {}
        self._points: dict[tuple[int, int | None, int | None], tuple[Fraction, Decimal]] = {}
        self._rounded: dict[Fraction, Decimal] = {}
        self._positions = {t.id: k for k, t in enumerate(targets.targets)}

    def rounded(self, value: Fraction) -> Decimal:
        """round_half_up, remembered: totals and points repeat (10, 12, 8.33 …)."""
        hit = self._rounded.get(value)
        if hit is None:
            hit = self._rounded[value] = round_half_up(value)
        return hit

    def compiled(self, test: Test) -> Many:
        """The test over n communities at once, from the table's columns: one comprehension per column."""
        hit = self._tests.get(id(test))
        if hit is None:
            hit = self._tests[id(test)] = _many(test, self.compiled)
        return hit

    def evaluate(self, test: Test, values: dict[str, Any]) -> bool | None:
        """Three-valued: True, False, or None when a value it needs could not be read (one unit's values)."""
        return self.compiled(test)(_OneUnit(values), 1)[0]

    def judge_counts(self, target: Target, require: Any, n: int, k: int,
                     failing: Sequence[Failing] = ()) -> TargetResult:
        """The verdict for k passing units of n: met, actual, required and how many more are needed.

        A verdict depends on (target, n, k) alone, and streets of about the same size share them.
        """
        key = (id(target), id(require), n, k)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = _verdict(target, require, n, k)
        return verdict._replace(failing=failing) if failing else verdict

    def judge_units(self, target: Target, units: Sequence[Unit], require: Any, keep_failing: bool = True,
                    street: str | None = None, columns: Columns | None = None) -> TargetResult:
        """A target's requirement over a set of communities: which apply, which pass, and the verdict."""
        columns = columns_of(units) if columns is None else columns
        n = len(units)
        picked = None
        if target.applies_to is not None:
            picked = [i for i, ok in enumerate(self.compiled(target.applies_to)(columns, n)) if ok is not False]
            columns = _Picked(columns, picked)
            n = len(picked)
        outcomes = self.compiled(target.test)(columns, n)
        k = outcomes.count(True)
        failing: Sequence[Failing] = ()
        if keep_failing and k < n:
            field = target.test.field if isinstance(target.test, FieldTest) else None
            failed = [i for i, ok in enumerate(outcomes) if ok is not True]
            failing = _failing(units, failed if picked is None else [picked[i] for i in failed], field, street)
        return self.judge_counts(target, require, n, k, failing)

    def community_points(self, target: Target, result: TargetResult) -> tuple[Fraction, Decimal]:
        """A community target's points (exact, and rounded for show): they follow from its n and k alone."""
        key = (id(target), result.units, result.passing)
        hit = self._points.get(key)
        if hit is None:
            points = _points(target, result, target.require)
            hit = self._points[key] = (points, self.rounded(points))
        return hit

    def street_target(self, target: Target, street: Unit, communities: Sequence[Unit],
                      columns: Columns | None = None) -> tuple[TargetResult, Fraction]:
        """One target for one street: the result (points rounded for show) and the exact points (for the sum)."""
        if target.level == "street":
            outcome = self.evaluate(target.test, street.values)
            met = outcome is True
            field = target.test.field if isinstance(target.test, FieldTest) else None
            actual = street.values.get(field) if field else outcome
            required = _threshold(target.test)
            shortfall = None
            if isinstance(target.test, FieldTest) and target.test.at_least is not None and not met:
                if isinstance(actual, int | Decimal) and not isinstance(actual, bool):
                    shortfall = target.test.at_least - actual
            failing = () if met else (Failing(street.name, None, actual, street.sheet,
                                              street.cells.get(field) if field else None),)
            result = TargetResult(target.id, met, Decimal(0), target.points, actual, required, 0 if met else 1,
                                  1, 1 if met else 0, failing, shortfall)
            points = _points(target, result, target.require)
            return result._replace(points=self.rounded(points)), points
        require = target.require
        assert require is not None
        # failing lists name the communities of every-unit and share targets; a count is not theirs to fail
        result = self.judge_units(target, communities, require, keep_failing=require.is_share, columns=columns)
        if target.level == "district":
            return TargetResult(target.id, None, ZERO, target.points, result.passing, None, None,
                                result.units, result.passing), Fraction(0)
        if not communities:  # rule 4: no communities listed meets no community target
            return TargetResult(target.id, False, ZERO, target.points, None, result.required, None, 0, 0), \
                Fraction(0)
        points, shown = self.community_points(target, result)
        return result._replace(points=shown), points

    def judge_street(self, name: str, submission: Submission) -> Judged:
        """Every target for one street's submission; independent of every other street."""
        assert submission.street is not None
        targets = self.targets
        unit = Unit(name, submission.street.values, submission.street.cells, submission.street.sheet)
        columns = columns_of(submission.communities)  # shared by every target's comprehensions
        pairs = [self.street_target(t, unit, submission.communities, columns) for t in targets.targets]
        main = sum((p for t, (_, p) in zip(targets.targets, pairs, strict=True) if not t.bonus), Fraction(0))
        bonus = sum((p for t, (_, p) in zip(targets.targets, pairs, strict=True) if t.bonus), Fraction(0))
        if targets.bonus_cap is not None:
            bonus = min(bonus, Fraction(targets.bonus_cap))
        vetoed = tuple(t.id for t, (r, _) in zip(targets.targets, pairs, strict=True)
                       if t.veto and r.met is False)
        return Judged(name, tuple(r for r, _ in pairs), main + bonus, vetoed)

    def prejudge(self, submission: Submission) -> Judged | None:
        """judge_street under the workbook's own street name: run where the workbook was read (a worker)."""
        if submission.street is None or not submission.street.name:
            return None
        return self.judge_street(submission.street.name, submission)

    def score(self, intake: Intake, targets_info: FileInfo | None = None) -> Report:
        """Assess every roster street and the district."""
        targets = self.targets
        results: list[dict[str, Any]] = []
        for street in intake.streets:
            sub = street.submission
            if sub is None or sub.street is None:
                results.append(dict(name=street.name, status=street.status, files=street.files,
                                    total=Fraction(0), targets=(), communities=0, rows=sub.rows if sub else None,
                                    vetoed=()))
                continue
            judged = sub.judged if sub.judged is not None and sub.judged.name == street.name else \
                self.judge_street(street.name, sub)
            results.append(dict(name=street.name, status=street.status, files=street.files, total=judged.total,
                                targets=judged.targets, communities=len(sub.communities), rows=sub.rows,
                                vetoed=judged.vetoed))

        scores = [self.rounded(r["total"]) for r in results]
        ranks = competition_ranks(scores)
        streets = tuple(
            StreetResult(r["name"], r["status"], r["files"], s, _grade(targets, s, bool(r["vetoed"])), rank,
                         r["targets"], r["communities"], r["rows"], r["vetoed"])
            for r, s, rank in zip(results, scores, ranks, strict=True)
        )
        district = tuple(self._district_target(t, streets) for t in targets.targets)
        communities = sum(r["communities"] for r in results)
        return Report(targets.period, targets.title, streets, district, tuple(intake.issues), communities,
                      intake.source, intake.roster_file, targets_info.name if targets_info else None,
                      intake.inputs, intake.roster_info, targets_info)

    def _district_target(self, target: Target, streets: tuple[StreetResult, ...]) -> TargetResult:
        over: Literal["streets", "communities"]
        if target.level == "district":
            over, require = "communities", target.require
        else:
            rule = target.district_rule
            over, require = rule.over, rule.require
        assert require is not None
        at = self._positions[target.id]  # each street's results come in the order of the targets
        results = [s.targets[at] if len(s.targets) > at and s.targets[at].id == target.id else None
                   for s in streets]
        if over == "streets":
            passing = [s.name for s, r in zip(streets, results, strict=True) if r is not None and r.met]
            failing = tuple(Failing(s.name) for s in streets if s.name not in passing)
            result = self.judge_counts(target, require, len(streets), len(passing), failing)
        else:
            # Every street's own result already counted its communities under the same test: add them up.
            counted = [r for s, r in zip(streets, results, strict=True) if s.submitted and r is not None]
            result = self.judge_counts(target, require, sum(r.units or 0 for r in counted),
                                       sum(r.passing or 0 for r in counted))
        return result._replace(over=over)


def score(targets: Targets, intake: Intake, targets_info: FileInfo | None = None) -> Report:
    """Assess every roster street and the district (a Scorer for this one run)."""
    return Scorer(targets).score(intake, targets_info)


def _many(test: Test, compiled: Callable[[Test], Many]) -> Many:
    """A test compiled into comprehensions over columns; `compiled` compiles its parts (the Scorer's memo)."""
    many: Many
    if isinstance(test, AllTest | AnyTest):
        parts = [compiled(t) for t in (test.all if isinstance(test, AllTest) else test.any)]
        decisive = isinstance(test, AnyTest)

        def many(columns: Columns, n: int) -> list[bool | None]:
            out: list[bool | None] = []
            for results in zip(*[part(columns, n) for part in parts], strict=True):
                if decisive in results:
                    out.append(decisive)
                else:
                    out.append(None if None in results else not decisive)
            return out
    else:
        assert isinstance(test, FieldTest)
        field, compare = test.field, _column_test(test)

        def many(columns: Columns, n: int) -> list[bool | None]:
            column = columns.get(field)
            return compare([None] * n if column is None else column)

    return many


def _column_test(test: FieldTest) -> Callable[[list[Any]], list[bool | None]]:
    """One field's test over its column, three-valued: None where the value could not be read."""
    op = test.operator
    if op == "in":
        allowed = set(test.in_ or ())
        return lambda col: [None if v is None else v in allowed for v in col]
    if op == "is":
        wanted = test.is_
        return lambda col: [None if v is None else v is wanted for v in col]
    number = int | Decimal
    if op == "between":
        low, high = test.between or (Decimal(0), Decimal(0))
        return lambda col: [None if v is None else
                            (type(v) is not bool and isinstance(v, number) and low <= v <= high) for v in col]
    bound = getattr(test, op)
    if op == "at_least":
        return lambda col: [None if v is None else
                            (type(v) is not bool and isinstance(v, number) and v >= bound) for v in col]
    if op == "at_most":
        return lambda col: [None if v is None else
                            (type(v) is not bool and isinstance(v, number) and v <= bound) for v in col]
    if op == "more_than":
        return lambda col: [None if v is None else
                            (type(v) is not bool and isinstance(v, number) and v > bound) for v in col]
    assert op == "less_than"
    return lambda col: [None if v is None else
                        (type(v) is not bool and isinstance(v, number) and v < bound) for v in col]


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


def _failing(units: Sequence[Unit], picked: list[int], field: str | None,
             street: str | None) -> Sequence[Failing]:
    """The units at `picked`, each with its value and cell for the field the test reads (if one)."""
    if isinstance(units, Communities) and units.parts is None and not (units.joined and field in units.joined):
        names, rows = units.names, units.rows
        column = units.columns.get(field) if field else None
        return FailingUnits([names[i] for i in picked], street,
                            None if column is None else [column[i] for i in picked], units.sheet,
                            [rows[i] for i in picked], units.letters.get(field) if field else None)
    # (from the columns: a Failing each if asked, above)
    return tuple([Failing(u.name, street, u.values.get(field) if field else None,
                          *_sheet_cell(u.sheet, u.cells.get(field) if field else None))
                  for u in (units[i] for i in picked)])


def _sheet_cell(sheet: str | None, cell: str | None) -> tuple[str | None, str | None]:
    """A unit's sheet and a field's cell; a cell read from another table joined by name names its own sheet
    (社区设施!C5)."""
    if cell and "!" in cell:
        other, _, ref = cell.rpartition("!")
        return other, ref
    return sheet, cell


class _Picked(dict[str, list[Any]]):
    """Some communities' columns, each column picked out the first time a test reads it."""

    def __init__(self, columns: Columns, picked: list[int]) -> None:
        super().__init__()
        self.all, self.picked = columns, picked

    def get(self, field: str, default: Any = None) -> Any:
        if field not in self:
            column = self.all.get(field)
            if column is None:
                return default
            self[field] = [column[i] for i in self.picked]
        return self[field]


def _verdict(target: Target, require: Any, n: int, k: int) -> TargetResult:
    met = require.met(k, n)
    required_count = require.required_count(n)
    needed = 0 if met else (required_count - k if required_count is not None and required_count > k else None)
    if require.is_share:
        actual: Any = Fraction(k, n) if n else None
        required: Any = require.share_at_least if require.share_at_least is not None else require.share_more_than
    else:
        actual = k
        required = list(require.count_between) if require.count_between else (
            require.count_at_most if require.count_at_most is not None else required_count)
    return TargetResult(target.id, met, Decimal(0), target.points, actual, required, needed, n, k)


def _points(target: Target, result: TargetResult, require: Any) -> Fraction:
    full = Fraction(target.points)
    if result.met:
        return full
    method = target.scoring.method
    if method == "all-or-nothing":
        return Fraction(0)
    if method == "deduct":
        assert target.scoring.per_failure is not None
        failures = (result.units or 0) - (result.passing or 0)
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


def competition_ranks(scores: list[Decimal]) -> list[int]:
    """1, 2, 2, 4: equal scores share a rank and the next rank is skipped (sorting, not n² comparisons)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
    ranks = [0] * len(scores)
    for position, i in enumerate(order):
        previous = order[position - 1] if position else None
        same = previous is not None and scores[previous] == scores[i]
        ranks[i] = ranks[previous] if same and previous is not None else position + 1
    return ranks


def _grade(targets: Targets, score: Decimal, vetoed: bool) -> str:
    if vetoed:
        return targets.veto_grade or targets.lowest_grade.name
    return next(g.name for g in targets.grades if score >= g.min)


