"""Two assessments side by side: score, grade and rank changes, targets met or lost, and figures that look wrong.

Pure: takes two report documents (kaohe.report/1) and, where they were recorded, the figures behind them. The
cross-period checks reviewers do by eye — a service room that shrank, a community that vanished or appeared,
households that jumped — follow the `consistency` rules of the targets YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kaohe.targets import Targets

Facts = dict[tuple[str, str | None, str], Any]


@dataclass(frozen=True)
class Side:
    """One of the two assessments compared."""

    label: str
    report: dict[str, Any]
    facts: Facts | None = None  # None for a JSON report: no figures to check


@dataclass(frozen=True)
class StreetChange:
    name: str
    score: tuple[float | None, float | None]
    grade: tuple[str | None, str | None]
    rank: tuple[int | None, int | None]
    gained: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()

    @property
    def delta(self) -> float | None:
        a, b = self.score
        return None if a is None or b is None else round(b - a, 2)


@dataclass(frozen=True)
class Warning:
    street: str
    community: str | None
    code: str  # decreased | jumped | vanished | appeared
    field: str | None = None
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    streets: list[StreetChange]
    warnings: list[Warning] = field(default_factory=list)


def compare(a: Side, b: Side, targets: Targets) -> Comparison:
    """Everything that changed from `a` to `b`."""
    streets_a = {s["name"]: s for s in a.report.get("streets", [])}
    streets_b = {s["name"]: s for s in b.report.get("streets", [])}
    scored = {t.id for t in targets.targets if t.points}
    changes = []
    for name in list(streets_a) + [n for n in streets_b if n not in streets_a]:
        sa, sb = streets_a.get(name), streets_b.get(name)
        met_a = {t["id"]: t["met"] for t in (sa or {}).get("targets", [])}
        met_b = {t["id"]: t["met"] for t in (sb or {}).get("targets", [])}
        gained = tuple(t for t in met_b if t in scored and met_b[t] and not met_a.get(t))
        lost = tuple(t for t in met_a if t in scored and met_a[t] and not met_b.get(t))
        changes.append(StreetChange(
            name, (sa["score"] if sa else None, sb["score"] if sb else None),
            (sa["grade"] if sa else None, sb["grade"] if sb else None),
            (sa["rank"] if sa else None, sb["rank"] if sb else None), gained, lost))
    warnings = _check_figures(a.facts, b.facts, targets) if a.facts is not None and b.facts is not None else []
    return Comparison(a.label, b.label, changes, warnings)


def _communities(facts: Facts) -> set[tuple[str, str]]:
    return {(s, c) for s, c, f in facts if c is not None and f == ""}


def _check_figures(before: Facts, after: Facts, targets: Targets) -> list[Warning]:
    out: list[Warning] = []
    old, new = _communities(before), _communities(after)
    submitted_both = {s for s, _ in old} & {s for s, _ in new}
    for street, name in sorted(old - new):
        if street in submitted_both:
            out.append(Warning(street, name, "vanished"))
    for street, name in sorted(new - old):
        if street in submitted_both:
            out.append(Warning(street, name, "appeared"))
    for rule in targets.consistency:
        pairs: list[tuple[str, str | None]] = sorted(old & new) if rule.level == "community" else \
            [(s, None) for s in sorted(submitted_both)]
        for street_name, community in pairs:
            x = before.get((street_name, community, rule.field))
            y = after.get((street_name, community, rule.field))
            if not isinstance(x, int | float) or not isinstance(y, int | float) or isinstance(x, bool):
                continue
            if rule.rule == "no-decrease" and y < x:
                out.append(Warning(street_name, community, "decreased", rule.field, x, y))
            elif rule.rule == "max-change" and rule.share is not None and x and \
                    abs(Fraction(str(y)) - Fraction(str(x))) > rule.share * abs(Fraction(str(x))):
                out.append(Warning(street_name, community, "jumped", rule.field, x, y))
    return out


def document(result: Comparison) -> dict[str, Any]:
    """The comparison as the kaohe.compare/1 JSON document."""
    from dataclasses import asdict

    return {"schema": "kaohe.compare/1", **asdict(result)}
