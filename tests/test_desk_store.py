"""The desk on a shared PostgreSQL store: several processes, a process killed, the database restarted, the
schema migrated, a folder desk moved in and back out, districts kept apart.

Each test takes a district of its own in the session's throwaway cluster (conftest.pg_cluster); the servers are
real `kaohe serve --store … --port 0` processes, each with a working folder of its own.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2 as httpx

from desk_server import Server, district, post_workbook
from kaohe.desk.store import Desk
from kaohe.resources import DEFAULT_TARGETS, SAMPLE_ROSTER, SAMPLE_SUBMISSIONS, bundled


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def new_district(store: str, folder: Path, roster: Path | None = None) -> Desk:
    return Desk.create(folder, bundled(DEFAULT_TARGETS), roster or bundled(SAMPLE_ROSTER), None, store=store,
                       district=f"区{uuid.uuid4().hex[:8]}")


def serve(desk: Desk, folder: Path) -> Server:
    assert desk.store is not None
    return Server(folder, "--store", desk.store, "--district", desk.district)


def consistent(desk: Desk) -> None:
    """Every version row's bytes are in the store under its name with its hash, and no version file is
    kept without a row."""
    with desk.database.transaction(write=False) as db:
        files = {str(n): (str(h), int(size)) for n, h, size in db.execute(
            "SELECT name, sha256, size FROM files WHERE name LIKE 'versions/%'")}
    rows = {v.file: (v.sha256, v.size) for p in desk.periods() for v in desk.versions(period=p.period)}
    assert files == rows


def test_two_processes_serve_one_district_each_sees_what_the_other_did(own_store: str, tmp_path: Path) -> None:
    roster, books = district(tmp_path / "district", 12)
    desk = new_district(own_store, tmp_path / "maker", roster)
    secrets = {w.name: w.secret for w in desk.streets()}
    admin = desk.admin().secret
    names = list(books)
    with serve(desk, tmp_path / "p1") as one, serve(desk, tmp_path / "p2") as two, \
            httpx.Client(timeout=120) as client:
        servers = [one, two]
        answered: list[tuple[str, int]] = []

        def clerk(i: int) -> None:  # uploads at once, every other street through the other process
            with httpx.Client(timeout=120) as own:
                status, _ = post_workbook(own, servers[i % 2].url, secrets[names[i]], books[names[i]])
                answered.append((names[i], status))

        threads = [threading.Thread(target=clerk, args=(i,)) for i in range(len(names))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        assert sorted(answered) == sorted((n, 303) for n in names)
        # each process's bureau page counts every upload, whichever process took it
        for server in servers:
            report = client.get(f"{server.url}/a/{admin}/report.json").json()
            assert report["district"]["streets_submitted"] == 12
        # a review made through one process is the state the other shows; the street's next upload is refused
        page = client.get(f"{one.url}/a/{admin}/street/0").text
        token = page.split('name="csrf" value="')[1].split('"')[0]
        r = client.post(f"{one.url}/a/{admin}/street/0/review", data={"csrf": token, "action": "accepted",
                                                                         "reason": ""})
        assert r.status_code in (200, 303), r.text
        assert Desk.open(tmp_path / "reader", store=own_store, district=desk.district).state(names[0]) == "accepted"
        status, _ = post_workbook(client, two.url, secrets[names[0]], books[names[0]])
        assert status == 409
        # a link re-issued through one process is dead in the other at once
        r = client.post(f"{one.url}/a/{admin}/street/0/link", data={"csrf": token, "action": "reissue"})
        assert r.status_code in (200, 303), r.text
        assert client.get(f"{two.url}/s/{secrets[names[1]]}").status_code == 200
        assert client.get(f"{two.url}/s/{secrets[names[0]]}").status_code == 404
    consistent(desk)


def test_kill_9_of_one_process_during_uploads_loses_nothing_answered(own_store: str, tmp_path: Path) -> None:
    roster, books = district(tmp_path / "district", 8)
    desk = new_district(own_store, tmp_path / "maker", roster)
    secrets = {w.name: w.secret for w in desk.streets()}
    answered: list[tuple[str, str]] = []
    one = serve(desk, tmp_path / "p1").start()
    two = serve(desk, tmp_path / "p2").start()
    stop = threading.Event()

    def clerk(i: int, name: str) -> None:
        server = one if i % 2 else two
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                try:
                    status, _ = post_workbook(client, server.url, secrets[name], books[name])
                except (httpx.TransportError, AssertionError):
                    if server is one:
                        return  # killed: its clerks stop
                    continue
                if status == 303:
                    answered.append((name, sha(books[name])))

    threads = [threading.Thread(target=clerk, args=(i, n)) for i, n in enumerate(books)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(answered) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        one.kill()  # in the middle of its uploads
        time.sleep(1.5)  # the other goes on taking uploads
        stop.set()
        for t in threads:
            t.join(60)
        assert answered, "no upload finished before the kill: the test proved nothing"
        stored = [(v.street, v.sha256) for v in desk.versions()]
        for item in set(answered):  # every upload answered as stored is a row
            assert stored.count(item) >= answered.count(item), item
        consistent(desk)
        with httpx.Client(timeout=30) as client:  # the survivor carries on
            name = next(iter(books))
            assert post_workbook(client, two.url, secrets[name], books[name])[0] == 303
    finally:
        stop.set()
        one.kill()
        two.stop()


def test_postgresql_restarted_during_uploads_refuses_clearly_and_loses_nothing(pg_cluster: Any, own_store: str,
                                                                               tmp_path: Path) -> None:
    """The database stopped for two seconds under uploads: a request it cut is refused with the store-down
    sentence (never a 500), a request that arrives meanwhile waits for it; nothing answered is lost, and the
    uploads go on."""
    roster, books = district(tmp_path / "district", 6)
    desk = new_district(own_store, tmp_path / "maker", roster)
    secrets = {w.name: w.secret for w in desk.streets()}
    answered: list[tuple[str, str]] = []
    refusals: list[str] = []
    outage: list[float] = []  # (start, end) of the database's stop
    slowest: list[tuple[float, float]] = []  # (start, end) of every request
    stop = threading.Event()
    with serve(desk, tmp_path / "p1") as server:
        def clerk(name: str) -> None:
            with httpx.Client(timeout=60) as client:
                while not stop.is_set():
                    began = time.monotonic()
                    try:
                        page = client.get(f"{server.url}/s/{secrets[name]}")
                        if page.status_code != 200:
                            refusals.append(f"{page.status_code} {page.text}")
                            time.sleep(0.1)
                            continue
                        token = page.text.split('name="csrf" value="')[1].split('"')[0]
                        r = client.post(f"{server.url}/s/{secrets[name]}/upload", data={"csrf": token},
                                        files={"workbook": (books[name].name, books[name].read_bytes())})
                    except httpx.TransportError:
                        continue
                    slowest.append((began, time.monotonic()))
                    if r.status_code == 303:
                        answered.append((name, sha(books[name])))
                    else:
                        refusals.append(f"{r.status_code} {r.text}")

        threads = [threading.Thread(target=clerk, args=(n,)) for n in books]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(answered) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        before = len(answered)
        outage.append(time.monotonic())
        pg_cluster.stop("fast")  # every connection cut
        time.sleep(2)
        pg_cluster.start()
        outage.append(time.monotonic())
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(90)
        assert before, "no upload before the restart: the test proved nothing"
        seen = refusals or [1 for a, b in slowest if a < outage[0] + 0.5 and b > outage[1]]
        assert seen, "no request met the outage: the test proved nothing"
        assert all(text.startswith("503") and ("数据库" in text or "database" in text.lower()) for text in refusals), \
            (refusals[:3], "".join(server.output)[-2000:])
        assert len(answered) > before  # taken again after it
        stored = [(v.street, v.sha256) for v in desk.reopened(tmp_path / "reader").versions()]
        for item in set(answered):
            assert stored.count(item) >= answered.count(item), item
        with httpx.Client(timeout=30) as client:  # and after it, uploads are taken again
            name = next(iter(books))
            assert post_workbook(client, server.url, secrets[name], books[name])[0] == 303
    consistent(desk.reopened(tmp_path / "reader2"))


def test_a_districts_links_never_reach_another_district(pg_store: str, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from kaohe.desk.app import create_app

    first = new_district(pg_store, tmp_path / "a")
    second = new_district(pg_store, tmp_path / "b")
    one, two = TestClient(create_app(first)), TestClient(create_app(second))
    east = next(w for w in first.streets() if w.name == "东风街道")
    page = one.get(f"/s/{east.secret}")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    sample = bundled(SAMPLE_SUBMISSIONS) / "东风街道.xlsx"
    assert one.post(f"/s/{east.secret}/upload", data={"csrf": token},
                    files={"workbook": (sample.name, sample.read_bytes())}, follow_redirects=False).status_code == 303
    for secret in (east.secret, first.admin().secret):  # the same names, another district: no such link
        assert two.get(f"/s/{secret}").status_code == 404 and two.get(f"/a/{secret}").status_code == 404
    assert second.versions() == [] and len(first.versions()) == 1
    assert "upload" not in {line["action"] for line in second.log_lines()}


def test_a_password_in_the_store_url_is_refused_and_never_printed(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "kaohe", "serve", "--store", "postgresql://kaohe:秘密pw@127.0.0.1/kaohe",
                        "--port", "0"], capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert r.returncode == 1 and "PGPASSWORD" in r.stderr and "秘密pw" not in r.stderr + r.stdout


def test_migrations_take_a_store_and_a_folder_from_the_first_schema(pg_cluster: Any, tmp_path: Path) -> None:
    """A district made at schema 1 (as kaohe 0.1 made it), with rows, opens at the latest schema, rows kept;
    a folder desk made before the schema had a version is migrated the same way."""
    import sqlite3

    from kaohe.desk.backend import SCHEMA_VERSION, migrations, statements

    assert SCHEMA_VERSION >= 2  # there is a migration past the first to prove
    url = pg_cluster.database(f"m{uuid.uuid4().hex[:8]}")
    desk = new_district(url, tmp_path / "pg")
    desk.comment("东风街道", "第一版时写下的意见", "管理员")
    with desk.database.transaction(write=False) as db, db.conn.transaction():  # back to schema 1
        for _version, sql in migrations()[1:]:
            for statement in reversed(statements(sql, "postgresql")):
                name = statement.split()[5] if statement.startswith("CREATE INDEX IF NOT EXISTS") else None
                if name:
                    db.execute(f"DROP INDEX {name}")
        db.execute("DELETE FROM schema_version WHERE version > 1")
    desk.close()
    again = desk.reopened(tmp_path / "pg2")
    with again.database.transaction(write=False) as db:
        assert db.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        indexes = {r[0] for r in db.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")}
    assert "comments_by_street" in indexes
    assert [c.text for c in again.comments("东风街道")] == ["第一版时写下的意见"]
    again.close()
    # a folder desk from before versioning: the first schema's tables, no schema_version
    folder = tmp_path / "old"
    folder.mkdir()
    old = sqlite3.connect(folder / "desk.sqlite")
    for statement in statements(migrations()[0][1], "sqlite"):
        if " files " not in statement and " log " not in statement:
            old.execute(statement)
    old.commit()
    old.close()
    made = Desk.create(tmp_path / "made", bundled(DEFAULT_TARGETS), bundled(SAMPLE_ROSTER), None)
    copy = sqlite3.connect(folder / "desk.sqlite")
    source = sqlite3.connect(made.db)
    for table in ("settings", "streets", "periods"):
        for row in source.execute(f"SELECT * FROM {table}"):
            copy.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
    copy.commit()
    for name in ("targets.yaml", made.setting("roster")):
        (folder / name).write_bytes((made.root / name).read_bytes())
    opened = Desk.open(folder)
    with sqlite3.connect(folder / "desk.sqlite") as db:
        assert db.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert [w.secret for w in opened.streets()] == [w.secret for w in made.streets()]


def test_a_folder_desk_moves_into_the_store_and_back_out_whole(pg_store: str, tmp_path: Path) -> None:
    """migrate: every row, file and log line, the links unchanged; export: a folder kaohe serve opens and
    kaohe assess reads, the closed period's result the same."""
    from starlette.testclient import TestClient

    from kaohe.desk.app import create_app
    from kaohe.desk.moving import counts
    from kaohe.desk.service import Service

    folder = Desk.create(tmp_path / "folder", bundled(DEFAULT_TARGETS), bundled(SAMPLE_ROSTER), None)
    folder.recover()
    web = TestClient(create_app(folder), follow_redirects=False)
    for stem in ("东风街道", "和平街道", "红旗乡", "胜利街道"):
        path = bundled(SAMPLE_SUBMISSIONS) / f"{stem}.xlsx"
        who = next(w for w in folder.streets() if w.name == stem)
        token = web.get(f"/s/{who.secret}").text.split('name="csrf" value="')[1].split('"')[0]
        assert web.post(f"/s/{who.secret}/upload", data={"csrf": token},
                        files={"workbook": (path.name, path.read_bytes())}).status_code == 303
    folder.comment("东风街道", "请补充照片", "管理员")
    service = Service(folder)
    closed = service.close("zh")
    from kaohe import api

    report = service.assessment()
    assert report is not None
    recorded = api.to_document(report)
    service.open("2006")
    before = counts(folder)
    name = f"迁入{uuid.uuid4().hex[:6]}"
    r = subprocess.run([sys.executable, "-m", "kaohe", "serve", "migrate", "--from", str(folder.root), "--store",
                        pg_store, "--district", name], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 0, r.stderr
    from kaohe.desk.backend import district_of_link
    from kaohe.desk.store import _digest

    east = next(w for w in folder.streets() if w.name == "东风街道")  # any process finds its district at once
    assert district_of_link(pg_store, _digest(east.secret).hex()) == (name, district_of_link(
        pg_store, _digest(folder.admin().secret).hex())[1])  # type: ignore[index]
    assert sorted(p.name for p in folder.root.iterdir() if p.name.startswith("kaohe_")) == []  # only read
    moved = Desk.open(tmp_path / "work", store=pg_store, district=name)
    assert counts(moved) == before
    assert [(w.name, w.secret) for w in moved.streets()] == [(w.name, w.secret) for w in folder.streets()]
    assert moved.admin().secret == folder.admin().secret and moved.period == "2006"
    for v in moved.versions(period="2005"):
        assert sha(moved.path(v.file)) == v.sha256
    assert [x["action"] for x in moved.log_lines()] == [x["action"] for x in folder.log_lines()]
    assert Service(moved).course(None, "zh") is not None  # the history came along
    # and out again: a folder kaohe serve opens, whose closed period kaohe assess scores as it was recorded
    out = tmp_path / "备份 导出"
    r = subprocess.run([sys.executable, "-m", "kaohe", "serve", "export", "--store", pg_store, "--district", name,
                        "--to", str(out)], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 0, r.stderr
    back = Desk.open(out)
    assert counts(back) == before
    cli = subprocess.run([sys.executable, "-m", "kaohe", "assess", str(out / "archive" / "2005" / "submissions"),
                          "--targets", str(out / "targets.yaml"), "--period", "2005", "--format", "json"],
                         capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert cli.returncode == 0, cli.stderr
    scores = {s["name"]: s["score"] for s in json.loads(cli.stdout)["streets"]}
    assert scores == {s["name"]: s["score"] for s in recorded["streets"]}
    assert closed.period == "2005"
    again = subprocess.run([sys.executable, "-m", "kaohe", "serve", "export", "--store", pg_store, "--district", name,
                            "--to", str(out)], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert again.returncode == 1 and "覆盖" in again.stderr  # an export overwrites nothing


def test_one_process_serves_every_district_of_a_city_and_the_city_link(own_store: str, tmp_path: Path) -> None:
    """Each district's links reach its own pages through the city's process, never another district's; the city
    link shows every district's table and streets, and listDistricts is the call its OpenAPI document names."""
    from starlette.testclient import TestClient

    from kaohe.desk.app import create_app
    from kaohe.desk.city import City, create_city_app

    first, second = new_district(own_store, tmp_path / "a"), new_district(own_store, tmp_path / "b")
    city = City(own_store, tmp_path / "city", lambda d: create_app(d))
    city.refresh()
    client = TestClient(create_city_app(city), follow_redirects=False)
    sample = bundled(SAMPLE_SUBMISSIONS) / "东风街道.xlsx"
    east = next(w for w in first.streets() if w.name == "东风街道")
    page = client.get(f"/s/{east.secret}")
    assert page.status_code == 200 and "东风街道" in page.text
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    assert client.post(f"/s/{east.secret}/upload", data={"csrf": token},
                       files={"workbook": (sample.name, sample.read_bytes())}).status_code == 303
    assert [v.street for v in first.versions()] == ["东风街道"] and second.versions() == []
    # the same street of the other district: its own link, its own (empty) page
    other = next(w for w in second.streets() if w.name == "东风街道")
    assert other.secret != east.secret and "v1" not in client.get(f"/s/{other.secret}").text.lower()
    assert client.get(f"/a/{second.admin().secret}").status_code == 200
    assert client.get(f"/a/{east.secret}").status_code == 404  # a street's secret is no bureau link
    assert client.get("/s/" + "x" * 32).status_code == 404
    # the city link: both districts, their streets, and the JSON call found through its OpenAPI document
    assert client.get("/c/" + "x" * 32).status_code == 404
    home = client.get(f"/c/{city.secret}")
    assert home.status_code == 200 and first.district in home.text and second.district in home.text
    doc = client.get(f"/c/{city.secret}/api/openapi.json").json()
    path = next(p for p, item in doc["paths"].items() for entry in item.values()
                if entry["operationId"] == "listDistricts")
    listed = client.get(f"/c/{city.secret}/api{path.removeprefix('/api')}").json()
    assert {(d["district"], d["streets"], d["submitted"]) for d in listed} == {
        (first.district, len(first.streets()), 1), (second.district, len(second.streets()), 0)}
    # a district made by another process afterwards is answered too — opened once, however many of its links
    # arrive at the same moment
    from concurrent.futures import ThreadPoolExecutor

    third = new_district(own_store, tmp_path / "c")
    links = [w.secret for w in third.streets()] * 2
    with ThreadPoolExecutor(len(links)) as pool:
        found = list(pool.map(city.district_of, links))
    assert set(found) == {third.database.schema} and len(city.desks) == 3
    assert client.get(f"/a/{third.admin().secret}").status_code == 200


def test_links_of_a_citys_store_name_the_city_link_and_every_district(own_store: str, tmp_path: Path) -> None:
    first, second = new_district(own_store, tmp_path / "a"), new_district(own_store, tmp_path / "b")
    r = subprocess.run([sys.executable, "-m", "kaohe", "serve", "links", "--store", own_store, "--format", "csv",
                        "--url", "https://kaohe.example.gov.cn"], capture_output=True, text=True, encoding="utf-8",
                       timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    from kaohe.desk.backend import city_secret

    assert lines[1] == f"市级链接,https://kaohe.example.gov.cn/c/{city_secret(own_store)}"
    east = next(w for w in second.streets() if w.name == "东风街道")
    assert f"{second.district}/东风街道,https://kaohe.example.gov.cn/s/{east.secret}" in lines
    assert len(lines) == 2 + 2 * (len(first.streets()) + 1)


def test_a_close_in_one_process_racing_uploads_in_another_records_exactly_what_was_taken(
        own_store: str, tmp_path: Path) -> None:
    """Uploads go on through one process while the bureau closes the period through the other: every upload
    answered as stored is a version; none is kept after the close; what the close recorded is each street's
    latest version — nothing taken after it, nothing taken and left out."""
    roster, books = district(tmp_path / "district", 8)
    desk = new_district(own_store, tmp_path / "maker", roster)
    secrets = {w.name: w.secret for w in desk.streets()}
    answered: list[tuple[str, str]] = []
    refused: list[int] = []
    stop = threading.Event()
    with serve(desk, tmp_path / "p1") as one, serve(desk, tmp_path / "p2") as two:
        def clerk(name: str) -> None:
            with httpx.Client(timeout=60) as client:
                while not stop.is_set():
                    status, _ = post_workbook(client, two.url, secrets[name], books[name])
                    if status == 303:
                        answered.append((name, sha(books[name])))
                    else:
                        refused.append(status)
                        return

        threads = [threading.Thread(target=clerk, args=(n,)) for n in books]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(answered) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        with httpx.Client(timeout=120) as client:
            page = client.get(f"{one.url}/a/{desk.admin().secret}")
            token = page.text.split('name="csrf" value="')[1].split('"')[0]
            closed = client.post(f"{one.url}/a/{desk.admin().secret}/close", data={"csrf": token})
            assert closed.status_code in (200, 303), closed.text
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join(60)
    assert answered and refused and set(refused) == {409}  # taken before the close, refused after it
    reader = desk.reopened(tmp_path / "reader")
    stored = [(v.street, v.sha256) for v in reader.versions()]
    for item in set(answered):
        assert stored.count(item) >= answered.count(item), item
    record = next(line for line in reader.log_lines() if line["action"] == "closed")
    assert record["files"] == {v.street: v.sha256 for v in reader.latest().values()}
    assert all(v.at <= reader.period_info().closed_at for v in reader.versions())  # type: ignore[operator]


def test_kaohe_serve_on_a_store_of_several_districts_needs_no_district_and_answers_them_all(
        own_store: str, tmp_path: Path) -> None:
    first, second = new_district(own_store, tmp_path / "a"), new_district(own_store, tmp_path / "b")
    with Server(tmp_path / "work", "--store", own_store) as server, httpx.Client(timeout=60) as client:
        for desk in (first, second):
            assert client.get(f"{server.url}/a/{desk.admin().secret}").status_code == 200
            east = next(w for w in desk.streets() if w.name == "东风街道")
            assert client.get(f"{server.url}/s/{east.secret}").status_code == 200
