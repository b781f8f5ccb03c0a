"""Every file a street can send is read or named: each office format, CSV, odd names, merged cells.

Made here: workbooks re-saved by LibreOffice in every format it writes, CSV in the encodings Excel and WPS
save, merged ranges in .xlsx/.xls/.ods, a file name in GBK bytes. Public files: tests/data/public (README there).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import compact, soffice_convert
from kaohe.errors import UnreadableFile
from kaohe.intake import gather
from kaohe.resources import SAMPLE_SUBMISSIONS, bundled
from kaohe.scoring import score
from kaohe.words import Translator
from kaohe.workbook import read_submission
from kaohe.workbook.guard import _xlsb_extent

SAMPLE = bundled(SAMPLE_SUBMISSIONS)
PUBLIC = Path(__file__).parent / "data" / "public"
GOOD = SAMPLE / "东风街道.xlsx"


def reading(sub) -> tuple:
    """What a submission says, whatever file it came from: the street's facts and every community's values."""
    return sub.street.name, sub.street.values, [(u.name, u.values) for u in sub.communities]


@pytest.fixture(scope="module")
def resaved(tmp_path_factory) -> dict[str, Path]:
    """东风街道.xlsx saved by LibreOffice in every spreadsheet format it writes, plus the WPS names."""
    out = tmp_path_factory.mktemp("formats")
    made = {}
    for suffix, fmt in [("xls", "xls"), ("xlt", "xlt:MS Excel 97 Vorlage/Template"), ("ods", "ods"),
                        ("fods", "fods"), ("xlsm", "xlsm:Calc MS Excel 2007 VBA XML"),
                        ("xltx", "xltx:Calc MS Excel 2007 XML Template")]:
        made[suffix] = soffice_convert([GOOD], fmt, out / suffix)[0]
    made["xltm"] = shutil.copy(made["xltx"], out / "东风街道.xltm")
    made["et"] = shutil.copy(made["xls"], out / "东风街道.et")  # WPS 表格 saves BIFF8 under .et/.ett
    made["ett"] = shutil.copy(made["xlt"], out / "东风街道.ett")
    return made


@pytest.mark.soffice
@pytest.mark.parametrize("suffix", ["xls", "xlt", "ods", "fods", "xlsm", "xltx", "xltm", "et", "ett"])
def test_every_office_format_reads_as_the_xlsx_does(resaved, targets, suffix):
    path = resaved[suffix]
    assert path.suffix == f".{suffix}" and path.stat().st_size > 0
    assert reading(read_submission(path, targets)) == reading(read_submission(GOOD, targets))


@pytest.mark.soffice
def test_a_folder_of_every_format_is_assessed_with_nothing_dropped(resaved, tmp_path, targets):
    """assess lists .et/.xlt/.fods … like .xlsx: one street per file, none reported as not submitted."""
    folder = tmp_path / "subs"
    folder.mkdir()
    names = []
    for k, (suffix, path) in enumerate(sorted(resaved.items())):
        name = f"街道{k}"
        wb = path.read_bytes()
        target = folder / f"{name}.{suffix}"
        target.write_bytes(wb)
        names.append((name, target.name))
    intake = gather(folder, targets, None)
    assert sorted(intake.files) == sorted(n for _, n in names)
    assert not [i for i in intake.issues if i.code == "unreadable-file"]


# ---- CSV ------------------------------------------------------------------------------------------------

def _csv_rows() -> list[list[str]]:
    """东风街道's two sheets as one table: the street facts, a blank row, the community table."""
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(GOOD))
    rows: list[list[str]] = []
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            rows.append(["" if v == "" else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                         for v in row])
        rows.append([])
    return rows


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8-sig", ","), ("gbk", ","), ("utf-16", "\t"),
                                                     ("utf-8", ";")])
def test_csv_is_read_as_a_one_table_submission(tmp_path, targets, encoding, delimiter):
    """Excel's CSV (GBK on Chinese Windows), CSV UTF-8 (with a BOM), Unicode text (UTF-16, tabs)."""
    import csv

    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(_csv_rows())
    path = tmp_path / "东风街道.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    sub = read_submission(path, targets)
    assert reading(sub) == reading(read_submission(GOOD, targets))
    assert sub.issues == read_submission(GOOD, targets).issues or compact(sub.issues) == []


def test_a_csv_that_is_not_a_submission_is_named_with_what_it_holds(tmp_path, targets):
    path = tmp_path / "通讯录.csv"
    path.write_text("姓名,电话\n张三,123\n", encoding="gbk")
    with pytest.raises(UnreadableFile) as exc:
        read_submission(path, targets)
    from kaohe.issues import unreadable

    issue = unreadable(path.name, exc.value.reason, exc.value.detail, exc.value.params)
    assert "是电子表格，但找不到" in issue.message("zh") and "姓名 | 电话" in issue.message("zh")


# ---- xlsb (public files from calamine's test suite) -------------------------------------------------------

def test_xlsb_is_read_not_called_a_non_spreadsheet(targets):
    """A binary workbook that is no submission is named as such, with its sheets: it was read."""
    with pytest.raises(UnreadableFile) as exc:
        read_submission(PUBLIC / "calamine-issues.xlsb", targets)
    assert exc.value.reason == "not-submission"
    assert exc.value.params["sheets"][:2] == ["datatypes", "issue2"]


def _xlsb_with_far_cell(source: Path, out: Path, row: int, col: int) -> Path:
    """A real .xlsb with one number added at (row, col), before the sheet's end-of-data record."""
    record = b"\x00\x11" + struct.pack("<I", row) + bytes(13)  # BrtRowHdr
    record += b"\x05\x10" + struct.pack("<IId", col, 0, 7.0)  # BrtCellReal
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.bin":
                end = data.index(b"\x92\x01\x00")  # BrtEndSheetData
                data = data[:end] + record + data[end:]
            dst.writestr(info.filename, data)
    return out


def test_xlsb_extent_is_measured_as_calamine_builds_it(tmp_path):
    import python_calamine as pc

    path = _xlsb_with_far_cell(PUBLIC / "calamine-date.xlsb", tmp_path / "far.xlsb", 2999, 299)
    grid = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    with zipfile.ZipFile(path) as zf:
        extent = _xlsb_extent(zf.read("xl/worksheets/sheet1.bin"))
    assert (extent.rows, extent.cols) == (len(grid), len(grid[0])) == (3000, 300)


def test_an_xlsb_too_large_for_calamine_is_refused_before_it(tmp_path, targets):
    path = _xlsb_with_far_cell(PUBLIC / "calamine-date.xlsb", tmp_path / "两角.xlsb", 1_048_575, 16_383)
    with pytest.raises(UnreadableFile) as exc:
        read_submission(path, targets)
    assert exc.value.reason == "too-large" and exc.value.params["sheet"] == "Sheet1"


# ---- names and other files -----------------------------------------------------------------------------

@pytest.mark.skipif(sys.platform != "linux", reason="names as raw bytes: what unzipping on Linux gives")
def test_a_name_in_gbk_bytes_is_decoded_and_its_bytes_kept(tmp_path, targets):
    folder = tmp_path / "subs"
    folder.mkdir()
    raw = "东风街道.xlsx".encode("gbk")
    path = folder / os.fsdecode(raw)
    shutil.copy(GOOD, path)
    intake = gather(folder, targets)
    assert intake.files == ["东风街道.xlsx"]
    assert intake.inputs[0].name == "东风街道.xlsx" and intake.inputs[0].raw_name == raw.hex()
    from kaohe.report.csv import render_csv
    from kaohe.report.json import render_json

    report = score(targets, intake)
    tr = Translator("zh")
    for text in (render_json(report, targets, tr), render_csv(report, targets, tr)):
        text.encode("utf-8")  # no lone surrogate anywhere
    assert json.loads(render_json(report, targets, tr))["streets"][0]["file"] == "东风街道.xlsx"
    from kaohe.report.excel import write_scorecard

    out = tmp_path / "考核结果.xlsx"
    write_scorecard(report, targets, out, tr)
    sources = [[c.value for c in r] for r in openpyxl.load_workbook(out)["数据来源"].iter_rows()]
    assert any(r[1] == "东风街道.xlsx" and r[5] == raw.hex() for r in sources)


def test_web_pages_and_old_excel_are_named_with_their_reason(tmp_path, targets):
    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copy(GOOD, folder)
    (folder / "报表.htm").write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    (folder / "excel4.xls").write_bytes(b"\x09\x04\x06\x00\x00\x00\x10\x00" + bytes(64))  # a BIFF4 BOF record
    (folder / "照片.jpg").write_bytes(b"\xff\xd8\xff")
    intake = gather(folder, targets)
    by_file = {i.file: i for i in intake.issues}
    assert by_file["报表.htm"].params["why"] == "html"
    assert "Excel 2.x–4.x" in by_file["excel4.xls"].message("zh")
    assert by_file["照片.jpg"].code == "ignored-file" and "图片" in by_file["照片.jpg"].message("zh")
    assert [s.status for s in intake.streets] == ["submitted"]


# ---- merged cells and repeated headers -------------------------------------------------------------------

def _columns(ws) -> tuple[int, dict[str, int]]:
    """The header row of the sample's 社区情况 sheet and each header's column (1-based), by its leading words."""
    for row in ws.iter_rows(min_row=1, max_row=10):
        texts = [str(c.value or "") for c in row]
        if "社区名称" in texts:
            return row[0].row, {t.split("(")[0]: k + 1 for k, t in enumerate(texts) if t}
    raise AssertionError("no header")


def _merged_workbook(path: Path) -> Path:
    """东风街道 with 社区类型 merged down over three communities, 是 merged over a run of a yes/no column, a
    figure merged over two rows, and the 街道名称 label merged over two cells."""
    wb = openpyxl.load_workbook(GOOD)
    ws = wb["社区情况"]
    top, col = _columns(ws)
    first = top + 1
    kind, safe, room = col["社区类型"], col["安全文明社区"], col["服务站服务用房面积"]
    for r in (first + 1, first + 2):  # one type, written once over three rows
        ws.cell(r, kind).value = None
    ws.merge_cells(start_row=first, start_column=kind, end_row=first + 2, end_column=kind)
    for r in range(first + 1, first + 4):
        ws.cell(r, safe).value = None
    ws.merge_cells(start_row=first, start_column=safe, end_row=first + 3, end_column=safe)
    ws.cell(first + 4, room).value = "约150"  # an invalid figure merged over two communities
    ws.cell(first + 5, room).value = None
    ws.merge_cells(start_row=first + 4, start_column=room, end_row=first + 5, end_column=room)
    street = wb["街道情况"]
    street.insert_cols(2)
    street.merge_cells("A2:B2")  # 街道名称 spread over two cells, its value beside the merge
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("merged")
    path = _merged_workbook(folder / "东风街道.xlsx")
    return {"xlsx": path, **{fmt: soffice_convert([path], fmt, folder / fmt)[0] for fmt in ("xls", "ods")}}


@pytest.mark.soffice
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_merged_value_applies_to_every_cell_it_covers(merged, targets, fmt):
    sub = read_submission(merged[fmt], targets)
    good = read_submission(GOOD, targets)
    units = {u.name: u.values for u in sub.communities}
    expected = {u.name: u.values for u in good.communities}
    names = list(expected)
    assert sub.street.name == "东风街道"
    assert [units[n]["type"] for n in names[:3]] == [expected[names[0]]["type"]] * 3
    assert [units[n]["safe"] for n in names[:4]] == [expected[names[0]]["safe"]] * 4
    # the one bad figure, merged over two communities: an issue for each, both at the merge's top-left cell
    top, col = _columns(openpyxl.load_workbook(merged["xlsx"])["社区情况"])
    cell = f"{openpyxl.utils.get_column_letter(col['服务站服务用房面积'])}{top + 5}"
    assert [(i.cell, i.code, i.community) for i in sub.issues] == [
        (cell, "invalid-number", names[4]), (cell, "invalid-number", names[5])]


def test_a_header_repeated_inside_the_table_is_skipped_and_counted(tmp_path, targets):
    wb = openpyxl.load_workbook(GOOD)
    ws = wb["社区情况"]
    top, _ = _columns(ws)
    header = [c.value for c in ws[top]]
    at = top + 5
    ws.insert_rows(at, 2)  # a second printed page: the header again, and its column numbers
    for c, text in enumerate(header, 1):
        ws.cell(at, c).value = text
        ws.cell(at + 1, c).value = "甲" if c == 1 else c - 1
    path = tmp_path / "东风街道.xlsx"
    wb.save(path)
    sub = read_submission(path, targets)
    assert reading(sub) == reading(read_submission(GOOD, targets))
    assert compact(sub.issues) == [] and sub.rows.headers == 2


# ---- a layout kaohe does not understand is never scored silently -----------------------------------------

def _sample_sheet():
    wb = openpyxl.load_workbook(GOOD)
    ws = wb["社区情况"]
    top, col = _columns(ws)
    last = max(r for r in range(top + 1, ws.max_row + 1) if ws.cell(r, col["社区名称"]).value)
    return wb, ws, top, col, last


@pytest.mark.parametrize(("words", "patch"), [
    (["已完成"], "vocabularies.yesno.yes: [已完成]"),
    (["已完成", "未完成"], "vocabularies.yesno.yes: [已完成]；vocabularies.yesno.no: [未完成]"),
    (["○", "　○　"], "? [○]"),  # no mark says yes or no: left for a person, full-width spaces or not
    (["OK", "NG", "OK"], "? [OK, NG]"),
])
def test_a_column_in_an_office_vocabulary_is_one_warning_with_the_words_to_add(tmp_path, targets, words, patch):
    wb, ws, top, col, last = _sample_sheet()
    safe = col["安全文明社区"]
    for i, r in enumerate(range(top + 1, last + 1)):
        ws.cell(r, safe).value = words[i % len(words)]
    path = tmp_path / "东风街道.xlsx"
    wb.save(path)
    sub = read_submission(path, targets)
    assert [i.code for i in sub.issues] == ["vocabulary-gap"]
    issue = sub.issues[0]
    assert issue.severity == "warning"
    assert issue.cell == f"{openpyxl.utils.get_column_letter(safe)}{top + 1}"
    assert patch in issue.message("zh") and patch in issue.message("en")
    assert f"{last - top} 个单元格" in issue.message("zh")
    assert all(u.values["safe"] is None for u in sub.communities)  # nothing read from it, nothing guessed


@pytest.mark.parametrize("spread", [4, 9])
def test_a_column_of_many_unknown_words_is_one_doubtful_column(tmp_path, targets, spread):
    """More distinct words than an office vocabulary has: the column is not what it says, one finding."""
    wb, ws, top, col, last = _sample_sheet()
    safe = col["安全文明社区"]
    for i, r in enumerate(range(top + 1, last + 1)):
        ws.cell(r, safe).value = f"见附件{i % spread}"
    path = tmp_path / "东风街道.xlsx"
    wb.save(path)
    sub = read_submission(path, targets)
    assert [i.code for i in sub.issues] == ["doubtful-column"]
    n = last - top
    assert f"{n} 个值中有 {n} 个无法读取" in sub.issues[0].message("zh")
    assert all(u.values["safe"] is None for u in sub.communities)


def test_a_few_bad_values_stay_cell_errors(tmp_path, targets):
    wb, ws, top, col, last = _sample_sheet()
    ws.cell(top + 1, col["安全文明社区"]).value = "待定"
    path = tmp_path / "东风街道.xlsx"
    wb.save(path)
    assert [i.code for i in read_submission(path, targets).issues] == ["invalid-choice"]


@pytest.mark.parametrize(("stated", "warned"), [("合计（{n}个社区）", False), ("合计（{m}个社区）", True),
                                                ("共 {m} 个", True)])
def test_a_total_row_that_states_another_count_is_warned(tmp_path, targets, stated, warned):
    wb, ws, top, col, last = _sample_sheet()
    n = last - top
    ws.cell(last + 1, col["社区名称"]).value = stated.format(n=n, m=n + 3)
    if not stated.startswith("合计"):
        ws.cell(last + 1, 1).value = "合计"
    path = tmp_path / "东风街道.xlsx"
    wb.save(path)
    codes = [i.code for i in read_submission(path, targets).issues]
    assert codes == (["count-mismatch"] if warned else [])


def test_a_second_community_table_is_named_not_dropped(tmp_path, targets):
    wb, ws, *_ = _sample_sheet()
    wb.copy_worksheet(ws).title = "社区情况(二)"
    path = tmp_path / "东风街道.xlsx"
    wb.save(path)
    sub = read_submission(path, targets)
    assert [(i.code, i.params["other"]) for i in sub.issues] == [("second-table", "社区情况(二)")]


@pytest.mark.parametrize(("name", "first"), [
    ("xlrd-biff4_no_format_no_window2.xls", ["ID", "TOTAL", "MAIN", "SUB"]),  # Excel 4.0
    ("exceldatareader-as3xls_BIFF2.xls", [1.0, "Hi", 10.22]),  # Excel 2.x
])
def test_excel_2_to_4_files_are_read_with_xlrd(name, first):
    """Not OLE containers at all: calamine cannot open them, xlrd (pure Python) can."""
    from kaohe.workbook.sheets import read_book

    sheet = read_book(PUBLIC / name).sheets[0]
    assert sheet.rows[0][:len(first)] == first


def test_a_package_calamine_refuses_is_read_with_openpyxl():
    """ExcelDataReader's workbook whose sheet relationship has no path: calamine gives up, openpyxl reads."""
    import python_calamine as pc

    from kaohe.workbook.sheets import read_book

    path = PUBLIC / "exceldatareader-Test_git_issue_68_NullSheetPath.xlsm"
    with pytest.raises(pc.CalamineError):
        pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert [(s.name, s.rows) for s in read_book(path).sheets] == [("Sheet1", [[1, 1]])]


def test_an_xls_calamine_refuses_but_xlrd_reads_is_read_not_called_damaged(tmp_path: Path) -> None:
    """An .xls whose CODEPAGE record says 8001 (Quattro Pro writes it; calamine knows no such codepage and
    refuses the file) is a sound BIFF8 file: read through xlrd (with the template's merged title rows), and
    scored as its figures say — damaged only when no reader can read it."""
    import xlwt

    from clerks import write_workbook
    from conftest import STREET, good_communities
    from kaohe import api

    source = openpyxl.load_workbook(write_workbook(tmp_path / "src.xlsx", STREET, good_communities(3)))
    book = xlwt.Workbook(encoding="utf-8")
    for ws in source.worksheets:
        out = book.add_sheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    out.write(cell.row - 1, cell.column - 1, cell.value)
        for merged in ws.merged_cells.ranges:  # the title rows' merges, as the template has them
            out.merge(merged.min_row - 1, merged.max_row - 1, merged.min_col - 1, merged.max_col - 1)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    at = data.find(b"\x42\x00\x02\x00")  # the CODEPAGE record
    assert at > 0
    path = tmp_path / "东风街道.xls"
    path.write_bytes(data[:at + 4] + struct.pack("<H", 8001) + data[at + 6:])
    report = api.check(path)
    assert not [i for i in report.issues if i.code == "unreadable-file"], [i.message() for i in report.issues]
    plain = api.check(write_workbook(tmp_path / "plain" / "东风街道.xlsx", STREET, good_communities(3)))
    assert report.streets[0].score == plain.streets[0].score


def test_an_xlsb_whose_relationships_carry_a_namespace_prefix_is_read_not_called_damaged(tmp_path: Path) -> None:
    """Relationship parts written <pr:Relationships xmlns:pr=…><pr:Relationship …/> are valid OPC (some writers
    do it); calamine's .xlsb reader panics on them. The guard writes them unprefixed first: the workbook reads
    exactly as its unprefixed original."""
    from kaohe.workbook.sheets import read_book

    original = Path(__file__).parent / "data" / "public" / "calamine-issues.xlsb"
    prefixed = tmp_path / "prefixed.xlsb"
    with zipfile.ZipFile(original) as zin, zipfile.ZipFile(prefixed, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith(".rels"):
                data = data.replace(b"<Relationships xmlns=", b"<pr:Relationships xmlns:pr=").replace(
                    b"</Relationships>", b"</pr:Relationships>").replace(b"<Relationship ", b"<pr:Relationship ")
                assert b"<pr:Relationship " in data
            out.writestr(info, data)
    got, want = read_book(prefixed), read_book(original)
    assert [(s.name, s.rows) for s in got.sheets] == [(s.name, s.rows) for s in want.sheets]
