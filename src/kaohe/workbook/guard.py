"""Decide what a file really is and refuse hostile ones before any spreadsheet parser sees them.

In the spirit of Apache POI's ZipSecureFile. python-calamine builds every sheet as a dense grid from the first
to the last filled cell, so a 5 KB .xlsx with values in A1 and XFD1048576 asks for 550 GB and aborts the
process, and a 6 KB .xls with A1 and IV65536 takes 1 GB. So before calamine is called:

- the file must be a regular file (not a folder, device or symbolic link) and at most MAX_FILE_BYTES;
- the real format comes from the first bytes: zip (xlsx/xlsm/ods), OLE2 (xls, or a password-protected OOXML),
  HTML or XML text saved under a spreadsheet name, or nothing at all;
- a zip may hold at most MAX_ZIP_ENTRIES entries, each and all together under the uncompressed caps and the
  compression ratio cap; every entry is inflated once under a byte budget (a lying size header fails its
  CRC), and an XML part with a DTD (<!DOCTYPE, <!ENTITY: billion laughs, external entities) is refused;
- every sheet's extent — the last row and column that hold a value — is measured from the file itself and
  must stay under MAX_ROWS, MAX_COLS and MAX_CELLS.
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kaohe.errors import UnreadableFile
from kaohe.limits import (  # noqa: F401 (named here too: the guard's limits, as callers know them)
    MAX_CELLS,
    MAX_COLS,
    MAX_ENTRY_BYTES,
    MAX_FILE_BYTES,
    MAX_RATIO,
    MAX_ROWS,
    MAX_STRAY_SCAN,
    MAX_STRAYS,
    MAX_TOTAL_BYTES,
    MAX_ZIP_ENTRIES,
    RATIO_FLOOR,
    STRAY_GAP,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Sheet XML, measured as calamine will place its cells. The fast path holds only when every cell element is
# written `<c r="…"` (what Excel, LibreOffice and openpyxl write) with a reference within Z9999: one search
# for any cell start that is not (another attribute first, no r, a far reference) or any prefixed element.
_NOT_PLAIN = re.compile(rb'<(?:c(?=[\s>/])(?! r="[A-Z][0-9]{1,4}")|[\w.-]+:(?:c|row)[\s>/])')
# Otherwise every <row> and <c> element in order, whatever its prefix, attribute order or missing `r`.
_ROW_OR_CELL = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s>/])([^>]*?)(/?)>")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*([A-Za-z]{0,4})([0-9]{0,8})\s*["']""")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_WORD_STREAM = "WordDocument".encode("utf-16-le")


@dataclass(frozen=True)
class Extent:
    """The filled part of one sheet: its last row and column holding a value (1-based, 0 when empty)."""

    rows: int = 0
    cols: int = 0


def inspect(path: Path) -> tuple[str, bytes, bytes]:
    """The file's real format, the bytes to read and the bytes as sent, or UnreadableFile saying why not.

    Formats: `xlsx` (also .xlsm .xltx .xltm, WPS .et saved as OOXML), `xlsb`, `xls` (also .xlt, WPS .et/.ett,
    which are BIFF8), `ods` (a flat .fods comes back wrapped as an .ods) and `csv`. A file encrypted with
    Excel's built-in default password (a read-only workbook Excel opens without asking) comes back decrypted.
    """
    try:
        info = path.lstat()
    except OSError as exc:
        raise UnreadableFile("cannot-open", open_failure(exc)) from exc
    if stat.S_ISLNK(info.st_mode):
        raise UnreadableFile("symlink")
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableFile("folder")
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile("not-a-file")
    if info.st_size == 0:
        raise UnreadableFile("empty")
    if info.st_size > MAX_FILE_BYTES:
        raise UnreadableFile("too-large", f"{info.st_size / 1024 / 1024:.0f} MB > {MAX_FILE_BYTES // 1024 // 1024} MB")
    try:
        data = read_regular(path, MAX_FILE_BYTES + 1)  # read once: every later reader works on these bytes
    except NotRegularFile as exc:
        raise UnreadableFile("not-a-file") from exc
    except OSError as exc:
        raise UnreadableFile("cannot-open", open_failure(exc)) from exc
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile("too-large", f"> {MAX_FILE_BYTES // 1024 // 1024} MB")
    return (*inspect_bytes(data, path.suffix.lower()), data)


class NotRegularFile(OSError):
    """What was opened is not a regular file (a pipe, a device, a folder put in its place after it was listed)."""


def read_regular(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a regular file. Opened without blocking and without following a link, then
    checked on the open handle: a named pipe or a device never hangs the run, and a file swapped for one
    after it was listed is refused too (NotRegularFile). Other failures are the OSError as raised."""
    import os

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(f"not a regular file: {path}")
        chunks: list[bytes] = []
        left = limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


# why a file could not be opened or read (errno) → the words a clerk is told (words.py: unreadable.open.*)
def open_failure(exc: OSError) -> str:
    """The kind of an open or read failure, as unreadable.open.<kind> names it."""
    import errno

    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EBUSY,
                                                          getattr(errno, "ETXTBSY", -1)):
        return "permission"
    if isinstance(exc, FileNotFoundError) or exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "gone"
    if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link put in the file's place
        return "link"
    return "io"


def inspect_bytes(data: bytes, suffix: str = "") -> tuple[str, bytes]:
    """What inspect() says of bytes already read; `suffix` (.csv) only decides between text formats."""
    head = data[:512]
    if head.startswith(b"PK\x03\x04"):
        kind, trimmed = _inspect_zip(data)
        return kind, data if trimmed is None else trimmed
    if head.startswith(OLE_MAGIC):
        if _ENCRYPTED in data:  # an encrypted OOXML package lives in an OLE container
            return inspect_bytes(_decrypt_default(data))
        try:
            kind, trimmed = _inspect_ole(data)
            return kind, data if trimmed is None else trimmed
        except UnreadableFile as exc:
            if exc.detail != "FILEPASS":  # an .xls encrypted in place (RC4): perhaps with the default password
                raise
        return inspect_bytes(_decrypt_default(data))
    if head[:2] in _OLD_BIFF_BOF and head[2:4] in (b"\x04\x00", b"\x06\x00", b"\x08\x00", b"\x10\x00"):
        return "xls-old", data  # read by xlrd, pure Python, its sheets measured as they are read
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<office:document" in data[:4096] and b"opendocument.spreadsheet" in data[:4096]:
        return "ods", _wrap_flat_ods(data)
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")) or b"<html" in text:
        raise UnreadableFile("html")
    if text.startswith(b"mime-version") or b"multipart/related" in text:
        raise UnreadableFile("html", "MHT")
    if text.startswith(b"<?xml") or b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        raise UnreadableFile("xml")
    if suffix in TEXT_TABLE_SUFFIXES and _looks_like_text(data):
        return "csv", data
    if text.startswith(b"pk") or not head.strip():
        raise UnreadableFile("corrupt")
    raise UnreadableFile("not-workbook")


TEXT_TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
# The first record of a BIFF2, 3 or 4 file (Excel 2.x-4.x, 1987-1994): not an OLE container at all.
_OLD_BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04")


def _looks_like_text(data: bytes) -> bool:
    """Text in UTF-8, UTF-16 (with its BOM) or GB18030, and no NUL bytes outside UTF-16."""
    sample = data[:65536]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start > len(sample) - 4:  # cut in the middle of a character by the sample's end
                return True
    return False


def _decrypt_default(data: bytes) -> bytes:
    """An OOXML package encrypted with Excel's default password (VelvetSweatshop): what Excel saves for a
    workbook marked read-only or protected without a password to open. Any other password: refused."""
    try:
        import msoffcrypto
    except ImportError as exc:
        raise UnreadableFile("password") from exc
    import io

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password="VelvetSweatshop")
        out = io.BytesIO()
        office.decrypt(out)
    except Exception as exc:  # a real password, or an encryption msoffcrypto does not know
        raise UnreadableFile("password") from exc
    plain = out.getvalue()
    if not plain.startswith((b"PK\x03\x04", OLE_MAGIC)) or len(plain) > MAX_FILE_BYTES or _ENCRYPTED in plain:
        raise UnreadableFile("password")
    return plain


_FLAT_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
    'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _wrap_flat_ods(data: bytes) -> bytes:
    """A flat OpenDocument spreadsheet (.fods, one XML file) as the .ods zip calamine reads.

    The whitespace between elements goes (LibreOffice indents .fods; calamine's reader expects none): text
    that is only whitespace carries nothing a submission needs.
    """
    import io

    if _DTD.search(data, 0, 4096):
        raise UnreadableFile("hostile", "DTD")
    content = re.sub(rb">\s+<", b"><", data)
    for name, extent in _ods_extents(content).items():
        _check_extent(extent, name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", _FLAT_ODS_MANIFEST)
        zf.writestr("content.xml", content, zipfile.ZIP_STORED)
    return out.getvalue()


class Trimmed(bytes):
    """A package rewritten without a few stray cells far from everything else (a 1 typed at ALL40000): the
    bytes to read, and `strays` — sheet → [(cell, value)] — for the warning that names them."""

    strays: dict[str, list[tuple[str, str]]]


def _inspect_zip(data: bytes) -> tuple[str, Trimmed | None]:
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, NotImplementedError for odd versions, struct errors …
        raise UnreadableFile("corrupt", str(exc)) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise UnreadableFile("hostile", f"{len(infos)} zip entries > {MAX_ZIP_ENTRIES}")
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size // max(info.compress_size, 1)
            if info.file_size > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES:
                # a genuine sheet that large (a compression an office writes) is too large, not an attack
                reason = "hostile" if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO else "too-large"
                raise UnreadableFile(reason, f"{info.filename} inflates to {info.file_size:,} bytes")
            if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
                raise UnreadableFile("hostile", f"{info.filename} compressed {ratio}:1")
        names = {_part(i.filename): i for i in infos}
        workbook = ""
        if "content.xml" in names and "mimetype" in names:
            kind = "ods"
        elif "encryptedpackage" in names:
            raise UnreadableFile("password")
        else:
            workbook = _office_document(zf, names, data)
            if workbook.startswith("word/") and workbook.endswith(".xml") and workbook in names:
                kind = "docx"  # a Word document: its tables are read (workbook.documents)
            elif workbook.endswith(".xml") and workbook in names:
                kind = "xlsx"
            elif workbook.endswith(".bin") and workbook in names:
                kind = "xlsb"
            else:
                raise UnreadableFile("not-workbook", _zip_kind(set(names)))
        sheets: dict[str, bytes] = {}
        for info in infos:
            name = _part(info.filename)
            if not _read_by_calamine(name, kind):
                continue  # docProps, themes, media: no parser of kaohe's ever inflates them
            part = _inflate(zf, info, data)
            if name.endswith((".xml", ".rels")) and _DTD.search(part, 0, 4096):
                raise UnreadableFile("hostile", f"{info.filename} declares a DTD")
            if kind == "docx":
                continue  # its one part is parsed, DTD-checked, by workbook.documents
            if kind == "ods" and name == "content.xml":
                for sheet, extent in _ods_extents(part).items():
                    _check_extent(extent, sheet)
            else:
                sheets[name] = part
        book = _Package(sheets, workbook)
        replaced: dict[str, bytes] = {}
        strays: dict[str, list[tuple[str, str]]] = {}
        for name in book.worksheets():
            extent = _xlsx_extent(sheets[name]) if kind == "xlsx" else _xlsb_extent(sheets[name])
            if _too_large(extent):  # only a refusal needs the tab's name
                trimmed = _without_strays(sheets[name]) if kind == "xlsx" else None
                if trimmed is None:
                    _check_extent(extent, book.title(name))
                else:
                    replaced[name], strays[book.title(name)] = trimmed
        for name, part in sheets.items():  # relationships written with a prefix (<pr:Relationship …>): valid,
            if name.endswith(".rels") and _PREFIXED_REL.search(part):  # but calamine panics on them
                replaced[name] = _plain_relationships(part)
        if not replaced:
            return kind, None
        out = Trimmed(_repacked(zf, infos, data, replaced))
        out.strays = strays
        return kind, out




def _without_strays(xml: bytes) -> tuple[bytes, list[tuple[str, str]]] | None:
    """The sheet XML without its stray cells (_strays), and the strays as (cell, value); else None."""
    cells: list[tuple[int, int]] = []
    for row, col, _start, _end in _filled_cells(xml, None):
        cells.append((row, col))
        if len(cells) > MAX_STRAY_SCAN:
            return None  # a sheet this full is what it is: too large
    strays = _strays(cells)
    if strays is None:
        return None
    spans = [(start, end, row, col) for row, col, start, end in _filled_cells(xml, strays)]
    parts, at, found = [], 0, []
    for start, end, row, col in spans:
        parts.append(xml[at:start])
        at = end
        found.append((_a1(row, col), _cell_value(xml[start:end])))
    parts.append(xml[at:])
    trimmed = _DIMENSION.sub(b"", b"".join(parts), count=1)  # calamine would size the grid by it
    return trimmed, found


def _strays(cells: list[tuple[int, int]]) -> set[tuple[int, int]] | None:
    """Of a sheet's filled cells (1-based row, col), too many for the limits by their extent: the few to set
    aside — at most MAX_STRAYS, each beyond a gap of STRAY_GAP empty rows or columns from the rest — that bring
    the rest within the limits; None when no such few exist (the sheet is what it looks like: too large)."""
    from collections import Counter

    strays: set[tuple[int, int]] = set()
    while cells and _too_large(Extent(max(r for r, _ in cells), max(c for _, c in cells))):
        progressed = False
        for axis in (0, 1):
            counts = Counter(p[axis] for p in cells)
            values = sorted(counts, reverse=True)
            beyond = 0
            for high, low in zip(values, values[1:], strict=False):
                beyond += counts[high]
                if len(strays) + beyond > MAX_STRAYS:
                    break
                if high - low > STRAY_GAP[axis]:
                    strays |= {p for p in cells if p[axis] > low}
                    cells = [p for p in cells if p[axis] <= low]
                    progressed = True
                    break
            if progressed:
                break
        if not progressed:
            return None
    return strays if cells and strays else None


_PREFIXED_REL = re.compile(rb"</?([\w.-]+):Relationships?\b")


def _plain_relationships(part: bytes) -> bytes:
    """A relationships part written with a namespace prefix (<pr:Relationships xmlns:pr=…>, as some writers
    do) as every reader takes it: without the prefix."""
    found = _PREFIXED_REL.search(part)
    assert found is not None
    prefix = re.escape(found.group(1))
    part = re.sub(rb"<(/?)" + prefix + rb":", rb"<\1", part)
    return re.sub(rb"xmlns:" + prefix + rb"=", b"xmlns=", part)
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*/>")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v|t)(?:\s[^>]*)?>([^<]{0,40})")


def _placed_cells(xml: bytes) -> Iterator[tuple[int, int, re.Match[bytes]]]:
    """(row, col, its element's match) of each cell holding something (1-based), placed as calamine places it.

    A cell's own `r` gives its place whatever the order of its attributes; a cell without one comes after the
    cell before it in its row, and a row without `r` after the row before it (both allowed by the standard).
    An empty `<c …/>` or `<c …></c>` holds no value and is not yielded."""
    row = col = 0
    for m in _ROW_OR_CELL.finditer(xml):
        tag, attrs, closed = m.groups()
        ref = _R_ATTR.search(attrs)
        if tag == b"row":
            row = int(ref.group(2)) if ref and ref.group(2) else row + 1
            col = 0
            continue
        if ref and ref.group(1):
            col = _col_number(ref.group(1).upper())
            row = int(ref.group(2)) if ref.group(2) else row
        else:
            col += 1
        if not closed and not xml.startswith(b"</", m.end()):
            yield row, col, m


def _filled_cells(xml: bytes, only: set[tuple[int, int]] | None) -> Iterator[tuple[int, int, int, int]]:
    """(row, col, start, end) of each cell holding something (_placed_cells); start and end are the element's
    bytes, found only for the cells in `only` (when given)."""
    for row, col, m in _placed_cells(xml):
        if only is None:
            yield row, col, 0, 0
        elif (row, col) in only:
            prefix = m.group(0)[1:m.group(0).index(b"c", 1)]
            close = xml.find(b"</" + prefix + b"c>", m.end())
            if close != -1:
                yield row, col, m.start(), close + len(prefix) + 4


def _cell_value(element: bytes) -> str:
    if b't="s"' in element:
        return ""  # a shared string: its text is elsewhere; the cell is named without it
    found = _VALUE.search(element)
    return found.group(1).decode("utf-8", "replace").strip() if found else ""


def _a1(row: int, col: int) -> str:
    from kaohe.text import a1

    return a1(row - 1, col - 1)


def _repacked(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], data: bytes, replaced: dict[str, bytes]) -> bytes:
    """The package again, with some parts replaced (every entry already bounded by the guard)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            name = _part(info.filename)
            part = replaced[name] if name in replaced else _inflate(zf, info, data)
            out.writestr(info.filename, part)
    return buffer.getvalue()


def word_document(data: bytes) -> bytes:
    """The main part of a .docx inspect() called `docx` (its entries already bounded and DTD-checked)."""
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = {_part(i.filename): i for i in zf.infolist()}
        return _inflate(zf, names[_office_document(zf, names, data)], data)


def _office_document(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], data: bytes) -> str:
    """The workbook part, as the package's _rels/.rels names it (xl/workbook.xml where it says nothing)."""
    rels = names.get("_rels/.rels")
    if rels is not None and rels.file_size <= 1024 * 1024:
        xml = _inflate(zf, rels, data)
        for rel in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", xml):
            kind = re.search(rb'\bType="([^"]+)"', rel)
            target = re.search(rb'\bTarget="([^"]+)"', rel)
            if kind and target and kind.group(1).endswith(b"/officeDocument"):
                found = _part(target.group(1).decode("utf-8", "replace"))
                if found in names:
                    return found
    return "xl/workbook.bin" if "xl/workbook.bin" in names and "xl/workbook.xml" not in names else "xl/workbook.xml"


class _Package:
    """The parts of an OOXML package that name and hold its worksheets."""

    def __init__(self, parts: dict[str, bytes], workbook: str) -> None:
        self.parts = parts
        self.workbook = workbook
        folder, _, base = workbook.rpartition("/")
        self.folder = f"{folder}/" if folder else ""
        self.targets: dict[bytes, str] = {}  # relationship id → the part it points at
        self.sheets: set[str] = set()  # the parts the workbook's relationships call worksheets
        rels = parts.get(f"{self.folder}_rels/{base}.rels", b"")
        for rel in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
            rid = re.search(rb'\bId="([^"]+)"', rel)
            target = re.search(rb'\bTarget="([^"]+)"', rel)
            kind = re.search(rb'\bType="([^"]+)"', rel)
            if rid and target:
                path = target.group(1).decode("utf-8", "replace").replace("\\", "/")
                part = _part(path) if path.startswith("/") else _part(self.folder + path)
                self.targets[rid.group(1)] = part
                if kind and kind.group(1).endswith(b"/worksheet"):
                    self.sheets.add(part)

    def worksheets(self) -> list[str]:
        """Every part calamine may read as a sheet: those the workbook's relationships name, any XML with
        sheet data, and the .bin parts under worksheets/."""
        named = set(self.sheets)
        if self.workbook.endswith(".xml"):
            named |= {n for n, part in self.parts.items() if n.endswith(".xml") and b"sheetData" in part}
        else:
            named |= {n for n in self.parts if n.startswith(f"{self.folder}worksheets/") and n.endswith(".bin")}
        return sorted(n for n in named if n in self.parts)

    def title(self, member: str) -> str:
        """The name a clerk sees on the tab of the sheet stored as `member`, or the member when not known."""
        import html

        try:
            by_rid: dict[bytes, str] = {}
            if self.workbook.endswith(".bin"):
                by_rid = _xlsb_sheet_names(self.parts.get(self.workbook, b""))
            else:
                for sheet in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", self.parts.get(self.workbook, b"")):
                    rid = re.search(rb'\b(?:r|\w+):id="([^"]+)"', sheet)
                    name = re.search(rb'\bname="([^"]+)"', sheet)
                    if rid and name:
                        by_rid[rid.group(1)] = html.unescape(name.group(1).decode("utf-8"))
            return next((by_rid[rid] for rid, t in self.targets.items() if t == member and rid in by_rid), member)
        except (UnicodeDecodeError, ValueError):
            return member


def _part(name: str) -> str:
    """A zip entry's name as calamine looks it up: case and backslashes do not matter."""
    return name.replace("\\", "/").lstrip("/").lower()


def _zip_kind(names: set[str]) -> str:
    if "word/document.xml" in names:
        return "Word (.docx)"
    if "ppt/presentation.xml" in names:
        return "PowerPoint (.pptx)"
    return "zip"


def _read_by_calamine(name: str, kind: str) -> bool:
    if kind == "ods":
        return name in ("content.xml", "styles.xml", "meta.xml", "settings.xml")
    return name.endswith((".xml", ".rels", ".bin")) and not name.startswith(
        ("docprops/", "xl/theme/", "customxml/", "xl/media/", "xl/embeddings/", "xl/printersettings/"))


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> bytes:
    """An entry's bytes, inflated to at most its declared size, which must then match, as must the CRC."""
    if info.flag_bits & 0x1:
        raise UnreadableFile("password", info.filename)
    if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        import zlib

        try:
            offset = info.header_offset
            if data[offset:offset + 4] != b"PK\x03\x04":
                raise ValueError("bad local header")
            start = offset + 30 + int.from_bytes(data[offset + 26:offset + 28], "little") + \
                int.from_bytes(data[offset + 28:offset + 30], "little")
            packed = data[start:start + info.compress_size]
            if info.compress_type == zipfile.ZIP_STORED:
                out = packed
            else:  # max_length bounds the output: a lying header cannot make this inflate 1 GB
                out = zlib.decompressobj(-15).decompress(packed, info.file_size + 1)
        except Exception as exc:  # zlib.error, a truncated file …
            raise UnreadableFile("corrupt", f"{info.filename}: {exc}") from exc
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            raise UnreadableFile("corrupt", f"{info.filename}: size or CRC does not match its header")
        return out
    return _inflate_other(zf, info)


def _inflate_other(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Other compression methods, through zipfile, in 64 KB steps under the entry cap."""
    chunks: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as fh:
            # small reads keep each inflate step small: a lying header cannot make one read inflate 1 GB
            while total <= MAX_ENTRY_BYTES and (chunk := fh.read(1 << 16)):
                chunks.append(chunk)
                total += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        if "password" in str(exc).lower() or "encrypted" in str(exc).lower():
            raise UnreadableFile("password", str(exc)) from exc
        raise UnreadableFile("corrupt", f"{info.filename}: {exc}") from exc
    except Exception as exc:  # zlib.error and friends: a damaged stream
        raise UnreadableFile("corrupt", f"{info.filename}: {exc}") from exc
    if total > MAX_ENTRY_BYTES:
        raise UnreadableFile("hostile", f"{info.filename} inflates beyond {MAX_ENTRY_BYTES:,} bytes")
    return b"".join(chunks)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _xlsx_extent(data: bytes) -> Extent:
    """The last row and column of the cells that hold something, placed as calamine places them (or a bound
    on them that is within the limits).

    Cells are placed as _placed_cells places them; an empty one does not count towards the extent.
    """
    if not _NOT_PLAIN.search(data):
        return Extent(9999, 26)  # every cell placed by its own r, none past Z9999: the bound is the extent
    rows = cols = 0
    for row, col, _m in _placed_cells(data):
        rows, cols = max(rows, row), max(cols, col)
        if rows > MAX_ROWS or cols > MAX_COLS:
            break  # too large already: the rest would not change the answer
    return Extent(rows, cols)


def _ods_extents(data: bytes) -> dict[str, Extent]:
    """Per table, the extent of the cells with a value, counting number-rows/columns-repeated."""
    import io

    from defusedxml.ElementTree import iterparse

    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    office = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
    extents: dict[str, Extent] = {}
    name, row, rows, cols = "", 0, 0, 0
    col = 0
    row_cols = 0
    try:
        for event, elem in iterparse(io.BytesIO(data), events=("start", "end")):
            tag = elem.tag
            if tag == f"{table}table":
                if event == "start":
                    name, row, rows, cols = elem.get(f"{table}name", ""), 0, 0, 0
                else:
                    extents[name] = Extent(rows, cols)
                    elem.clear()
            elif tag == f"{table}table-row":
                if event == "start":
                    col, row_cols = 0, 0
                else:
                    repeat = int(elem.get(f"{table}number-rows-repeated", "1"))
                    if row_cols:
                        rows = row + repeat
                        cols = max(cols, row_cols)
                    row += repeat
                    elem.clear()
            elif event == "end" and tag in (f"{table}table-cell", f"{table}covered-table-cell"):
                repeat = int(elem.get(f"{table}number-columns-repeated", "1"))
                col += repeat
                if elem.get(f"{office}value-type") is not None or elem.get(f"{table}formula") is not None or \
                        len(elem):
                    row_cols = col
    except UnreadableFile:
        raise
    except Exception as exc:  # defusedxml refusals and malformed XML alike
        raise UnreadableFile("hostile" if "Forbidden" in type(exc).__name__ else "corrupt", str(exc)) from exc
    return extents


def _too_large(extent: Extent) -> bool:
    return extent.rows > MAX_ROWS or extent.cols > MAX_COLS or extent.rows * extent.cols > MAX_CELLS


def _check_extent(extent: Extent, where: str) -> None:
    if _too_large(extent):
        raise UnreadableFile("too-large", f"{where}: {extent.rows:,} × {extent.cols:,}",
                             sheet=where, rows=extent.rows, cols=extent.cols)


def _biff12_records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(record type, start of its body, size) of every record of an .xlsb part: type and size are
    variable-length integers, 7 bits a byte, the high bit saying that another byte follows."""
    pos, end = 0, len(data)
    while pos < end:
        rtype = data[pos] & 0x7F
        if data[pos] & 0x80:
            pos += 1
            if pos >= end:
                return
            rtype |= (data[pos] & 0x7F) << 7
        pos += 1
        size = shift = 0
        for _ in range(4):
            if pos >= end:
                return
            byte = data[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if pos + size > end:
            return
        yield rtype, pos, size
        pos += size


def _xlsb_extent(data: bytes) -> Extent:
    """The extent of an .xlsb sheet from its BIFF12 records: BrtRowHdr (0) sets the row, and every value
    record calamine keeps (2-11: number, error, boolean, string, shared string and their formula forms) starts
    with its column. BrtCellBlank (1) holds no value and is skipped, as calamine does."""
    row = rows = cols = 0
    for rtype, body, size in _biff12_records(data):
        if size < 4:
            continue
        if rtype == 0:
            row = int.from_bytes(data[body:body + 4], "little")
        elif 2 <= rtype <= 11:
            col = int.from_bytes(data[body:body + 4], "little")
            rows, cols = max(rows, row + 1), max(cols, col + 1)
            if rows > MAX_ROWS or cols > MAX_COLS:
                break
    return Extent(rows, cols)


def _xlsb_sheet_names(workbook: bytes) -> dict[bytes, str]:
    """relationship id → sheet name, from the BrtBundleSh records (156) of xl/workbook.bin."""
    names: dict[bytes, str] = {}
    for rtype, body, size in _biff12_records(workbook):
        if rtype != 156 or size < 12:
            continue
        record = workbook[body:body + size]
        pos = 8  # hsState, iTabID
        rid_len = int.from_bytes(record[pos:pos + 4], "little")
        pos += 4
        rid = b"" if rid_len == 0xFFFFFFFF else record[pos:pos + 2 * rid_len]
        pos += 0 if rid_len == 0xFFFFFFFF else 2 * rid_len
        name_len = int.from_bytes(record[pos:pos + 4], "little")
        name = record[pos + 4:pos + 4 + 2 * name_len].decode("utf-16-le", errors="replace")
        names[rid.decode("utf-16-le", errors="replace").encode()] = name
    return names


# ---- .xls: the OLE2 container and its BIFF records ----------------------------------------------------

_BIFF_CELLS = {0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}  # FORMULA NUMBER LABEL BOOLERR RK …
_MULRK = 0x00BD
_BOF = 0x0809
_FILEPASS = 0x002F
_BOUNDSHEET = 0x0085


def _inspect_ole(data: bytes) -> tuple[str, Trimmed | None]:
    stream = _workbook_stream(data)
    if not stream:
        if _WORD_STREAM in data:  # a Word 97-2003 .doc, or WPS Writer's .wps: read through LibreOffice
            return "doc", None
        raise UnreadableFile("not-workbook", "OLE")
    strays = _xls_extents(stream)
    if not strays:
        return "xls", None
    out = Trimmed(data)  # the same bytes, read by xlrd without the strays (workbook.sheets)
    out.strays = {sheet: [(_a1(r, c), "") for r, c in sorted(cells)] for sheet, cells in strays.items()}
    return "xls", out


def _workbook_stream(data: bytes) -> bytes | None:
    """The BIFF stream (Workbook, or Book for Excel 5) of an OLE2 file. xlrd's reader first (fast); olefile,
    which forgives the container quirks some writers leave (a short last sector, odd directory entries) as
    calamine does, when xlrd gives up."""
    from xlrd.compdoc import CompDoc

    try:
        doc = CompDoc(data, logfile=_Null())
        for name in ("Workbook", "Book"):
            try:
                stream = doc.get_named_stream(name)
            except Exception:
                stream = None
            if stream:
                return bytes(stream)
    except Exception:  # noqa: S110 - olefile has its say below
        pass
    import io

    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            for entry in ole.listdir(streams=True, storages=False):
                if len(entry) == 1 and entry[0].lower() in ("workbook", "book"):
                    with ole.openstream(entry) as fh:
                        return bytes(fh.read(MAX_FILE_BYTES))
    except Exception as exc:
        raise UnreadableFile("corrupt", str(exc)[:120]) from exc
    return None


def _xls_extents(stream: bytes) -> dict[str, set[tuple[int, int]]]:
    """Walk the BIFF records once: refuse encryption and sheets whose filled extent is too large — unless a few
    stray cells make them so: sheet → those cells (1-based), to be left out when the sheet is read."""
    pos, sheet, rows, cols = 0, 0, 0, 0
    end = len(stream)
    names: list[str] = []  # BOUNDSHEET records, in the order of the sheets' substreams
    cells: list[tuple[int, int]] | None = []  # this sheet's filled cells (None: too many to look for strays)
    strays: dict[str, set[tuple[int, int]]] = {}

    def name(k: int) -> str:
        return names[k] if 0 <= k < len(names) else f"#{k + 1}"

    def check() -> None:
        extent = Extent(rows, cols)
        if _too_large(extent):
            found = _strays(cells) if cells else None
            if found is None:
                _check_extent(extent, name(sheet - 2))
            else:
                strays[name(sheet - 2)] = found

    while pos + 4 <= end:
        rtype = stream[pos] | stream[pos + 1] << 8
        size = stream[pos + 2] | stream[pos + 3] << 8
        body = pos + 4
        if rtype == _FILEPASS:
            raise UnreadableFile("password", "FILEPASS")
        if rtype == _BOUNDSHEET and size >= 8 and body + size <= end:
            names.append(_short_string(stream[body + 6:body + size]))
        if rtype == _BOF:
            check()  # BOF 1 opens the globals, BOF 2 sheet 0
            sheet, rows, cols, cells = sheet + 1, 0, 0, []
        elif (rtype in _BIFF_CELLS or rtype == _MULRK) and size >= 4 and body + 4 <= end:
            row = stream[body] | stream[body + 1] << 8
            col = first = stream[body + 2] | stream[body + 3] << 8
            if rtype == _MULRK and size >= 6 and body + size <= end:
                col = stream[body + size - 2] | stream[body + size - 1] << 8
            rows, cols = max(rows, row + 1), max(cols, col + 1)
            if cells is not None:
                cells.extend((row + 1, c + 1) for c in range(first, min(col, first + MAX_STRAY_SCAN) + 1))
                if len(cells) > MAX_STRAY_SCAN:
                    cells = None
        pos = body + size
    check()
    return strays


def _short_string(data: bytes) -> str:
    """A BIFF8 ShortXLUnicodeString: a length, a flag byte, then Latin-1 or UTF-16LE characters."""
    if len(data) < 2:
        return ""
    count, wide = data[0], data[1] & 1
    raw = data[2:2 + count * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", errors="replace")


class _Null:
    def write(self, *_: object) -> None:
        pass
