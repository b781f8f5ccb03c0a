"""The Excel scorecard: every sheet checked against the report, opened by LibreOffice, safe from injection."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import STREET, community, good_communities, soffice_convert
from kaohe.cli import app
from kaohe.intake import file_info, gather
from kaohe.resources import DEFAULT_TARGETS, SAMPLE_ROSTER, SAMPLE_SUBMISSIONS, bundled
from kaohe.scoring import score
from kaohe.words import Translator

SHEETS = ["总览", "街道得分", "指标明细"]


@pytest.fixture(scope="module")
def sample(targets):  # noqa: ANN001, ANN201
    intake = gather(bundled(SAMPLE_SUBMISSIONS), targets, bundled(SAMPLE_ROSTER))
    return score(targets, intake, file_info(bundled(DEFAULT_TARGETS)))


@pytest.fixture(scope="module")
def scorecard(sample, targets, tmp_path_factory) -> Path:
    from kaohe.report.excel import write_scorecard

    path = tmp_path_factory.mktemp("card") / "考核结果.xlsx"
    write_scorecard(sample, targets, path, Translator("zh"))
    return path


def rows(ws) -> list[list[object]]:  # noqa: ANN001
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheets_in_order(scorecard, sample):
    wb = openpyxl.load_workbook(scorecard)
    ranked = [s.name for s in sorted(sample.streets, key=lambda s: s.rank)]
    assert wb.sheetnames == [*SHEETS, *ranked, "问题清单", "数据来源"]


def test_overview_against_the_report(scorecard, sample, targets):
    ws = openpyxl.load_workbook(scorecard)["总览"]
    data = rows(ws)
    assert data[0][0] == "2005年度社区建设目标考核"
    facts = {r[0]: r[1] for r in data[3:10]}
    assert facts["应报街道"] == 12 and facts["已报街道"] == 11 and facts["读取社区"] == sample.communities
    assert facts["目标文件"] == "2005.yaml" and facts["问题条数"] == len(sample.issues)
    header = next(i for i, r in enumerate(data) if r[0] == "指标")
    district = data[header + 1: header + 1 + len(sample.district)]
    assert [r[0] for r in district] == [t.title for t in targets.targets]
    assert [r[4] for r in district] == ["是" if d.met else "否" for d in sample.district]
    assert [r[5] for r in district] == ["—" if d.needed is None else d.needed for d in sample.district]  # numbers
    grades = {r[0]: r[1] for r in data if r[0] in ("优秀", "良好", "合格", "不合格")}
    assert grades == {g: sum(1 for s in sample.streets if s.grade == g) for g in ("优秀", "良好", "合格", "不合格")}
    assert len(ws._charts) == 2


def test_street_scores_sheet(scorecard, sample, targets):
    ws = openpyxl.load_workbook(scorecard)["街道得分"]
    data = rows(ws)
    header = data[3]
    assert header[:3] == ["排名", "街道", "状态"] and header[-3:] == ["得分", "等次", "文件"]
    body = [r for r in data[4:] if r[0] is not None]
    ranked = sorted(sample.streets, key=lambda s: s.rank)
    assert [(r[0], r[1], r[-3], r[-2]) for r in body] == [(s.rank, s.name, float(s.score), s.grade) for s in ranked]
    scored = [t.id for t in targets.targets if t.points > 0]
    first = next(s for s in ranked if s.name == "胜利街道")
    row = next(r for r in body if r[1] == "胜利街道")
    points = {r.id: float(r.points) for r in first.targets}
    assert row[3:3 + len(scored)] == [points[i] for i in scored]
    assert ws.freeze_panes == "C5" and ws.auto_filter.ref.startswith("A4:")
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None)
    assert ws.page_setup.fitToHeight == 0  # fit to the width, as many pages down as it takes
    assert ws.print_title_rows == "$4:$4"  # only the header repeats on later pages
    assert len(ws._charts) == 1
    lost = ws.cell(4 + [r[1] for r in body].index("胜利街道") + 1, 3 + scored.index("demo-street") + 1)
    assert lost.fill.start_color.rgb.endswith("FFC7CE")  # a lost target is coloured


def test_details_list_every_failing_unit_with_its_cell(scorecard, sample):
    data = rows(openpyxl.load_workbook(scorecard)["指标明细"])
    body = [r for r in data[4:] if r[0]]
    expected = sum(len(r.failing) for s in sample.streets for r in s.targets)
    assert len(body) == expected
    assert ["各社区居委会服务站、服务用房面积均达150平方米以上", "胜利街道", "杏林社区", "(无法读取)", "胜利街道.xlsx",
            "社区情况", "E6"] in body


def test_street_page_shows_where_points_were_lost(scorecard):
    wb = openpyxl.load_workbook(scorecard)
    data = rows(wb["胜利街道"])
    assert data[0][0] == "胜利街道考核结果"
    assert data[3][:2] == ["得分", 79.04] and data[4][:2] == ["等次", "合格"]
    flat = [c for r in data for c in r if c is not None]
    assert "失分明细" in flat and "J13" in flat and "“安全文明社区”是错误值 #VALUE!" in flat
    missing = rows(wb["光明街道"])
    assert any("未报送" in str(c) for r in missing for c in r)


def test_issues_and_sources(scorecard, sample):
    wb = openpyxl.load_workbook(scorecard)
    issues = [r for r in rows(wb["问题清单"])[4:] if r[0]]
    assert len(issues) == len(sample.issues)
    shown = [i[:7] for i in issues]
    # each issue by its Chinese name where a person reads (the codes stay in the JSON and the catalogue)
    assert ["错误", "数值无法读取", "胜利街道", "胜利街道.xlsx", "社区情况", "E6", "杏林社区"] in shown
    assert ["提醒", "未读取的文件", None, "说明.txt", None, None, None] in shown
    assert not any(re.fullmatch(r"[a-z]+(-[a-z]+)+", str(i[1])) for i in issues)
    sources = {r[1]: r for r in rows(wb["数据来源"])[4:] if r[0] in ("报送表", "目标文件", "街道名单")}
    for info in sample.inputs:
        digest = hashlib.sha256(Path(info.path).read_bytes()).hexdigest()
        assert sources[info.name][4] == digest and sources[info.name][2] == Path(info.path).stat().st_size
    assert sources["2005.yaml"][4] == hashlib.sha256(bundled(DEFAULT_TARGETS).read_bytes()).hexdigest()
    assert "街道名单.csv" in sources


def test_no_cell_is_a_formula(scorecard):
    wb = openpyxl.load_workbook(scorecard)
    assert all(c.data_type != "f" for ws in wb for r in ws.iter_rows() for c in r)


@pytest.mark.soffice
def test_scorecard_opens_in_libreoffice_and_names_every_street(scorecard, sample, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed") if not __import__("os").environ.get("CI") \
            else pytest.fail("pdftotext is required in CI")
    pdf = soffice_convert([scorecard], "pdf", tmp_path)[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for s in sample.streets:
        assert s.name in text
    assert "2005年度社区建设目标考核" in text and "问题清单" in text and "E6" in text


def test_injection_stays_text(tmp_path, targets):
    from clerks import write_workbook
    from kaohe.report.excel import write_scorecard

    nasty = ['=HYPERLINK("http://example.invalid","点我")', "+1", "-1", "@SUM(1)", "\t=1+1", "=1+1"]
    comms = [community(name, safe=False) for name in nasty]
    subs = tmp_path / "subs"
    write_workbook(subs / "a.xlsx", dict(STREET, name="=东风街道"), comms)
    # openpyxl would store a leading = as a formula; the fixture must hold real text to be a fair test
    raw = openpyxl.load_workbook(subs / "a.xlsx")["社区情况"]
    for cell in raw["B"][3:]:
        cell.data_type = "s"
    raw.parent["街道情况"]["B2"].data_type = "s"
    raw.parent.save(subs / "a.xlsx")
    report = score(targets, gather(subs, targets))
    out = tmp_path / "card.xlsx"
    write_scorecard(report, targets, out, Translator("zh"))
    wb = openpyxl.load_workbook(out)
    texts = {c.value for ws in wb for r in ws.iter_rows() for c in r if isinstance(c.value, str)}
    for name in nasty:
        assert name.strip() in texts or name in texts
    assert "=东风街道" in wb.sheetnames or "=东风街道" in texts
    assert all(c.data_type != "f" for ws in wb for r in ws.iter_rows() for c in r)


def test_cli_out_is_atomic_and_never_over_an_input(tmp_path, book):
    runner = CliRunner()
    path = book()
    folder = path.parent
    before = path.read_bytes()
    result = runner.invoke(app, ["assess", str(folder), "--out", str(path)])
    assert result.exit_code == 1 and "输入文件" in result.stderr
    assert path.read_bytes() == before
    out = tmp_path / "card.xlsx"
    result = runner.invoke(app, ["assess", str(folder), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0 and out.is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    assert runner.invoke(app, ["assess", str(folder), "--out", str(tmp_path / "no" / "card.xlsx")]).exit_code == 1
    assert runner.invoke(app, ["assess", str(folder), "--out", str(tmp_path / "card.pdf")]).exit_code == 2


def test_english_scorecard(tmp_path, sample, targets):
    from kaohe.report.excel import write_scorecard

    out = tmp_path / "card.xlsx"
    write_scorecard(sample, targets, out, Translator("en"))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Overview", "Street scores", "Target details"]
    assert wb.sheetnames[-2:] == ["Issues", "Sources"]
    assert rows(wb["Street scores"])[3][:3] == ["Rank", "Street", "Status"]


def test_failed_write_leaves_nothing(tmp_path, sample, targets, monkeypatch):
    from xlsxwriter import Workbook

    from kaohe.report.excel import write_scorecard

    def broken(self):  # noqa: ANN001
        Path(self.filename).write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Workbook, "close", broken)
    with pytest.raises(KeyboardInterrupt):
        write_scorecard(sample, targets, tmp_path / "card.xlsx", Translator("zh"))
    assert list(tmp_path.iterdir()) == []


def test_good_communities_fixture_is_clean(book, targets):
    # guards the fixtures above: the injection test relies on them reading cleanly otherwise
    from kaohe.workbook import read_submission

    assert read_submission(book(communities=good_communities(2)), targets).issues == []


def test_every_reader_sees_every_row(scorecard):
    """openpyxl's read-only mode reads no further than a sheet's <dimension>: it must cover every row."""
    full = openpyxl.load_workbook(scorecard)
    fast = openpyxl.load_workbook(scorecard, read_only=True)
    for name in full.sheetnames:
        rows = [tuple(c for c in r) for r in full[name].iter_rows(values_only=True)]
        quick = [tuple(c for c in r) for r in fast[name].iter_rows(values_only=True)]
        assert [r for r in quick if any(c is not None for c in r)] == [r for r in rows if any(c is not None
                                                                                             for c in r)], name


def test_the_private_xlsxwriter_hooks_the_fast_sheet_needs_are_there():
    """report/fastsheet.py reaches into XlsxWriter's private parts (pyproject pins it below 4): should a release
    drop one, this fails at once and names it, before any scorecard comes out wrong."""
    import xlsxwriter
    import xlsxwriter.workbook
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

    sheet = Worksheet()
    needed = {
        "Worksheet._write_sheet_data": hasattr(Worksheet, "_write_sheet_data"),
        "Worksheet._write_rows": hasattr(Worksheet, "_write_rows"),
        "Worksheet._check_dimensions": hasattr(Worksheet, "_check_dimensions"),
        "Worksheet._assemble_xml_file": hasattr(Worksheet, "_assemble_xml_file"),
        "Worksheet._xml_start_tag": hasattr(Worksheet, "_xml_start_tag"),
        "Worksheet._xml_end_tag": hasattr(Worksheet, "_xml_end_tag"),
        "Worksheet.row_sizes": isinstance(getattr(sheet, "row_sizes", None), dict),
        "Worksheet.table": isinstance(getattr(sheet, "table", None), dict),
        "Worksheet.dim_rowmax": hasattr(sheet, "dim_rowmax"),
        "Worksheet.str_table": hasattr(sheet, "str_table"),
        "SharedStringTable._get_shared_string_index": hasattr(
            __import__("xlsxwriter.sharedstrings", fromlist=["SharedStringTable"]).SharedStringTable,
            "_get_shared_string_index"),
        "Format._get_xf_index": hasattr(Format, "_get_xf_index"),
        "xlsxwriter.workbook.ZipFile": hasattr(xlsxwriter.workbook, "ZipFile"),
    }
    missing = [name for name, ok in needed.items() if not ok]
    assert not missing, (f"XlsxWriter {xlsxwriter.__version__} lacks {', '.join(missing)}: report/fastsheet.py "
                         "needs them; pin XlsxWriter to a release that has them or rewrite the fast sheet")
    assert int(xlsxwriter.__version__.split(".")[0]) < 4, "pyproject.toml pins XlsxWriter below 4"
