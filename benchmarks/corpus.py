"""kaohe on a folder of spreadsheet files nobody made for it, beside what other libraries can open.

    python benchmarks/corpus.py FOLDER             # kaohe assess FOLDER --format json, outcomes tallied
    python benchmarks/corpus.py FOLDER --compare   # also: which files python-calamine, openpyxl, pandas open

For every file below FOLDER, kaohe must either read it or name it in the report with a reason; the script
fails when one is missing, when the run does not exit 0, or when its JSON is not valid UTF-8. With
--compare, each library opens each file in a contained worker (kaohe.intake.sandbox), so a library that aborts
costs that file only; the table then shows, for the files kaohe refuses, how many each library opened.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import time
from pathlib import Path


def _kaohe(folder: Path) -> tuple[dict, float, int]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kaohe", "assess", str(folder), "--format", "json"],
                          capture_output=True, timeout=1800)
    seconds = time.perf_counter() - start
    report = json.loads(proc.stdout.decode("utf-8"))  # strict: invalid UTF-8 fails here
    return report, seconds, proc.returncode


def _open_with(paths: list[str]) -> list[dict[str, bool]]:
    """Whether python-calamine, openpyxl and pandas open each file and read its first sheet."""
    import contextlib
    import io
    import warnings

    warnings.simplefilter("ignore")
    with contextlib.redirect_stdout(io.StringIO()):  # xlrd reports container quirks on stdout
        return _try_each(paths)


def _try_each(paths: list[str]) -> list[dict[str, bool]]:
    out = []
    for path in paths:
        result = {}
        try:
            import python_calamine as pc

            wb = pc.CalamineWorkbook.from_path(path)
            wb.get_sheet_by_index(0).to_python() if wb.sheet_names else None
            result["calamine"] = True
        except BaseException:  # noqa: B036 - a Rust panic is a BaseException
            result["calamine"] = False
        try:
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            list(wb.worksheets[0].iter_rows(max_row=5)) if wb.worksheets else None
            result["openpyxl"] = True
        except Exception:
            result["openpyxl"] = False
        try:
            import pandas

            pandas.read_excel(path, sheet_name=0, nrows=5)
            result["pandas"] = True
        except Exception:
            result["pandas"] = False
        out.append(result)
    return out


def _nothing() -> None:
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--compare", action="store_true", help="also try python-calamine, openpyxl and pandas")
    args = parser.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.is_file() and not p.name.startswith((".", "~$")))
    report, seconds, code = _kaohe(args.folder)
    named: dict[str, list[dict]] = collections.defaultdict(list)
    for issue in report["issues"]:
        if issue.get("file"):
            named[issue["file"]].append(issue)
    read = {f for s in report["streets"] for f in s.get("files", [])}
    outcome: dict[str, str] = {}
    for path in files:
        name = path.relative_to(args.folder).as_posix()
        codes = [i for i in named.get(name, []) if i["code"] in ("unreadable-file", "ignored-file")]
        if codes and codes[0].get("reason") == "not-submission":
            outcome[name] = "read: a spreadsheet, not a submission"
        elif codes:
            outcome[name] = f"{codes[0]['code']}: {codes[0]['reason']}"
        elif name in read or named.get(name):
            outcome[name] = "read: a submission"
        else:
            outcome[name] = "MISSING"
    tally = collections.Counter(outcome.values())
    print(f"kaohe assess {args.folder}: exit {code}, {seconds:.1f} s, {len(files)} files, valid JSON")
    for why, count in tally.most_common():
        print(f"  {count:5d}  {why}")
    failed = code != 0 or tally.get("MISSING", 0) > 0
    if args.compare:
        from kaohe.intake.sandbox import Lost, contained, usable_cpus

        opened: dict[str, dict[str, bool]] = {}
        jobs = [str(p) for p in files]
        for job, result in contained(jobs, _open_with_each, _nothing, batch=8, workers=usable_cpus()):
            key = Path(job).relative_to(args.folder).as_posix()
            opened[key] = {"calamine": False, "openpyxl": False, "pandas": False, "crashed": True} \
                if isinstance(result, Lost) else result
        print("\nfiles each library opens (first sheet read), all files / files kaohe refuses:")
        refused = [n for n, o in outcome.items() if o.startswith("unreadable")]
        readable = sum(1 for o in outcome.values() if o.startswith("read"))
        for lib in ("calamine", "openpyxl", "pandas"):
            print(f"  {lib:9s} {sum(o[lib] for o in opened.values()):5d} / {sum(opened[n][lib] for n in refused):5d}")
        print(f"  crashed   {sum(o.get('crashed', False) for o in opened.values()):5d} (a library aborted its process)")
        print(f"  kaohe     {readable:5d} read as a workbook (a submission or not), "
              f"{len(refused)} refused, {sum(1 for o in outcome.values() if o.startswith('ignored-file'))} named "
              "as not spreadsheets")
        for lib in ("calamine", "openpyxl", "pandas"):
            both = [n for n in refused if opened[n][lib]]
            if both:
                print(f"  refused by kaohe but opened by {lib}:")
                for n in both:
                    print(f"    {outcome[n]:40s} {n}")
    return 1 if failed else 0


def _open_with_each(state: None, paths: list[str]) -> list[dict[str, bool]]:
    return _open_with(paths)


if __name__ == "__main__":
    sys.exit(main())
