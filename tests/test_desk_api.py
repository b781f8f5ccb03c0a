"""The desk's JSON calls, driven the way a script holding only a link would: the OpenAPI document read first,
every call found in it by its operationId."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from clerks import write_workbook
from conftest import STREET, community, good_communities, make_desk
from kaohe.desk.app import create_app
from kaohe.desk.store import Desk

HEADER = {"X-Requested-With": "kaohe"}


@pytest.fixture
def desk(request: pytest.FixtureRequest, tmp_path: Path, store: str) -> Desk:
    return make_desk(request, tmp_path / "desk", store)  # type: ignore[no-any-return]


@pytest.fixture
def client(desk: Desk) -> TestClient:
    return TestClient(create_app(desk), follow_redirects=False)


class Link:
    """A link and its OpenAPI document: call(operationId, …) finds the path and method there."""

    def __init__(self, client: TestClient, base: str) -> None:
        self.client, self.base = client, base
        doc = client.get(f"{base}/api/openapi.json")
        assert doc.status_code == 200
        self.doc = doc.json()
        self.ops = {entry["operationId"]: (path, method) for path, item in self.doc["paths"].items()
                    for method, entry in item.items()}

    def call(self, op: str, body: Any = None, files: Any = None, params: Any = None,
             headers: dict[str, str] | None = None) -> Any:
        path, method = self.ops[op]
        url = self.base + path
        sent = HEADER if headers is None else headers
        if method == "get":
            return self.client.get(url, params=params)
        if files is not None:
            return self.client.post(url, files=files, headers=sent)
        return self.client.post(url, json=body, headers=sent)


def links(client: TestClient, desk: Desk, street: str = "东风街道") -> tuple[Link, Link]:
    who = next(w for w in desk.streets() if w.name == street)
    return Link(client, f"/s/{who.secret}"), Link(client, f"/a/{desk.admin().secret}")


def book(tmp_path: Path, name: str, room_area: int = 160) -> Path:
    communities = good_communities(3)
    communities[1] = community(communities[1]["name"], room_area=room_area)
    return write_workbook(tmp_path / name / "东风街道.xlsx", dict(STREET), communities)


def upload(street: Link, path: Path) -> Any:
    return street.call("uploadSubmission", files={"file": (path.name, path.read_bytes())})


def test_the_documents_name_every_operation_of_each_link(client: TestClient, desk: Desk) -> None:
    street, bureau = links(client, desk)
    assert set(street.ops) == {"uploadSubmission", "getStreetStatus", "addComment", "fileAppeal", "listAppeals",
                               "uploadEvidence", "listEvidence", "listRectifications", "updateRectification",
                               "getEntryForm", "saveEntry", "saveEntryDraft"}
    assert set(bureau.ops) == {"listStreets", "returnSubmission", "acceptSubmission", "reopenSubmission",
                               "setDeadline", "getFigureHistory", "addComment", "reissueLink", "revokeLink",
                               "listPeople", "addPerson", "removePerson", "publishResults", "listAppeals",
                               "decideAppeal", "listEvidence", "markEvidence", "listRectifications",
                               "closeRectification"}
    assert bureau.doc["openapi"].startswith("3.") and "ReturnRequest" in bureau.doc["components"]["schemas"]


def test_the_season_loop_through_the_api(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    """upload → returned with a cell reason → the street sees it → fixes → resubmits → resolved → accepted →
    an upload refused → reopened → an upload taken."""
    street, bureau = links(client, desk)
    first = upload(street, book(tmp_path, "v1", room_area=400))
    assert first.status_code == 200, first.text
    assert (first.json()["version"], first.json()["state"]) == (1, "submitted")
    history = bureau.call("getFigureHistory", params={"street": "东风街道", "community": "锦绣社区",
                                                      "field": "room_area"}).json()
    assert [(h["value"], h["version"]) for h in history] == [(400.0, 1)]
    cell = f"{history[0]['sheet']}!{history[0]['cell']}"
    returned = bureau.call("returnSubmission", {"street": "东风街道", "reason": "面积与去年相差一倍，请核实",
                                                "cells": [cell]})
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    status = street.call("getStreetStatus").json()
    assert status["state"] == "returned"
    assert [(r["cell"], r["resolved"]) for r in status["reasons"]] == [(None, False), (cell, False)]
    second = upload(street, book(tmp_path, "v2", room_area=200))
    assert (second.json()["version"], second.json()["state"]) == (2, "submitted")
    status = street.call("getStreetStatus").json()
    assert [(r["cell"], r["resolved"]) for r in status["reasons"]] == [(None, True), (cell, True)]
    assert bureau.call("acceptSubmission", {"street": "东风街道"}).json()["state"] == "accepted"
    locked = upload(street, book(tmp_path, "v3"))
    assert locked.status_code == 409 and "锁定" in locked.json()["error"]
    assert bureau.call("reopenSubmission", {"street": "东风街道", "reason": "补报社区"}).json()["state"] == "submitted"
    assert upload(street, book(tmp_path, "v4")).json()["version"] == 3
    rows = {r["street"]: r for r in bureau.call("listStreets").json()}
    assert rows["东风街道"]["state"] == "submitted" and rows["东风街道"]["version"] == 3
    assert rows["人民街道"]["state"] == "missing"
    history = bureau.call("getFigureHistory", params={"street": "东风街道", "community": "锦绣社区",
                                                      "field": "room_area"}).json()
    assert [h["value"] for h in history] == [400.0, 200.0, 160.0]


def test_a_call_that_changes_something_needs_the_header_and_a_wrong_link_learns_nothing(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    street, bureau = links(client, desk)
    refused = bureau.call("setDeadline", {"deadline": "2005-12-20"}, headers={})
    assert refused.status_code == 403 and "X-Requested-With" in refused.json()["error"]
    assert client.get("/a/nonsense/api/streets").status_code == 404
    assert client.get(f"{street.base}/api/streets").status_code == 404  # a street's link is not the bureau's
    assert client.get(f"{bureau.base}/api/status").status_code == 404


def test_a_deadline_marks_the_late_and_comments_are_kept(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    street, bureau = links(client, desk)
    assert bureau.call("setDeadline", {"deadline": "2005-12-20"}).json()["deadline"].startswith("2005-12-20T23:59")
    assert bureau.call("setDeadline", {"deadline": "下周一"}).status_code == 409
    upload(street, book(tmp_path, "v1"))
    rows = {r["street"]: r["late"] for r in bureau.call("listStreets").json()}
    assert rows["东风街道"] is True and rows["人民街道"] is True  # 2005's deadline has long passed
    assert street.call("getStreetStatus").json()["deadline"].startswith("2005-12-20")
    said = street.call("addComment", {"field": "room_area", "community": "锦绣社区", "text": "新建的活动室已投用"})
    assert said.status_code == 200 and said.json()["who"] == "东风街道"
    answered = bureau.call("addComment", {"street": "东风街道", "text": "收到"})
    assert answered.json()["who"] == "管理员"
    assert [c.text for c in desk.comments("东风街道")] == ["新建的活动室已投用", "收到"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_guides_api_example_runs_against_a_real_desk(tmp_path: Path, lang: str, store_url: str | None) -> None:
    """docs/*/desk.md's Python example, its link replaced by a real server's bureau link, run as a user would."""
    import re
    import subprocess
    import sys

    from desk_server import Server, create_desk

    page = (Path(__file__).resolve().parents[1] / "docs" / lang / "desk.md").read_text(encoding="utf-8")
    code = re.findall(r"```python\n(.*?)```", page, re.S)[-1]
    with Server.of(create_desk(tmp_path / "desk", store=store_url)) as server:
        desk = server.desk
        import urllib.request

        who = next(w for w in desk.streets() if w.name == "东风街道")
        path = book(tmp_path, "v1")
        boundary = "kaohe-test-boundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.xlsx\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + \
            f"\r\n--{boundary}--\r\n".encode()
        sent = urllib.request.Request(f"{server.url}/s/{who.secret}/api/submission", data=body, method="POST",
                                      headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                               "X-Requested-With": "kaohe"})
        with urllib.request.urlopen(sent) as answer:
            assert answer.status == 200
        link = f"{server.url}/a/{desk.admin().secret}"
        code = re.sub(r'BUREAU = "[^"]+"', f'BUREAU = "{link}"', code)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert "东风街道 returned" in out.stdout and "人民街道 missing None" in out.stdout
        assert desk.state("东风街道") == "returned"


def test_people_and_links_through_the_documented_calls(client: TestClient, desk: Desk) -> None:
    street, bureau = links(client, desk)
    added = bureau.call("addPerson", {"name": "王核查", "role": "inspector"})
    assert added.status_code == 200 and added.json()["link"]
    assert [p["name"] for p in bureau.call("listPeople").json()] == ["管理员", "王核查"]
    inspector = Link(client, "/" + added.json()["link"].split("/", 3)[3])
    assert inspector.call("listStreets").status_code == 200
    refused = inspector.call("acceptSubmission", {"street": "东风街道"})
    assert refused.status_code == 403 and "核查员" in refused.json()["error"]
    assert inspector.call("addPerson", {"name": "x", "role": "admin"}).status_code == 403
    moved = bureau.call("reissueLink", {"street": "东风街道"})
    assert moved.status_code == 200
    assert street.call("getStreetStatus").status_code == 404  # the old link
    assert bureau.call("revokeLink", {"street": "东风街道"}).json()["link"] is None
    assert bureau.call("removePerson", {"name": "王核查"}).status_code == 200
    assert inspector.call("listStreets").status_code == 404
    assert bureau.call("addPerson", {"name": "王核查", "role": "boss"}).status_code == 422
