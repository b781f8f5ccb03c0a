"""Readers on real files: every clerk variation of submission-workbook.md, every issue code at its cell."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from clerks import Style, write_workbook
from conftest import STREET, community, compact, good_communities, soffice_convert
from kaohe.errors import UnreadableFile
from kaohe.workbook import read_sheets, read_submission


def read(path: Path, targets):  # noqa: ANN001, ANN201
    return read_submission(path, targets)


def test_canonical_template_reads_cleanly(book, targets):
    sub = read(book(), targets)
    assert sub.issues == []
    assert sub.street is not None and sub.street.name == "东风街道"
    assert sub.street.values == {"kind": "街道", "center_area": Decimal("1200.00"), "service_projects": 12,
                                 "demo_street": True}
    assert sub.street.cells["center_area"] == "B4"
    assert [c.name for c in sub.communities] == ["春晖社区", "锦绣社区", "和平社区"]
    first = sub.communities[0]
    assert first.values["room_area"] == Decimal("160.00") and first.values["households"] == 2300
    assert first.values["education_station"] is True and first.values["type"] == "老城区"
    assert first.cells["room_area"] == "E4" and first.row == 4
    assert (sub.rows.read, sub.rows.skipped, sub.rows.rejected) == (3, 0, 0)


@pytest.mark.parametrize("style", [
    Style(title_rows=0), Style(title_rows=1), Style(title_rows=3),
    Style(instructions_sheet=True), Style(community_sheet_first=True, sheet_names=("Sheet1", "表二")),
    Style(two_row_header=True), Style(two_row_header=True, column_numbers=True, title_rows=3),
    Style(column_numbers=True),
    Style(serial=False, extra_columns=["人口", "联系电话"],
          order=["pilot", "safe", "name", "remark", "households", "type", "room_area", "office_area",
                 "culture_capacity", "modern", "education_station", "police_office", "health_station"]),
    Style(blank_rows=[0, 1], total_row=True, signature=True),
    Style(wps_dimension=True),
], ids=["no-title", "one-title", "three-title-rows", "instructions-sheet", "sheets-renamed-reordered",
        "two-row-header", "two-row-header-numbers", "column-numbers", "shuffled-extra-columns",
        "blank-total-signature", "wps-dimension"])
def test_layout_variations_read_the_same_communities(book, targets, style):
    sub = read(book(style=style), targets)
    assert compact(sub.issues) == []
    assert [c.name for c in sub.communities] == ["春晖社区", "锦绣社区", "和平社区"]
    assert all(c.values["room_area"] == Decimal("160.00") and c.values["safe"] is True for c in sub.communities)
    assert sub.street is not None and sub.street.values["service_projects"] == 12


def test_blank_total_and_note_rows_are_counted_not_read(book, targets):
    sub = read(book(style=Style(blank_rows=[0, 1], total_row=True, signature=True)), targets)
    assert (sub.rows.read, sub.rows.blank, sub.rows.totals, sub.rows.notes) == (3, 3, 1, 2)  # 1 blank before signature


def test_wps_dimension_tag_is_really_understated(book, targets):
    path = book(style=Style(wps_dimension=True))
    ro = openpyxl.load_workbook(path, read_only=True)
    assert ro["社区情况"].max_row == 1  # what a reader that trusts <dimension> sees
    assert len(read(path, targets).communities) == 3


@pytest.mark.parametrize(("header", "field"), [
    ("社区（居委会）名称", "name"), ("居委会名称", "name"), ("社区", "name"), ("类型", "type"), ("社区类别", "type"),
    ("总户数", "households"), ("居民户数（户）", "households"), ("服务用房面积", "room_area"),
    ("服务站用房面积\n(平方米)", "room_area"), ("服务站服务用房面积 m²", "room_area"),
    ("服务站服务用房面积(m2)", "room_area"), ("办公服务用房面积", "office_area"),
    ("办公及服务用房面积（㎡）", "office_area"), ("文化室容纳人数", "culture_capacity"),
    ("教育活动站", "education_station"), ("是否有社区教育活动站", "education_station"),
    ("是否新型现代化社区", "modern"), ("安全 文明 社区（是/否）", "safe"), ("警务室", "police_office"),
    ("社区卫生服务站(有/无)", "health_station"), ("议行分设", "pilot"),
])
def test_header_spellings_and_aliases(book, targets, header, field):
    sub = read(book(style=Style(headers={field: header})), targets)
    assert compact(sub.issues) == []
    assert len(sub.communities) == 3
    if field != "name":
        assert field in sub.communities[0].cells


@pytest.mark.parametrize(("label_field", "label"), [
    ("name", "街道（乡）名称"), ("name", "单位名称"), ("center_area", "社区服务中心面积"),
    ("center_area", "服务中心使用面积"), ("service_projects", "福利性、公益性服务项目"),
    ("service_projects", "服务项目数"), ("demo_street", "省级示范街道"), ("demo_street", "是否省级社区建设示范街道"),
])
def test_street_label_aliases(book, targets, label_field, label):
    sub = read(book(style=Style(street_labels={label_field: label})), targets)
    assert compact(sub.issues) == []
    assert sub.street is not None and sub.street.name == "东风街道"
    assert sub.street.values["center_area"] == Decimal("1200.00")


@pytest.mark.parametrize(("yes", "no"), [
    ("是", "否"), ("有", "无"), ("√", "×"), ("✓", "✗"), ("Y", "N"), ("yes", "no"), ("YES", "No"),
    ("达标", "未达标"), (True, False), (1, 0), (" 是 ", "否 "), ("\u3000有", "无\u3000"),
])
def test_yes_no_spellings(book, targets, yes, no):
    comms = [community("春晖社区", safe=yes, modern=no), community("锦绣社区", safe=no, modern=yes)]
    sub = read(book(communities=comms), targets)
    assert compact(sub.issues) == []
    assert [(c.values["safe"], c.values["modern"]) for c in sub.communities] == [(True, False), (False, True)]


@pytest.mark.parametrize(("raw", "expected"), [
    (150, "150"), (" 150 ", "150"), ("1,200", "1200"), ("１５０．５", "150.5"), ("150㎡", "150"),
    ("150平方米", "150"), ("150 m²", "150"), ("150m2", "150"), (150.0, "150"), ("１，２００", "1200"),
    (299.99999999999994, "300"),
])
def test_number_spellings(book, targets, raw, expected):
    sub = read(book(communities=[community("春晖社区", room_area=raw)]), targets)
    assert compact(sub.issues) == []
    assert sub.communities[0].values["room_area"] == Decimal(expected)


@pytest.mark.parametrize(("field", "raw", "expected"), [
    ("households", "2300户", 2300), ("households", 2300.0, 2300), ("culture_capacity", "60人", 60),
    ("culture_capacity", " 60 ", 60),
])
def test_integer_spellings(book, targets, field, raw, expected):
    sub = read(book(communities=[community("春晖社区", **{field: raw})]), targets)
    assert compact(sub.issues) == []
    assert sub.communities[0].values[field] == expected


def test_each_value_issue_at_its_cell(book, targets):
    comms = good_communities(8)
    comms[0]["room_area"] = "约150"           # E4
    comms[1]["households"] = "待定"           # D5
    comms[2]["education_station"] = "部分"    # H6
    comms[3]["type"] = "在建"                 # C7
    comms[4]["culture_capacity"] = None       # G8
    comms[5]["office_area"] = -5              # F9
    comms[6]["households"] = 2300.5           # D10: not a whole number
    comms[7]["safe"] = "#N/A"                 # J11 typed as text: an error value all the same
    sub = read(book(communities=comms), targets)
    f = "东风街道.xlsx"
    assert compact(sub.issues) == [
        (f, "E4", "invalid-number"), (f, "D5", "invalid-number"), (f, "H6", "invalid-choice"),
        (f, "C7", "invalid-choice"), (f, "G8", "missing-value"), (f, "F9", "out-of-range"),
        (f, "D10", "invalid-number"), (f, "J11", "excel-error"),
    ]
    assert [i.community for i in sub.issues][:2] == ["春晖社区", "锦绣社区"]
    assert all(i.street == "东风街道" and i.sheet == "社区情况" for i in sub.issues)
    assert sub.communities[0].values["room_area"] is None  # unreadable, still a community
    assert len(sub.communities) == 8
    assert "约150" in sub.issues[0].message("zh") and "服务站服务用房面积" in sub.issues[0].message("zh")
    assert "about" not in sub.issues[0].message("zh") and "number" in sub.issues[0].message("en")


def test_row_without_name_and_duplicate_community(book, targets):
    comms = good_communities(4)
    comms[2]["name"] = None                  # B6: figures, no name
    comms[3]["name"] = " 春晖 社区 "          # B7: the same community again, spelled with spaces
    sub = read(book(communities=comms), targets)
    assert compact(sub.issues) == [("东风街道.xlsx", "B6", "missing-value"),
                                   ("东风街道.xlsx", "B7", "duplicate-community")]
    assert [c.name for c in sub.communities] == ["春晖社区", "锦绣社区"]
    assert sub.rows.rejected == 2
    assert "第4行" in sub.issues[1].message("zh")


def test_formula_without_saved_value_and_error_cell(book, targets):
    comms = good_communities(3)
    comms[0]["office_area"] = "=E4+100"      # openpyxl saves no result: formula-no-value at F4
    comms[1]["room_area"] = "#DIV/0!"        # openpyxl writes a real error cell (t="e") at E5
    path = book(communities=comms)
    assert openpyxl.load_workbook(path)["社区情况"]["E5"].data_type == "e"
    sub = read(path, targets)
    assert compact(sub.issues) == [("东风街道.xlsx", "F4", "formula-no-value"),
                                   ("东风街道.xlsx", "E5", "excel-error")]
    assert "=E4+100" in sub.issues[0].message("zh")
    assert "#DIV/0!" in sub.issues[1].message("zh")


def test_missing_column_and_missing_street_label(book, targets):
    style = Style(order=["name", "type", "households", "room_area", "culture_capacity", "education_station",
                         "modern", "safe", "police_office", "health_station", "pilot", "remark"])
    street = {k: v for k, v in STREET.items() if k != "service_projects"}
    sub = read(book(style=style, street=street), targets)
    codes = compact(sub.issues)
    assert ("东风街道.xlsx", "A3", "missing-column") in codes          # no 办公和服务用房面积 column
    assert ("东风街道.xlsx", None, "missing-column") in codes          # no 服务项目数 label
    assert all(c.values["office_area"] is None for c in sub.communities)
    assert sub.street is not None and sub.street.values["service_projects"] is None


def test_street_named_by_content_not_file_name(book, targets):
    sub = read(book("3.xlsx", street=dict(STREET, name="人民街道")), targets)
    assert sub.street is not None and sub.street.name == "人民街道"


def test_street_name_from_fill_in_line_when_label_is_absent(book, targets):
    path = book()
    wb = openpyxl.load_workbook(path)
    assert wb["街道情况"]["A2"].value == "街道名称"
    wb["街道情况"].delete_rows(2)
    wb.save(path)
    sub = read(path, targets)
    assert sub.street is not None and sub.street.name == "东风街道"  # from 填报单位:东风街道
    assert compact(sub.issues) == []


def test_not_a_workbook_and_not_a_submission(tmp_path, targets):
    text = tmp_path / "x.xlsx"
    text.write_text("hello")
    with pytest.raises(UnreadableFile) as exc:
        read(text, targets)
    assert exc.value.reason == "not-workbook"
    other = tmp_path / "budget.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["项目", "金额"])
    wb.save(other)
    with pytest.raises(UnreadableFile) as exc:
        read(other, targets)
    assert exc.value.reason == "not-submission"


# ---- files re-saved by LibreOffice, as offices do ----------------------------------------------------


@pytest.fixture(scope="module")
def libreoffice_books(tmp_path_factory):
    """The same workbook written by openpyxl, then saved by LibreOffice as .xls, .ods and .xlsx."""
    src = tmp_path_factory.mktemp("lo-src")
    comms = good_communities(4)
    comms[1]["office_area"] = "=1/0"                   # LibreOffice saves #DIV/0! as the cached result
    comms[2]["education_station"] = "部分"
    style = Style(two_row_header=True, column_numbers=True, office_formula=True, instructions_sheet=True)
    for c in comms:
        c["office_extra"] = 150
    comms[1]["office_extra"] = None
    draft = write_workbook(src / "东风街道.xlsx", dict(STREET), comms, style)
    out = {}
    for fmt in ("xls", "ods", "xlsx"):
        out[fmt] = soffice_convert([draft], fmt, tmp_path_factory.mktemp(f"lo-{fmt}"))[0]
    return out


@pytest.mark.soffice
@pytest.mark.parametrize("fmt", ["xls", "ods", "xlsx"])
def test_libreoffice_saved_files(libreoffice_books, targets, fmt):
    path = libreoffice_books[fmt]
    sub = read(path, targets)
    # Rows 3-4 hold the two header rows, row 5 the column numbers; data from row 6.
    assert compact(sub.issues) == [(path.name, "F7", "excel-error"), (path.name, "H8", "invalid-choice")]
    assert "#DIV/0!" in sub.issues[0].message("zh")
    assert [c.name for c in sub.communities] == ["春晖社区", "锦绣社区", "和平社区", "幸福社区"]
    # office area = room (160) + 150, a formula whose result LibreOffice saved
    assert [c.values["office_area"] for c in sub.communities] == [Decimal("310.00"), None, Decimal("310.00"),
                                                                   Decimal("310.00")]


def test_sheets_are_grids_from_a1(book):
    sheets = read_sheets(book(style=Style(title_rows=3)))
    community = next(s for s in sheets if s.name == "社区情况")
    assert community.value(3, 1) == "社区名称"   # B4: leading rows and columns are not skipped


# ---- street facts wherever a clerk put them -----------------------------------------------------------


def _rewrite_street_sheet(path: Path, rows: list[list[object]]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["街道情况"]
    ws.delete_rows(1, ws.max_row)
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_street_label_and_value_in_one_cell(book, targets):
    path = book()
    _rewrite_street_sheet(path, [["街道名称：东风街道办事处"], ["社区服务中心使用面积(㎡):1,200"],
                                 ["福利性公益性服务项目数：12个"], ["省级社区建设示范街道：是"]])
    sub = read(path, targets)
    assert compact(sub.issues) == []
    assert sub.street is not None and sub.street.name == "东风街道办事处"
    assert sub.street.values == {"kind": None, "center_area": Decimal("1200.00"), "service_projects": 12,
                                 "demo_street": True}
    assert sub.street.cells["center_area"] == "A2"


def test_street_facts_across_a_row_with_values_below(book, targets):
    path = book()
    _rewrite_street_sheet(path, [["街道名称", "社区服务中心使用面积", "服务项目数", "省级示范街道"],
                                 ["东风街道", 800, 12, "否"]])
    sub = read(path, targets)
    assert sub.street is not None and sub.street.name == "东风街道"
    assert sub.street.values["center_area"] == Decimal("800.00") and sub.street.values["demo_street"] is False
    assert sub.street.cells["center_area"] == "B2"


def test_street_facts_below_the_community_table(book, targets):
    path = book()
    wb = openpyxl.load_workbook(path)
    del wb["街道情况"]
    ws = wb["社区情况"]
    ws.append([])
    ws.append(["社区服务中心使用面积", None, 1300])
    ws.append(["福利性公益性服务项目数", None, "11"])
    ws.append(["省级社区建设示范街道", None, "是"])
    wb.save(path)
    sub = read(path, targets)
    assert compact(sub.issues) == []
    assert sub.street is not None and sub.street.name == "东风街道"  # from 填报单位:东风街道
    assert sub.street.values["center_area"] == Decimal("1300.00") and sub.street.cells["center_area"] == "C8"
    assert len(sub.communities) == 3 and sub.rows.notes == 3 and sub.rows.blank == 1


def test_total_row_that_does_not_add_up_is_a_warning(book, targets):
    path = book(style=Style(total_row=True))
    wb = openpyxl.load_workbook(path)
    ws = wb["社区情况"]
    ws["D7"], ws["E7"] = 6900, 999  # households add up (3 × 2300); room areas (3 × 160 = 480) do not
    wb.save(path)
    sub = read(path, targets)
    assert compact(sub.issues) == [("东风街道.xlsx", "E7", "total-mismatch")]
    assert sub.issues[0].severity == "warning" and "480" in sub.issues[0].message("zh")


def test_note_words_only_as_whole_words(book, targets):
    comms = good_communities(2) + [community("注塑社区"), community("说明社区")]
    sub = read(book(communities=comms), targets)
    assert [c.name for c in sub.communities][-2:] == ["注塑社区", "说明社区"]


@pytest.mark.parametrize("spelling", ["老城区社区", "老城", " 老城区 "])
def test_community_type_spellings(book, targets, spelling):
    sub = read(book(communities=[community("春晖社区", type=spelling)]), targets)
    assert compact(sub.issues) == [] and sub.communities[0].values["type"] == "老城区"


def test_two_street_facts_per_row(book, targets):
    path = book()
    _rewrite_street_sheet(path, [["街道名称", "东风街道", "街道类型", "街道"],
                                 ["社区服务中心使用面积", 1000, "福利性公益性服务项目数", 9],
                                 ["省级社区建设示范街道", "是"]])
    sub = read(path, targets)
    assert compact(sub.issues) == []
    assert sub.street is not None and sub.street.values == {
        "kind": "街道", "center_area": Decimal("1000.00"), "service_projects": 9, "demo_street": True}


def test_section_headings_inside_the_table_are_not_communities(book, targets):
    comms = [community("一、老城区社区", **{k: None for k in ("type", "households", "room_area", "office_area",
                                                             "culture_capacity", "education_station", "modern",
                                                             "safe", "police_office", "health_station", "pilot")}),
             *good_communities(2)]
    sub = read(book(communities=comms), targets)
    assert compact(sub.issues) == [] and [c.name for c in sub.communities] == ["春晖社区", "锦绣社区"]
    assert sub.rows.notes == 1


def test_communities_travel_as_columns_and_read_back_as_the_same_units(book, targets):
    import pickle

    from kaohe.model import Communities, RowCells

    comms = good_communities(3)
    comms[1]["room_area"] = "约150"  # unreadable: None in its column, still a community
    sub = read(book(communities=comms), targets)
    assert isinstance(sub.communities, Communities)
    assert sub.communities.columns["room_area"][1] is None and len(sub.communities) == 3
    blob = pickle.dumps(sub.communities)
    assert b"RowCells" not in blob and b"Unit" not in blob  # plain lists, not objects per community
    back = pickle.loads(blob)
    assert list(back) == list(sub.communities) and back == sub.communities
    second = back[1]
    assert second.name == "锦绣社区" and second.row == 5 and second.sheet == "社区情况"
    assert second.values["room_area"] is None and isinstance(second.cells, RowCells)
    assert second.cells["room_area"] == "E5"


def test_failing_communities_travel_as_lists_and_name_their_cells(book, targets):
    import pickle

    from kaohe.model import FailingUnits
    from kaohe.scoring import Scorer

    comms = good_communities(4)
    comms[1]["room_area"] = 120   # E5 below 150
    comms[3]["room_area"] = 149   # E7
    sub = read(book(communities=comms), targets)
    judged = Scorer(targets).prejudge(sub)
    assert judged is not None
    room = next(r for r in judged.targets if r.id == "room-area")
    assert isinstance(room.failing, FailingUnits) and len(room.failing) == 2
    assert [(f.name, f.value, f.sheet, f.cell) for f in room.failing] == [
        ("锦绣社区", 120, "社区情况", "E5"), ("幸福社区", 149, "社区情况", "E7")]
    blob = pickle.dumps(room.failing)
    assert blob.count(b"Failing") == blob.count(b"FailingUnits") == 1  # lists inside, no Failing per community
    back = pickle.loads(blob)
    assert back == room.failing and list(back) == list(room.failing)


@pytest.mark.soffice
def test_cell_scan_finds_what_the_tree_parse_finds(book, tmp_path):
    """The quick scan of a sheet's cells and the full (defused) tree parse agree, on openpyxl's XML and on
    LibreOffice's (which saves formulas with results, errors as t="e", and shares formula text)."""
    import zipfile

    from kaohe.workbook.sheets import _parse_cells, _scan_cells

    comms = good_communities(6)
    comms[0]["office_area"] = "=E4+100"              # no saved value
    comms[1]["room_area"] = "#DIV/0!"                # an error cell
    comms[2]["office_area"] = '=IF(E6>150,"a&b",1)'  # escaped text in the formula
    comms[3]["households"] = "=SUM(D4:D6)"
    written = book(communities=comms)
    workbook = openpyxl.load_workbook(written)
    sheet = workbook["社区情况"]
    sheet["N20"] = "=1/0"
    sheet["N21"] = "=N20*2"                          # an error LibreOffice will compute and save
    workbook.save(written)
    resaved = soffice_convert([written], "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")[0]
    for path in (written, resaved):
        with zipfile.ZipFile(path) as zf:
            for member in (n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")):
                xml = zf.read(member)
                assert _scan_cells(xml) == _parse_cells(xml), (path.name, member)
    with zipfile.ZipFile(written) as zf:
        found = [_scan_cells(zf.read(n)) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    assert {(3, 5): ("formula-no-value", "=E4+100")}.items() <= {k: v for f in found for k, v in f.items()}.items()
    assert any(v == ("formula-no-value", '=IF(E6>150,"a&b",1)') for f in found for v in f.values())
    assert _scan_cells(b'<sheetData><x:c r="A1"><x:f>1</x:f></x:c></sheetData>') is None  # prefixed: tree
    assert _scan_cells(b'<sheetData><c t="e"><v>#N/A</v></c></sheetData>') is None          # no r="": tree


# ---- a title naming another period ------------------------------------------------------------------------------

@pytest.mark.parametrize("title,period,warned", [
    ("东风街道社区建设情况统计表（2005年上半年）", None, "2005-H1"),   # a half-year's workbook in the year's assessment
    ("东风街道社区建设情况统计表（2004年度）", None, "2004"),
    ("东风街道社区建设情况统计表（2005年第三季度）", None, "2005-Q3"),
    ("东风街道社区建设情况统计表（2005年上半年）", "2005-H1", None),  # the period assessed: no word
    ("东风街道社区建设情况统计表（2005年度）", "2005-H1", None),      # the year of it: no word
    ("东风街道社区建设情况统计表（2005年度）", None, None),
])
def test_a_title_naming_another_period_is_a_warning_at_its_cell(book, title, period, warned):
    """Workbooks titled (2005年上半年) assessed as 2005 got no warning, while a header naming another period did."""
    import openpyxl

    from kaohe import api

    path = book()
    wb = openpyxl.load_workbook(path)
    wb["社区情况"]["A1"] = title
    wb.save(path)
    report = api.assess(path.parent, period=period)
    found = [(i.file, i.sheet, i.cell, i.params["named"]) for i in report.issues if i.code == "title-other-period"]
    assert found == ([("东风街道.xlsx", "社区情况", "A1", warned)] if warned else [])
    checked = api.check(path, period=period)
    assert [i.code for i in checked.issues].count("title-other-period") == (1 if warned else 0)


def test_a_date_in_a_title_row_is_not_a_period():
    from kaohe.periods import named_periods

    parts = {"H1": ["上半年"], "Q3": ["第三季度"]}
    assert named_periods("填报日期:2005年6月30日", parts) == []
    assert named_periods("2005年9月报表", parts) == ["2005-M09"]
    assert named_periods("（2005年度）", parts) == ["2005"]
