"""The submission desk (kaohe serve) through its HTTP interface: who sees what, what is kept, what is refused.

These run the application in-process (Starlette's TestClient); tests/test_desk_browser.py drives a real
server with a real browser, and tests/test_desk_faults.py kills it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from clerks import write_workbook
from conftest import STREET, community, good_communities, make_desk, where_args
from kaohe.desk import app as desk_app
from kaohe.desk.app import create_app
from kaohe.desk.store import Desk
from kaohe.resources import SAMPLE_SUBMISSIONS, bundled

SAMPLE = bundled(SAMPLE_SUBMISSIONS)


@pytest.fixture
def desk(request: pytest.FixtureRequest, tmp_path: Path, store: str) -> Desk:
    return make_desk(request, tmp_path / "平台 数据", store)  # type: ignore[no-any-return]


@pytest.fixture
def client(desk: Desk) -> TestClient:
    return TestClient(create_app(desk), follow_redirects=False)


def street(desk: Desk, name: str) -> Any:
    return next(w for w in desk.streets() if w.name == name)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def upload(client: TestClient, secret: str, path: Path, name: str | None = None, csrf: str | None = None) -> Any:
    token = csrf if csrf is not None else csrf_of(client.get(f"/s/{secret}").text)
    return client.post(f"/s/{secret}/upload", data={"csrf": token},
                       files={"workbook": (name or path.name, path.read_bytes())})


def workbook(tmp_path: Path, name: str, street_name: str = "东风街道", **over: Any) -> Path:
    """東风街道's workbook: good unless `over` says otherwise (room_area="约150" puts an error in a cell)."""
    communities = good_communities(3)
    if over:
        communities[1] = community(communities[1]["name"], **over)
    path = tmp_path / "clerk" / name
    path.parent.mkdir(exist_ok=True)
    return write_workbook(path, {**STREET, "name": street_name}, communities)


# ---- secrets and what a link can see


def test_every_link_has_its_own_secret_of_at_least_128_bits(desk: Desk) -> None:
    secrets = [w.secret for w in desk.streets()] + [desk.admin().secret]
    assert len(secrets) == 13 and len(set(secrets)) == 13
    for secret in secrets:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", secret)  # 32 base64url characters: 192 bits
    if desk.store is None:  # the folder's database holds the secrets (a store's: its DBA's privileges)
        assert stat.S_IMODE(desk.db.stat().st_mode) == 0o600


def test_a_wrong_secret_or_path_is_the_same_404_and_names_nothing(client: TestClient, desk: Desk) -> None:
    own = street(desk, "东风街道")
    admin = desk.admin()
    near = own.secret[:-1] + ("A" if own.secret[-1] != "A" else "B")
    bodies = set()
    for url in [f"/s/{near}", f"/s/{own.secret[:16]}", "/s/", f"/a/{own.secret}", f"/s/{admin.secret}",
                f"/a/{near}", "/submissions/", "/versions/", "/desk.sqlite", f"/s/{near}/template.xlsx",
                f"/a/{own.secret}/scorecard.xlsx", f"/a/{own.secret}/report.json", "/static/",
                "/static/../desk.sqlite"]:
        r = client.get(url)
        assert r.status_code == 404, url
        assert "东风街道" not in r.text and own.secret not in r.text
        bodies.add(r.text)
    assert len(bodies) == 1  # a guess learns nothing from the answer
    r = client.post(f"/s/{near}/upload", data={"csrf": "x"}, files={"workbook": ("a.xlsx", b"x")})
    assert r.status_code == 404


def test_every_response_has_the_security_headers(client: TestClient, desk: Desk) -> None:
    for url in ["/", f"/s/{street(desk, '东风街道').secret}", "/nothing", "/static/desk.css"]:
        headers = client.get(url).headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"  # the secret in the URL goes nowhere else
        assert headers["cache-control"] == "no-store"


# ---- a street's loop: upload, see the issues, fix, upload again


def test_a_street_uploads_sees_its_issues_fixes_them_and_every_version_is_kept(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    own = street(desk, "东风街道")
    bad = workbook(tmp_path, "东风 第一版.xlsx", room_area="约150")
    r = upload(client, own.secret, bad)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    text = text_of(page)
    assert re.search(r"社区情况!E5 锦绣社区", text)  # the cell of the bad value, as sheet!cell
    assert "应填数字" in text and "只填一个数字" in text  # the message and its fix
    assert "问题：1 个错误" in text
    assert re.search(r'class="big">\d+\.\d\d<', page)  # the provisional score

    good = workbook(tmp_path, "东风 第二版.xlsx")
    r = upload(client, own.secret, good)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "没有发现问题" in page and 'class="big">100.00<' in page

    versions = desk.versions("东风街道")
    assert [v.client_name for v in versions] == ["东风 第一版.xlsx", "东风 第二版.xlsx"]
    for v, source in zip(versions, [bad, good], strict=True):
        stored = desk.path(v.file)
        assert stored.read_bytes() == source.read_bytes()
        assert v.sha256 == hashlib.sha256(source.read_bytes()).hexdigest() and v.size == source.stat().st_size
        assert "第一版" not in stored.name and "第二版" not in stored.name  # names kaohe chooses
        assert not os.access(stored, os.W_OK) or os.geteuid() == 0
        assert stat.S_IMODE(stored.stat().st_mode) == 0o440  # read-only, for no other account
    assert [p.name for p in desk.submissions.iterdir()] == ["东风街道.xlsx"]  # only the latest counts
    assert (desk.submissions / "东风街道.xlsx").read_bytes() == good.read_bytes()
    log = desk.log_lines()
    uploads = [e for e in log if e["action"] == "upload"]
    assert [(e["who"], e["sha256"]) for e in uploads] == [("东风街道", v.sha256) for v in versions]
    # its own versions can be downloaded; the page lists them
    assert client.get(f"/s/{own.secret}/version/{versions[0].id}").content == bad.read_bytes()
    assert "东风 第一版.xlsx" in page


def test_a_street_never_sees_another_streets_anything(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    a, b = street(desk, "东风街道"), street(desk, "人民街道")
    upload(client, a.secret, workbook(tmp_path, "东风秘密.xlsx", room_area="约150"))
    version = desk.versions("东风街道")[0]
    assert client.get(f"/s/{b.secret}/version/{version.id}").status_code == 404
    page = client.get(f"/s/{b.secret}").text
    assert "东风" not in page and "约150" not in page and a.secret not in page
    # and a workbook that names another street is refused at the other street's link, not stored
    r = upload(client, b.secret, workbook(tmp_path, "冒名.xlsx", street_name="东风街道"))
    assert r.status_code == 409 and "这份表格填的是“东风街道”" in r.text
    assert desk.versions("人民街道") == [] and len(desk.versions("东风街道")) == 1


def test_a_form_without_its_token_or_from_another_site_is_refused(client: TestClient, desk: Desk,
                                                                  tmp_path: Path) -> None:
    own, other = street(desk, "东风街道"), street(desk, "人民街道")
    good = workbook(tmp_path, "东风.xlsx")
    files = {"workbook": ("东风.xlsx", good.read_bytes())}
    assert client.post(f"/s/{own.secret}/upload", files=files).status_code == 403
    assert client.post(f"/s/{own.secret}/upload", data={"csrf": "0" * 64}, files=files).status_code == 403
    other_token = csrf_of(client.get(f"/s/{other.secret}").text)  # another link's token does not fit
    assert client.post(f"/s/{own.secret}/upload", data={"csrf": other_token}, files=files).status_code == 403
    token = csrf_of(client.get(f"/s/{own.secret}").text)
    forged = client.post(f"/s/{own.secret}/upload", data={"csrf": token}, files=files,
                         headers={"origin": "http://evil.example"})
    assert forged.status_code == 403
    admin = desk.admin()
    assert client.post(f"/a/{admin.secret}/close", data={}).status_code == 403
    assert desk.versions() == [] and not desk.closed


def test_what_is_not_a_workbook_or_too_big_is_refused_with_a_reason(client: TestClient, desk: Desk,
                                                                   tmp_path: Path, monkeypatch: Any) -> None:
    own = street(desk, "东风街道")
    doc = tmp_path / "说明.docx"
    doc.write_bytes(b"PK\x03\x04 not a spreadsheet")
    r = upload(client, own.secret, doc)
    assert r.status_code == 415 and "只接收电子表格文件" in r.text
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    r = upload(client, own.secret, empty)
    assert r.status_code == 400 and "0 字节" in r.text
    monkeypatch.setattr(desk_app, "MAX_UPLOAD", 2000)
    big = workbook(tmp_path, "大.xlsx")
    r = upload(client, own.secret, big)
    assert r.status_code == 413 and "未被接收" in r.text
    assert desk.versions() == [] and list(desk.tmp.iterdir()) == []


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(client: TestClient, desk: Desk) -> None:
    own = street(desk, "东风街道")
    r = client.post(f"/s/{own.secret}/upload", content=b"x" * (desk_app.MAX_UPLOAD + 70 * 1024),
                    headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413


def test_a_hostile_workbook_is_stopped_by_the_guard_and_named(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    import zipfile

    own = street(desk, "东风街道")
    bomb = tmp_path / "东风街道.xlsx"  # a sheet that claims a grid far over the guard's limit
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
             '</sheetData></worksheet>')
    with zipfile.ZipFile(workbook(tmp_path, "src.xlsx")) as src, zipfile.ZipFile(bomb, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = sheet.encode()
            out.writestr(item, data)
    r = upload(client, own.secret, bomb)
    page = client.get(r.headers["location"]).text
    assert "无法读取" in text_of(page) or "unreadable" in page


def test_submitted_text_is_shown_as_text(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    own = street(desk, "东风街道")
    communities = good_communities(2) + [community("<script>alert(1)</script>社区", room_area="<b>大</b>"),
                                         community('=HYPERLINK("http://evil.example","点我")', room_area="x")]
    path = write_workbook(tmp_path / "东风街道.xlsx", STREET, communities)
    r = upload(client, own.secret, path)
    page = client.get(r.headers["location"]).text
    assert "<script>alert" not in page and "<b>大</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<a href=\"http://evil" not in page
    bureau = client.get(f"/a/{desk.admin().secret}").text
    assert "<script>alert" not in bureau and "&lt;script&gt;" in bureau


# ---- the bureau


def test_the_bureau_page_is_what_kaohe_assess_computes_on_the_served_folder(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    names = {w.name: w for w in desk.streets()}
    sent = {"东风街道.xlsx": "东风街道", "3.xlsx": "解放街道", "新华街道.xls": "新华街道", "建设街道.ods": "建设街道"}
    for file, name in sent.items():
        assert upload(client, names[name].secret, SAMPLE / file).status_code == 303
    admin = desk.admin()
    page = client.get(f"/a/{admin.secret}").text
    assert "已报送 4 / 12 个街道" in page
    served = client.get(f"/a/{admin.secret}/report.json").json()
    cli = subprocess.run([sys.executable, "-m", "kaohe", "assess", str(desk.submissions), "--targets",
                          str(desk.targets_path), "--format", "json"], capture_output=True, text=True,
                         encoding="utf-8")
    assert cli.returncode == 0, cli.stderr
    desk_part = served.pop("desk")  # the desk's own view of the period: states, deadline, rates
    assert json.loads(cli.stdout) == served
    assert desk_part["completeness"] == round(4 / 12, 4) and desk_part["deadline"] is None
    assert sorted(d["street"] for d in desk_part["streets"] if d["state"] == "submitted") == sorted(sent.values())
    # and the page shows those numbers: every street's score and rank as the report has them
    rows = dict(re.findall(r'data-street="([^"]+)">.*?class="num score"[^>]*>([\d.]*)<', page, re.S))
    for s in served["streets"]:
        assert rows[s["name"]] == (f"{s['score']:.2f}" if s["submitted"] else "")
    # 催报: the streets that have not submitted, with their links
    for name, who in names.items():
        if name not in sent.values():
            assert f"/s/{who.secret}" in page.split('id="chase"')[1]


def test_the_scorecard_downloads_and_opens(client: TestClient, desk: Desk) -> None:
    from openpyxl import load_workbook

    admin = desk.admin()
    assert client.get(f"/a/{admin.secret}/scorecard.xlsx").status_code == 409  # nothing to assess yet
    upload(client, street(desk, "东风街道").secret, SAMPLE / "东风街道.xlsx")
    r = client.get(f"/a/{admin.secret}/scorecard.xlsx")
    assert r.status_code == 200
    path = desk.root.parent / "card.xlsx"
    path.write_bytes(r.content)
    book = load_workbook(path, read_only=True)
    assert "总览" in book.sheetnames
    overview = [row for row in book["总览"].iter_rows(values_only=True) if row and row[0]]
    assert ("报送率", "8%") in [(row[0], row[1]) for row in overview]  # the desk's review of the period
    scores = [row for row in book["街道得分"].iter_rows(values_only=True) if row and row[1] in ("东风街道", "人民街道")]
    assert sorted((row[1], row[2]) for row in scores) == [("东风街道", "已报送"), ("人民街道", "未报送")]
    desk.review("东风街道", "accepted", "", (), "管理员")
    path.write_bytes(client.get(f"/a/{admin.secret}/scorecard.xlsx").content)
    scores = [row for row in load_workbook(path, read_only=True)["街道得分"].iter_rows(values_only=True)
              if row and row[1] == "东风街道"]
    assert scores[0][2] == "审核通过"  # the state of the review in the status column
    assert list(desk.tmp.iterdir()) == []  # the file made for the download is gone


def test_closing_refuses_uploads_records_the_period_and_the_next_one_starts_empty(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    from kaohe import api

    own = street(desk, "东风街道")
    admin = desk.admin()
    upload(client, own.secret, SAMPLE / "东风街道.xlsx")
    open_form = csrf_of(client.get(f"/s/{own.secret}").text)  # a clerk with the page open while it closes
    page = client.get(f"/a/{admin.secret}").text
    r = client.post(f"/a/{admin.secret}/close", data={"csrf": csrf_of(page)})
    assert r.status_code == 303 and desk.closed
    assert [p for p, _, _ in api.History(desk.history).periods()] == ["2005"]
    r = upload(client, own.secret, workbook(tmp_path, "晚了.xlsx"), csrf=open_form)
    assert r.status_code == 409 and "已截止" in r.text
    assert len(desk.versions("东风街道")) == 1
    assert "已截止" in client.get(f"/s/{own.secret}").text
    page = client.get(f"/a/{admin.secret}").text
    r = client.post(f"/a/{admin.secret}/open", data={"csrf": csrf_of(page), "period": "2006 年"})
    assert r.status_code == 409  # not a period label
    r = client.post(f"/a/{admin.secret}/open", data={"csrf": csrf_of(page), "period": "2006"})
    assert r.status_code == 303 and desk.period == "2006" and not desk.closed
    assert list(desk.submissions.iterdir()) == []
    assert (desk.root / "archive" / "2005" / "submissions" / "东风街道.xlsx").is_file()
    assert upload(client, own.secret, workbook(tmp_path, "新年.xlsx")).status_code == 303
    assert [v.period for v in desk.versions("东风街道", period="2006")] == ["2006"]
    page = client.get(f"/a/{admin.secret}").text
    assert "2005 → 2006" in page  # the progress over the periods, as kaohe progress shows it
    actions = [line["action"] for line in desk.log_lines()]
    assert {"created", "upload", "closed", "opened"} <= set(actions)


def test_the_pages_speak_english_when_asked(client: TestClient, desk: Desk) -> None:
    own = street(desk, "东风街道")
    r = client.get(f"/s/{own.secret}?lang=en")
    assert "Upload and check" in r.text and "上传并自查" not in r.text
    assert "kaohe_lang=en" in r.headers["set-cookie"]
    assert "Upload and check" in client.get(f"/s/{own.secret}").text  # the cookie keeps it


# ---- restarts


def test_a_restart_puts_the_folder_back_in_order(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    own = street(desk, "东风街道")
    upload(client, own.secret, SAMPLE / "东风街道.xlsx")
    # what a kill leaves: a half upload in tmp/, a version renamed in but never committed, a stray submission
    half = desk.tmp / "abc" / "东风街道.xlsx"
    half.parent.mkdir()
    half.write_bytes(b"PK\x03\x04half")
    orphan = desk.root / "versions" / "2005" / "000099-东风街道-deadbeef.xlsx"
    orphan.write_bytes(b"PK")
    (desk.submissions / "东风街道.xlsx").unlink()
    (desk.submissions / "人民街道.xlsx").write_bytes(b"stray")
    again = desk.reopened()
    again.recover()
    assert list(again.tmp.iterdir()) == [] and not orphan.exists()
    assert [p.name for p in again.submissions.iterdir()] == ["东风街道.xlsx"]
    assert (again.submissions / "东风街道.xlsx").read_bytes() == (SAMPLE / "东风街道.xlsx").read_bytes()
    assert [w.secret for w in again.streets()] == [w.secret for w in desk.streets()]


def test_a_second_server_on_the_same_folder_is_refused(desk: Desk) -> None:
    from kaohe.desk.store import DeskError

    desk.serve_lock()
    with pytest.raises(DeskError) as caught:
        desk.reopened().serve_lock()
    assert "正在被另一个 kaohe serve 使用" in caught.value.text(__import__("kaohe.words").words.Translator("zh"))


def test_the_links_command_prints_every_street_and_the_bureau(desk: Desk) -> None:
    desk.set_setting("url", "http://192.168.1.10:8000")
    r = subprocess.run([sys.executable, "-m", "kaohe", "serve", "links", *where_args(desk), "--format",
                        "csv"], capture_output=True, text=True, encoding="utf-8")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "街道名称,链接" and len(lines) == 14
    assert lines[-1] == f"管理员,http://192.168.1.10:8000/a/{desk.admin().secret}"
    assert f"东风街道,http://192.168.1.10:8000/s/{street(desk, '东风街道').secret}" in lines
    if desk.store is None:
        missing = subprocess.run([sys.executable, "-m", "kaohe", "serve", "links", "--data", str(desk.root.parent)],
                                 capture_output=True, text=True, encoding="utf-8")
        assert missing.returncode == 1 and "desk.sqlite" in missing.stderr
    else:  # a district the store does not hold: the ones it holds named
        missing = subprocess.run([sys.executable, "-m", "kaohe", "serve", "links", "--store", desk.store,
                                  "--district", "没有这个区"], capture_output=True, text=True, encoding="utf-8")
        assert missing.returncode == 1 and desk.district in missing.stderr


def test_every_word_the_pages_name_is_in_the_catalogue() -> None:
    from kaohe.words import WORDS

    folder = Path(desk_app.__file__).parent / "templates"
    named = set()
    for page in folder.glob("*.html"):
        named |= set(re.findall(r"""\bt\(["']([\w.]+)["']""", page.read_text(encoding="utf-8")))
    assert len(named) > 40
    # a key made on the page (t("desk.state." + r.state)) names its prefix: some words must carry it
    assert sorted(n for n in named - set(WORDS) if not (n.endswith(".") and any(w.startswith(n) for w in WORDS))) \
        == []


def test_streets_whose_names_make_one_file_name_each_keep_their_own_submission(
        tmp_path: Path, request: pytest.FixtureRequest, store: str) -> None:
    roster = tmp_path / "街道名单.csv"
    roster.write_text("街道名称\n东风/街道\n东风_街道\n", encoding="utf-8")
    desk = make_desk(request, tmp_path / "desk", store, roster)
    client = TestClient(create_app(desk), follow_redirects=False)
    for who in desk.streets():
        path = write_workbook(tmp_path / f"{len(who.name)}-{who.name.replace('/', '-')}.xlsx",
                              {**STREET, "name": who.name}, good_communities(2))
        assert upload(client, who.secret, path).status_code == 303
    assert sorted(p.name for p in desk.submissions.iterdir()) == ["东风_街道 (2).xlsx", "东风_街道.xlsx"]
    report = client.get(f"/a/{desk.admin().secret}/report.json").json()
    assert report["district"]["streets_submitted"] == 2


def test_the_name_a_browser_sends_is_kept_without_its_folders(client: TestClient, desk: Desk) -> None:
    own = street(desk, "东风街道")
    token = csrf_of(client.get(f"/s/{own.secret}").text)
    r = client.post(f"/s/{own.secret}/upload", data={"csrf": token},
                    files={"workbook": ("C:\\Users\\科员\\桌面\\东风 报送.xlsx",
                                        (SAMPLE / "东风街道.xlsx").read_bytes())})
    assert r.status_code == 303
    assert desk.versions()[0].client_name == "东风 报送.xlsx"


def test_the_bureau_uploads_findings_and_each_street_sees_only_its_own(client: TestClient, desk: Desk) -> None:
    names = {w.name: w for w in desk.streets()}
    for file, name in {"东风街道.xlsx": "东风街道", "和平街道.xlsx": "和平街道"}.items():
        assert upload(client, names[name].secret, SAMPLE / file).status_code == 303
    admin = desk.admin()
    token = csrf_of(client.get(f"/a/{admin.secret}").text)
    findings = bundled("data/2005/核查/核查结果.csv")
    assert client.post(f"/a/{admin.secret}/findings", files={"findings": ("核查.csv", findings.read_bytes())}
                       ).status_code == 403  # the form token, as everywhere
    r = client.post(f"/a/{admin.secret}/findings", data={"csrf": token},
                    files={"findings": ("核查结果.csv", findings.read_bytes())})
    assert r.status_code == 303
    stored = desk.findings_files()
    assert len(stored) == 1 and stored[0].read_bytes() == findings.read_bytes()
    page = text_of(client.get(f"/a/{admin.secret}").text)
    assert "核查结果" in page and "100.00 86.00" in page and "虚报" in page
    east = text_of(client.get(f"/s/{names['东风街道'].secret}").text)
    assert "区里的核查结果" in east and "自评分 100.00，核定分 86.00" in east and "980" in east
    assert "和平" not in east and "王强" not in east  # another street's findings and inspectors
    peace = text_of(client.get(f"/s/{names['和平街道'].secret}").text)
    assert "核定分 94.24" in peace and "张伟" not in peace and "东风" not in peace
    # the page's report is kaohe assess --verified on the served folder
    served = client.get(f"/a/{admin.secret}/report.json").json()
    cli = subprocess.run([sys.executable, "-m", "kaohe", "assess", str(desk.submissions), "--targets",
                          str(desk.targets_path), "--verified", str(desk.findings), "--format", "json"],
                         capture_output=True, text=True, encoding="utf-8")
    assert cli.returncode == 0, cli.stderr
    served.pop("desk")  # the desk's own view of the period: states, deadline, rates
    assert json.loads(cli.stdout) == served
    # removed: kept aside, out of the assessment
    r = client.post(f"/a/{admin.secret}/findings/remove", data={"csrf": token, "file": stored[0].name})
    assert r.status_code == 303 and desk.findings_files() == []
    assert len(desk.kept("findings-removed")) == 1
    assert "区里的核查结果" not in client.get(f"/s/{names['东风街道'].secret}").text
    actions = [line["action"] for line in desk.log_lines()]
    assert "findings" in actions and "findings-removed" in actions


def test_the_bureau_report_in_a_second_period_is_the_command_lines_with_its_history(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    """The bureau page in a second period lacked the community-count-changed warnings `kaohe assess … --history`
    gives: the CLI composed assess and the count check itself and the desk did not. Both call api.assess now."""
    own, admin = street(desk, "东风街道"), desk.admin()
    upload(client, own.secret, SAMPLE / "东风街道.xlsx")  # 14 communities
    page = client.get(f"/a/{admin.secret}").text
    assert client.post(f"/a/{admin.secret}/close", data={"csrf": csrf_of(page)}).status_code == 303
    page = client.get(f"/a/{admin.secret}").text
    assert client.post(f"/a/{admin.secret}/open", data={"csrf": csrf_of(page), "period": "2006"}).status_code == 303
    upload(client, own.secret, workbook(tmp_path, "东风街道.xlsx"))  # 3 communities: far from last period's 14
    served = client.get(f"/a/{admin.secret}/report.json").json()
    assert [(i["street"], i["code"]) for i in served["issues"] if i["code"] == "community-count-changed"] == [
        ("东风街道", "community-count-changed")]
    cli = subprocess.run([sys.executable, "-m", "kaohe", "assess", str(desk.submissions), "--targets",
                          str(desk.targets_path), "--roster", str(desk.roster_path), "--period", "2006",
                          "--history", str(desk.history), "--format", "json"],
                         capture_output=True, text=True, encoding="utf-8")
    assert cli.returncode == 0, cli.stderr
    served.pop("desk")  # the desk's own view of the period: states, deadline, rates
    assert json.loads(cli.stdout) == served


def test_the_bureau_returns_accepts_and_reopens_from_the_street_page(client: TestClient, desk: Desk,
                                                                   tmp_path: Path) -> None:
    """The pages' side of the review loop: the state in the bureau's table, the reasons on the street's page."""
    own, admin = street(desk, "东风街道"), desk.admin()
    upload(client, own.secret, workbook(tmp_path, "东风街道.xlsx"))
    page = client.get(f"/a/{admin.secret}/street/0")
    assert page.status_code == 200 and 'id="return"' in page.text and 'id="accept"' in page.text
    r = client.post(f"/a/{admin.secret}/street/0/review", data={"csrf": csrf_of(page.text), "action": "returned",
                                                                 "reason": "户数请核实", "cells": "社区情况!E5"})
    assert r.status_code == 303
    mine = text_of(client.get(f"/s/{own.secret}").text)
    assert "审核状态：退回修改" in mine and "社区情况!E5 户数请核实" in mine and "待修改" in mine
    beside = text_of(client.get(f"/s/{own.secret}").text.split('id="cell-reasons"')[1].split("</ol>")[0])
    assert "社区情况!E5 区里退回：户数请核实" in beside  # in the self-check's list, at its cell
    from openpyxl import load_workbook

    result = client.get(f"/s/{own.secret}/result.xlsx")  # the street's result file carries them too
    path = tmp_path / "result.xlsx"
    path.write_bytes(result.content)
    cells = [c for row in load_workbook(path).active.iter_rows(values_only=True) for c in row if c]
    assert "退回修改" in cells and "社区情况!E5" in cells and "户数请核实" in cells and "待修改" in cells
    table = client.get(f"/a/{admin.secret}").text
    assert re.search(r'data-street="东风街道">.*?class="state returned"[^>]*><span class="nowrap">退回修改<',
                     table, re.S)
    refused = client.post(f"/a/{admin.secret}/street/0/review", data={"csrf": csrf_of(page.text),
                                                                       "action": "reopened", "reason": "x"})
    assert refused.status_code == 409  # nothing accepted to reopen
    page = client.get(f"/a/{admin.secret}/street/0")
    open_form = csrf_of(client.get(f"/s/{own.secret}").text)  # a clerk with the page open while it is accepted
    client.post(f"/a/{admin.secret}/street/0/review", data={"csrf": csrf_of(page.text), "action": "accepted"})
    mine = text_of(client.get(f"/s/{own.secret}").text)
    assert "审核状态：审核通过" in mine and "锁定" in mine
    late = upload(client, own.secret, workbook(tmp_path, "再报.xlsx"), csrf=open_form)
    assert late.status_code == 409 and "锁定" in late.text
    assert client.post(f"/a/{admin.secret}/street/0/review", data={"action": "accepted"}).status_code == 403


def test_the_bureau_sets_a_deadline_and_sees_rates_and_whom_to_chase(client: TestClient, desk: Desk) -> None:
    admin = desk.admin()
    upload(client, street(desk, "东风街道").secret, SAMPLE / "东风街道.xlsx")
    page = client.get(f"/a/{admin.secret}").text
    r = client.post(f"/a/{admin.secret}/deadline", data={"csrf": csrf_of(page), "deadline": "2005-12-20T17:00"})
    assert r.status_code == 303 and desk.deadline().startswith("2005-12-20T17:00")
    page = text_of(client.get(f"/a/{admin.secret}").text)
    assert "报送率 8%，按时报送率 0%" in page and "截止时间 2005-12-20 17:00" in page and "已过" in page
    assert "【催报】2005 年度社区建设考核报送，截止 2005-12-20 17:00" in page
    chase = client.get(f"/a/{admin.secret}/chase.csv")
    rows = chase.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "街道名称,状态,链接,距截止天数" and len(rows) == 1 + 11
    assert all(",未报送,http" in row for row in rows[1:])
    bad = client.post(f"/a/{admin.secret}/deadline", data={"csrf": csrf_of(client.get(f'/a/{admin.secret}').text),
                                                           "deadline": "下周一"})
    assert bad.status_code == 409 and "写法不对" in bad.text


def test_what_changed_between_versions_every_figure_for_an_audit_and_notes_on_both_pages(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    own, admin = street(desk, "东风街道"), desk.admin()
    upload(client, own.secret, workbook(tmp_path, "一.xlsx", room_area=120))
    upload(client, own.secret, workbook(tmp_path, "二.xlsx", room_area=180))
    page = client.get(f"/a/{admin.secret}/street/0").text
    changed = text_of(page.split('id="changes"')[1].split("</section>")[0])
    assert "锦绣社区" in changed and "120" in changed and "180" in changed and "社区情况!" in changed
    audit = client.get(f"/a/{admin.secret}/street/0/figures.csv").content.decode("utf-8-sig").splitlines()
    assert audit[0] == "街道,社区,项目,值,版本,文件,位置,收到时间"
    assert any(",锦绣社区,服务站服务用房面积,120" in row and ",1," in row for row in audit)
    assert any(",锦绣社区,服务站服务用房面积,180" in row and ",2," in row for row in audit)
    r = client.post(f"/s/{own.secret}/comment", data={"csrf": csrf_of(client.get(f"/s/{own.secret}").text),
                                                      "text": "锦绣社区新建了活动用房"})
    assert r.status_code == 303
    r = client.post(f"/a/{admin.secret}/street/0/comment", data={"csrf": csrf_of(page), "text": "已核实"})
    assert r.status_code == 303
    for url in (f"/s/{own.secret}", f"/a/{admin.secret}/street/0"):
        notes = text_of(client.get(url).text.split('id="comments"')[1])
        assert "东风街道" in notes and "锦绣社区新建了活动用房" in notes and "管理员" in notes and "已核实" in notes


def test_a_figure_opens_its_history_from_the_bureaus_page(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    own, admin = street(desk, "东风街道"), desk.admin()
    upload(client, own.secret, workbook(tmp_path, "一.xlsx", room_area=120))
    upload(client, own.secret, workbook(tmp_path, "二.xlsx", room_area=180))
    page = client.get(f"/a/{admin.secret}/street/0").text
    link = re.search(r'href="(/a/[^"]+/figure\?field=room_area[^"]*)"', page)
    assert link
    history = client.get(link.group(1).replace("&amp;", "&"))
    rows = re.findall(r"<tr><td class=\"num\">([^<]*)</td><td class=\"num\">(\d+)</td>", history.text)
    assert history.status_code == 200 and rows == [("120", "1"), ("180", "2")]
    mine = client.get(f"/s/{own.secret}/figure", params={"field": "room_area", "community": "锦绣社区"})
    assert mine.status_code == 200 and "锦绣社区" in mine.text
    assert client.get(f"/s/{own.secret}/figure", params={"field": "nonsense"}).status_code == 404


def test_a_streets_versions_are_numbered_its_own_way_and_an_upload_is_acknowledged(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    """A street's first upload read 第 8 版 (numbers were the desk's), and nothing said it was received."""
    upload(client, street(desk, "人民街道").secret, workbook(tmp_path, "人民街道.xlsx", street_name="人民街道"))
    own = street(desk, "东风街道")
    r = upload(client, own.secret, workbook(tmp_path, "东风街道.xlsx"))
    page = client.get(r.headers["location"]).text
    assert "已收到第 1 版，以此为准" in text_of(page) and "自查结果（第 1 版" in text_of(page)
    admin = desk.admin()
    bureau = client.get(f"/a/{admin.secret}/street/0").text
    link = re.search(r'href="(/a/[^"]+/street/0/version/\d+)">1<', bureau)
    assert link, "the bureau downloads any version of a street"
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.content == desk.path(desk.versions("东风街道")[0].file).read_bytes()


def test_long_and_strange_names_never_fail_an_upload(tmp_path: Path, request: pytest.FixtureRequest,
                                                     store: str) -> None:
    """A 92-character street name gave 500 on every upload; a 300-character upload name was refused as not a
    spreadsheet; a right-to-left override was shown raw."""
    long_name = "新" * 88 + "街道办事处"
    roster = tmp_path / "街道名单.csv"
    roster.write_text(f"街道名称\n{long_name}\n东风街道\n", encoding="utf-8")
    desk = make_desk(request, tmp_path / "desk", store, roster)
    client = TestClient(create_app(desk), follow_redirects=False)
    who = street(desk, long_name)
    book = workbook(tmp_path, "x.xlsx", street_name=long_name)
    r = upload(client, who.secret, book, name="甲" * 300 + ".xlsx")
    assert r.status_code == 303, r.text[:300]
    shown = desk.versions(long_name)[0].client_name
    assert shown.endswith(".xlsx") and len(shown) <= 120
    own = street(desk, "东风街道")
    r = upload(client, own.secret, workbook(tmp_path, "y.xlsx"), name="报表\u202excod.xlsx")
    assert r.status_code == 303
    assert "\u202e" not in client.get(f"/s/{own.secret}").text and desk.versions("东风街道")[0].client_name == \
        "报表xcod.xlsx"


def test_the_bureau_picks_reasons_from_the_self_check_filters_its_table_and_may_refuse_late_uploads(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    own, admin = street(desk, "东风街道"), desk.admin()
    upload(client, own.secret, workbook(tmp_path, "东风街道.xlsx", room_area="约150"))  # an issue at its cell
    page = client.get(f"/a/{admin.secret}/street/0").text
    picked = re.findall(r'name="pick" value="([^"]+)"', page)
    assert picked, "the self-check's issues offered to pick"
    r = client.post(f"/a/{admin.secret}/street/0/review",
                    data={"csrf": csrf_of(page), "action": "returned", "reason": "请修正", "pick": picked[:1]})
    assert r.status_code == 303
    assert [c for c in desk.reviews("东风街道")[-1].cells] == picked[:1]
    table = client.get(f"/a/{admin.secret}", params={"state": "returned"}).text
    assert re.findall(r'data-street="([^"]+)"', table) == ["东风街道"]
    assert "退回修改（1）" in text_of(table) and "未报送（11）" in text_of(table)
    bureau = client.get(f"/a/{admin.secret}").text
    client.post(f"/a/{admin.secret}/deadline", data={"csrf": csrf_of(bureau), "deadline": "2005-12-20",
                                                     "late": "refuse"})
    late = upload(client, own.secret, workbook(tmp_path, "再报.xlsx"))
    assert late.status_code == 409 and "已过截止时间" in late.text
    client.post(f"/a/{admin.secret}/deadline", data={"csrf": csrf_of(bureau), "deadline": "2005-12-20",
                                                     "late": "take"})
    assert upload(client, own.secret, workbook(tmp_path, "再报.xlsx")).status_code == 303


def test_a_street_page_never_assesses_the_district_and_says_what_the_district_says(
        client: TestClient, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    names = {w.name: w for w in desk.streets()}
    for file, name in {"东风街道.xlsx": "东风街道", "和平街道.xlsx": "和平街道"}.items():
        assert upload(client, names[name].secret, SAMPLE / file).status_code == 303
    admin = desk.admin()
    token = csrf_of(client.get(f"/a/{admin.secret}").text)
    findings = bundled("data/2005/核查/核查结果.csv")
    assert client.post(f"/a/{admin.secret}/findings", data={"csrf": token},
                       files={"findings": ("核查结果.csv", findings.read_bytes())}).status_code == 303
    district = client.get(f"/a/{admin.secret}/report.json").json()["streets"]
    from kaohe.desk.service import Service

    def no(*_: object) -> None:
        raise AssertionError("a street's page assessed the district")

    monkeypatch.setattr(Service, "assessment", no)
    for name in ("东风街道", "和平街道"):
        page = text_of(client.get(f"/s/{names[name].secret}").text)
        own = next(s for s in district if s["name"] == name)["verification"]
        assert f"自评分 {float(own['self_score']):.2f}，核定分 {float(own['verified_score']):.2f}" in page


def test_a_street_link_reissued_or_revoked_is_dead_at_once_and_the_csv_says_so(client: TestClient, desk: Desk) -> None:
    admin = desk.admin()
    east = street(desk, "东风街道")
    index = [w.name for w in desk.streets()].index("东风街道")
    token = csrf_of(client.get(f"/a/{admin.secret}").text)
    r = client.post(f"/a/{admin.secret}/street/{index}/link", data={"csrf": token, "action": "reissue"})
    assert r.status_code == 200
    fresh = street(desk, "东风街道")
    assert fresh.secret != east.secret and f"/s/{fresh.secret}" in r.text and "旧链接已失效" in text_of(r.text)
    assert client.get(f"/s/{east.secret}").status_code == 404  # the old link dead at once
    assert client.get(f"/s/{fresh.secret}").status_code == 200
    assert upload(client, fresh.secret, SAMPLE / "东风街道.xlsx").status_code == 303
    # revoked: no link reaches it, and links.csv says so; re-issued again, it works again
    r = client.post(f"/a/{admin.secret}/street/{index}/link", data={"csrf": token, "action": "revoke"})
    assert r.status_code == 200 and "已停用" in text_of(r.text)
    assert client.get(f"/s/{fresh.secret}").status_code == 404
    rows = client.get(f"/a/{admin.secret}/links.csv").content.decode("utf-8-sig")
    assert "东风街道,（链接已停用）" in rows and fresh.secret not in rows
    api = client.post(f"/a/{admin.secret}/api/links/reissue", json={"street": "东风街道"},
                      headers={"X-Requested-With": "kaohe"})
    assert api.status_code == 200 and api.json()["link"].endswith(street(desk, "东风街道").secret)
    assert client.get(api.json()["link"].split("://", 1)[1].split("/", 1)[1].join(["/", ""])).status_code == 200
    # the same folder opened by another process (kaohe serve links) sees the change
    assert desk.reopened().who(street(desk, "东风街道").secret) is not None
    actions = desk.log_lines()
    assert [a["action"] for a in actions].count("link-reissued") == 2
    assert not any(east.secret in json.dumps(a) or fresh.secret in json.dumps(a) for a in actions)


def test_each_bureau_person_has_a_named_link_whose_role_bounds_what_it_may_do(client: TestClient, desk: Desk) -> None:
    admin = desk.admin()
    token = csrf_of(client.get(f"/a/{admin.secret}").text)
    added = {}
    for name, role in (("王核查", "inspector"), ("李局长", "leader"), ("赵科长", "admin")):
        r = client.post(f"/a/{admin.secret}/people", data={"csrf": token, "name": name, "role": role})
        assert r.status_code == 200 and "只显示这一次" in text_of(r.text)
        added[name] = next(p for p in desk.people() if p.name == name)
        assert f"/a/{added[name].secret}" in r.text
    inspector, leader, chief = added["王核查"], added["李局长"], added["赵科长"]
    east = street(desk, "东风街道")
    assert upload(client, east.secret, SAMPLE / "东风街道.xlsx").status_code == 303
    index = [w.name for w in desk.streets()].index("东风街道")
    findings = bundled("data/2005/核查/核查结果.csv").read_bytes()
    for person, may_inspect, may_manage in ((inspector, True, False), (leader, False, False), (chief, True, True)):
        page = client.get(f"/a/{person.secret}")
        assert page.status_code == 200
        shown = text_of(page.text)
        assert ("设定截止时间" in shown) is may_manage and ("findings-form" in page.text) is may_inspect
        waiting = street(desk, "和平街道")  # in the 催报 list, with its link
        assert (waiting.secret in page.text) is may_manage  # the streets' links only for who manages them
        csrf = csrf_of(page.text) if "csrf" in page.text else desk.csrf_token(person)
        r = client.post(f"/a/{person.secret}/street/{index}/review",
                        data={"csrf": desk.csrf_token(person), "action": "accepted"})
        assert r.status_code == (303 if may_manage else 403)
        if may_manage:
            r = client.post(f"/a/{person.secret}/street/{index}/review",
                            data={"csrf": csrf, "action": "reopened", "reason": "再看看"})
            assert r.status_code == 303
        r = client.post(f"/a/{person.secret}/findings", data={"csrf": desk.csrf_token(person)},
                        files={"findings": ("核查结果.csv", findings)})
        assert r.status_code == (303 if may_inspect else 403)
        assert (client.get(f"/a/{person.secret}/links.csv").status_code == 200) is may_manage
        api = client.post(f"/a/{person.secret}/api/deadline", json={"deadline": "2005-12-31T17:00"},
                          headers={"X-Requested-With": "kaohe"})
        assert api.status_code == (200 if may_manage else 403)
        assert client.get(f"/a/{person.secret}/api/streets").status_code == 200  # everyone reads
        assert client.get(f"/a/{person.secret}/scorecard.xlsx").status_code == 200
    log = desk.log_lines()
    whos = {(e["who"], e["action"]) for e in log}
    assert ("王核查", "findings") in whos and ("赵科长", "findings") in whos  # the person, not 管理员
    assert ("王核查", "refused") in whos and ("李局长", "refused") in whos
    assert [r.who for r in desk.reviews("东风街道")] == ["赵科长", "赵科长"]
    # removed: the link dead at once
    r = client.post(f"/a/{admin.secret}/people", data={"csrf": token, "remove": "李局长"})
    assert r.status_code == 200 and client.get(f"/a/{leader.secret}").status_code == 404
    assert ("管理员", "person-removed") in {(x["who"], x["action"]) for x in desk.log_lines()}


def test_no_page_of_the_desk_has_two_elements_with_one_id(client: TestClient, desk: Desk) -> None:
    """An id given twice (a section and its button) made a click land on the section: each page, filled."""
    from collections import Counter

    east = street(desk, "东风街道")
    assert upload(client, east.secret, SAMPLE / "东风街道.xlsx").status_code == 303
    admin = desk.admin().secret
    index = [w.name for w in desk.streets()].index("东风街道")
    for url in (f"/s/{east.secret}", f"/a/{admin}", f"/a/{admin}/street/{index}",
                f"/s/{street(desk, '和平街道').secret}"):
        ids = re.findall(r'\sid="([^"]+)"', client.get(url).text)
        assert [i for i, n in Counter(ids).items() if n > 1] == [], url
