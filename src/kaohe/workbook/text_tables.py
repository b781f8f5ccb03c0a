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
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def read_text_table(data: bytes) -> list[list[str]]:
    """The rows of a CSV or tab-separated file, as text; UnreadableFile when it is too large or not a table."""
    text = decode_text(data)
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
