"""The kaohe.report/1 JSON document: a public interface, extend but never rename (its JSON Schema: report/schema.py,
checked in as schema/kaohe.report-1.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from kaohe import __version__
from kaohe.model import Report, StreetResult, StreetVerification, TargetResult, failing_names
from kaohe.report import plain
from kaohe.targets import Targets
from kaohe.words import Translator

SCHEMA = "kaohe.report/1"


def to_document(report: Report, targets: Targets, tr: Translator) -> dict[str, Any]:
    """The report as plain JSON-ready data (with `verification` blocks when findings were applied: additions
    that readers of kaohe.report/1 who do not know them can ignore; a street's `score` is then the verified
    one, 核定分)."""
    by_id = {t.id: t for t in targets.targets}
    checked = {v.name: v for v in report.verification.streets} if report.verification else {}
    doc: dict[str, Any] = {
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
        "streets": [_street(s, checked.get(s.name), targets, tr) for s in report.streets],
        "issues": [
            {"severity": i.severity, "code": i.code, "file": i.file, "sheet": i.sheet, "cell": i.cell,
             "street": i.street, "community": i.community, "message": i.message(tr.lang), "hint": i.hint(tr.lang),
             **({"reason": i.params["why"]} if "why" in i.params else {})}  # unreadable-file, ignored-file
            for i in report.issues
        ],
    }
    if report.verification is not None:
        v = report.verification
        doc["verification"] = {"files": list(v.files), "findings": v.findings, "applied": v.applied}
    if report.appeals is not None:
        a = report.appeals
        doc["appeals"] = {
            "files": list(a.files),
            "decisions": [{"id": d.id, "street": d.street, "community": d.community, "item": d.item,
                           "decision": d.decision, "value": plain(d.value) if not isinstance(d.value, str) else d.value,
                           "reason": d.reason, "file": d.file, "sheet": d.sheet, "cell": d.cell}
                          for d in a.decisions],
            "streets": [{"name": x.name, "verified_score": float(x.verified), "final_score": float(x.final)}
                        for x in a.streets],
        }
    return doc


def _district_target(r: TargetResult, title: str, points: Any) -> dict[str, Any]:
    doc = {"id": r.id, "title": title, "points": plain(points), "met": r.met, "actual": plain(r.actual),
           "required": plain(r.required), "needed": r.needed, "over": r.over, "units": r.units,
           "passing": r.passing}
    if r.over == "streets":
        doc["failing"] = failing_names(r.failing)
    return doc


def _street(s: StreetResult, v: StreetVerification | None, targets: Targets, tr: Translator) -> dict[str, Any]:
    doc = {
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
    if v is not None:
        doc["verification"] = _verification(v, targets, tr)
    return doc


def _verification(v: StreetVerification, targets: Targets, tr: Translator) -> dict[str, Any]:
    """A street's two scores and every change: what the report's additions for --verified look like."""
    labels = {**targets.fields.street, **targets.fields.community}
    return {
        "self_score": float(v.self_score), "self_grade": v.self_grade, "self_rank": v.self_rank,
        "verified_score": float(v.verified_score), "difference": float(v.difference),
        "deduction": float(v.deduction), "grade_cap": v.grade_cap,
        "changes": [{"community": c.community, "field": c.field,
                     "label": tr.pick(labels[c.field].label, labels[c.field].label_en),
                     "reported": plain(c.reported), "verified": plain(c.verified), "points": float(c.points),
                     "overstated": c.overstated, "inspector": c.inspector, "date": c.date, "note": c.note,
                     "source": c.source, "file": c.file, "sheet": c.sheet, "cell": c.cell} for c in v.changes],
        "adjustments": [{"points": float(a.points), "note": a.note, "reference": a.reference,
                         "inspector": a.inspector, "date": a.date, "file": a.file, "sheet": a.sheet,
                         "cell": a.cell} for a in v.adjustments],
    }


def _street_target(r: TargetResult) -> dict[str, Any]:
    doc = {"id": r.id, "met": r.met, "points": float(r.points), "max_points": plain(r.max_points),
           "actual": plain(r.actual), "required": plain(r.required), "needed": r.needed,
           "failing": failing_names(r.failing)}
    if r.shortfall is not None:
        doc["shortfall"] = plain(r.shortfall)
    return doc


def course_document(report: Report) -> dict[str, Any]:
    """The parts of to_document that kaohe.tracking.progress reads — the district's targets, each street's name,
    score, whether it submitted and its targets' figures — without the failing communities' names, the issues
    and the rest: the desk's page computes the course after every upload, and the whole document costs three
    times as much at 500 streets. The same values as to_document's (a test compares the courses)."""
    def figures(r: TargetResult) -> dict[str, Any]:
        return {"id": r.id, "met": r.met, "actual": plain(r.actual), "required": plain(r.required),
                "needed": r.needed}

    return {"period": report.period,
            "district": {"targets": [figures(r) for r in report.district]},
            "streets": [{"name": s.name, "submitted": s.submitted, "score": float(s.score),
                         "targets": [{**figures(r), **({"shortfall": plain(r.shortfall)}
                                                       if r.shortfall is not None else {})} for r in s.targets]}
                        for s in report.streets]}


def render_json(report: Report, targets: Targets, tr: Translator, pretty: bool = True) -> str:
    """The report as a JSON text (UTF-8, Chinese unescaped); compact unless `pretty`."""
    doc = to_document(report, targets, tr)
    if pretty:
        return json.dumps(doc, ensure_ascii=False, indent=2)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))  # the C encoder: 5× faster
