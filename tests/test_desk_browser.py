"""The submission desk in a real browser: headless Chromium (Debian's chromium + chromium-driver, installed by
.ci/run) driven by Selenium against a real `kaohe serve`.

The screenshots this test takes are the README's: KAOHE_SHOTS=docs/images python -m pytest
tests/test_desk_browser.py writes them there (otherwise into the test's temporary folder).
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clerks import write_workbook
from conftest import STREET, community, good_communities
from desk_server import Server, create_desk

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if CHROMIUM is None or DRIVER is None:
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are required in CI: .ci/run installs them")
        pytest.skip("chromium / chromedriver are not installed")
    from selenium import webdriver

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1000",
                "--lang=zh-CN", "--disable-gpu", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "intl.accept_languages": "zh-CN,zh"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    driver.set_page_load_timeout(60)
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ["KAOHE_SHOTS"]) if os.environ.get("KAOHE_SHOTS") else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(driver: Any, path: Path, width: int = 1200) -> None:
    """A full-page screenshot: the window made as tall as the page first."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height + 20, 600), 4000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1200, 1000)


def wait_for(driver: Any, css: str, timeout: float = 30) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR,
                                                                                                  css)))


def send(driver: Any, path: Path) -> None:
    """Choose the file in the page's file input and press the upload button, as a clerk does."""
    from selenium.webdriver.common.by import By

    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, "workbook").send_keys(str(path))
    driver.find_element(By.ID, "upload").click()
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(old))
    try:
        wait_for(driver, "#result")
    except Exception:
        print("PAGE:", driver.current_url, driver.find_element(By.TAG_NAME, "body").text[:1500])
        raise


def test_a_street_and_the_bureau_in_a_real_browser(
        browser: Any, shots: Path, tmp_path: Path, store_url: str | None) -> None:
    from openpyxl import load_workbook
    from selenium.webdriver.common.by import By

    data = tmp_path / "报送 平台"
    made = create_desk(data, store=store_url)
    clerk = tmp_path / "clerk"
    clerk.mkdir()
    communities = good_communities(3)
    bad = write_workbook(clerk / "东风街道 初稿.xlsx", STREET,
                         [communities[0], community("锦绣社区", room_area="约150", safe="不清楚"), communities[2]])
    good = write_workbook(clerk / "东风街道 修改后.xlsx", STREET, communities)
    with Server.of(made) as server:
        desk = server.desk
        own = next(w for w in desk.streets() if w.name == "东风街道")
        other = next(w for w in desk.streets() if w.name == "人民街道")
        admin = desk.admin()

        # a street opens its link and uploads a workbook with errors
        browser.get(f"{server.url}/s/{own.secret}")
        assert "东风街道" in browser.find_element(By.TAG_NAME, "h1").text
        shoot(browser, shots / "desk-street-empty.png")
        send(browser, bad)
        issues = browser.find_element(By.CSS_SELECTOR, "ol.issues").text
        assert "社区情况!E5" in issues and "约150" in issues and "→" in issues  # cell, value, fix
        assert "问题：2 个错误" in browser.find_element(By.ID, "issues").text
        first_score = browser.find_element(By.CSS_SELECTOR, "#score .big").text
        assert re.fullmatch(r"\d+\.\d\d", first_score) and first_score != "100.00"
        shoot(browser, shots / "desk-street-issues.png")

        # it fixes them and uploads again: zero errors, full score
        send(browser, good)
        assert browser.find_element(By.ID, "no-issues").text == "没有发现问题。"
        assert browser.find_element(By.CSS_SELECTOR, "#score .big").text == "100.00"
        assert len(browser.find_elements(By.CSS_SELECTOR, "table.versions tbody tr")) == 2
        shoot(browser, shots / "desk-street-fixed.png")

        # on a phone: nothing wider than the screen but the tables' own scrolling
        browser.set_window_size(390, 844)
        browser.get(f"{server.url}/s/{own.secret}")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        browser.save_screenshot(str(shots / "desk-street-narrow.png"))
        browser.set_window_size(1200, 1000)

        # the bureau sees it submitted, with the same score
        browser.get(f"{server.url}/a/{admin.secret}")
        row = browser.find_element(By.CSS_SELECTOR, 'tr[data-street="东风街道"]')
        assert "已报送" in row.text
        assert row.find_element(By.CSS_SELECTOR, "td.score").text == "100.00"
        assert "已报送 1 / 12 个街道" in browser.find_element(By.ID, "counts").text
        shoot(browser, shots / "desk-bureau.png")

        # the scorecard downloads and opens
        browser.find_element(By.ID, "scorecard").click()
        card = _downloaded(browser.downloads, "*.xlsx")
        book = load_workbook(card, read_only=True)
        assert "总览" in book.sheetnames
        values = {c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row}
        assert {"东风街道", "人民街道", 100} <= values

        # another street's link shows nothing of it
        browser.get(f"{server.url}/s/{other.secret}")
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "人民街道" in body and "东风" not in body and "修改后" not in body
        version = desk.versions("东风街道")[0]
        browser.get(f"{server.url}/s/{other.secret}/version/{version.id}")
        assert browser.find_element(By.TAG_NAME, "h1").text == "404"

        # a page on another site posts a form to the street's upload address: refused
        evil = _evil_site(tmp_path, f"{server.url}/s/{own.secret}/upload")
        try:
            browser.get(evil)
            wait_for(browser, "p.notice")
            assert "不是从本页面提交的" in browser.find_element(By.TAG_NAME, "body").text
        finally:
            _stop_evil()
        assert len(server.desk.versions("东风街道")) == 2

        # English on request, from the switch on the page
        browser.get(f"{server.url}/s/{own.secret}")
        browser.find_element(By.LINK_TEXT, "English").click()
        wait_for(browser, "#upload")
        assert browser.find_element(By.ID, "upload").text == "Upload and check"
        browser.find_element(By.LINK_TEXT, "中文").click()
        wait_for(browser, "#upload")
        assert browser.find_element(By.ID, "upload").text == "上传并自查"
    assert server.proc is not None and server.proc.returncode == 0  # Ctrl-C stopped it cleanly
    assert "报送平台已停止" in "".join(server.output)


def _downloaded(folder: Path, pattern: str, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(pattern) if not p.name.endswith(".crdownload")]
        if done:
            time.sleep(0.2)
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"nothing downloaded into {folder}: {list(folder.iterdir())}")


_EVIL: list[http.server.ThreadingHTTPServer] = []


def _evil_site(tmp_path: Path, target: str) -> str:
    """Another site (another port is another origin) whose page posts a forged upload form on load."""
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "index.html").write_text(
        f'<!doctype html><form id="f" method="post" action="{target}" enctype="multipart/form-data">'
        '<input name="csrf" value="guess"><input name="note" value="x"></form>'
        '<script>document.getElementById("f").submit()</script>', encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    _EVIL.append(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/index.html"


def _stop_evil() -> None:
    while _EVIL:
        server = _EVIL.pop()
        server.shutdown()
        server.server_close()


def test_the_review_loop_in_a_real_browser(browser: Any, tmp_path: Path, store_url: str | None) -> None:
    """upload → returned with a cell reason → the street sees it → fixes → resubmits → the reason resolved →
    accepted → an upload refused → reopened → an upload taken."""
    from selenium.webdriver.common.by import By

    data = tmp_path / "审核 平台"
    made = create_desk(data, store=store_url)
    clerk = tmp_path / "clerk"
    clerk.mkdir()
    communities = good_communities(3)
    first = write_workbook(clerk / "初稿.xlsx", STREET, [communities[0], community("锦绣社区", room_area=900),
                                                       communities[2]])
    fixed = write_workbook(clerk / "修改后.xlsx", STREET, communities)

    def post(form_button: str) -> None:
        old = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.ID, form_button).click()
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(browser, 30).until(expected_conditions.staleness_of(old))

    with Server.of(made) as server:
        desk = server.desk
        own = next(w for w in desk.streets() if w.name == "东风街道")
        admin = desk.admin()
        browser.get(f"{server.url}/s/{own.secret}")
        send(browser, first)
        history = server.desk  # the cell of 锦绣社区's room area, as the bureau would click it
        from kaohe.desk.service import Service

        cell = next(f"{h.sheet}!{h.cell}" for h in Service(history).figure_history("东风街道", "room_area", "锦绣社区"))

        browser.get(f"{server.url}/a/{admin.secret}/street/0")
        browser.find_element(By.ID, "return-reason").send_keys("面积与去年相差太大，请核实")
        browser.find_element(By.ID, "return-cells").send_keys(cell)
        post("return")
        assert "退回修改" in browser.find_element(By.ID, "state").text

        browser.get(f"{server.url}/s/{own.secret}")
        reasons = browser.find_element(By.ID, "reasons").text
        assert cell in reasons and "面积与去年相差太大" in reasons and "待修改" in reasons
        send(browser, fixed)
        reasons = browser.find_element(By.ID, "reasons").text
        assert "已修改" in reasons and "待修改" not in reasons

        browser.get(f"{server.url}/a/{admin.secret}/street/0")
        post("accept")
        assert "审核通过" in browser.find_element(By.ID, "state").text
        browser.get(f"{server.url}/a/{admin.secret}")
        assert "审核通过" in browser.find_element(By.CSS_SELECTOR, 'tr[data-street="东风街道"] .state').text

        browser.get(f"{server.url}/s/{own.secret}")  # locked: the page says so instead of offering an upload
        assert "锁定" in browser.find_element(By.ID, "locked").text
        assert not browser.find_elements(By.ID, "workbook")

        browser.get(f"{server.url}/a/{admin.secret}/street/0")
        browser.find_element(By.ID, "reopen-reason").send_keys("补报一个社区")
        post("reopen")
        browser.get(f"{server.url}/s/{own.secret}")
        send(browser, first)
        assert len(browser.find_elements(By.CSS_SELECTOR, "table.versions tbody tr")) == 3


@pytest.fixture(scope="module")
def phone() -> Iterator[Any]:
    """Chrome's mobile emulation of a 390 px phone (touch, a phone's user agent, pixel ratio 3), not a narrow
    desktop window."""
    if CHROMIUM is None or DRIVER is None:
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are required in CI: .ci/run installs them")
        pytest.skip("chromium / chromedriver are not installed")
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN", "--disable-gpu"):
        options.add_argument(arg)
    options.add_experimental_option("mobileEmulation", {
        "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0, "touch": True, "mobile": True},
        "userAgent": "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/120.0 Mobile Safari/537.36"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


LINES = """return Array.from(document.querySelectorAll(arguments[0])).map(e => {
  const r = document.createRange(); r.selectNodeContents(e);
  const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
  return [e.textContent.trim(), tops.size, Math.round(e.getBoundingClientRect().width)]; });"""


def test_on_a_phone_titles_read_as_lines_pages_stay_short_and_dates_and_badges_whole(
        phone: Any, shots: Path, tmp_path: Path, store_url: str | None) -> None:
    from selenium.webdriver.common.by import By

    data = tmp_path / "desk"
    made = create_desk(data, store=store_url)
    communities = good_communities(3)
    bad = write_workbook(tmp_path / "东风街道.xlsx", STREET,
                         [communities[0], community("锦绣社区", room_area="约150", safe="不清楚"), communities[2]])
    with Server.of(made) as server:
        desk = server.desk
        own = next(w for w in desk.streets() if w.name == "东风街道")
        phone.get(f"{server.url}/s/{own.secret}")
        assert phone.execute_script("return window.innerWidth") == 390  # the page's viewport, as on a phone
        assert "Mobile" in phone.execute_script("return navigator.userAgent")
        send(phone, bad)
        phone.save_screenshot(str(shots / "desk-street-phone.png"))
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
        titles = phone.execute_script(LINES, "#result table.targets td:first-child")
        assert len(titles) >= 10
        for text, lines, width in titles:  # the title the full width of the card: a line or two, not a column
            assert width >= 300, (text, width)
            assert lines <= 3, (text, lines)
        height = phone.execute_script("return document.documentElement.scrollHeight")
        assert height < 3200, height  # 5,903 px when each title wrapped a character a line
        phone.get(f"{server.url}/a/{desk.admin().secret}")
        phone.save_screenshot(str(shots / "desk-phone-bureau.png"))
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
        for css in ("h1 .tag", "#desk-table td.nowrap", "#desk-table td.state span", "table.links td:first-child"):
            found = phone.execute_script(LINES, css)
            assert found, css
            for text, lines, _ in found:
                assert lines == (1 if text else 0), (css, text, lines)  # a date, a badge, a name: one line
        assert phone.find_element(By.ID, "desk-table").is_displayed()


def test_evidence_publication_appeal_and_rectification_in_a_real_browser(
        browser: Any, tmp_path: Path, store_url: str | None) -> None:
    """evidence attached → the 核查表 lists it → published → an appeal filed → upheld with +2 → the street's final
    score +2, the appeal on its page, in report.json and on the scorecard → the period closed → items for the
    missed targets → progress reported → an item closed."""
    import io
    from datetime import datetime, timedelta

    import httpx2 as httpx
    from openpyxl import load_workbook
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    data = tmp_path / "季度 平台"
    made = create_desk(data, store=store_url)
    clerk = tmp_path / "clerk"
    clerk.mkdir()
    communities = good_communities(3)
    book = write_workbook(clerk / "报送.xlsx", STREET, [communities[0], community("锦绣社区", room_area=90),
                                                       communities[2]])  # one room short: a target missed
    photo = clerk / "服务站照片.png"
    from test_desk_evidence import png

    photo.write_bytes(png(8, 6))

    def submit(button: str) -> None:
        old = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.ID, button).click()
        WebDriverWait(browser, 30).until(expected_conditions.staleness_of(old))

    def value(element_id: str, text: str) -> None:  # datetime-local and friends, set as a person's picker would
        browser.execute_script("document.getElementById(arguments[0]).value = arguments[1]", element_id, text)

    with Server.of(made) as server, httpx.Client(timeout=60) as http:
        desk = server.desk
        own = next(w for w in desk.streets() if w.name == "东风街道")
        admin = desk.admin().secret
        index = [w.name for w in desk.streets()].index("东风街道")
        browser.get(f"{server.url}/s/{own.secret}")
        send(browser, book)
        # evidence, attached on the street's page, previewed there
        Select(browser.find_element(By.ID, "evidence-target")).select_by_value("room-area")
        browser.find_element(By.ID, "evidence-community").send_keys("锦绣社区")
        browser.find_element(By.ID, "evidence-file").send_keys(str(photo))
        submit("evidence-upload")
        assert "已收到佐证材料" in browser.find_element(By.ID, "message").text
        thumb = browser.find_element(By.CSS_SELECTOR, "#evidence img.thumb")
        browser.execute_script("arguments[0].scrollIntoView()", thumb)  # a lazy image loads when in view
        WebDriverWait(browser, 10).until(lambda d: d.execute_script("return arguments[0].complete", thumb))
        assert browser.execute_script("return arguments[0].naturalWidth", thumb) == 8  # the image, shown
        # the bureau's 核查表 lists it
        sheet = http.get(f"{server.url}/a/{admin}/street/{index}/verification.xlsx")
        rows = [c for r in load_workbook(io.BytesIO(sheet.content))["佐证材料"].iter_rows(values_only=True)
                for c in r if c]
        assert "服务站照片.png" in rows and "锦绣社区" in rows
        # published for a window
        browser.get(f"{server.url}/a/{admin}")
        now = datetime.now()
        value("publish-start", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        value("publish-end", (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"))
        submit("publish")
        assert "已公示" in browser.find_element(By.ID, "publication-line").text
        before = next(s["score"] for s in http.get(f"{server.url}/a/{admin}/report.json").json()["streets"]
                      if s["name"] == "东风街道")
        # the street sees the table and appeals
        browser.get(f"{server.url}/s/{own.secret}")
        assert "东风街道" in browser.find_element(By.ID, "published-table").text
        Select(browser.find_element(By.ID, "appeal-target")).select_by_value("service-projects")
        browser.find_element(By.ID, "appeal-reason").send_keys("助餐、助浴两项服务未计入")
        submit("appeal")
        assert "已提交第 1 号申诉" in browser.find_element(By.ID, "message").text
        # upheld with +2
        browser.get(f"{server.url}/a/{admin}")
        form = browser.find_element(By.CSS_SELECTOR, "form.appeal-decide")
        form.find_element(By.NAME, "points").send_keys("2")
        form.find_element(By.NAME, "reason").send_keys("经核实确有两项服务")
        old = browser.find_element(By.TAG_NAME, "html")
        form.find_element(By.CSS_SELECTOR, "button").click()
        WebDriverWait(browser, 30).until(expected_conditions.staleness_of(old))
        report = http.get(f"{server.url}/a/{admin}/report.json").json()
        after = next(s["score"] for s in report["streets"] if s["name"] == "东风街道")
        assert after == pytest.approx(before + 2)
        assert report["appeals"]["decisions"][0]["decision"] == "upheld"
        card = load_workbook(io.BytesIO(http.get(f"{server.url}/a/{admin}/scorecard.xlsx").content))
        assert "经核实确有两项服务" in [c for r in card["申诉"].iter_rows(values_only=True) for c in r if c]
        browser.get(f"{server.url}/s/{own.secret}")
        appeals = browser.find_element(By.ID, "appeals").text
        assert "支持" in appeals and "经核实确有两项服务" in appeals and "+2" in appeals
        # closed: the missed target becomes an item; progress reported; the item closed
        browser.get(f"{server.url}/a/{admin}")
        browser.find_element(By.ID, "close").click()
        browser.switch_to.alert.accept()
        WebDriverWait(browser, 30).until(lambda d: "已截止" in d.page_source or "截止于" in d.page_source)
        browser.get(f"{server.url}/s/{own.secret}")
        item = browser.find_element(By.CSS_SELECTOR, "#rectifications li")
        assert "服务用房面积" in item.text and "待整改" in item.text
        item.find_element(By.NAME, "text").send_keys("锦绣社区已调剂用房 160 平方米")
        old = browser.find_element(By.TAG_NAME, "html")
        item.find_element(By.CSS_SELECTOR, "button").click()
        WebDriverWait(browser, 30).until(expected_conditions.staleness_of(old))
        assert "已报进展" in browser.find_element(By.ID, "rectifications").text
        browser.get(f"{server.url}/a/{admin}")
        entry = browser.find_element(By.CSS_SELECTOR, "#rectifications li")
        assert "锦绣社区已调剂用房" in entry.text
        entry.find_element(By.NAME, "reason").send_keys("现场验收合格")
        old = browser.find_element(By.TAG_NAME, "html")
        entry.find_element(By.CSS_SELECTOR, "button[value=close]").click()
        WebDriverWait(browser, 30).until(expected_conditions.staleness_of(old))
        items = http.get(f"{server.url}/a/{admin}/api/rectifications").json()
        assert [i["state"] for i in items if i["street"] == "东风街道"][0] == "closed"


def test_the_entry_form_in_a_real_browser_paste_draft_across_a_restart_and_save(
        browser: Any, tmp_path: Path, store_url: str | None) -> None:
    """A block pasted from a spreadsheet fills the rows; what is typed survives the server stopping and a
    reload (the browser's copy alone: the server's draft removed first); saved, it scores as the workbook with
    the same figures does."""
    import socket

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    from kaohe import api

    data = tmp_path / "填报 平台"
    made = create_desk(data, store=store_url)
    rows = good_communities(3)
    fields = ["name", "type", "households", "room_area", "office_area", "culture_capacity", "education_station",
              "modern", "safe", "police_office", "health_station", "pilot"]
    from kaohe.resources import DEFAULT_TARGETS, bundled

    targets = api.load_targets(bundled(DEFAULT_TARGETS))

    def text(field: str, value: Any) -> str:
        fdef = targets.fields.community[field]
        if isinstance(value, bool):
            return fdef.choices_list(targets)[0 if value else 1]
        return str(value)

    block = "\n".join("\t".join(text(f, row.get(f, "")) for f in fields) for row in rows)
    reference = write_workbook(tmp_path / "对照.xlsx", STREET, rows)
    expected = api.check(reference).streets[0].score
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = Server.of(made, "--port", str(port)).start()
    try:
        desk = server.desk
        own = next(w for w in desk.streets() if w.name == "东风街道")
        browser.get(f"{server.url}/s/{own.secret}/entry")
        for key, value in (("center_area", STREET["center_area"]), ("service_projects", STREET["service_projects"])):
            browser.find_element(By.ID, f"s-{key}").send_keys(str(value))
        for key in ("kind", "demo_street"):
            from selenium.webdriver.support.ui import Select

            chosen = STREET[key]
            Select(browser.find_element(By.ID, f"s-{key}")).select_by_visible_text(
                targets.fields.street[key].choices_list(targets)[0 if chosen is True else 1]
                if isinstance(chosen, bool) else str(chosen))
        first = browser.find_element(By.NAME, "c0.name")
        browser.execute_script("""
            const dt = new DataTransfer(); dt.setData('text', arguments[1]);
            arguments[0].dispatchEvent(new ClipboardEvent('paste',
                                                          {clipboardData: dt, bubbles: true, cancelable: true}));
        """, first, block)
        assert browser.find_element(By.NAME, "c2.name").get_attribute("value") == rows[2]["name"]
        assert browser.find_element(By.NAME, "c1.room_area").get_attribute("value") == str(rows[1]["room_area"])
        assert "changed" in browser.find_element(By.NAME, "c1.room_area").get_attribute("class")
        # Enter moves down the column
        browser.find_element(By.NAME, "c0.households").click()
        from selenium.webdriver.common.keys import Keys

        browser.switch_to.active_element.send_keys(Keys.ENTER)
        assert browser.switch_to.active_element.get_attribute("name") == "c1.households"
        WebDriverWait(browser, 10).until(lambda d: d.execute_script(
            "return localStorage.getItem(document.getElementById('entry-form').dataset.key) !== null"))
        server.stop()

        made.reopened().keep_draft("东风街道", None)  # the browser's copy alone must bring it back
        server = Server.of(made, "--port", str(port)).start()
        browser.get(f"{server.url}/s/{own.secret}/entry")
        assert browser.find_element(By.NAME, "c2.name").get_attribute("value") == rows[2]["name"]
        assert browser.find_element(By.ID, "s-center_area").get_attribute("value") == str(STREET["center_area"])
        old = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.ID, "entry-save").click()
        WebDriverWait(browser, 30).until(expected_conditions.staleness_of(old))
        assert "已保存为第 1 版" in browser.find_element(By.ID, "saved").text
        version = server.desk.versions("东风街道")[-1]
        assert version.client_name == "网页填报.xlsx" and version.score == pytest.approx(float(expected))
        assert browser.execute_script(
            "return localStorage.getItem(document.getElementById('entry-form').dataset.key)") is None
    finally:
        server.__exit__(None, None, None)


def test_the_entry_form_on_a_phone_shows_each_community_as_a_card(
        phone: Any, shots: Path, tmp_path: Path, store_url: str | None) -> None:
    data = tmp_path / "desk"
    made = create_desk(data, store=store_url)
    with Server.of(made) as server:
        desk = server.desk
        own = next(w for w in desk.streets() if w.name == "东风街道")
        phone.get(f"{server.url}/s/{own.secret}/entry")
        phone.save_screenshot(str(shots / "desk-entry-phone.png"))
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
        widths = phone.execute_script("""return Array.from(document.querySelectorAll('#entry-grid tr[data-row="0"] td'))
            .map(td => [getComputedStyle(td).display, Math.round(td.getBoundingClientRect().width)]);""")
        assert widths and all(display == "block" for display, _ in widths)
        name_width = phone.execute_script(
            "return document.querySelector('#entry-grid input[name=\"c0.name\"]').getBoundingClientRect().width")
        assert name_width >= 300  # the community's name across the card, not a squeezed column


def test_the_city_page_in_a_browser_and_on_a_phone(browser: Any, phone: Any, shots: Path, tmp_path: Path,
                                                   own_store: str) -> None:
    """The city's link through a real `kaohe serve --store`: every district and every street, readable on a
    desktop and as cards on a 390 px phone (nothing wider than the screen)."""
    import subprocess
    import sys

    from selenium.webdriver.common.by import By

    first = create_desk(tmp_path / "一区", store=own_store)
    create_desk(tmp_path / "二区", store=own_store)
    links = subprocess.run([sys.executable, "-m", "kaohe", "serve", "links", "--store", own_store, "--format", "csv"],
                           capture_output=True, text=True, encoding="utf-8", timeout=120)
    city = next(line.split(",", 1)[1] for line in links.stdout.splitlines() if line.startswith("市级链接,"))
    secret = city.rsplit("/c/", 1)[1]
    with Server.of(first) as server:
        browser.get(f"{server.url}/c/{secret}")
        rows = browser.find_elements(By.CSS_SELECTOR, "#city-districts tbody tr")
        assert len(rows) == 2 and browser.title == "全市报送情况"
        assert len(browser.find_elements(By.CSS_SELECTOR, "#city-streets tbody tr")) == 24
        shoot(browser, shots / "desk-city.png")
        phone.get(f"{server.url}/c/{secret}")
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
        phone.save_screenshot(str(shots / "desk-city-phone.png"))
        assert browser.execute_script("return document.body.innerText").count("Traceback") == 0
