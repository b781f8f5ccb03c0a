"""Find the street facts and the community table in a workbook by their content, and read them.

Nothing here depends on sheet names, sheet order, column order or the exact header spelling: the header row is
the row that names the community key field (社区名称 or an alias), the street facts are the cells to the right of
their labels, and every label and alias comes from the targets YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kaohe.errors import UnreadableFile
from kaohe.issues import Issue
from kaohe.model import RowCounts, Submission, Unit
from kaohe.targets import FieldDef, Targets
from kaohe.text import a1, clean_name, squash
from kaohe.workbook.cells import CellReader, Parsed, is_blank
from kaohe.workbook.sheets import Sheet, read_sheets

HEADER_SEARCH_ROWS = 60


@dataclass
class Header:
    """Where a community table's header is and which column holds which field."""

    sheet: Sheet
    top: int
    bottom: int
    columns: dict[str, int]
    data_start: int


@dataclass
class _Context:
    file: str
    targets: Targets
    cells: CellReader
    issues: list[Issue] = field(default_factory=list)
    street: str | None = None

    def issue(self, code: str, sheet: str | None = None, cell: str | None = None,
              community: str | None = None, **params: Any) -> None:
        self.issues.append(Issue(code, self.file, sheet, cell, self.street, community, params))


def read_submission(path: Path, targets: Targets, display_name: str | None = None,
                    cells: CellReader | None = None) -> Submission:
    """Read one street workbook; raises UnreadableFile only when the file cannot be opened at all."""
    ctx = _Context(display_name or path.name, targets, cells or CellReader(targets))
    sheets = read_sheets(path)
    header = _find_header(sheets, targets)
    street = _read_street(sheets, header, ctx)
    if header is None and street is None:
        raise UnreadableFile("not-submission")
    if street is not None:
        ctx.street = street.name or None
        ctx.issues[:] = [i.located(street=street.name or None) for i in ctx.issues]
    if header is None:
        key = targets.fields.community[targets.key_field("community")]
        ctx.issue("missing-column", label=key.label, what="表头", what_en="column header")
        return Submission(ctx.file, street, [], ctx.issues, RowCounts(), None,
                          street.sheet if street else None)
    communities, counts = _read_communities(header, ctx)
    return Submission(ctx.file, street, communities, ctx.issues, counts, header.sheet.name,
                      street.sheet if street else None)


# ---- the community table -------------------------------------------------------------------------------


def _header_fields(row: list[Any], lookup: dict[str, str], targets: Targets) -> dict[int, str]:
    found: dict[int, str] = {}
    for c, raw in enumerate(row):
        if isinstance(raw, str) and raw.strip():
            name = lookup.get(targets.header_key(raw))
            if name is not None:
                found[c] = name
    return found


def _is_texty(row: list[Any]) -> bool:
    return not any(isinstance(v, int | float) and not isinstance(v, bool) for v in row)


def _find_header(sheets: list[Sheet], targets: Targets) -> Header | None:
    lookup = targets.header_lookup("community")
    key = targets.key_field("community")
    for sheet in sheets:
        for r in range(min(len(sheet.rows), HEADER_SEARCH_ROWS)):
            found = _header_fields(sheet.rows[r], lookup, targets)
            if key not in found.values() or len(found) < 2:
                continue
            top = bottom = r
            # Two-row headers: a group row (设施面积) merged over the real names, ungrouped columns merged
            # down. Take the neighbour row's names for columns this row leaves empty.
            for neighbour in (r + 1, r - 1):
                if not 0 <= neighbour < len(sheet.rows) or not _is_texty(sheet.rows[neighbour]):
                    continue
                extra = {c: f for c, f in _header_fields(sheet.rows[neighbour], lookup, targets).items()
                         if c not in found and f not in found.values()}
                if extra:
                    found.update(extra)
                    top, bottom = min(top, neighbour), max(bottom, neighbour)
            columns: dict[str, int] = {}
            for c in sorted(found):
                columns.setdefault(found[c], c)
            start = bottom + 1
            while start < len(sheet.rows) and _is_column_numbers(sheet.rows[start], targets):
                start += 1
            return Header(sheet, top, bottom, columns, start)
    return None


def _is_column_numbers(row: list[Any], targets: Targets) -> bool:
    """A row like 甲 乙 1 2 3 … under the header: marks or small increasing integers, nothing else."""
    marks = set(targets.layout.column_number_marks)
    numbers: list[float] = []
    filled = 0
    for raw in row:
        if is_blank(raw):
            continue
        filled += 1
        if isinstance(raw, str):
            text = squash(raw).strip("()（）")
            if text in marks:
                continue
            if text.isdigit():
                numbers.append(int(text))
                continue
            return False
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            numbers.append(float(raw))
            continue
        return False
    return filled >= 3 and all(b > a for a, b in zip(numbers, numbers[1:], strict=False)) and \
        all(n <= len(row) + 1 for n in numbers)


def _row_kind(row: list[Any], header: Header, targets: Targets) -> str:
    """blank | total | note | data."""
    key_col = header.columns[targets.key_field("community")]
    mapped = [row[c] if c < len(row) else None for c in header.columns.values()]
    texts = [squash(v) for v in row if isinstance(v, str) and v.strip()]
    if any(t.startswith(w) for t in texts for w in targets.layout.total_words):
        return "total"
    if any(t.startswith(p) for t in texts[:1] for p in targets.layout.note_prefixes):
        return "note"
    if all(is_blank(v) for v in mapped):
        return "note" if texts else "blank"
    name = row[key_col] if key_col < len(row) else None
    others_blank = all(is_blank(row[c] if c < len(row) else None)
                       for c in header.columns.values() if c != key_col)
    if others_blank and isinstance(name, str) and _looks_like_note(name):
        return "note"
    return "data"


_NOTE_SHAPE = re.compile(r"^(\d+[、.．)]|[(（]\d+[)）])|[:：]")


def _looks_like_note(text: str) -> bool:
    text = text.strip()
    return len(text) > 20 or bool(_NOTE_SHAPE.search(text))


def _read_communities(header: Header, ctx: _Context) -> tuple[list[Unit], RowCounts]:
    targets = ctx.targets
    sheet = header.sheet
    defs = targets.fields.community
    key = targets.key_field("community")
    for name, fdef in defs.items():
        if name not in header.columns and fdef.required:
            ctx.issue("missing-column", sheet.name, a1(header.top, 0), label=fdef.label, what="列",
                      what_en="column")
    counts = dict(read=0, blank=0, totals=0, notes=0, rejected=0)
    seen: dict[str, int] = {}
    communities: list[Unit] = []
    for r in range(header.data_start, len(sheet.rows)):
        row = sheet.rows[r]
        kind = _row_kind(row, header, targets)
        if kind != "data":
            counts[{"blank": "blank", "total": "totals", "note": "notes"}[kind]] += 1
            continue
        key_col = header.columns[key]
        raw_name = row[key_col] if key_col < len(row) else None
        if is_blank(raw_name):
            reason = sheet.blank_reason(r, key_col)
            ctx.issue(reason[0] if reason else "missing-value", sheet.name, a1(r, key_col),
                      label=defs[key].label, value=reason[1] if reason else "", formula=reason[1] if reason
                      else "", row_note="，该行填有数据但没有社区名称，整行未计入",
                      row_note_en="; the row has figures but no name and is not counted")
            counts["rejected"] += 1
            continue
        name = ctx.cells.parse(defs[key], raw_name).value or clean_name(str(raw_name))
        dup_key = squash(name).casefold()
        if dup_key in seen:
            ctx.issue("duplicate-community", sheet.name, a1(r, key_col), name, first_row=seen[dup_key] + 1)
            counts["rejected"] += 1
            continue
        seen[dup_key] = r
        values, cells = _read_fields(defs, header.columns, sheet, r, ctx, name, skip=key)
        communities.append(Unit(name, values, cells, sheet.name, r + 1))
        counts["read"] += 1
    return communities, RowCounts(**counts)


def _read_fields(defs: dict[str, FieldDef], columns: dict[str, int], sheet: Sheet, r: int, ctx: _Context,
                 community: str | None, skip: str) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    for name, fdef in defs.items():
        if name == skip:
            continue
        c = columns.get(name)
        if c is None:
            values[name] = None
            continue
        cells[name] = a1(r, c)
        values[name] = _read_cell(fdef, sheet, r, c, ctx, community).value
    return values, cells


def _read_cell(fdef: FieldDef, sheet: Sheet, r: int, c: int, ctx: _Context, community: str | None) -> Parsed:
    raw = sheet.value(r, c)
    if is_blank(raw):
        reason = sheet.blank_reason(r, c)
        if reason is not None:
            parsed = Parsed(code=reason[0], params={"value": reason[1], "formula": reason[1]})
        elif fdef.required:
            parsed = Parsed(code="missing-value", params={})
        else:
            return Parsed()
    else:
        parsed = ctx.cells.parse(fdef, raw)
    if parsed.code is not None:
        ctx.issue(parsed.code, sheet.name, a1(r, c), community, label=fdef.label, **(parsed.params or {}))
    return parsed


# ---- the street facts ----------------------------------------------------------------------------------


def _read_street(sheets: list[Sheet], header: Header | None, ctx: _Context) -> Unit | None:
    targets = ctx.targets
    lookup = targets.header_lookup("street")
    defs = targets.fields.street
    key = targets.key_field("street")
    per_sheet: list[dict[str, tuple[Sheet, int, int]]] = []
    for sheet in sheets:
        found: dict[str, tuple[Sheet, int, int]] = {}
        last = header.top if header is not None and sheet is header.sheet else len(sheet.rows)
        for r in range(min(last, len(sheet.rows))):
            for c, raw in enumerate(sheet.rows[r]):
                if isinstance(raw, str) and raw.strip():
                    name = lookup.get(targets.header_key(raw))
                    if name is not None and name not in found:
                        found[name] = (sheet, r, c)
        per_sheet.append(found)
    # The street sheet is the one with the most labels (a 填表说明 sheet may mention one or two of them).
    labels: dict[str, tuple[Sheet, int, int]] = {}
    for found in sorted(per_sheet, key=len, reverse=True):
        for name, where in found.items():
            labels.setdefault(name, where)
    street_name: str | None = None
    name_cell: tuple[Sheet, int, int] | None = None
    if key in labels:
        sheet, r, c = labels[key]
        vr, vc = _value_position(sheet, r, c, lookup, targets)
        raw = sheet.value(vr, vc)
        if not is_blank(raw):
            street_name = clean_name(str(raw))
            name_cell = (sheet, vr, vc)
    if street_name is None:
        street_name = _street_from_title(sheets, targets)
    if street_name is None and not labels:
        return None
    ctx.street = street_name
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    home = labels[key][0].name if key in labels else (header.sheet.name if header else None)
    for name, fdef in defs.items():
        if name == key:
            continue
        if name not in labels:
            values[name] = None
            if fdef.required:
                ctx.issue("missing-column", home, label=fdef.label, what="项目", what_en="label")
            continue
        sheet, r, c = labels[name]
        vr, vc = _value_position(sheet, r, c, lookup, targets)
        cells[name] = f"{a1(vr, vc)}"
        values[name] = _read_cell(fdef, sheet, vr, vc, ctx, None).value
    if street_name is None:
        ctx.issue("missing-column", home, label=defs[key].label, what="", what_en="")
    if name_cell is not None:
        cells[key] = a1(name_cell[1], name_cell[2])
    return Unit(street_name or "", values, cells, home)


def _value_position(sheet: Sheet, r: int, c: int, lookup: dict[str, str], targets: Targets) -> tuple[int, int]:
    """The value of a label: the first filled cell to its right; below it when the labels run across a row."""
    row = sheet.rows[r]
    for vc in range(c + 1, min(c + 4, len(row))):
        raw = row[vc]
        if is_blank(raw):
            continue
        if isinstance(raw, str) and lookup.get(targets.header_key(raw)) is not None:
            return r + 1, c
        return r, vc
    return r, c + 1


def _street_from_title(sheets: list[Sheet], targets: Targets) -> str | None:
    """填报单位:东风街道 in a title row, when the workbook has no 街道名称 label."""
    prefixes = "|".join(re.escape(p) for p in targets.layout.street_name_prefixes)
    if not prefixes:
        return None
    pattern = re.compile(rf"(?:{prefixes})\s*[:：]\s*(\S+)")
    for sheet in sheets:
        for row in sheet.rows[:HEADER_SEARCH_ROWS]:
            for raw in row:
                if isinstance(raw, str):
                    m = pattern.search(raw.replace("\u3000", " "))
                    if m:
                        return clean_name(m.group(1))
    return None
