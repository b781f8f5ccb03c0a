"""Open a workbook once and hand out its sheets as plain grids, whatever program wrote it.

python-calamine reads the values of .xlsx/.xlsm/.xls/.ods fast and ignores WPS's understated `<dimension>`
tag, but it returns '' alike for a blank cell, a formula whose result was never saved and an error value
such as #VALUE!. So each sheet carries a lazy *probe* that looks at the file itself (the sheet XML of an
.xlsx, content.xml of an .ods, the BIFF records of an .xls via xlrd) the first time a blank cell matters.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kaohe.errors import UnreadableFile

# (row, col) 0-based → ("formula-no-value", formula text) or ("excel-error", "#VALUE!")
Findings = dict[tuple[int, int], tuple[str, str]]

# What a street may send: every office format a library here reads (Excel, its templates and binary workbooks,
# WPS 表格 .et/.ett, OpenDocument and flat OpenDocument) and CSV. The bytes decide how a file is read.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".xlsb", ".ods", ".fods", ".et", ".ett",
                        ".csv")
# Word documents a street may send instead: their tables are read as sheets (workbook.documents)
DOCUMENT_SUFFIXES = (".docx", ".doc", ".wps")
SUBMISSION_SUFFIXES = SPREADSHEET_SUFFIXES + DOCUMENT_SUFFIXES
# Saved by an office program under a spreadsheet-like name but not readable as one: read far enough to be
# named with the reason (a web page, Excel 2003 XML, a single-file web page).
NAMED_SUFFIXES = (".htm", ".html", ".mht", ".mhtml", ".xml")

Merges = dict[tuple[int, int], tuple[int, int]]  # a covered cell (row, col) → the merge's top-left cell


@dataclass
class Sheet:
    """One sheet's values from A1, row by row; `rows[r][c]` is the cell at 0-based (r, c).

    A value merged over several cells is in every cell of the merge; `merged` maps each covered cell to the
    merge's top-left cell, which is where issues point.
    """

    name: str
    rows: list[list[Any]]
    _probe: Callable[[], Findings] = field(repr=False, default=lambda: {})
    _findings: Findings | None = field(default=None, repr=False)
    merged: Merges = field(default_factory=dict, repr=False)
    hidden: bool = False  # a hidden sheet: searched after the visible ones, never taken as a table's continuation
    hidden_rows: frozenset[int] = frozenset()  # 0-based rows hidden by hand or filtered out by an autofilter
    hidden_cols: frozenset[int] = frozenset()  # 0-based columns hidden by hand

    def value(self, row: int, col: int) -> Any:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def a1(self, row: int, col: int) -> str:
        """The A1 reference a clerk finds the value at: a merge's top-left cell for the cells it covers."""
        from kaohe.text import a1

        return a1(*self.merged.get((row, col), (row, col)))

    def same_merge(self, a: tuple[int, int], b: tuple[int, int]) -> bool:
        """Whether two cells are covered by one merge (so b only repeats a's value)."""
        return self.merged.get(a, a) == self.merged.get(b, b)

    def blank_reason(self, row: int, col: int) -> tuple[str, str] | None:
        """Why a cell that reads as blank is blank: an unsaved formula, an error value, or None (truly blank)."""
        if self._findings is None:
            try:
                self._findings = self._probe()
            except Exception:  # a probe only refines a blank; a file calamine could read is never lost by it
                self._findings = {}
        return self._findings.get((row, col))


@dataclass
class Book:
    """A workbook as read: its sheets, and the SHA-256 and size of the very bytes they were read from."""

    sheets: list[Sheet]
    sha256: str
    size: int
    guessed_encoding: bool = False  # a CSV whose encoding was neither UTF-8/16 nor plain GBK: read, and said
    # sheet → [(cell, value)]: stray cells far from everything else, left out so the sheet could be read
    strays: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def read_sheets(path: Path) -> list[Sheet]:
    """Every sheet of the workbook at `path`, visible sheets first; raises UnreadableFile."""
    return read_book(path).sheets


def read_book(path: Path) -> Book:
    """Open a workbook once: inspect it, read every sheet, and fingerprint the bytes."""
    import hashlib

    from kaohe.workbook.guard import inspect

    kind, data, sent = inspect(path)
    fingerprint = hashlib.sha256(sent).hexdigest()
    if kind == "csv":
        from kaohe.workbook.text_tables import _rows, decode_noted

        text, guessed = decode_noted(data)
        return Book([Sheet(_stem(path), _rows(text))], fingerprint, len(sent), guessed)
    if kind in ("docx", "doc"):  # a Word document (a .doc or .wps through LibreOffice): its tables as sheets
        from kaohe.workbook.documents import convert_to_docx, read_docx
        from kaohe.workbook.guard import inspect_bytes, word_document

        if kind == "doc":
            kind, data = inspect_bytes(convert_to_docx(data, path.suffix.lower() or ".doc"))
            if kind != "docx":
                raise UnreadableFile("corrupt", "LibreOffice made no Word document of it")
        return Book(read_docx(word_document(data)), fingerprint, len(sent))
    if kind == "xls-old":  # Excel 2.x-4.x: xlrd reads these records, calamine does not
        return Book(_read_with_xlrd(data), fingerprint, len(sent))
    if kind == "xls" and getattr(data, "strays", None):  # a few far cells: xlrd reads the rest, sparsely
        strays: dict[str, list[tuple[str, str]]] = {}
        return Book(_read_with_xlrd(data, merges=True, strays=strays), fingerprint, len(sent), strays=strays)
    try:
        return Book(_read_with_calamine(kind, data), fingerprint, len(sent), strays=getattr(data, "strays", {}))
    except UnreadableFile as exc:
        if kind == "xls" and exc.reason == "corrupt":  # a BIFF8 calamine refuses (Quattro's codepage 8001 …):
            try:  # damaged only if xlrd cannot read it either
                return Book(_read_with_xlrd(data, merges=True), fingerprint, len(sent))
            except UnreadableFile:
                raise exc from None
        if kind != "xlsx" or exc.reason != "corrupt":
            raise
        # a package calamine refuses (an odd relationship, a bad shared string): openpyxl may read it
        return Book(_read_with_openpyxl(data, exc), fingerprint, len(sent))


def _read_with_calamine(kind: str, data: bytes) -> list[Sheet]:
    """Every worksheet, visible ones first, with merged values spread and blank cells explained lazily."""
    import python_calamine as pc

    try:
        # from_filelike picks the reader by content, so an .xls renamed .xlsx still reads
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as exc:
        raise UnreadableFile("password", str(exc)) from exc
    except BaseException as exc:  # calamine's errors, and pyo3's PanicException (a BaseException)
        if not _is_reader_failure(exc):
            raise
        raise UnreadableFile("corrupt", str(exc)) from exc
    sheets: list[Sheet] = []
    hidden: list[Sheet] = []
    ods_merges = _ods_merges(data) if kind == "ods" else {}
    unseen = _hidden_rows(kind, data)
    try:
        for meta in wb.sheets_metadata:
            if not str(getattr(meta, "typ", "WorkSheet")).endswith("WorkSheet"):
                continue  # a chart, dialog or macro sheet holds no table
            try:
                calamine_sheet = wb.get_sheet_by_name(meta.name)
                rows = calamine_sheet.to_python(skip_empty_area=False)
                ranges = ods_merges.get(meta.name) if kind == "ods" else calamine_sheet.merged_cell_ranges
            except BaseException as exc:
                if not _is_reader_failure(exc):
                    raise
                raise UnreadableFile("corrupt", f"{meta.name}: {exc}") from exc
            visible = str(getattr(meta, "visible", "Visible")).endswith("Visible")
            sheet = Sheet(meta.name, rows, _probe_for(kind, data, meta.name), merged=_spread(rows, ranges or ()),
                          hidden=not visible, hidden_rows=unseen.get(meta.name, _NONE)[0],
                          hidden_cols=unseen.get(meta.name, _NONE)[1])
            (sheets if visible else hidden).append(sheet)
    finally:
        wb.close()
    return sheets + hidden


def _read_with_xlrd(data: bytes, merges: bool = False,
                    strays: dict[str, list[tuple[str, str]]] | None = None) -> list[Sheet]:
    """Every sheet of an Excel 2.x-4.x file — or of an .xls calamine refuses, with its merged cells and hidden
    rows and columns (`merges`) — by xlrd (pure Python: no process to abort). Error cells and dates come back
    as calamine gives them: '' and the cell's number. With `strays`, the guard's stray cells (data.strays) are
    left out, each (cell, value) put in `strays` for its sheet."""
    import xlrd

    far: dict[str, list[tuple[str, str]]] = getattr(data, "strays", {}) if strays is not None else {}
    try:  # (ragged rows: a stray cell far away does not widen every row to its column)
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), formatting_info=merges,
                                  ragged_rows=bool(far))
    except Exception as exc:
        raise UnreadableFile("old-excel", str(exc)[:120]) from exc
    sheets = []
    for sh in book.sheets():
        drop = {cell for cell, _ in far.get(sh.name, ())}
        if not drop and sh.nrows * sh.ncols > MAX_CELLS:
            raise UnreadableFile("too-large", f"{sh.name}: {sh.nrows:,} × {sh.ncols:,}", sheet=sh.name,
                                 rows=sh.nrows, cols=sh.ncols)
        rows = _xlrd_rows(sh, drop, strays.setdefault(sh.name, []) if drop and strays is not None else [])
        ranges = [((r0, c0), (r1 - 1, c1 - 1)) for r0, r1, c0, c1 in sh.merged_cells if r0 < len(rows)] \
            if merges else []
        sheets.append(Sheet(sh.name, rows, merged=_spread(rows, ranges), hidden=merges and sh.visibility != 0,
                            hidden_rows=frozenset(r for r, i in sh.rowinfo_map.items() if i.hidden) if merges
                            else frozenset(),  # (formatting read with the merges: the same parse)
                            hidden_cols=frozenset(c for c, i in sh.colinfo_map.items() if i.hidden) if merges
                            else frozenset()))
    return sheets


def _xlrd_rows(sh: Any, drop: set[str], found: list[tuple[str, str]]) -> list[list[Any]]:
    """An xlrd sheet's rows as calamine gives them, as wide as the sheet — or, with cells to `drop` (A1
    references; the sheet read ragged), without them and as wide as what is left, each dropped (cell, value)
    appended to `found`."""
    import xlrd

    from kaohe.text import a1

    rows: list[list[Any]] = []
    for r in range(sh.nrows):
        row: list[Any] = []
        for c, (ctype, value) in enumerate(zip(sh.row_types(r), sh.row_values(r), strict=True)):
            if ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(value)
            elif ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                value = ""
            if drop and a1(r, c) in drop:
                found.append((a1(r, c), str(int(value) if isinstance(value, float) and value.is_integer()
                                            else value)[:40]))
                value = ""
            row.append(value)
        while drop and row and row[-1] == "":
            row.pop()
        rows.append(row)
    while drop and rows and not rows[-1]:
        rows.pop()
    width = max(map(len, rows), default=0)
    if width * len(rows) > MAX_CELLS:
        raise UnreadableFile("too-large", f"{sh.name}: {len(rows):,} × {width:,}", sheet=sh.name, rows=len(rows),
                             cols=width)
    return [row + [""] * (width - len(row)) for row in rows]


def _read_with_openpyxl(data: bytes, first: UnreadableFile) -> list[Sheet]:
    """Every sheet of an OOXML workbook calamine refused, by openpyxl (its XML parsing defused), merges too.
    The guard has already measured every sheet, so the grids are within bounds."""
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        raise UnreadableFile("corrupt", first.detail[:120]) from exc
    sheets = []
    for ws in wb.worksheets:
        rows = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
        ranges = [((m.min_row - 1, m.min_col - 1), (m.max_row - 1, m.max_col - 1)) for m in ws.merged_cells.ranges]
        sheets.append(Sheet(ws.title, rows, merged=_spread(rows, ranges)))
    return sheets


def _stem(path: Path) -> str:
    from kaohe.text import display_name

    return display_name(path.stem)


from kaohe.limits import MAX_CELLS, MAX_MERGED_CELLS  # noqa: E402


def _spread(rows: list[list[Any]], ranges: Any) -> Merges:
    """Put each merged range's top-left value into every cell it covers, within the sheet's grid."""
    merged: Merges = {}
    budget = MAX_MERGED_CELLS
    height = len(rows)
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= height or (r0, c0) == (r1, c1):
            continue
        top = rows[r0]
        value = top[c0] if c0 < len(top) else ""
        for r in range(r0, min(r1, height - 1) + 1):
            row = rows[r]
            last = min(c1, len(row) - 1)
            budget -= max(0, last - c0 + 1)
            if budget < 0:
                raise UnreadableFile("hostile", "merged ranges cover more cells than the sheet holds")
            for c in range(c0, last + 1):
                if (r, c) != (r0, c0):
                    merged[(r, c)] = (r0, c0)
                    if value != "" and value is not None and row[c] in ("", None):
                        row[c] = value
    return merged


def _ods_merges(data: bytes) -> dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Per sheet, the merged ranges of an .ods (number-rows-spanned / number-columns-spanned on a cell)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        content = zf.read("content.xml")
    if b"-spanned=" not in content:
        return {}
    from defusedxml.ElementTree import iterparse

    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    found: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = {}
    name, row, col = "", 0, 0
    for event, elem in iterparse(io.BytesIO(content), events=("start", "end")):
        tag = elem.tag
        if tag == f"{table}table" and event == "start":
            name, row = elem.get(f"{table}name", ""), 0
        elif tag == f"{table}table-row":
            if event == "start":
                col = 0
            else:
                row += int(elem.get(f"{table}number-rows-repeated", "1"))
                elem.clear()
        elif event == "end" and tag in (f"{table}table-cell", f"{table}covered-table-cell"):
            rows = int(elem.get(f"{table}number-rows-spanned", "1"))
            cols = int(elem.get(f"{table}number-columns-spanned", "1"))
            if rows > 1 or cols > 1:
                found.setdefault(name, []).append(((row, col), (row + rows - 1, col + cols - 1)))
            col += int(elem.get(f"{table}number-columns-repeated", "1"))
    return found


Hidden = dict[str, tuple[frozenset[int], frozenset[int]]]  # sheet → its hidden rows and hidden columns (0-based)
_NONE: tuple[frozenset[int], frozenset[int]] = (frozenset(), frozenset())


def _hidden_rows(kind: str, data: bytes) -> Hidden:
    """Per sheet, its 0-based rows hidden by hand or filtered out, and its hidden columns (calamine reads every
    row and column alike). A part kaohe cannot parse for this only costs the distinction: every row and
    column is then read, as before."""
    try:
        if kind == "xlsx":
            return _xlsx_hidden(data)
        if kind == "ods":
            return _ods_hidden(data)
        if kind == "xls":
            return _xls_hidden(data)
    except Exception:
        return {}
    return {}


_ROW_TAG = re.compile(rb"<(?:\w+:)?(row|col)\b([^>]*)>")
_ATTR = re.compile(rb'\b(r|hidden|min|max)="([^"]*)"')


def _xlsx_hidden(data: bytes) -> Hidden:
    """<row r="7" hidden="1">, <col min="3" max="4" hidden="1">: Excel, WPS and LibreOffice write hidden or
    filtered-out rows and hidden columns so."""
    found: Hidden = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist() if i.filename.endswith(".xml")
                 and "sheet" in i.filename.lower() and "sharedstrings" not in i.filename.lower()
                 and not i.filename.endswith("workbook.xml")}  # a sheet's part, wherever a writer put it
        parts = {k: v for k, v in parts.items() if b'hidden="1"' in v or b'hidden="true"' in v}
        if not parts:
            return found  # nearly every workbook: one search of each sheet, no parse
        for name, member in _xlsx_sheet_members(zf).items():
            xml = parts.get(member)
            if xml is None:
                continue
            rows: set[int] = set()
            cols: set[int] = set()
            last = 0
            for tag in _ROW_TAG.finditer(xml):
                attrs = dict(_ATTR.findall(tag.group(2)))
                hidden = attrs.get(b"hidden") in (b"1", b"true")
                if tag.group(1) == b"col":
                    if hidden and b"min" in attrs:
                        low, high = int(attrs[b"min"]), int(attrs.get(b"max") or attrs[b"min"])
                        cols.update(range(low - 1, min(high, low + 16384)))
                    continue
                last = int(attrs[b"r"]) if b"r" in attrs else last + 1
                if hidden:
                    rows.add(last - 1)
            if rows or cols:
                found[name] = (frozenset(rows), frozenset(cols))
    return found


def _xlsx_sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's name → its part in the package (through workbook.xml and its relationships)."""
    from defusedxml.ElementTree import fromstring

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book = fromstring(zf.read("xl/workbook.xml"))
    rels = {r.get("Id"): r.get("Target") for r in fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
    out = {}
    for sheet in book.iter(f"{main}sheet"):
        target = rels.get(sheet.get(f"{rel_ns}id"))
        if target:
            out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def _ods_hidden(data: bytes) -> Hidden:
    """<table:table-row table:visibility="collapse|filter">, <table:table-column table:visibility="collapse">,
    with their repeats counted."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        content = zf.read("content.xml")
    if b'visibility="collapse' not in content and b'visibility="filter' not in content:
        return {}
    from defusedxml.ElementTree import iterparse

    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    rows: dict[str, set[int]] = {}
    cols: dict[str, set[int]] = {}
    name, row, col = "", 0, 0
    for event, elem in iterparse(io.BytesIO(content), events=("start", "end")):
        if elem.tag == f"{table}table" and event == "start":
            name, row, col = elem.get(f"{table}name", ""), 0, 0
        elif elem.tag == f"{table}table-row" and event == "end":
            repeat = int(elem.get(f"{table}number-rows-repeated", "1"))
            if elem.get(f"{table}visibility", "visible") != "visible" and repeat < 100_000:
                rows.setdefault(name, set()).update(range(row, row + repeat))
            row += repeat
            elem.clear()
        elif elem.tag == f"{table}table-column" and event == "end":
            repeat = int(elem.get(f"{table}number-columns-repeated", "1"))
            if elem.get(f"{table}visibility", "visible") != "visible" and repeat < 16_384:
                cols.setdefault(name, set()).update(range(col, col + repeat))
            col += repeat
    return {k: (frozenset(rows.get(k, ())), frozenset(cols.get(k, ()))) for k in rows.keys() | cols.keys()}


def _xls_hidden(data: bytes) -> Hidden:
    """xlrd's ROW and COLINFO records (formatting_info): a row's hidden flag, set for hidden and filtered-out
    rows, and a column's."""
    import xlrd

    # A ROW record (0x0208, 16 bytes) whose option flags hide the row (0x20), or a COLINFO record (0x007D, 12
    # bytes) whose options hide its columns (0x01): without one, no need to parse the workbook again with its
    # formatting (a record split across two of the file's sectors escapes this search; its rows and columns
    # are then read as before)
    if not any(data[i + 16] & 0x20 for i in _find_all(data, b"\x08\x02\x10\x00") if i + 16 < len(data)) and \
            not any(data[i + 12] & 0x01 for i in _find_all(data, b"\x7d\x00\x0c\x00") if i + 12 < len(data)):
        return {}
    book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), formatting_info=True, on_demand=True)
    try:
        found: Hidden = {}
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = frozenset(r for r, info in sheet.rowinfo_map.items() if info.hidden)
            cols = frozenset(c for c, info in sheet.colinfo_map.items() if info.hidden)
            if rows or cols:
                found[sheet.name] = (rows, cols)
            book.unload_sheet(index)
        return found
    finally:
        book.release_resources()


def _find_all(data: bytes, needle: bytes) -> list[int]:
    found, at = [], data.find(needle)
    while at != -1:
        found.append(at)
        at = data.find(needle, at + 1)
    return found


def _is_reader_failure(exc: BaseException) -> bool:
    """An error of the reader (calamine's exceptions, a Rust panic), not Ctrl-C or exit."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _probe_for(kind: str, data: bytes, sheet: str) -> Callable[[], Findings]:
    if kind == "xlsx":
        return lambda: _probe_xlsx(data, sheet)
    if kind == "ods":
        return lambda: _probe_ods(data, sheet)
    if kind == "xls":
        return lambda: _probe_xls(data, sheet)
    return lambda: {}  # .xlsb: calamine's reading is all there is


def _ref_to_rc(ref: str) -> tuple[int, int]:
    col = 0
    i = 0
    while i < len(ref) and ref[i].isalpha():
        col = col * 26 + (ord(ref[i].upper()) - 64)
        i += 1
    return int(ref[i:]) - 1, col - 1


def _probe_xlsx(data: bytes, sheet: str) -> Findings:
    from defusedxml.ElementTree import fromstring

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book = fromstring(zf.read("xl/workbook.xml"))
        rid = next(
            (s.get(f"{rel_ns}id") for s in book.iter(f"{main}sheet") if s.get("name") == sheet), None
        )
        rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
        if target is None:
            return {}
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        xml = zf.read(member)
    if b"<f" not in xml and b't="e"' not in xml:  # no formula and no error cell: nothing to explain
        return {}
    scanned = _scan_cells(xml)
    return scanned if scanned is not None else _parse_cells(xml)


def _parse_cells(xml: bytes) -> Findings:
    """Error cells and formulas without a saved value, from the sheet XML parsed as a tree (defused)."""
    from defusedxml.ElementTree import iterparse

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    findings: Findings = {}
    with io.BytesIO(xml) as fh:
        row, col = -1, -1
        for event, elem in iterparse(fh, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == f"{main}row":
                    r = elem.get("r")
                    row = int(r) - 1 if r else row + 1
                    col = -1
                continue
            if tag != f"{main}c":
                if tag == f"{main}row":
                    elem.clear()
                continue
            ref = elem.get("r")
            row, col = _ref_to_rc(ref) if ref else (row, col + 1)
            kind = elem.get("t")
            v = elem.find(f"{main}v")
            value = v.text if v is not None else None
            if kind == "e":
                findings[(row, col)] = ("excel-error", value or "#N/A")
            else:
                f = elem.find(f"{main}f")
                if f is not None and not value and kind not in ("str", "inlineStr", "s"):
                    findings[(row, col)] = ("formula-no-value", "=" + (f.text or ""))
    return findings


_CELL_ELEMENT = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')
_CELL_VALUE = re.compile(rb"<v\b[^>]*>(.*?)</v>", re.S)
_CELL_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)


def _scan_cells(xml: bytes) -> Findings | None:
    """What _probe_xlsx finds, by scanning the cell elements instead of parsing the whole tree (a tenth of
    the time, for sheets with hundreds of unsaved formulas). None when the sheet is not in the plain shape
    it expects (a cell without its own r="…", cells with a namespace prefix): then the tree is parsed."""
    if b":c " in xml or b":c>" in xml:
        return None
    findings: Findings = {}
    for m in _CELL_ELEMENT.finditer(xml):
        attrs, inner = m.group(1), m.group(2) or b""
        ref = _CELL_REF.search(attrs)
        if ref is None:
            return None
        kind_match = _CELL_TYPE.search(attrs)
        kind = kind_match.group(1).decode() if kind_match else None
        if kind != "e" and b"<f" not in inner:
            continue
        v = _CELL_VALUE.search(inner)
        value = html.unescape(v.group(1).decode("utf-8")) if v else None
        where = _ref_to_rc(ref.group(1).decode())
        if kind == "e":
            findings[where] = ("excel-error", value or "#N/A")
            continue
        f = _CELL_FORMULA.search(inner)
        if f is not None and not value and kind not in ("str", "inlineStr", "s"):
            findings[where] = ("formula-no-value", "=" + html.unescape((f.group(1) or b"").decode("utf-8")))
    return findings


def _probe_ods(data: bytes, sheet: str) -> Findings:
    from defusedxml.ElementTree import iterparse

    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    office = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
    calcext = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
    findings: Findings = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("content.xml") as fh:
        inside = False
        row, col = 0, 0
        for event, elem in iterparse(fh, events=("start", "end")):
            tag = elem.tag
            if tag == f"{table}table":
                if event == "start":
                    inside = elem.get(f"{table}name") == sheet
                    row = 0
                elif inside:
                    break
                continue
            if not inside or event == "start":
                if tag == f"{table}table-row" and event == "start":
                    col = 0
                continue
            if tag == f"{table}table-row":
                row += int(elem.get(f"{table}number-rows-repeated", "1"))
                elem.clear()
            elif tag in (f"{table}table-cell", f"{table}covered-table-cell"):
                formula = elem.get(f"{table}formula")
                if formula is not None:
                    if elem.get(f"{calcext}value-type") == "error":
                        text = "".join(elem.itertext()).strip() or "#VALUE!"
                        findings[(row, col)] = ("excel-error", text)
                    elif elem.get(f"{office}value-type") is None:
                        findings[(row, col)] = ("formula-no-value", formula.split(":", 1)[-1])
                col += int(elem.get(f"{table}number-columns-repeated", "1"))
    return findings


def _probe_xls(data: bytes, sheet: str) -> Findings:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    try:
        sh = book.sheet_by_name(sheet)
        findings: Findings = {}
        for r in range(sh.nrows):
            for c, ctype in enumerate(sh.row_types(r)):
                if ctype == xlrd.XL_CELL_ERROR:
                    code = sh.cell_value(r, c)
                    findings[(r, c)] = ("excel-error", xlrd.error_text_from_code.get(code, "#VALUE!"))
        return findings
    finally:
        book.release_resources()
