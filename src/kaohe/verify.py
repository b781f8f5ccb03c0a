"""On-site verification (核查): inspectors' findings applied on top of what streets reported.

A findings file is a table (CSV, .xlsx, .xls, .ods — the 核查表 kaohe writes, filled in, or one a clerk made)
with the columns the targets file's `verification.columns` names, in any order: 街道, 社区, 项目, 核实值, 说明,
核查人, 日期 (and 依据 for an adjustment's reference). Every row with a 核实值 is a finding, checked as a
submission cell is: a street not on the roster, a community the street did not report, an item that is not a
field, a value that is not valid — each is an issue at the findings file's cell, and nothing of it is applied.
Two findings for one figure that disagree are an error until one is removed. An item that is one of the
adjustment words (加分, 扣分) is a bureau adjustment: its points, with a reason, within the targets file's
bounds.

`apply()` scores the district twice — on the reported figures (自评分) and on the verified ones — then takes
the targets file's overstatement rule (points off per overstated figure, a grade cap) and the adjustments
off the verified score (核定分), re-ranks, and attaches every street's two scores and every change, with the
points each figure alone moved, to the report. A finding never changes a score without being in the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from kaohe.issues import Issue
from kaohe.model import (
    Adjustment,
    AppealDecision,
    Appeals,
    AppealScore,
    Change,
    Communities,
    Intake,
    Report,
    StreetInput,
    StreetResult,
    StreetVerification,
    Submission,
    Unit,
    Verification,
)
from kaohe.targets import Targets

NEEDED = ("street", "item", "value")


@dataclass(frozen=True)
class Finding:
    """One row of a findings file, as written."""

    file: str
    sheet: str | None
    row: int  # 0-based row of the sheet
    cells: dict[str, str]  # column kind → A1 cell of this row
    street: str
    community: str
    item: str
    value: Any
    note: str
    inspector: str
    date: str
    reference: str
    appeal: str = ""  # an appeals file's row: the appeal's number, and the decision as written
    decision: str = ""

    def at(self, kind: str = "value") -> str | None:
        return self.cells.get(kind)


def decision_of(f: Finding, targets: Targets) -> str | None:
    """An appeal row's decision — upheld, rejected — or None when it says neither (or it is no appeal)."""
    from kaohe.text import header_key

    key = header_key(f.decision) or f.decision.strip()
    words = targets.verification
    if key in {header_key(w) or w for w in words.upheld_words}:
        return "upheld"
    if key in {header_key(w) or w for w in words.rejected_words}:
        return "rejected"
    return None


def _text(value: Any) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def finding_files(path: Path) -> list[Path]:
    """A findings file, or every findings file in a folder (kaohe's own lock and temporary files left out)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        from kaohe.errors import InputError

        raise InputError(key="err.not_found", path=str(path))
    from kaohe.workbook.sheets import SPREADSHEET_SUFFIXES

    return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES
                  and not p.name.startswith(("~$", ".")))


def read_findings(path: Path, targets: Targets) -> tuple[list[Finding], list[Issue], list[str]]:
    """Every finding in a file or folder, the issues of reading them, and the names of the files read."""
    from kaohe.errors import UnreadableFile
    from kaohe.issues import unreadable
    from kaohe.text import header_key
    from kaohe.workbook.sheets import read_book

    columns = {kind: {header_key(a) or a for a in aliases} for kind, aliases in
               targets.verification.columns.items()}
    findings: list[Finding] = []
    issues: list[Issue] = []
    names: list[str] = []
    for file in finding_files(path):
        names.append(file.name)
        try:
            book = read_book(file)
        except UnreadableFile as exc:
            issues.append(unreadable(file.name, exc.reason, exc.detail, exc.params))
            continue
        found_any = False
        for sheet in book.sheets:
            header = _header(sheet.rows, columns)
            if header is None:
                continue
            found_any = True
            head_row, where = header
            for r in range(head_row + 1, len(sheet.rows)):
                row = {kind: sheet.value(r, c) for kind, c in where.items()}

                def get(kind: str, row: dict[str, Any] = row) -> Any:
                    return row.get(kind)

                value = get("value")
                appeal = _text(get("appeal"))
                if (value is None or (isinstance(value, str) and not value.strip())) and not appeal:
                    continue  # a row of the 核查表 that was not verified (a rejected appeal has no value)
                findings.append(Finding(
                    file.name, sheet.name if len(book.sheets) > 1 or file.suffix.lower() != ".csv" else None, r,
                    {kind: sheet.a1(r, c) for kind, c in where.items()}, _text(get("street")),
                    _text(get("community")), _text(get("item")), value, _text(get("note")),
                    _text(get("inspector")), _text(get("date")), _text(get("reference")), appeal,
                    _text(get("decision"))))
        if not found_any:
            issues.append(Issue("findings-no-columns", file.name))
    return findings, issues, names


def _header(rows: list[list[Any]], columns: dict[str, set[str]]) -> tuple[int, dict[str, int]] | None:
    """The first row (of the first 20) naming the street, item and value columns: its index and the columns."""
    from kaohe.text import header_key

    for r, row in enumerate(rows[:20]):
        where: dict[str, int] = {}
        for c, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            key = header_key(cell) or cell.strip()
            for kind, aliases in columns.items():
                if key in aliases and kind not in where:
                    where[kind] = c
                    break
        if all(k in where for k in NEEDED):
            return r, where
    return None


def scored_fields(targets: Targets) -> dict[str, set[str]]:
    """level → the fields a scored target reads (an overstatement there is what the rule is about)."""
    found: dict[str, set[str]] = {"street": set(), "community": set()}
    for t in targets.targets:
        if not t.points:
            continue
        level = "street" if t.level == "street" else "community"
        for test in (t.test, t.applies_to):
            if test is not None:
                found[level].update(test.fields())
    return found


class _Applier:
    """Checks findings against one intake and makes the verified intake; issues and changes as it goes."""

    def __init__(self, targets: Targets, intake: Intake) -> None:
        from kaohe.intake.roster import street_key
        from kaohe.workbook.cells import CellReader

        self.targets = targets
        self.intake = intake
        self.reader = CellReader(targets)
        self.suffixes = targets.layout.street_name_suffixes
        self.street_key = street_key
        self.streets = {self.key(s.name): s for s in intake.streets}
        self.issues: list[Issue] = []
        words = targets.verification.adjustments
        self.bonus = {self.reader.headers.key(w) or w for w in words.bonus_words}
        self.deduction = {self.reader.headers.key(w) or w for w in words.deduction_words}

    def key(self, name: str) -> str:
        return str(self.street_key(name, self.suffixes))

    def issue(self, code: str, f: Finding, column: str = "value", street: str | None = None,
              community: str | None = None, **params: Any) -> None:
        self.issues.append(Issue(code, f.file, f.sheet, f.at(column), street, community, params=params))

    def field(self, f: Finding, level: str) -> tuple[str, Any] | None:
        """The field an item names at a level: by label, alias, English label or field id."""
        defs = self.targets.fields.street if level == "street" else self.targets.fields.community
        key = self.reader.headers.key(f.item)
        found = self.reader.headers.lookup(level).get(key)  # type: ignore[arg-type]
        if found is None:
            for name, d in defs.items():
                if f.item.casefold() in {name.casefold(), (d.label_en or "").casefold()}:
                    found = name
        return (found, defs[found]) if found is not None else None


def apply(report: Report, intake: Intake, targets: Targets, findings: Sequence[Finding],
          read_issues: Iterable[Issue] = (), files: Sequence[str] = ()) -> Report:
    """The report scored on the verified figures, with both scores, every change and every finding's issue."""
    from kaohe.scoring import Scorer, _grade, competition_ranks

    a = _Applier(targets, intake)
    a.issues.extend(read_issues)
    applied: list[Finding] = []
    for f in findings:  # an appeal is applied when it was upheld; a rejected one only reported
        if not f.appeal:
            applied.append(f)
        elif decision_of(f, targets) is None:
            a.issue("appeal-no-decision", f, "decision" if "decision" in f.cells else "street", number=f.appeal,
                    upheld=targets.verification.upheld_words[0], rejected=targets.verification.rejected_words[0])
        elif decision_of(f, targets) == "upheld":
            applied.append(f)
    findings = applied
    figures: dict[tuple[str, str, str], list[tuple[Finding, Any]]] = {}  # (street, community, field)
    adjustments: dict[str, list[tuple[Finding, Decimal]]] = {}
    for f in findings:
        street = a.streets.get(a.key(f.street)) if f.street else None
        if street is None:
            a.issue("finding-unknown-street", f, "street", name=f.street or "—")
            continue
        item_key = a.reader.headers.key(f.item)
        if item_key in a.bonus or item_key in a.deduction:
            parsed = a.reader.parse(_POINTS, f.value)
            if parsed.value is None:
                a.issue(parsed.code or "invalid-number", f, street=street.name, label=f.item, label_en=f.item,
                        **(parsed.params or {}))
                continue
            if not f.note:
                a.issue("adjustment-needs-reason", f, "item", street=street.name, kind=f.item)
                continue
            points = abs(Decimal(parsed.value)) * (1 if item_key in a.bonus else -1)
            adjustments.setdefault(street.name, []).append((f, points))
            continue
        sub = street.submission
        if sub is None or sub.street is None:
            a.issue("finding-no-submission", f, "street", street=street.name)
            continue
        level = "community" if f.community else "street"
        found = a.field(f, level)
        if found is None and level == "street" and a.field(f, "community") is not None:
            label = a.field(f, "community")[1].label  # type: ignore[index]
            a.issue("finding-needs-community", f, "community", street=street.name, label=label, label_en=label)
            continue
        if found is None:
            a.issue("finding-unknown-item", f, "item", street=street.name, name=f.item or "—")
            continue
        name, fdef = found
        if level == "community" and _community_index(sub, f.community) is None:
            a.issue("finding-unknown-community", f, "community", street=street.name, name=f.community)
            continue
        parsed = a.reader.parse(fdef, f.value)
        if parsed.value is None:
            a.issue(parsed.code or "invalid-number", f, street=street.name, community=f.community or None,
                    label=fdef.label, label_en=fdef.label_en or fdef.label, **(parsed.params or {}))
            continue
        community = _community_name(sub, f.community) if level == "community" else ""
        figures.setdefault((street.name, community, name), []).append((f, parsed.value))

    # two findings for one figure must agree; then each street's figures are replaced
    chosen: dict[str, list[tuple[Finding, str, str, Any]]] = {}
    for (street_name, community, name), found_values in figures.items():
        decided = [(f, v) for f, v in found_values if f.appeal]
        if decided:  # an upheld appeal on a figure replaces what the inspectors found for it
            found_values = decided
        values = {v for _, v in found_values}
        if len(values) > 1:
            from kaohe.workbook.cells import shown as as_written

            shown = "、".join(as_written(f.value) for f, _ in found_values)  # as the findings write them
            for f, _ in found_values:
                a.issue("finding-conflict", f, street=street_name, community=community or None, values=shown)
            continue
        f, value = found_values[0]
        chosen.setdefault(street_name, []).append((f, community, name, value))

    # the adjustments, within the bounds
    bounds = targets.verification.adjustments
    kept_adjustments: dict[str, list[Adjustment]] = {}
    for street_name, points_given in adjustments.items():
        for sign, limit, word in ((1, bounds.max_bonus, bounds.bonus_words[0]),
                                  (-1, bounds.max_deduction, bounds.deduction_words[0])):
            mine = [(f, p) for f, p in points_given if (p > 0) == (sign > 0)]
            total = sum((abs(p) for _, p in mine), Decimal(0))
            if not mine:
                continue
            if total > limit:
                for f, _ in mine:
                    a.issue("adjustment-over-limit", f, street=street_name, kind=word, total=_plain(total),
                            limit=_plain(limit))
                continue
            kept_adjustments.setdefault(street_name, []).extend(
                Adjustment(street_name, p, f.note, f.reference, f.inspector, f.date, f.file, f.sheet, f.at())
                for f, p in mine)

    scorer = Scorer(targets)
    overstatement = targets.verification.overstatement
    scored = scored_fields(targets)
    verified_streets: list[StreetInput] = []
    changes: dict[str, list[Change]] = {}
    for s in intake.streets:
        verified_here = chosen.get(s.name)
        if not verified_here or s.submission is None or s.submission.street is None:
            verified_streets.append(s)
            continue
        sub = s.submission
        base = scorer.judge_street(s.name, replace(sub, judged=None)).total
        made: list[Change] = []
        real: list[tuple[str, str, Any]] = []
        for f, community, name, value in verified_here:
            reported = _reported(sub, community, name)
            if reported == value:
                continue  # verified as reported: nothing changes, nothing to show
            alone = scorer.judge_street(s.name, _changed(sub, [(community, name, value)])).total
            level = "community" if community else "street"
            over = name in scored[level] and _overstated(reported, value, overstatement)
            made.append(Change(s.name, community or None, name, reported, value,
                               scorer.rounded(alone) - scorer.rounded(base), over, f.inspector, f.date, f.note,
                               f.file, f.sheet, f.at(), _source(sub, community, name)))
            real.append((community, name, value))
        if real:
            changes[s.name] = made
            verified_streets.append(replace(s, submission=_changed(sub, real)))
        else:
            verified_streets.append(s)

    verified = scorer.score(replace(intake, streets=verified_streets, issues=[*intake.issues, *a.issues]),
                            report.targets_info)
    # the overstatement rule and the adjustments, on top of the verified figures' scores
    bonus = sum((t.points for t in targets.targets if t.bonus), Decimal(0))
    most = sum((t.points for t in targets.targets if not t.bonus), Decimal(0)) + (
        min(bonus, targets.bonus_cap) if targets.bonus_cap is not None else bonus) + bounds.max_bonus
    finals: list[tuple[StreetResult, Decimal, str | None, Decimal]] = []
    for result in verified.streets:
        overstated = sum(1 for c in changes.get(result.name, []) if c.overstated)
        deduction = Decimal(0)
        cap = None
        if overstatement is not None and overstated:
            deduction = overstatement.deduct_per_figure * overstated
            if overstatement.max_deduction is not None:
                deduction = min(deduction, overstatement.max_deduction)
            cap = overstatement.grade_cap
        adjust = sum((x.points for x in kept_adjustments.get(result.name, [])), Decimal(0))
        final = min(most, max(Decimal(0), result.score - deduction + adjust)) if result.submitted else result.score
        finals.append((result, final, cap, deduction))
    ranks = competition_ranks([f for _, f, _, _ in finals])
    names = [g.name for g in targets.grades]
    streets: list[StreetResult] = []
    for (result, final, cap, _), rank in zip(finals, ranks, strict=True):
        grade = _grade(targets, final, bool(result.vetoed_by)) if result.submitted else result.grade
        if cap is not None and names.index(grade) < names.index(cap):
            grade = cap
        streets.append(replace(result, score=final, grade=grade, rank=rank))
    originals = {s.name: s for s in report.streets}
    verification = Verification(
        tuple(files), len(findings),
        sum(len(c) for c in changes.values()) + sum(len(x) for x in kept_adjustments.values()),
        tuple(StreetVerification(r.name, originals[r.name].score, originals[r.name].grade, originals[r.name].rank,
                                 final, tuple(changes.get(r.name, [])), tuple(kept_adjustments.get(r.name, [])),
                                 deduction, cap)
              for (r, final, cap, deduction) in finals), report)
    return replace(verified, streets=tuple(streets), period=report.period, verification=verification,
                   targets=report.targets, intake=replace(intake, streets=verified_streets))


class _PointsField:
    """A stand-in field for an adjustment's points: a number (the reader needs no more of a field)."""

    type = "number"
    unit = None
    range = None
    choices = None


_POINTS: Any = _PointsField()


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _norm(name: str) -> str:
    from kaohe.text import squash

    return squash(name).casefold()


def _community_index(sub: Submission, name: str) -> int | None:
    wanted = _norm(name)
    for i, unit_name in enumerate(_community_names(sub)):
        if _norm(unit_name) == wanted:
            return i
    return None


def _community_name(sub: Submission, name: str) -> str:
    index = _community_index(sub, name)
    assert index is not None
    return _community_names(sub)[index]


def _community_names(sub: Submission) -> list[str]:
    if isinstance(sub.communities, Communities):
        return list(sub.communities.names)
    return [u.name for u in sub.communities]


def _reported(sub: Submission, community: str, name: str) -> Any:
    if not community:
        assert sub.street is not None
        return sub.street.values.get(name)
    index = _community_index(sub, community)
    assert index is not None
    if isinstance(sub.communities, Communities):
        column = sub.communities.columns.get(name)
        return column[index] if column is not None else None
    return sub.communities[index].values.get(name)


def _source(sub: Submission, community: str, name: str) -> str | None:
    """Where a reported figure was read: the file and sheet!cell."""
    sheet, cell = where_read(sub, community, name)
    if cell is None:
        return sub.file
    return f"{sub.file} {sheet}!{cell}" if sheet else f"{sub.file} {cell}"


def where_read(sub: Submission, community: str, name: str) -> tuple[str | None, str | None]:
    """The sheet and A1 cell a reported figure was read from (None where no single cell was)."""
    if not community:
        assert sub.street is not None
        cell = sub.street.cells.get(name) if sub.street.cells else None
        sheet = sub.street_sheet or sub.street.sheet
    else:
        index = _community_index(sub, community)
        assert index is not None
        if isinstance(sub.communities, Communities):
            sheet, cell = sub.communities.cell_of(index, name)
        else:
            unit = sub.communities[index]
            cell = unit.cells.get(name) if unit.cells else None
            sheet = unit.sheet
    return sheet, cell


def _changed(sub: Submission, figures: list[tuple[str, str, Any]]) -> Submission:
    """The submission with some figures replaced (the street's own, or a community's), to be judged again."""
    assert sub.street is not None
    street_values = dict(sub.street.values)
    communities: Any = sub.communities
    touched = False
    if isinstance(communities, Communities):
        columns = {k: list(v) for k, v in communities.columns.items()}
    else:
        units = list(communities)
    for community, name, value in figures:
        if not community:
            street_values[name] = value
            continue
        index = _community_index(sub, community)
        assert index is not None
        touched = True
        if isinstance(communities, Communities):
            columns.setdefault(name, [None] * len(communities.names))[index] = value
        else:
            unit = units[index]
            units[index] = unit._replace(values={**unit.values, name: value})
    if touched:
        communities = (communities.replaced(columns) if isinstance(communities, Communities)
                       else tuple(units))
    street = Unit(sub.street.name, street_values, sub.street.cells, sub.street.sheet, sub.street.row)
    return replace(sub, street=street, communities=communities, judged=None)


def _overstated(reported: Any, verified: Any, rule: Any) -> bool:
    """Whether a verified figure shows the reported one overstated: a yes found to be a no, or a number
    found lower by more than the tolerance (a share of the reported number)."""
    if rule is None or reported is None:
        return False
    if isinstance(reported, bool) or isinstance(verified, bool):
        return reported is True and verified is False
    if isinstance(reported, int | float | Decimal) and isinstance(verified, int | float | Decimal):
        tolerance = Decimal(rule.tolerance.numerator) / Decimal(rule.tolerance.denominator)
        return Decimal(verified) < Decimal(reported) * (1 - tolerance)
    return False


def appeals_of(before: Report, after: Report, decided: Sequence[Finding], files: Sequence[str],
               targets: Targets) -> Appeals:
    """The appeals block: every appeal row's decision, and each street's score before the appeals (`before`:
    verified, or self-assessed without findings) and after them (`after`: final)."""
    decisions = []
    for f in decided:
        if not f.appeal:
            continue
        decision = decision_of(f, targets)
        if decision is None:
            continue  # an issue in the report already says so
        value = f.value if decision == "upheld" and not (isinstance(f.value, str) and not f.value.strip()) else None
        decisions.append(AppealDecision(f.appeal, f.street, f.community or None, f.item, decision,  # type: ignore[arg-type]
                                        value, f.note, f.file, f.sheet, f.at("decision") or f.at("street")))

    def scores(report: Report) -> dict[str, Decimal]:
        if report.verification is not None:
            return {v.name: v.verified_score for v in report.verification.streets}
        return {s.name: s.score for s in report.streets}

    was, now = scores(before), scores(after)
    return Appeals(tuple(files), tuple(decisions),
                   tuple(AppealScore(s.name, was.get(s.name, s.score), now.get(s.name, s.score))
                         for s in after.streets))
