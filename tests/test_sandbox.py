"""The second line behind the guard: parsers in worker processes; a crash, hang or runaway costs one file.

And the guard's measurement of a sheet, checked against what calamine really builds, for every shape of
sheet XML the standard allows (attribute order, quotes, prefixes, cells and rows without r).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import kaohe.intake.sandbox as sandbox
from hostile_corpus import SHEET_HEAD, SHEET_TAIL, raw_xlsx, sparse_corners
from kaohe.intake import gather
from kaohe.intake.sandbox import Lost, contained
from kaohe.resources import SAMPLE_SUBMISSIONS, bundled
from kaohe.text import col_letter
from kaohe.workbook.guard import _xlsx_extent

SAMPLE = bundled(SAMPLE_SUBMISSIONS)


def _nothing() -> None:
    pass


def _work(state: None, jobs: list[str]) -> list[str]:
    """Stand-ins for a parser: 'abort' dies as Rust does on a failed allocation, 'hang' never returns."""
    out = []
    for job in jobs:
        if job == "abort":
            os.abort()
        if job == "hang":
            time.sleep(3600)
        if job == "hog":
            bytearray(4 * 1024**3)  # past the worker's address-space budget: MemoryError in the worker
        if job == "bug":
            raise ValueError("a reader bug")
        out.append(job.upper())
    return out


def test_a_worker_that_dies_costs_only_its_file(monkeypatch):
    jobs = ["a", "b", "abort", "c", "d", "e", "bug", "f"]
    got = list(contained(jobs, _work, _nothing, batch=3, workers=2))
    assert [j for j, _ in got] == jobs  # every job, in order
    results = dict(got)
    assert [results[j] for j in "abcdef"] == list("ABCDEF")
    assert isinstance(results["abort"], Lost) and results["abort"].why == "crashed"
    assert "signal 6" in results["abort"].detail
    bug = results["bug"]
    assert isinstance(bug, Lost) and bug.why == "error" and "a reader bug" in bug.detail


@pytest.mark.slow
def test_a_worker_that_hangs_is_ended_at_its_deadline():
    start = time.monotonic()
    got = dict(contained(["a", "hang", "b"], _work, _nothing, batch=3, workers=1,
                         budget=sandbox.Budget(seconds=1.0)))
    assert got["a"] == "A" and got["b"] == "B"
    assert isinstance(got["hang"], Lost) and got["hang"].why == "timeout"
    assert time.monotonic() - start < 10  # the batch's 3 s, then the hanging file's own 1 s


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is set on Linux only")
def test_a_worker_has_an_address_space_budget():
    got = dict(contained(["a", "hog"], _work, _nothing, batch=2, workers=1))
    assert got["a"] == "A" and isinstance(got["hog"], Lost) and got["hog"].why == "memory"


def test_a_parser_abort_is_one_unreadable_file_and_the_district_goes_on(tmp_path, targets, monkeypatch):
    """The real thing: with the guard's extent check switched off, calamine is handed A1 + XFD1048576 and
    aborts its process (a failed 550 GB allocation). The run still scores the good street."""
    import kaohe.workbook.guard as guard

    monkeypatch.setattr(guard, "_check_extent", lambda extent, where: None)  # the guard's gap, simulated
    monkeypatch.setattr(guard, "_without_strays", lambda xml: None)  # (the far corner no stray set aside)
    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copy(SAMPLE / "东风街道.xlsx", folder)
    sparse_corners(folder / "两角.xlsx")
    intake = gather(folder, targets)
    lost = [i for i in intake.issues if i.file == "两角.xlsx"]
    assert [i.code for i in lost] == ["unreadable-file"]
    assert "解析程序异常退出" in lost[0].message("zh")
    assert [s.status for s in intake.streets] == ["submitted"]


def test_workers_die_with_their_parent_however_it_is_killed(tmp_path):
    """kill -9 of the parent while its workers are busy: none is left running (issue: orphans)."""
    script = textwrap.dedent("""
        import sys, time
        sys.path.insert(0, %r)
        from test_sandbox import _nothing, _work
        from kaohe.intake.sandbox import contained
        for _ in contained(["hang", "hang"], _work, _nothing, batch=1, workers=2):
            pass
    """) % str(Path(__file__).parent)
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        children: list[int] = []
        for _ in range(100):  # wait until both workers are up
            time.sleep(0.1)
            children = _children(parent.pid)
            if len(children) >= 2:
                break
        assert len(children) >= 2
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        for _ in range(50):
            alive = [pid for pid in children if _alive(pid)]
            if not alive:
                break
            time.sleep(0.1)
        assert alive == []
    finally:
        if parent.poll() is None:
            parent.kill()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# ---- the guard measures what calamine builds ----------------------------------------------------------

def _random_sheet(rng: random.Random) -> str:
    """Sheet XML in a random mix of the shapes the standard allows."""
    prefix = rng.choice(["", "", "x:"])
    rows = []
    row = 0
    for _ in range(rng.randint(1, 6)):
        row += rng.randint(1, 40)
        row_attr = rng.choice([f' r="{row}"', f" r='{row}'", f' spans="1:3" r="{row}"', ""])
        cells = []
        col = 0
        for _ in range(rng.randint(0, 5)):
            col += rng.randint(1, 30)
            ref = f"{col_letter(col - 1)}{row}"
            attrs = rng.choice([f' r="{ref}"', f' t="n" r="{ref}"', f" s='1' r='{ref}'", f' r="{ref}" s="2"', ""])
            body = rng.choice([f"<{prefix}v>{rng.randint(1, 9)}</{prefix}v>", "", None])
            cells.append(f"<{prefix}c{attrs}/>" if body is None else f"<{prefix}c{attrs}>{body}</{prefix}c>")
        rows.append(f"<{prefix}row{row_attr}>{''.join(cells)}</{prefix}row>")
    head = SHEET_HEAD
    if prefix:
        head = head.replace("<worksheet xmlns=", "<x:worksheet xmlns:x=").replace("<sheetData>", "<x:sheetData>")
        return f"{head}{''.join(rows)}</x:sheetData></x:worksheet>"
    return f"{head}{''.join(rows)}{SHEET_TAIL}"


@pytest.mark.parametrize("seed", range(8))
def test_the_guard_never_measures_less_than_calamine_builds(tmp_path, seed):
    import python_calamine as pc

    rng = random.Random(seed)
    for i in range(40):
        xml = _random_sheet(rng)
        path = raw_xlsx(tmp_path / f"{seed}-{i}.xlsx", xml)
        grid = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        filled = [(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v != ""]
        extent = _xlsx_extent(xml.encode())
        if filled:
            assert extent.rows >= max(r for r, _ in filled) + 1, xml
            assert extent.cols >= max(c for _, c in filled) + 1, xml


def _chatty(state: None, jobs: list[str]) -> list[str]:
    print("xlrd-style warning on stdout")
    os.write(1, b"and straight to fd 1\n")
    os.write(2, b"thread '<unnamed>' panicked at a Rust parser\n")
    return jobs


def test_workers_write_nothing_on_stdout_or_stderr(capfd):
    """`kaohe assess --format json > r.json` must hold only JSON, whatever a parser prints."""
    assert dict(contained(["a"], _chatty, _nothing, batch=1, workers=1)) == {"a": "a"}
    out, err = capfd.readouterr()
    assert out == "" and err == ""
