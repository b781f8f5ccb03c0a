"""Progress through the year: each target's values over the recorded periods, and who will miss it.

Pure: takes the recorded reports in period order. A period label places a report in its year (2005-Q1 at a
quarter, 2005-H1 at a half, 2005-M09 at nine twelfths, 2005 at the year's end); a street's value on a target is
projected to the year's end by a straight line through its recorded points (least squares), and the street is
on track when that projection meets the requirement. With one period the projection is today's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kaohe.targets import FieldTest, Target, Targets

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(Q)([1-4])|(H)([12])|(M)(\d{1,2})))?$")


def year_fraction(period: str) -> float | None:
    """Where in its year a period ends: 2005-Q1 → 0.25, 2005-H1 → 0.5, 2005-M09 → 0.75, 2005 → 1.0."""
    m = _PERIOD.match(period.strip())
    if not m:
        return None
    if m.group(2):
        return int(m.group(3)) / 4
    if m.group(4):
        return int(m.group(5)) / 2
    if m.group(6):
        month = int(m.group(7))
        return month / 12 if 1 <= month <= 12 else None
    return 1.0


@dataclass(frozen=True)
class Track:
    """One street (or the district) on one target over the periods."""

    target: str
    values: tuple[float | None, ...]
    required: float | None
    projected: float | None
    on_track: bool | None
    met: bool | None
    needed: int | None
    shortfall: float | None = None
    change: float | None = None  # since the period before the last


@dataclass(frozen=True)
class StreetProgress:
    name: str
    scores: tuple[float | None, ...]
    tracks: tuple[Track, ...]
    submitted: bool = True  # in the latest period

    @property
    def at_risk(self) -> tuple[Track, ...]:
        return tuple(t for t in self.tracks if t.on_track is False)

    @property
    def risk(self) -> int:
        """How many targets it is likely to miss; a street that sent nothing misses them all."""
        return len(self.tracks) if not self.submitted else len(self.at_risk)


@dataclass(frozen=True)
class Progress:
    periods: tuple[str, ...]
    district: tuple[Track, ...]
    streets: tuple[StreetProgress, ...]


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None


def _project(times: list[float], values: list[float | None], at: float = 1.0) -> float | None:
    points = [(t, v) for t, v in zip(times, values, strict=True) if v is not None]
    if not points:
        return None
    if len(points) == 1 or len({t for t, _ in points}) == 1:
        return points[-1][1]
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    slope = sum((t - mean_t) * (v - mean_v) for t, v in points) / sum((t - mean_t) ** 2 for t, _ in points)
    return mean_v + slope * (at - mean_t)


def _meets(target: Target, projected: float | None, required: float | None, strict: bool) -> bool | None:
    if projected is None or required is None:
        return None
    if isinstance(target.test, FieldTest) and target.test.is_ is not None and target.level == "street":
        return projected >= 0.5 if target.test.is_ else projected < 0.5
    return projected > required if strict else projected >= required - 1e-9


def _track(target: Target, results: list[dict[str, Any] | None], times: list[float]) -> Track:
    values = [_number(r.get("actual")) if r else None for r in results]
    latest = next((r for r in reversed(results) if r), None)
    required = _number(latest.get("required")) if latest else None
    if isinstance(latest and latest.get("required"), list):
        required = _number(latest["required"][0]) if latest else None
    strict = target.require is not None and target.require.share_more_than is not None
    projected = _project(times, values)
    known = [v for v in values if v is not None]
    change = round(known[-1] - known[-2], 4) if len(known) >= 2 else None
    return Track(target.id, tuple(values), required, projected,
                 _meets(target, projected, required, strict) if target.points else None,
                 latest.get("met") if latest else None, latest.get("needed") if latest else None,
                 latest.get("shortfall") if latest else None, change)


def progress(reports: list[tuple[str, dict[str, Any]]], targets: Targets) -> Progress:
    """Every street's and the district's course on every scored target over the recorded periods."""
    labels = [label for label, _ in reports]
    times = []
    for i, label in enumerate(labels):
        fraction = year_fraction(label)
        times.append(fraction if fraction is not None else (i + 1) / len(labels))
    scored = [t for t in targets.targets if t.points]
    district = []
    for target in scored:
        rows = [next((t for t in r["district"]["targets"] if t["id"] == target.id), None) for _, r in reports]
        district.append(_track(target, rows, times))
    # each period's streets by name, each street's targets by id: one pass over each, not one per street
    by_name = [{s["name"]: s for s in r["streets"]} for _, r in reports]
    names = list(dict.fromkeys(name for streets_of in by_name for name in streets_of))
    streets = []
    for name in names:
        per = [streets_of.get(name) for streets_of in by_name]
        by_id = [{t["id"]: t for t in s["targets"]} if s else {} for s in per]
        tracks = []
        for target in scored:
            rows = [ids.get(target.id) for ids in by_id]
            tracks.append(_track(target, rows, times))
        latest = per[-1]
        streets.append(StreetProgress(name, tuple(s["score"] if s else None for s in per), tuple(tracks),
                                      bool(latest and latest.get("submitted"))))
    streets.sort(key=lambda s: (-s.risk, s.scores[-1] if s.scores[-1] is not None else -1))
    return Progress(tuple(labels), tuple(district), tuple(streets))


def document(result: Progress) -> dict[str, Any]:
    """The progress as the kaohe.progress/1 JSON document."""
    from dataclasses import asdict

    return {"schema": "kaohe.progress/1", **asdict(result)}
