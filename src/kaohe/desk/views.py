"""Reports made into what the desk's pages show: rows of plain strings, formatted as the terminal formats them
(report/format.py), so a figure reads the same on the page and in `kaohe check`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kaohe.desk.store import Desk
from kaohe.targets import Targets
from kaohe.words import Translator

if TYPE_CHECKING:
    from kaohe.tracking.progress import Progress


@dataclass
class TargetRow:
    title: str
    points: str
    full: bool
    actual: str
    required: str
    met: bool | None
    needed: str
    failing: str = ""


@dataclass
class IssueRow:
    severity: str
    where: str
    community: str
    message: str
    hint: str
    file: str


@dataclass
class StreetView:
    name: str
    score: str
    grade: str
    status: str
    files: str
    targets: list[TargetRow] = field(default_factory=list)


@dataclass
class CheckView:
    error: str | None
    streets: list[StreetView]
    issues: list[IssueRow]
    errors: int
    warnings: int


def _issue_row(issue: Any, tr: Translator) -> IssueRow:
    where = f"{issue.sheet}!{issue.cell}" if issue.sheet and issue.cell else issue.cell or issue.sheet or ""
    return IssueRow(issue.severity, where, issue.community or "", issue.message(tr.lang), issue.hint(tr.lang),
                    issue.file or "")


def _grade(targets: Targets, grade: str, tr: Translator) -> str:
    return {g.name: g.title(tr.lang) for g in targets.grades}.get(grade, grade)


def _failing(result: Any, limit: int = 8) -> str:
    names = [str(getattr(f, "name", f)) for f in list(result.failing)[: limit + 1]]
    text = "、".join(names[:limit])
    return text + ("…" if len(names) > limit else "")


def street_view(s: Any, targets: Targets, tr: Translator) -> StreetView:
    from kaohe.report.format import fmt_actual, fmt_number, fmt_required

    by_id = {tg.id: tg for tg in targets.targets}
    rows = []
    for r in s.targets:
        target = by_id[r.id]
        if target.level == "district":
            continue
        rows.append(TargetRow(
            target.name(tr.lang),
            f"{fmt_number(r.points)}/{fmt_number(r.max_points)}" if target.points else "—",
            r.points == r.max_points, fmt_actual(r, tr), fmt_required(target, r, tr), r.met,
            "—" if r.needed is None else str(r.needed), _failing(r)))
    return StreetView(s.name, f"{s.score:.2f}", _grade(targets, s.grade, tr), tr(f"status_{s.status}"),
                      "、".join(s.files), rows)


def check_view(checked: Any, targets: Targets, tr: Translator) -> CheckView:
    """A version's self-check: the street's provisional score per target, and every issue with its fix."""
    report = checked.report
    if report is None:
        return CheckView(checked.error, [], [], 0, 0)
    issues = [_issue_row(i, tr) for i in report.issues]
    errors = sum(1 for i in issues if i.severity == "error")
    return CheckView(None, [street_view(s, targets, tr) for s in report.streets], issues, errors,
                     len(issues) - errors)


def wrong_street(report: Any, street: str, targets: Targets) -> str | None:
    """The street a workbook names when it is not the link's own (None when it is, or names none)."""
    from kaohe.intake.roster import street_key

    suffixes = targets.layout.street_name_suffixes
    own = street_key(street, suffixes)
    for s in report.streets:
        if street_key(s.name, suffixes) != own:
            return str(s.name)
    return None


@dataclass
class DeskRow:
    index: int
    name: str
    submitted: bool
    at: str
    versions: int
    errors: int
    warnings: int
    score: str
    grade: str
    rank: str
    link: str
    state: str = "missing"


def desk_rows(desk: Desk, report: Any | None, base: str) -> list[DeskRow]:
    """Every street of the roster: whether and when it submitted, and its standing in the live assessment."""
    versions = desk.versions()
    count: dict[str, int] = {}
    for v in versions:
        count[v.street] = count.get(v.street, 0) + 1
    latest = {v.street: v for v in versions}
    results = {s.name: s for s in report.streets} if report is not None else {}
    states = desk.states()
    rows = []
    for i, who in enumerate(desk.streets()):
        last = latest.get(who.name)
        s = results.get(who.name)
        rows.append(DeskRow(i, who.name, last is not None, last.at if last else "", count.get(who.name, 0),
                            last.errors if last else 0, last.warnings if last else 0,
                            f"{s.score:.2f}" if s is not None and s.submitted else "",
                            s.grade if s is not None and s.submitted else "",
                            str(s.rank) if s is not None and s.submitted else "", f"{base}/s/{who.secret}",
                            states.get(who.name, "missing")))
    return rows


@dataclass
class DistrictRow:
    title: str
    points: str
    required: str
    actual: str
    met: bool | None
    needed: str
    failing: str


@dataclass
class DistrictView:
    summary: str
    targets: list[DistrictRow]
    streets: list[StreetView]
    ranks: list[tuple[str, str]]


def district_view(report: Any, targets: Targets, tr: Translator) -> DistrictView:
    """The district's targets and the street table, as `kaohe assess` prints them."""
    from kaohe.report.format import fmt_actual, fmt_number, fmt_required

    by_id = {tg.id: tg for tg in targets.targets}
    rows = []
    for r in report.district:
        target = by_id[r.id]
        rows.append(DistrictRow(target.name(tr.lang), fmt_number(target.points) if target.points else "—",
                                fmt_required(target, r, tr), fmt_actual(r, tr), r.met,
                                "—" if r.needed is None else str(r.needed), _failing(r)))
    title = tr.pick(report.title, targets.title_en)
    summary = tr("summary", title=title, expected=report.streets_expected, submitted=report.streets_submitted,
                 communities=report.communities)
    streets = sorted(report.streets, key=lambda s: (not s.submitted, s.rank))
    return DistrictView(summary, rows, [street_view(s, targets, tr) for s in streets],
                        [(s.name, str(s.rank)) for s in streets])


def issue_groups(report: Any, tr: Translator) -> list[tuple[str, list[IssueRow]]]:
    groups: dict[str, list[IssueRow]] = {}
    for issue in report.issues:
        groups.setdefault(issue.street or tr("general"), []).append(_issue_row(issue, tr))
    return list(groups.items())


@dataclass
class ProgressView:
    periods: list[str]
    district: list[tuple[str, list[str], str, str, bool | None, str]]
    streets: list[tuple[str, str, str]]


def progress_view(result: Progress | None, targets: Targets, tr: Translator) -> ProgressView | None:
    """What `kaohe progress` shows, over the periods recorded in the desk's history and the open one (the
    service's course())."""
    from kaohe.report.format import percent, share

    if result is None:
        return None
    by_id = {tg.id: tg for tg in targets.targets}
    district = []
    for track in result.district:
        change = track.change
        district.append((by_id[track.target].name(tr.lang), [percent(v) for v in track.values],
                         "—" if change is None else f"{change * 100:+.0f}", percent(track.projected),
                         track.on_track, percent(track.required)))
    streets = []
    for s in result.streets:
        scores = " → ".join("—" if v is None else f"{v:.2f}" for v in s.scores)
        if not s.submitted:
            risk = tr("status_missing")
        else:
            parts = []
            for track in s.at_risk:
                target = by_id[track.target]
                need = tr("progress.needs", n=track.needed) if track.needed else ""
                if track.shortfall:
                    need = tr("progress.short_by", n=f"{track.shortfall:g}")
                parts.append(f"{target.short_name(tr.lang)} {share(track.projected, target, tr)}{need}")
            risk = "；".join(parts) or "✓"
        streets.append((s.name, scores, risk))
    return ProgressView(list(result.periods), district, streets)


@dataclass
class ChangeRow:
    street: str
    what: str
    reported: str
    verified: str
    points: str
    overstated: bool
    why: str


@dataclass
class OwnVerification:
    self_score: str
    final: str
    difference: str
    changes: list[ChangeRow]
    deduction: str


def _change_rows(v: Any, targets: Targets, tr: Translator) -> list[ChangeRow]:
    from kaohe.report.format import fmt_shown, signed

    labels = {**targets.fields.street, **targets.fields.community}
    rows = []
    for c in v.changes:
        label = tr.pick(labels[c.field].label, labels[c.field].label_en)
        rows.append(ChangeRow(v.name, f"{c.community + ' ' if c.community else ''}{label}",
                              fmt_shown(c.reported, tr), fmt_shown(c.verified, tr), signed(c.points), c.overstated,
                              tr("explain.list_sep").join(x for x in (c.note, c.inspector, c.date) if x)))
    for a in v.adjustments:
        rows.append(ChangeRow(v.name, tr("verify.kind_adjustment"), "", "", signed(a.points), False,
                              tr("explain.list_sep").join(x for x in (a.note, a.reference, a.inspector, a.date) if x)))
    return rows


def verification_rows(report: Any, targets: Targets, tr: Translator) -> list[tuple[Any, list[ChangeRow]]]:
    """The bureau's view: each street that verification changed, with its two scores and its changes."""
    if report is None or report.verification is None:
        return []
    return [(v, _change_rows(v, targets, tr)) for v in report.verification.streets
            if v.changes or v.adjustments or v.difference]


def own_verification(report: Any, street: str | None, targets: Targets, tr: Translator) -> OwnVerification | None:
    """A street's own findings (never another street's), from an assessment (`street` named) or from the
    street's own verified self-check (`street` None: its one street)."""
    from kaohe.report.format import fmt_number, signed

    if report is None or report.verification is None:
        return None
    v = next((x for x in report.verification.streets if street is None or x.name == street), None)
    if v is None or not (v.changes or v.adjustments or v.difference):
        return None
    grades = {g.name: g.title(tr.lang) for g in targets.grades}
    deduction = tr("verify.deduction", points=fmt_number(v.deduction),
                   cap=grades.get(v.grade_cap or "", "—")) if v.deduction else ""
    return OwnVerification(f"{v.self_score:.2f}", f"{v.verified_score:.2f}", signed(v.difference),
                           _change_rows(v, targets, tr), deduction)


def target_choices(targets: Targets, tr: Translator) -> list[tuple[str, str]]:
    """(id, title) of every scored target, for an appeal's choice of target."""
    return [(t.id, t.name(tr.lang)) for t in targets.targets if t.points]
