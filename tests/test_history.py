"""Recording assessments and comparing them: three periods, cross-period checks, concurrent writers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clerks import write_workbook
from conftest import STREET, good_communities
from kaohe.cli import app
from kaohe.tracking.history import load, periods

RUNNER = CliRunner(env={"COLUMNS": "100"})


def district(folder: Path, rooms: int, households: int, drop_last: bool = False, demo: bool = True) -> Path:
    comms = good_communities(4)
    for c in comms:
        c["room_area"], c["households"] = rooms, households
    if drop_last:
        comms = comms[:-1]
    write_workbook(folder / "东风街道.xlsx", dict(STREET, demo_street=demo), comms)
    write_workbook(folder / "人民街道.xlsx", dict(STREET, name="人民街道"), good_communities(3))
    (folder / "街道名单.csv").write_text("街道名称\n东风街道\n人民街道\n", encoding="utf-8")
    return folder


def assess(folder: Path, history: Path, period: str) -> dict:
    result = RUNNER.invoke(app, ["assess", str(folder), "--record", "--history", str(history), "--period", period,
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_three_periods_recorded_and_compared(tmp_path):
    history = tmp_path / "history.sqlite"
    q1 = assess(district(tmp_path / "q1", rooms=160, households=2300, demo=False), history, "2005-Q1")
    assess(district(tmp_path / "h1", rooms=120, households=2300), history, "2005-H1")
    final = assess(district(tmp_path / "y", rooms=140, households=3500, drop_last=True), history, "2005")
    assert q1["period"] == "2005-Q1" and final["period"] == "2005"
    assert [p for p, _, _ in periods(history)] == ["2005-Q1", "2005-H1", "2005"]
    run = load(history, "2005")
    assert run.report == final
    assert run.facts[("东风街道", "春晖社区", "room_area")] == 140
    assert ("东风街道", "幸福社区", "") not in run.facts  # the dropped community

    result = RUNNER.invoke(app, ["compare", "2005-Q1", "2005-H1", "--history", str(history), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    dongfeng = next(s for s in doc["streets"] if s["name"] == "东风街道")
    assert dongfeng["gained"] == ["demo-street"] and dongfeng["lost"] == ["room-area"]
    assert dongfeng["score"] == [90.0, 88.0]  # demo +10, rooms 4 failing: 15 − 12
    shrank = [(w["community"], w["field"], w["before"], w["after"]) for w in doc["warnings"]]
    assert ("春晖社区", "room_area", 160, 120) in shrank and len(shrank) == 4

    result = RUNNER.invoke(app, ["compare", "2005-H1", "2005", "--history", str(history), "--format", "json"])
    codes = sorted((w["code"], w["community"], w["field"]) for w in json.loads(result.stdout)["warnings"])
    assert ("vanished", "幸福社区", None) in codes
    assert ("jumped", "春晖社区", "households") in codes  # 2300 → 3500 is more than 30%
    assert not any(c == "decreased" for c, _, _ in codes)  # 120 → 140 grew

    table = RUNNER.invoke(app, ["compare", "2005-H1", "2005", "--history", str(history)])
    assert "2005-H1 → 2005" in table.stdout and "本期缺少该社区" in table.stdout and "变化过大" in table.stdout


def test_compare_json_reports_and_unknown_periods(tmp_path):
    history = tmp_path / "h.sqlite"
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    a.write_text(json.dumps(assess(district(tmp_path / "a", 160, 2300), history, "2005-Q1")), encoding="utf-8")
    b.write_text(json.dumps(assess(district(tmp_path / "b", 100, 2300), history, "2005-Q2")), encoding="utf-8")
    result = RUNNER.invoke(app, ["compare", str(a), str(b), "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["warnings"] == []  # JSON reports carry no figures to check
    assert next(s for s in doc["streets"] if s["name"] == "东风街道")["lost"] == ["room-area"]
    missing = RUNNER.invoke(app, ["compare", "2004", "2005-Q2", "--history", str(history)])
    assert missing.exit_code == 1 and "2004" in missing.stderr and "2005-Q1, 2005-Q2" in missing.stderr


RECORD = """
import sys
from kaohe.cli import main
sys.argv = ["kaohe", "assess", sys.argv[1], "--record", "--history", sys.argv[2], "--period", sys.argv[3],
            "--format", "json"]
main()
"""


def test_two_concurrent_recordings_are_both_kept_whole(tmp_path):
    folder = district(tmp_path / "d", 160, 2300)
    history = tmp_path / "history.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", RECORD, str(folder), str(history), period],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for period in ("2005-Q1", "2005-Q2")]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    assert sorted(p for p, _, _ in periods(history)) == ["2005-Q1", "2005-Q2"]
    one, two = load(history, "2005-Q1"), load(history, "2005-Q2")
    assert one.facts == two.facts and len(one.facts) > 50
    assert one.report["streets"] == two.report["streets"]


def test_rescoring_separates_rules_from_facts(tmp_path):
    """The same submissions under two targets files: every difference comes from the rules."""
    from kaohe.resources import DEFAULT_TARGETS, bundled

    stricter = tmp_path / "2006.yaml"
    stricter.write_text(bundled(DEFAULT_TARGETS).read_text(encoding="utf-8").replace(
        "require: {share_at_least: 85%}", "require: {share_at_least: 100%}"), encoding="utf-8")
    reports = []
    for name, targets_file in (("2005.json", bundled(DEFAULT_TARGETS)), ("2006.json", stricter)):
        result = RUNNER.invoke(app, ["assess", "--targets", str(targets_file), "--format", "json"])
        (tmp_path / name).write_text(result.stdout, encoding="utf-8")
        reports.append(json.loads(result.stdout))
    result = RUNNER.invoke(app, ["compare", str(tmp_path / "2005.json"), str(tmp_path / "2006.json"),
                                 "--format", "json"])
    doc = json.loads(result.stdout)
    lost = {s["name"]: s["lost"] for s in doc["streets"] if s["lost"]}
    assert lost and all(targets == ["safe-community"] for targets in lost.values())
    assert all(s["gained"] == [] for s in doc["streets"])
    dongfeng = next(s for s in doc["streets"] if s["name"] == "东风街道")
    assert dongfeng["score"] == [100.0, 100.0]  # every community safe: the stricter rule costs it nothing


def _recorded(tmp_path):
    from kaohe import api

    path = tmp_path / "h.sqlite"
    api.History(path).record(api.assess())
    return path


def test_a_history_carries_its_format_and_a_newer_one_is_left_untouched(tmp_path):
    import sqlite3

    from kaohe import api
    from kaohe.errors import KaoheError
    from kaohe.tracking.history import SCHEMA_VERSION
    from kaohe.words import Translator

    path = _recorded(tmp_path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        db.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    for call in (lambda: api.History(path).record(api.assess()), lambda: api.History(path).periods(),
                 lambda: api.progress(path)):
        with pytest.raises(KaoheError) as caught:
            call()
        assert "更新版本的 kaohe" in caught.value.text(Translator("zh"))
    assert path.read_bytes() == before


def test_a_history_from_before_versions_is_taken_and_marked(tmp_path):
    import sqlite3

    from kaohe import api

    path = _recorded(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 0")  # as kaohe 0.1.0 left it
    assert [p for p, _, _ in api.History(path).periods()] == ["2005"]
    api.History(path).record(api.assess())
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1


def test_another_programs_database_is_refused_and_untouched(tmp_path):
    import sqlite3

    from kaohe import api
    from kaohe.errors import KaoheError
    from kaohe.words import Translator

    path = tmp_path / "别的.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE 客户 (名称 TEXT)")
    before = path.read_bytes()
    with pytest.raises(KaoheError) as caught:
        api.History(path).record(api.assess())
    said = caught.value.text(Translator("zh"))
    assert "不是 kaohe 的考核历史" in said and "客户" in said
    assert path.read_bytes() == before


def test_a_history_locked_by_another_recording_is_one_sentence(tmp_path, monkeypatch):
    import sqlite3

    from kaohe import api
    from kaohe.errors import KaoheError
    from kaohe.tracking import history
    from kaohe.words import Translator

    path = _recorded(tmp_path)
    monkeypatch.setattr(history, "LOCK_WAIT", 0.3)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another kaohe in the middle of recording
    try:
        with pytest.raises(KaoheError) as caught:
            api.History(path).record(api.assess())
        assert "正被另一个 kaohe 写入" in caught.value.text(Translator("zh"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [n for _, n, _ in api.History(path).periods()] == [1]


def test_a_history_on_a_read_only_place_can_be_read(tmp_path, monkeypatch):
    """A read-only share: the file and its folder cannot be written (simulated: the tests may run as root,
    whom permissions do not stop), so reading opens it immutable and makes no -wal or -shm file."""
    import os

    from kaohe import api

    path = _recorded(tmp_path)
    for extra in tmp_path.glob("h.sqlite-*"):
        extra.unlink()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if mode == os.W_OK else real_access(p, mode))
    assert [p for p, _, _ in api.History(path).periods()] == ["2005"]
    assert api.History(path).load("2005").report["period"] == "2005"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite"]
