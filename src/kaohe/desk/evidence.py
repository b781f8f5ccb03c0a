"""Evidence (佐证材料): what a file is, judged by its bytes, and how it may be shown.

A street backs its figures with photos (JPEG, PNG, HEIC as phones send them, TIFF from scanners), PDF and
Word documents. The kind is sniffed from the first bytes — never taken from the name — and anything else is
refused: a web page named .pdf, an SVG with a script, an archive named .jpg. A Word document is a zip, so it
passes the same archive checks as a workbook (entries, inflated sizes, compression ratio) and must hold a
Word document's parts. Evidence is kept under a name kaohe chooses with the kind's own suffix, read-only, and
served with its sniffed type, `nosniff` and a sandboxing Content-Security-Policy: a browser never runs it.
Images and PDFs are shown inline (previews); the rest only downloaded.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Kind:
    name: str
    media_type: str
    suffix: str
    preview: bool  # shown in the page (an image) or inline (a PDF); else only downloaded


KINDS = {k.name: k for k in (
    Kind("jpeg", "image/jpeg", ".jpg", True),
    Kind("png", "image/png", ".png", True),
    Kind("heic", "image/heic", ".heic", False),  # browsers other than Safari do not show HEIC
    Kind("tiff", "image/tiff", ".tif", False),
    Kind("pdf", "application/pdf", ".pdf", True),
    Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", False),
    Kind("doc", "application/msword", ".doc", False),
)}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
ACCEPTED = "JPG、PNG、HEIC、TIFF、PDF、Word（.docx、.doc）"


def sniff(path: Path) -> Kind | None:
    """The evidence kind of a file by its content, or None when it is not one kaohe keeps."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return KINDS["heic"]
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return KINDS["tiff"]
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE2 file: Word 97-2003 (or Excel: see below)
        return KINDS["doc"] if _ole_is_word(path) else None
    if head.startswith(b"PK\x03\x04"):
        return KINDS["docx"] if _zip_is_word(path) else None
    return None


def _zip_is_word(path: Path) -> bool:
    """A Word document: a zip the workbook guard's archive limits accept, holding word/document.xml."""
    from kaohe.limits import MAX_ENTRY_BYTES, MAX_RATIO, MAX_TOTAL_BYTES, MAX_ZIP_ENTRIES, RATIO_FLOOR

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return False
            total = 0
            for info in infos:
                total += info.file_size
                ratio = info.file_size // max(info.compress_size, 1)
                if info.file_size > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES or (
                        info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
                    return False
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return False
    return "word/document.xml" in names and "[Content_Types].xml" in names


def _ole_is_word(path: Path) -> bool:
    """An OLE2 compound file with a WordDocument stream (UTF-16 names in its directory)."""
    from kaohe.limits import MAX_UPLOAD

    data = path.read_bytes()[:MAX_UPLOAD]
    return "WordDocument".encode("utf-16-le") in data


def response_headers(kind: Kind, download_name: str) -> dict[str, str]:
    """Headers for serving a piece of evidence: its sniffed type, never sniffed again by the browser, never
    run (a sandboxed document with no scripts), shown inline only when it is an image or a PDF."""
    from urllib.parse import quote

    disposition = "inline" if kind.preview else "attachment"
    # A PDF is shown by the browser's own viewer, which a sandboxed document may not load: it gets no
    # sandbox, but still no scripts, styles or connections of its own; everything else is sandboxed.
    policy = "default-src 'none'" if kind.name == "pdf" else "sandbox; default-src 'none'"
    # (nosniff and the pages' own policy come with every answer: desk/app.py's Guarded; both policies apply)
    return {"content-type": kind.media_type, "content-security-policy": policy,
            "content-disposition": f"{disposition}; filename*=UTF-8''{quote(download_name)}"}
