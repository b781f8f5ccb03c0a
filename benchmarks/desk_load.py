"""Load on the submission desk: N streets uploading at once to a real `kaohe serve` over loopback.

    python benchmarks/desk_load.py [--streets 50] [--rounds 3] [--bureau-streets 500]

Prints uploads a second, the latency of an upload's self-check (the POST: receive, guard, read, score,
store) at p50/p95/max, and the server's peak memory. Fails (exit 1) if any upload is lost, refused or
mixed up. Loopback only: the server binds 127.0.0.1.

With --bureau-streets N: a desk of N streets that have all submitted (straight through the desk's service),
then the pages timed in-process: the bureau's first after they all submitted, after one more upload (the
district assessed again from the stored readings), warm, and after a restart; a street's. Goal at 500: the
bureau's ≤ 0.3 s after any upload and after a restart, a street's ≤ 0.1 s.
"""

from __future__ import annotations

import argparse
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


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streets", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="every street uploads once a round")
    parser.add_argument("--bureau-streets", type=int, default=0,
                        help="also time the bureau's page at this many streets (0: not)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        roster, books = district(Path(tmp) / "district", args.streets)
        desk = Desk.create(Path(tmp) / "desk", bundled(DEFAULT_TARGETS), roster, None)
        secrets = {w.name: w.secret for w in desk.streets()}
        failures: list[str] = []
        with Server(desk.root) as server:
            assert server.proc is not None
            latencies: list[float] = []
            walls: list[float] = []
            for _ in range(args.rounds):
                barrier = threading.Barrier(args.streets)

                def one(name: str, barrier: threading.Barrier = barrier) -> tuple[str, int, float]:
                    with httpx.Client(timeout=300) as client:
                        client.get(f"{server.url}/")
                        barrier.wait()
                        status, seconds = post_workbook(client, server.url, secrets[name], books[name])
                        return name, status, seconds

                started = time.perf_counter()
                with ThreadPoolExecutor(args.streets) as pool:
                    results = list(pool.map(one, books))
                walls.append(time.perf_counter() - started)
                for name, status, seconds in results:
                    latencies.append(seconds)
                    if status != 303:
                        failures.append(f"{name}: HTTP {status}")
            with httpx.Client(timeout=300) as client:
                t0 = time.perf_counter()
                report = client.get(f"{server.url}/a/{desk.admin().secret}/report.json").json()
                assess_seconds = time.perf_counter() - t0
            rss = peak_rss_mb(server.proc.pid)
        stored = Desk.open(desk.root)
        versions = stored.versions()
        if len(versions) != args.streets * args.rounds:
            failures.append(f"{len(versions)} versions stored of {args.streets * args.rounds} uploads")
        if report["district"]["streets_submitted"] != args.streets:
            failures.append(f"the bureau's report has {report['district']['streets_submitted']} streets submitted")
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"desk load: {args.streets} streets uploading at once, {args.rounds} rounds, loopback")
    print(f"  uploads a second     {args.streets * args.rounds / sum(walls):6.1f}"
          f"   (rounds of {args.streets}: {', '.join(f'{w:.2f} s' for w in walls)})")
    print(f"  self-check latency   p50 {statistics.median(latencies) * 1000:5.0f} ms   "
          f"p95 {p95 * 1000:5.0f} ms   max {latencies[-1] * 1000:5.0f} ms")
    print(f"  bureau page's assessment of {args.streets} streets: {assess_seconds * 1000:.0f} ms")
    print(f"  server peak memory   {rss:6.0f} MB (the server process; its read workers are separate, short-lived)")
    if args.bureau_streets:
        times = bureau_page(args.bureau_streets)
        print(f"  pages at {args.bureau_streets} streets (goal: the bureau's ≤ 0.3 s after any upload, a street's "
              "≤ 0.1 s): " + ", ".join(f"{k} {v:.3f} s" for k, v in times.items()))
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


def bureau_page(streets: int) -> dict[str, float]:
    """Seconds of the bureau's page at `streets` streets: the first after they all submitted, the first after
    one more upload, the first after a restart (a new server over the folder), and the slowest of five warm
    ones; and of a street's page."""
    import hashlib
    import shutil

    from starlette.testclient import TestClient

    from kaohe.desk.app import create_app

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
        return out


if __name__ == "__main__":
    sys.exit(main())
