"""The command line as a user meets it: help everywhere, clean stdout, exit codes, the golden sample report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaohe.cli import app

GOLDEN = Path(__file__).parent / "golden" / "sample-2005.json"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})


def sample_json(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(app, ["assess", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_golden_sample_report(runner):
    """The sample district's report equals the checked-in one.

    Checked by hand against assessment-2005.md (figures read off the workbooks with openpyxl):
    - 胜利街道 (胜利街道.xlsx): 12 communities counted (row 12 has no name, row 12's 康乐社区 repeats row 5).
      centre 1100 → 10; projects 10 → 10; rooms: 杏林 unreadable (约150) → 15 − 3 = 12; office ≥300: 10 of 12
      (杏林 237, 桃源 −20 unreadable) → 10; culture: 太平 blank → 10 − 2 = 8; education: 金桥 部分, 太平 无 →
      10 − 4 = 6; not a demonstration street → 0; modern 5/12 → 10 × (5/12)/(1/2) = 8.33; safe 10/12 (光明
      #VALUE!) → 15 × (10/12)/0.85 = 14.71. Score 79.04, 合格.
    - 红旗乡 (红旗乡.xlsx, full-width digits, 达标/未达标): rooms 光明村 128 → 12; office 8/10 → 10; culture 建设村
      20 → 8; education all → 10; demo 达标 → 10; modern 5/10 = 50% → 10; safe 8/10 → 15 × 0.8/0.85 = 14.12.
      Score 94.12, 优秀.
    - 光明街道: no workbook → 0, 不合格, ranked last (12), with a missing-submission issue.
    """
    report = sample_json(runner)
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    report.pop("kaohe"), expected.pop("kaohe")
    assert report == expected
    streets = {s["name"]: s for s in report["streets"]}
    assert (streets["胜利街道"]["score"], streets["胜利街道"]["grade"]) == (79.04, "合格")
    points = {t["id"]: t["points"] for t in streets["胜利街道"]["targets"]}
    assert points == {"center-area": 10, "service-projects": 10, "room-area": 12, "office-area": 10,
                      "culture-room": 8, "education-station": 6, "demo-street": 0, "modern-community": 8.33,
                      "safe-community": 14.71, "household-size": 0, "police-office": 0, "health-station": 0,
                      "pilot-separation": 0}
    assert (streets["红旗乡"]["score"], streets["红旗乡"]["grade"]) == (94.12, "优秀")
    assert (streets["光明街道"]["score"], streets["光明街道"]["rank"], streets["光明街道"]["submitted"]) == \
        (0.0, 12, False)
    assert {s["grade"] for s in report["streets"]} == {"优秀", "良好", "合格", "不合格"}


def test_sample_shows_every_kind_of_result(runner):
    report = sample_json(runner)
    assert report["schema"] == "kaohe.report/1" and report["period"] == "2005"
    assert report["district"]["streets_expected"] == 12 and report["district"]["streets_submitted"] == 11
    assert 130 <= report["district"]["communities"] <= 160
    assert any(not t["met"] for t in report["district"]["targets"])
    codes = {i["code"] for i in report["issues"]}
    assert {"invalid-number", "invalid-choice", "missing-value", "out-of-range", "formula-no-value",
            "excel-error", "duplicate-community", "missing-submission"} <= codes
    assert all(i["cell"] for i in report["issues"] if i["code"] not in ("missing-submission", "ignored-file"))


def test_table_output_fits_80_columns(runner):
    result = runner.invoke(app, ["assess"])
    assert result.exit_code == 0
    assert "街道得分" in result.stdout and "全区指标完成情况" in result.stdout and "胜利街道" in result.stdout
    assert "问题清单" in result.stdout and "社区情况!E6" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_english(runner):
    result = runner.invoke(app, ["assess", "--lang", "en"])
    assert result.exit_code == 0
    assert "Street scores" in result.stdout and "District targets" in result.stdout
    report = sample_json(runner, "--lang", "en")
    assert "should be a number" in next(i["message"] for i in report["issues"] if i["code"] == "invalid-number")


def test_csv_scorecard(runner):
    result = runner.invoke(app, ["assess", "--format", "csv"])
    lines = result.stdout.splitlines()
    # redirected to a file (not a terminal), it starts with a BOM: Excel on Chinese Windows then reads UTF-8
    assert lines[0].startswith("\ufeff排名,街道,状态,得分,等次,中心")
    assert lines[1].startswith("1,东风街道,已报送,100.00,优秀")
    assert len(lines) == 13


def test_json_stdout_is_only_json(runner):
    result = runner.invoke(app, ["assess", "--format", "json"])
    json.loads(result.stdout)  # nothing else on stdout
    assert result.stdout.lstrip().startswith("{")


def test_exit_codes(runner, tmp_path):
    missing = runner.invoke(app, ["assess", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "nowhere" in missing.stderr
    bad_targets = tmp_path / "t.yaml"
    bad_targets.write_text("schema: [\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--targets", str(bad_targets)])
    assert result.exit_code == 1 and "t.yaml:" in result.stderr
    assert runner.invoke(app, ["assess", "--format", "pdf"]).exit_code == 2
    assert runner.invoke(app, ["assess", "--strict"]).exit_code == 1  # the sample has error-level issues


def test_strict_passes_on_clean_submissions(runner, book, tmp_path):
    path = book()
    (tmp_path / "街道名单.csv").write_text("街道名称\n东风街道\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", str(path.parent), "--strict", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["issues"] == []


@pytest.mark.parametrize("args", [[], ["assess"]])
def test_every_command_has_help(runner, args):
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout and len(result.stdout) > 200


def test_every_registered_command_is_documented():
    for command in app.registered_commands:
        assert command.callback is not None and command.callback.__doc__


@pytest.mark.slow
def test_progress_bar_and_scorecard_status_at_a_terminal(tmp_path):
    """stderr a terminal and 50 files: the progress bar, then the scorecard's status line, and a clean exit.

    (The bar once crashed at a terminal only: rich entered the lazy stderr proxy as a context manager.)
    """
    import os
    import random
    import subprocess
    import sys
    import threading

    from clerks import community_values, write_workbook

    folder = tmp_path / "district"
    folder.mkdir()
    rng = random.Random(3)
    for i in range(50):  # above POOL_THRESHOLD: the pool path reports progress too
        communities = [{**community_values(rng, "街道", 0.9), "name": f"第{i}街道第{j}社区"} for j in range(3)]
        write_workbook(folder / f"第{i:02d}街道.xlsx", {"name": f"第{i:02d}街道", "kind": "街道", "center_area": 1000,
                                                      "service_projects": 10, "demo_street": True}, communities)
    master, slave = os.openpty()
    seen = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child side is closed
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.run([sys.executable, "-m", "kaohe.cli", "assess", str(folder), "--format", "json",
                           "--out", str(tmp_path / "scorecard.xlsx")], stdout=subprocess.PIPE, stderr=slave,
                          timeout=120, env={**os.environ, "COLUMNS": "100", "TERM": "xterm"})
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    shown = seen.decode("utf-8", "replace")
    assert proc.returncode == 0, shown[-2000:]
    assert len(json.loads(proc.stdout)["streets"]) == 50
    assert "读取" in shown and "/50" in shown and "正在写评分表" in shown and "Traceback" not in shown
    assert (tmp_path / "scorecard.xlsx").stat().st_size > 0
