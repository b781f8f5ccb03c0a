"""Word documents as workbooks: the tables of a .docx (and of a .doc or WPS .wps, through LibreOffice) read as
sheets, so a street that sent its figures in Word is read like any other.

Each table is a sheet named 表1, 表2 … in document order, and a cell is cited as on a sheet: 表2!C4 is the third
cell of the table's fourth row (counting the grid's columns, as Word's own table tools do). The paragraphs
outside the tables — the title, 填报单位：东风街道, a street fact written in a sentence — are the rows of one
more sheet, 正文, first. Cells merged across (gridSpan) or down (vMerge) hold the merge's value in every cell
they cover, as merged spreadsheet cells do, and issues point at the merge's first cell.

Every value is text, as in a CSV: the cell readers parse figures written as text. The XML is parsed by
defusedxml after the zip guard (workbook.guard) has bounded every entry; a table larger than a sheet may be is
refused as a sheet would be.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from kaohe.errors import UnreadableFile
from kaohe.limits import MAX_CELLS, MAX_COLS, MAX_ROWS
from kaohe.workbook.sheets import Merges, Sheet

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BODY_SHEET = "正文"
TABLE_SHEET = "表{n}"
# How long LibreOffice may take to turn a .doc or .wps into a .docx (it starts a whole office suite): within a
# reading worker's own deadline (limits.MAX_SECONDS_PER_FILE).
CONVERT_SECONDS = 45


def read_docx(document: bytes) -> list[Sheet]:
    """The sheets of a .docx's word/document.xml: 正文 (when there is text outside the tables), then 表1 …"""
    import defusedxml.ElementTree as SafeET  # noqa: N812

    try:
        root = SafeET.fromstring(document, forbid_dtd=True)
    except Exception as exc:  # ParseError, a defusedxml refusal (DTD, entities)
        raise UnreadableFile("corrupt", f"word/document.xml: {exc}") from exc
    body = root.find(f"{W}body")
    if body is None:
        raise UnreadableFile("corrupt", "word/document.xml has no body")
    paragraphs: list[list[Any]] = []
    sheets: list[Sheet] = []
    for element in _blocks(body):
        if element.tag == f"{W}p":
            text = _text(element)
            if text.strip():
                paragraphs.append([text.strip()])
        elif element.tag == f"{W}tbl":
            rows, merged, hidden = _table(element)
            if any(any(v for v in row) for row in rows):
                name = TABLE_SHEET.format(n=len(sheets) + 1)
                sheets.append(Sheet(name, rows, merged=merged, hidden_rows=frozenset(hidden)))
    if paragraphs:
        sheets.insert(0, Sheet(BODY_SHEET, paragraphs))
    return sheets


def _blocks(parent: Any) -> Any:
    """The body's paragraphs and tables in order, looking through content controls and custom XML wrappers."""
    for child in parent:
        if child.tag in (f"{W}p", f"{W}tbl"):
            yield child
        elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            yield from _blocks(child.find(f"{W}sdtContent") if child.tag == f"{W}sdt" else child)


def _text(element: Any) -> str:
    """A paragraph's (or a cell's) text: runs joined, tabs and breaks as spaces and new lines, deleted text out."""
    parts: list[str] = []
    for node in element.iter():
        tag = node.tag
        if tag == f"{W}t" and node.text:
            parts.append(node.text)
        elif tag == f"{W}tab":
            parts.append(" ")
        elif tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
        elif tag == f"{W}p" and parts and parts[-1] != "\n":
            parts.append("\n")  # the paragraphs of one cell, one line each
    return "".join(parts).strip()


def _val(element: Any, path: str, default: str | None = None) -> str | None:
    found = element.find(path)
    if found is None:
        return default
    return found.get(f"{W}val", "") or ""


def _table(tbl: Any) -> tuple[list[list[Any]], Merges, list[int]]:
    """(rows of text, merges, hidden rows) of one table: columns placed on the table's grid."""
    rows: list[list[Any]] = []
    merged: Merges = {}
    hidden: list[int] = []
    for tr in tbl.findall(f"{W}tr"):
        r = len(rows)
        if r >= MAX_ROWS:
            raise UnreadableFile("too-large", f"a table of more than {MAX_ROWS:,} rows")
        row: list[Any] = []
        before = int(_val(tr, f"{W}trPr/{W}gridBefore", "0") or 0)
        row.extend([""] * min(before, MAX_COLS))
        if _val(tr, f"{W}trPr/{W}hidden") is not None:
            hidden.append(r)
        for tc in _cells(tr):
            span = max(1, min(int(_val(tc, f"{W}tcPr/{W}gridSpan", "1") or 1), MAX_COLS))
            c = len(row)
            if c + span > MAX_COLS:
                raise UnreadableFile("too-large", f"a table of more than {MAX_COLS:,} columns")
            vmerge = _val(tc, f"{W}tcPr/{W}vMerge")
            if vmerge is not None and vmerge != "restart" and r > 0:  # continues the merge above
                above = rows[r - 1]
                value = above[c] if c < len(above) else ""
                top = merged.get((r - 1, c), (r - 1, c))
            else:
                value, top = _text(tc), (r, c)
            for k in range(span):
                row.append(value)
                if (r, c + k) != top:
                    merged[(r, c + k)] = top
        rows.append(row)
    width = max(map(len, rows), default=0)
    if width * len(rows) > MAX_CELLS:
        raise UnreadableFile("too-large", f"a table of {len(rows):,} × {width:,} cells")
    return [row + [""] * (width - len(row)) for row in rows], merged, hidden


def _cells(tr: Any) -> Any:
    for child in tr:
        if child.tag == f"{W}tc":
            yield child
        elif child.tag in (f"{W}sdt", f"{W}customXml"):  # a cell inside a content control
            inner = child.find(f"{W}sdtContent") if child.tag == f"{W}sdt" else child
            if inner is not None:
                yield from (tc for tc in inner if tc.tag == f"{W}tc")


# ---- .doc and .wps: through LibreOffice, when it is installed ----------------------------------------------


def office() -> str | None:
    """LibreOffice's command, if installed (soffice or libreoffice on the PATH)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(data: bytes, suffix: str) -> bytes:
    """A .doc or .wps document as .docx bytes, converted by LibreOffice in a throwaway folder and profile; an
    UnreadableFile when LibreOffice is not installed, fails or takes longer than CONVERT_SECONDS."""
    command = office()
    if command is None:
        raise UnreadableFile("needs-office", suffix)
    with tempfile.TemporaryDirectory(prefix="kaohe-doc-") as folder:
        source = Path(folder) / f"document{suffix}"
        source.write_bytes(data)
        profile = Path(folder) / "profile"
        try:
            subprocess.run([command, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                            "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(Path(folder) / "out"),
                            str(source)], capture_output=True, timeout=CONVERT_SECONDS, check=False,
                           env={**os.environ, "HOME": folder}, preexec_fn=_office_memory)
        except (subprocess.TimeoutExpired, OSError) as exc:
            raise UnreadableFile("corrupt", f"LibreOffice: {exc}") from exc
        out = Path(folder) / "out" / "document.docx"
        if not out.is_file():
            raise UnreadableFile("corrupt", "LibreOffice could not open it")
        return out.read_bytes()


def _office_memory() -> None:
    """In the office process only: a reading worker's address-space cap is sized for Python reading a workbook,
    not for an office suite's mappings; LibreOffice gets the hard limit, and CONVERT_SECONDS still bounds it."""
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    except (ImportError, OSError, ValueError):
        pass
