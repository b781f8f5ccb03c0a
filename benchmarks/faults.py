"""Fault injection: kill kaohe at random points, make its writes fail one by one, hand it damaged histories and
inputs past its limits — and check that nothing is lost, nothing is left running, and nothing is reported as
done that was not.

    python benchmarks/faults.py                 # the full run: 30 trials of each kill, every write point
    python benchmarks/faults.py --trials 4      # what CI runs (a minute or two)

Prints one row per kind of fault with its trials and outcomes, like benchmarks/hostile.py; exits 1 if any
trial broke a promise. Each trial is a fresh `kaohe` process in a folder of its own.

What is asserted, per kind:
- kill -9 / SIGTERM at a random moment of `assess --out … --record` and of `template`: no kaohe process of
  the trial alive a second later (workers die with their parent); the scorecard and every template either
  absent or whole (a valid zip that python-calamine opens); the history passes `PRAGMA integrity_check` and
  every recorded run has all its figures; SIGTERM exits 130. A temporary file a kill -9 leaves is removed by
  the next run once it is old (a fresh one may belong to a run still writing).
- the n-th write failing with ENOSPC, EROFS or EACCES, for n spread over every write of a run (the scorecard,
  the JSON on stdout, the templates; the way SQLite's own I/O-error tests walk every write): exit 1 with one
  line naming the problem, no traceback, no output file left half-written or replaced, no temporary file left.
- the disk filling while a large output is written (the file size limit, RLIMIT_FSIZE, at points spread over
  the output: a write cut short, then one failing), for the report on stdout redirected to a file (JSON, CSV,
  the table) and for --out (.xlsx, .json): exit 1 with one line, never exit 0 with a truncated file; an --out
  file whole or absent, the file it would replace untouched, no temporary file left.
- the history's disk filling at every page of a `--record` (SQLite's max_page_count: the real
  "database or disk is full"): exit 1 with one line, the history intact, the period recorded wholly or not
  at all, and the scorecard still written.
- damaged histories of every kind (random bytes, a SQLite header over random bytes, a truncated file, an empty
  file, another program's database, a newer kaohe's, a folder in its place): `assess --out` still writes the
  scorecard (exit 0, the 进度 sheet left out with a warning), `--record`, `progress` and `compare` exit 1 with
  one line, and the file is not changed.
- inputs past the limits (a roster of 10,001 names, a roster field of 200 KB, a 10,000-digit number and points
  adding up to 180 in the targets file, a duplicate target id): exit 1 with one line naming the line or limit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from clerks import write_district  # noqa: E402

ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "KAOHE_LANG": "zh", "COLUMNS": "100"}

# The n-th write (to a file kaohe opens for writing, or to stdout) raises; `n` and the errno from the
# environment. A counting run (KAOHE_FAIL_AT=0) prints how many writes there were.
FAILING_WRITES = r"""
import builtins, errno, io, os, sys
AT = int(os.environ["KAOHE_FAIL_AT"]); CODE = getattr(errno, os.environ.get("KAOHE_FAIL_ERRNO", "ENOSPC"))
COUNT = [0]
def _tick(name):
    COUNT[0] += 1
    if COUNT[0] == AT:
        raise OSError(CODE, os.strerror(CODE), name)
class Failing:
    def __init__(self, f, name):
        self._f, self._name = f, name
    def write(self, data):
        _tick(self._name)
        return self._f.write(data)
    def writelines(self, lines):
        for line in lines:
            self.write(line)
    def __getattr__(self, item):
        return getattr(self._f, item)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self._f.__exit__(*exc)
    def __iter__(self):
        return iter(self._f)
_open = io.open
def failing_open(file, mode="r", *args, **kwargs):
    f = _open(file, mode, *args, **kwargs)
    if any(m in mode for m in "wax+") and not str(file).startswith(("/dev/", "/proc/")):
        return Failing(f, str(file))
    return f
builtins.open = io.open = failing_open
class Out(Failing):
    pass
if os.environ.get("KAOHE_FAIL_STDOUT", "1") == "1":
    sys.stdout = Out(sys.stdout, None)
    _os_write = os.write
    def failing_os_write(fd, data):  # kaohe writes stdout with os.write, to its last byte (cli._CheckedStdout)
        if fd == 1:
            _tick(None)
        return _os_write(fd, data)
    os.write = failing_os_write
if AT == 0:  # kaohe's main() leaves by os._exit once its output is flushed: say the count there
    _exit = os._exit
    def counted_exit(code):
        os.write(2, f"\nWRITES {COUNT[0]}\n".encode())
        _exit(code)
    os._exit = counted_exit
sys.argv = ["kaohe", *sys.argv[1:]]
from kaohe.cli import main
main()
"""

# The history's disk is full after `pages` more pages: SQLite's own "database or disk is full".
FULL_HISTORY = r"""
import os, sqlite3, sys
PAGES = int(os.environ["KAOHE_HISTORY_PAGES"])
_connect = sqlite3.connect
def connect(*args, **kwargs):
    conn = _connect(*args, **kwargs)
    used = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {used + PAGES}")
    return conn
sqlite3.connect = connect
sys.argv = ["kaohe", *sys.argv[1:]]
from kaohe.cli import main
main()
"""


@dataclass
class Tally:
    kind: str
    trials: int = 0
    failures: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)

    def check(self, ok: bool, what: str) -> bool:
        if not ok:
            self.failures.append(what)
        return ok


def kaohe(args: list[str], cwd: Path, script: str | None = None, env: dict[str, str] | None = None,
          timeout: int = 300) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "kaohe", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                          env={**ENV, **(env or {})}, timeout=timeout)


def one_line(err: str) -> bool:
    """A failure said in a line or two, never a traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    return "Traceback" not in err and 1 <= len(lines) <= 3


def whole_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            if z.testzip() is not None:
                return False
        import python_calamine

        python_calamine.CalamineWorkbook.from_path(str(path)).close()
        return True
    except Exception:
        return False


def history_ok(path: Path) -> tuple[bool, int]:
    """(intact, runs recorded): integrity_check passes and every run has its report and its figures."""
    if not path.exists():
        return True, 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                return False, 0
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'assessments'").fetchone() is None:
                return True, 0
            runs = conn.execute("SELECT id, report FROM assessments").fetchall()
            for run_id, report in runs:
                json.loads(report)
                if conn.execute("SELECT COUNT(*) FROM facts WHERE assessment_id = ?", (run_id,)).fetchone()[0] == 0:
                    return False, len(runs)
            return True, len(runs)
        finally:
            conn.close()
    except (sqlite3.Error, ValueError):
        return False, 0


def survivors(marker: str) -> list[int]:
    """kaohe processes whose command line or working folder names the trial's folder."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if marker in cmdline or cwd.startswith(marker):
            found.append(int(pid))
    return found


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*.tmp")]


# ---- kill at random moments ----------------------------------------------------------------------------------

def kills(district: Path, roster: Path, trials: int, rng: random.Random, work: Path) -> list[Tally]:
    out = []
    for sig, name in ((signal.SIGKILL, "kill -9"), (signal.SIGTERM, "SIGTERM")):
        for job in ("assess --out --record", "template"):
            tally = Tally(f"{name} during {job}")
            baseline = None
            for trial in range(trials):
                folder = Path(tempfile.mkdtemp(prefix=f"kill{trial}-", dir=work))
                history = folder / "h.sqlite"
                if job == "template":
                    args = ["template", "--roster", str(roster), "--out", str(folder / "模板")]
                else:
                    args = ["assess", str(district), "--out", str(folder / "考核结果.xlsx"), "--record",
                            "--history", str(history), "--format", "json"]
                if baseline is None:  # how long a whole run takes: kill somewhere inside it
                    start = time.monotonic()
                    kaohe(args, folder)
                    baseline = time.monotonic() - start
                    shutil.rmtree(folder)
                    folder.mkdir()
                delay = rng.uniform(0.05, baseline)
                proc = subprocess.Popen([sys.executable, "-m", "kaohe", *args], cwd=folder, env=ENV,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                time.sleep(delay)
                proc.send_signal(sig)
                code = proc.wait(60)
                time.sleep(1.0)
                tally.trials += 1
                left = survivors(str(folder))
                tally.check(not left, f"trial {trial}: {len(left)} kaohe processes left running")
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
                if sig == signal.SIGTERM:  # 130 (or 0: done already); before kaohe's handler is set up
                    # (Python still starting) the default action ends it, and nothing can have been written
                    early = code == -signal.SIGTERM and not any(folder.iterdir())
                    tally.check(code in (130, 0) or early, f"trial {trial}: SIGTERM exit {code}")
                    tally.outcomes["exit 130" if code == 130 else "exit 0 (done)" if code == 0 else
                                   "ended while Python started"] += 1
                if job == "template":
                    made = sorted((folder / "模板").glob("*.xlsx")) if (folder / "模板").is_dir() else []
                    tally.check(all(whole_workbook(p) for p in made), f"trial {trial}: a partial template")
                    tally.outcomes[f"{len(made)} templates" if 0 < len(made) < 12 else
                                   "all templates" if made else "none yet"] += 1
                else:
                    card = folder / "考核结果.xlsx"
                    if card.exists():
                        tally.check(whole_workbook(card), f"trial {trial}: a partial scorecard")
                    intact, runs = history_ok(history)
                    tally.check(intact, f"trial {trial}: history damaged")
                    tally.outcomes["recorded" if runs else "not recorded"] += 1
                    tally.outcomes["scorecard whole" if card.exists() else "no scorecard yet"] += 1
                stale = temporaries(folder)
                tally.outcomes[f"temporary files left {'yes' if stale else 'no'}"] += 1
                if stale:  # the next run removes them once they are old
                    old = time.time() - 3600
                    for p in stale:
                        os.utime(p, (old, old))
                    kaohe(args + (["--force"] if job == "template" else []), folder)
                    tally.check(not temporaries(folder), f"trial {trial}: stale temporary files not removed")
                shutil.rmtree(folder, ignore_errors=True)
            out.append(tally)
    return out


# ---- writes failing at every point ---------------------------------------------------------------------------

def failing_writes(district: Path, roster: Path, trials: int, work: Path) -> list[Tally]:
    jobs = {
        "assess --out x.xlsx": lambda f: ["assess", str(district), "--out", str(f / "考核结果.xlsx"),
                                           "--format", "json"],  # its stdout is not failed: the file is
        "assess --format json > stdout": lambda f: ["assess", str(district), "--format", "json"],
        "template": lambda f: ["template", "--roster", str(roster), "--out", str(f / "模板")],
    }
    codes = ("ENOSPC", "EROFS", "EACCES")
    out = []
    for job, make in jobs.items():
        tally = Tally(f"n-th write fails: {job}")
        folder = Path(tempfile.mkdtemp(prefix="count-", dir=work))
        only_files = {"KAOHE_FAIL_STDOUT": "0" if "--out" in job else "1"}
        counted = kaohe(make(folder), folder, FAILING_WRITES, {"KAOHE_FAIL_AT": "0", **only_files})
        total = int(counted.stderr.rsplit("WRITES", 1)[1].split()[0])
        shutil.rmtree(folder)
        points = sorted(set(range(1, total + 1)) if total <= trials * 3 else
                        {1, total, *(round(1 + i * (total - 1) / (trials * 3 - 1)) for i in range(trials * 3))})
        for i, n in enumerate(points):
            folder = Path(tempfile.mkdtemp(prefix=f"w{n}-", dir=work))
            previous = folder / "考核结果.xlsx"
            previous.write_bytes(b"yesterday's scorecard")  # must survive a failed run untouched
            code = codes[i % len(codes)]
            args = make(folder)
            if "--out" in args:
                args.append("--force")
            result = kaohe(args, folder, FAILING_WRITES, {"KAOHE_FAIL_AT": str(n), "KAOHE_FAIL_ERRNO": code,
                                                          **only_files})
            tally.trials += 1
            tally.check(result.returncode == 1, f"write {n}/{total} ({code}): exit {result.returncode}")
            tally.check(one_line(result.stderr), f"write {n}/{total} ({code}): {result.stderr[-300:]!r}")
            tally.check(previous.read_bytes() == b"yesterday's scorecard", f"write {n}/{total}: output replaced")
            tally.check(not temporaries(folder), f"write {n}/{total}: temporary file left")
            if (folder / "模板").is_dir():
                tally.check(all(whole_workbook(p) for p in (folder / "模板").glob("*.xlsx")),
                            f"write {n}/{total}: a partial template")
            tally.outcomes[code] += 1
            shutil.rmtree(folder, ignore_errors=True)
        tally.outcomes[f"of {total} writes"] = len(points)
        out.append(tally)
    return out


# ---- large outputs on a disk that fills -----------------------------------------------------------------------

def _size_limited(limit: int) -> Callable[[], None]:
    """In the child before exec: files may grow to `limit` bytes. A write crossing the limit is cut short and the
    next one fails (EFBIG), as a disk that fills mid-write cuts a write short and then fails (ENOSPC); the
    signal the kernel also sends (SIGXFSZ) is ignored so the failure reaches kaohe as an error."""
    import resource

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return limit_files


def full_disk_outputs(district: Path, work: Path, points: int) -> list[Tally]:
    """`assess` with its large outputs cut off at points spread over their length: the report on stdout
    redirected to a file (JSON, CSV, the table) and the files --out writes. Exit 1 with one line every time,
    never 0 with a truncated file; an --out file is whole or absent, the one it would replace untouched."""
    jobs: dict[str, tuple[list[str], str | None]] = {
        "assess --format json > file": (["--format", "json"], None),
        "assess --format csv > file": (["--format", "csv"], None),
        "assess > file (the table)": ([], None),
        "assess --out x.xlsx": (["--format", "json", "--out"], "考核结果.xlsx"),
        "assess --out x.json": (["--format", "csv", "--out"], "考核结果.json"),
    }
    out = []
    for job, (extra, name) in jobs.items():
        tally = Tally(f"disk fills: {job}")
        folder = Path(tempfile.mkdtemp(prefix="fsize-", dir=work))
        args = ["assess", str(district), *extra] + ([str(folder / name)] if name else [])
        whole = kaohe(args, folder)
        size = (folder / name).stat().st_size if name else len(whole.stdout.encode("utf-8"))
        shutil.rmtree(folder)
        for i in range(points):
            limit = max(1, round(size * (i + 0.5) / points))
            folder = Path(tempfile.mkdtemp(prefix=f"fsize{i}-", dir=work))
            previous = folder / name if name else None
            if previous is not None:
                previous.write_bytes(b"yesterday's result")
                args_force = [*args, "--force"]
            else:
                args_force = args
            with open(folder / "stdout", "wb") as sink:
                result = subprocess.run([sys.executable, "-m", "kaohe", *args_force], cwd=folder, env=ENV,
                                        stdout=sink if name is None else subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
                                        preexec_fn=_size_limited(limit), timeout=300)
            tally.trials += 1
            what = f"cut at {limit:,} of {size:,} bytes"
            tally.check(result.returncode == 1, f"{what}: exit {result.returncode}")
            tally.check(one_line(result.stderr), f"{what}: {result.stderr[-300:]!r}")
            if previous is not None:
                tally.check(previous.read_bytes() == b"yesterday's result", f"{what}: output replaced")
            tally.check(not temporaries(folder), f"{what}: temporary file left")
            tally.outcomes["exit 1" if result.returncode == 1 else f"exit {result.returncode}"] += 1
            shutil.rmtree(folder, ignore_errors=True)
        tally.outcomes[f"of {size // 1024:,} KB"] = points
        out.append(tally)
    return out


def full_history(district: Path, work: Path, most: int) -> Tally:
    tally = Tally("history disk full at every page of --record")
    folder = Path(tempfile.mkdtemp(prefix="full-", dir=work))
    history = folder / "h.sqlite"
    args = ["assess", str(district), "--record", "--history", str(history), "--period", "2004", "--format", "json"]
    assert kaohe(args, folder).returncode == 0
    pages = sqlite3.connect(history).execute("PRAGMA page_count").fetchone()[0]
    before = hashlib.sha256(history.read_bytes()).hexdigest()
    # A second recording needs about as many pages as the first one took: every point up to half again more,
    # so that the last ones succeed (the period recorded whole) and every page before them fails somewhere.
    end = pages * 3 // 2 + 5
    points = range(0, end + 1)
    if len(points) > most:  # spread over the whole recording, its first and last pages always among them
        points = sorted({0, 1, 2, end - 1, end, *(round(i * end / (most - 1)) for i in range(most))})
    for extra in points:
        trial = folder / f"t{extra}"
        trial.mkdir()
        shutil.copy(history, trial / "h.sqlite")
        run = ["assess", str(district), "--record", "--history", str(trial / "h.sqlite"), "--out",
               str(trial / "考核结果.xlsx"), "--format", "json"]
        result = kaohe(run, trial, FULL_HISTORY, {"KAOHE_HISTORY_PAGES": str(extra)})
        tally.trials += 1
        intact, runs = history_ok(trial / "h.sqlite")
        tally.check(intact, f"{extra} pages: history damaged")
        if runs == 1:
            tally.check(result.returncode == 1 and one_line(result.stderr),
                        f"{extra} pages: exit {result.returncode}, {result.stderr[-300:]!r}")
            tally.check(hashlib.sha256((trial / "h.sqlite").read_bytes()).hexdigest() == before,
                        f"{extra} pages: the history changed without a run recorded")
            tally.outcomes["refused, nothing recorded"] += 1
        else:
            tally.check(runs == 2 and result.returncode == 0, f"{extra} pages: {runs} runs, exit {result.returncode}")
            tally.outcomes["recorded whole"] += 1
        tally.check((trial / "考核结果.xlsx").exists() == (result.returncode == 0) or
                    whole_workbook(trial / "考核结果.xlsx"), f"{extra} pages: scorecard")
        shutil.rmtree(trial)
    shutil.rmtree(folder)
    return tally


# ---- damaged histories ---------------------------------------------------------------------------------------

def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE orders (id INTEGER, total REAL)")
    conn.commit()
    conn.close()


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE assessments (id INTEGER PRIMARY KEY, period TEXT, recorded_at TEXT, report TEXT)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()


def _truncated(path: Path, district: Path) -> None:
    kaohe(["assess", str(district), "--record", "--history", str(path), "--format", "json"], path.parent)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def damaged_histories(district: Path, work: Path) -> Tally:
    tally = Tally("damaged history (7 kinds) × 4 commands")
    kinds: dict[str, Callable[[Path], None]] = {
        "random bytes": lambda p: p.write_bytes(os.urandom(8192)),
        "SQLite header + random": lambda p: p.write_bytes(b"SQLite format 3\x00" + os.urandom(8192)),
        "truncated": lambda p: _truncated(p, district),
        "empty": lambda p: p.write_bytes(b""),
        "another program's": _foreign,
        "a newer kaohe's": _newer,
        "a folder": lambda p: p.mkdir(),
    }
    for kind, make in kinds.items():
        folder = Path(tempfile.mkdtemp(prefix="damaged-", dir=work))
        history = folder / "kaohe-history.sqlite"
        make(history)
        state = "dir" if history.is_dir() else hashlib.sha256(history.read_bytes()).hexdigest()
        card = kaohe(["assess", str(district), "--out", "考核结果.xlsx", "--format", "json"], folder)
        tally.trials += 1
        empty_ok = kind == "empty"  # an empty file is a history with nothing in it yet
        tally.check(card.returncode == 0 and whole_workbook(folder / "考核结果.xlsx"),
                    f"{kind}: the scorecard was not written ({card.stderr[-200:]!r})")
        for args in (["assess", str(district), "--record", "--format", "json"], ["progress"],
                     ["compare", "2004", "2005"]):
            result = kaohe(args, folder)
            tally.trials += 1
            if empty_ok and args[0] in ("assess", "progress"):  # an empty file: a history with nothing in it yet
                tally.check(result.returncode == 0, f"{kind}: {args[0]} exit {result.returncode}")
                continue
            tally.check(result.returncode == 1 and one_line(result.stderr),
                        f"{kind}: {' '.join(args[:2])} exit {result.returncode} {result.stderr[-300:]!r}")
        if not empty_ok:
            after = "dir" if history.is_dir() else hashlib.sha256(history.read_bytes()).hexdigest()
            tally.check(after == state, f"{kind}: the file was changed")
        tally.outcomes["scorecard written, history untouched"] += 1
        shutil.rmtree(folder)
    return tally


# ---- limits --------------------------------------------------------------------------------------------------

def limits(district: Path, work: Path) -> Tally:
    tally = Tally("inputs past the limits")
    folder = Path(tempfile.mkdtemp(prefix="limits-", dir=work))
    targets = (ROOT / "targets" / "2005.yaml").read_text(encoding="utf-8")
    cases: dict[str, tuple[list[str], str]] = {}
    big = folder / "big.csv"
    big.write_text("街道名称\n" + "".join(f"第{i}街道\n" for i in range(10_001)), encoding="utf-8")
    cases["roster of 10,001 names"] = (["assess", str(district), "--roster", str(big), "--format", "json"], "10000")
    wide = folder / "wide.csv"
    wide.write_text("街道名称\n" + "东" * 200_000 + "\n", encoding="utf-8")
    cases["roster field of 200 KB"] = (["assess", str(district), "--roster", str(wide), "--format", "json"], "")
    digits = folder / "digits.yaml"
    digits.write_text(targets.replace("compare_decimals: 2", "compare_decimals: " + "9" * 10_000), encoding="utf-8")
    cases["10,000-digit number in the targets"] = (["targets", "check", str(digits)], "digits.yaml:12")
    points = folder / "points.yaml"
    points.write_text(targets.replace("points: 15\n    scoring: {method: deduct", "points: 95\n    scoring: {method: "
                                      "deduct", 1), encoding="utf-8")
    cases["points adding up to 180"] = (["targets", "check", str(points)], "180")
    dupe = folder / "dupe.yaml"
    dupe.write_text(targets.replace("- id: office-area", "- id: room-area", 1), encoding="utf-8")
    line = [i for i, text in enumerate(dupe.read_text(encoding="utf-8").splitlines(), 1)
            if text.strip() == "- id: room-area"][1]
    cases["duplicate target id"] = (["targets", "check", str(dupe)], str(line))
    for name, (args, expect) in cases.items():
        result = kaohe(args, folder)
        tally.trials += 1
        tally.check(result.returncode == 1 and one_line(result.stderr) and expect in result.stderr,
                    f"{name}: exit {result.returncode} {result.stderr[-300:]!r}")
        tally.outcomes["refused in a line"] += 1
    shutil.rmtree(folder)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30, help="random kills of each kind (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--streets", type=int, default=60, help="streets in the district assessed (default 60)")
    parser.add_argument("--only", nargs="*", choices=["kills", "writes", "disk", "history", "damaged", "limits"],
                        help="run only these kinds (default: all)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="kaohe-faults-") as tmp:
        work = Path(tmp)
        district = write_district(work / "district", args.streets, 30)
        short = work / "roster12.csv"  # the templates' roster: 12 streets
        short.write_text("街道名称\n" + "".join(f"第{i:02d}街道\n" for i in range(1, 13)), encoding="utf-8")
        started = time.monotonic()
        only = set(args.only or ["kills", "writes", "disk", "history", "damaged", "limits"])
        tallies: list[Tally] = []
        if "kills" in only:
            tallies += kills(district, short, args.trials, rng, work)
        if "writes" in only:
            tallies += failing_writes(district, short, max(2, args.trials // 2), work)
        if "disk" in only:
            tallies += full_disk_outputs(district, work, max(3, args.trials))
        if "history" in only:
            tallies.append(full_history(district, work, args.trials * 6))
        if "damaged" in only:
            tallies.append(damaged_histories(district, work))
        if "limits" in only:
            tallies.append(limits(district, work))
        elapsed = time.monotonic() - started
    width = max(len(t.kind) for t in tallies)
    print(f"{'fault':<{width}}  trials  broken  outcomes")
    for t in tallies:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(t.outcomes.items()))
        print(f"{t.kind:<{width}}  {t.trials:>6}  {len(t.failures):>6}  {outcomes}")
    total = sum(t.trials for t in tallies)
    broken = [f"{t.kind}: {f}" for t in tallies for f in t.failures]
    print(f"{total} trials, {len(broken)} broken, {elapsed:.0f} s ({args.streets} streets, seed {args.seed})")
    for line in broken[:40]:
        print("  BROKEN", line)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
