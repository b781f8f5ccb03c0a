"""A result for each street (--per-street), the self-check as the same workbook (check --out), and the report
to .json / .csv files (--out by suffix)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kaohe.resources import SAMPLE_SUBMISSIONS, bundled


def kaohe(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kaohe", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8")


def cells(ws: Any) -> list[list[Any]]:
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def labelled(rows: list[list[Any]]) -> dict[str, Any]:
    return {r[0]: r[1] for r in rows if r and isinstance(r[0], str) and len(r) > 1}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("results")
    # the sample's folder named, so these are results like any district's (left out, they would say 【示例】)
    run = kaohe("assess", str(bundled(SAMPLE_SUBMISSIONS)), "--per-street", "各街道", "--format", "json", cwd=folder)
    assert run.returncode == 0, run.stderr
    return folder, json.loads(run.stdout)


def test_every_street_gets_its_own_workbook_that_agrees_with_the_report(district: tuple[Path, dict[str, Any]]) -> None:
    folder, doc = district
    titles = {t["id"]: t["title"] for t in doc["district"]["targets"]}
    files = sorted(p.name for p in (folder / "各街道").iterdir())
    assert files == sorted(f"{s['name']}.xlsx" for s in doc["streets"])
    for s in doc["streets"]:
        book = openpyxl.load_workbook(folder / "各街道" / f"{s['name']}.xlsx")
        assert book.sheetnames == [s["name"]]
        rows = cells(book[s["name"]])
        assert rows[0][0] == f"{s['name']}考核结果"
        facts = labelled(rows)
        assert facts["得分"] == pytest.approx(s["score"])
        assert facts["等次"] == s["grade"]
        assert facts["排名"] == f"{s['rank']} / {len(doc['streets'])}"
        if not s["submitted"]:
            assert any("未报送" in str(c) for r in rows for c in r)
            continue
        by_title: dict[str, list[Any]] = {}
        for r in rows:  # the target table comes first; the same titles again below are the lost points
            if r and r[0] in titles.values():
                by_title.setdefault(r[0], r)
        for t in s["targets"]:
            row = by_title[titles[t["id"]]]
            if t["max_points"]:  # points, as numbers
                assert row[1] == pytest.approx(t["points"]) and row[2] == t["max_points"]
            else:  # an advisory target earns nothing and says so, not "0 0"
                assert (row[1], row[2]) == ("不计分", "—")
            assert row[6] == ("—" if t["needed"] is None else t["needed"])  # what it still needs
        # where each point was lost: every failing unit of a target that cost points, with its cell
        lost = [t for t in s["targets"] if t["failing"] and t["points"] < t["max_points"]]
        section = next((i for i, r in enumerate(rows) if r[0] == "失分明细"), None)
        assert (section is not None) == bool(lost)
        if lost:
            listed = [r for r in rows[section + 2:] if r[0] in titles.values()]
            for t in lost:
                units = [r[1] or s["name"] for r in listed if r[0] == titles[t["id"]]]
                expected = t["failing"] if isinstance(t["failing"][0], str) else [f["name"] for f in t["failing"]]
                assert sorted(units) == sorted(expected), t["id"]
        # its issues, each with its cell and its fix
        issues = [i for i in doc["issues"] if i["street"] == s["name"]]
        flat = [c for r in rows for c in r if c is not None]
        for i in issues:
            assert i["message"] in flat and i["hint"] in flat
            if i["cell"]:
                assert i["cell"] in flat


def test_per_street_never_overwrites_without_force(district: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = district
    target = folder / "各街道" / "东风街道.xlsx"
    before = target.read_bytes()
    again = kaohe("assess", "--per-street", "各街道", cwd=folder)
    assert again.returncode == 1 and "--force" in again.stderr
    assert target.read_bytes() == before
    forced = kaohe("assess", str(bundled(SAMPLE_SUBMISSIONS)), "--per-street", "各街道", "--force", cwd=folder)
    assert forced.returncode == 0, forced.stderr
    assert [p for p in (folder / "各街道").iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_the_self_check_workbook_is_the_page_the_bureau_sends(district: tuple[Path, dict[str, Any]],
                                                              tmp_path: Path) -> None:
    folder, _ = district
    run = kaohe("check", str(bundled(SAMPLE_SUBMISSIONS) / "胜利街道.xlsx"), "--out", "自查.xlsx", cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # error-level issues remain: exit 1, and the workbook is written
    mine = cells(openpyxl.load_workbook(tmp_path / "自查.xlsx")["胜利街道"])
    sent = cells(openpyxl.load_workbook(folder / "各街道" / "胜利街道.xlsx")["胜利街道"])
    assert len(mine) == len(sent)
    for a, b in zip(mine, sent, strict=True):
        if a and a[0] in ("排名",) or a[0] is None or (isinstance(a[0], str) and "生成时间" in a[0]):
            continue  # the rank among 1 street vs among 12, and the time written
        assert a == b


def test_out_writes_json_and_csv_by_suffix(tmp_path: Path) -> None:
    printed = kaohe("assess", "--format", "json", "--out", "r.json", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8")) == json.loads(printed.stdout)
    table = kaohe("assess", "--format", "csv", "--out", "r.csv", cwd=tmp_path)
    data = (tmp_path / "r.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel on Chinese Windows reads UTF-8
    assert data.decode("utf-8-sig") == table.stdout.lstrip("\ufeff")
    assert kaohe("assess", "--out", "r.json", cwd=tmp_path).returncode == 1  # exists: only with --force
    assert kaohe("assess", "--out", "r.json", "--force", cwd=tmp_path).returncode == 0
    wrong = kaohe("assess", "--out", "r.pdf", cwd=tmp_path)
    assert wrong.returncode == 2 and ".json" in wrong.stderr
