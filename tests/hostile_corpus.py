"""A corpus of hostile and broken files, generated at test time (nothing hostile is committed).

`build(folder)` writes every case and returns {file name: the unreadable-file reason kaohe must give}; a
reason of None means the file is odd but readable and must be assessed. Used by tests/test_hostile.py and by
benchmarks/hostile.py, which times each case and measures its peak memory.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

from kaohe.text import col_letter

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{dtd}'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="社区情况{entity}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"


def raw_xlsx(path: Path, sheet_xml: bytes | str, workbook: str | None = None) -> Path:
    """A minimal xlsx around one sheet's XML, written without openpyxl (which would be far too slow here)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook or WORKBOOK.format(dtd="", entity=""))
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def zip_bomb(path: Path, inflated: int = 1_500_000_000) -> Path:
    """An xlsx whose 1.5 MB sheet inflates to 1.5 GB of whitespace, its size declared honestly."""
    chunk = b" " * (1 << 24)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = bytearray(comp.compress(SHEET_HEAD.encode()))
    crc = zlib.crc32(SHEET_HEAD.encode())
    written = len(SHEET_HEAD)
    while written < inflated:
        body += comp.compress(chunk)
        crc = zlib.crc32(chunk, crc)
        written += len(chunk)
    body += comp.compress(SHEET_TAIL.encode()) + comp.flush()
    crc = zlib.crc32(SHEET_TAIL.encode(), crc)
    written += len(SHEET_TAIL)
    raw_xlsx(path, "<placeholder/>")
    _replace_entry(path, "xl/worksheets/sheet1.xml", bytes(body), crc & 0xFFFFFFFF, written)
    return path


def lying_bomb(path: Path) -> Path:
    """The same bomb, but its headers claim the sheet is 2 KB: only the CRC check can tell."""
    chunk = b" " * (1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = comp.compress(SHEET_HEAD.encode()) + b"".join(comp.compress(chunk) for _ in range(200))
    body += comp.compress(SHEET_TAIL.encode()) + comp.flush()
    raw_xlsx(path, "<placeholder/>")
    _replace_entry(path, "xl/worksheets/sheet1.xml", body, 0x12345678, 2048)
    return path


def _replace_entry(path: Path, name: str, deflated: bytes, crc: int, size: int) -> None:
    """Rewrite a zip with one entry's deflated bytes, CRC and uncompressed size given by hand (ZIP64 if big)."""
    with zipfile.ZipFile(path) as src:
        others = [(i, src.read(i.filename)) for i in src.infolist() if i.filename != name]
    out = io.BytesIO()
    central = []
    for info, data in others:
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = comp.compress(data) + comp.flush()
        central.append(_local(out, info.filename.encode(), packed, zlib.crc32(data), len(data)))
    central.append(_local(out, name.encode(), deflated, crc, size))
    start = out.tell()
    for entry in central:
        out.write(entry)
    end = out.tell()
    if size >= 0xFFFFFFFF:
        out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(central), len(central),
                              end - start, start))
        out.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0))
    path.write_bytes(out.getvalue())


def _local(out: io.BytesIO, name: bytes, packed: bytes, crc: int, size: int) -> bytes:
    offset = out.tell()
    big = size >= 0xFFFFFFFF
    extra = struct.pack("<HHQQ", 1, 16, size, len(packed)) if big else b""
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if big else 20, 0, 8, 0, 0, crc,
                          0xFFFFFFFF if big else len(packed), 0xFFFFFFFF if big else size, len(name), len(extra)))
    out.write(name + extra + packed)
    cextra = struct.pack("<HHQQQ", 1, 24, size, len(packed), offset) if big else b""
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if big else 20, 45 if big else 20, 0, 8, 0, 0,
                       crc, 0xFFFFFFFF if big else len(packed), 0xFFFFFFFF if big else size, len(name),
                       len(cextra), 0, 0, 0, 0, 0xFFFFFFFF if big else offset) + name + cextra


def billion_laughs(path: Path) -> Path:
    lols = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    dtd = f'<!DOCTYPE workbook [<!ENTITY l0 "lol">{lols}]>'
    return raw_xlsx(path, SHEET_HEAD + SHEET_TAIL, WORKBOOK.format(dtd=dtd, entity="&l9;"))


def external_entity(path: Path) -> Path:
    dtd = '<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return raw_xlsx(path, SHEET_HEAD + SHEET_TAIL, WORKBOOK.format(dtd=dtd, entity="&xxe;"))


def many_rows(path: Path, rows: int = 100_000) -> Path:
    parts = [SHEET_HEAD]
    for r in range(1, rows + 1):
        parts.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>社区{r}</t></is></c>'
                     f'<c r="B{r}"><v>{r}</v></c></row>')
    parts.append(SHEET_TAIL)
    return raw_xlsx(path, "".join(parts))


def many_columns(path: Path, cols: int = 16_384) -> Path:
    """A row of 16,384 values, and one more value 70 rows down: a 1.15-million-cell grid for calamine."""
    cells = "".join(f'<c r="{col_letter(c)}1"><v>{c}</v></c>' for c in range(cols))
    return raw_xlsx(path, f'{SHEET_HEAD}<row r="1">{cells}</row><row r="70"><c r="A70"><v>1</v></c></row>'
                          f"{SHEET_TAIL}")


def sparse_corners(path: Path) -> Path:
    """Two values, in A1 and XFD1048576: calamine alone would ask for a 550 GB grid and abort."""
    sheet = (f'{SHEET_HEAD}<row r="1"><c r="A1"><v>1</v></c></row>'
             f'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>{SHEET_TAIL}')
    return raw_xlsx(path, sheet)


# The same far corner written the ways the standard allows and office programs write: attributes in another
# order (Google Sheets writes t= before r=), a namespace prefix, cells without r= placed by their position.
FAR_CELL_SHAPES = {
    "属性顺序.xlsx": '<row r="1048576"><c t="n" r="XFD1048576"><v>2</v></c></row>',
    "单引号.xlsx": "<row r='1048576'><c s='0' r='XFD1048576'><v>2</v></c></row>",
    "前缀.xlsx": '<x:row r="1048576"><x:c r="XFD1048576"><x:v>2</x:v></x:c></x:row>',
    "无r行.xlsx": '<row r="30000">' + "<c><v>1</v></c>" * 500 + "</row>",
    "无r行号.xlsx": "".join(f"<row><c><v>{r}</v></c></row>" for r in range(70_000)),
}


def far_cell(path: Path, row_xml: str) -> Path:
    """A 2 KB workbook whose A1 and one far cell, in `row_xml`, would make calamine build a huge grid."""
    head = SHEET_HEAD
    if "<x:" in row_xml:
        head = head.replace("<worksheet xmlns=", "<x:worksheet xmlns:x=").replace("<sheetData>", "<x:sheetData>")
        return raw_xlsx(path, f'{head}<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>{row_xml}'
                              "</x:sheetData></x:worksheet>")
    return raw_xlsx(path, f'{head}<row r="1"><c r="A1"><v>1</v></c></row>{row_xml}{SHEET_TAIL}')


def ods_repeat_bomb(path: Path) -> Path:
    """A 1 KB .ods whose one value is repeated across 16,384 columns and 1,048,576 rows."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="社区情况">'
        '<table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>"
        "</office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    return path


def sparse_xls(path: Path) -> Path:
    """An .xls with values in A1 and IV65536: calamine alone would spend 1 GB on the grid between them."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("社区情况")
    sheet.write(0, 0, 1)
    sheet.write(65535, 255, 2)
    book.save(str(path))
    return path


def encrypted(path: Path, source: Path, password: str = "mima2005") -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt(password, out)
    return path


def build(folder: Path, good: Path) -> dict[str, str | None]:
    """Write every case into `folder`, next to a copy of the good workbook `good`."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str | None] = {}

    def case(name: str, reason: str | None) -> Path:
        expected[name] = reason
        return folder / name

    zip_bomb(case("压缩炸弹.xlsx", "hostile"))
    lying_bomb(case("谎报大小.xlsx", "corrupt"))
    billion_laughs(case("billion-laughs.xlsx", "hostile"))
    external_entity(case("外部实体.xlsx", "hostile"))
    encrypted(case("有密码.xlsx", "password"), good)
    case("网页.xls", "html").write_text("<html><head><meta charset='utf-8'></head><body><table><tr>"
                                        "<td>街道名称</td><td>东风街道</td></tr></table></body></html>",
                                        encoding="utf-8")
    case("xml2003.xls", "xml").write_text(
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
        encoding="utf-8")
    case("空文件.xlsx", "empty").write_bytes(b"")
    case("截断.xlsx", "corrupt").write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    case("乱码.xlsx", "not-workbook").write_bytes(os.urandom(4096).replace(b"PK", b"pk"))
    case("文件夹.xlsx", "folder").mkdir()
    os.symlink(good, case("链接.xlsx", "symlink"))
    many_rows(case("十万行.xlsx", "too-large"))
    many_columns(case("16384列.xlsx", "too-large"))
    # a far corner is a stray cell: set aside, the rest read — here A1 alone, which is no submission
    sparse_corners(case("两角.xlsx", "not-submission"))
    for name, row_xml in FAR_CELL_SHAPES.items():
        far_cell(case(name, "too-large" if name.startswith("无r") else "not-submission"), row_xml)
    ods_repeat_bomb(case("重复单元格.ods", "too-large"))
    sparse_xls(case("两角.xls", "not-submission"))  # the far corner a stray there too: xlrd reads A1, sparsely
    return expected
