"""Faults: nothing reported as done that was not, a damaged history never stops a scorecard, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaohe.cli import app

RUNNER = CliRunner()


def kaohe(args: list[str], cwd: Path, stdout: object = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "kaohe", *args], cwd=cwd, stdout=stdout,  # type: ignore[arg-type]
                          stderr=subprocess.PIPE, timeout=300)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_output_that_could_not_be_written_is_not_an_exit_0(tmp_path, fmt):
    """`kaohe assess --format json > r.json` on a full disk once exited 0 with a truncated file."""
    with open("/dev/full", "wb") as full:
        out = kaohe(["assess", "--format", fmt], tmp_path, stdout=full)
    assert out.returncode == 1 and "磁盘已满" in out.stderr.decode()


@pytest.mark.slow
def test_a_closed_pipe_stays_quiet(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "kaohe", "assess", "--format", "json"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.read(10)
    proc.stdout.close()  # kaohe … | head -c 10
    assert proc.wait(60) == 0 and b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")


@pytest.mark.parametrize("damage", [os.urandom(8192), b"SQLite format 3\x00" + os.urandom(8192), b"not sqlite"])
def test_a_damaged_history_never_stops_the_scorecard(tmp_path, damage, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kaohe-history.sqlite").write_bytes(damage)
    result = RUNNER.invoke(app, ["assess", "--out", "考核结果.xlsx", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert "略去了“进度”表" in result.stderr and (tmp_path / "考核结果.xlsx").is_file()
    for args in (["progress"], ["compare", "2005-H1", "2005"]):
        other = RUNNER.invoke(app, args)
        assert other.exit_code == 1 and "无法打开考核历史" in other.stderr, (args, other.stderr)


def test_street_names_that_make_one_file_name_each_get_their_template(tmp_path):
    roster = tmp_path / "街道名单.csv"
    roster.write_text("街道名称\n东风/街道\n东风_街道\n东风:街道\n红旗乡\n", encoding="utf-8")
    for force in ([], ["--force"]):
        result = RUNNER.invoke(app, ["template", "--roster", str(roster), "--out", str(tmp_path / "模板"), *force])
        assert result.exit_code == 0, result.stderr
        files = sorted(p.name for p in (tmp_path / "模板").iterdir())
        assert files == ["东风_街道 (2).xlsx", "东风_街道 (3).xlsx", "东风_街道.xlsx", "红旗乡.xlsx"]
    assert "写出 0 份" not in result.stderr and "写出 4 份" in result.stderr


def test_temporary_files_left_by_a_killed_run_are_removed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stale = tmp_path / ".考核结果.xlsx.k3j2h1.tmp"
    fresh = tmp_path / ".考核结果.xlsx.abcdef.tmp"  # another run may be writing this one right now
    other = tmp_path / ".别的文件.xlsx.k3j2h1.tmp"  # not the output's: left alone
    for path in (stale, fresh, other):
        path.write_bytes(b"half a scorecard")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    assert RUNNER.invoke(app, ["assess", "--out", "考核结果.xlsx", "--format", "json"]).exit_code == 0
    assert not stale.exists() and fresh.exists() and other.exists()


def test_ctrl_c_just_after_the_history_commit_says_the_period_was_recorded(tmp_path):
    """The interrupt lands between COMMIT and the ✓ line: exit 130, and the message says the run is recorded."""
    import subprocess
    import sys

    script = ("import os, signal, sys\nimport kaohe.tracking.history as h\n"
              "original = h.record\n"
              "def record(*a, **k):\n    run = original(*a, **k)\n    os.kill(os.getpid(), signal.SIGINT)\n"
              "    return run\n"
              "h.record = record\nsys.argv = ['kaohe', 'assess', '--record', '--format', 'json']\n"
              "from kaohe.cli import main\nmain()\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         encoding="utf-8")
    assert out.returncode == 130, out.stderr
    assert "已中断" in out.stderr and "2005 已经记入历史" in out.stderr and "第 1 次记录" in out.stderr
    from kaohe import api

    assert [p for p, _, _ in api.History(tmp_path / "kaohe-history.sqlite").periods()] == ["2005"]


@pytest.mark.slow
@pytest.mark.parametrize(("at", "code", "words"), [(1, "ENOSPC", "磁盘已满"), (40, "EROFS", "只读"),
                                                   (200, "EACCES", "权限")])
def test_a_write_failing_inside_the_scorecard_writer_is_one_line_not_an_internal_error(tmp_path, at, code, words):
    """XlsxWriter wraps the OSError of its own temporary files in FileCreateError: that once read 内部错误."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from faults import FAILING_WRITES

    (tmp_path / "考核结果.xlsx").write_bytes(b"yesterday's")
    out = subprocess.run([sys.executable, "-c", FAILING_WRITES, "assess", "--out", "考核结果.xlsx", "--force",
                          "--format", "json"], cwd=tmp_path, capture_output=True, text=True, encoding="utf-8",
                         env={**os.environ, "KAOHE_FAIL_AT": str(at), "KAOHE_FAIL_ERRNO": code,
                              "KAOHE_FAIL_STDOUT": "0", "KAOHE_LANG": "zh"})
    assert out.returncode == 1 and "内部错误" not in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert words in out.stderr
    assert (tmp_path / "考核结果.xlsx").read_bytes() == b"yesterday's"
    assert [p.name for p in tmp_path.iterdir()] == ["考核结果.xlsx"]


# ---- a command's outputs are one set; stdout honest at every size ------------------------------------------------

def test_an_interrupted_assess_leaves_none_of_its_outputs_and_the_same_command_runs_again(tmp_path, monkeypatch):
    """Ctrl-C while the street results were written once left a whole scorecard and a half folder, and the
    same command was then refused (the scorecard 'already exists')."""
    import kaohe.report.excel as excel

    real = excel.write_street_book
    calls = {"n": 0}

    def interrupted_at_the_fourth(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    args = ["assess", "--out", str(tmp_path / "考核结果.xlsx"), "--per-street", str(tmp_path / "各街道结果"),
            "--record", "--history", str(tmp_path / "h.sqlite")]
    monkeypatch.setattr(excel, "write_street_book", interrupted_at_the_fourth)
    result = RUNNER.invoke(app, args)
    assert isinstance(result.exception, KeyboardInterrupt | SystemExit)
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing of the interrupted run appears"
    monkeypatch.setattr(excel, "write_street_book", real)
    again = RUNNER.invoke(app, args)
    assert again.exit_code == 0, again.stderr
    assert (tmp_path / "考核结果.xlsx").is_file() and len(list((tmp_path / "各街道结果").glob("*.xlsx"))) == 12
    assert not list(tmp_path.rglob(".*.tmp"))


def test_a_refused_second_output_leaves_the_first_unwritten(tmp_path):
    (tmp_path / "各街道结果").mkdir()
    (tmp_path / "各街道结果" / "东风街道.xlsx").write_bytes(b"last year's")
    result = RUNNER.invoke(app, ["assess", "--out", str(tmp_path / "考核结果.xlsx"),
                                 "--per-street", str(tmp_path / "各街道结果")])
    assert result.exit_code == 1 and "--force" in result.stderr
    assert not (tmp_path / "考核结果.xlsx").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file size limit")
@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_stdout_redirected_to_a_file_that_fills_is_exit_1_never_a_truncated_exit_0(tmp_path, fmt):
    """`kaohe assess --format json > /full-disk/r.json` once exited 0 with a truncated file: Python's buffered
    stdout dropped what followed a short write. The file size limit cuts a write short the same way a disk
    that fills does."""
    import resource
    import signal

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    with open(tmp_path / "r.out", "wb") as sink:
        out = subprocess.run([sys.executable, "-m", "kaohe", "assess", "--format", fmt], cwd=tmp_path,
                             stdout=sink, stderr=subprocess.PIPE, timeout=300, preexec_fn=limited,
                             env={**os.environ, "KAOHE_LANG": "zh", "PYTHONIOENCODING": "utf-8"})
    err = out.stderr.decode("utf-8")
    assert out.returncode == 1, err
    assert "标准输出" in err and "Traceback" not in err


def test_the_bundled_sample_is_said_and_its_scorecard_says_so(tmp_path):
    import openpyxl

    result = RUNNER.invoke(app, ["assess", "--out", str(tmp_path / "x.xlsx"), "--format", "json"])
    assert result.exit_code == 0 and "示例区" in result.stderr
    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert all("【示例】" in (ws.oddFooter.left.text or "") for ws in book.worksheets)
    assert "【示例】" in str(book.worksheets[0]["A1"].value)
    made = RUNNER.invoke(app, ["template", "--out", str(tmp_path / "模板")])
    assert made.exit_code == 0 and "示例街道名单" in made.stderr


def test_a_real_district_is_not_called_a_sample(tmp_path):
    import openpyxl

    from kaohe.resources import SAMPLE_SUBMISSIONS, bundled

    result = RUNNER.invoke(app, ["assess", str(bundled(SAMPLE_SUBMISSIONS)), "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 0 and "示例区" not in result.stderr
    assert "示例" not in str(openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets[0]["A1"].value)


READ_ONLY_FOLDER = r"""
import errno, os, sys, tempfile
_mkstemp = tempfile.mkstemp
def refused(suffix=None, prefix=None, dir=None, text=False):  # what a folder the account may not write answers
    name = os.path.join(dir or ".", f"{prefix or ''}d8w44lrp{suffix or ''}")
    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
tempfile.mkstemp = refused
sys.argv = ["kaohe", *sys.argv[1:]]
from kaohe.cli import main
main()
"""


def test_an_output_that_cannot_be_written_is_named_as_the_person_named_it(tmp_path):
    """A read-only output folder once named the temporary file `.考核结果.xlsx.d8w44lrp.tmp`."""
    (tmp_path / "结果").mkdir()
    out = subprocess.run([sys.executable, "-c", READ_ONLY_FOLDER, "assess", "--out", "结果/考核结果.xlsx"],
                         cwd=tmp_path, capture_output=True, timeout=300,
                         env={**os.environ, "KAOHE_LANG": "zh", "PYTHONIOENCODING": "utf-8"})
    err = out.stderr.decode("utf-8")
    assert out.returncode == 1, err
    assert ".tmp" not in err and "d8w44lrp" not in err, err
    assert "考核结果.xlsx" in err and str(tmp_path / "结果") in err, err
