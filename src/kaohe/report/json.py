"""The kaohe.report/1 JSON document (shared/spec/report-json.md): a public interface, extend but never rename."""

from __future__ import annotations

import json
from typing import Any

from kaohe import __version__
from kaohe.model import Report, StreetResult, TargetResult, failing_names
from kaohe.report import plain
from kaohe.targets import Targets
from kaohe.words import Translator

SCHEMA = "kaohe.report/1"


def to_document(report: Report, targets: Targets, tr: Translator) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    by_id = {t.id: t for t in targets.targets}
    return {
        "schema": SCHEMA,
        "kaohe": __version__,
        "period": report.period,
        "title": report.title,
        "targets_file": report.targets_file,
        "source": report.source,
        "roster": report.roster_file,
        "district": {
            "streets_expected": report.streets_expected,
            "streets_submitted": report.streets_submitted,
            "communities": report.communities,
            "targets": [_district_target(r, by_id[r.id].name(tr.lang), by_id[r.id].points) for r in report.district],
            "grades": {g.name: sum(1 for s in report.streets if s.grade == g.name) for g in targets.grades},
        },
        "streets": [_street(s) for s in report.streets],
        "issues": [
            {"severity": i.severity, "code": i.code, "file": i.file, "sheet": i.sheet, "cell": i.cell,
             "street": i.street, "community": i.community, "message": i.message(tr.lang), "hint": i.hint(tr.lang),
             **({"reason": i.params["why"]} if "why" in i.params else {})}  # unreadable-file, ignored-file
            for i in report.issues
        ],
    }


def _district_target(r: TargetResult, title: str, points: Any) -> dict[str, Any]:
    doc = {"id": r.id, "title": title, "points": plain(points), "met": r.met, "actual": plain(r.actual),
           "required": plain(r.required), "needed": r.needed, "over": r.over, "units": r.units,
           "passing": r.passing}
    if r.over == "streets":
        doc["failing"] = failing_names(r.failing)
    return doc


def _street(s: StreetResult) -> dict[str, Any]:
    return {
        "name": s.name,
        "submitted": s.submitted,
        "status": s.status,
        "file": s.files[0] if s.files else None,
        "files": list(s.files),
        "score": float(s.score),
        "grade": s.grade,
        "rank": s.rank,
        "vetoed_by": list(s.vetoed_by),
        "communities": s.communities,
        "rows": None if s.rows is None else {
            "read": s.rows.read, "skipped": s.rows.skipped, "blank": s.rows.blank, "totals": s.rows.totals,
            "notes": s.rows.notes, "headers": s.rows.headers, "rejected": s.rows.rejected},
        "targets": [_street_target(r) for r in s.targets],
    }


def _street_target(r: TargetResult) -> dict[str, Any]:
    doc = {"id": r.id, "met": r.met, "points": float(r.points), "max_points": plain(r.max_points),
           "actual": plain(r.actual), "required": plain(r.required), "needed": r.needed,
           "failing": failing_names(r.failing)}
    if r.shortfall is not None:
        doc["shortfall"] = plain(r.shortfall)
    return doc


def render_json(report: Report, targets: Targets, tr: Translator, pretty: bool = True) -> str:
    """The report as a JSON text (UTF-8, Chinese unescaped); compact unless `pretty`."""
    doc = to_document(report, targets, tr)
    if pretty:
        return json.dumps(doc, ensure_ascii=False, indent=2)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))  # the C encoder: 5× faster
