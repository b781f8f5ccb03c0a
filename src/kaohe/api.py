"""kaohe as a library: one call per job, each returning a value or raising a KaoheError.

    import kaohe

    report = kaohe.assess("报送表/", roster="街道名单.csv")      # a Report: immutable, typed
    print(report.streets[0].name, report.streets[0].score)
    kaohe.write_scorecard(report, "考核结果.xlsx")
    kaohe.History("kaohe-history.sqlite").record(report)

The command line (kaohe/cli.py) is these calls with options in front and a renderer behind. Nothing here
prints, exits, or changes the process (its streams, its garbage collector): that is the caller's to decide.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kaohe.errors import InputError, KaoheError
from kaohe.periods import PERIOD as PERIOD  # the one period grammar, named by the library too
from kaohe.periods import check_period as check_period

if TYPE_CHECKING:  # imported where used: a command that needs none of them starts fast
    from kaohe.intake.readings import Readings
    from kaohe.model import Intake, Report
    from kaohe.targets import Targets
    from kaohe.tracking.compare import Comparison
    from kaohe.tracking.history import Recorded
    from kaohe.tracking.progress import Progress as Course

PathLike = str | os.PathLike[str]
Progress = Callable[[str, int, int], None]  # (file name, files done, files in all)
from kaohe.resources import DEFAULT_HISTORY as DEFAULT_HISTORY  # noqa: E402 (the library names it too)


def load_targets(path: PathLike | None = None) -> Targets:
    """A targets file, validated (TargetsError naming the YAML line otherwise); the bundled 2005 targets by
    default."""
    from kaohe.resources import DEFAULT_TARGETS, bundled
    from kaohe.targets import load_targets as load

    return load(Path(path) if path is not None else bundled(DEFAULT_TARGETS))


def _targets(targets: Targets | PathLike | None) -> Targets:
    from kaohe.targets import Targets

    return targets if isinstance(targets, Targets) else load_targets(targets)


def assess(source: PathLike | None = None, *, targets: Targets | PathLike | None = None,
           roster: PathLike | None = None, period: str | None = None,
           on_progress: Progress | None = None, verified: PathLike | None = None,
           history: PathLike | None = None, readings: Readings | None = None,
           appeals: PathLike | None = None, rectifications: PathLike | None = None) -> Report:
    """Assess a folder of street workbooks (or one workbook) against the targets: the whole district's Report.

    With no `source`, the bundled sample district (and its roster). `roster` defaults to 街道名单.csv /.xlsx
    inside or beside the folder; `period` overrides the targets file's (2005, 2005-H1 …). `on_progress(name,
    done, total)` is called as each file has been read. Bad workbooks are issues in the report, not errors;
    a KaoheError means no assessment could be made (no such folder, a broken targets or roster file).

    With `verified` (a findings file or a folder of them: inspectors' 核查 results), the report is scored on
    the verified figures where a finding exists, with the targets file's overstatement rule and adjustments
    applied, and carries `verification`: every street's self-assessed and verified score and every change.

    With `appeals` (an appeals file: a findings file with the appeal's number and the decision, 申诉编号 and 裁定),
    the upheld appeals are applied as findings on top of `verified`'s, the rejected ones reported; the report
    carries `appeals`: every decision and each street's score before (verified) and after (final).

    With `rectifications` (a rectification list: what the desk exports, or one a bureau keeps), its open items
    of earlier periods are carried by the report (the scorecard's 整改 sheet).

    With `history` (a file written by History.record), a street whose community count moved far from the last
    recorded period's is warned about (count_check): the command line and the desk compose it the same way.

    `readings` (the desk's kaohe.intake.readings.Readings) keeps what each file's bytes read as, so that a
    file is read once over many assessments.
    """
    from kaohe.intake import file_info, gather
    from kaohe.resources import DEFAULT_TARGETS, SAMPLE_ROSTER, SAMPLE_SUBMISSIONS, bundled
    from kaohe.scoring import score

    if period is not None:
        check_period(period)
    rules = _targets(targets)
    if source is None:
        folder = bundled(SAMPLE_SUBMISSIONS)
        roster = roster if roster is not None else bundled(SAMPLE_ROSTER)
    else:
        folder = Path(source)
    intake = gather(folder, rules, Path(roster) if roster is not None else None, progress=on_progress,
                    judge=True, readings=readings)
    if not intake.files:  # nothing to assess: an error, not a page of ✓ over zero streets
        raise InputError(key="err.no_workbooks", path=str(folder))
    _check_roster_matches(intake)
    targets_path = rules.source_path or bundled(DEFAULT_TARGETS)
    report = score(rules, intake, file_info(targets_path) if targets_path.is_file() else None)
    report = replace(report, period=period or report.period, targets=rules, intake=intake, sample=source is None)
    if verified is not None or appeals is not None:
        from kaohe.verify import appeals_of, apply, read_findings

        findings, issues, files = read_findings(Path(verified), rules) if verified is not None else ([], [], [])
        before = apply(report, intake, rules, findings, issues, files) if verified is not None else report
        if appeals is None:
            report = before
        else:
            decided, more, names = read_findings(Path(appeals), rules)
            after = apply(report, intake, rules, [*findings, *decided], [*issues, *more], [*files, *names])
            report = replace(after, appeals=appeals_of(before, after, decided, names, rules))
    if rectifications is not None:
        from kaohe.rectify import read_rectifications

        report = replace(report, rectifications=tuple(read_rectifications(Path(rectifications))))
    if history is not None:
        report = count_check(report, history)
    return period_check(report)


def _check_roster_matches(intake: Intake) -> None:
    """A roster none of whose streets sent a workbook that kaohe could match, while workbooks did name streets,
    is another district's roster (or a garbled one): an error, not a table of zeros."""
    from kaohe.errors import RosterError

    if intake.roster_file is None or any(s.status != "missing" for s in intake.streets):
        return
    found = list(dict.fromkeys(i.street for i in intake.issues if i.code == "unknown-street" and i.street))
    if found:
        raise RosterError(key="err.roster_matches_none", path=intake.roster_file, count=len(intake.streets),
                          found="、".join(found[:6]) + ("…" if len(found) > 6 else ""))


def learn(source: PathLike, *, targets: Targets | PathLike | None = None, lang: Literal["zh", "en"] = "zh") \
        -> tuple[str, int]:
    """What a folder of workbooks would teach the targets file: every word and header it did not know, placed
    where it belongs (a yes word, a no word, a choice's spelling, a field's alias) as a patch for a person to
    review and then `accept`. Returns the patch text and how many additions it proposes (words whose place
    kaohe cannot tell are comments in the text, not counted)."""
    from kaohe.targets.learn import UNSURE, collect, render

    report = assess(source, targets=targets)
    rules = report.targets
    assert rules is not None
    patch = collect(rules, report.issues)
    name = rules.source_path.name if rules.source_path else "targets.yaml"
    count = sum(len(words) for path, words in patch.words.items() if not path.startswith(UNSURE))
    return render(patch, str(rules.source_path or name), Path(source).name, lang), count


def suggestion(report: Report, lang: Literal["zh", "en"] = "zh") -> str:
    """The patch `learn` would write, from a report already made (kaohe assess/check --suggest); '' when there
    is nothing to suggest."""
    from kaohe.targets.learn import collect, render

    rules = _report_targets(report)
    patch = collect(rules, report.issues)
    if not patch:
        return ""
    return render(patch, str(rules.source_path or "targets.yaml"), report.source or "", lang)


def accept_learned(patch: PathLike, targets: PathLike, out: PathLike | None = None) -> tuple[Path, Path | None,
                                                                                   dict[str, list[str]]]:
    """Write a reviewed `learn` patch into a targets file: the words go into their lists, everything else of the
    file (its comments, order, layout) stays as it is. The result is loaded before it takes its place, so a
    patch never leaves a targets file kaohe cannot read. Without `out` the file is changed in place and its
    previous text kept beside it (name.before-learn-N.yaml). Returns (written, kept copy or None, added)."""
    from kaohe.atomic import atomic_path
    from kaohe.errors import TargetsError
    from kaohe.targets import load_targets
    from kaohe.targets.learn import PatchError, read_patch
    from kaohe.targets.learn import accept as insert

    patch_path, targets_path = Path(patch), Path(targets)
    if out is None:
        from kaohe.resources import DEFAULT_TARGETS, bundled

        if targets_path.resolve() == bundled(DEFAULT_TARGETS).resolve():  # kaohe's own copy, in its install
            raise KaoheError(key="err.accept_bundled", path=str(targets_path))
    try:
        additions = read_patch(patch_path.read_text(encoding="utf-8"))
        text = targets_path.read_text(encoding="utf-8")
        changed, added = insert(text, additions)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{exc}") from exc
    except PatchError as exc:
        raise TargetsError(f"{patch_path}: {exc}") from exc
    dest = Path(out) if out is not None else targets_path
    kept: Path | None = None
    if not added and out is None:
        return targets_path, None, {}  # nothing new: the file is not touched
    with atomic_path(dest) as tmp:
        tmp.write_text(changed, encoding="utf-8")
        load_targets(tmp)  # raises TargetsError: the patched file must load
        if out is None:
            n = 1
            while (candidate := targets_path.with_name(f"{targets_path.stem}.before-learn-{n}{targets_path.suffix}")
                   ).exists():
                n += 1
            candidate.write_text(text, encoding="utf-8")
            kept = candidate
    return dest, kept, added


def period_check(report: Report) -> Report:
    """The report with a warning for each workbook whose title names another period than the one assessed
    (…统计表（2005年上半年） in an assessment of 2005): the headers' periods are checked as they are read, a
    title's only here, where the period assessed is known (--period, the desk's period)."""
    from kaohe.issues import Issue
    from kaohe.periods import named_periods, same_period

    if report.intake is None:
        return report
    parts = _report_targets(report).layout.period_parts
    added = []
    for street in report.intake.streets:
        sub = street.submission
        for sheet, cell, text in sub.titles if sub is not None else ():
            named = named_periods(text, parts)
            if named and not any(same_period(n, report.period) for n in named):
                added.append(Issue("title-other-period", sub.file if sub else None, sheet, cell, street=street.name,
                                   params={"text": text, "named": named[0], "period": report.period}))
                break  # one title a workbook is enough to say it
    return replace(report, issues=tuple(report.issues) + tuple(added)) if added else report


def count_check(report: Report, history: PathLike | None = DEFAULT_HISTORY) -> Report:
    """The report with a warning for each street whose community count moved from the last recorded period's
    by more than the targets file's `layout.community_count_tolerance` (half a table read, or one continued
    where kaohe did not look). The history is an extra: absent, damaged or locked, the report is unchanged."""
    from kaohe.issues import Issue

    if history is None or not Path(history).exists():
        return report
    rules = _report_targets(report)
    try:
        runs = [r for r in History(history).load_all() if r.period != report.period]
    except KaoheError:
        return report
    if not runs:
        return report
    last = runs[-1]
    before = {s["name"]: s.get("communities") for s in last.report.get("streets", []) if s.get("submitted", True)}
    tolerance = rules.layout.community_count_tolerance
    added = []
    for street in report.streets:
        was = before.get(street.name)
        if not street.submitted or not isinstance(was, int) or was <= 0:
            continue
        if abs(street.communities - was) > tolerance * was:
            added.append(Issue("community-count-changed", street.files[0] if street.files else None,
                               street=street.name, params={"before": was, "now": street.communities,
                                                           "period": last.period,
                                                           "share": f"{tolerance:.0%}"}))
    if not added:
        return report
    return replace(report, issues=tuple(report.issues) + tuple(added))


def check(workbooks: PathLike | Sequence[PathLike], *, targets: Targets | PathLike | None = None,
          period: str | None = None, readings: Readings | None = None) -> Report:
    """A street's self-check: its workbook(s) read exactly as assess reads them, scored on their own, for
    `period` (default: the targets file's). With `readings`, read as assess reads them with the same readings
    (scored in the worker), so that the district's next assessment does not read them again."""
    from kaohe.intake import file_info, gather_files
    from kaohe.scoring import score

    paths = [Path(workbooks)] if isinstance(workbooks, str | os.PathLike) else [Path(w) for w in workbooks]
    missing = [p for p in paths if not os.path.lexists(p)]  # anything else there is read, or said why not
    if missing:
        raise InputError(key="err.no_workbook", path=str(missing[0]))
    rules = _targets(targets)
    intake = gather_files(paths, rules, None, source="check", warn_no_roster=False, judge=readings is not None,
                          readings=readings)
    info = file_info(rules.source_path) if rules.source_path and rules.source_path.is_file() else None
    report = replace(score(rules, intake, info), targets=rules, intake=intake)
    return period_check(replace(report, period=check_period(period)) if period else report)


def to_document(report: Report, lang: Literal["zh", "en"] = "zh") -> dict[str, Any]:
    """The report as the kaohe.report/1 JSON document (plain data: dicts, lists, str, numbers, None)."""
    from kaohe.report.json import to_document as document
    from kaohe.words import Translator

    return document(report, _report_targets(report), Translator(lang))


def write_scorecard(report: Report, path: PathLike, *, lang: Literal["zh", "en"] = "zh",
                    history: PathLike | None = DEFAULT_HISTORY, force: bool = False,
                    on_warning: Callable[[KaoheError], None] | None = None) -> Path:
    """Write the Excel scorecard atomically; never over one of the report's inputs, and over an existing file
    only with `force`. With a history file that exists, the scorecard gains a 进度 sheet; a history that
    cannot be read (damaged, locked, not SQLite) leaves that sheet out and is passed to `on_warning`."""
    from kaohe.report.excel import write_scorecard as write

    out = Path(path)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise KaoheError(key="err.scorecard_suffix", path=str(out))
    targets = _report_targets(report)
    _check_new_output(report, out, force)
    progress = None
    if history is not None and Path(history).exists():
        try:
            runs = [(r.period, r.report) for r in History(history).load_all() if r.period != report.period]
        except KaoheError as exc:  # the history is an extra: without it the scorecard is still whole
            runs = None
            if on_warning is not None:
                on_warning(exc)
        if runs is not None:
            from kaohe.tracking.progress import progress as course

            progress = course([*runs, (report.period, to_document(report, lang))], targets)
    from kaohe.words import Translator

    write(report, targets, out, Translator(lang), progress=progress)
    return out


REPORT_SUFFIXES = (".xlsx", ".xlsm", ".json", ".csv")


def write_report(report: Report, path: PathLike, *, lang: Literal["zh", "en"] = "zh",
                 history: PathLike | None = DEFAULT_HISTORY, force: bool = False,
                 on_warning: Callable[[KaoheError], None] | None = None) -> Path:
    """Write the report to a file of the kind its suffix names: .xlsx (or .xlsm) the Excel scorecard, .json the
    kaohe.report/1 document, .csv the score table (UTF-8 with a BOM, so Excel on Chinese Windows reads it
    right). Atomically; never over an input, over an existing file only with `force`."""
    import json

    from kaohe.atomic import atomic_path

    out = Path(path)
    suffix = out.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return write_scorecard(report, out, lang=lang, history=history, force=force, on_warning=on_warning)
    if suffix not in REPORT_SUFFIXES:
        raise KaoheError(key="err.out_suffix", path=str(out))
    _check_new_output(report, out, force)
    from kaohe.words import Translator

    tr = Translator(lang)
    if suffix == ".json":
        text = json.dumps(to_document(report, lang), ensure_ascii=False, indent=2) + "\n"
    else:
        from kaohe.report.csv import render_csv

        text = "\ufeff" + render_csv(report, _report_targets(report), tr)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
    return out


def _check_new_output(report: Report, out: Path, force: bool, new_folder: bool = False) -> None:
    from kaohe.atomic import OutputError, check_output

    inputs = [Path(i.path) for i in report.inputs]
    for info in (report.targets_info, report.roster_info):
        if info is not None:
            inputs.append(Path(info.path))
    check_output(out.parent if new_folder and not out.parent.exists() else out, inputs)
    if out.exists() and not force:
        raise OutputError(key="err.exists", path=str(out))


def write_street_results(report: Report, folder: PathLike, *, lang: Literal["zh", "en"] = "zh",
                         force: bool = False) -> list[Path]:
    """One workbook per street, named by the street, for the bureau to send back: its score, grade, rank,
    points per target, where each point was lost (file, sheet, cell), what it still needs, its issues with
    their fixes — the page `kaohe check --out` gives a street before it sends. Every file is written
    atomically and they appear together (kaohe.atomic.together): the folder, made if it does not exist, holds
    all of them or none; if any of them exists already, none is written unless `force`."""
    from kaohe.atomic import OutputError, together
    from kaohe.report.excel import write_street_book
    from kaohe.report.template import unique_file_stems
    from kaohe.words import Translator

    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise OutputError(key="err.not_a_folder_out", path=str(out))
    stems = unique_file_stems([s.name for s in report.streets])
    paths = {s.name: out / f"{stems[s.name]}.xlsx" for s in report.streets}
    for path in paths.values():
        try:
            _check_new_output(report, path, force, new_folder=True)
        except OutputError as exc:
            if exc.key == "err.exists":
                existing = sum(1 for p in paths.values() if p.exists())
                raise OutputError(key="err.exists_many", folder=str(out), count=existing, example=path.name) from exc
            raise
    tr = Translator(lang)
    targets = _report_targets(report)
    with together():
        for street in report.streets:
            write_street_book(report, [street], targets, paths[street.name], tr)
    return list(paths.values())


def write_check_result(report: Report, path: PathLike, *, lang: Literal["zh", "en"] = "zh",
                       force: bool = False) -> Path:
    """A self-check (check()) as a workbook: the same page a street receives from the bureau
    (write_street_results), a sheet for each street the checked workbooks name."""
    from kaohe.report.excel import write_street_book
    from kaohe.words import Translator

    out = Path(path)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise KaoheError(key="err.scorecard_suffix", path=str(out))
    _check_new_output(report, out, force)
    write_street_book(report, list(report.streets), _report_targets(report), out, Translator(lang))
    return out


@dataclass(frozen=True)
class TemplateWritten:
    """One street's template: where it went, and whether it was written or left as it was."""

    street: str
    path: Path
    written: bool


def write_templates(out_dir: PathLike, *, targets: Targets | PathLike | None = None,
                    roster: PathLike | None = None, streets: Sequence[str] = (), rows: int = 40,
                    force: bool = False, lang: Literal["zh", "en"] = "zh") -> list[TemplateWritten]:
    """One blank submission workbook per street (the roster's, or `streets`), generated from the targets.

    An existing file is left alone unless `force`. With neither a roster nor streets: the sample roster.
    """
    from kaohe.intake.roster import load_roster
    from kaohe.report.template import unique_file_stems, write_template
    from kaohe.resources import SAMPLE_ROSTER, bundled
    from kaohe.words import Translator

    rules = _targets(targets)
    tr = Translator(lang)
    names = list(streets) or load_roster(Path(roster) if roster is not None else bundled(SAMPLE_ROSTER), rules)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    stems = unique_file_stems(names)  # two names may make one file name (东风/街道, 东风_街道): each gets its own
    for name in names:
        path = folder / f"{stems[name]}.xlsx"
        if path.exists() and not force:
            done.append(TemplateWritten(name, path, False))
            continue
        write_template(path, rules, name, rows, tr)
        done.append(TemplateWritten(name, path, True))
    return done


def write_verification_sheets(source: PathLike, out_dir: PathLike, *, targets: Targets | PathLike | None = None,
                              roster: PathLike | None = None, force: bool = False,
                              lang: Literal["zh", "en"] = "zh") -> list[TemplateWritten]:
    """A 核查表 per street that submitted, pre-filled from its submission (every figure a scored target reads,
    with the file and cell it came from), to take on site; filled in, each is a findings file."""
    from kaohe.report.template import unique_file_stems, verification_rows, write_verification_sheet
    from kaohe.words import Translator
    from kaohe.workbook.sheets import read_book

    report = assess(source, targets=targets, roster=roster)
    assert report.intake is not None and report.targets is not None
    tr = Translator(lang)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    submitted = [s for s in report.intake.streets if s.submission is not None and s.submission.street is not None]
    stems = unique_file_stems([s.name for s in submitted])
    paths = {info.name: Path(info.path) for info in report.intake.inputs}
    done = []
    for street in submitted:
        path = folder / f"{stems[street.name]}-{tr('verify.sheet')}.xlsx"
        if path.exists() and not force:
            done.append(TemplateWritten(street.name, path, False))
            continue
        assert street.submission is not None
        try:  # the workbook again, for what its clerk wrote (read as it was: it was read a moment ago)
            book = read_book(paths[street.submission.file])
        except (KeyError, KaoheError):
            book = None
        rows = verification_rows(street.submission, street.name, report.targets, tr, book)
        write_verification_sheet(path, report.targets, street.name, report.period, rows, tr)
        done.append(TemplateWritten(street.name, path, True))
    return done


class History:
    """The assessment history: one SQLite file, one run per `record`, the figures behind every run kept."""

    def __init__(self, path: PathLike = DEFAULT_HISTORY) -> None:
        self.path = Path(path)

    def record(self, report: Report, lang: Literal["zh", "en"] = "zh",
               on_committed: Callable[[int], None] | None = None) -> int:
        """Store a report from assess() (its JSON document and every figure it was scored on); its run id.
        `on_committed(run id)` is called the moment the run is in the file (see tracking.history.record)."""
        from kaohe.tracking.history import record

        if report.intake is None:
            raise KaoheError(key="err.record_needs_intake")
        document = to_document(report, lang)
        if report.verification is not None and report.verification.self_report is not None:
            # both assessments: progress and compare can follow either (basis="self")
            document["verification"]["self_report"] = to_document(report.verification.self_report, lang)
        return record(self.path, report, report.intake, document, on_committed)

    def periods(self) -> list[tuple[str, int, str]]:
        """(period, runs recorded, last recorded at), in the order periods were first recorded."""
        from kaohe.tracking.history import periods

        return periods(self.path)

    def load(self, period: str) -> Recorded:
        """The latest recorded run of a period (history.Recorded: its report document and figures)."""
        from kaohe.tracking.history import load

        return load(self.path, period)

    def load_all(self) -> list[Recorded]:
        """The latest run of every recorded period."""
        from kaohe.tracking.history import load_all

        return load_all(self.path)


Basis = Literal["verified", "self"]


def basis_of(document: dict[str, Any], basis: Basis) -> dict[str, Any]:
    """A recorded report on the basis asked: as verified (the report itself), or as the streets reported it
    (the self-assessed report recorded beside it; a run recorded without findings is the same either way)."""
    if basis == "self":
        inner = (document.get("verification") or {}).get("self_report")
        if isinstance(inner, dict):
            return inner
    return document


def progress(history: PathLike | None = None, *, targets: Targets | PathLike | None = None,
             basis: Basis = "verified") -> Course:
    """Each target's course over the recorded periods and where it is heading (progress.Progress).

    With no history given and none in the working folder: the bundled sample's 2005-H1 → 2005. `basis`
    "self" follows the self-assessed figures of periods recorded with findings.
    """
    from kaohe.tracking.history import sample_reports
    from kaohe.tracking.progress import progress as course

    rules = _targets(targets)
    path = Path(history) if history is not None else DEFAULT_HISTORY
    if history is None and not path.exists():
        reports = sample_reports(rules)
    else:
        reports = [(r.period, basis_of(r.report, basis)) for r in History(path).load_all()]
    if not reports:
        raise KaoheError(key="err.history_empty", path=str(path))
    return course(reports, rules)


def compare(before: str, after: str, *, history: PathLike = DEFAULT_HISTORY,
            targets: Targets | PathLike | None = None, basis: Basis = "verified") -> Comparison:
    """Two assessments side by side (compare.Comparison): each a recorded period or a JSON report file;
    `basis` "self" compares the self-assessed reports of periods recorded with findings."""
    from kaohe.tracking.compare import compare as run

    rules = _targets(targets)
    return run(_side(before, Path(history), basis), _side(after, Path(history), basis), rules)


def _side(label: str, history: Path, basis: Basis = "verified") -> Any:
    """A JSON report file, or the latest recorded run of a period."""
    import json

    from kaohe.tracking.compare import Side

    path = Path(label)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            return Side(path.name, json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise KaoheError(key="err.not_a_report", path=str(path), detail=str(exc)[:120]) from exc
    run = History(history).load(label)
    return Side(run.period, basis_of(run.report, basis), run.facts if basis == "verified" else None)


def _report_targets(report: Report) -> Targets:
    if report.targets is None:
        raise KaoheError(key="err.report_needs_targets")
    return report.targets
