"""Publication (公示) and appeals (申诉) on the desk: published for a window, appealed, decided, applied.

The desk writes the decided appeals as an appeals file, so its final scores are `kaohe assess --verified
findings/ --appeals appeals/…csv` on the served folder — the same as a bureau without the desk would compute.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from starlette.testclient import TestClient

from kaohe.desk.store import Desk
from kaohe.resources import SAMPLE_SUBMISSIONS, bundled
from test_desk import csrf_of, street, text_of, upload

SAMPLE = bundled(SAMPLE_SUBMISSIONS)
HEADER = {"X-Requested-With": "kaohe"}



def window(days_before: int = 1, days_after: int = 5) -> dict[str, str]:
    now = datetime.now().astimezone()
    return {"start": (now - timedelta(days=days_before)).isoformat(timespec="minutes"),
            "end": (now + timedelta(days=days_after)).isoformat(timespec="minutes")}


def test_published_appealed_upheld_and_rejected_the_final_scores_are_the_command_lines(
        client: TestClient, desk: Desk) -> None:
    names = {w.name: w for w in desk.streets()}
    sent = (("东风街道", "东风街道.xlsx"), ("建设街道", "建设街道.ods"), ("人民街道", "人民街道(修改).xlsx"))
    for name, file in sent:
        assert upload(client, names[name].secret, SAMPLE / file).status_code == 303
    admin = desk.admin().secret
    east, build, people_ = names["东风街道"].secret, names["建设街道"].secret, names["人民街道"].secret
    # before publication: no appeal
    early = client.post(f"/s/{east}/api/appeals", json={"target": "center-area", "reason": "x"}, headers=HEADER)
    assert early.status_code == 409 and "公示期" in early.json()["error"]
    published = client.post(f"/a/{admin}/api/publication", json=window(), headers=HEADER)
    assert published.status_code == 200 and len(published.json()["sha256"]) == 64
    page = text_of(client.get(f"/s/{east}").text)
    assert "考核初步结果公示" in page and "建设街道" in page and "人民街道" in page  # the district's table
    # appeals from two streets: one on a figure-free target with points, one rejected
    filed = client.post(f"/s/{build}/api/appeals", json={"target": "service-projects", "reason": "创新项目未计入"},
                        headers=HEADER).json()
    other = client.post(f"/s/{people_}/api/appeals", json={"target": "center-area", "reason": "面积算错"},
                        headers=HEADER).json()
    assert client.get(f"/s/{east}/api/appeals").json() == []  # another street's appeals are not listed
    listed = client.get(f"/a/{admin}/api/appeals").json()
    assert [(a["id"], a["street"], a["state"]) for a in listed] == [(filed["id"], "建设街道", "open"),
                                                                     (other["id"], "人民街道", "open")]
    too_many = client.post(f"/a/{admin}/api/appeals/decide", json={"id": filed["id"], "decision": "upheld",
                                                                    "reason": "创新", "points": 5}, headers=HEADER)
    assert too_many.status_code == 409 and "3" in too_many.json()["error"]  # the targets file allows 3
    before = {s["name"]: s["score"] for s in client.get(f"/a/{admin}/report.json").json()["streets"]}
    up = client.post(f"/a/{admin}/api/appeals/decide", json={"id": filed["id"], "decision": "upheld",
                                                             "reason": "经区里认定为创新项目", "points": 2},
                     headers=HEADER)
    assert up.status_code == 200 and up.json()["state"] == "upheld"
    down = client.post(f"/a/{admin}/api/appeals/decide", json={"id": other["id"], "decision": "rejected",
                                                               "reason": "未提供新的证明材料"}, headers=HEADER)
    assert down.status_code == 200
    served = client.get(f"/a/{admin}/report.json").json()
    after = {s["name"]: s["score"] for s in served["streets"]}
    assert after["建设街道"] == pytest.approx(before["建设街道"] + 2) and after["人民街道"] == before["人民街道"]
    assert [d["decision"] for d in served["appeals"]["decisions"]] == ["upheld", "rejected"]
    # the same as the command line on the folder the desk keeps
    cli = subprocess.run([sys.executable, "-m", "kaohe", "assess", str(desk.submissions), "--targets",
                          str(desk.targets_path), "--appeals", str(desk.appeals_file), "--format", "json"],
                         capture_output=True, text=True, encoding="utf-8")
    assert cli.returncode == 0, cli.stderr
    served.pop("desk")
    assert json.loads(cli.stdout) == served
    # the street sees the decision on its page
    mine = text_of(client.get(f"/s/{build}").text)
    assert "第 1 号申诉" in mine and "支持" in mine and "经区里认定为创新项目" in mine
    theirs = text_of(client.get(f"/s/{people_}").text)
    assert "驳回" in theirs and "未提供新的证明材料" in theirs and "经区里认定" not in theirs
    # decided once only; the log has every step
    again = client.post(f"/a/{admin}/api/appeals/decide", json={"id": other["id"], "decision": "upheld",
                                                                "reason": "x", "points": 1}, headers=HEADER)
    assert again.status_code == 409
    actions = [line["action"] for line in desk.log_lines()]
    assert actions.count("appeal") == 2 and actions.count("appeal-decided") == 2 and "published" in actions


def test_an_upheld_appeal_on_a_figure_replaces_the_figure_and_pages_forms_work(client: TestClient, desk: Desk) -> None:
    east = street(desk, "东风街道")
    assert upload(client, east.secret, SAMPLE / "东风街道.xlsx").status_code == 303
    admin = desk.admin().secret
    token = csrf_of(client.get(f"/a/{admin}").text)
    assert client.post(f"/a/{admin}/publish", data={"csrf": token, **window()}).status_code == 303
    page = client.get(f"/s/{east.secret}")
    r = client.post(f"/s/{east.secret}/appeal", data={"csrf": csrf_of(page.text), "target": "center-area",
                                                      "reason": "二楼 1000 平方米有产权证明"})
    assert r.status_code == 200 and "已提交第 1 号申诉" in text_of(r.text)
    r = client.post(f"/a/{admin}/appeal/1", data={"csrf": token, "decision": "upheld", "value": "900",
                                                  "reason": "按产权证明核定"})
    assert r.status_code == 303
    report = client.get(f"/a/{admin}/report.json").json()
    east_row = next(s for s in report["streets"] if s["name"] == "东风街道")
    target = next(t for t in east_row["targets"] if t["id"] == "center-area")
    assert target["met"] is False and target["actual"] == 900  # the figure the bureau decided, applied
    rows = desk.appeals_file.read_text(encoding="utf-8-sig").splitlines()
    assert rows[1].startswith("1,东风街道,,社区服务中心使用面积,900,支持,")


def test_publication_needs_a_window_that_ends_after_it_starts_and_closes_appeals_after_it(
        client: TestClient, desk: Desk) -> None:
    east = street(desk, "东风街道")
    assert upload(client, east.secret, SAMPLE / "东风街道.xlsx").status_code == 303
    admin = desk.admin().secret
    bad = client.post(f"/a/{admin}/api/publication", json={"start": "2005-12-20", "end": "2005-12-10"},
                      headers=HEADER)
    assert bad.status_code == 409
    past = client.post(f"/a/{admin}/api/publication", json=window(days_before=10, days_after=-5), headers=HEADER)
    assert past.status_code == 200
    late = client.post(f"/s/{east.secret}/api/appeals", json={"target": "center-area", "reason": "x"},
                       headers=HEADER)
    assert late.status_code == 409
    assert "考核初步结果公示" not in text_of(client.get(f"/s/{east.secret}").text)


def test_after_the_close_no_appeal_is_filed_or_decided(client: TestClient, desk: Desk) -> None:
    east = street(desk, "东风街道")
    assert upload(client, east.secret, SAMPLE / "东风街道.xlsx").status_code == 303
    admin = desk.admin().secret
    assert client.post(f"/a/{admin}/api/publication", json=window(), headers=HEADER).status_code == 200
    filed = client.post(f"/s/{east.secret}/api/appeals", json={"target": "center-area", "reason": "x"},
                        headers=HEADER).json()
    token = csrf_of(client.get(f"/a/{admin}").text)
    assert client.post(f"/a/{admin}/close", data={"csrf": token}).status_code == 303
    late = client.post(f"/s/{east.secret}/api/appeals", json={"target": "center-area", "reason": "y"},
                       headers=HEADER)
    assert late.status_code == 409
    decided = client.post(f"/a/{admin}/api/appeals/decide", json={"id": filed["id"], "decision": "upheld",
                                                                  "reason": "x", "points": 1}, headers=HEADER)
    assert decided.status_code == 409 and not desk.appeals_file.exists()
