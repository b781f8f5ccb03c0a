"""Write a street's workbook in the layouts offices invent beyond the template: a community table continued
on several sheets, the street facts beside, above or below it (or each label above its value), headers with a
period or a qualifier (2005年户数, 户数（2005年末）, 年末户数), another period's column beside the assessed one, a
units row under the header, and an office's own yes/no words.

The data stay plain (field → value) so a test can compute what the workbook must score from them alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerks import CANONICAL_HEADERS, COMMUNITY_COLUMNS, STREET_LABELS
from clerks import UNITS as CLERK_UNITS

# The template's headers without their units and hints (户数(户) → 户数): a layout adds its own.
PLAIN_HEADERS = {k: v.split("(")[0] for k, v in CANONICAL_HEADERS.items()}
UNITS = {k: v for k, v in CLERK_UNITS.items() if k in COMMUNITY_COLUMNS}
NUMBERS = tuple(UNITS)
YESNO = ("education_station", "modern", "safe", "police_office", "health_station", "pilot")

FACTS = ("sheet", "above", "below", "left", "right", "label-above")
QUALIFIERS = ("", "year", "year-bracket", "year-end", "current")
# Unambiguous office words the bundled vocabulary knows (full-width spaces around a word included).
WORD_PAIRS = (("是", "否"), ("已建", "未建"), ("已创建", "未创建"), ("☑", "☐"), ("✔", "✘"),
              ("\u3000是\u3000", "\u3000否\u3000"), ("已达标", "未达标"), ("有", "无"))
PART_NAMES = ("社区情况(一)", "社区情况(二)", "社区情况(三)")


@dataclass
class Layout:
    parts: int = 1                 # sheets the community table is spread over, each headed again
    facts: str = "sheet"           # where the street facts stand (FACTS)
    qualifier: str = ""            # how the figure headers are qualified (QUALIFIERS)
    decoy: bool = False            # a 2004年户数 column beside the households column, with other figures
    units_row: bool = False        # 户 ㎡ 人 under the header (the headers then carry no unit)
    words: tuple[str, str] = ("是", "否")
    total: bool = False            # a 合计（N个社区）row under the last part, adding the households up
    serial: bool = True
    period: str = "2005"
    hidden: int = 0                # other streets' communities in hidden rows after the first (a filtered sheet)
    grid: bool = False             # headers in two dimensions: 社区服务站 merged over 面积 | 是否建立, 文化室 over
    #                                可容纳人数; the other headers merged down both rows
    hidden_decoy: bool = False     # a hidden column headed as the households are, with other figures, left of them
    split: bool = False            # the office area and the education station on a sheet of their own (社区设施),
    #                                the communities in reverse order: a table joined by community name
    last_year: str = ""            # the previous year's table first, other figures: on a sheet named for its year
    #                                (name), or titled with it (title) — never to be read
    extra: dict[str, Any] = field(default_factory=dict)


# Headers in two dimensions: (group, sub-header). The bundled targets know 社区服务站 > 面积 as a path alias, and
# 文化室 + 可容纳人数 is the field's own name; 社区服务站 > 是否建立 is no field (an extra column).
GRID = {"room_area": ("社区服务站", "面积"), "culture_capacity": ("文化室", "可容纳人数"),
        "#station": ("社区服务站", "是否建立")}


def qualified(header: str, how: str, period: str) -> str:
    return {"": header, "year": f"{period}年{header}", "year-bracket": f"{header}（{period}年末）",
            "year-end": f"年末{header}", "current": f"现有{header}"}[how]


def random_layout(rng: random.Random) -> Layout:
    parts = rng.choice((1, 1, 2, 3))
    return Layout(parts=parts, facts=rng.choice(FACTS), qualifier=rng.choice(QUALIFIERS),
                  decoy=rng.random() < 0.3, units_row=rng.random() < 0.4, words=rng.choice(WORD_PAIRS),
                  total=rng.random() < 0.3, serial=rng.random() < 0.7, hidden=rng.choice((0, 0, 0, 2, 5)),
                  last_year=rng.choice(("", "", "", "name", "title")), grid=rng.random() < 0.3,
                  hidden_decoy=rng.random() < 0.2, split=parts == 1 and rng.random() < 0.35)  # (a continued
    # table is not joined with another: named, table-part)


def random_data(rng: random.Random, n: int, name: str = "东风街道") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    street = {"name": name, "kind": rng.choice(["街道", "乡"]), "center_area": rng.choice([800, 1000, 1200, 1500]),
              "service_projects": rng.randint(5, 14), "demo_street": rng.random() < 0.6}
    communities = []
    for i in range(n):
        communities.append({
            "name": f"第{i + 1}社区" if rng.random() < 0.5
            else f"{'春夏秋冬东西南北'[i % 8]}{'光和平安康乐福'[i % 7]}{i}社区",
            "type": rng.choice(["老城区", "新村小区", "乡村"]),
            "households": rng.randint(1500, 3200), "room_area": rng.choice([120, 150, 160, 200, 149]),
            "office_area": rng.choice([250, 300, 320, 400]), "culture_capacity": rng.choice([40, 50, 60, 80]),
            **{f: rng.random() < 0.75 for f in YESNO}, "remark": "",
        })
    return street, communities


def _value(field_name: str, value: Any, lay: Layout) -> Any:
    if isinstance(value, bool):
        return lay.words[0] if value else lay.words[1]
    return value


def write_layout(path: Path, street: dict[str, Any], communities: list[dict[str, Any]], lay: Layout) -> Path:
    """One street's workbook in the given layout (openpyxl, .xlsx)."""
    import openpyxl

    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    facts = [(STREET_LABELS[k], _value(k, street[k], lay)) for k in STREET_LABELS if k in street]
    sheets = []
    if lay.facts in ("sheet", "label-above"):
        first.title = "街道情况"
        if lay.facts == "sheet":
            for label, value in facts:
                first.append([label, value])
        else:  # each label with its value under it
            for i, (label, value) in enumerate(facts):
                first.cell(2 * i + 1, 1, label)
                first.cell(2 * i + 2, 1, value)
        sheets = [wb.create_sheet(PART_NAMES[i] if lay.parts > 1 else "社区情况") for i in range(lay.parts)]
    else:
        first.title = PART_NAMES[0] if lay.parts > 1 else "社区情况"
        sheets = [first] + [wb.create_sheet(PART_NAMES[i]) for i in range(1, lay.parts)]

    columns: list[str] = (["#serial"] if lay.serial else []) + [c for c in COMMUNITY_COLUMNS
                                                               if not (lay.split and c in SPLIT)]
    if lay.decoy:
        columns.insert(columns.index("households"), "#decoy")
    if lay.grid:  # a column of the station group that is no field of the targets
        columns.insert(columns.index("room_area") + 1, "#station")
    if lay.hidden_decoy:
        columns.insert(columns.index("households"), "#hidden")

    def header(col: str) -> str | tuple[str, str]:
        if lay.grid and col in GRID:  # (group, sub-header): the qualifier on the group, the unit on the sub
            group, sub = GRID[col]
            return (qualified(group, lay.qualifier, lay.period) if col in NUMBERS else group,
                    sub + (f"({UNITS[col]})" if col in NUMBERS and not lay.units_row else ""))
        if col == "#station":
            return GRID["#station"]
        if col == "#hidden":
            col = "households"
        if col == "#serial":
            return "序号"
        if col == "#decoy":
            return f"{int(lay.period) - 1}年户数"
        text = PLAIN_HEADERS[col]
        if col in NUMBERS:
            text = qualified(text, lay.qualifier, lay.period)
            if not lay.units_row:
                text += f"({UNITS[col]})"
        return text

    size = -(-len(communities) // lay.parts)
    chunks = [communities[i * size:(i + 1) * size] for i in range(lay.parts)]
    left = 3 if lay.facts == "left" else 0  # the table starts in column D when the facts stand left of it
    number = 0
    for p, (ws, chunk) in enumerate(zip(sheets, chunks, strict=True)):
        r = 1
        ws.cell(r, left + 1, f"{street['name']}社区建设情况统计表（{lay.period}年度）" + ("（续）" if p else ""))
        r += 1
        if lay.facts == "above" and p == 0:
            for label, value in facts:
                ws.cell(r, 1, label)
                ws.cell(r, 2, value)
                r += 1
            r += 1
        top = r
        for c, col in enumerate(columns, start=left + 1):
            text = header(col)
            if lay.grid and isinstance(text, tuple):
                ws.cell(r, c, text[0])
                ws.cell(r + 1, c, text[1])
            elif lay.grid:
                ws.cell(r, c, text)
                ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
            else:
                ws.cell(r, c, text)
        if lay.hidden_decoy:
            from openpyxl.utils import get_column_letter

            ws.column_dimensions[get_column_letter(left + 1 + columns.index("#hidden"))].hidden = True
        if lay.grid:  # the station group merged over its two columns
            at = left + 1 + columns.index("room_area")
            ws.merge_cells(start_row=r, start_column=at, end_row=r, end_column=at + 1)
            r += 1
        r += 1
        if lay.units_row:
            for c, col in enumerate(columns, start=left + 1):
                unit = UNITS.get(col)
                if unit:
                    ws.cell(r, c, unit)
            r += 1
        for k, comm in enumerate(chunk):
            number += 1
            for c, col in enumerate(columns, start=left + 1):
                if col == "#serial":
                    value: Any = number
                elif col == "#decoy":
                    value = comm["households"] - 100
                elif col == "#station":
                    value = "是"
                elif col == "#hidden":
                    value = comm["households"] // 2
                else:
                    value = _value(col, comm.get(col), lay)
                if value is not None and value != "":
                    ws.cell(r, c, value)
            r += 1
            if p == 0 and k == 0:  # rows of other streets, hidden (their figures would be errors if read)
                for h in range(lay.hidden):
                    ws.cell(r, left + 1 + columns.index("name"), f"别家{h}社区")
                    ws.cell(r, left + 1 + columns.index("households"), "不详")
                    ws.row_dimensions[r].hidden = True
                    r += 1
        if lay.total and p == lay.parts - 1:
            name_col = left + 1 + columns.index("name")
            ws.cell(r, left + 1, "合计" if name_col != left + 1 else f"合计（{len(communities)}个社区）")
            if name_col != left + 1:
                ws.cell(r, name_col, f"{len(communities)}个社区")
            ws.cell(r, left + 1 + columns.index("households"), sum(c["households"] for c in communities))
            r += 1
        if p == 0 and lay.facts in ("left", "right"):
            c0 = 1 if lay.facts == "left" else left + len(columns) + 2
            for i, (label, value) in enumerate(facts):
                ws.cell(top + i, c0, label)
                ws.cell(top + i, c0 + 1, value)
        if lay.facts == "below" and p == lay.parts - 1:
            r += 1
            for label, value in facts:
                ws.cell(r, 1, label)
                ws.cell(r, 2, value)
                r += 1
    if lay.split:
        _split_sheet(wb, communities, lay)
    if lay.last_year:
        _last_years_sheet(wb, sheets[0], lay, int(lay.period) - 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


SPLIT = ("office_area", "education_station")  # the fields a split layout keeps on a sheet of their own


def _split_sheet(wb: Any, communities: list[dict[str, Any]], lay: Layout) -> None:
    """社区设施: a title, the names and the SPLIT fields, the communities in reverse order."""
    ws = wb.create_sheet("社区设施")
    ws.append(["社区设施情况"])
    ws.append(["社区名称", *(PLAIN_HEADERS[c] + (f"({UNITS[c]})" if c in UNITS else "") for c in SPLIT)])
    for comm in reversed(communities):
        ws.append([comm["name"], *(_value(c, comm.get(c), lay) for c in SPLIT)])


def _last_years_sheet(wb: Any, ws: Any, lay: Layout, year: int) -> None:
    """The first community sheet again for last year, put first, every figure other: named 2004年社区情况, or
    titled …（2004年度） as a sheet copied and left with its default name."""
    old = wb.copy_worksheet(ws)
    old.title = f"{year}年社区情况" if lay.last_year == "name" else "社区情况 (2)"
    for row in old.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and f"{lay.period}年度" in cell.value:
                cell.value = cell.value.replace(f"{lay.period}年度", f"{year}年度")
            elif isinstance(cell.value, str) and lay.period in cell.value:  # 2005年户数 → 2004年户数
                cell.value = cell.value.replace(lay.period, str(year))
            elif isinstance(cell.value, int | float) and not isinstance(cell.value, bool) and cell.value > 20:
                cell.value = cell.value // 2
            elif cell.value in lay.words:  # every yes a no, every no a yes
                cell.value = lay.words[1] if cell.value == lay.words[0] else lay.words[0]
    wb.move_sheet(old, offset=-(len(wb.sheetnames) - 1))


def expected_issues(lay: Layout) -> set[str]:
    """The warnings a layout must bring, and nothing else."""
    codes = set()
    if lay.parts > 1:
        codes.add("table-continued")
    if lay.decoy:
        codes.add("header-period-choice")
    if lay.hidden:
        codes.add("hidden-rows")
    if lay.last_year:
        codes.add("other-period-sheets")
    if lay.hidden_decoy:
        codes.add("hidden-columns")
    if lay.split:
        codes.add("table-joined")
    return codes


def write_document(path: Path, street: dict[str, Any], communities: list[dict[str, Any]], facts: str = "table",
                   grid: bool = True, words: tuple[str, str] = ("是", "否")) -> Path:
    """One street's figures as a Word document (python-docx): a title, the street facts as a two-column table
    (or as sentences, 街道名称：东风街道), then the community table; with `grid`, 设施面积 spans the two area
    columns over their own headers and every other header is merged down both rows (gridSpan and vMerge)."""
    import docx

    lay = Layout(words=words)
    doc = docx.Document()
    doc.add_paragraph(f"{street['name']}社区建设情况统计表（2005年度）")
    pairs = [(STREET_LABELS[k], _value(k, street[k], lay)) for k in STREET_LABELS if k in street]
    if facts == "table":
        table = doc.add_table(rows=0, cols=2)
        for label, value in pairs:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, str(value)
    else:
        for label, value in pairs:
            doc.add_paragraph(f"{label}：{value}")
    doc.add_paragraph("社区情况")
    columns = list(COMMUNITY_COLUMNS)
    heads = 2 if grid else 1
    table = doc.add_table(rows=heads, cols=len(columns))
    table.style = "Table Grid"
    areas = (columns.index("room_area"), columns.index("office_area"))
    for c, col in enumerate(columns):
        text = PLAIN_HEADERS[col] + (f"({UNITS[col]})" if col in UNITS else "")
        if grid and c in areas:
            table.cell(1, c).text = text
        elif grid:
            table.cell(0, c).merge(table.cell(1, c)).text = text
        else:
            table.cell(0, c).text = text
    if grid:
        table.cell(0, areas[0]).merge(table.cell(0, areas[1])).text = "设施面积"
    for comm in communities:
        cells = table.add_row().cells
        for c, col in enumerate(columns):
            value = _value(col, comm.get(col), lay)
            cells[c].text = "" if value is None else str(value)
    doc.add_paragraph("填表人：张三　　审核人：李四")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path
