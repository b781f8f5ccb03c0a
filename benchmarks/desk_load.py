"""Load on the submission desk: N streets uploading at once to a real `kaohe serve` over loopback.

    python benchmarks/desk_load.py [--streets 50] [--rounds 3] [--heavy-rows 100000] [--bureau-streets 500]

Three scenes, each with its own server on a fresh folder:

- plain: every street uploads at the same moment, --rounds times;
- findings: the same after the bureau uploaded a findings file (pages with findings must not cost more);
- heavy: one street sends a heavy workbook (--heavy-rows communities of distinct names) among the others; it may
  only slow its sender.

For each: uploads a second, the latency of an upload (receive, guard, read, score, store) at p50/p95/max, and
the queueing floor — uploads × one upload's CPU ÷ cores, the time the last of a burst must wait however
well the desk schedules (one upload's CPU measured as the server's and its workers' CPU over the burst ÷
uploads). Goal: p95 ≤ 1.3 × the floor. Memory is the server's and all its workers' resident memory
together, sampled every 20 ms (its peak). Fails (exit 1) if any upload is lost, refused or mixed up.
Loopback only: the server binds 127.0.0.1. Linux only (/proc).

With --bureau-streets N: a desk of N streets that have all submitted (straight through the desk's service),
then the pages timed in-process: the bureau's first after they all submitted, after one more upload (the
district assessed again from the stored readings), warm, and after a restart; a street's. Goal at 500: the
bureau's ≤ 0.3 s after any upload and after a restart, a street's ≤ 0.1 s.

With --store-districts D: the shared store — D districts of --streets streets in one PostgreSQL database (a
throwaway cluster, tests/pgcluster.py), served by two `kaohe serve --store` processes that each answer every
district, every street of every district uploading at once (each district's streets split between the two),
one round: p50/p95 and the database's share of the CPU (the PostgreSQL processes' CPU over the burst ÷ all).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # desk_server.py, clerks.py

import httpx2 as httpx  # noqa: E402

from desk_server import Server, district, post_workbook  # noqa: E402
from kaohe.desk.store import Desk  # noqa: E402
from kaohe.resources import DEFAULT_TARGETS, bundled  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # after the command name, which may hold spaces


def family(root: int) -> list[int]:
    """The process and every process below it (the fork server, its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    """CPU of the processes and of their children already reaped (utime, stime, cutime, cstime)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += sum(int(x) for x in fields[11:15])
    return total / TICK


class Memory:
    """The peak of the server's and its workers' resident memory together, sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb(family(self.pid)))

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def heavy_workbook(folder: Path, name: str, rows: int) -> Path:
    """A workbook of `rows` communities with distinct names: slow to read, and valid."""
    from clerks import write_workbook
    from conftest import STREET, good_communities

    base = good_communities(1)[0]
    communities = [{**base, "name": f"第{i}号重名测试社区"} for i in range(rows)]
    return write_workbook(folder / "heavy" / f"{name}.xlsx", {**STREET, "name": name}, communities)


def stored_findings(desk: Desk) -> bool:
    return bool(Desk.open(desk.root).findings_files())


def scene(label: str, streets: int, rounds: int, heavy_rows: int = 0, findings: bool = False) -> dict[str, float]:
    """One server, `rounds` bursts of every street at once; the figures, and failures in 'failures'."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="kaohe-load-") as tmp:
        roster, books = district(Path(tmp) / "district", streets)
        heavy_name = next(iter(books)) if heavy_rows else None
        if heavy_name:
            books[heavy_name] = heavy_workbook(Path(tmp), heavy_name, heavy_rows)
        desk = Desk.create(Path(tmp) / "desk", bundled(DEFAULT_TARGETS), roster, None)
        secrets = {w.name: w.secret for w in desk.streets()}
        failures: list[str] = []
        latencies: list[float] = []
        others: list[float] = []
        walls: list[float] = []
        with Server(desk.root) as server:
            assert server.proc is not None
            if findings:
                first = next(iter(books))
                with httpx.Client(timeout=300) as client:
                    status, _ = post_workbook(client, server.url, secrets[first], books[first])
                    import re

                    page = client.get(f"{server.url}/a/{desk.admin().secret}")
                    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
                    assert token
                    text = ("核查日期,街道,社区,核查项目,核实值,核查说明,核查人\n"
                            f"2005-12-20,{first},,社区服务中心使用面积,900,实地丈量,王强\n")
                    done = client.post(f"{server.url}/a/{desk.admin().secret}/findings",
                                       data={"csrf": token.group(1)},
                                       files={"findings": ("核查结果.csv", text.encode("utf-8"))})
                    if done.status_code != 303 or not stored_findings(desk):
                        failures.append(f"{label}: the findings were not taken (HTTP {done.status_code})")
            cpu_before = cpu_seconds(family(server.proc.pid))
            with Memory(server.proc.pid) as memory:
                for _ in range(rounds):
                    barrier = threading.Barrier(streets)

                    def one(name: str, barrier: threading.Barrier = barrier) -> tuple[str, int, float]:
                        with httpx.Client(timeout=300) as client:
                            client.get(f"{server.url}/")
                            barrier.wait()
                            status, seconds = post_workbook(client, server.url, secrets[name], books[name])
                            if findings:  # the street then looks at its page, as a clerk does
                                client.get(f"{server.url}/s/{secrets[name]}")
                            return name, status, seconds

                    started = time.perf_counter()
                    with ThreadPoolExecutor(streets) as pool:
                        results = list(pool.map(one, books))
                    walls.append(time.perf_counter() - started)
                    for name, status, seconds in results:
                        latencies.append(seconds)
                        if name != heavy_name:
                            others.append(seconds)
                        if status != 303:
                            failures.append(f"{label}: {name}: HTTP {status}")
            cpu = cpu_seconds(family(server.proc.pid)) - cpu_before
            with httpx.Client(timeout=300) as client:
                t0 = time.perf_counter()
                report = client.get(f"{server.url}/a/{desk.admin().secret}/report.json").json()
                assess_seconds = time.perf_counter() - t0
        stored = Desk.open(desk.root)
        expected = streets * rounds + (1 if findings else 0)
        if len(stored.versions()) != expected:
            failures.append(f"{label}: {len(stored.versions())} versions stored of {expected} uploads")
        if report["district"]["streets_submitted"] != streets:
            failures.append(f"{label}: the bureau's report has {report['district']['streets_submitted']} streets")
    latencies.sort()
    others.sort()
    uploads = streets * rounds
    per_upload = cpu / uploads
    floor = streets * per_upload / cores

    def p95(values: list[float]) -> float:
        return values[max(0, int(len(values) * 0.95) - 1)]

    return {"uploads a second": uploads / sum(walls), "p50": statistics.median(latencies), "p95": p95(latencies),
            "max": latencies[-1], "others p95": p95(others), "cpu an upload": per_upload, "floor": floor,
            "memory": memory.peak, "assess": assess_seconds, "failures": failures}  # type: ignore[dict-item]


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on the machine (the cluster's postmaster and its backends)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() in ("postgres", "postmaster"):
                    out.append(int(entry))
            except OSError:
                pass
    return out


def store_scene(districts: int, streets: int) -> dict[str, float]:
    """`districts` districts × `streets` streets on one PostgreSQL store, served together by two processes."""
    import uuid

    from pgcluster import Cluster

    cluster = Cluster().start()
    failures: list[str] = []
    try:
        url = cluster.database("load")
        with tempfile.TemporaryDirectory(prefix="kaohe-load-") as tmp:
            work = Path(tmp)
            roster, books = district(work / "district", streets)
            secrets: list[dict[str, str]] = []
            names: list[str] = []
            for d in range(districts):
                desk = Desk.create(work / f"maker{d}", bundled(DEFAULT_TARGETS), roster, None, store=url,
                                   district=f"区{d}-{uuid.uuid4().hex[:4]}")
                secrets.append({w.name: w.secret for w in desk.streets()})
                names.append(desk.district)
                desk.close()
            # two processes, each answering every district's links (the city's desk)
            servers = [Server(work / f"p{i}", "--store", url, "--district", names[0]).start() for i in range(2)]
            jobs = [(servers[(d + i) % 2], secrets[d], name) for d in range(districts)
                    for i, name in enumerate(books)]
            barrier = threading.Barrier(len(jobs))

            def upload(job: tuple[Server, dict[str, str], str]) -> tuple[int, float]:
                server, links, name = job
                with httpx.Client(timeout=300) as client:
                    client.get(f"{server.url}/")
                    barrier.wait()
                    return post_workbook(client, server.url, links[name], books[name])

            kaohe_pids = [pid for s in servers if s.proc for pid in family(s.proc.pid)]
            pg_before, kaohe_before = cpu_seconds(postgres_pids()), cpu_seconds(kaohe_pids)
            started = time.perf_counter()
            with ThreadPoolExecutor(len(jobs)) as pool:
                results = list(pool.map(upload, jobs))
            wall = time.perf_counter() - started
            pg_cpu = cpu_seconds(postgres_pids()) - pg_before
            kaohe_cpu = cpu_seconds(kaohe_pids) - kaohe_before
            for server in servers:
                server.stop()
        failures += [f"store: HTTP {status}" for status, _ in results if status != 303]
    finally:
        cluster.remove()
    latencies = sorted(seconds for _, seconds in results)
    return {"uploads": len(jobs), "uploads a second": len(jobs) / wall, "p50": statistics.median(latencies),
            "p95": latencies[max(0, int(len(latencies) * 0.95) - 1)], "max": latencies[-1],
            "database share": pg_cpu / max(pg_cpu + kaohe_cpu, 1e-9), "database cpu": pg_cpu,
            "floor": (pg_cpu + kaohe_cpu) / cores(), "failures": failures}  # type: ignore[dict-item]


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streets", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="every street uploads once a round")
    parser.add_argument("--heavy-rows", type=int, default=0,
                        help="also the scene with one heavy workbook of this many communities (0: not)")
    parser.add_argument("--bureau-streets", type=int, default=0,
                        help="also time the bureau's page at this many streets (0: not)")
    parser.add_argument("--store-districts", type=int, default=0,
                        help="also the shared-store scene: this many districts on PostgreSQL, 2 processes for all")
    args = parser.parse_args()
    scenes = [("plain", {}), ("findings", {"findings": True})]
    if args.heavy_rows:
        scenes.append(("heavy", {"heavy_rows": args.heavy_rows}))
    failures: list[str] = []
    print(f"desk load: {args.streets} streets uploading at once, {args.rounds} rounds, loopback, "
          f"{len(os.sched_getaffinity(0))} cores")
    for label, options in scenes:
        got = scene(label, args.streets, args.rounds if label != "heavy" else 1, **options)  # type: ignore[arg-type]
        failures.extend(got.pop("failures"))  # type: ignore[arg-type]
        ratio = got["p95"] / got["floor"] if got["floor"] else float("nan")
        print(f"  {label:9s} {got['uploads a second']:5.1f} uploads/s   p50 {got['p50']:5.2f} s   "
              f"p95 {got['p95']:5.2f} s   max {got['max']:5.2f} s   floor {got['floor']:5.2f} s "
              f"(p95 {ratio:.2f}× it; goal ≤ 1.3×; one upload {got['cpu an upload'] * 1000:.0f} ms CPU)   "
              f"server + workers {got['memory']:4.0f} MB   bureau report {got['assess'] * 1000:.0f} ms")
        if label == "heavy":
            print(f"  {'':9s} the other streets' p95 with the heavy workbook among them: {got['others p95']:.2f} s")
    entry = entry_times()
    print("  entry form, a street of 60 communities (goals: the page ≤ 0.5 s, a save ≤ 0.3 s): "
          + ", ".join(f"{k} {v:.3f} s" for k, v in entry.items()))
    if args.bureau_streets:
        times = bureau_page(args.bureau_streets)
        print(f"  pages at {args.bureau_streets} streets (goal: the bureau's ≤ 0.3 s after any upload, a street's "
              "≤ 0.1 s): " + ", ".join(f"{k} {v:.3f} s" for k, v in times.items()))
    if args.store_districts:
        got = store_scene(args.store_districts, args.streets)
        failures.extend(got.pop("failures"))  # type: ignore[arg-type]
        print(f"  store     {args.store_districts} districts × {args.streets} streets, 2 processes for all, "
              f"{got['uploads']:.0f} uploads at once: {got['uploads a second']:5.1f} uploads/s   "
              f"p50 {got['p50']:5.2f} s   p95 {got['p95']:5.2f} s   max {got['max']:5.2f} s   "
              f"floor {got['floor']:5.2f} s (all the burst's CPU ÷ cores; p95 {got['p95'] / got['floor']:.2f}× it)   "
              f"database {got['database share'] * 100:.0f}% of the CPU ({got['database cpu']:.1f} s)")
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


def entry_times(communities: int = 60, runs: int = 5) -> dict[str, float]:
    """Seconds (the slowest of `runs`) of the entry form's page for a street of `communities` communities, and of
    saving it (written as a workbook, self-checked, kept as a version). Goals: ≤ 0.5 s and ≤ 0.3 s."""
    from starlette.testclient import TestClient

    from clerks import write_workbook
    from conftest import STREET, community
    from kaohe.desk.app import create_app
    from kaohe.desk.run import tune_gc

    tune_gc()
    with tempfile.TemporaryDirectory(prefix="kaohe-entry-") as tmp:
        desk = Desk.create(Path(tmp) / "desk", bundled(DEFAULT_TARGETS), bundled("data/2005/街道名单.csv"), None)
        who = next(w for w in desk.streets() if w.name == "东风街道")
        book = write_workbook(Path(tmp) / "东风街道.xlsx", dict(STREET),
                              [community(f"第{i + 1}社区") for i in range(communities)])
        client = TestClient(create_app(desk))
        header = {"X-Requested-With": "kaohe"}
        client.post(f"/s/{who.secret}/api/submission", files={"file": (book.name, book.read_bytes())}, headers=header)
        pages, saves = [], []
        for _ in range(runs):
            start = time.perf_counter()
            assert client.get(f"/s/{who.secret}/entry").status_code == 200
            pages.append(time.perf_counter() - start)
            form = client.get(f"/s/{who.secret}/api/entry").json()
            start = time.perf_counter()
            saved = client.post(f"/s/{who.secret}/api/entry", json={"values": form["values"],
                                                                    "communities": form["communities"]},
                                headers=header)
            saves.append(time.perf_counter() - start)
            assert saved.status_code == 200, saved.text
        return {"form page": max(pages), "save and re-check": max(saves)}


def bureau_page(streets: int) -> dict[str, float]:
    """Seconds of the bureau's page at `streets` streets: the first after they all submitted, the first after
    one more upload, the first after a restart (a new server over the folder), and the slowest of five warm
    ones; and of a street's page."""
    import hashlib
    import shutil

    from starlette.testclient import TestClient

    from kaohe.desk.app import create_app
    from kaohe.desk.run import tune_gc

    tune_gc()  # as kaohe serve does

    def timed(client: TestClient, url: str) -> float:
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory(prefix="kaohe-bureau-") as tmp:
        roster, books = district(Path(tmp) / "district", streets)
        desk = Desk.create(Path(tmp) / "desk", bundled(DEFAULT_TARGETS), roster, None)
        app = create_app(desk)
        service = app.app.state.service  # the Guarded wrapper's Starlette app

        def send(who: object) -> None:
            folder = desk.receiving()
            path = folder / books[who.name].name  # type: ignore[attr-defined]
            shutil.copy(books[who.name], path)  # type: ignore[attr-defined]
            data = path.read_bytes()
            service.receive(who, path, path.name, len(data), hashlib.sha256(data).hexdigest())
            shutil.rmtree(folder, ignore_errors=True)

        everyone = desk.streets()
        for who in everyone:
            send(who)
        client = TestClient(app)
        url = f"/a/{desk.admin().secret}"
        out = {"first": timed(client, url)}
        send(everyone[len(everyone) // 2])
        out["after an upload"] = timed(client, url)
        out["warm"] = max(timed(client, url) for _ in range(5))
        out["a street's page"] = max(timed(client, f"/s/{who.secret}") for who in everyone[:5])
        restarted = TestClient(create_app(Desk.open(desk.root)))
        out["after a restart"] = timed(restarted, url)
        # 50 streets' pages after the restart: each its own self-check, from the stored readings
        out["50 street pages after a restart, slowest"] = max(timed(restarted, f"/s/{who.secret}")
                                                            for who in everyone[:50])
        return out


if __name__ == "__main__":
    sys.exit(main())
