"""No client can hold the desk for the others: header and body deadlines, a cap on connections per address.

A real `kaohe serve` on loopback. The clients that misbehave connect from other loopback addresses
(127.0.0.2, 127.0.0.3: every 127.x.y.z is this machine), as other PCs on the office network would; the
street that is still served connects from 127.0.0.4. Every loop is bounded in count and time.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from desk_server import Server, create_desk
from kaohe.limits import HEADER_SECONDS, MAX_CONNECTIONS_PER_ADDRESS, MIN_BODY_BYTES_PER_SECOND

pytestmark = pytest.mark.slow


def connect(url: str, source: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.settimeout(5)
    sock.connect((parts.hostname, parts.port))
    return sock


def served_within(url: str, path: str, source: str, seconds: float) -> float:
    """Seconds a plain GET from `source` took (asserting 200 within `seconds`)."""
    started = time.perf_counter()
    sock = connect(url, source)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    took = time.perf_counter() - started
    assert data.startswith(b"HTTP/1.1 200"), data[:200]
    assert took < seconds, took
    return took


def closed_by_server(sock: socket.socket, wait: float) -> bool:
    """Whether the server closed the socket within `wait` seconds (EOF or a reset)."""
    sock.settimeout(wait)
    try:
        return sock.recv(1024) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_idle_and_slow_connections_neither_starve_a_street_nor_outlive_their_deadline(
        tmp_path: Path, store_url: str | None) -> None:
    desk = create_desk(tmp_path / "desk", store=store_url)
    street = desk.streets()[0]
    with Server.of(desk) as server:
        idle: list[socket.socket] = []
        for _ in range(3 * MAX_CONNECTIONS_PER_ADDRESS):  # one PC opening far more than a browser does
            try:
                idle.append(connect(server.url, "127.0.0.2"))
            except OSError:
                break
        slow = [connect(server.url, "127.0.0.3") for _ in range(MAX_CONNECTIONS_PER_ADDRESS)]
        for sock in slow:  # headers begun, never finished (one byte now and then)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.5)
        over = [s for s in idle[MAX_CONNECTIONS_PER_ADDRESS:]]
        assert over and all(closed_by_server(s, 2) for s in over)  # past the cap: closed at once
        assert served_within(server.url, f"/s/{street.secret}", "127.0.0.4", 1.0)  # a street is still served
        start = time.monotonic()
        while time.monotonic() - start < HEADER_SECONDS + 3:  # trickle headers past the deadline
            for sock in slow:
                try:
                    sock.sendall(b"X: y\r\n")
                except OSError:
                    pass
            time.sleep(1)
        kept = idle[:MAX_CONNECTIONS_PER_ADDRESS]
        assert all(closed_by_server(s, 1) for s in kept)  # never a request: closed at the deadline
        assert all(closed_by_server(s, 1) for s in slow)  # headers never completed: closed at the deadline
        for sock in idle + slow:
            sock.close()
        served_within(server.url, f"/s/{street.secret}", "127.0.0.2", 1.0)  # the same PC, behaving, is served
        log = desk.log_lines()
        reasons = {(e.get("client"), e.get("reason")) for e in log if e["action"] == "refused"}
        assert ("127.0.0.2", "too-many") in reasons and ("127.0.0.3", "slow-headers") in reasons
        assert ("127.0.0.2", "slow-headers") in reasons


def test_an_upload_trickled_slower_than_the_floor_is_cut_off_and_nothing_is_kept(
        tmp_path: Path, store_url: str | None) -> None:
    desk = create_desk(tmp_path / "desk", store=store_url)
    street = desk.streets()[0]
    with Server.of(desk) as server:
        sock = connect(server.url, "127.0.0.2")
        body_size = 2 * 1024 * 1024
        sock.sendall((f"POST /s/{street.secret}/upload HTTP/1.1\r\nHost: {urlsplit(server.url).netloc}\r\n"
                      "Content-Type: multipart/form-data; boundary=b\r\n"
                      f"Content-Length: {body_size}\r\n\r\n").encode())
        sent = 0
        start = time.monotonic()
        closed = False
        while time.monotonic() - start < 20:  # a quarter of the floor's rate
            try:
                sock.sendall(b"x" * (MIN_BODY_BYTES_PER_SECOND // 4))
                sent += MIN_BODY_BYTES_PER_SECOND // 4
            except OSError:
                closed = True
                break
            if closed_by_server(sock, 1):
                closed = True
                break
        assert closed and sent < body_size
        sock.close()
        assert served_within(server.url, f"/s/{street.secret}", "127.0.0.2", 1.0)
        assert desk.versions() == []
