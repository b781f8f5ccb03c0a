"""Time and peak memory of `kaohe assess` on each hostile file, next to a good workbook.

    python benchmarks/hostile.py            # prints one row per case; exits 1 if a case misses a target

Each case runs in a fresh process (`kaohe assess FOLDER --format json`) on a folder holding that one hostile
file and one good workbook; the process reports its own peak RSS (resource.getrusage). Targets, from the
hostile-input issue: one unreadable-file issue, the good street still assessed, under 5 s and 300 MB.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile_corpus import build  # noqa: E402

# Peak RSS of the run: the larger of kaohe's own process and its (waited-for) parser workers.
# With PARSER_ABORT set, the guard's extent check is switched off, so calamine itself is handed the file and
# aborts its worker: the second line of defence (kaohe.intake.sandbox), measured the same way.
RUNNER = """
import os, resource, sys
from kaohe.cli import app
if os.environ.get("PARSER_ABORT"):
    import kaohe.workbook.guard as guard
    guard._check_extent = lambda extent, where: None
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), file=sys.stderr)
"""
PARSER_ABORT = "解析器崩溃.xlsx"  # the sparse-corners file, read with the guard's extent check off
GOOD = ROOT / "data" / "2005" / "submissions" / "东风街道.xlsx"
MAX_SECONDS, MAX_MB = 5.0, 300


def main() -> int:
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        expected = build(corpus, GOOD)
        shutil.copy(corpus / "两角.xlsx", corpus / PARSER_ABORT)
        expected[PARSER_ABORT] = "crashed"
        from rich.console import Console
        from rich.table import Table

        table = Table("case", "refused as", "issue", "good street", "seconds", "peak MB", "ok", box=None)
        for name, reason in expected.items():
            folder = Path(tmp) / "run" / name.replace(".", "_")
            folder.mkdir(parents=True)
            source = corpus / name
            if source.is_symlink():
                (folder / name).symlink_to(source.resolve())
            elif source.is_dir():
                (folder / name).mkdir()
            else:
                shutil.copy(source, folder / name)
            shutil.copy(GOOD, folder / "东风街道.xlsx")
            start = time.perf_counter()
            env = {**os.environ, "PARSER_ABORT": "1"} if name == PARSER_ABORT else None
            proc = subprocess.run([sys.executable, "-c", RUNNER, "assess", str(folder), "--format", "json"],
                                  capture_output=True, text=True, timeout=120, env=env)
            seconds = time.perf_counter() - start
            peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
            report = json.loads(proc.stdout)
            issues = [i for i in report["issues"] if i["file"] == name]
            good = next((s for s in report["streets"] if s["name"] == "东风街道"), None)
            ok = (len(issues) == 1 and issues[0]["code"] == "unreadable-file" and good is not None
                  and good["score"] == 100.0 and seconds < MAX_SECONDS and peak_mb < MAX_MB)
            failures += not ok
            shown = issues[0]["code"] if len(issues) == 1 else f"{len(issues)} issues"
            table.add_row(name, reason or "-", shown, str(good["score"] if good else "-"), f"{seconds:.2f}",
                          f"{peak_mb:.0f}", "✓" if ok else "✗")
        Console(width=110).print(table)
    print(f"targets: one issue per file, good street 100, < {MAX_SECONDS:g} s, < {MAX_MB} MB peak;"
          f" {len(expected) - failures}/{len(expected)} met")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
