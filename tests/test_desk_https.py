"""HTTPS: the desk serving it with the bureau's certificate, and the guide's nginx recipe run as written.

A real `kaohe serve` and a real nginx (Debian's, installed by .ci/run), loopback only, a self-signed certificate
made with openssl for the test.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest

from desk_server import Server, create_desk

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
SAMPLE_BOOK = ROOT / "data" / "2005" / "submissions" / "东风街道.xlsx"


def need(tool: str) -> str:
    found = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed (.ci/run installs it)")
        pytest.skip(f"{tool} is not installed")
    return found


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([need("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    return cert, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def upload_through(client: httpx.Client, base: str, secret: str) -> httpx.Response:
    page = client.get(f"{base}/s/{secret}")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token, page.status_code
    return client.post(f"{base}/s/{secret}/upload", data={"csrf": token.group(1)}, headers={"Origin": base},
                       files={"workbook": (SAMPLE_BOOK.name, SAMPLE_BOOK.read_bytes())})


def test_the_desk_serves_https_with_hsts_and_its_links_say_https(tmp_path: Path, certificate: tuple[Path, Path],
                                                                 store_url: str | None) -> None:
    cert, key = certificate
    desk = create_desk(tmp_path / "desk", store=store_url)
    with Server.of(desk, "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)) as server:
        assert server.url.startswith("https://127.0.0.1:")
        with httpx.Client(verify=ssl.create_default_context(cafile=str(cert)), follow_redirects=False,
                          timeout=30) as client:
            east = next(w for w in desk.streets() if w.name == "东风街道")
            page = client.get(f"{server.url}/s/{east.secret}")
            assert page.status_code == 200
            assert page.headers["strict-transport-security"].startswith("max-age=")
            assert upload_through(client, server.url, east.secret).status_code == 303
            links = client.get(f"{server.url}/a/{desk.admin().secret}/links.csv").content.decode("utf-8-sig")
            assert f"{server.url}/s/{east.secret}" in links
        with pytest.raises(httpx.HTTPError):  # plain HTTP on the HTTPS port: no answer
            httpx.get(server.url.replace("https://", "http://") + f"/s/{east.secret}", timeout=5)


def test_a_certificate_that_cannot_be_used_is_one_sentence_and_nothing_is_made(tmp_path: Path,
                                                                               certificate: tuple[Path, Path]) -> None:
    cert, _ = certificate
    other = tmp_path / "other-key.pem"
    subprocess.run([need("openssl"), "genrsa", "-out", str(other), "2048"], check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "kaohe", "serve", "--data", str(tmp_path / "新平台"), "--port", "0",
                           "--ssl-certfile", str(cert), "--ssl-keyfile", str(other)],
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "无法使用证书" in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "新平台").exists()


def recipe(page: str = "desk.md") -> str:
    """An nginx recipe of the guide, as a bureau would copy it (the same in both languages)."""
    blocks = [re.search(r"```nginx\n(.*?)```", (ROOT / "docs" / lang / page).read_text(encoding="utf-8"), re.S)
              for lang in ("zh", "en")]
    assert blocks[0] and blocks[1] and blocks[0].group(1) == blocks[1].group(1)
    return blocks[0].group(1)


@contextmanager
def nginx_running(tmp_path: Path, site: str, cert: Path, key: Path, outside: int) -> Iterator[None]:
    """A real nginx with `site` (a recipe of the guide) listening on 127.0.0.1:`outside` with the test's
    certificate, in a prefix of its own; stopped at the end."""
    nginx = need("nginx")
    site = (site.replace("listen 443 ssl;", f"listen 127.0.0.1:{outside} ssl;")
            .replace("/etc/ssl/kaohe/cert.pem", str(cert)).replace("/etc/ssl/kaohe/key.pem", str(key)))
    prefix = tmp_path / "nginx"
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True)
    os.chmod(prefix / "tmp", 0o777)
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{\naccess_log off;\nclient_body_temp_path {prefix}/tmp/body;\nproxy_temp_path {prefix}/tmp/proxy;\n"
        f"fastcgi_temp_path {prefix}/tmp/fcgi;\nuwsgi_temp_path {prefix}/tmp/uwsgi;\n"
        f"scgi_temp_path {prefix}/tmp/scgi;\n"
        f"{site}\n}}\n", encoding="utf-8")
    proxy = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", outside), timeout=1).close()
                break
            except OSError:
                assert proxy.poll() is None, proxy.stderr.read() if proxy.stderr else ""
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.2)
        yield
    finally:
        proxy.terminate()
        proxy.wait(10)


def from_another_pc(cert: Path) -> httpx.Client:
    """A client from another loopback address, as another PC: the desk must log it, not nginx's 127.0.0.1."""
    transport = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=str(cert)), local_address="127.0.0.5")
    return httpx.Client(transport=transport, follow_redirects=False, timeout=30)


def test_the_guides_nginx_recipe_runs_as_written_in_front_of_the_desk(tmp_path: Path, certificate: tuple[Path, Path],
                                                                      store_url: str | None) -> None:
    cert, key = certificate
    outside = free_port()
    public = f"https://127.0.0.1:{outside}"
    desk = create_desk(tmp_path / "desk", store=store_url)
    with Server.of(desk, "--host", "127.0.0.1", "--url", public) as server:
        server_port = int(server.url.rsplit(":", 1)[1])
        site = recipe().replace("http://127.0.0.1:8000", f"http://127.0.0.1:{server_port}")
        with nginx_running(tmp_path, site, cert, key, outside), from_another_pc(cert) as client:
            east = next(w for w in desk.streets() if w.name == "东风街道")
            page = client.get(f"{public}/s/{east.secret}")
            assert page.status_code == 200 and "strict-transport-security" in page.headers
            assert upload_through(client, public, east.secret).status_code == 303  # the origin check passes
            links = client.get(f"{public}/a/{desk.admin().secret}/links.csv").content.decode("utf-8-sig")
            assert f"{public}/s/{east.secret}" in links
            forged = client.get(f"{public}/s/{east.secret}", headers={"Host": "evil.example"})
            assert forged.status_code in (400, 421)
        log = desk.log_lines()
        uploads = [e for e in log if e["action"] == "upload"]
        assert len(uploads) == 1 and uploads[0]["client"] == "127.0.0.5"  # X-Forwarded-For, from nginx
        assert len(desk.versions()) == 1


def test_the_deployment_pages_two_processes_behind_nginx_share_the_work_and_survive_one_stopping(
        tmp_path: Path, certificate: tuple[Path, Path], pg_store: str) -> None:
    """The deployment page's recipe as written: two kaohe serve --store processes behind one nginx upstream;
    uploads through it are kept, and when one process is killed the other takes every request, uploads
    included."""
    cert, key = certificate
    outside, first, second = free_port(), free_port(), free_port()
    public = f"https://127.0.0.1:{outside}"
    desk = create_desk(tmp_path / "desk", store=pg_store)
    site = (recipe("deployment.md").replace("127.0.0.1:8001", f"127.0.0.1:{first}")
            .replace("127.0.0.1:8002", f"127.0.0.1:{second}"))
    one = Server.of(desk, "--host", "127.0.0.1", "--port", str(first), "--url", public)
    one.data = tmp_path / "one"  # each process a working folder of its own
    two = Server.of(desk, "--host", "127.0.0.1", "--port", str(second), "--url", public)
    two.data = tmp_path / "two"
    with one, two, nginx_running(tmp_path, site, cert, key, outside), from_another_pc(cert) as client:
        east = next(w for w in desk.streets() if w.name == "东风街道")
        for _ in range(3):  # round robin: each process takes some
            assert upload_through(client, public, east.secret).status_code == 303
        for server in (one, two):  # both took some: a process keeps a copy of each version it received
            assert list(server.data.rglob("versions/*/*")), server.data
        one.kill()  # a process gone: nginx passes what it cannot deliver to the other
        for _ in range(3):
            assert client.get(f"{public}/s/{east.secret}").status_code == 200
            assert upload_through(client, public, east.secret).status_code == 303
    assert len(desk.versions()) == 6
    assert {e["client"] for e in desk.log_lines() if e["action"] == "upload"} == {"127.0.0.5"}
