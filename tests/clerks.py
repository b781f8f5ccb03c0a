"""Write street workbooks the way clerks fill them in: the sample district, test fixtures and benchmarks.

A `Style` says what a clerk did to the template (title rows, a 填表说明 sheet, a two-row header, shuffled and
extra columns, √/× for yes/no, numbers typed as text with units, 合计 and signature rows, formulas …). The
values are given per field name of the targets YAML; a value that is a `str` is written as typed text, so a
test can put `约150` or `#VALUE!` exactly where it wants.
"""

from __future__ import annotations

import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COMMUNITY_COLUMNS = ["name", "type", "households", "room_area", "office_area", "culture_capacity",
                     "education_station", "modern", "safe", "police_office", "health_station", "pilot", "remark"]

CANONICAL_HEADERS = {
    "name": "社区名称", "type": "社区类型", "households": "户数(户)", "room_area": "服务站服务用房面积(㎡)",
    "office_area": "办公和服务用房面积(㎡)", "culture_capacity": "文化室可容纳人数(人)",
    "education_station": "社区教育活动站(有/无)", "modern": "新型现代化社区(是/否)",
    "safe": "安全文明社区(是/否)", "police_office": "社区警务室(有/无)", "health_station": "卫生服务站(有/无)",
    "pilot": "议行分设试点(是/否)", "remark": "备注",
}
STREET_LABELS = {
    "name": "街道名称", "kind": "街道类型", "center_area": "社区服务中心使用面积(㎡)",
    "service_projects": "福利性公益性服务项目数(个)", "demo_street": "省级社区建设示范街道",
}
# Which yes/no pair a field's header hints at in the template (有/无 or 是/否).
HAS_FIELDS = {"education_station", "police_office", "health_station"}


@dataclass
class Style:
    """What a clerk did to the canonical template."""

    title_rows: int = 2                     # 0: header in row 1; 2: title + 填报单位 line; 3: + 单位 line
    instructions_sheet: bool = False        # a 填表说明 sheet first
    sheet_names: tuple[str, str] = ("街道情况", "社区情况")
    community_sheet_first: bool = False
    two_row_header: bool = False            # 设施面积 / 达标情况 group row above the names
    column_numbers: bool = False            # 甲 乙 1 2 3 … under the header
    order: list[str] | None = None          # field order; None: the template's
    serial: bool = True                     # 序号 column
    extra_columns: list[str] = field(default_factory=list)  # 人口, 联系电话 …
    headers: dict[str, str] = field(default_factory=dict)   # field → header text used instead
    street_labels: dict[str, str] = field(default_factory=dict)
    yes_no: tuple[Any, Any] | None = None   # None: 有/无 or 是/否 as the header hints
    number_format: str = "number"           # number | text | unit (150㎡) | thousands (1,200) | fullwidth
    blank_rows: list[int] = field(default_factory=list)  # blank rows after these community indexes
    total_row: bool = False
    signature: bool = False                 # 填表人 … lines after the table
    office_formula: bool = False            # office area as =room + other rooms (no cached value)
    wps_dimension: bool = False             # <dimension ref="A1"/> as WPS writes it


def _yn(value: Any, name: str, style: Style) -> Any:
    if not isinstance(value, bool):
        return value
    if style.yes_no is not None:
        return style.yes_no[0] if value else style.yes_no[1]
    if name in HAS_FIELDS:
        return "有" if value else "无"
    return "是" if value else "否"


def _num(value: Any, style: Style, unit: str) -> Any:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value
    fmt = style.number_format
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if fmt == "text":
        return f" {text} "
    if fmt == "unit":
        return f"{text}{unit}"
    if fmt == "thousands":
        return f"{value:,}"
    if fmt == "fullwidth":
        return text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    return value


UNITS = {"households": "户", "room_area": "㎡", "office_area": "平方米", "culture_capacity": "人",
         "center_area": "㎡", "service_projects": "个"}


def write_workbook(path: Path, street: dict[str, Any], communities: list[dict[str, Any]],
                   style: Style | None = None, period: str = "2005") -> Path:
    """Write one street's submission workbook in the given clerk style (openpyxl, .xlsx)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    style = style or Style()
    wb = openpyxl.Workbook()
    ws_default = wb.active
    assert ws_default is not None
    if style.instructions_sheet:
        ws_default.title = "填表说明"
        for i, line in enumerate(["填表说明", "1. 面积按实际使用面积填写，单位平方米。",
                                  "2. 是否类项目填“是”或“否”，有无类项目填“有”或“无”。", "街道名称：填写全称"]):
            ws_default.cell(i + 1, 1, line)
        street_ws = wb.create_sheet(style.sheet_names[0])
    else:
        street_ws = ws_default
        street_ws.title = style.sheet_names[0]
    comm_ws = wb.create_sheet(style.sheet_names[1])
    if style.community_sheet_first:
        wb.move_sheet(comm_ws, offset=-(len(wb.sheetnames) - 1 - int(style.instructions_sheet)))

    # Street facts: a label and the value to its right.
    street_ws.append(["项目", "数值"])
    for key, label in STREET_LABELS.items():
        if key not in street and key != "name":
            continue
        value: Any = street.get(key)
        value = _yn(value, key, style) if key == "demo_street" else _num(value, style, UNITS.get(key, ""))
        street_ws.append([style.street_labels.get(key, label), value])
    street_ws.column_dimensions["A"].width = 34
    street_ws.column_dimensions["B"].width = 16

    # The community table.
    order = list(style.order or COMMUNITY_COLUMNS)
    columns: list[str] = (["#serial"] if style.serial else []) + order + list(style.extra_columns)
    name = street.get("name", "")
    r = 1
    if style.title_rows >= 1:
        comm_ws.cell(r, 1, f"{name}社区建设情况统计表({period}年度)").font = Font(bold=True, size=14)
        comm_ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(columns))
        comm_ws.cell(r, 1).alignment = Alignment(horizontal="center")
        r += 1
    if style.title_rows >= 2:
        comm_ws.cell(r, 1, f"填报单位:{name}")
        comm_ws.cell(r, max(2, len(columns) - 3), f"填报日期:{period}年12月20日")
        r += 1
    if style.title_rows >= 3:
        comm_ws.cell(r, 1, "单位:平方米、户、人")
        r += 1

    def header_text(col: str) -> str:
        if col == "#serial":
            return "序号"
        if col in COMMUNITY_COLUMNS:
            return style.headers.get(col, CANONICAL_HEADERS[col])
        return col

    if style.two_row_header:
        groups = {"room_area": "设施面积", "office_area": "设施面积", "culture_capacity": "设施面积",
                  "modern": "达标情况", "safe": "达标情况"}
        for c, col in enumerate(columns, start=1):
            group = groups.get(col)
            if group:
                comm_ws.cell(r, c, group)
                comm_ws.cell(r + 1, c, header_text(col))
            else:
                comm_ws.cell(r, c, header_text(col))
                comm_ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
        c = 1
        while c <= len(columns):  # merge each run of one group across its columns
            group = groups.get(columns[c - 1])
            end = c
            while end < len(columns) and group and groups.get(columns[end]) == group:
                end += 1
            if group and end > c:
                comm_ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=end)
            c = end + 1
        r += 2
    else:
        for c, col in enumerate(columns, start=1):
            comm_ws.cell(r, c, header_text(col)).font = Font(bold=True)
        r += 1
    if style.column_numbers:
        marks = ["甲", "乙"] + [str(i) for i in range(1, len(columns) - 1)]
        for c in range(1, len(columns) + 1):
            comm_ws.cell(r, c, marks[c - 1])
        r += 1

    first_data = r
    for i, comm in enumerate(communities):
        for c, col in enumerate(columns, start=1):
            if col == "#serial":
                value = i + 1
            elif col in COMMUNITY_COLUMNS:
                value = comm.get(col)
                value = _yn(value, col, style) if isinstance(value, bool) else _num(value, style, UNITS.get(col, ""))
                if col == "office_area" and style.office_formula and isinstance(comm.get("office_extra"), int):
                    room_col = get_column_letter(columns.index("room_area") + 1)
                    value = f"={room_col}{r}+{comm['office_extra']}"
                    comm_ws.cell(r, c).value = value
                    continue
            else:
                value = comm.get(col, "")
            comm_ws.cell(r, c).value = value
        r += 1
        if i in style.blank_rows:
            r += 1
    if style.total_row:
        comm_ws.cell(r, 1 + int(style.serial), "合计")
        for col in ("households", "room_area", "office_area"):
            if col in columns:
                letter = get_column_letter(columns.index(col) + 1)
                comm_ws.cell(r, columns.index(col) + 1, f"=SUM({letter}{first_data}:{letter}{r - 1})")
        r += 1
    if style.signature:
        r += 1
        comm_ws.cell(r, 1, "单位负责人:王建国        填表人:李娟        联系电话:8765 4321")
        comm_ws.cell(r + 1, 1, "填表说明:面积按使用面积填写。")
    for c, col in enumerate(columns, start=1):
        comm_ws.column_dimensions[get_column_letter(c)].width = 8 if col == "#serial" else 14

    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    if style.wps_dimension:
        understate_dimension(path)
    return path


def understate_dimension(path: Path) -> None:
    """Rewrite every sheet's <dimension> to A1, as WPS Office does."""
    import re

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
            dst.writestr(item, data)
    tmp.replace(path)


# ---- a whole district -----------------------------------------------------------------------------------

COMMUNITY_NAMES = ("春晖 锦绣 和平 幸福 光明 朝阳 新华 建设 民主 文化 育才 花园 翠竹 碧水 东苑 西苑 南湖 北塘 "
                   "长虹 彩虹 青年 红星 金桥 银河 丽景 康乐 安居 福寿 滨江 望江 枫林 桂花 梅园 兰亭 松鹤 "
                   "柳营 桃源 杏林 荷花 芙蓉 清河 白云 紫荆 玉泉 龙潭 凤凰 天宁 永安 太平 长乐 "
                   "新村 双塔 三元 四季 五星 六合 七里 八一 九华 十里").split()


def community_values(rng: random.Random, kind: str, quality: float) -> dict[str, Any]:
    """One community's true figures; `quality` (0..1) is how likely it meets each target."""
    ok = lambda p=quality: rng.random() < p  # noqa: E731
    if kind == "乡":
        ctype = "乡村" if rng.random() < 0.7 else "新村小区"
    else:
        ctype = "老城区" if rng.random() < 0.55 else "新村小区"
    if ctype == "老城区":
        households = rng.randint(2000, 2500) if ok(0.85) else rng.choice([rng.randint(1500, 1999),
                                                                         rng.randint(2501, 2900)])
    elif ctype == "新村小区":
        households = rng.randint(2500, 3000) if ok(0.85) else rng.randint(3001, 3600)
    else:
        households = rng.randint(600, 1800)
    room = rng.randint(150, 260) if ok(min(1.0, quality + 0.1)) else rng.randint(80, 149)
    extra = rng.randint(120, 220) if ok() else rng.randint(40, 110)
    return {
        "type": ctype, "households": households, "room_area": room, "office_area": room + extra,
        "office_extra": extra,
        "culture_capacity": rng.choice([50, 60, 80, 100, 120]) if ok(min(1.0, quality + 0.1))
        else rng.choice([20, 30, 40]),
        "education_station": ok(min(1.0, quality + 0.1)), "modern": ok(quality - 0.3), "safe": ok(quality + 0.05),
        "police_office": ok(0.95), "health_station": rng.random() < 0.4, "pilot": False, "remark": "",
    }


def write_district(folder: Path, size: int, communities: int = 50) -> Path:
    """`size` streets of about `communities` communities each, canonical template, with a roster; the same
    every time for the same arguments (benchmarks/speed.py and the tests use it)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(size)
    names = []
    for i in range(size):
        name = f"第{i + 1:04d}街道"
        names.append(name)
        quality = rng.uniform(0.5, 1.0)
        rows = []
        for j in range(max(1, communities + rng.randint(-5, 5))):
            values = community_values(rng, "街道", quality)
            # every community name in the district its own, as in a real one (春晖17-1社区 is street 17's)
            base = COMMUNITY_NAMES[(i + j) % len(COMMUNITY_NAMES)]
            values["name"] = f"{base}{i + 1}-{j // len(COMMUNITY_NAMES) + 1}社区"
            rows.append(values)
        street = {"name": name, "kind": "街道", "center_area": rng.choice([800, 1000, 1200]),
                  "service_projects": rng.randint(6, 14), "demo_street": rng.random() < 0.7}
        write_workbook(folder / f"{name}.xlsx", street, rows)
    (folder / "街道名单.csv").write_text("街道名称\n" + "\n".join(names) + "\n", encoding="utf-8")
    return folder
