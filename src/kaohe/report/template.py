"""Blank submission workbooks generated from the targets YAML: what the bureau hands out to every street.

The canonical template of submission-workbook.md, built from the field definitions (labels, units, ranges,
yes/no words, choices), so a new year's YAML gives a new template. Dropdowns and number checks are data
validations; every column has an input hint; a 填表说明 sheet explains each field. A template filled in as
asked assesses with zero issues.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from kaohe.report import a4_landscape, page
from kaohe.targets import FieldDef, Targets
from kaohe.words import Translator

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

DEFAULT_ROWS = 40
ZH = Translator("zh")


def header_text(fdef: FieldDef, targets: Targets) -> str:
    """A column header as the template prints it: 服务站服务用房面积(㎡), 社区教育活动站(有/无)."""
    if fdef.type in ("yesno", "choice"):
        return f"{fdef.label}({'/'.join(fdef.choices_list(targets))})"
    unit = targets.units.get(fdef.unit or "")
    return f"{fdef.label}({unit.label})" if unit else fdef.label


def hint_text(fdef: FieldDef, targets: Targets, tr: Translator = ZH) -> str:
    """What the clerk sees when the cell is selected."""
    if fdef.hint:
        return fdef.hint
    unit = targets.units.get(fdef.unit or "")
    if fdef.type in ("number", "integer"):
        low, high = fdef.range or (None, None)
        return tr("tpl.hint.number", kind=tr("expected.integer" if fdef.type == "integer" else "expected.number"),
                  unit=tr("tpl.hint.unit", unit=unit.label) if unit else "",
                  span=tr("tpl.hint.span", low=low, high=high) if low is not None else "")
    if fdef.type in ("yesno", "choice"):
        return tr("tpl.hint.choose", choices="、".join(fdef.choices_list(targets)))
    return tr("tpl.hint.key" if fdef.key else "tpl.hint.optional")


def template_name(street: str) -> str:
    """The file name of a street's template: the street's name, with what file systems refuse replaced."""
    import re

    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", street).strip(". ") or "street"
    while len(stem.encode("utf-8")) > STEM_BYTES:  # a file system takes 255 bytes a name; versions add a prefix
        stem = stem[:-1]
    return stem + ".xlsx"


STEM_BYTES = 120  # a street's name in a file name, at most (40 Chinese characters)


def unique_file_stems(names: list[str]) -> dict[str, str]:
    """Each name's file name without its suffix: its safe form (template_name), with (2), (3) … where two
    names would make one file (东风/街道 and 东风_街道; Windows ignores case), in the order given."""
    stems: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        stem = base = template_name(name)[: -len(".xlsx")]
        n = 2
        while stem.casefold() in taken:
            stem = f"{base} ({n})"
            n += 1
        taken.add(stem.casefold())
        stems[name] = stem
    return stems


def write_template(path: Path, targets: Targets, street: str, rows: int = DEFAULT_ROWS, tr: Translator = ZH
                   ) -> Path:
    """Write one street's blank submission workbook (atomically). In English (`tr`) everything around the
    field headers is English; the headers stay the targets file's labels, which is what kaohe reads."""
    from openpyxl import Workbook

    from kaohe.atomic import atomic_path

    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = tr("tpl.sheet.guide")
    _guide(guide, targets, street, tr)
    _street_sheet(wb.create_sheet(tr("tpl.sheet.street")), targets, street, tr)
    _community_sheet(wb.create_sheet(tr("tpl.sheet.communities")), targets, street, rows, tr)
    wb.active = 2
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _validation(fdef: FieldDef, targets: Targets, tr: Translator) -> object | None:
    from openpyxl.worksheet.datavalidation import DataValidation

    prompt = hint_text(fdef, targets, tr)
    if fdef.type in ("yesno", "choice"):
        dv = DataValidation(type="list", formula1='"' + ",".join(fdef.choices_list(targets)) + '"',
                            allow_blank=not fdef.required)
        dv.error = prompt
    elif fdef.type in ("number", "integer"):
        low, high = fdef.range or (0, 10**9)
        dv = DataValidation(type="whole" if fdef.type == "integer" else "decimal", operator="between",
                            formula1=str(low), formula2=str(high), allow_blank=not fdef.required)
        dv.error = prompt
    else:
        dv = DataValidation(allow_blank=True)
    dv.errorTitle = fdef.label
    dv.promptTitle = fdef.label[:32]
    dv.prompt = prompt[:255]
    dv.showInputMessage = True
    dv.showErrorMessage = fdef.type != "text"
    return cast(object, dv)


def _text(ws: Worksheet, row: int, col: int, value: str) -> None:
    cell = ws.cell(row, col, value)
    cell.data_type = "s"  # a street named "=…" stays text


def _street_sheet(ws: Worksheet, targets: Targets, street: str, tr: Translator) -> None:
    from openpyxl.styles import Font, PatternFill

    fill = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
    ws.append([tr("tpl.item"), tr("tpl.value")])
    for cell in ws[1]:
        cell.font, cell.fill = Font(name=page.FONT, bold=True), fill
    for r, (_name, fdef) in enumerate(targets.fields.street.items(), start=2):
        _text(ws, r, 1, header_text(fdef, targets))
        if fdef.key:
            _text(ws, r, 2, street)
        else:
            dv = _validation(fdef, targets, tr)
            ws.add_data_validation(dv)
            dv.add(f"B{r}")  # type: ignore[attr-defined]
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 18
    a4_landscape(ws, "1:1")


def _community_sheet(ws: Worksheet, targets: Targets, street: str, rows: int, tr: Translator) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    fields = list(targets.fields.community.items())
    width = len(fields) + 1
    _text(ws, 1, 1, tr("tpl.title", street=street, period=targets.period))
    ws.cell(1, 1).font = Font(name=page.FONT, bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    _text(ws, 2, 1, tr("tpl.unit", street=street))
    _text(ws, 2, max(2, width - 3), tr("tpl.date"))
    fill = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
    _text(ws, 3, 1, tr("tpl.no"))
    for c, (_name, fdef) in enumerate(fields, start=2):
        _text(ws, 3, c, header_text(fdef, targets))
    for cell in ws[3]:
        cell.font, cell.fill = Font(name=page.FONT, bold=True), fill
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    ws.row_dimensions[3].height = 44
    first, last = 4, 3 + rows
    for r in range(first, last + 1):
        ws.cell(r, 1, r - first + 1)
    for c, (_name, fdef) in enumerate(fields, start=2):
        letter = get_column_letter(c)
        dv = _validation(fdef, targets, tr)
        ws.add_data_validation(dv)
        dv.add(f"{letter}{first}:{letter}{last}")  # type: ignore[attr-defined]
        ws.column_dimensions[letter].width = 16 if fdef.key else max(9, min(16, len(fdef.label) * 2))
    ws.column_dimensions["A"].width = 6
    side = Side(style="thin", color="808080")
    for row in ws.iter_rows(min_row=3, max_row=last, max_col=width):
        for cell in row:
            cell.border = Border(left=side, right=side, top=side, bottom=side)
    _text(ws, last + 2, 1, tr("tpl.signature"))
    ws.freeze_panes = "C4"
    a4_landscape(ws, "1:3")


def _guide(ws: Worksheet, targets: Targets, street: str, tr: Translator) -> None:
    from openpyxl.styles import Alignment, Font

    ws.append([tr("tpl.guide_title", title=tr.pick(targets.title, targets.title_en))])
    ws["A1"].font = Font(name=page.FONT, bold=True, size=14)
    lines = [tr("tpl.guide.1", street=street, street_sheet=tr("tpl.sheet.street"),
                communities_sheet=tr("tpl.sheet.communities")),
             tr("tpl.guide.2"), tr("tpl.guide.3"), tr("tpl.guide.4"), tr("tpl.guide.5")]
    for line in lines:
        ws.append([line])
    ws.append([])
    ws.append([tr("tpl.item"), tr("tpl.requirement")])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(name=page.FONT, bold=True)
    for fdef in [*targets.fields.street.values(), *targets.fields.community.values()]:
        # 【】 keeps the guide's field names from being read as the street's own labels
        ws.append([f"【{header_text(fdef, targets)}】", hint_text(fdef, targets, tr)])
    widths = {"A": 34, "B": 70}
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in range(2, 2 + len(lines)):  # an instruction spans both columns, as tall as its wrapped lines
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        ws.row_dimensions[r].height = page.LINE * page.lines(str(ws.cell(r, 1).value), sum(widths.values()))
    for r in range(header_row + 1, ws.max_row + 1):
        tallest = max(page.lines(str(ws.cell(r, c).value or ""), widths[letter])
                      for c, letter in ((1, "A"), (2, "B")))
        if tallest > 1:
            ws.row_dimensions[r].height = page.LINE * tallest
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    a4_landscape(ws, "1:1")


VERIFY_COLUMNS = ("verify.street", "verify.community", "verify.item", "verify.reported", "verify.written",
                  "verify.source", "verify.verified", "verify.note", "verify.inspector", "verify.date")
VERIFY_TODO = VERIFY_COLUMNS.index("verify.verified")  # the columns from here on are the inspector's


def written_in(book: Any, sheet: str | None, cell: str | None) -> Any:
    """What the clerk wrote in a cell (有, √, 1,200㎡ …) as the workbook holds it, or None."""
    import re

    if book is None or sheet is None or cell is None:
        return None
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    if m is None:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    for candidate in book.sheets:
        if candidate.name == sheet:
            rows = candidate.rows
            r, c = int(m.group(2)) - 1, col - 1
            return rows[r][c] if r < len(rows) and c < len(rows[r]) else None
    return None


def verification_rows(submission: Any, street: str, targets: Targets, tr: Translator = ZH,
                      book: Any = None) -> list[list[Any]]:
    """The figures an inspector checks on site: every field a scored target reads, of the street and of each
    community, with what was reported, what the clerk wrote where it differs from what kaohe read (有 or √
    read as 是: the inspector compares the wall with the writing), and where (file, sheet!cell). `book` is
    the workbook as read (kaohe.workbook.sheets.Book); without it the written column stays empty."""
    from kaohe.verify import _reported, _source, scored_fields, where_read

    scored = scored_fields(targets)
    rows: list[list[Any]] = []
    for level, defs in (("street", targets.fields.street), ("community", targets.fields.community)):
        names = [""] if level == "street" else list(getattr(submission.communities, "names", None)
                                                     or [u.name for u in submission.communities])
        for community in names:
            for name, fdef in defs.items():
                if name not in scored[level]:
                    continue
                value = _reported(submission, community, name)
                shown: Any = (tr("card.yes") if value else tr("card.no")) if isinstance(value, bool) else value
                if shown is not None and not isinstance(shown, str):
                    shown = float(shown) if not float(shown).is_integer() else int(shown)
                raw = written_in(book, *where_read(submission, community, name))
                reported = shown if shown is not None else tr("unreadable_value")
                differs = raw is not None and str(raw).strip() != "" and _plain(raw) != _plain(reported)
                rows.append([street, community, tr.pick(fdef.label, fdef.label_en), reported,
                             str(raw).strip() if differs else "", _source(submission, community, name) or ""])
    return rows


def _plain(value: Any) -> str:
    """A value as compared with what was written: 1200.0 and 1200 alike."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def write_verification_sheet(path: Path, targets: Targets, street: str, period: str, rows: list[list[Any]],
                             tr: Translator = ZH, evidence: list[list[Any]] | None = None) -> Path:
    """A street's 核查表: the reported figures, and empty 核实值 / 核查说明 / 核查人 / 日期 columns to fill on
    site. Filled in, it is a findings file for `kaohe assess --verified` as it stands. With `evidence` (the
    desk's: target, community, file, KB, SHA-256, an inspector's remark), a second sheet lists which figure
    has which evidence, for the inspectors to look at (read as findings it is skipped: no findings columns)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    from kaohe.atomic import atomic_path

    wb = Workbook()
    ws = cast("Worksheet", wb.active)
    ws.title = tr("verify.sheet")
    widths = [12, 12, 26, 10, 10, 28, 12, 30, 10, 12]
    ws.append([tr("tpl.verify_title", street=street, period=period)])
    ws["A1"].font = Font(name=page.FONT, bold=True, size=14)
    ws.append([tr("tpl.verify_note")])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(widths))
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = page.LINE * page.lines(tr("tpl.verify_note"), sum(widths))
    ws.append([tr(key) for key in VERIFY_COLUMNS])
    fill = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
    todo = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
    thin = Side(style="thin", color="BFBFBF")
    for cell in ws[3]:
        cell.font, cell.fill = Font(name=page.FONT, bold=True), fill
    for row in rows:
        ws.append([*row, None, None, None, None])
        r = ws.max_row
        for c in range(1, len(widths) + 1):
            cell = ws.cell(r, c)
            cell.border = Border(bottom=thin)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a community named =… stays text
            if c > VERIFY_TODO:
                cell.fill = todo
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(65 + i)].width = width
    ws.freeze_panes = "A4"
    a4_landscape(ws, "3:3")
    if evidence is not None:
        sheet = wb.create_sheet(tr("tpl.evidence_sheet"))
        sheet.append([tr("tpl.evidence_title", street=street, period=period)])
        sheet["A1"].font = Font(name=page.FONT, bold=True, size=14)
        sheet.append([tr(k) for k in ("target", "verify.community", "tpl.evidence_file", "tpl.evidence_kb",
                                      "tpl.evidence_sha", "tpl.evidence_remark")])
        for cell in sheet[2]:
            cell.font, cell.fill = Font(name=page.FONT, bold=True), fill
        for row in evidence or [[tr("desk.evidence_none")]]:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        for i, width in enumerate([34, 12, 30, 8, 20, 24]):
            sheet.column_dimensions[chr(65 + i)].width = width
        a4_landscape(sheet, "2:2")
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
