"""A real `kaohe serve` in a child process, for the browser, fault and load tests (and benchmarks/desk_load.py)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

from kaohe.desk.store import Desk


class Server:
    """`kaohe serve --data DIR --port 0` started and waited for; `url` is where it listens."""

    def __init__(self, data: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.data = data
        self.args = args
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.output: list[str] = []

    def start(self, timeout: float = 60) -> Server:
        self.proc = subprocess.Popen([sys.executable, "-m", "kaohe", "serve", "--data", str(self.data), "--port", "0",
                                      *self.args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                     encoding="utf-8", env=self.env, start_new_session=True)
        found = threading.Event()

        def read() -> None:
            assert self.proc is not None and self.proc.stderr is not None
            for line in self.proc.stderr:
                self.output.append(line)
                match = re.search(r"(https?://127\.0\.0\.1:\d+)", line)
                if match and not self.url:
                    self.url = match.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(timeout):
            self.kill()
            raise RuntimeError("kaohe serve did not start:\n" + "".join(self.output))
        time.sleep(0.3)  # the socket is bound before the line is printed; give uvicorn its loop
        return self

    @classmethod
    def of(cls, desk: Desk, *args: str, env: dict[str, str] | None = None) -> Server:
        """`kaohe serve` of this desk: --data its folder, or --store its store --district its district with a
        working folder of the server's own."""
        if desk.store is None:
            return cls(desk.root, *args, env=env)
        work = desk.root.parent.parent / f"{desk.root.parent.name}-served"
        return cls(work, "--store", desk.store, "--district", desk.district, *args, env=env)

    @classmethod
    def new(cls, data: Path, store: str | None, *args: str, env: dict[str, str] | None = None) -> Server:
        """`kaohe serve` that makes the desk itself at its first start: in `data`, or as a new district of
        `store` (with `data` its working folder)."""
        if store is None:
            return cls(data, *args, env=env)
        import uuid

        return cls(data, "--store", store, "--district", f"{data.name}-{uuid.uuid4().hex[:8]}", *args, env=env)

    @property
    def desk(self) -> Desk:
        """The desk it serves, opened here (a store's district with a working folder of this test's own)."""
        args = list(self.args)
        if "--store" in args:
            store = args[args.index("--store") + 1]
            district = args[args.index("--district") + 1] if "--district" in args else None
            return Desk.open(self.data.parent / f"{self.data.name}-reader", store=store, district=district)
        return Desk.open(self.data)

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C, as an operator stops it; its exit status."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """kill -9 of the server and everything it started (its session: workers, the fork server)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.stop(15)
            except subprocess.TimeoutExpired:
                self.kill()


def create_desk(data: Path, roster: Path | None = None, store: str | None = None) -> Desk:
    """A new desk over the sample targets: in the folder `data`, or a new district of `store` (`data` its
    working folder)."""
    import uuid

    from kaohe.resources import DEFAULT_TARGETS, SAMPLE_ROSTER, bundled

    if store is None:
        return Desk.create(data, bundled(DEFAULT_TARGETS), roster or bundled(SAMPLE_ROSTER), None)
    return Desk.create(data, bundled(DEFAULT_TARGETS), roster or bundled(SAMPLE_ROSTER), None, store=store,
                       district=f"{data.name}-{uuid.uuid4().hex[:8]}")


def consistent(desk: Desk) -> None:
    """Every version row's file is whole (its size and hash) — in the folder, or in the store's files table
    — no version file is kept without its row, and submissions/ holds exactly the latest rows."""
    import hashlib

    rows = {v.file: v for p in desk.periods() for v in desk.versions(period=p.period)}
    if desk.store is None:
        kept = {p.relative_to(desk.root).as_posix(): p.read_bytes()
                for p in (desk.root / "versions").glob("*/*")} if (desk.root / "versions").exists() else {}
    else:
        with desk.database.transaction(write=False) as db:
            kept = {str(n): bytes(b) for n, b in db.execute("SELECT name, body FROM files WHERE name LIKE "
                                                            "'versions/%'")}
    assert set(kept) == set(rows), set(kept) ^ set(rows)
    for name, v in rows.items():
        assert len(kept[name]) == v.size and hashlib.sha256(kept[name]).hexdigest() == v.sha256, v
    desk.ensure_submissions()
    latest = desk.latest()
    assert sorted(p.stem for p in desk.submissions.iterdir()) == sorted(latest)
    for street, v in latest.items():
        path = desk.submissions / f"{street}{Path(v.file).suffix}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == v.sha256


def district(folder: Path, streets: int) -> tuple[Path, dict[str, Path]]:
    """A roster of `streets` streets and one clerk's workbook for each (good, three communities)."""
    from clerks import write_workbook
    from conftest import STREET, good_communities

    folder.mkdir(parents=True, exist_ok=True)
    names = [f"新区{i:02d}街道" for i in range(1, streets + 1)]
    roster = folder / "街道名单.csv"
    roster.write_text("街道名称\n" + "".join(n + "\n" for n in names), encoding="utf-8")
    books = {}
    for i, name in enumerate(names):
        books[name] = write_workbook(folder / "clerks" / f"{name}.xlsx", {**STREET, "name": name,
                                     "center_area": 1000 + i}, good_communities(3 + i % 4))
    return roster, books


def post_workbook(client: object, url: str, secret: str, path: Path) -> tuple[int, float]:
    """One clerk's upload over HTTP (its page fetched for the form token first): (status, seconds of the post)."""
    import httpx2 as httpx

    assert isinstance(client, httpx.Client)
    page = client.get(f"{url}/s/{secret}")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token, page.status_code
    started = time.perf_counter()
    response = client.post(f"{url}/s/{secret}/upload", data={"csrf": token.group(1)},
                           files={"workbook": (path.name, path.read_bytes())})
    return response.status_code, time.perf_counter() - started
