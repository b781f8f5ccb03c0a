"""Rectification (整改): a closed period's missed targets and overstated figures become items with a due date;
the street reports progress, the bureau closes or returns them; open items reach the next period's pages and
its scorecard (a 整改 sheet) — and, exported, `kaohe assess --rectifications` carries them without the desk.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from starlette.testclient import TestClient

from kaohe.desk.store import Desk
from kaohe.resources import SAMPLE_SUBMISSIONS, bundled
from test_desk import csrf_of, street, text_of, upload

SAMPLE = bundled(SAMPLE_SUBMISSIONS)
HEADER = {"X-Requested-With": "kaohe"}



def test_a_closed_period_leaves_items_the_street_reports_on_and_the_bureau_closes(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    east, build = street(desk, "东风街道"), street(desk, "建设街道")
    assert upload(client, east.secret, SAMPLE / "东风街道.xlsx").status_code == 303
    assert upload(client, build.secret, SAMPLE / "建设街道.ods").status_code == 303
    admin = desk.admin().secret
    token = csrf_of(client.get(f"/a/{admin}").text)
    findings = bundled("data/2005/核查/核查结果.csv").read_bytes()
    assert client.post(f"/a/{admin}/findings", data={"csrf": token},
                       files={"findings": ("核查结果.csv", findings)}).status_code == 303
    report = client.get(f"/a/{admin}/report.json").json()
    from kaohe import api

    bonus = {t.id for t in api.load_targets(desk.targets_path).targets if t.bonus}
    missed = {(s["name"], t["id"]) for s in report["streets"] if s["submitted"]
              for t in s["targets"] if t["met"] is False and t["max_points"] and t["id"] not in bonus}
    overstated = {(s["name"], c["field"]) for s in report["streets"] if s.get("verification")
                  for c in s["verification"]["changes"] if c["overstated"]}
    assert missed and overstated
    assert client.post(f"/a/{admin}/close", data={"csrf": token}).status_code == 303
    items = client.get(f"/a/{admin}/api/rectifications").json()
    assert {(i["street"], i["target"]) for i in items if i["kind"] == "missed"} == missed
    assert {(i["street"], i["target"]) for i in items if i["kind"] == "overstated"} == overstated
    assert all(i["state"] == "open" and i["due"] for i in items)
    # the street sees its own items only, and reports progress
    mine = client.get(f"/s/{build.secret}/api/rectifications").json()
    assert mine and {i["street"] for i in mine} == {"建设街道"}
    first = mine[0]["id"]
    theirs = client.post(f"/s/{east.secret}/api/rectifications/update", json={"id": first, "text": "x"},
                         headers=HEADER)
    assert theirs.status_code == 409  # another street's item
    done = client.post(f"/s/{build.secret}/api/rectifications/update",
                       json={"id": first, "text": "已新建社区服务站两处，照片见佐证材料"}, headers=HEADER)
    assert done.status_code == 200 and done.json()["state"] == "reported"
    returned = client.post(f"/a/{admin}/api/rectifications/close",
                           json={"id": first, "reason": "请补充验收材料", "returned": True}, headers=HEADER)
    assert returned.json()["state"] == "returned"
    # the next period: open items on both pages and on the scorecard's 整改 sheet
    assert client.post(f"/a/{admin}/open", data={"csrf": token, "period": "2006"}).status_code == 303
    page = text_of(client.get(f"/s/{build.secret}").text)
    assert "整改事项" in page and "请补充验收材料" in page and "已新建社区服务站两处" in page
    assert "整改事项" in text_of(client.get(f"/a/{admin}").text)
    assert upload(client, build.secret, SAMPLE / "建设街道.ods").status_code == 303
    card = tmp_path / "card.xlsx"
    card.write_bytes(client.get(f"/a/{admin}/scorecard.xlsx").content)
    sheet = load_workbook(card)["整改"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "建设街道" in cells and "退回" in cells and "2005" in cells
    # closed: gone from the open lists, kept in the record
    closed = client.post(f"/a/{admin}/api/rectifications/close", json={"id": first, "reason": "验收合格"},
                         headers=HEADER)
    assert closed.json()["state"] == "closed"
    assert all(i["id"] != first for i in client.get(f"/a/{admin}/api/rectifications").json()
               if i["state"] != "closed")
    # exported, the list feeds kaohe assess --rectifications: the same open items, without the desk
    listed = tmp_path / "整改清单.csv"
    listed.write_bytes(client.get(f"/a/{admin}/rectifications.csv").content)
    out = tmp_path / "结果.xlsx"
    cli = subprocess.run([sys.executable, "-m", "kaohe", "assess", str(desk.submissions), "--targets",
                          str(desk.targets_path), "--rectifications", str(listed), "--out", str(out)],
                         capture_output=True, text=True, encoding="utf-8")
    assert cli.returncode == 0, cli.stderr
    rows = [c for row in load_workbook(out)["整改"].iter_rows(values_only=True) for c in row if c is not None]
    still_open = [i for i in client.get(f"/a/{admin}/api/rectifications").json() if i["state"] != "closed"]
    assert f"上期及以前未销号的整改事项：{len(still_open)} 项" in rows  # the closed one left out
