"""Evidence (佐证材料) on the desk: sniffed by content, stored inertly, never reachable from another street's link.

Hostile pieces — an archive named .jpg (and a zip bomb), a web page named .pdf, an SVG with a script, a body
over the limit — are refused; what is kept is served with its sniffed type, nosniff and a sandbox.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import make_desk
from kaohe.desk.app import create_app
from kaohe.desk.store import Desk
from kaohe.resources import DEFAULT_TARGETS, bundled
from test_desk import csrf_of, street, text_of

HEADER = {"X-Requested-With": "kaohe"}



def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (a browser shows it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"/>')
        zf.writestr("word/document.xml", "<w:document xmlns:w='x'><w:body/></w:document>")
    return out.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (120 * 1024 * 1024))  # 120 MB of zeros, ~120 kB packed
    return out.getvalue()


def send(client: TestClient, secret: str, name: str, data: bytes, target: str = "center-area",
         community: str = "") -> object:
    return client.post(f"/s/{secret}/api/evidence", files={"file": (name, data)},
                       data={"target": target, "community": community}, headers=HEADER)


def test_photos_scans_pdfs_and_word_documents_are_kept_by_their_content_and_listed(client: TestClient,
                                                                                  desk: Desk) -> None:
    east = street(desk, "东风街道")
    kinds = {}
    for name, data in (("服务中心.png", png()), ("租赁合同.pdf", pdf()), ("说明.docx", docx()),
                       ("照片.jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 100), ("IMG_0001.HEIC",
                       b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64), ("扫描件", b"II*\x00" + b"\0" * 64)):
        r = send(client, east.secret, name, data)
        assert r.status_code == 200, r.text
        kinds[name] = r.json()["kind"]
    assert kinds == {"服务中心.png": "png", "租赁合同.pdf": "pdf", "说明.docx": "docx", "照片.jpeg": "jpeg",
                     "IMG_0001.HEIC": "heic", "扫描件": "tiff"}
    listed = client.get(f"/s/{east.secret}/api/evidence").json()
    assert [e["name"] for e in listed] == list(kinds) and all(len(e["sha256"]) == 64 for e in listed)
    stored = sorted((desk.root / "evidence").rglob("*.*"))
    assert [p.suffix for p in stored] == [".png", ".pdf", ".docx", ".jpg", ".heic", ".tif"]  # kaohe's names
    assert all(p.stat().st_mode & 0o777 == 0o440 for p in stored)
    # served with its sniffed type, never sniffed again, never run; images and PDFs inline (previews)
    first = client.get(f"/s/{east.secret}/evidence/{listed[0]['id']}")
    assert first.status_code == 200 and first.content == png()
    assert first.headers["content-type"] == "image/png" and first.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in first.headers["content-security-policy"]
    assert first.headers["content-disposition"].startswith("inline")
    word = client.get(f"/s/{east.secret}/evidence/{listed[2]['id']}")
    assert word.headers["content-disposition"].startswith("attachment")
    page = client.get(f"/s/{east.secret}").text
    assert f'<img src="/s/{east.secret}/evidence/{listed[0]["id"]}"' in page  # the preview
    log = desk.log_lines()
    assert sum(1 for e in log if e["action"] == "evidence") == 6


@pytest.mark.parametrize("name, data", [
    ("照片.jpg", zip_bomb()),  # an archive (a zip bomb) named as a photo
    ("说明.docx", zip_bomb()),  # and named as what it pretends to be
    ("合同.pdf", b"<!doctype html><html><script>alert(document.cookie)</script></html>"),  # a web page as PDF
    ("图标.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("证书.png", b"GIF89a" + b"\0" * 32),  # another image format under a PNG name
    ("资料.zip", docx()[:-10]),  # a damaged archive
])
def test_hostile_evidence_is_refused_and_nothing_is_kept(client: TestClient, desk: Desk, name: str,
                                                         data: bytes) -> None:
    east = street(desk, "东风街道")
    r = send(client, east.secret, name, data)
    assert r.status_code == 409 and "按文件内容判断" in r.json()["error"]
    assert desk.evidence() == [] and not list((desk.root / "evidence").rglob("*.*"))
    assert not list(desk.tmp.iterdir())


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient, desk: Desk) -> None:
    east = street(desk, "东风街道")
    r = client.post(f"/s/{east.secret}/api/evidence", headers={**HEADER, "content-length": str(2 * 1024 ** 3)},
                    content=b"x" * 1024)
    assert r.status_code == 413 and desk.evidence() == []


def test_one_streets_evidence_is_never_reachable_from_another_streets_link(client: TestClient, desk: Desk) -> None:
    east, peace = street(desk, "东风街道"), street(desk, "和平街道")
    kept = send(client, east.secret, "合同.pdf", pdf()).json()
    assert client.get(f"/s/{peace.secret}/evidence/{kept['id']}").status_code == 404
    assert client.get(f"/s/{peace.secret}/api/evidence").json() == []
    assert kept["name"] not in client.get(f"/s/{peace.secret}").text
    assert client.get(f"/a/{desk.admin().secret}/evidence/{kept['id']}").status_code == 200  # the bureau may
    assert client.get(f"/s/forged/evidence/{kept['id']}").status_code == 404


def test_required_evidence_missing_is_said_and_an_inspectors_insufficient_mark_is_a_finding(
        tmp_path: Path, request: pytest.FixtureRequest, store: str) -> None:
    targets = tmp_path / "targets.yaml"
    text = bundled(DEFAULT_TARGETS).read_text(encoding="utf-8")
    targets.write_text(text.replace("  - id: center-area\n", "  - id: center-area\n    evidence: required\n", 1),
                       encoding="utf-8")
    desk = make_desk(request, tmp_path / "desk", store, targets=targets)
    client = TestClient(create_app(desk), follow_redirects=False)
    east = street(desk, "东风街道")
    from kaohe.resources import SAMPLE_SUBMISSIONS

    token = csrf_of(client.get(f"/s/{east.secret}").text)
    client.post(f"/s/{east.secret}/upload", data={"csrf": token},
                files={"workbook": ("东风街道.xlsx", (bundled(SAMPLE_SUBMISSIONS) / "东风街道.xlsx").read_bytes())})
    page = text_of(client.get(f"/s/{east.secret}").text)
    assert "要求提供佐证材料，尚未上传" in page
    r = client.post(f"/s/{east.secret}/evidence", data={"csrf": token, "target": "center-area"},
                    files={"evidence": ("合同.pdf", pdf())})
    assert r.status_code == 200 and "已收到佐证材料" in text_of(r.text)
    assert "尚未上传" not in text_of(client.get(f"/s/{east.secret}").text)
    number = desk.evidence()[0].id
    marked = client.post(f"/a/{desk.admin().secret}/api/evidence/mark",
                         json={"id": number, "reason": "合同未盖章"}, headers=HEADER)
    assert marked.status_code == 200 and marked.json()["insufficient"] == "合同未盖章"
    report = client.get(f"/a/{desk.admin().secret}/report.json").json()
    found = [i for i in report["issues"] if i["code"] == "evidence-insufficient"]
    assert found and found[0]["street"] == "东风街道" and "合同未盖章" in found[0]["message"]
    assert "合同未盖章" in text_of(client.get(f"/s/{east.secret}").text)  # the street sees why


def test_the_verification_sheet_lists_which_figure_has_which_evidence_and_still_reads_as_findings(
        client: TestClient, desk: Desk, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from kaohe import api
    from kaohe.resources import SAMPLE_SUBMISSIONS

    east = street(desk, "东风街道")
    token = csrf_of(client.get(f"/s/{east.secret}").text)
    client.post(f"/s/{east.secret}/upload", data={"csrf": token},
                files={"workbook": ("东风街道.xlsx", (bundled(SAMPLE_SUBMISSIONS) / "东风街道.xlsx").read_bytes())})
    send(client, east.secret, "服务中心照片.png", png(), target="center-area")
    send(client, east.secret, "滨江社区用房.pdf", pdf(), target="room-area", community="滨江社区")
    index = [w.name for w in desk.streets()].index("东风街道")
    got = client.get(f"/a/{desk.admin().secret}/street/{index}/verification.xlsx")
    assert got.status_code == 200
    path = tmp_path / "核查表.xlsx"
    path.write_bytes(got.content)
    book = load_workbook(path)
    assert book.sheetnames == ["核查", "佐证材料"]
    rows = [[c for c in r if c is not None] for r in book["佐证材料"].iter_rows(values_only=True)]
    assert any("服务中心照片.png" in r and "各乡、街道社区服务中心使用面积达1000平方米以上" in r for r in rows)
    assert any("滨江社区用房.pdf" in r and "滨江社区" in r for r in rows)
    # filled in on site, the 核查表 is still a findings file (the evidence sheet is skipped)
    report = api.assess(desk.submissions, targets=desk.targets_path, verified=path)
    assert not [i for i in report.issues if i.code.startswith("finding") and i.severity == "error"]
