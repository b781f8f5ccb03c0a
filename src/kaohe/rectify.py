"""Rectification items (整改) as a file: what the desk exports, and what `kaohe assess --rectifications`
reads, so that a bureau without the desk can carry last year's open items into this year's scorecard.

A rectification file is a table (CSV, .xlsx …) with the columns 编号, 考核期, 街道, 整改事项, 社区, 整改期限,
状态, 整改进展 (English headers too); a row needs a street and the item. Its open items (状态 not 已销号 /
closed) go on the scorecard's 整改 sheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kaohe.model import Rectification

COLUMNS = {  # column kind → headers (exact, after trimming)
    "id": ("编号", "id"), "period": ("考核期", "period"), "street": ("街道", "街道名称", "street"),
    "what": ("整改事项", "问题", "item"), "community": ("社区", "community"), "due": ("整改期限", "期限", "due"),
    "state": ("状态", "state"), "progress": ("整改进展", "进展", "progress"),
}
STATES = {"待整改": "open", "已报进展": "reported", "退回": "returned", "已销号": "closed",
          "open": "open", "reported": "reported", "returned": "returned", "closed": "closed"}
SHOWN = {"open": "待整改", "reported": "已报进展", "returned": "退回", "closed": "已销号"}
HEADER = ["编号", "考核期", "街道", "整改事项", "社区", "整改期限", "状态", "整改进展"]


def rows(items: list[Rectification]) -> list[list[Any]]:
    """The items as a rectification file's rows (its header first)."""
    return [HEADER, *([r.id, r.period, r.street, r.what, r.community or "", r.due, SHOWN.get(r.state, r.state),
                       r.progress] for r in items)]


def read_rectifications(path: Path) -> list[Rectification]:
    """The open items of a rectification file (InputError when it has no 街道 and 整改事项 columns)."""
    from kaohe.errors import InputError
    from kaohe.workbook.sheets import read_book

    book = read_book(path)
    for sheet in book.sheets:
        for r, row in enumerate(sheet.rows[:20]):
            where = {kind: c for c, cell in enumerate(row) for kind, names in COLUMNS.items()
                     if isinstance(cell, str) and cell.strip() in names}
            if "street" not in where or "what" not in where:
                continue
            found = []
            for values in sheet.rows[r + 1:]:
                def get(kind: str, values: list[Any] = values, where: dict[str, int] = where) -> str:
                    c = where.get(kind)
                    value = values[c] if c is not None and c < len(values) else None
                    return "" if value is None else str(value).strip()

                if not get("street") or not get("what"):
                    continue
                state = STATES.get(get("state"), "open")
                if state == "closed":
                    continue
                found.append(Rectification(get("id"), get("period"), get("street"), get("what"),
                                           get("community") or None, get("due"), state, get("progress")))
            return found
    raise InputError(key="err.rectify_columns", path=str(path))
