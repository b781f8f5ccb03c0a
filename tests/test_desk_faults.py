"""The desk under load and under kill -9: a real `kaohe serve`, real HTTP, fifty streets at once.

The figures (uploads a second, p95 of the self-check, memory) are benchmarks/desk_load.py's; these tests hold
what must be true at any speed: nothing lost, nothing mixed up, nothing half-written.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest

from desk_server import Server, consistent, create_desk, district, post_workbook
from kaohe.resources import SAMPLE_SUBMISSIONS, bundled

pytestmark = pytest.mark.slow


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fifty_streets_uploading_at_once_are_all_stored_and_scored(tmp_path: Path, store_url: str | None) -> None:
    roster, books = district(tmp_path / "district", 50)
    desk = create_desk(tmp_path / "desk", roster, store_url)
    secrets = {w.name: w.secret for w in desk.streets()}
    start = threading.Barrier(50)
    with Server.of(desk) as server:
        def one(name: str) -> tuple[str, int]:
            with httpx.Client(timeout=120) as client:
                client.get(f"{server.url}/")
                start.wait()
                status, _ = post_workbook(client, server.url, secrets[name], books[name])
                return name, status

        with ThreadPoolExecutor(50) as pool:
            results = dict(pool.map(one, books))
        assert set(results.values()) == {303}, results
        with httpx.Client(timeout=120) as client:
            report = client.get(f"{server.url}/a/{desk.admin().secret}/report.json").json()
    again = desk.reopened()
    consistent(again)
    latest = again.latest()
    assert len(latest) == 50
    for name, path in books.items():  # each street's version is its own workbook, under its own name
        assert latest[name].sha256 == sha(path) and latest[name].client_name == path.name
    assert report["district"]["streets_submitted"] == 50
    centers = {s["name"]: s["targets"][0]["actual"] for s in report["streets"]}
    assert centers == {name: 1000 + i for i, name in enumerate(books)}  # nothing mixed up between streets


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_during_uploads_loses_nothing_answered_and_leaves_nothing_half_written(tmp_path: Path,
                                                                                     seed: int,
                                                                                     store_url: str | None) -> None:
    rng = random.Random(seed)
    roster, books = district(tmp_path / "district", 12)
    desk = create_desk(tmp_path / "desk", roster, store_url)
    secrets = {w.name: w.secret for w in desk.streets()}
    answered: list[tuple[str, str]] = []  # (street, sha256) of every upload the server said it stored
    server = Server.of(desk).start()
    stop = threading.Event()

    def clerk(name: str) -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                try:
                    status, _ = post_workbook(client, server.url, secrets[name], books[name])
                except (httpx.TransportError, AssertionError):
                    return
                if status == 303:
                    answered.append((name, sha(books[name])))

    threads = [threading.Thread(target=clerk, args=(name,)) for name in books]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while not answered and time.monotonic() < deadline:  # a busy machine starts slowly: wait for the first
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 1.5))  # then kill at a point that differs from seed to seed
    server.kill()
    stop.set()
    for t in threads:
        t.join(60)
    assert answered, "no upload finished before the kill: the test proved nothing"

    # restart: the folder is put in order, and every answered upload is there
    with Server.of(desk) as again:
        d = again.desk
        consistent(d)
        assert [t for t in again.data.rglob("tmp") if any(t.iterdir())] == []  # the served folder's uploads
        stored = [(v.street, v.sha256) for v in d.versions()]
        for item in set(answered):  # every upload answered as stored is a row (one more may be: its answer lost)
            assert stored.count(item) >= answered.count(item), item
        with httpx.Client(timeout=30) as client:  # and it carries on
            name = next(iter(books))
            assert post_workbook(client, again.url, secrets[name], books[name])[0] == 303
    consistent(desk.reopened())


def test_links_name_the_desks_public_address_and_a_forged_host_is_refused(tmp_path: Path,
                                                                          store_url: str | None) -> None:
    """The bureau page's links.csv and 催报 links were built from the browser's Host header: an officer on the
    server PC sent streets 127.0.0.1 links, and a forged Host was put into links and redirects."""
    import urllib.error
    import urllib.request

    with Server.of(create_desk(tmp_path / "desk", store=store_url), "--url", "http://desk.example.org:8000") as server:
        desk = server.desk
        admin = f"{server.url}/a/{desk.admin().secret}"
        with urllib.request.urlopen(admin) as page:  # from the server PC itself: 127.0.0.1
            html = page.read().decode("utf-8")
        assert "http://desk.example.org:8000/s/" in html and "http://127.0.0.1" not in html
        with urllib.request.urlopen(f"{admin}/links.csv") as links:
            rows = links.read().decode("utf-8-sig").splitlines()[1:]
        assert rows and all(",http://desk.example.org:8000/" in row for row in rows)
        forged = urllib.request.Request(admin, headers={"Host": "evil.example.com"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged)
        assert refused.value.code == 400
        slash = urllib.request.Request(admin + "/", headers={"Host": "evil.example.com"})
        with pytest.raises(urllib.error.HTTPError) as redirected:
            urllib.request.urlopen(slash)
        assert redirected.value.code == 400  # never a redirect naming the forged host


def test_the_desk_opened_to_the_network_without_its_address_refuses_to_start_and_makes_nothing(tmp_path: Path
                                                                                               ) -> None:
    data = tmp_path / "desk"
    out = subprocess.run([sys.executable, "-m", "kaohe", "serve", "--data", str(data), "--host", "0.0.0.0",
                          "--port", "0"], capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert out.returncode == 1 and "--url" in out.stderr and "Traceback" not in out.stderr
    assert not data.exists()


def test_a_body_over_the_limit_is_answered_and_the_connection_closed_unread(tmp_path: Path,
                                                                            store_url: str | None) -> None:
    import socket

    with Server.of(create_desk(tmp_path / "desk", store=store_url)) as server:
        who = server.desk.streets()[0]
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(f"POST /s/{who.secret}/upload HTTP/1.1\r\nHost: {host}:{port}\r\n"
                         f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 31457280\r\n\r\n"
                         .encode())
            answer = b""
            while chunk := sock.recv(65536):  # ends when the server closes: the 30 MB are never read
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 413") and b"connection: close" in answer.lower()


def test_a_port_in_use_is_one_sentence_and_no_folder_is_made(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "kaohe", "serve", "--data", str(tmp_path / "desk"), "--port",
                              str(port)], capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert out.returncode == 1 and "Traceback" not in out.stderr and str(port) in out.stderr
    assert not (tmp_path / "desk").exists()


def test_desk_log_names_the_client_and_every_refusal_never_a_secret(tmp_path: Path, store_url: str | None) -> None:
    """desk.log had no client address and no refused attempts."""
    import stat
    import urllib.error
    import urllib.request

    with Server.new(tmp_path / "desk", store_url) as server:  # made by kaohe serve: its files for it alone
        desk = server.desk
        secret = desk.streets()[0].secret
        for url in (f"{server.url}/s/{'x' * 32}", f"{server.url}/a/{secret}"):  # a guess; a street's on the bureau
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(url)
        urllib.request.urlopen(f"{server.url}/s/{secret}").read()
    lines = desk.log_lines()
    refused = [e for e in lines if e["action"] == "refused"]
    assert len(refused) == 2 and all(e["client"] == "127.0.0.1" and e["reason"] == "link" for e in refused)
    assert secret not in str(lines) and "x" * 32 not in str(lines)
    if store_url is None:  # a store's files are its database's (its DBA's privileges)
        for path in (desk.db, desk.log_path, desk.roster_path):
            assert not stat.S_IMODE(path.stat().st_mode) & 0o007, path


def test_a_data_folder_deep_in_long_names_still_checks_uploads(tmp_path: Path, store_url: str | None) -> None:
    """Uploads spool in the folder's tmp/; the workers' fork server must not put its socket there (a socket's
    path is limited to about 100 bytes)."""
    deep = tmp_path / ("各街道报送材料" * 4) / ("2005年度社区建设目标考核" * 3) / "报送 平台"
    desk = create_desk(deep, store=store_url)
    assert len(str(desk.tmp).encode()) > 108
    book = bundled(SAMPLE_SUBMISSIONS) / "东风街道.xlsx"
    with Server.of(desk) as server, httpx.Client(timeout=60) as client:
        who = next(w for w in desk.streets() if w.name == "东风街道")
        status, _ = post_workbook(client, server.url, who.secret, book)
        assert status == 303, "".join(server.output)[-2000:]
    assert len(desk.versions()) == 1
