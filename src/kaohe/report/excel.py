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

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

GRADE_FILLS = ("C6EFCE", "DDEBF7", "FFEB9C", "FFC7CE")
LOST_FILL = "FFC7CE"
MET_FILL = "E2EFDA"
HEADER_FILL = "D9E1F2"

SHEETS = {
    "overview": ("总览", "Overview"),
    "scores": ("街道得分", "Street scores"),
    "details": ("指标明细", "Target details"),
    "issues": ("问题清单", "Issues"),
    "sources": ("数据来源", "Sources"),
    "progress": ("进度", "Progress"),
}

L: dict[str, tuple[str, str]] = {
    "district": ("全区", "District"), "period": ("考核期", "Period"), "targets_file": ("目标文件", "Targets file"),
    "run": ("生成时间", "Generated"), "expected": ("应报街道", "Streets expected"),
    "submitted": ("已报街道", "Streets submitted"), "communities": ("读取社区", "Communities read"),
    "issues_n": ("问题条数", "Issues"), "target": ("指标", "Target"), "points": ("分值", "Points"),
    "required": ("要求", "Required"), "actual": ("实际", "Actual"), "met": ("达标", "Met"),
    "needed": ("还差", "Needed"), "grade": ("等次", "Grade"), "count": ("街道数", "Streets"),
    "rank": ("排名", "Rank"), "street": ("街道", "Street"), "status": ("状态", "Status"),
    "score": ("得分", "Score"), "file": ("文件", "File"), "unit": ("单位", "Unit"),
    "community": ("社区", "Community"), "value": ("填报值", "Value"), "sheet": ("工作表", "Sheet"),
    "cell": ("单元格", "Cell"), "severity": ("级别", "Severity"), "code": ("代码", "Code"),
    "message": ("问题", "Problem"), "hint": ("修改办法", "How to fix"), "kind": ("类别", "Kind"),
    "size": ("大小(字节)", "Size (bytes)"), "modified": ("修改时间", "Modified"), "sha": ("SHA-256", "SHA-256"),
    "raw_name": ("原文件名字节(非UTF-8时)", "Name bytes (if not UTF-8)"),
    "lost": ("失分", "Lost"), "max": ("满分", "Max"), "yes": ("是", "yes"), "no": ("否", "no"),
    "none_failing": ("全部达标。", "Every unit meets every target."),
    "no_issues": ("没有发现问题。", "No issues."), "grades": ("等次分布", "Grades"),
    "chart_scores": ("各街道得分", "Street scores"), "chart_targets": ("全区指标完成率", "District attainment"),
    "share": ("完成率", "Attained"), "req_share": ("要求", "Required"),
    "street_page": ("{name}考核结果", "{name}: assessment"), "not_submitted": ("未报送，得0分。", "Not submitted: 0."),
    "where_lost": ("失分明细", "Where points were lost"), "submission": ("报送表", "Submission"),
    "input": ("报送表", "submission"), "roster": ("街道名单", "roster"), "targets": ("目标文件", "targets"),
    "version": ("kaohe 版本", "kaohe version"), "source": ("报送目录", "Submissions folder"),
    "rows": ("读取/跳过/拒收行", "Rows read/skipped/rejected"),
}


def _t(key: str, lang: str, **params: Any) -> str:
    zh, en = L[key]
    return (en if lang == "en" else zh).format(**params)


def _sheet_name(key: str, lang: str) -> str:
    zh, en = SHEETS[key]
    return en if lang == "en" else zh


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


def _yes(value: bool | None, lang: str) -> str:
    if value is None:
        return "—"
    return _t("yes", lang) if value else _t("no", lang)


def _needed(r: TargetResult, lang: str) -> str:
    if r.needed is None:
        return "—"
    return str(r.needed)


def write_scorecard(report: Report, targets: Targets, path: Path, lang: str = "zh",
                    now: dt.datetime | None = None, progress: Any = None) -> None:
    """Write the scorecard workbook to `path` atomically (temporary file in the same folder, then rename)."""
    from openpyxl import Workbook

    from kaohe.atomic import atomic_path

    now = now or dt.datetime.now().replace(microsecond=0)
    wb = Workbook()
    default = wb.active
    by_id = {t.id: t for t in targets.targets}
    title = targets.title_en if lang == "en" and targets.title_en else report.title
    subtitle = f"{_t('period', lang)} {report.period}  ·  {_t('run', lang)} {now:%Y-%m-%d %H:%M}"

    _overview(wb.create_sheet(_sheet_name("overview", lang)), report, targets, by_id, title, subtitle, lang, now)
    _scores(wb.create_sheet(_sheet_name("scores", lang)), report, targets, title, subtitle, lang)
    _details(wb.create_sheet(_sheet_name("details", lang)), report, targets, title, subtitle, lang)
    used = {ws.title for ws in wb.worksheets}
    for street in sorted(report.streets, key=lambda s: s.rank):
        name = _unique_sheet_name(street.name, used)
        used.add(name)
        _street_page(wb.create_sheet(name), street, report, targets, subtitle, lang)
    if progress is not None and len(progress.periods) > 1:
        _progress(wb.create_sheet(_sheet_name("progress", lang), 3), progress, targets, title, subtitle, lang)
    _issues(wb.create_sheet(_sheet_name("issues", lang)), report, title, subtitle, lang)
    _sources(wb.create_sheet(_sheet_name("sources", lang)), report, title, subtitle, lang, now)
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
              subtitle: str, lang: str, now: dt.datetime) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.pagebreak import Break

    w = _Writer(ws, title, subtitle, 7)
    facts = [
        (_t("period", lang), report.period),
        (_t("targets_file", lang), report.targets_file or ""),
        (_t("run", lang), now.strftime("%Y-%m-%d %H:%M")),
        (_t("expected", lang), report.streets_expected),
        (_t("submitted", lang), report.streets_submitted),
        (_t("communities", lang), report.communities),
        (_t("issues_n", lang), len(report.issues)),
    ]
    for label, value in facts:
        w.put(1, label, font=Font(bold=True))
        w.put(2, value).alignment = Alignment(horizontal="left")
        w.gap()
    w.gap()
    w.section(_t("district", lang))
    first = w.header([_t("target", lang), _t("points", lang), _t("required", lang), _t("actual", lang),
                      _t("met", lang), _t("needed", lang), _t("share", lang)]) + 1
    for r in report.district:
        target = by_id[r.id]
        share = float(r.actual) if isinstance(r.actual, Fraction) else None
        w.line([target.name(lang), plain(target.points), fmt_required(target, r, lang), fmt_actual(r, lang),
                _yes(r.met, lang), _needed(r, lang), share],
               fills=[None, None, None, None, MET_FILL if r.met else LOST_FILL, None, None],
               fmts=[None, None, None, None, None, None, "0.0%"])
    last = w.row - 1
    w.gap()
    w.section(_t("grades", lang))
    grade_first = w.header([_t("grade", lang), _t("count", lang)]) + 1
    for g in targets.grades:
        w.line([g.title(lang), sum(1 for s in report.streets if s.grade == g.name)],
               fills=[_grade_fill(targets, g.name), None])
    grade_last = w.row - 1
    _page_setup(ws, title, first - 1, [46, 8, 12, 18, 8, 8, 10])
    ws.freeze_panes = None

    chart = BarChart()
    chart.type = "bar"
    chart.title = _t("chart_targets", lang)
    chart.y_axis.title = _t("share", lang)
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
    grades_chart.title = _t("grades", lang)
    grades_chart.add_data(Reference(ws, min_col=2, min_row=grade_first - 1, max_row=grade_last), titles_from_data=True)
    grades_chart.set_categories(Reference(ws, min_col=1, min_row=grade_first, max_row=grade_last))
    grades_chart.legend = None
    grades_chart.height, grades_chart.width = 6, 10
    ws.add_chart(grades_chart, f"E{grade_first - 1}")


def _scores(ws: Worksheet, report: Report, targets: Targets, title: str, subtitle: str, lang: str) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    scored = [t for t in targets.targets if t.points > 0]
    labels = [_t("rank", lang), _t("street", lang), _t("status", lang),
              *(f"{t.short_name(lang)}\n({plain(t.points)})" for t in scored), _t("score", lang),
              _t("grade", lang), _t("file", lang)]
    w = _Writer(ws, title + " — " + _sheet_name("scores", lang), subtitle, len(labels))
    header = w.header(labels)
    first = header + 1
    statuses = {"submitted": ("已报送", "submitted"), "missing": ("未报送", "not submitted"),
                "unreadable": ("无法读取", "unreadable"), "duplicate": ("重复报送", "duplicate")}
    for s in sorted(report.streets, key=lambda s: s.rank):
        points = {r.id: r for r in s.targets}
        values: list[Any] = [s.rank, s.name, statuses.get(s.status, (s.status, s.status))[lang == "en"]]
        fills: list[str | None] = [None, None, None if s.submitted else LOST_FILL]
        for t in scored:
            r = points.get(t.id)
            values.append(float(r.points) if r else 0)
            fills.append(None if r is not None and r.met else LOST_FILL)
        grade = next((g.title(lang) for g in targets.grades if g.name == s.grade), s.grade)
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
    chart.title = _t("chart_scores", lang)
    chart.y_axis.title = _t("score", lang)
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    score_col = 4 + len(scored)
    chart.add_data(Reference(ws, min_col=score_col, min_row=header, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
    chart.legend = None
    chart.height, chart.width = 8, 24
    ws.add_chart(chart, f"A{last + 3}")


def _details(ws: Worksheet, report: Report, targets: Targets, title: str, subtitle: str, lang: str) -> None:
    labels = [_t("target", lang), _t("street", lang), _t("community", lang), _t("value", lang),
              _t("file", lang), _t("sheet", lang), _t("cell", lang)]
    w = _Writer(ws, title + " — " + _sheet_name("details", lang), subtitle, len(labels))
    header = w.header(labels)
    any_row = False
    for target in targets.targets:
        for s in report.streets:
            r = next((x for x in s.targets if x.id == target.id), None)
            if r is None:
                continue
            for f in r.failing:
                community = "" if target.level == "street" else f.name
                w.line([target.name(lang), s.name, community, _shown(f.value, lang), "、".join(s.files),
                        f.sheet or "", f.cell or ""])
                any_row = True
    if not any_row:
        w.put(1, _t("none_failing", lang))
    ws.freeze_panes = ws.cell(header + 1, 1)
    ws.auto_filter.ref = f"A{header}:G{max(w.row - 1, header)}"
    _page_setup(ws, title, header, [40, 12, 14, 12, 22, 12, 8])


def _shown(value: Any, lang: str) -> Any:
    if value is None:
        return "(无法读取)" if lang == "zh" else "(unreadable)"
    if isinstance(value, bool):
        return _yes(value, lang)
    return plain(value)


def _street_page(ws: Worksheet, s: StreetResult, report: Report, targets: Targets, subtitle: str,
                 lang: str) -> None:
    from openpyxl.styles import Alignment, Font

    title = _t("street_page", lang, name=s.name)
    w = _Writer(ws, title, subtitle, 7)
    grade = next((g.title(lang) for g in targets.grades if g.name == s.grade), s.grade)
    for label, value, fill in ((_t("score", lang), float(s.score), None),
                               (_t("grade", lang), grade, _grade_fill(targets, s.grade)),
                               (_t("rank", lang), f"{s.rank} / {report.streets_expected}", None),
                               (_t("submission", lang), "、".join(s.files) or "—", None)):
        w.put(1, label, font=Font(bold=True))
        w.put(2, value, fill=fill, fmt="0.00" if isinstance(value, float) else None).alignment = \
            Alignment(horizontal="left")
        w.gap()
    if s.rows is not None:
        w.put(1, _t("rows", lang), font=Font(bold=True))
        w.put(2, f"{s.rows.read} / {s.rows.skipped} / {s.rows.rejected}")
        w.gap()
    w.gap()
    if not s.submitted:
        w.put(1, _t("not_submitted", lang), font=Font(bold=True, color="C00000"))
        _page_setup(ws, title, None, [40, 12, 12, 16, 8, 10, 8])
        return
    w.header([_t("target", lang), _t("points", lang), _t("max", lang), _t("required", lang),
                       _t("actual", lang), _t("met", lang), _t("needed", lang)])
    by_id = {t.id: t for t in targets.targets}
    for r in s.targets:
        target = by_id[r.id]
        w.line([target.name(lang), float(r.points), plain(r.max_points), fmt_required(target, r, lang),
                fmt_actual(r, lang), _yes(r.met, lang), _needed(r, lang)],
               fills=[None, None if r.met or r.met is None else LOST_FILL, None, None, None,
                      None if r.met is None else (MET_FILL if r.met else LOST_FILL), None],
               fmts=[None, "0.##", None, None, None, None, None])
    lost = [(by_id[r.id], r) for r in s.targets if r.failing and by_id[r.id].points and r.points < r.max_points]
    if lost:
        w.gap()
        w.section(_t("where_lost", lang))
        w.header([_t("target", lang), _t("community", lang), _t("value", lang), _t("sheet", lang),
                  _t("cell", lang), _t("lost", lang)])
        for target, r in lost:
            lost_points = plain(r.max_points - r.points) if target.points else 0
            for f in r.failing:
                community = "" if target.level == "street" else f.name
                w.line([target.name(lang), community, _shown(f.value, lang), f.sheet or "", f.cell or "",
                        lost_points])
                lost_points = ""
    issues = [i for i in report.issues if i.street == s.name]
    if issues:
        w.gap()
        w.section(_sheet_name("issues", lang))
        w.header([_t("message", lang), _t("community", lang), _t("sheet", lang), _t("cell", lang),
                  _t("hint", lang)])
        for i in issues:
            w.line([i.message(lang), i.community or "", i.sheet or "", i.cell or "", i.hint(lang)])
    _page_setup(ws, title, None, [44, 12, 10, 14, 14, 8, 10])  # repeat only the title on later pages


def _issues(ws: Worksheet, report: Report, title: str, subtitle: str, lang: str) -> None:
    from openpyxl.utils import get_column_letter

    labels = [_t("severity", lang), _t("code", lang), _t("street", lang), _t("file", lang), _t("sheet", lang),
              _t("cell", lang), _t("community", lang), _t("message", lang), _t("hint", lang)]
    w = _Writer(ws, title + " — " + _sheet_name("issues", lang), subtitle, len(labels))
    header = w.header(labels)
    severity = {"error": ("错误", "error"), "warning": ("提醒", "warning"), "info": ("信息", "info")}
    for i in report.issues:
        w.line([severity[i.severity][lang == "en"], i.code, i.street or "", i.file or "", i.sheet or "",
                i.cell or "", i.community or "", i.message(lang), i.hint(lang)],
               fills=[LOST_FILL if i.severity == "error" else "FFEB9C", *([None] * 8)])
    if not report.issues:
        w.put(1, _t("no_issues", lang))
    ws.freeze_panes = ws.cell(header + 1, 1)
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(labels))}{max(w.row - 1, header)}"
    _page_setup(ws, title, header, [7, 18, 10, 18, 10, 7, 12, 64, 44])


def _sources(ws: Worksheet, report: Report, title: str, subtitle: str, lang: str, now: dt.datetime) -> None:
    raw = any(info.raw_name for info in report.inputs)  # a name from another system: its bytes, for the record
    labels = [_t("kind", lang), _t("file", lang), _t("size", lang), _t("modified", lang), _t("sha", lang)]
    labels += [_t("raw_name", lang)] if raw else []
    w = _Writer(ws, title + " — " + _sheet_name("sources", lang), subtitle, len(labels))
    header = w.header(labels)
    rows = [(_t("targets", lang), report.targets_info)]
    if report.roster_info is not None:
        rows.append((_t("roster", lang), report.roster_info))
    rows += [(_t("input", lang), info) for info in report.inputs]
    for kind, info in rows:
        if info is None:
            continue
        w.line([kind, info.name, info.size, info.modified, info.sha256] + ([info.raw_name] if raw else []))
    w.gap()
    w.line([_t("version", lang), f"kaohe {__version__}"])
    w.line([_t("source", lang), report.source])
    w.line([_t("run", lang), now.strftime("%Y-%m-%d %H:%M:%S")])
    _page_setup(ws, title, header, [12, 28, 12, 20, 68] + ([40] if raw else []))


def _progress(ws: Worksheet, progress: Any, targets: Targets, title: str, subtitle: str, lang: str) -> None:
    """The district's value on every scored target in every recorded period, and a line chart per target."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.worksheet.pagebreak import Break

    periods = list(progress.periods)
    labels = [_t("target", lang), *periods, _t("required", lang)]
    w = _Writer(ws, title + " — " + _sheet_name("progress", lang), subtitle, len(labels))
    header = w.header(labels)
    by_id = {t.id: t for t in targets.targets}
    for track in progress.district:
        w.line([by_id[track.target].name(lang), *track.values, track.required],
               fmts=[None, *(["0%"] * len(periods)), "0%"])
    last = w.row - 1
    _page_setup(ws, title, header, [46, *([10] * len(periods)), 10])
    for i, row in enumerate(range(header + 1, last + 1)):
        chart = LineChart()
        chart.title = by_id[progress.district[i].target].short_name(lang)
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
