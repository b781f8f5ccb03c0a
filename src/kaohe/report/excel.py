"""The Excel scorecard (考核结果): the bureau's deliverable, to print, file and send upward.

Sheets: 总览 overview · 街道得分 street scores · 指标明细 target details · one page per street · 问题清单 issues ·
数据来源 sources. Every sheet has a title, prints on A4 landscape fitted to width with its header rows repeated.
Submitted text is always written as text, never as a formula (a community named `=HYPERLINK(…)` stays text).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaohe import __version__
from kaohe.model import Report, StreetResult, TargetResult
from kaohe.report import a4_landscape, plain
from kaohe.report.terminal import fmt_actual, fmt_required
from kaohe.targets import Target, Targets
from kaohe.words import Translator

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

GRADE_FILLS = ("C6EFCE", "DDEBF7", "FFEB9C", "FFC7CE")
LOST_FILL = "FFC7CE"
MET_FILL = "E2EFDA"
HEADER_FILL = "D9E1F2"

def safe_text(value: Any) -> Any:
    """A value as it goes into a cell: numbers as numbers, anything else as text."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.datetime | dt.date):
        return float(value) if isinstance(value, Decimal) else value
    if isinstance(value, Fraction):
        return float(value)
    return str(value)


class _Writer:
    """Appends styled rows to one worksheet and keeps every string a string."""

    def __init__(self, ws: Worksheet, title: str, subtitle: str, width: int) -> None:
        from openpyxl.styles import Alignment, Font

        self.ws = ws
        self.row = 1
        self.width = width
        self.put(1, title, font=Font(bold=True, size=14))
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
        ws.cell(1, 1).alignment = Alignment(horizontal="center")
        self.row = 2
        self.put(1, subtitle, font=Font(italic=True, color="595959"))
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))
        self.row = 4

    def put(self, col: int, value: Any, font: Any = None, fill: str | None = None, fmt: str | None = None) -> Any:
        from openpyxl.styles import Alignment, PatternFill

        cell = self.ws.cell(self.row, col)
        value = safe_text(value)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
            if "\n" in value or len(value) > 30:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        if fmt is not None:
            cell.number_format = fmt
        return cell

    def header(self, labels: Sequence[str]) -> int:
        from openpyxl.styles import Border, Font, Side

        thin = Side(style="thin", color="8EA9DB")
        for c, label in enumerate(labels, start=1):
            cell = self.put(c, label, font=Font(bold=True), fill=HEADER_FILL)
            cell.border = Border(bottom=thin)
        row = self.row
        self.row += 1
        return row

    def line(self, values: Sequence[Any], fills: Sequence[str | None] | None = None,
             fmts: Sequence[str | None] | None = None) -> int:
        for c, value in enumerate(values, start=1):
            fill = fills[c - 1] if fills else None
            fmt = fmts[c - 1] if fmts else None
            self.put(c, value, fill=fill, fmt=fmt)
        row = self.row
        self.row += 1
        return row

    def gap(self, n: int = 1) -> None:
        self.row += n

    def section(self, text: str) -> None:
        from openpyxl.styles import Font

        self.put(1, text, font=Font(bold=True, size=12))
        self.row += 1


def _page_setup(ws: Worksheet, title: str, header_row: int | None, widths: Sequence[float]) -> None:
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    a4_landscape(ws, f"1:{header_row}" if header_row else "1:2")
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    # Row 1 holds the title and repeats on every printed page, so the page header stays empty.
    ws.oddFooter.left.text = title.replace("&", "&&")
    ws.oddFooter.right.text = f"kaohe {__version__}"


def _grade_fill(targets: Targets, grade: str) -> str:
    names = [g.name for g in targets.grades]
    index = names.index(grade) if grade in names else len(names) - 1
    if index == len(names) - 1:
        return GRADE_FILLS[-1]
    return GRADE_FILLS[min(index, len(GRADE_FILLS) - 2)]


def _yes(value: bool | None, tr: Translator) -> str:
    if value is None:
        return "—"
    return tr("card.yes") if value else tr("card.no")


def _needed(r: TargetResult, tr: Translator) -> str:
    if r.needed is None:
        return "—"
    return str(r.needed)


def write_scorecard(report: Report, targets: Targets, path: Path, tr: Translator,
                    now: dt.datetime | None = None, progress: Any = None) -> None:
    """Write the scorecard workbook to `path` atomically (temporary file in the same folder, then rename)."""
    from openpyxl import Workbook

    from kaohe.atomic import atomic_path

    now = now or dt.datetime.now().replace(microsecond=0)
    wb = Workbook()
    default = wb.active
    by_id = {t.id: t for t in targets.targets}
    title = tr.pick(report.title, targets.title_en)
    subtitle = f"{tr('card.period')} {report.period}  ·  {tr('card.run')} {now:%Y-%m-%d %H:%M}"

    _overview(wb.create_sheet(tr("sheet.overview")), report, targets, by_id, title, subtitle, tr, now)
    _scores(wb.create_sheet(tr("sheet.scores")), report, targets, title, subtitle, tr)
    _details(wb.create_sheet(tr("sheet.details")), report, targets, title, subtitle, tr)
    used = {ws.title for ws in wb.worksheets}
    for street in sorted(report.streets, key=lambda s: s.rank):
        name = _unique_sheet_name(street.name, used)
        used.add(name)
        _street_page(wb.create_sheet(name), street, report, targets, subtitle, tr)
    if progress is not None and len(progress.periods) > 1:
        _progress(wb.create_sheet(tr("sheet.progress"), 3), progress, targets, title, subtitle, tr)
    _issues(wb.create_sheet(tr("sheet.issues")), report, title, subtitle, tr)
    _sources(wb.create_sheet(tr("sheet.sources")), report, title, subtitle, tr, now)
    if default is not None:
        wb.remove(default)
    wb.active = 0
    with atomic_path(path) as tmp:
        wb.save(tmp)


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")


def _unique_sheet_name(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", name).strip() or "_"
    base = base[:31]
    candidate, n = base, 2
    while candidate.casefold() in {u.casefold() for u in used}:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    return candidate


def _overview(ws: Worksheet, report: Report, targets: Targets, by_id: dict[str, Target], title: str,
              subtitle: str, tr: Translator, now: dt.datetime) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.pagebreak import Break

    w = _Writer(ws, title, subtitle, 7)
    facts = [
        (tr("card.period"), report.period),
        (tr("card.targets_file"), report.targets_file or ""),
        (tr("card.run"), now.strftime("%Y-%m-%d %H:%M")),
        (tr("card.expected"), report.streets_expected),
        (tr("card.submitted"), report.streets_submitted),
        (tr("card.communities"), report.communities),
        (tr("card.issues_n"), len(report.issues)),
    ]
    for label, value in facts:
        w.put(1, label, font=Font(bold=True))
        w.put(2, value).alignment = Alignment(horizontal="left")
        w.gap()
    w.gap()
    w.section(tr("card.district"))
    first = w.header([tr("card.target"), tr("card.points"), tr("card.required"), tr("card.actual"),
                      tr("card.met"), tr("card.needed"), tr("card.share")]) + 1
    for r in report.district:
        target = by_id[r.id]
        share = float(r.actual) if isinstance(r.actual, Fraction) else None
        w.line([target.name(tr.lang), plain(target.points), fmt_required(target, r, tr), fmt_actual(r, tr),
                _yes(r.met, tr), _needed(r, tr), share],
               fills=[None, None, None, None, MET_FILL if r.met else LOST_FILL, None, None],
               fmts=[None, None, None, None, None, None, "0.0%"])
    last = w.row - 1
    w.gap()
    w.section(tr("card.grades"))
    grade_first = w.header([tr("card.grade"), tr("card.count")]) + 1
    for g in targets.grades:
        w.line([g.title(tr.lang), sum(1 for s in report.streets if s.grade == g.name)],
               fills=[_grade_fill(targets, g.name), None])
    grade_last = w.row - 1
    _page_setup(ws, title, first - 1, [46, 8, 12, 18, 8, 8, 10])
    ws.freeze_panes = None

    chart = BarChart()
    chart.type = "bar"
    chart.title = tr("card.chart_targets")
    chart.y_axis.title = tr("card.share")
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.numFmt = "0%"
    data = Reference(ws, min_col=7, min_row=first - 1, max_row=last)
    cats = Reference(ws, min_col=1, min_row=first, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.legend = None
    chart.height, chart.width = 9, 16
    ws.add_chart(chart, f"A{grade_last + 3}")
    ws.row_breaks.append(Break(id=grade_last + 1))  # the attainment chart prints on a page of its own

    grades_chart = BarChart()
    grades_chart.title = tr("card.grades")
    grades_chart.add_data(Reference(ws, min_col=2, min_row=grade_first - 1, max_row=grade_last), titles_from_data=True)
    grades_chart.set_categories(Reference(ws, min_col=1, min_row=grade_first, max_row=grade_last))
    grades_chart.legend = None
    grades_chart.height, grades_chart.width = 6, 10
    ws.add_chart(grades_chart, f"E{grade_first - 1}")


def _scores(ws: Worksheet, report: Report, targets: Targets, title: str, subtitle: str, tr: Translator) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    scored = [t for t in targets.targets if t.points > 0]
    labels = [tr("card.rank"), tr("card.street"), tr("card.status"),
              *(f"{t.short_name(tr.lang)}\n({plain(t.points)})" for t in scored), tr("card.score"),
              tr("card.grade"), tr("card.file")]
    w = _Writer(ws, title + " — " + tr("sheet.scores"), subtitle, len(labels))
    header = w.header(labels)
    first = header + 1
    for s in sorted(report.streets, key=lambda s: s.rank):
        points = {r.id: r for r in s.targets}
        values: list[Any] = [s.rank, s.name, tr(f"status_{s.status}")]
        fills: list[str | None] = [None, None, None if s.submitted else LOST_FILL]
        for t in scored:
            r = points.get(t.id)
            values.append(float(r.points) if r else 0)
            fills.append(None if r is not None and r.met else LOST_FILL)
        grade = next((g.title(tr.lang) for g in targets.grades if g.name == s.grade), s.grade)
        values += [float(s.score), grade, "、".join(s.files)]
        fills += [None, _grade_fill(targets, s.grade), None]
        w.line(values, fills=fills, fmts=[None, None, None, *(["0.##"] * len(scored)), "0.00", None, None])
        ws.cell(w.row - 1, 4 + len(scored)).font = Font(bold=True)
    last = w.row - 1
    ws.freeze_panes = ws.cell(first, 3)
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(labels))}{max(last, header)}"
    ws.row_dimensions[header].height = 32
    _page_setup(ws, title, header, [6, 14, 10, *([7] * len(scored)), 9, 9, 24])

    chart = BarChart()
    chart.title = tr("card.chart_scores")
    chart.y_axis.title = tr("card.score")
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    score_col = 4 + len(scored)
    chart.add_data(Reference(ws, min_col=score_col, min_row=header, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
    chart.legend = None
    chart.height, chart.width = 8, 24
    ws.add_chart(chart, f"A{last + 3}")


def _details(ws: Worksheet, report: Report, targets: Targets, title: str, subtitle: str, tr: Translator) -> None:
    labels = [tr("card.target"), tr("card.street"), tr("card.community"), tr("card.value"),
              tr("card.file"), tr("card.sheet"), tr("card.cell")]
    w = _Writer(ws, title + " — " + tr("sheet.details"), subtitle, len(labels))
    header = w.header(labels)
    any_row = False
    for target in targets.targets:
        for s in report.streets:
            r = next((x for x in s.targets if x.id == target.id), None)
            if r is None:
                continue
            for f in r.failing:
                community = "" if target.level == "street" else f.name
                w.line([target.name(tr.lang), s.name, community, _shown(f.value, tr), "、".join(s.files),
                        f.sheet or "", f.cell or ""])
                any_row = True
    if not any_row:
        w.put(1, tr("card.none_failing"))
    ws.freeze_panes = ws.cell(header + 1, 1)
    ws.auto_filter.ref = f"A{header}:G{max(w.row - 1, header)}"
    _page_setup(ws, title, header, [40, 12, 14, 12, 22, 12, 8])


def _shown(value: Any, tr: Translator) -> Any:
    if value is None:
        return tr("unreadable_value")
    if isinstance(value, bool):
        return _yes(value, tr)
    return plain(value)


def _street_page(ws: Worksheet, s: StreetResult, report: Report, targets: Targets, subtitle: str,
                 tr: Translator) -> None:
    from openpyxl.styles import Alignment, Font

    title = tr("card.street_page", name=s.name)
    w = _Writer(ws, title, subtitle, 7)
    grade = next((g.title(tr.lang) for g in targets.grades if g.name == s.grade), s.grade)
    for label, value, fill in ((tr("card.score"), float(s.score), None),
                               (tr("card.grade"), grade, _grade_fill(targets, s.grade)),
                               (tr("card.rank"), f"{s.rank} / {report.streets_expected}", None),
                               (tr("card.submission"), "、".join(s.files) or "—", None)):
        w.put(1, label, font=Font(bold=True))
        w.put(2, value, fill=fill, fmt="0.00" if isinstance(value, float) else None).alignment = \
            Alignment(horizontal="left")
        w.gap()
    if s.rows is not None:
        w.put(1, tr("card.rows"), font=Font(bold=True))
        w.put(2, f"{s.rows.read} / {s.rows.skipped} / {s.rows.rejected}")
        w.gap()
    w.gap()
    if not s.submitted:
        w.put(1, tr("card.not_submitted"), font=Font(bold=True, color="C00000"))
        _page_setup(ws, title, None, [40, 12, 12, 16, 8, 10, 8])
        return
    w.header([tr("card.target"), tr("card.points"), tr("card.max"), tr("card.required"),
                       tr("card.actual"), tr("card.met"), tr("card.needed")])
    by_id = {t.id: t for t in targets.targets}
    for r in s.targets:
        target = by_id[r.id]
        w.line([target.name(tr.lang), float(r.points), plain(r.max_points), fmt_required(target, r, tr),
                fmt_actual(r, tr), _yes(r.met, tr), _needed(r, tr)],
               fills=[None, None if r.met or r.met is None else LOST_FILL, None, None, None,
                      None if r.met is None else (MET_FILL if r.met else LOST_FILL), None],
               fmts=[None, "0.##", None, None, None, None, None])
    lost = [(by_id[r.id], r) for r in s.targets if r.failing and by_id[r.id].points and r.points < r.max_points]
    if lost:
        w.gap()
        w.section(tr("card.where_lost"))
        w.header([tr("card.target"), tr("card.community"), tr("card.value"), tr("card.sheet"),
                  tr("card.cell"), tr("card.lost")])
        for target, r in lost:
            lost_points = plain(r.max_points - r.points) if target.points else 0
            for f in r.failing:
                community = "" if target.level == "street" else f.name
                w.line([target.name(tr.lang), community, _shown(f.value, tr), f.sheet or "", f.cell or "",
                        lost_points])
                lost_points = ""
    issues = [i for i in report.issues if i.street == s.name]
    if issues:
        w.gap()
        w.section(tr("sheet.issues"))
        w.header([tr("card.message"), tr("card.community"), tr("card.sheet"), tr("card.cell"),
                  tr("card.hint")])
        for i in issues:
            w.line([i.message(tr.lang), i.community or "", i.sheet or "", i.cell or "", i.hint(tr.lang)])
    _page_setup(ws, title, None, [44, 12, 10, 14, 14, 8, 10])  # repeat only the title on later pages


def _issues(ws: Worksheet, report: Report, title: str, subtitle: str, tr: Translator) -> None:
    from openpyxl.utils import get_column_letter

    labels = [tr("card.severity"), tr("card.code"), tr("card.street"), tr("card.file"), tr("card.sheet"),
              tr("card.cell"), tr("card.community"), tr("card.message"), tr("card.hint")]
    w = _Writer(ws, title + " — " + tr("sheet.issues"), subtitle, len(labels))
    header = w.header(labels)
    for i in report.issues:
        w.line([tr(f"severity.{i.severity}"), i.code, i.street or "", i.file or "", i.sheet or "",
                i.cell or "", i.community or "", i.message(tr.lang), i.hint(tr.lang)],
               fills=[LOST_FILL if i.severity == "error" else "FFEB9C", *([None] * 8)])
    if not report.issues:
        w.put(1, tr("card.no_issues"))
    ws.freeze_panes = ws.cell(header + 1, 1)
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(labels))}{max(w.row - 1, header)}"
    _page_setup(ws, title, header, [7, 18, 10, 18, 10, 7, 12, 64, 44])


def _sources(ws: Worksheet, report: Report, title: str, subtitle: str, tr: Translator, now: dt.datetime) -> None:
    raw = any(info.raw_name for info in report.inputs)  # a name from another system: its bytes, for the record
    labels = [tr("card.kind"), tr("card.file"), tr("card.size"), tr("card.modified"), tr("card.sha")]
    labels += [tr("card.raw_name")] if raw else []
    w = _Writer(ws, title + " — " + tr("sheet.sources"), subtitle, len(labels))
    header = w.header(labels)
    rows = [(tr("card.targets"), report.targets_info)]
    if report.roster_info is not None:
        rows.append((tr("card.roster"), report.roster_info))
    rows += [(tr("card.input"), info) for info in report.inputs]
    for kind, info in rows:
        if info is None:
            continue
        w.line([kind, info.name, info.size, info.modified, info.sha256] + ([info.raw_name] if raw else []))
    w.gap()
    w.line([tr("card.version"), f"kaohe {__version__}"])
    w.line([tr("card.source"), report.source])
    w.line([tr("card.run"), now.strftime("%Y-%m-%d %H:%M:%S")])
    _page_setup(ws, title, header, [12, 28, 12, 20, 68] + ([40] if raw else []))


def _progress(ws: Worksheet, progress: Any, targets: Targets, title: str, subtitle: str, tr: Translator) -> None:
    """The district's value on every scored target in every recorded period, and a line chart per target."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.worksheet.pagebreak import Break

    periods = list(progress.periods)
    labels = [tr("card.target"), *periods, tr("card.required")]
    w = _Writer(ws, title + " — " + tr("sheet.progress"), subtitle, len(labels))
    header = w.header(labels)
    by_id = {t.id: t for t in targets.targets}
    for track in progress.district:
        w.line([by_id[track.target].name(tr.lang), *track.values, track.required],
               fmts=[None, *(["0%"] * len(periods)), "0%"])
    last = w.row - 1
    _page_setup(ws, title, header, [46, *([10] * len(periods)), 10])
    for i, row in enumerate(range(header + 1, last + 1)):
        chart = LineChart()
        chart.title = by_id[progress.district[i].target].short_name(tr.lang)
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(periods), min_row=row), from_rows=True,
                       titles_from_data=False)
        chart.set_categories(Reference(ws, min_col=2, max_col=1 + len(periods), min_row=header))
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.y_axis.numFmt = "0%"
        chart.legend = None
        chart.height, chart.width = 4.5, 8
        # column A is wide: a chart there spans it alone, the next ones start at B and F
        ws.add_chart(chart, f"{('A', 'B', 'F')[i % 3]}{last + 3 + (i // 3) * 10}")
    ws.row_breaks.append(Break(id=last + 1))  # the charts print on a page of their own
