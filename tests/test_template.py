"""kaohe template and kaohe check: the workbook a street fills in, and its self-check before sending."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import compact, soffice_convert
from kaohe.cli import app
from kaohe.intake import gather
from kaohe.report.template import write_template
from kaohe.scoring import score
from kaohe.workbook import read_submission


def test_template_follows_the_yaml(tmp_path, targets):
    path = write_template(tmp_path / "东风街道.xlsx", targets, "东风街道", rows=20)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["填表说明", "街道情况", "社区情况"]
    street, comm = wb["街道情况"], wb["社区情况"]
    assert street["A2"].value == "街道名称" and street["B2"].value == "东风街道"
    assert street["A4"].value == "社区服务中心使用面积(㎡)"
    assert comm["A1"].value == "东风街道社区建设情况统计表(2005年度)" and comm["A2"].value == "填报单位:东风街道"
    headers = [c.value for c in comm[3]]
    assert headers[:3] == ["序号", "社区名称", "社区类型(老城区/新村小区/乡村)"]
    assert "社区教育活动站(有/无)" in headers and "安全文明社区(是/否)" in headers and "户数(户)" in headers
    covered = {str(dv.sqref)[0] for dv in comm.data_validations.dataValidation}
    edu = next(dv for dv in comm.data_validations.dataValidation if "H4:H23" in str(dv.sqref))
    assert edu.type == "list" and edu.formula1 == '"有,无"' and edu.showInputMessage and edu.prompt
    kind = next(dv for dv in comm.data_validations.dataValidation if "C4:C23" in str(dv.sqref))
    assert kind.formula1 == '"老城区,新村小区,乡村"'
    room = next(dv for dv in comm.data_validations.dataValidation if "E4:E23" in str(dv.sqref))
    assert (room.type, room.operator, room.formula1, room.formula2) == ("decimal", "between", "0", "10000")
    households = next(dv for dv in comm.data_validations.dataValidation if "D4:D23" in str(dv.sqref))
    assert households.type == "whole" and "范围1~20000" in households.prompt
    assert covered == set("BCDEFGHIJKLMN")  # every field column has one
    assert comm.print_title_rows == "$1:$3" and comm.page_setup.orientation == "landscape"


def test_blank_template_reads_with_only_blanks_reported(tmp_path, targets):
    sub = read_submission(write_template(tmp_path / "t.xlsx", targets, "东风街道"), targets)
    assert sub.street is not None and sub.street.name == "东风街道"
    assert compact(sub.issues) == [("t.xlsx", "B4", "missing-value"), ("t.xlsx", "B5", "missing-value"),
                                   ("t.xlsx", "B6", "missing-value"), ("t.xlsx", "A4", "no-communities")]
    assert sub.rows.blank == 41 and sub.rows.notes == 1  # 40 numbered rows, a gap, the signature line


def fill(path: Path) -> None:
    """What a clerk does: the street facts, then ten communities, with the template's own words."""
    wb = openpyxl.load_workbook(path)
    street = wb["街道情况"]
    street["B3"], street["B4"], street["B5"], street["B6"] = "街道", 1200, 12, "是"
    comm = wb["社区情况"]
    for i in range(10):
        r = 4 + i
        values = [f"第{i + 1}社区", "老城区", 2300, 140 if i < 2 else 180, 320, 60, "有",
                  "是" if i < 4 else "否", "是" if i < 8 else "否", "有", "有" if i % 3 == 0 else "无",
                  "是" if i == 0 else "否", None]
        for c, value in enumerate(values, start=2):
            comm.cell(r, c, value)
    wb.save(path)


@pytest.mark.soffice
def test_round_trip_template_filled_resaved_assessed(tmp_path, targets):
    """template → filled by a script → re-saved by LibreOffice → assessed: zero issues, the intended score."""
    (tmp_path / "draft").mkdir()
    draft = write_template(tmp_path / "draft" / "东风街道.xlsx", targets, "东风街道")
    fill(draft)
    for fmt in ("xlsx", "xls", "ods"):
        resaved = soffice_convert([draft], fmt, tmp_path / fmt)[0]
        intake = gather(resaved.parent, targets)
        assert [i.code for i in intake.issues] == ["no-roster"], fmt
        report = score(targets, intake)
        street = report.streets[0]
        points = {r.id: r.points for r in street.targets}
        # rooms: 2 of 10 under 150 → 15 − 2×3 = 9; modern 4/10 → 10 × 0.4/0.5 = 8;
        # safe 8/10 → 15 × 0.8/0.85 = 14.1176…; the other six scored targets are met.
        assert points["room-area"] == Decimal("9.00") and points["modern-community"] == Decimal("8.00")
        assert points["safe-community"] == Decimal("14.12")
        assert street.score == Decimal("91.12") and street.grade == "优秀", fmt
        health = next(r for r in street.targets if r.id == "health-station")
        assert (health.actual, health.required, health.met) == (4, 4, True)  # ⌈10/3⌉ = 4


def test_template_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "tpl"
    result = runner.invoke(app, ["template", "--out", str(out), "--street", "东风街道", "--street", "=1+1"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["=1+1.xlsx", "东风街道.xlsx"]
    cell = openpyxl.load_workbook(out / "=1+1.xlsx")["街道情况"]["B2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    before = (out / "东风街道.xlsx").read_bytes()
    again = runner.invoke(app, ["template", "--out", str(out), "--street", "东风街道"])
    assert again.exit_code == 0 and "已存在" in again.stderr
    assert (out / "东风街道.xlsx").read_bytes() == before  # nothing overwritten
    roster = tmp_path / "名单.csv"
    roster.write_text("街道名称\n甲街道\n乙乡\n", encoding="gb18030")
    result = runner.invoke(app, ["template", "--out", str(out), "--roster", str(roster)])
    assert result.exit_code == 0 and {"甲街道.xlsx", "乙乡.xlsx"} <= {p.name for p in out.iterdir()}


def test_check_command(tmp_path, targets, book):
    runner = CliRunner(env={"COLUMNS": "100"})
    path = write_template(tmp_path / "东风街道.xlsx", targets, "东风街道")
    fill(path)
    clean = runner.invoke(app, ["check", str(path)])
    assert clean.exit_code == 0, clean.output
    assert "暂评 91.12" in clean.stdout and "没有发现问题" in clean.stdout
    wb = openpyxl.load_workbook(path)
    wb["社区情况"]["E5"] = "约150"
    wb.save(path)
    dirty = runner.invoke(app, ["check", str(path)])
    assert dirty.exit_code == 1
    assert "社区情况!E5" in dirty.stdout and "约150" in dirty.stdout and "不要写“约”" in dirty.stdout
    assert runner.invoke(app, ["check", str(tmp_path / "none.xlsx")]).exit_code == 1
    assert runner.invoke(app, ["check", "--help"]).exit_code == 0


@pytest.mark.parametrize("command", ["template", "check"])
def test_new_commands_have_help(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.stdout


def test_an_english_template_reads_as_the_chinese_one_does(tmp_path, targets):
    """--lang en translates everything around the field headers; the headers stay the YAML's labels, so the
    English template reads exactly as the Chinese one."""
    import openpyxl

    from kaohe.words import Translator

    zh = read_submission(write_template(tmp_path / "zh.xlsx", targets, "东风街道"), targets)
    path = write_template(tmp_path / "en.xlsx", targets, "东风街道", tr=Translator("en"))
    en = read_submission(path, targets)
    assert en.street is not None and zh.street is not None
    assert (en.street.name, en.street.values) == (zh.street.name, zh.street.values)
    assert [(i.cell, i.code) for i in en.issues] == [(i.cell, i.code) for i in zh.issues]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["How to fill in", "Street", "Communities"]
    guide = [str(c.value) for c in wb["How to fill in"]["A"][1:6]]
    assert guide[0].startswith("1. Filled in by 东风街道") and not any("填" in line for line in guide)
