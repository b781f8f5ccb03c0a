"""Blank submission workbooks generated from the targets YAML: what the bureau hands out to every street.

The canonical template of submission-workbook.md, built from the field definitions (labels, units, ranges,
yes/no words, choices), so a new year's YAML gives a new template. Dropdowns and number checks are data
validations; every column has an input hint; a 填表说明 sheet explains each field. A template filled in as
asked assesses with zero issues.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from kaohe.report import a4_landscape
from kaohe.targets import FieldDef, Targets

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

STREET_SHEET = "街道情况"
COMMUNITY_SHEET = "社区情况"
GUIDE_SHEET = "填表说明"
DEFAULT_ROWS = 40


def header_text(fdef: FieldDef, targets: Targets) -> str:
    """A column header as the template prints it: 服务站服务用房面积(㎡), 社区教育活动站(有/无)."""
    if fdef.type in ("yesno", "choice"):
        return f"{fdef.label}({'/'.join(fdef.choices_list(targets))})"
    unit = targets.units.get(fdef.unit or "")
    return f"{fdef.label}({unit.label})" if unit else fdef.label


def hint_text(fdef: FieldDef, targets: Targets) -> str:
    """What the clerk sees when the cell is selected."""
    if fdef.hint:
        return fdef.hint
    unit = targets.units.get(fdef.unit or "")
    unit_label = unit.label if unit else ""
    if fdef.type in ("number", "integer"):
        kind = "整数" if fdef.type == "integer" else "数字"
        low, high = fdef.range or (None, None)
        span = f"，范围{low}~{high}" if low is not None else ""
        return f"填写{kind}{('，单位' + unit_label) if unit_label else ''}{span}；不要写“约”或范围。"
    if fdef.type in ("yesno", "choice"):
        return "从下拉列表中选择：" + "、".join(fdef.choices_list(targets))
    return "填写全称。" if fdef.key else "选填。"


def template_name(street: str) -> str:
    """The file name of a street's template: the street's name, with what file systems refuse replaced."""
    import re

    return (re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", street).strip(". ") or "street") + ".xlsx"


def write_template(path: Path, targets: Targets, street: str, rows: int = DEFAULT_ROWS) -> Path:
    """Write one street's blank submission workbook (atomically)."""
    from openpyxl import Workbook

    from kaohe.atomic import atomic_path

    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = GUIDE_SHEET
    _guide(guide, targets, street)
    _street_sheet(wb.create_sheet(STREET_SHEET), targets, street)
    _community_sheet(wb.create_sheet(COMMUNITY_SHEET), targets, street, rows)
    wb.active = 2
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _validation(fdef: FieldDef, targets: Targets) -> object | None:
    from openpyxl.worksheet.datavalidation import DataValidation

    prompt = hint_text(fdef, targets)
    if fdef.type in ("yesno", "choice"):
        dv = DataValidation(type="list", formula1='"' + ",".join(fdef.choices_list(targets)) + '"',
                            allow_blank=not fdef.required)
        dv.error = "请从下拉列表中选择：" + "、".join(fdef.choices_list(targets))
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


def _street_sheet(ws: Worksheet, targets: Targets, street: str) -> None:
    from openpyxl.styles import Font, PatternFill

    fill = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
    ws.append(["项目", "数值"])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), fill
    for r, (_name, fdef) in enumerate(targets.fields.street.items(), start=2):
        _text(ws, r, 1, header_text(fdef, targets))
        if fdef.key:
            _text(ws, r, 2, street)
        else:
            dv = _validation(fdef, targets)
            ws.add_data_validation(dv)
            dv.add(f"B{r}")  # type: ignore[attr-defined]
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 18
    a4_landscape(ws, "1:1")


def _community_sheet(ws: Worksheet, targets: Targets, street: str, rows: int) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    fields = list(targets.fields.community.items())
    width = len(fields) + 1
    _text(ws, 1, 1, f"{street}社区建设情况统计表({targets.period}年度)")
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    _text(ws, 2, 1, f"填报单位:{street}")
    _text(ws, 2, max(2, width - 3), "填报日期:")
    fill = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
    _text(ws, 3, 1, "序号")
    for c, (_name, fdef) in enumerate(fields, start=2):
        _text(ws, 3, c, header_text(fdef, targets))
    for cell in ws[3]:
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    ws.row_dimensions[3].height = 44
    first, last = 4, 3 + rows
    for r in range(first, last + 1):
        ws.cell(r, 1, r - first + 1)
    for c, (_name, fdef) in enumerate(fields, start=2):
        letter = get_column_letter(c)
        dv = _validation(fdef, targets)
        ws.add_data_validation(dv)
        dv.add(f"{letter}{first}:{letter}{last}")  # type: ignore[attr-defined]
        ws.column_dimensions[letter].width = 16 if fdef.key else max(9, min(16, len(fdef.label) * 2))
    ws.column_dimensions["A"].width = 6
    side = Side(style="thin", color="808080")
    for row in ws.iter_rows(min_row=3, max_row=last, max_col=width):
        for cell in row:
            cell.border = Border(left=side, right=side, top=side, bottom=side)
    _text(ws, last + 2, 1, "单位负责人:            填表人:            联系电话:")
    ws.freeze_panes = "C4"
    a4_landscape(ws, "1:3")


def _guide(ws: Worksheet, targets: Targets, street: str) -> None:
    from openpyxl.styles import Alignment, Font

    ws.append([f"{targets.title} 填表说明"])
    ws["A1"].font = Font(bold=True, size=14)
    lines = [
        f"1. 本表由{street}填报：“{STREET_SHEET}”填街道的情况，“{COMMUNITY_SHEET}”每个社区居委会填一行。",
        "2. 请保留表头文字，不要增删或合并列；社区多于预留行数时在表格下方接着填写。",
        "3. 数字只填一个数，单位可省略；是/否、有/无类项目请从下拉列表中选择。",
        "4. 合计行、备注、签名行不计为社区；同一社区不要重复填写。",
        "5. 填好后用 Excel 或 WPS 保存；可先用 kaohe check 自查。",
    ]
    for line in lines:
        ws.append([line])
    ws.append([])
    ws.append(["项目", "填写要求"])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for fdef in [*targets.fields.street.values(), *targets.fields.community.values()]:
        # 【】 keeps the guide's field names from being read as the street's own labels
        ws.append([f"【{header_text(fdef, targets)}】", hint_text(fdef, targets)])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 70
    a4_landscape(ws, "1:1")
