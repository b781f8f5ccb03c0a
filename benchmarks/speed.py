"""kaohe against what a bureau analyst would otherwise run, at 20, 500 and 2000 streets, side by side.

    python benchmarks/speed.py                  # sizes 20 500 2000, 5 runs each (several minutes)
    python benchmarks/speed.py --sizes 20 --runs 3   # what CI runs, so the script cannot rot
    python benchmarks/speed.py --sizes --district FOLDER   # your own district beside the floor (and the
                                                           # pandas peers, where they can read its layout)

Every contender is a whole process, timed from start to exit, median of --runs runs:
- kaohe:            `kaohe assess DISTRICT --format json`
- kaohe + scorecard: the same run also writing the Excel scorecard (`--out 考核结果.xlsx`): at 500 streets
                    within 2x of the JSON run and under 300 MB, and growing linearly up to 2000 (the
                    ratio at every size is printed)
- pandas+openpyxl:  pandas.read_excel(engine="openpyxl") for both sheets, then the 2005 scoring in pandas
- pandas+calamine:  the same script with engine="calamine"
- floor:            python-calamine reading every sheet of every workbook into lists, and nothing else
Peak memory is each process's own maximum RSS (os.wait4). The pandas script's street scores are
compared with kaohe's: the benchmark fails if any differs. Districts are written once per size into
benchmarks/.districts/ (canonical template, deterministic) and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # clerks.py: workbooks as clerks fill them
CACHE = Path(__file__).resolve().parent / ".districts"
COMMUNITIES = 50

# What an analyst writes for the canonical template: read both sheets with pandas, score by hand.
PANDAS_PEER = r'''
import json, math, sys
from decimal import Decimal, ROUND_HALF_UP
from fractions import Fraction
from pathlib import Path
import pandas as pd

engine, folder = sys.argv[1], Path(sys.argv[2])
YES = {"是", "有"}

def yes(v):
    return isinstance(v, str) and v.strip() in YES

def num(v):
    try:
        return Fraction(str(Decimal(str(v)).quantize(Decimal("0.01"), ROUND_HALF_UP)))
    except Exception:
        return None

def score(street, comms):
    pts = Fraction(0)
    centre, projects = num(street.get("社区服务中心使用面积(㎡)")), num(street.get("福利性公益性服务项目数(个)"))
    pts += 10 if centre is not None and centre >= 1000 else 0
    pts += 10 * min(Fraction(1), (projects or 0) / 10)
    n = len(comms)
    if n:
        room = sum(1 for v in comms["服务站服务用房面积(㎡)"] if (num(v) or 0) >= 150)
        office = sum(1 for v in comms["办公和服务用房面积(㎡)"] if (num(v) or 0) >= 300)
        culture = sum(1 for v in comms["文化室可容纳人数(人)"] if (num(v) or 0) >= 50)
        edu = sum(1 for v in comms["社区教育活动站(有/无)"] if yes(v))
        modern = sum(1 for v in comms["新型现代化社区(是/否)"] if yes(v))
        safe = sum(1 for v in comms["安全文明社区(是/否)"] if yes(v))
        pts += max(0, 15 - 3 * (n - room))
        pts += 10 if Fraction(office, n) > Fraction(1, 2) else 0
        pts += max(0, 10 - 2 * (n - culture))
        pts += max(0, 10 - 2 * (n - edu))
        pts += 10 * min(Fraction(1), Fraction(modern, n) / Fraction(1, 2))
        pts += 15 * min(Fraction(1), Fraction(safe, n) / Fraction(85, 100))
    pts += 10 if yes(street.get("省级社区建设示范街道")) else 0
    return float(Decimal(pts.numerator) / Decimal(pts.denominator)).__round__(6)

scores = {}
for path in sorted(folder.glob("*.xlsx")):
    facts = pd.read_excel(path, sheet_name="街道情况", header=None, engine=engine)
    street = dict(zip(facts[0], facts[1]))
    comms = pd.read_excel(path, sheet_name="社区情况", header=2, engine=engine)
    comms = comms[comms["社区名称"].notna()]
    s = score(street, comms)
    scores[street["街道名称"]] = float(Decimal(str(s)).quantize(Decimal("0.01"), ROUND_HALF_UP))
if not scores:
    sys.exit("no .xlsx workbooks of the canonical template here")
print(json.dumps(scores, ensure_ascii=False))
'''

FLOOR = r'''
import sys
from pathlib import Path
import python_calamine as pc
cells = 0
suffixes = {".xlsx", ".xlsm", ".xls", ".ods"}
for path in sorted(p for p in Path(sys.argv[1]).rglob("*")
                   if p.suffix.lower() in suffixes and not p.name.startswith(("~$", ".~lock"))):
    wb = pc.CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
print(cells)
'''

# What the `kaohe` console script runs (main() ends with os._exit after flushing: no teardown).
KAOHE = "from kaohe.cli import main; main()"


def make_district(size: int) -> Path:
    """`size` streets of about 50 communities each, canonical template, the same every time."""
    from clerks import write_district

    folder = CACHE / f"v2-streets-{size}"
    done = folder / ".complete"
    if done.exists():
        return folder
    write_district(folder, size)
    done.write_text("ok")
    return folder


def run(args: list[str], required: bool = True) -> tuple[float, float, str] | None:
    """One whole process: wall seconds, its own peak RSS in MB (from wait4), and what it printed.

    A failure ends the benchmark, unless not `required` (the pandas peers on a district of another layout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        if not required:
            return None
        raise SystemExit(f"{args[:2]} failed:\n{stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


def compile_kaohe() -> None:
    """Byte-compile kaohe as pip does on install: an editable checkout under PYTHONDONTWRITEBYTECODE=1 would
    otherwise compile every module from source in every timed run."""
    import compileall

    import kaohe

    compileall.compile_dir(str(Path(kaohe.__file__).parent), quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[20, 500, 2000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-openpyxl-above", type=int, default=10_000,
                        help="leave pandas+openpyxl out above this many streets (it is the slow one)")
    parser.add_argument("--no-timing-targets", action="store_true",
                        help="report the timing targets but fail only when kaohe and pandas disagree (CI)")
    parser.add_argument("--district", type=Path, action="append", default=[], metavar="FOLDER",
                        help="also time a district of your own (a submissions folder); the pandas peers are "
                             "written for the canonical template and are left out where they cannot read it")
    opts = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    compile_kaohe()
    console = Console(width=120)
    table = Table("district", "contender", "median s", "per street ms", "peak MB", "vs kaohe", box=None)
    failures: list[str] = []
    medians: dict[int, float] = {}
    scorecards: dict[int, tuple[float, float, float]] = {}  # size: (seconds, ratio to JSON, peak MB)
    districts = [(str(size), size, make_district(size), True) for size in opts.sizes]
    for folder in opts.district:
        if not folder.is_dir():
            raise SystemExit(f"--district {folder}: not a folder")
        workbooks = [p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods")]
        districts.append((folder.name, max(1, len(workbooks)), folder, False))
    for label, size, folder, generated in districts:
        card = Path(tempfile.gettempdir()) / f"kaohe-bench-{os.getpid()}-{label}.xlsx"
        contenders = {
            "kaohe": ["-c", KAOHE, "assess", str(folder), "--format", "json"],
            "kaohe + scorecard": ["-c", KAOHE, "assess", str(folder), "--format", "json", "--out", str(card),
                                  "--force"],
            "pandas+openpyxl": ["-c", PANDAS_PEER, "openpyxl", str(folder)],
            "pandas+calamine": ["-c", PANDAS_PEER, "calamine", str(folder)],
            "floor (calamine lists)": ["-c", FLOOR, str(folder)],
        }
        if size > opts.skip_openpyxl_above:
            del contenders["pandas+openpyxl"]
        outputs: dict[str, str] = {}
        times: dict[str, list[float]] = {name: [] for name in contenders}
        peaks: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(opts.runs):  # round robin: a machine that slows down mid-run slows every contender
            for name, args in list(contenders.items()):
                got = run(args, required=generated or not name.startswith("pandas"))
                if got is None:  # a pandas peer that cannot read this layout: left out, and said so
                    del contenders[name]
                    console.print(f"{label}: {name} cannot read this district's layout; left out")
                    continue
                seconds, peak, out = got
                times[name].append(seconds)
                peaks[name].append(peak)
                outputs[name] = out
        card.unlink(missing_ok=True)
        results = {name: (statistics.median(times[name]), max(peaks[name])) for name in contenders}
        if generated:  # the scorecard: within 2x of the JSON run, under 300 MB, at every size
            ratio = results["kaohe + scorecard"][0] / results["kaohe"][0]
            scorecards[size] = (results["kaohe + scorecard"][0], ratio, results["kaohe + scorecard"][1])
            if ratio > 2 and size == 500 and not opts.no_timing_targets:
                failures.append(f"{label}: the scorecard run takes {ratio:.2f}x the JSON run (> 2x)")
            if results["kaohe + scorecard"][1] >= 300:
                failures.append(f"{label}: the scorecard run peaks at {results['kaohe + scorecard'][1]:.0f} MB")
        if "pandas+calamine" in outputs:
            kaohe_scores = {s["name"]: s["score"] for s in json.loads(outputs["kaohe"])["streets"]}
            peer_scores = json.loads(outputs["pandas+calamine"])
            # every street the peer scored; on a generated district that is every street kaohe scored too
            diff = [n for n in peer_scores if kaohe_scores.get(n) != peer_scores[n]]
            if generated:
                diff += [n for n in kaohe_scores if n not in peer_scores]
            if diff:
                failures.append(f"{label}: kaohe and pandas disagree on {len(diff)} streets, e.g. {diff[:3]}")
        base = results["kaohe"][0]
        if generated:
            medians[size] = base
        for name, (seconds, peak) in results.items():
            ratio = "1.0×" if name == "kaohe" else f"{seconds / base:.1f}×"
            table.add_row(label, name, f"{seconds:.2f}", f"{seconds / size * 1000:.1f}", f"{peak:.0f}", ratio)
        table.add_section()
        if generated and size >= 500:  # the targets are for the generated districts; yours are reported
            r = results
            if "pandas+openpyxl" in r and r["pandas+openpyxl"][0] < 5 * base:
                failures.append(f"{label}: less than 5× faster than pandas+openpyxl")
            if "pandas+calamine" in r and r["pandas+calamine"][0] < 2 * base:
                failures.append(f"{label}: less than 2× faster than pandas+calamine")
            if base > 3 * r["floor (calamine lists)"][0]:
                failures.append(f"{label}: more than 3× the floor")
            if r["kaohe"][1] >= 300:
                failures.append(f"{label}: peak memory {r['kaohe'][1]:.0f} MB ≥ 300 MB")
    console.print(table)
    for size, (seconds, ratio, peak) in scorecards.items():
        console.print(f"scorecard at {size} streets: {seconds:.2f} s, {ratio:.2f}x the JSON run, {peak:.0f} MB")
    if len(scorecards) >= 2:
        sizes = sorted(scorecards)
        growth = (scorecards[sizes[-1]][0] / scorecards[sizes[-2]][0]) / (sizes[-1] / sizes[-2])
        console.print(f"scorecard growth from {sizes[-2]} to {sizes[-1]} streets: {growth:.2f} of linear")
        if sizes[-2] >= 500 and growth > 1.3 and not opts.no_timing_targets:
            failures.append(f"the scorecard run grows {growth:.2f} of linear from {sizes[-2]} to {sizes[-1]}")
    if len(medians) >= 2:
        sizes = sorted(medians)
        small, large = sizes[-2], sizes[-1]
        growth = (medians[large] / medians[small]) / (large / small)
        console.print(f"growth from {small} to {large} streets: {growth:.2f} of linear (1.00 = linear)")
    startup = {}
    for label, args in {"kaohe --help": ["-m", "kaohe.cli", "--help"],
                        "kaohe assess (12-street sample)": ["-m", "kaohe.cli", "assess", "--format", "json"]}.items():
        times = []
        for _ in range(opts.runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, *args], capture_output=True, check=True, timeout=60)
            times.append(time.perf_counter() - start)
        startup[label] = statistics.median(times)
        console.print(f"{label}: {startup[label]:.2f} s (median of {opts.runs})")
        if startup[label] >= 0.5:
            failures.append(f"{label} took {startup[label]:.2f} s")
    for failure in failures:
        console.print(f"[red]✗ {failure}[/]")
    if not opts.sizes:
        console.print("measured; the targets are set for the generated districts (--sizes)")
    elif not failures:
        console.print("[green]✓ every target met; kaohe and the pandas peer agree on every street's score[/]")
    else:
        console.print("kaohe and the pandas peer agree on every street's score" if not any(
            "disagree" in f for f in failures) else "")
    if opts.no_timing_targets:
        return 1 if any("disagree" in f for f in failures) else 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
