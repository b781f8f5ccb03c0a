"""The Excel scorecard (考核结果): the bureau's deliverable, to print, file and send upward; and each street's
own result workbook (the same page a street sees for itself with `kaohe check --out`).

Sheets: 总览 overview · 街道得分 street scores · [进度 progress] · 指标明细 target details · one page per street ·
问题清单 issues · 数据来源 sources.

Written with XlsxWriter, which writes a workbook in one pass at a few microseconds a cell (openpyxl builds
every cell as an object first: the 500-street scorecard took 22 s with it). Every figure is a number with a
format that shows 10 and 13.24; every submitted text is written as a string, never as a formula (a community
named `=HYPERLINK(…)` stays text). Printing follows report/page.py: A4 landscape, one font, the print scale
set so the columns fill the width, only a table's header repeated on later pages, charts placed after a page
break with a height that fits the page, wrapped text given the row height it needs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from kaohe import __version__
from kaohe.model import Report, StreetResult, TargetResult
from kaohe.report import page, plain
from kaohe.report.format import fmt_actual, fmt_required
from kaohe.targets import Target, Targets
from kaohe.words import Translator

GRADE_FILLS = ("#C6EFCE", "#DDEBF7", "#FFEB9C", "#FFC7CE")
LOST_FILL = "#FFC7CE"
MET_FILL = "#E2EFDA"
WARN_FILL = "#FFEB9C"
HEADER_FILL = "#D9E1F2"
POINTS = "General"  # 10 shows as 10, 13.24 as 13.24 (a format like 0.## shows 10 as "10.")
SCORE = "0.00"
SHARE = "0.0%"
MOVED = "+General;-General;0"  # points a change moved: +3, -10, 13.24, 0 (a 0.## shows 3 as "3.")
CHART_PX = 4 / 3  # pixels a point, at 96 dpi
MIN_CHART = 180.0  # points: a chart shorter than this is not put under a table, but on a page of its own
GRADE_CHART_LINES = 11  # the grades chart's height in lines (about 6 cm): bars and a whole-number axis that read
# the short columns of a target table, centred: required, actual, met (overview) and the same on a street page
OVERVIEW_ALIGN = (None, None, "center", "center", "center", None, None)
STREET_ALIGN = (None, None, None, "center", "center", "center", None)


class _Book:
    """One XlsxWriter workbook and its formats (each made once, by its properties)."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "default_format_properties": {"font_name": page.FONT, "font_size": page.FONT_SIZE},
        })
        self._formats: dict[tuple[tuple[str, Any], ...], Any] = {}
        self._xfs: dict[tuple[tuple[str, Any], ...], int] = {}
        self._rows: dict[tuple[Any, ...], tuple[list[int], list[int], list[int]]] = {}
        self.used: set[str] = set()

    def fmt(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        found = self._formats.get(key)
        if found is None:
            found = self._formats[key] = self.wb.add_format({"font_name": page.FONT, "font_size": page.FONT_SIZE,
                                                              "valign": "top", **props})
        return found

    def xf(self, **props: Any) -> int:
        """The style index of a format, for rows written by fastsheet."""
        key = tuple(sorted(props.items()))
        found = self._xfs.get(key)
        if found is None:
            found = self._xfs[key] = self.fmt(**props)._get_xf_index()
        return found

    def row_styles(self, fills: Sequence[str | None] | None, fmts: Sequence[str | None] | None,
                   bold: Sequence[bool] | None, aligns: Sequence[str | None] | None,
                   n: int) -> tuple[list[int], list[int], list[int]]:
        """The style index of each cell of a row: for text unwrapped and wrapped, and for a number (made once
        per kind of row)."""
        key = (tuple(fills) if fills else None, tuple(fmts) if fmts else None, tuple(bold) if bold else None,
               tuple(aligns) if aligns else None, n)
        found = self._rows.get(key)
        if found is None:
            plain_, wrapped, number = ([self.style(fills[c] if fills else None, fmts[c] if fmts else None,
                                                   bold[c] if bold else False, aligns[c] if aligns else None, wrap,
                                                   numeric)
                                        for c in range(n)] for wrap, numeric in ((False, False), (True, False),
                                                                                  (False, True)))
            found = self._rows[key] = (plain_, wrapped, number)
        return found

    def style(self, fill: str | None, fmt: str | None, bold: bool, align: str | None, wrap: bool,
              numeric: bool = False) -> int:
        """The style index of a body cell: its fill, number format, weight, alignment and wrapping (every
        cell has one: all are top-aligned, so a row made tall by a wrapped text reads from its top). A number
        in a column of no set alignment stands a step in from the right, so that it never runs into a text
        starting in the next column (140 北门街道.xlsx, -10 虚报, 98.00优秀 on paper)."""
        props: dict[str, Any] = {}
        if numeric and not align:
            props["align"], props["indent"] = "right", 1
        if fill:
            props["bg_color"] = fill
        if fmt:
            props["num_format"] = fmt
        if bold:
            props["bold"] = True
        if align:
            props["align"] = align
        if wrap:
            props["text_wrap"] = True
        return self.xf(**props)

    def sheet(self, name: str, title: str, subtitle: str, widths: Sequence[float]) -> _Sheet:
        from kaohe.report.fastsheet import FastSheet

        name = _unique_sheet_name(name, self.used)
        self.used.add(name.casefold())
        return _Sheet(self, self.wb.add_worksheet(name, worksheet_class=FastSheet), title, subtitle, list(widths))

    def chart(self, kind: dict[str, str]) -> Any:
        return self.wb.add_chart(kind)

    def chart_sheet(self, name: str, chart: Any, footer: str) -> None:
        """A chart on a sheet of its own, printed alone on an A4 landscape page."""
        sheet = self.wb.add_chartsheet(name)
        sheet.set_chart(chart)
        sheet.set_landscape()
        sheet.set_paper(9)
        font = f'&9&"{page.FONT}"'
        sheet.set_footer(f"&L{font}{_escape(footer)}&C{font}&P / &N&R{font}kaohe {__version__}")

    def close(self) -> None:
        from xlsxwriter.exceptions import FileCreateError

        from kaohe.report.fastsheet import quick_zip

        try:
            with quick_zip():
                self.wb.close()
        except FileCreateError as exc:  # XlsxWriter wraps the OSError (a full disk, a read-only temp folder)
            cause = exc.args[0] if exc.args else None
            if isinstance(cause, OSError):
                raise cause from exc
            raise


def _cell(value: Any) -> Any:
    """A value as a cell holds it: numbers as numbers, anything else as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal | Fraction):
        return float(value)
    return str(value)


class _Sheet:
    """Rows appended top to bottom, each row's height known as it is written (the page model needs it)."""

    def __init__(self, book: _Book, ws: Any, title: str, subtitle: str, widths: list[float]) -> None:
        self.book = book
        self.ws = ws
        self.title = title
        self.widths = widths
        self.heights: list[float] = []
        self.breaks: set[int] = set()
        self.row = 0
        self.header_row: int | None = None
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        last = max(len(widths) - 1, 0)
        self._merged(title, book.fmt(bold=True, font_size=14, align="center", valign="vcenter"), 22.0, last)
        self._merged(subtitle, book.fmt(italic=True, font_color="#595959", align="center"), page.LINE, last)
        self.gap()

    def _merged(self, text: str, fmt: Any, height: float, last: int) -> None:
        need = page.lines(text, sum(self.widths)) * height
        self._height(need)
        self.ws.set_row(self.row, need)
        if last > 0:
            self.ws.merge_range(self.row, 0, self.row, last, text, fmt)
        else:
            self.ws.write_string(self.row, 0, text, fmt)
        self.row += 1

    def _height(self, height: float) -> None:
        while len(self.heights) < self.row:
            self.heights.append(page.LINE)
        self.heights.append(height)

    def _put(self, cells: list[tuple[Any, int]], height: float) -> int:
        self._height(height)
        self.ws.put_row(self.row, cells, height if height != page.LINE else None)
        self.row += 1
        return self.row - 1

    def gap(self, n: int = 1) -> None:
        for _ in range(n):
            self._height(page.LINE)
            self.row += 1

    def line(self, values: Sequence[Any], fills: Sequence[str | None] | None = None,
             fmts: Sequence[str | None] | None = None, bold: Sequence[bool] | None = None,
             wrap: bool = True, aligns: Sequence[str | None] | None = None) -> int:
        """One row; texts wider than their column wrap, and the row is made as tall as its tallest cell."""
        tallest = 1
        cells = []
        plain_styles, wrapped_styles, number_styles = self.book.row_styles(fills, fmts, bold, aligns, len(values))
        widths, n_widths, lines = self.widths, len(self.widths), page.lines
        for col, value in enumerate(values):
            if value.__class__ is not str:
                value = _cell(value)
                if value is not None and value.__class__ is not str:  # a number (a blank stays as it was)
                    cells.append((value, number_styles[col]))
                    continue
            elif wrap and col < n_widths and len(value) * 2 > widths[col] - 1:
                n = lines(value, widths[col])
                if n > 1:
                    tallest = max(tallest, n)
                    cells.append((value, wrapped_styles[col]))
                    continue
            cells.append((value, plain_styles[col]))
        return self._put(cells, page.LINE * tallest)

    def header(self, labels: Sequence[str]) -> int:
        style = self.book.xf(bold=True, bg_color=HEADER_FILL, bottom=1, bottom_color="#8EA9DB", text_wrap=True)
        tallest = max((page.lines(label, self.widths[c]) for c, label in enumerate(labels)), default=1)
        return self._put([(label, style) for label in labels], page.LINE * tallest)

    def heading(self, text: str) -> None:
        """A page's own title, inside a sheet of many pages."""
        self._put([(text, self.book.xf(bold=True, font_size=14))], 22.0)

    def section(self, text: str) -> None:
        self._put([(text, self.book.xf(bold=True, font_size=12))], 18.0)

    def label(self, text: str, value: Any, fmt: str | None = None, fill: str | None = None) -> None:
        """A `label: value` line (the facts at the top of a page), the value left-aligned."""
        props: dict[str, Any] = {"align": "left"}
        if fmt:
            props["num_format"] = fmt
        if fill:
            props["bg_color"] = fill
        self._put([(text, self.book.xf(bold=True)), (_cell(value), self.book.xf(**props))], page.LINE)

    def page_break(self, spacer: bool = False) -> None:
        """The next row starts a printed page (with `spacer`, an empty row first: a chart placed right at a
        page's top edge can be drawn, clipped, into the page before it)."""
        self.breaks.add(self.row)
        if spacer:
            self.gap()

    def width_of(self, columns: int | None = None) -> float:
        """The points the (first `columns`) columns take at 100 % in Excel: charts are made no wider."""
        return sum(page.column_points(x) for x in self.widths[:columns])

    def chart(self, chart: Any, col: int, height_pt: float, width_pt: float) -> None:
        """A chart at the current row, as tall as `height_pt`; the rows it covers are counted as used."""
        chart.set_size({"width": round(width_pt * CHART_PX), "height": round(height_pt * CHART_PX)})
        self.ws.insert_chart(self.row, col, chart, {"object_position": 1})
        covered = 0.0
        while covered < height_pt:
            self.gap()
            covered += page.LINE

    def finish(self, title: str, tr: Translator, repeat_header: bool = True) -> None:
        """Print setup: A4 landscape at the scale that fits the columns, the footer, the header row repeated."""
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=page.MARGIN_LEFT, right=page.MARGIN_RIGHT, top=page.MARGIN_TOP,
                       bottom=page.MARGIN_BOTTOM)
        ws.fit_to_pages(1, 0)  # every program fits the columns to the width at its own scale (page.py)
        ws.center_horizontally()
        if repeat_header and self.header_row is not None:
            ws.repeat_rows(self.header_row)
        font = f'&9&"{page.FONT}"'  # size before font: "&9" followed by a title's digits would be a size
        ws.set_footer(f"&L{font}{_escape(self.title)}&C{font}&P / &N&R{font}kaohe {__version__}",
                      {"margin": page.FOOTER_MARGIN})
        ws.set_header("", {"margin": page.HEADER_MARGIN})
        if self.breaks:
            ws.set_h_pagebreaks(sorted(b for b in self.breaks if b > 0))

    @property
    def room(self) -> float:
        """Points of a printed page at 100 % (the most a chart may take below a page break)."""
        return page.PRINT_HEIGHT


def _local_time(stamp: str) -> str:
    """An ISO time (2026-12-04T04:02:12) as people write it: 2026-12-04 04:02."""
    return stamp.replace("T", " ")[:16] if "T" in stamp else stamp


def _escape(text: str) -> str:
    return text.replace("&", "&&")


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")


def _unique_sheet_name(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", name).strip() or "_"
    base = base[:31]
    candidate, n = base, 2
    while candidate.casefold() in used:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    return candidate


def _grade_fill(targets: Targets, grade: str) -> str:
    names = [g.name for g in targets.grades]
    index = names.index(grade) if grade in names else len(names) - 1
    if index == len(names) - 1:
        return GRADE_FILLS[-1]
    return GRADE_FILLS[min(index, len(GRADE_FILLS) - 2)]


def _grade_title(targets: Targets, grade: str, tr: Translator) -> str:
    return next((g.title(tr.lang) for g in targets.grades if g.name == grade), grade)


def _yes(value: bool | None, tr: Translator) -> str:
    if value is None:
        return "—"
    return tr("card.yes") if value else tr("card.no")


def _needed(r: TargetResult) -> int | str:
    return "—" if r.needed is None else r.needed


def _shown(value: Any, tr: Translator) -> Any:
    if value is None:
        return tr("unreadable_value")
    if isinstance(value, bool):
        return _yes(value, tr)
    return plain(value)


def _title_width(titles: Sequence[str], least: float = 30, most: float = 72) -> float:
    """A column as wide as its longest title, within bounds (a longer one wraps)."""
    return min(most, max([least, *(page.text_width(t) + 2 for t in titles)]))


def _chart_font() -> dict[str, Any]:
    return {"name": page.FONT, "size": 9}


def _sample_marked(report: Report, title: str, tr: Translator) -> str:
    """A title as printed: marked 【示例】 when the report is of kaohe's bundled sample district, so a page of it
    is never taken for a real district's result (the title is in every page's footer too)."""
    return f"{tr('card.sample')}{title}" if report.sample else title


def write_scorecard(report: Report, targets: Targets, path: Path, tr: Translator,
                    now: dt.datetime | None = None, progress: Any = None) -> None:
    """Write the scorecard workbook to `path` atomically (temporary file in the same folder, then rename)."""
    from kaohe.atomic import atomic_path

    now = now or dt.datetime.now().replace(microsecond=0)
    by_id = {t.id: t for t in targets.targets}
    title = _sample_marked(report, tr.pick(report.title, targets.title_en), tr)
    subtitle = f"{tr('card.period')} {report.period}  ·  {tr('card.run')} {now:%Y-%m-%d %H:%M}"
    with atomic_path(path) as tmp:
        book = _Book(tmp)
        _overview(book, report, targets, by_id, title, subtitle, tr, now)
        _scores(book, report, targets, title, subtitle, tr)
        if report.verification is not None:
            _verification(book, report, targets, title, subtitle, tr)
        if report.appeals is not None:
            _appeals(book, report, title, subtitle, tr)
        if report.rectifications:
            _rectifications(book, report, title, subtitle, tr)
        _details(book, report, targets, title, subtitle, tr)
        if progress is not None and len(progress.periods) > 1:
            _progress(book, progress, targets, title, subtitle, tr)
        _street_pages(book, report, targets, subtitle, tr)
        _issues(book, report.issues, title, subtitle, tr)
        _sources(book, report, title, subtitle, tr, now)
        book.close()


def write_street_book(report: Report, streets: Sequence[StreetResult], targets: Targets, path: Path,
                      tr: Translator, now: dt.datetime | None = None) -> None:
    """Streets' own result pages, a sheet each (one street: what the bureau sends that street; a self-check:
    the streets its workbooks name) — the page of the scorecard, on its own."""
    from kaohe.atomic import atomic_path

    now = now or dt.datetime.now().replace(microsecond=0)
    subtitle = (f"{_sample_marked(report, tr.pick(report.title, targets.title_en), tr)}  ·  "
                f"{tr('card.period')} {report.period}  ·  "
                f"{tr('card.run')} {now:%Y-%m-%d %H:%M}")
    with atomic_path(path) as tmp:
        book = _Book(tmp)
        for street in streets:
            title = _sample_marked(report, tr("card.street_page", name=street.name), tr)
            w = book.sheet(street.name, title, subtitle, _street_widths(targets, tr))
            _street_page(w, street, report, targets, tr, [i for i in report.issues if i.street == street.name])
            w.finish(title, tr, repeat_header=False)
        if not streets:
            w = book.sheet(tr("sheet.issues"), tr.pick(report.title, targets.title_en), subtitle, [60, 40])
            w.finish(tr("sheet.issues"), tr, repeat_header=False)
        book.close()


def _overview(book: _Book, report: Report, targets: Targets, by_id: dict[str, Target], title: str,
              subtitle: str, tr: Translator, now: dt.datetime) -> None:
    titles = [by_id[r.id].name(tr.lang) for r in report.district]
    w = book.sheet(tr("sheet.overview"), title, subtitle, [_title_width(titles), 8, 12, 18, 8, 8, 10])
    for label, value in ((tr("card.period"), report.period), (tr("card.targets_file"), report.targets_file or ""),
                         (tr("card.run"), now.strftime("%Y-%m-%d %H:%M")),
                         (tr("card.expected"), report.streets_expected),
                         (tr("card.submitted"), report.streets_submitted),
                         (tr("card.communities"), report.communities), (tr("card.issues_n"), len(report.issues))):
        w.label(label, value)
    if report.review is not None:  # written by the desk: its review of the period
        review = report.review
        w.label(tr("card.completeness"), f"{review.completeness:.0%}")
        w.label(tr("card.on_time"), f"{review.on_time:.0%}")
        if review.deadline:
            w.label(tr("card.deadline"), review.deadline.replace("T", " ")[:16])
    w.gap()
    w.section(tr("card.district"))
    header = w.header([tr("card.target"), tr("card.points"), tr("card.required"), tr("card.actual"),
                       tr("card.met"), tr("card.needed"), tr("card.share")])
    for r, name in zip(report.district, titles, strict=True):
        target = by_id[r.id]
        share = float(r.actual) if isinstance(r.actual, Fraction) else None
        w.line([name, plain(target.points), fmt_required(target, r, tr), fmt_actual(r, tr), _yes(r.met, tr),
                _needed(r), share],
               fills=[None, None, None, None, MET_FILL if r.met else LOST_FILL, None, None],
               fmts=[None, POINTS, None, None, None, None, SHARE], aligns=OVERVIEW_ALIGN)
    last = w.row - 1

    # page 2: the grades and both charts, placed after a break so that no chart is cut by one
    w.page_break()
    w.section(tr("card.grades"))
    grade_header = w.header([tr("card.grade"), tr("card.count")])
    for g in targets.grades:
        w.line([g.title(tr.lang), sum(1 for s in report.streets if s.grade == g.name)],
               fills=[_grade_fill(targets, g.name), None])
    grade_last = w.row - 1
    name = w.ws.get_name()
    grades = book.chart({"type": "column"})
    grades.add_series({"name": tr("card.grades"), "categories": [name, grade_header + 1, 0, grade_last, 0],
                       "values": [name, grade_header + 1, 1, grade_last, 1], "data_labels": {"value": True},
                       "points": [{"fill": {"color": _grade_fill(targets, g.name)}} for g in targets.grades]})
    _style_chart(grades, tr("card.grades"))
    grades.set_legend({"none": True})
    # beside the grades table, a column's gap from its counts, tall enough to read (a whole number on the axis)
    most = max([sum(1 for s in report.streets if s.grade == g.name) for g in targets.grades] + [1])
    grades.set_y_axis({"min": 0, "major_unit": max(1, -(-most // 5)), "num_format": "0",
                       "num_font": _chart_font(), "major_gridlines": {"visible": True}})
    grades.set_x_axis({"num_font": _chart_font()})
    gap = 24  # points between the counts and the chart
    beside = sum(page.column_points(x) for x in w.widths[2:]) - gap
    tall = GRADE_CHART_LINES * page.LINE
    grades.set_size({"width": round(min(beside, 360) * CHART_PX), "height": round(tall * CHART_PX)})
    w.ws.insert_chart(grade_header, 2, grades, {"object_position": 1, "x_offset": round(gap * CHART_PX)})
    while (w.row - grade_header) * page.LINE < tall + page.LINE:  # below the chart, not beside it
        w.gap()
    attained = book.chart({"type": "bar"})
    attained.add_series({"name": tr("card.share"), "categories": [name, header + 1, 0, last, 0],
                         "values": [name, header + 1, 6, last, 6], "data_labels": {"value": True,
                                                                                    "num_format": "0%"}})
    _style_chart(attained, tr("card.chart_targets"))
    attained.set_legend({"none": True})
    attained.set_x_axis({"min": 0, "max": 1, "num_format": "0%", "num_font": _chart_font(),
                         "major_gridlines": {"visible": True}})
    attained.set_y_axis({"reverse": True, "num_font": _chart_font()})
    height = min(w.room - (GRADE_CHART_LINES + 4) * page.LINE - 20, 22 * len(titles) + 60)
    w.chart(attained, 0, height, min(w.width_of(), 620))
    w.finish(title, tr, repeat_header=False)


def _style_chart(chart: Any, title: str) -> None:
    chart.set_title({"name": title, "name_font": {"name": page.FONT, "size": 11, "bold": True}})
    chart.set_chartarea({"border": {"none": True}})


def _scores(book: _Book, report: Report, targets: Targets, title: str, subtitle: str, tr: Translator) -> None:
    scored = [t for t in targets.targets if t.points > 0]
    labels = [tr("card.rank"), tr("card.street"), tr("card.status"),
              *(f"{t.short_name(tr.lang)}\n({plain(t.points)})" for t in scored), tr("card.score"),
              tr("card.grade"), tr("card.file")]
    names = [s.name for s in report.streets]
    street_width = min(24, max([8, *(page.text_width(n) + 2 for n in names)]))
    status_width = min(16, max(8, *(page.text_width(tr(f"status_{s.status}")) + 2 for s in report.streets)))
    grade_width = min(16, max(8, *(page.text_width(g.title(tr.lang)) + 2 for g in targets.grades)))
    w = book.sheet(tr("sheet.scores"), title + " — " + tr("sheet.scores"), subtitle,
                   [6, street_width, status_width, *([8] * len(scored)), 8, grade_width, 22])
    header = w.header(labels)
    w.header_row = header
    first = header + 1
    plain_fmts = [None, None, None, *([POINTS] * len(scored)), SCORE, None, None]
    bold = [False, False, False, *([False] * len(scored)), True, False, False]
    ranked = sorted(report.streets, key=lambda s: s.rank)
    for s in ranked:
        points = {r.id: r for r in s.targets}
        status = tr(f"desk.state.{report.review.states.get(s.name, 'missing')}") if report.review is not None \
            else tr(f"status_{s.status}")
        values: list[Any] = [s.rank, s.name, status]
        fills: list[str | None] = [None, None, None if s.submitted else LOST_FILL]
        for t in scored:
            r = points.get(t.id)
            values.append(float(r.points) if r else 0)
            fills.append(None if r is not None and r.met else LOST_FILL)
        values += [float(s.score), _grade_title(targets, s.grade, tr), "、".join(s.files)]
        fills += [None, _grade_fill(targets, s.grade), None]
        w.line(values, fills=fills, fmts=plain_fmts, bold=bold)
    last = w.row - 1
    w.ws.freeze_panes(first, 2)
    w.ws.autofilter(header, 0, max(last, header), len(labels) - 1)
    if len(ranked) <= 60:  # a chart of hundreds of bars says nothing the table does not
        chart = book.chart({"type": "column"})
        name = w.ws.get_name()
        score_col = 3 + len(scored)
        chart.add_series({"name": tr("card.score"), "categories": [name, first, 1, last, 1],
                          "values": [name, first, score_col, last, score_col], "data_labels": {"value": True,
                                                                                             "num_format": "0.0"}})
        _style_chart(chart, tr("card.chart_scores"))
        chart.set_legend({"none": True})
        chart.set_y_axis({"min": 0, "max": 100, "num_font": _chart_font(), "major_gridlines": {"visible": True}})
        chart.set_x_axis({"num_font": _chart_font()})
        left = w.room - sum(w.heights) - 2 * page.LINE  # what the table's page has left below it
        if left >= MIN_CHART:  # under the table, on its page
            w.gap()
            w.chart(chart, 0, min(left, 300), min(w.width_of(), 700))
        else:  # a page of its own: a chart sheet, so no repeated header row stands above it alone
            book.chart_sheet(tr("sheet.chart_scores"), chart, f"{title} — {tr('card.chart_scores')}")
    w.finish(title, tr)


def _verification(book: _Book, report: Report, targets: Targets, title: str, subtitle: str, tr: Translator) -> None:
    """核查: every street's self-assessed and verified score, then every changed figure and adjustment."""
    from kaohe.report.format import fmt_shown

    assert report.verification is not None
    v = report.verification
    grades = {g.name: g.title(tr.lang) for g in targets.grades}
    labels = {**targets.fields.street, **targets.fields.community}
    final = {s.name: s for s in report.streets}
    w = book.sheet(tr("verify.sheet"), title + " — " + tr("verify.sheet"), subtitle,
                   # one set of columns for both tables: the grades' 不合格 → 不合格 (column 5) and a findings
                   # file's name and cell (column 11) each on one line
                   [12, 12, 24, 10, 17, 9, 30, 9, 11, 26, 15])
    w.line([tr("verify.title", files="、".join(v.files), findings=v.findings, applied=v.applied)], wrap=False,
           bold=[True])
    w.gap()
    header = w.header([tr("street"), tr("verify.self"), tr("verify.final"), tr("verify.difference"), tr("grade"),
                       tr("rank")])
    w.header_row = header
    for sv in v.streets:
        s = final[sv.name]
        w.line([sv.name, float(sv.self_score), float(sv.verified_score), float(sv.difference),
                f"{grades.get(sv.self_grade, sv.self_grade)} → {grades.get(s.grade, s.grade)}",
                f"{sv.self_rank} → {s.rank}"],
               fmts=[None, SCORE, SCORE, "+0.00;-0.00;0", None, None],
               fills=[None, None, None, None if not sv.difference else (LOST_FILL if sv.difference < 0 else MET_FILL),
                      _grade_fill(targets, s.grade), None])
    w.gap()
    w.section(tr("verify.sheet"))
    w.header([tr("verify.street"), tr("verify.community"), tr("verify.item"), tr("verify.reported"),
              tr("verify.verified"), tr("verify.moved"), tr("verify.note"), tr("verify.inspector"),
              tr("verify.date"), tr("verify.source"), tr("verify.where")])
    for sv in v.streets:
        for c in sv.changes:
            w.line([sv.name, c.community or "", tr.pick(labels[c.field].label, labels[c.field].label_en),
                    _cell(fmt_shown(c.reported, tr)), _cell(fmt_shown(c.verified, tr)), float(c.points),
                    (tr("verify.overstated") + "：" if c.overstated else "") + c.note, c.inspector, c.date,
                    c.source or "", f"{c.file} {c.cell or ''}".strip()],
                   fmts=[None, None, None, None, None, MOVED, None, None, None, None, None],
                   fills=[None, None, None, None, LOST_FILL if c.overstated else None, None, None, None, None,
                          None, None])
        if sv.deduction:
            w.line([sv.name, "", tr("verify.deduction", points=plain(sv.deduction),
                                    cap=grades.get(sv.grade_cap or "", sv.grade_cap or "—")),
                    "", "", -float(sv.deduction)], fmts=[None, None, None, None, None, MOVED],
                   fills=[None, None, LOST_FILL, None, None, None])
        for a in sv.adjustments:
            w.line([sv.name, "", tr("verify.kind_adjustment"), "", "", float(a.points),
                    tr("explain.list_sep").join(x for x in (a.note, a.reference) if x), a.inspector, a.date, "",
                    f"{a.file} {a.cell or ''}".strip()],
                   fmts=[None, None, None, None, None, MOVED, None, None, None, None, None])
    w.finish(title, tr)


def _appeals(book: _Book, report: Report, title: str, subtitle: str, tr: Translator) -> None:
    """申诉: each street's score before and after its appeals, then every decision with its reason and cell."""
    assert report.appeals is not None
    a = report.appeals
    w = book.sheet(tr("appeal.sheet"), title + " — " + tr("appeal.sheet"), subtitle, [12, 12, 22, 12, 10, 12, 34, 20])
    w.line([tr("appeal.title", files="、".join(a.files), count=len(a.decisions),
               upheld=sum(1 for d in a.decisions if d.decision == "upheld"))], wrap=False, bold=[True])
    w.gap()
    w.header_row = w.header([tr("street"), tr("appeal.before"), tr("appeal.final"), tr("verify.difference")])
    for x in a.streets:
        moved = x.final - x.verified
        w.line([x.name, float(x.verified), float(x.final), float(moved)], fmts=[None, SCORE, SCORE, "+0.00;-0.00;0"],
               fills=[None, None, None, None if not moved else (LOST_FILL if moved < 0 else MET_FILL)])
    w.gap()
    w.section(tr("appeal.decisions"))
    w.header([tr("appeal.number"), tr("verify.street"), tr("verify.item"), tr("verify.community"),
              tr("appeal.decision"), tr("appeal.value"), tr("appeal.reason"), tr("verify.where")])
    for d in a.decisions:
        upheld = d.decision == "upheld"
        w.line([d.id, d.street, d.item, d.community or "", tr("appeal." + d.decision),
                _cell(d.value) if d.value is not None else "", d.reason, f"{d.file} {d.cell or ''}".strip()],
               fills=[None, None, None, None, MET_FILL if upheld else LOST_FILL, None, None, None])
    w.finish(title, tr)


def _rectifications(book: _Book, report: Report, title: str, subtitle: str, tr: Translator) -> None:
    """整改: the open rectification items of earlier periods, street by street."""
    w = book.sheet(tr("rectify.sheet"), title + " — " + tr("rectify.sheet"), subtitle, [8, 10, 12, 40, 12, 12, 12, 40])
    w.line([tr("rectify.title", count=len(report.rectifications))], wrap=False, bold=[True])
    w.gap()
    w.header_row = w.header([tr("appeal.number"), tr("rectify.period"), tr("street"), tr("rectify.what"),
                             tr("verify.community"), tr("rectify.due"), tr("rectify.state"), tr("rectify.progress")])
    for r in sorted(report.rectifications, key=lambda x: (x.street, x.due)):
        w.line([r.id, r.period, r.street, r.what, r.community or "", r.due, tr("rectify.state." + r.state)
                if r.state in ("open", "reported", "returned", "closed") else r.state, r.progress],
               fills=[None, None, None, None, None, None, LOST_FILL if r.state in ("open", "returned") else None, None])
    w.finish(title, tr)


def _details(book: _Book, report: Report, targets: Targets, title: str, subtitle: str, tr: Translator) -> None:
    labels = [tr("card.target"), tr("card.street"), tr("card.community"), tr("card.value"),
              tr("card.file"), tr("card.sheet"), tr("card.cell")]
    titles = [t.name(tr.lang) for t in targets.targets]
    w = book.sheet(tr("sheet.details"), title + " — " + tr("sheet.details"), subtitle,
                   [_title_width(titles, 30, 64), 12, 14, 12, 22, 12, 8])
    header = w.header(labels)
    w.header_row = header
    put, row, top = w.ws.put_row, w.row, book.xf()
    for target in targets.targets:  # the district's longest sheet: rows straight to fastsheet, no line()
        name = target.name(tr.lang)
        street_level = target.level == "street"
        for s in report.streets:
            r = next((x for x in s.targets if x.id == target.id), None)
            if r is None or not r.failing:
                continue
            files = "、".join(s.files)
            for f in r.failing:
                put(row, [(name, top), (s.name, top), ("" if street_level else f.name, top),
                          (_cell(_shown(f.value, tr)), top), (files, top), (f.sheet or "", top),
                          (f.cell or "", top)])
                row += 1
    w.heights.extend([page.LINE] * (row - w.row))
    w.row = row
    if row == header + 1:
        w.line([tr("card.none_failing")], wrap=False)
    w.ws.freeze_panes(header + 1, 0)
    w.ws.autofilter(header, 0, max(w.row - 1, header), 6)
    w.finish(title, tr)


STREET_SHEETS_MAX = 60  # more streets than this: their pages in one sheet, each on its own printed page


def _street_widths(targets: Targets, tr: Translator) -> list[float]:
    return [_title_width([t.name(tr.lang) for t in targets.targets], 36, 48), 8, 8, 14, 16, 8, 8]


def _street_pages(book: _Book, report: Report, targets: Targets, subtitle: str, tr: Translator) -> None:
    """Every street's page: a sheet each (a tab per street), or — for a district of more streets than a tab bar
    can show — one sheet where every street starts a printed page (--per-street gives each its own file)."""
    by_street: dict[str | None, list[Any]] = {}
    for issue in report.issues:
        by_street.setdefault(issue.street, []).append(issue)
    ranked = sorted(report.streets, key=lambda s: s.rank)
    if len(ranked) <= STREET_SHEETS_MAX:
        for street in ranked:
            title = _sample_marked(report, tr("card.street_page", name=street.name), tr)
            w = book.sheet(street.name, title, subtitle, _street_widths(targets, tr))
            _street_page(w, street, report, targets, tr, by_street.get(street.name, []))
            w.finish(title, tr, repeat_header=False)  # the page's sections each have their own header
        return
    title = tr("sheet.street_pages")
    w = book.sheet(title, _sample_marked(report, tr.pick(report.title, targets.title_en), tr) + " — " + title, subtitle,
                   _street_widths(targets, tr))
    for street in ranked:
        w.page_break()
        w.heading(tr("card.street_page", name=street.name))
        w.gap()
        _street_page(w, street, report, targets, tr, by_street.get(street.name, []))
    w.finish(title, tr, repeat_header=False)


def _street_page(w: _Sheet, s: StreetResult, report: Report, targets: Targets, tr: Translator,
                 issues: Sequence[Any]) -> None:
    by_id = {t.id: t for t in targets.targets}
    titles = [by_id[r.id].name(tr.lang) for r in s.targets]
    w.label(tr("card.score"), float(s.score), fmt=SCORE)
    w.label(tr("card.grade"), _grade_title(targets, s.grade, tr), fill=_grade_fill(targets, s.grade))
    w.label(tr("card.rank"), f"{s.rank} / {report.streets_expected}")
    w.label(tr("card.submission"), "、".join(s.files) or "—")
    if s.rows is not None:
        w.label(tr("card.rows"), _rows_said(s.rows, tr))
    checked = next((v for v in report.verification.streets if v.name == s.name), None) \
        if report.verification is not None else None
    if checked is not None and (checked.changes or checked.adjustments or checked.difference):
        w.label(tr("verify.self"), float(checked.self_score), fmt=SCORE)
        w.label(tr("verify.final"), float(checked.verified_score), fmt=SCORE)
    if report.review is not None:
        w.label(tr("card.review_state"), tr(f"desk.state.{report.review.states.get(s.name, 'missing')}"))
    w.gap()
    reasons = report.review.reasons.get(s.name, ()) if report.review is not None else ()
    if reasons:  # the bureau's reasons for returning it, each resolved or open
        w.section(tr("desk.reasons"))
        w.header([tr("card.cell"), tr("card.message"), tr("card.status")])
        for cell, text, resolved in reasons:
            w.line([cell or "", text, tr("desk.reason_resolved" if resolved else "desk.reason_open")],
                   fills=[None, None, MET_FILL if resolved else LOST_FILL])
        w.gap()
    if checked is not None and (checked.changes or checked.adjustments or checked.difference):
        _street_verification(w, checked, targets, tr)
        w.gap()
    if not s.submitted:
        w.line([tr("card.not_submitted")], bold=[True], fills=[LOST_FILL])
        return
    w.header([tr("card.target"), tr("card.earned"), tr("card.max"), tr("card.required"), tr("card.actual"),
              tr("card.met"), tr("card.needed")])
    for r, name in zip(s.targets, titles, strict=True):
        target = by_id[r.id]
        earned: Any = float(r.points) if target.points or r.max_points else tr("card.unscored")
        top: Any = plain(r.max_points) if target.points or r.max_points else "—"
        w.line([name, earned, top, fmt_required(target, r, tr), fmt_actual(r, tr),
                _yes(r.met, tr), _needed(r)],
               fills=[None, None if r.met or r.met is None else LOST_FILL, None, None, None,
                      None if r.met is None else (MET_FILL if r.met else LOST_FILL), None],
               fmts=[None, POINTS, POINTS, None, None, None, None], aligns=STREET_ALIGN)
    lost = [(by_id[r.id], r) for r in s.targets if r.failing and by_id[r.id].points and r.points < r.max_points]
    if lost:
        w.gap()
        w.section(tr("card.where_lost"))
        w.header([tr("card.target"), tr("card.community"), tr("card.value"), tr("card.sheet"),
                  tr("card.cell"), tr("card.lost")])
        for target, r in lost:
            lost_points: Any = plain(r.max_points - r.points) if target.points else 0
            for f in r.failing:
                community = "" if target.level == "street" else f.name
                w.line([target.name(tr.lang), community, _shown(f.value, tr), f.sheet or "", f.cell or "",
                        lost_points], fmts=[None, None, None, None, None, POINTS])
                lost_points = ""
    if issues:
        w.gap()
        w.section(tr("sheet.issues"))
        w.header([tr("card.message"), tr("card.community"), tr("card.sheet"), tr("card.cell"), tr("card.hint")])
        for i in issues:
            w.line([i.message(tr.lang), i.community or "", i.sheet or "", i.cell or "", i.hint(tr.lang)])


def _rows_said(rows: Any, tr: Translator) -> str:
    """How a street's table rows were read, in words: the communities read, then only the other kinds there
    were (a template's empty rows are not 'skipped' data), the rows not counted last."""
    parts = [tr("rows.read", count=rows.read)]
    parts += [tr(f"rows.{kind}", count=n) for kind in ("blank", "totals", "notes", "headers")
              if (n := getattr(rows, kind))]
    if rows.rejected:
        parts.append(tr("rows.rejected", count=rows.rejected))
    return tr("explain.list_sep").join(parts)


def _street_verification(w: _Sheet, v: Any, targets: Targets, tr: Translator) -> None:
    """A street page's 核查 section: each changed figure, the points it moved, who found it, when and why."""
    from kaohe.report.format import fmt_shown

    labels = {**targets.fields.street, **targets.fields.community}
    grades = {g.name: g.title(tr.lang) for g in targets.grades}
    w.section(tr("verify.sheet"))
    w.header([tr("verify.item"), tr("verify.community"), tr("verify.reported"), tr("verify.verified"),
              tr("verify.note"), tr("verify.moved"), tr("verify.inspector")])
    for c in v.changes:
        w.line([tr.pick(labels[c.field].label, labels[c.field].label_en), c.community or "",
                _cell(fmt_shown(c.reported, tr)), _cell(fmt_shown(c.verified, tr)),
                (tr("verify.overstated") + "：" if c.overstated else "") + c.note, float(c.points),
                " ".join(x for x in (c.inspector, c.date) if x)],
               fmts=[None, None, None, None, None, MOVED, None],
               fills=[None, None, None, LOST_FILL if c.overstated else None, None, None, None])
    if v.deduction:
        w.line([tr("verify.deduction", points=plain(v.deduction), cap=grades.get(v.grade_cap or "", "—")),
                "", "", "", "", -float(v.deduction), ""], fmts=[None, None, None, None, None, MOVED, None])
    for a in v.adjustments:
        why = tr("explain.list_sep").join(x for x in (a.note, a.reference) if x)
        who = " ".join(x for x in (a.inspector, a.date) if x)
        w.line([tr("verify.kind_adjustment"), "", "", "", why, float(a.points), who],
               fmts=[None, None, None, None, None, MOVED, None])


def _issues(book: _Book, issues: Sequence[Any], title: str, subtitle: str, tr: Translator) -> None:
    labels = [tr("card.severity"), tr("card.code"), tr("card.street"), tr("card.file"), tr("card.sheet"),
              tr("card.cell"), tr("card.community"), tr("card.message"), tr("card.hint")]
    # narrow enough to print at 90 % or more on A4 landscape: the message and hint wrap instead
    w = book.sheet(tr("sheet.issues"), title + " — " + tr("sheet.issues"), subtitle,
                   [5, 11, 8, 13, 8, 5, 8, 30, 20])
    header = w.header(labels)
    w.header_row = header
    for i in issues:
        w.line([tr(f"severity.{i.severity}"), tr(f"issue.{i.code}"), i.street or "", i.file or "", i.sheet or "",
                i.cell or "", i.community or "", i.message(tr.lang), i.hint(tr.lang)],
               fills=[LOST_FILL if i.severity == "error" else WARN_FILL, *([None] * 8)])
    if not issues:
        w.line([tr("card.no_issues")], wrap=False)
    w.ws.freeze_panes(header + 1, 0)
    w.ws.autofilter(header, 0, max(w.row - 1, header), len(labels) - 1)
    w.finish(title, tr)


def _sources(book: _Book, report: Report, title: str, subtitle: str, tr: Translator, now: dt.datetime) -> None:
    raw = any(info.raw_name for info in report.inputs)  # a name from another system: its bytes, for the record
    labels = [tr("card.kind"), tr("card.file"), tr("card.size"), tr("card.modified"), tr("card.sha")]
    labels += [tr("card.raw_name")] if raw else []
    w = book.sheet(tr("sheet.sources"), title + " — " + tr("sheet.sources"), subtitle,
                   [10, 26, 11, 19, 66] + ([30] if raw else []))
    header = w.header(labels)
    w.header_row = header
    rows = [(tr("card.targets"), report.targets_info)]
    if report.roster_info is not None:
        rows.append((tr("card.roster"), report.roster_info))
    rows += [(tr("card.input"), info) for info in report.inputs]
    for kind, info in rows:
        if info is None:
            continue
        w.line([kind, info.name, info.size, _local_time(info.modified), info.sha256] + ([info.raw_name] if raw else []),
               fmts=[None, None, "#,##0", None, None] + ([None] if raw else []))
    w.gap()
    w.line([tr("card.version"), f"kaohe {__version__}"], wrap=False)
    w.line([tr("card.source"), report.source], wrap=False)
    w.line([tr("card.run"), now.strftime("%Y-%m-%d %H:%M:%S")], wrap=False)
    w.finish(title, tr)


def _progress(book: _Book, progress: Any, targets: Targets, title: str, subtitle: str, tr: Translator) -> None:
    """Each scored target over the recorded periods (the district's value and the required line), then every
    street's score over the periods."""
    periods = list(progress.periods)
    by_id = {t.id: t for t in targets.targets}
    titles = [by_id[t.target].name(tr.lang) for t in progress.district]
    w = book.sheet(tr("sheet.progress"), title + " — " + tr("sheet.progress"), subtitle,
                   [_title_width(titles, 30, 50), *([10] * len(periods)), 10])
    header = w.header([tr("card.target"), *periods, tr("card.required")])
    rows = []
    helper = len(periods) + 3  # the required value once a period, beside the printed area: the chart's line
    for track, name in zip(progress.district, titles, strict=True):
        extra = ["", *([track.required] * len(periods))] if track.required is not None else []
        rows.append(w.line([name, *track.values, track.required, *extra],
                           fmts=[None, *([SHARE] * len(periods)), SHARE, *([SHARE] * len(extra))]))
    w.gap()
    w.section(tr("card.street_progress"))
    street_header = w.header([tr("card.street"), *periods, ""])
    first_street = w.row
    for s in progress.streets:
        w.line([s.name, *s.scores, ""], fmts=[None, *([SCORE] * len(periods)), None])
    last_street = w.row - 1
    name = w.ws.get_name()
    # the charts: two a row where the columns are wide enough, a page break when the next row would not fit
    columns = w.width_of(len(periods) + 2)
    per_row = 2 if columns >= 440 else 1
    height, width = 170.0, columns / per_row - 8
    room = w.room - page.LINE
    w.page_break(spacer=True)
    used = 0.0
    start = w.row
    for i, row in enumerate(rows):
        if i % per_row == 0:
            if used + height + 10 > room:
                w.page_break(spacer=True)
                used = 0.0
            start = w.row
        chart = book.chart({"type": "line"})
        chart.add_series({"name": tr("card.district"), "categories": [name, header, 1, header, len(periods)],
                          "values": [name, row, 1, row, len(periods)], "marker": {"type": "circle"},
                          "data_labels": {"value": True, "num_format": "0%"}})
        required = progress.district[i].required
        if required is not None:  # the target as a line across the periods
            chart.add_series({"name": tr("card.required"), "categories": [name, header, 1, header, len(periods)],
                              "values": [name, rows[i], helper, rows[i], helper + len(periods) - 1],
                              "line": {"dash_type": "dash", "color": "#C00000"}, "marker": {"type": "none"}})
        _style_chart(chart, by_id[progress.district[i].target].short_name(tr.lang))
        chart.set_title({"name": by_id[progress.district[i].target].short_name(tr.lang),
                         "name_font": {"name": page.FONT, "size": 10, "bold": True}})
        chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "num_font": _chart_font()})
        chart.set_x_axis({"num_font": _chart_font()})
        chart.set_legend({"position": "bottom", "font": _chart_font()})
        chart.set_size({"width": round(width * CHART_PX), "height": round(height * CHART_PX)})
        w.ws.insert_chart(start, 0, chart, {"object_position": 1,
                                            "x_offset": round((i % per_row) * (width + 8) * CHART_PX)})
        if i % per_row == per_row - 1 or i == len(rows) - 1:
            w.row = start
            covered = 0.0
            while covered < height + 10:
                w.gap()
                covered += page.LINE
            used += covered
    if len(progress.streets) <= 40 and last_street >= first_street:  # every street's own course
        if used + 260 > room:
            w.page_break(spacer=True)
        chart = book.chart({"type": "column"})
        for p, period in enumerate(periods):
            chart.add_series({"name": period, "categories": [name, first_street, 0, last_street, 0],
                              "values": [name, first_street, 1 + p, last_street, 1 + p]})
        _style_chart(chart, tr("card.street_progress"))
        chart.set_y_axis({"min": 0, "max": 100, "num_font": _chart_font()})
        chart.set_x_axis({"num_font": _chart_font()})
        chart.set_legend({"position": "bottom", "font": _chart_font()})
        w.chart(chart, 0, 250, min(columns, 680))
    del street_header
    w.ws.print_area(0, 0, w.row, len(periods) + 1)
    w.finish(title, tr, repeat_header=False)
