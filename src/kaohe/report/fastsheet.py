"""A worksheet whose cells are written as XML text in one pass: the speed of the scorecard's long sheets.

Owner: report/excel.py (its `_Sheet` is the only user). Lifetime: as long as XlsxWriter's per-cell path costs
~7 µs a cell (measured with XlsxWriter 3.x: `write_string` stores a tuple, `close()` renders each cell through
its XML writer) — a 500-street scorecard has 540,000 cells, 4 s of the 4.8 s it took. Remove this module and
let `_Sheet.line` call `write_string`/`write_number` if XlsxWriter gets a bulk row writer that fast.

How: XlsxWriter writes the workbook (formats, merged title, charts, print setup, freeze panes, filters) as
usual; the body rows are kept here as ready XML and emitted inside <sheetData> after the rows XlsxWriter itself
holds (the title and subtitle above them). Strings go into XlsxWriter's shared string table (which escapes
them as it writes it); styles are XlsxWriter's own formats, by their XF index. Texts are never formulas:
nothing here writes an `<f>` element.

The same module packs the workbook at deflate level 1 (`quick_zip`): at level 6, zlib took a third of the
2000-street scorecard's writing time.

This reaches into private parts of XlsxWriter, and only these: the `ZipFile` name of xlsxwriter.workbook;
the `_write_sheet_data` hook of a worksheet class (XlsxWriter's documented way to use its own class is
`add_worksheet(worksheet_class=…)`), its `_write_rows`, `_check_dimensions`, `row_sizes` and `str_table`;
and `Format._get_xf_index()`.
tests/test_excel.py opens the result with openpyxl and LibreOffice, so a change there fails a test, not a
bureau.
"""

from __future__ import annotations

import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

_COLUMNS = [xl_col_to_name(c) for c in range(64)]
_INF = float("inf")


class FastSheet(Worksheet):  # type: ignore[misc]
    """A worksheet that takes whole rows (values and XF indexes) and writes them as XML text."""

    SPILL = 1 << 22  # characters of row XML kept in memory before they go to a temporary file

    def __init__(self) -> None:
        super().__init__()
        self._body: list[str] = []
        self._held = 0
        self._spilled: Any = None
        self._first_row = -1
        self._last_row = -1
        self._last_col = -1

    def put_row(self, row: int, cells: list[tuple[Any, int]], height: float | None = None) -> None:
        """Row `row` (0-based, below any row written through XlsxWriter's own calls): (value, xf) per column
        from A; a value None is an empty cell (written only when it has a style)."""
        number = str(row + 1)
        if height:
            self.row_sizes[row] = [int(height * 4 / 3 + 0.5), False]  # where charts below it are anchored
        shared, columns = self.str_table._get_shared_string_index, _COLUMNS
        parts = [f'<row r="{number}" ht="{height:g}" customHeight="1">' if height else f'<row r="{number}">']
        for col, (value, xf) in enumerate(cells):
            kind = value.__class__
            if kind is str and value:
                parts.append(f'<c r="{columns[col]}{number}" s="{xf}" t="s"><v>{shared(value)}</v></c>' if xf
                             else f'<c r="{columns[col]}{number}" t="s"><v>{shared(value)}</v></c>')
            elif kind is str or value is None:  # empty: a cell only to carry its style
                if xf:
                    parts.append(f'<c r="{columns[col]}{number}" s="{xf}"/>')
            elif value != value or value in (_INF, -_INF):  # NaN, infinities: shown as text, not numbers
                parts.append(f'<c r="{columns[col]}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
            else:
                parts.append(f'<c r="{columns[col]}{number}" s="{xf}"><v>{value!r}</v></c>' if xf
                             else f'<c r="{columns[col]}{number}"><v>{value!r}</v></c>')
        parts.append("</row>")
        text = "".join(parts)
        self._body.append(text)
        self._held += len(text)
        if self._held > self.SPILL:  # a long sheet: its rows wait on disk, not in memory
            if self._spilled is None:
                self._spilled = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.tmpdir)
            self._spilled.write("".join(self._body))
            self._body.clear()
            self._held = 0
        if self._first_row < 0:
            self._first_row = row
        self._last_row = max(self._last_row, row)
        self._last_col = max(self._last_col, len(cells) - 1)

    def _assemble_xml_file(self) -> None:
        # the <dimension> element is written before <sheetData>: the rows held here must count in it (readers
        # such as openpyxl's read-only mode read no further than it says)
        if self._first_row >= 0:
            self._check_dimensions(self._first_row, 0)
            self._check_dimensions(self._last_row, max(self._last_col, 0))
        super()._assemble_xml_file()

    def _write_sheet_data(self) -> None:
        if not self._body and self._spilled is None:
            super()._write_sheet_data()
            return
        own = max((r for r in self.table if self.table[r]), default=None)  # the title rows, above the body
        self._check_dimensions(self._first_row, 0)
        self._check_dimensions(self._last_row, max(self._last_col, 0))
        self._xml_start_tag("sheetData")
        if own is not None:
            last: int = getattr(self, "dim_rowmax")  # noqa: B009 (XlsxWriter sets it untyped)
            self.dim_rowmax = own  # XlsxWriter walks its rows up to dim_rowmax
            self._write_rows()
            self.dim_rowmax = last
        if self._spilled is not None:
            self._spilled.seek(0)
            while chunk := self._spilled.read(1 << 20):
                self.fh.write(chunk)
            self._spilled.close()
            self._spilled = None
        self.fh.write("".join(self._body))
        self._body.clear()
        self._xml_end_tag("sheetData")


class _QuickZip(zipfile.ZipFile):
    """XlsxWriter's zip file at deflate level 1: a fifth of the time of its default 6 on sheet XML, for files
    about a quarter larger (95 MB of XML of a 2000-street scorecard: 0.5 s instead of 1.7 s)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compresslevel", 1)
        super().__init__(*args, **kwargs)


_ZIP_LOCK = threading.Lock()


@contextmanager
def quick_zip() -> Iterator[None]:
    """While a workbook is closed, XlsxWriter packs it with _QuickZip (its module's `ZipFile` name, swapped
    under a lock and put back; XlsxWriter has no option for the level)."""
    import xlsxwriter.workbook as module

    with _ZIP_LOCK:
        original = module.ZipFile
        module.ZipFile = _QuickZip
        try:
            yield
        finally:
            module.ZipFile = original
