"""Word documents a street sends instead of a workbook: the tables of a .docx read as sheets (表1, 表2 …), a
.doc or WPS .wps through LibreOffice, and a document with no such table named, not read.

The documents are written by python-docx (tests/layouts.write_document) and re-saved by LibreOffice's Writer
as offices do; what each must score is computed from the data alone.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from conftest import soffice_convert
from kaohe import api
from kaohe.errors import UnreadableFile
from kaohe.workbook.sheets import read_book
from layouts import random_data, write_document
from test_layouts import reference, scored


def _data(seed: int, n: int = 7) -> tuple[dict, list[dict]]:
    return random_data(random.Random(seed), n)


@pytest.mark.parametrize("facts", ["table", "sentences"])
@pytest.mark.parametrize("grid", [True, False], ids=["two-row-header", "one-row-header"])
def test_a_word_documents_tables_are_read_like_a_workbook(tmp_path: Path, facts: str, grid: bool) -> None:
    street, communities = _data(71 + grid, 7)
    path = write_document(tmp_path / "东风街道.docx", street, communities, facts=facts, grid=grid)
    got, sub = scored(path)
    assert got == reference(street, communities), [i.message() for i in sub.issues]
    assert [u.name for u in sub.communities] == [c["name"] for c in communities]
    assert sub.community_sheet == ("表2" if facts == "table" else "表1")
    assert not [i for i in sub.issues if i.severity == "error"], [i.message() for i in sub.issues]


def test_a_figure_in_a_word_table_is_cited_at_its_table_row_and_column(tmp_path: Path) -> None:
    street, communities = _data(73, 5)
    communities[2]["room_area"] = "约150"
    path = write_document(tmp_path / "东风街道.docx", street, communities)
    report = api.check(path)
    bad = next(i for i in report.issues if i.code == "invalid-number")
    # 表2: the second table; two header rows, so the third community is row 5; 服务站服务用房面积 is column D
    assert (bad.sheet, bad.cell, bad.community) == ("表2", "D5", communities[2]["name"])


@pytest.mark.soffice
def test_word_documents_as_libreoffice_writes_them_docx_doc_and_wps(tmp_path: Path) -> None:
    """The same document re-saved by LibreOffice's Writer as .docx, and as Word 97 .doc (through .odt: Writer
    keeps tables that way), and that .doc named .wps as WPS Writer saves its own: each scores as its data say.
    In a .doc, tables that touch become one table (the format has no gap between them): still read."""
    street, communities = _data(74, 6)
    source = write_document(tmp_path / "src" / "东风街道.docx", street, communities)
    docx = soffice_convert([source], "docx:MS Word 2007 XML", tmp_path / "docx")[0]
    odt = soffice_convert([source], "odt", tmp_path / "odt")[0]
    doc = soffice_convert([odt], "doc:MS Word 97", tmp_path / "doc")[0]
    wps = doc.with_name("东风街道.wps")
    wps.write_bytes(doc.read_bytes())
    assert b"LibreOffice" in zipfile.ZipFile(docx).read("docProps/app.xml")  # really Writer's, not python-docx's
    assert doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    for path in (docx, doc, wps):
        got, sub = scored(path)
        assert got == reference(street, communities), (path.suffix, [i.message() for i in sub.issues])
        assert not [i for i in sub.issues if i.severity == "error"], (path.suffix, [i.message() for i in sub.issues])


WORD97 = Path(__file__).parent / "data" / "documents" / "word97.doc"  # Writer's Word 97 save of
# write_document(random_data(Random(77), 4)), through .odt


@pytest.mark.soffice
def test_a_doc_kept_in_the_repository_reads_through_libreoffice(tmp_path: Path) -> None:
    street, communities = _data(77, 4)
    path = tmp_path / "东风街道.doc"
    path.write_bytes(WORD97.read_bytes())
    got, sub = scored(path)
    assert got == reference(street, communities), [i.message() for i in sub.issues]


def test_a_doc_without_libreoffice_is_named_with_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kaohe.issues import unreadable
    from kaohe.workbook import documents

    monkeypatch.setattr(documents, "office", lambda: None)
    path = tmp_path / "东风街道.doc"
    path.write_bytes(WORD97.read_bytes())
    with pytest.raises(UnreadableFile) as caught:
        read_book(path)
    assert caught.value.reason == "needs-office"
    issue = unreadable(path.name, caught.value.reason, caught.value.detail, caught.value.params)
    assert "LibreOffice" in issue.message("zh") and "LibreOffice" in issue.message("en")
    assert ".docx" in issue.hint("zh") and ".docx" in issue.hint("en")


def test_a_word_document_without_a_submissions_table_is_named_not_an_error(tmp_path: Path) -> None:
    import docx

    street, communities = _data(75, 4)
    folder = tmp_path / "报送表"
    write_document(folder / "东风街道.docx", street, communities)
    notice = docx.Document()
    notice.add_paragraph("关于报送2005年度社区建设情况的通知")
    table = notice.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "联系人", "电话"
    notice.save(folder / "通知.docx")
    report = api.assess(folder)
    assert [(s.name, s.score) for s in report.streets] == [(street["name"], reference(street, communities))]
    named = [i for i in report.issues if i.file == "通知.docx"]
    assert [(i.code, i.severity) for i in named] == [("ignored-file", "warning")]


def test_a_hostile_word_document_is_refused_like_a_hostile_workbook(tmp_path: Path) -> None:
    """An entity declaration in word/document.xml (billion laughs) is refused before any XML parser sees it."""
    street, communities = _data(76, 3)
    good = write_document(tmp_path / "good.docx", street, communities)
    bad = tmp_path / "东风街道.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1)
            out.writestr(item, data)
    with pytest.raises(UnreadableFile) as caught:
        read_book(bad)
    assert caught.value.reason == "hostile"
