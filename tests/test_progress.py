"""kaohe progress: values over the periods, projections to the year's end, streets at risk first."""

from __future__ import annotations

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from kaohe.cli import app
from kaohe.tracking.history import load_all
from kaohe.tracking.progress import progress, year_fraction
from test_history import RUNNER, assess, district


@pytest.mark.parametrize(("label", "fraction"), [("2005", 1.0), ("2005-Q1", 0.25), ("2005-H1", 0.5),
                                                 ("2005-Q3", 0.75), ("2005-M09", 0.75), ("draft", None)])
def test_periods_are_placed_in_their_year(label, fraction):
    assert year_fraction(label) == fraction


def test_three_periods_project_to_the_year_end(tmp_path, targets):
    history = tmp_path / "h.sqlite"
    # rooms 100 → 120 → 140 m²: every community fails 150 at Q1–Q3, 4 communities, deduct 3 each (3/15 left)
    assess(district(tmp_path / "q1", rooms=100, households=2300), history, "2005-Q1")
    assess(district(tmp_path / "h1", rooms=120, households=2300), history, "2005-H1")
    assess(district(tmp_path / "q3", rooms=140, households=2300), history, "2005-Q3")
    result = progress([(r.period, r.report) for r in load_all(history)], targets)
    assert result.periods == ("2005-Q1", "2005-H1", "2005-Q3")
    dongfeng = next(s for s in result.streets if s.name == "东风街道")
    room = next(t for t in dongfeng.tracks if t.target == "room-area")
    assert room.values == (0.0, 0.0, 0.0) and room.on_track is False and room.needed == 4
    centre = next(t for t in dongfeng.tracks if t.target == "center-area")
    assert centre.values == (1200.0, 1200.0, 1200.0) and centre.projected == 1200.0 and centre.on_track is True
    assert result.streets[0].name == "东风街道"  # at risk comes first: 人民街道 meets everything
    renmin = next(s for s in result.streets if s.name == "人民街道")
    assert renmin.at_risk == () and renmin.scores == (100.0, 100.0, 100.0)

    table = RUNNER.invoke(app, ["progress", "--history", str(history)])
    assert table.exit_code == 0 and "2005-Q1 → 2005-H1 → 2005-Q3" in table.stdout and "用房" in table.stdout
    doc = json.loads(RUNNER.invoke(app, ["progress", "--history", str(history), "--format", "json"]).stdout)
    assert doc["schema"] == "kaohe.progress/1" and doc["periods"] == ["2005-Q1", "2005-H1", "2005-Q3"]

    out = tmp_path / "card.xlsx"
    result = RUNNER.invoke(app, ["assess", str(tmp_path / "q3"), "--period", "2005-Q3", "--history", str(history),
                                 "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["进度"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[3][:4] == ["指标", "2005-Q1", "2005-H1", "2005-Q3"]
    lines = [c for c in ws._charts if c.tagname == "lineChart"]
    assert len(lines) == 9  # a line chart per scored target: the district's value and the required line
    assert all(len(c.series) == 2 for c in lines)
    assert [c.tagname for c in ws._charts if c not in lines] == ["barChart"]  # every street's score


def test_progress_out_of_the_box_shows_the_sample(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner(env={"COLUMNS": "100"}).invoke(app, ["progress", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["periods"] == ["2005-H1", "2005"]
    assert doc["streets"][0]["name"] == "光明街道"  # sent nothing: at risk on everything
    assert "自带示例区" in result.stderr and "no history" not in result.stderr
    empty = tmp_path / "none.sqlite"
    assert CliRunner().invoke(app, ["progress", "--history", str(empty)]).exit_code == 1


def test_change_since_the_last_period_is_in_the_json(tmp_path):
    history = tmp_path / "h.sqlite"
    assess(district(tmp_path / "a", rooms=160, households=2300, demo=False), history, "2005-H1")
    assess(district(tmp_path / "b", rooms=160, households=2300), history, "2005")
    doc = json.loads(RUNNER.invoke(app, ["progress", "--history", str(history), "--format", "json"]).stdout)
    demo = next(t for t in doc["district"] if t["target"] == "demo-street")
    assert demo["values"] == [0.5, 1.0] and demo["change"] == 0.5 and demo["on_track"] is True


@pytest.mark.parametrize("command", [["progress"], ["assess"], ["check", "SAMPLE/胜利街道.xlsx"]])
def test_no_command_breaks_a_number_across_lines_at_80_columns(tmp_path, monkeypatch, command):
    """`kaohe progress` piped at 80 columns once printed 使用面积达1 / 000平方米以上: the rule the street table
    follows (break between words and characters, never inside a number) holds for every command."""
    import re

    from kaohe.resources import SAMPLE_SUBMISSIONS, bundled

    monkeypatch.chdir(tmp_path)
    args = [a.replace("SAMPLE", str(bundled(SAMPLE_SUBMISSIONS))) for a in command]
    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, args)
    out = result.stdout
    from rich.cells import cell_len

    assert max(cell_len(line) for line in out.splitlines()) <= 80
    lines = out.splitlines()
    for above, below in zip(lines, lines[1:], strict=False):  # a title cut after a digit, its number below
        assert not (re.search(r"[\u4e00-\u9fff]\d+\s{2,}\S", above) and re.match(r"\s*\d+[\u4e00-\u9fff]", below)), \
            (above, below)
    assert not re.search(r"（还\s*\n|（还差\s*\n", out), out
