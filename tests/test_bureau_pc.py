"""The bureau's own PC: a GBK console, a scorecard open in Excel, mistakes people make — and no traceback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaohe.cli import app
from kaohe.resources import SAMPLE_ROSTER, SAMPLE_SUBMISSIONS, bundled

SAMPLE = bundled(SAMPLE_SUBMISSIONS)
RUNNER = CliRunner()


def kaohe(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    """The console script as a user runs it (main(): streams, signals, exit codes), in `cwd`."""
    return subprocess.run([sys.executable, "-m", "kaohe", *args], cwd=cwd, capture_output=True, timeout=300,
                          env={**os.environ, "COLUMNS": "80", **env})


@pytest.mark.parametrize("encoding", ["gbk", "ascii"])
@pytest.mark.parametrize("args", [["assess"], ["check", str(SAMPLE / "东风街道.xlsx")], ["progress"],
                                  ["targets", "check", str(bundled("targets/2005.yaml"))]])
@pytest.mark.slow  # runs the console script end to end
def test_any_console_encoding_gets_readable_output(tmp_path, encoding, args):
    """`kaohe assess > 结果.txt` on Chinese Windows writes GBK; a pipe may be ASCII. Nothing may crash."""
    out = kaohe(args, tmp_path, PYTHONIOENCODING=encoding)
    assert out.returncode == 0, out.stderr.decode(encoding, "replace")
    text = out.stdout.decode(encoding)  # strictly: every byte valid in the console's encoding
    assert b"Traceback" not in out.stderr and len(text.splitlines()) > 5
    if encoding == "gbk":
        assert "东风街道" in text or "社区" in text  # Chinese stays Chinese
    else:
        assert "?" not in text.splitlines()[0] or args[0] != "targets"  # an ASCII console is answered in English


@pytest.mark.slow  # runs the console script end to end
def test_gbk_marks_are_the_nearest_gbk_has(tmp_path):
    text = kaohe(["assess"], tmp_path, PYTHONIOENCODING="gbk").stdout.decode("gbk")
    assert "√" in text and "×" in text and "✓" not in text


@pytest.mark.slow  # runs the console script end to end
def test_kaohe_lang_chooses_english_without_the_option(tmp_path):
    text = kaohe(["assess"], tmp_path, KAOHE_LANG="en").stdout.decode()
    assert "District targets" in text and "全区指标完成情况" not in text


@pytest.mark.slow  # runs the console script end to end
def test_an_empty_folder_is_an_error_not_a_page_of_ticks(tmp_path):
    (tmp_path / "报送表").mkdir()
    out = kaohe(["assess", "报送表"], tmp_path)
    assert out.returncode == 1 and out.stdout == b""
    assert "没有找到任何报送表" in out.stderr.decode() and b"Traceback" not in out.stderr


@pytest.mark.slow  # runs the console script end to end
def test_the_scorecard_is_never_replaced_without_force(tmp_path):
    card = tmp_path / "考核结果.xlsx"
    card.write_bytes(b"last week's scorecard")
    refused = kaohe(["assess", "--out", str(card)], tmp_path)
    assert refused.returncode == 1 and "--force" in refused.stderr.decode()
    assert card.read_bytes() == b"last week's scorecard"
    assert kaohe(["assess", "--out", str(card), "--force", "--format", "json"], tmp_path).returncode == 0
    assert card.read_bytes()[:2] == b"PK"


def test_a_scorecard_open_in_excel_is_named_and_kept_whole(tmp_path, monkeypatch):
    """Windows refuses to replace a file Excel has open (PermissionError on the rename)."""
    import kaohe.atomic

    card = tmp_path / "考核结果.xlsx"
    card.write_bytes(b"open in Excel")

    def locked(src: object, dst: object) -> None:
        raise PermissionError(13, "The process cannot access the file because it is being used", str(dst))

    monkeypatch.setattr(kaohe.atomic.os, "replace", locked)
    result = RUNNER.invoke(app, ["assess", "--out", str(card), "--force"])
    assert result.exit_code == 1 and "Excel" in result.stderr and "考核结果.xlsx" in result.stderr
    assert "关闭" in result.stderr and card.read_bytes() == b"open in Excel"
    assert [p.name for p in tmp_path.iterdir()] == ["考核结果.xlsx"]  # no temporary file left behind


@pytest.mark.parametrize("period", ["上半年", "2005-13", "2005H1", "05"])
@pytest.mark.slow  # runs the console script end to end
def test_a_period_kaohe_cannot_place_is_a_usage_error(tmp_path, period):
    out = kaohe(["assess", "--period", period, "--record"], tmp_path)
    assert out.returncode == 2 and "2005-H1" in out.stderr.decode()
    assert not (tmp_path / "kaohe-history.sqlite").exists()


@pytest.mark.slow  # runs the console script end to end
def test_recording_a_period_again_says_so(tmp_path):
    assert kaohe(["assess", "--period", "2005-H1", "--record"], tmp_path).returncode == 0
    again = kaohe(["assess", "--period", "2005-H1", "--record"], tmp_path)
    assert again.returncode == 0 and "已再次记录 2005-H1" in again.stderr.decode()


@pytest.mark.slow  # runs the console script end to end
def test_a_scorecard_saved_among_the_submissions_is_not_a_street(tmp_path):
    folder = tmp_path / "报送表"
    shutil.copytree(SAMPLE, folder)
    shutil.copy(bundled(SAMPLE_ROSTER), tmp_path / "街道名单.csv")
    assert kaohe(["assess", "报送表", "--out", "报送表/考核结果.xlsx"], tmp_path).returncode == 0
    import json

    out = kaohe(["assess", "报送表", "--format", "json"], tmp_path)
    report = json.loads(out.stdout)
    mine = [i for i in report["issues"] if i["file"] == "考核结果.xlsx"]
    assert [(i["code"], i["reason"]) for i in mine] == [("ignored-file", "kaohe-output")]
    assert report["district"]["streets_submitted"] == 11


@pytest.mark.slow  # runs the console script end to end
def test_no_traceback_for_an_output_folder_that_is_a_file(tmp_path):
    (tmp_path / "模板").mkdir()
    (tmp_path / "模板" / "城关街道.xlsx").write_bytes(b"x")
    out = kaohe(["template", "--out", "模板/城关街道.xlsx"], tmp_path)
    assert out.returncode == 1 and b"Traceback" not in out.stderr
    assert "城关街道.xlsx" in out.stderr.decode()


@pytest.mark.slow  # runs the console script end to end
def test_a_bug_is_one_line_and_debug_shows_the_traceback(tmp_path):
    script = ("import sys\nimport kaohe.api\n"
              "def broken(*a, **k):\n    raise RuntimeError('something kaohe did not expect')\n"
              "kaohe.api.assess = broken\nsys.argv = ['kaohe', 'assess'] + sys.argv[1:]\n"
              "from kaohe.cli import main\nmain()\n")
    quiet = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert quiet.returncode == 3 and "Traceback" not in quiet.stderr
    assert "内部错误" in quiet.stderr and "--debug" in quiet.stderr
    loud = subprocess.run([sys.executable, "-c", script, "--debug"], capture_output=True, text=True, cwd=tmp_path)
    assert "Traceback" in loud.stderr and "something kaohe did not expect" in loud.stderr


@pytest.mark.parametrize("header", ["街道名单", "乡镇", "街道/乡", "街道名", "街乡名称", "name", "街道名称"])
def test_roster_headers_people_write(tmp_path, targets, header):
    from kaohe.intake.roster import load_roster

    path = tmp_path / "街道名单.csv"
    path.write_text(f"{header}\n东风街道\n红旗乡\n", encoding="utf-8")
    assert load_roster(path, targets) == ["东风街道", "红旗乡"]


def test_a_roster_saved_as_unicode_text(tmp_path, targets):
    """Excel's "Unicode 文本": UTF-16 with a BOM, tab-separated."""
    from kaohe.intake.roster import load_roster

    path = tmp_path / "街道名单.txt"
    path.write_bytes("序号\t街道名称\r\n1\t东风街道\r\n2\t红旗乡\r\n".encode("utf-16"))
    assert load_roster(path, targets) == ["东风街道", "红旗乡"]


@pytest.mark.slow  # runs the console script end to end
def test_progress_tells_84_8_from_85(tmp_path):
    """The sample's safe communities are 117 of 138 = 84.78 %: not the 85 % it falls short of."""
    text = kaohe(["progress"], tmp_path, COLUMNS="120").stdout.decode()
    row = next(line for line in text.splitlines() if "安全文明社区" in line)
    cells = row.split()[-5:]  # 2005-H1, 2005, change, year-end, required
    assert cells[1] == "84.8%" and cells[-1] == "85.0%"


@pytest.mark.slow  # runs the console script end to end
def test_narrow_terminals_never_cut_score_and_grade(tmp_path):
    """A targets file with 13 scored targets at 80 columns: the street table folds into its compact form."""
    import json
    import re

    text = bundled("targets/2005.yaml").read_text(encoding="utf-8")
    path = tmp_path / "t.yaml"
    # four more scored targets: copies of the community targets under new ids
    start = text.index("  - id: room-area")
    end = text.index("  - id: demo-street")
    copies = text[start:end].replace("  - id: ", "  - id: again-")
    text = text.replace("  - id: demo-street", copies + "  - id: demo-street", 1)
    # 13 scored targets, still out of 100 (a targets file whose points add up to more is refused)
    path.write_text(text.replace("points: 10", "points: 6").replace("points: 15", "points: 7"), encoding="utf-8")
    report = json.loads(kaohe(["assess", "--targets", str(path), "--format", "json"], tmp_path).stdout)
    assert sum(1 for t in report["district"]["targets"] if t["points"]) >= 12
    table = kaohe(["assess", "--targets", str(path)], tmp_path, COLUMNS="80").stdout.decode()
    for street in report["streets"]:
        line = next(row for row in table.splitlines() if re.match(rf"\s*{street['rank']} {street['name']}\b", row))
        assert f"{street['score']:.2f}" in line and street["grade"] in line, line


@pytest.mark.parametrize(("command", "columns"), [
    (["assess"], "80"), (["assess"], "60"),
    *((["check", str(SAMPLE / "胜利街道.xlsx")], c) for c in ("80", "60", "40"))])
@pytest.mark.slow  # runs the console script end to end
def test_titles_break_between_words_never_inside_a_number(tmp_path, command, columns):
    """Every number of the targets' titles and of the issues' messages (1000, 150, 50-200, =E4+96) is
    found whole in the output: wrapped lines break between words, not inside them."""
    import json

    out = kaohe(command, tmp_path, COLUMNS=columns).stdout.decode()
    report = json.loads(kaohe([*command, "--format", "json"], tmp_path).stdout)
    texts = [t["title"] for t in report["district"]["targets"]] + [i["message"] for i in report["issues"]]
    numbers = {n for text in texts for n in re.findall(r"[!-~]*[0-9]{2,}[!-~]*", text)}
    assert len(numbers) > 5
    for number in numbers:
        assert number in out, (number, columns)


def test_a_roster_header_kaohe_does_not_know_is_warned_about(tmp_path, targets):
    from kaohe.intake import gather

    roster = tmp_path / "名单.csv"
    roster.write_text("街道列表\n东风街道\n红旗乡\n人民街道\n", encoding="utf-8")
    intake = gather(SAMPLE, targets, roster)
    warned = [i for i in intake.issues if i.code == "roster-header"]
    assert [(i.file, i.street) for i in warned] == [("名单.csv", "街道列表")]
    assert "表头" in warned[0].hint("zh")
    roster.write_text("街道名称\n东风街道\n红旗乡\n人民街道\n", encoding="utf-8")  # a header kaohe knows
    assert not [i for i in gather(SAMPLE, targets, roster).issues if i.code == "roster-header"]


@pytest.mark.slow  # runs the console script end to end
def test_the_guides_error_table_is_what_kaohe_prints(tmp_path):
    """Each row of the guide's table of errors (docs/en/windows.md, docs/zh/windows.md) that can be made here,
    made, and its text found."""
    docs = Path(__file__).resolve().parents[1] / "docs"
    readme = "\n".join((docs / lang / "windows.md").read_text(encoding="utf-8") for lang in ("en", "zh"))
    (tmp_path / "空文件夹").mkdir()
    (tmp_path / "考核结果.xlsx").write_bytes(b"x")
    cases = {
        "kaohe: nowhere：找不到这个文件夹或报送表": ["assess", "nowhere"],
        "kaohe: 在 空文件夹 中没有找到任何报送表（.xlsx、.xls、.et、.ods、.csv、.docx）。请检查文件夹路径。":
            ["assess", "空文件夹"],
        "kaohe: 考核结果.xlsx 已经存在。要替换它，请加 --force。": ["assess", "--out", "考核结果.xlsx"],
        "考核期“上半年”的写法不对：应为 2005、2005-H1、2005-Q3 或 2005-M09 这样的形式":
            ["assess", "--period", "上半年"],
        "kaohe: nope.yaml：找不到目标文件": ["assess", "--targets", "nope.yaml"],
        "kaohe: kaohe-history.sqlite：还没有考核历史（用 kaohe assess --record 记录）": ["compare", "2004", "2005"],
    }
    for documented, args in cases.items():
        assert documented in readme, documented
        said = kaohe(args, tmp_path, COLUMNS="200").stderr.decode()
        assert documented in " ".join(said.split()) or documented in said, (args, said)


@pytest.mark.slow
@pytest.mark.slow  # runs the console script end to end
def test_500_workbooks_read_the_same_under_every_start_method(tmp_path):
    """Windows and macOS start workers with spawn, Python 3.14 on Linux with forkserver: a 500-workbook
    district gives byte for byte the JSON the fork start method gives."""
    from clerks import write_district

    folder = write_district(tmp_path / "district", 500, communities=8)
    outputs = {}
    for method in ("fork", "spawn", "forkserver"):
        out = kaohe(["assess", str(folder), "--format", "json"], tmp_path, KAOHE_START_METHOD=method)
        assert out.returncode == 0, out.stderr.decode()
        outputs[method] = out.stdout
    assert outputs["spawn"] == outputs["fork"] and outputs["forkserver"] == outputs["fork"]
    import json

    assert json.loads(outputs["fork"])["district"]["streets_submitted"] == 500


@pytest.mark.slow
def test_a_scorecard_on_a_read_only_place_is_one_line(tmp_path):
    """The operating system refuses the write (EROFS): one line saying so, no traceback, no file."""
    script = ("import errno, sys\nimport kaohe.atomic\n"
              "def refuse(*a, **k):\n    raise OSError(errno.EROFS, 'Read-only file system', k.get('dir'))\n"
              "kaohe.atomic.tempfile.mkstemp = refuse\n"
              "sys.argv = ['kaohe', 'assess', '--out', sys.argv[1]]\nfrom kaohe.cli import main\nmain()\n")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "考核结果.xlsx")], capture_output=True,
                         text=True, cwd=tmp_path)
    assert out.returncode == 1 and "只读" in out.stderr and "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_paths_with_spaces_and_chinese_and_long_names(tmp_path):
    folder = tmp_path / "2005 年 报送表 (第二批)" / ("很长的文件夹名" * 8)
    shutil.copytree(SAMPLE, folder)
    out = kaohe(["assess", str(folder), "--out", str(folder.parent / "考核 结果 2005.xlsx"), "--format", "json"],
                tmp_path)
    assert out.returncode == 0, out.stderr.decode()
    assert (folder.parent / "考核 结果 2005.xlsx").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["gbk", "ascii"])
def test_compare_on_any_console_encoding(tmp_path, encoding):
    for name in ("2005-H1.json", "2005.json"):
        (tmp_path / name).write_bytes(kaohe(["assess", "--format", "json"], tmp_path).stdout)
    out = kaohe(["compare", "2005-H1.json", "2005.json"], tmp_path, PYTHONIOENCODING=encoding)
    assert out.returncode == 0 and b"Traceback" not in out.stderr
    assert len(out.stdout.decode(encoding).splitlines()) > 5
