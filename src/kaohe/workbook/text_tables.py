"""A CSV (or tab-separated text) file as one sheet of text cells, in whatever encoding an office saved it.

Excel on Chinese Windows saves CSV in GBK without a BOM, "CSV UTF-8" with one, and "Unicode 文本" as UTF-16
with tabs; WPS likewise. Every cell stays text: the cell readers parse figures written as text already.
"""

from __future__ import annotations

import csv
import io

from kaohe.errors import UnreadableFile
from kaohe.limits import (
    MAX_COLS,
    MAX_FIELD_CHARS,  # noqa: E402, F401
    MAX_ROWS,
)


def decode_text(data: bytes) -> str:
    """The text of a file saved by an office program: UTF-8 or UTF-16 by their BOM, else UTF-8, else GB18030."""
    return decode_noted(data)[0]


def decode_noted(data: bytes) -> tuple[str, bool]:
    """(the text, whether its encoding was a guess): UTF-8 and UTF-16 (by their BOM, or UTF-8 that decodes) and
    GBK whose Chinese is all in GB2312 (what Chinese Excel and WPS write) are certain; anything else is decoded
    as GB18030 and said to be a guess — a Latin-1 file would otherwise become Chinese-looking nonsense quietly."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), False
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), False
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace"), True
    return text, _beyond_common_gbk(data)


def _beyond_common_gbk(data: bytes) -> bool:
    """Whether GBK bytes use the rare CJK extension areas — a pair whose second byte is below 0xA1 outside the
    symbol rows 0xA8-0xA9 (where an accented Latin-1 letter followed by a plain one lands: é + s), or a
    four-byte GB18030 sequence. What Chinese Excel and WPS write — GB2312's characters and GBK's symbols
    (㎡ is 0xA94F) — does not."""
    i, n = 0, len(data)
    while i < n:
        lead = data[i]
        if lead < 0x80:
            i += 1
            continue
        if i + 1 >= n or (data[i + 1] < 0xA1 and not 0xA8 <= lead <= 0xA9):
            return True
        i += 2
    return False


def read_text_table(data: bytes) -> list[list[str]]:
    """The rows of a CSV or tab-separated file, as text; UnreadableFile when it is too large or not a table."""
    text = decode_text(data)
    return _rows(text)


def _rows(text: str) -> list[list[str]]:
    sample = text[:8192]
    delimiter = max(",\t;", key=sample.count) if any(d in sample for d in ",\t;") else ","
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) >= MAX_ROWS or len(row) > MAX_COLS:
                raise UnreadableFile("too-large", f"> {MAX_ROWS:,} rows or > {MAX_COLS:,} columns",
                                     sheet="CSV", rows=len(rows) + 1, cols=len(row))
            if any(len(cell) > MAX_FIELD_CHARS for cell in row):
                raise UnreadableFile("corrupt", f"a field longer than {MAX_FIELD_CHARS:,} characters")
            rows.append([cell.replace("\x00", "") for cell in row])
    except csv.Error as exc:
        raise UnreadableFile("corrupt", str(exc)) from exc
    width = max(map(len, rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]  # as wide as the sheet, as calamine's rows are
