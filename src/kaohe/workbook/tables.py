"""Find the street facts and the community table in a workbook by their content, and read them.

Nothing here depends on sheet names, sheet order, column order or the exact header spelling: the header row is
the row that names the community key field (社区名称 or an alias), the street facts are the cells to the right of
their labels, and every label and alias comes from the targets YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from kaohe.errors import UnreadableFile
from kaohe.issues import Issue
from kaohe.model import Communities, RowCounts, Submission, Unit
from kaohe.targets import FieldDef, Targets
from kaohe.text import a1, clean_name, col_letter, squash
from kaohe.words import Ref
from kaohe.workbook.cells import MISS, CellReader, Parsed, is_blank
from kaohe.workbook.headers import Headers
from kaohe.workbook.sheets import Book, Sheet, read_book

HEADER_SEARCH_ROWS = 200  # a long 填表说明 block may stand above the table


@dataclass
class Header:
    """Where a community table's header is and which column holds which field."""

    sheet: Sheet
    top: int
    bottom: int
    columns: dict[str, int]
    data_start: int
    key_col: int = 0


class TextKind(NamedTuple):
    total: bool
    note: bool
    label: bool
    header: bool  # a community column's header text, or a column-number mark (甲 乙): the header again


@dataclass
class _Context:
    file: str
    targets: Targets
    cells: CellReader
    issues: list[Issue] = field(default_factory=list)
    street: str | None = None

    def issue(self, code: str, sheet: str | None = None, cell: str | None = None,
              community: str | None = None, fdef: FieldDef | None = None, **params: Any) -> None:
        self.issues.append(self.make_issue(code, sheet, cell, community, fdef, **params))

    def make_issue(self, code: str, sheet: str | None = None, cell: str | None = None,
                   community: str | None = None, fdef: FieldDef | None = None, **params: Any) -> Issue:
        if fdef is not None:  # messages name the field as the clerk's sheet does, and in English too
            params["label"] = fdef.label
            params["label_en"] = f"{fdef.label_en} ({fdef.label})" if fdef.label_en else fdef.label
        return Issue(code, self.file, sheet, cell, self.street, community, params)

    @cached_property
    def street_lookup(self) -> dict[str, str]:
        return self.cells.headers.lookup("street")

    def text_kind(self, text: str, folded: str | None = None) -> TextKind:
        """Whether a text in a table row starts a 合计 row or a note, or is a street label; once per text.

        `folded`, when the caller has it, is squash(text)."""
        found = self.cells.kinds.get(text)
        if found is None:  # most texts are community names, each seen once: nothing memoised but this
            found = self.cells.kinds[text] = self._text_kind(text, folded)
        return found

    def _text_kind(self, text: str, folded: str | None) -> TextKind:
        run = self.cells.run_cache
        if not run:  # what every workbook of the run shares, made once
            words = "|".join(re.escape(squash(p)) for p in self.targets.layout.note_prefixes) or "(?!)"
            run.update(note=re.compile(rf"^(?:{words})(?:[:：]|$)"),
                       totals=tuple(self.targets.layout.total_words),
                       headers=self.cells.headers.lookup("community"),
                       marks={squash(m) for m in self.targets.layout.column_number_marks})
        folded = squash(text) if folded is None else folded
        header = run["headers"].get(self.cells.headers.key_once(folded)) is not None or \
            folded.strip("()（）") in run["marks"]
        return TextKind(folded.startswith(run["totals"]), run["note"].match(folded) is not None,
                        self._street_label(text, folded, memo=False) is not None, header)

    def street_label(self, raw: Any) -> tuple[str, str | None] | None:
        """(field, inline value) when a cell is a street label: `街道名称`, or `街道名称：东风街道` in one cell."""
        if not isinstance(raw, str) or not raw.strip():
            return None
        memo = self.cells.memo
        if raw in memo:  # community names recur across streets; each text is folded once per run
            return memo[raw]  # type: ignore[no-any-return]
        memo[raw] = found = self._street_label(raw)
        return found

    def _street_label(self, raw: str, folded: str | None = None,
                      memo: bool = True) -> tuple[str, str | None] | None:
        headers = self.cells.headers
        key = headers.key(raw) if memo else headers.key_once(folded or raw)
        found = self.street_lookup.get(key)
        if found is not None:
            return found, None
        label, sep, value = (folded or squash(raw)).partition(":")  # NFKC folds ：to :
        if sep and value:
            found = self.street_lookup.get(headers.key(label))
            if found is not None:
                return found, value
        return None


def read_submission(path: Path, targets: Targets, display_name: str | None = None,
                    cells: CellReader | None = None, book: Book | None = None) -> Submission:
    """Read one street workbook (or its `book`, already opened); raises UnreadableFile only when the file
    cannot be opened at all."""
    ctx = _Context(display_name or path.name, targets, cells or CellReader(targets))
    book = read_book(path) if book is None else book
    sheets = book.sheets
    header = _find_header(sheets, ctx.cells.headers, targets)
    if header is not None:
        communities, counts, consumed = _read_communities(header, ctx)
        for other in sheets:  # a second table is never dropped without a word
            found = _find_header([other], ctx.cells.headers, targets) if other is not header.sheet else None
            if found is not None:
                ctx.issue("second-table", header.sheet.name, header.sheet.a1(header.top, header.key_col),
                          other=other.name, other_cell=other.a1(found.top, found.key_col))
    else:
        communities, counts, consumed = Communities(None, {}, [], [], {}), RowCounts(), set()
    street = _read_street(sheets, header, consumed, ctx)
    if header is None and street is None:
        raise UnreadableFile("not-submission", sheets=[s.name for s in sheets], first_row=_first_row(sheets))
    if street is not None and street.name:
        ctx.street = street.name
        ctx.issues[:] = [i.located(street=street.name) for i in ctx.issues]
    if header is None:
        key = targets.fields.community[targets.key_field("community")]
        ctx.issue("missing-column", fdef=key, what=Ref("what.header"))
    elif not communities:
        ctx.issue("no-communities", header.sheet.name, a1(header.data_start, 0))
    return Submission(ctx.file, street, communities, ctx.issues, counts,
                      header.sheet.name if header else None, street.sheet if street else None, book.sha256,
                      book.size)


def _first_row(sheets: list[Sheet]) -> list[str]:
    """The texts of the first row with content, in the first sheet that has one: what a clerk would see."""
    for sheet in sheets:
        for row in sheet.rows[:HEADER_SEARCH_ROWS]:
            texts = [(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()[:20]
                     for v in row if not is_blank(v)]
            if texts:
                return texts[:6]
    return []


# ---- the community table -------------------------------------------------------------------------------


def _header_fields(row: list[Any], lookup: dict[str, str], headers: Headers) -> dict[int, str]:
    found: dict[int, str] = {}
    for c, raw in enumerate(row):
        if isinstance(raw, str) and raw.strip():
            name = lookup.get(headers.key(raw))
            if name is not None:
                found[c] = name
    return found


def _is_texty(row: list[Any]) -> bool:
    return not any(isinstance(v, int | float) and not isinstance(v, bool) for v in row)


def _find_header(sheets: list[Sheet], headers: Headers, targets: Targets) -> Header | None:
    lookup = headers.lookup("community")
    key = targets.key_field("community")
    for sheet in sheets:
        for r in range(min(len(sheet.rows), HEADER_SEARCH_ROWS)):
            found = _header_fields(sheet.rows[r], lookup, headers)
            if key not in found.values() or len(found) < 2:
                continue
            top = bottom = r
            # Two-row headers: a group row (设施面积) merged over the real names, ungrouped columns merged
            # down. Take the neighbour row's names for columns this row leaves empty.
            for neighbour in (r + 1, r - 1):
                if not 0 <= neighbour < len(sheet.rows) or not _is_texty(sheet.rows[neighbour]):
                    continue
                extra = {c: f for c, f in _header_fields(sheet.rows[neighbour], lookup, headers).items()
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
            return Header(sheet, top, bottom, columns, start, columns[key])
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


def _row_kind(row: list[Any], header: Header, ctx: _Context) -> str:
    """blank | total | note | header | data."""
    key_col = header.key_col
    width = len(row)
    others_blank = True
    for c in header.columns.values():
        if c != key_col and c < width and not is_blank(row[c]):
            others_blank = False
            break
    name = row[key_col] if key_col < width else None
    if others_blank and is_blank(name):
        return "note" if any(type(v) is str and v.strip() for v in row) else "blank"
    lead = [ctx.text_kind(v) for v in row[: key_col + 1] if type(v) is str and v and not v.isspace()]
    if any(k.total for k in lead):
        return "total"
    if lead and lead[-1].header and (_is_column_numbers(row, ctx.targets) or _repeats_header(row, header, ctx)):
        return "header"
    first = lead[0] if lead else next((ctx.text_kind(v) for v in row if type(v) is str and v.strip()), None)
    if first is not None and first.note or any(k.label for k in lead):  # notes; street facts under the table
        return "note"
    if others_blank and isinstance(name, str) and _looks_like_note(name):
        return "note"
    return "data"


_PLAIN_TEXT = TextKind(False, False, False, False)


def _repeats_header(row: list[Any], header: Header, ctx: _Context) -> bool:
    """Whether a row names at least half of the table's columns again, each in its own column."""
    headers = ctx.cells.headers
    found = _header_fields(row, headers.lookup("community"), headers)
    same = sum(1 for c, name in found.items() if header.columns.get(name) == c)
    return same * 2 >= len(header.columns)


def _filled(row: list[Any], columns: list[int]) -> bool:
    """Whether any of these columns holds something (is_blank, inlined: this runs for every row)."""
    width = len(row)
    for c in columns:
        if c < width:
            v = row[c]
            if v is not None and (type(v) is not str or v and not v.isspace()):
                return True
    return False


# 1、… (1) … 一、老城区社区 … or a colon: a note or a section heading inside the table, not a community
_NOTE_SHAPE = re.compile(r"^(\d+[、.．)]|[(（][\d一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+[、.．])|[:：]")


def _looks_like_note(text: str) -> bool:
    text = text.strip()
    return len(text) > 20 or bool(_NOTE_SHAPE.search(text))


def _read_communities(header: Header, ctx: _Context) -> tuple[Communities, RowCounts, set[int]]:
    """The communities under the header, how every row was accounted for, and the rows the table used."""
    targets = ctx.targets
    sheet = header.sheet
    defs = targets.fields.community
    key = targets.key_field("community")
    key_col = header.columns[key]
    for name, fdef in defs.items():
        if name not in header.columns and fdef.required:
            ctx.issue("missing-column", sheet.name, a1(header.top, 0), fdef=fdef, what=Ref("what.column"))
    plan = [(name, fdef, header.columns[name], ctx.cells.compile(fdef), ctx.cells.compile_column(fdef))
            for name, fdef in defs.items() if name != key and name in header.columns]
    absent = [name for name in defs if name != key and name not in header.columns]
    letters = {name: col_letter(c) for name, c in header.columns.items() if name != key}
    read_name = ctx.cells.compile(defs[key])
    counts = dict(read=0, blank=0, totals=0, notes=0, rejected=0, headers=0)
    consumed = set(range(header.top, header.data_start))
    totals: list[int] = []
    seen: dict[str, int] = {}
    accepted: list[tuple[int, str]] = []
    found: list[tuple[int, int, Issue]] = []  # (row, field order, issue): emitted in row order at the end
    plain = ctx.cells.names  # name text → (name, duplicate key), for names that read as they stand
    others = [c for c in header.columns.values() if c != key_col]

    def take(r: int, name: str, dup_key: str) -> None:
        """A community row: accepted, or rejected as the same community again."""
        consumed.add(r)
        if dup_key in seen:
            found.append((r, -1, ctx.make_issue("duplicate-community", sheet.name, sheet.a1(r, key_col), name,
                                                first_row=seen[dup_key] + 1)))
            counts["rejected"] += 1
        else:
            seen[dup_key] = r
            accepted.append((r, name))

    for r in range(header.data_start, len(sheet.rows)):
        row = sheet.rows[r]
        # Fast path, most rows: a name that reads as it stands and is no 合计, note or street label, no other
        # text before it, and a figure beside it. _row_kind would call this row data.
        raw_name = row[key_col] if key_col < len(row) else None
        known = None
        if type(raw_name) is str and raw_name and _filled(row, others) and \
                not any(type(v) is str for v in row[:key_col]):
            known = plain.get(raw_name)
            if known is None:
                folded = squash(raw_name)
                if ctx.text_kind(raw_name, folded) == _PLAIN_TEXT and read_name(raw_name) is raw_name:
                    known = plain[raw_name] = (raw_name, folded.casefold())
        if known is not None:
            take(r, *known)
            continue
        kind = _row_kind(row, header, ctx)
        if kind != "data":
            counts[{"blank": "blank", "total": "totals", "note": "notes", "header": "headers"}[kind]] += 1
            if kind == "total":
                totals.append(r)
                consumed.add(r)
            continue
        consumed.add(r)
        if is_blank(raw_name):
            reason = sheet.blank_reason(r, key_col)
            found.append((r, -1, ctx.make_issue(
                reason[0] if reason else "missing-value", sheet.name, sheet.a1(r, key_col), fdef=defs[key],
                value=reason[1] if reason else "", formula=reason[1] if reason else "",
                row_note=Ref("row_note.no_name"))))
            counts["rejected"] += 1
            continue
        name = read_name(raw_name)
        if type(name) is Parsed or not name:
            name = clean_name(str(raw_name))
        take(r, name, squash(name).casefold())
    columns = dict(zip([name for name, *_ in plan], _read_columns(plan, sheet, accepted, ctx, found), strict=True))
    for missing_field in absent:
        columns[missing_field] = [None] * len(accepted)
    communities = Communities(sheet.name, letters, [name for _, name in accepted], [r + 1 for r, _ in accepted],
                              columns)
    counts["read"] = len(communities)
    found = _doubtful_columns(found, plan, sheet, accepted, ctx)
    found.sort(key=lambda item: (item[0], item[1]))
    ctx.issues.extend(issue for _, _, issue in found)
    if len(totals) == 1 and communities and totals[0] > communities.rows[-1] - 1:
        _check_total(header, totals[0], communities, ctx)
    for r in totals[-1:]:
        _check_count(sheet, r, len(communities) + counts["rejected"], ctx)
    return communities, RowCounts(**counts), consumed


_UNREADABLE = ("invalid-number", "invalid-choice")


def _doubtful_columns(found: list[tuple[int, int, Issue]], plan: list[Any], sheet: Sheet,
                      accepted: list[tuple[int, str]], ctx: _Context) -> list[tuple[int, int, Issue]]:
    """A column whose values mostly cannot be read becomes one finding instead of one per cell: the table is
    laid out or worded unlike the template, and a page of cell errors would hide that."""
    layout = ctx.targets.layout
    by_column: dict[int, list[tuple[int, int, Issue]]] = {}
    for item in found:
        if item[1] >= 0 and item[2].code in _UNREADABLE:
            by_column.setdefault(item[1], []).append(item)
    doubtful: set[int] = set()
    for order, items in by_column.items():
        _name, fdef, c, *_ = plan[order]
        filled = sum(1 for r, _ in accepted if not is_blank(sheet.value(r, c)))
        if len(items) >= layout.doubtful_min and len(items) >= layout.doubtful_share * filled:
            doubtful.add(order)
            examples = "、".join(f"{i.cell}“{i.params.get('value', '')}”" for _, _, i in items[:3])
            first = items[0]
            found.append((first[0], order, ctx.make_issue(
                "doubtful-column", sheet.name, sheet.a1(first[0], c), fdef=fdef, filled=filled, bad=len(items),
                examples=examples)))
    return [item for item in found if not (item[1] in doubtful and item[2].code in _UNREADABLE)]


def _check_count(sheet: Sheet, r: int, read: int, ctx: _Context) -> None:
    """合计（12个社区）: a total row that states how many communities it adds up must agree with the table."""
    words = "|".join(re.escape(w) for w in ctx.targets.layout.count_words)
    if not words:
        return
    pattern = re.compile(rf"(\d+)\s*(?:{words})")
    for c, raw in enumerate(sheet.rows[r]):
        if type(raw) is str:
            m = pattern.search(squash(raw))
            if m:
                stated = int(m.group(1))
                if stated != read:
                    ctx.issue("count-mismatch", sheet.name, sheet.a1(r, c), stated=stated, read=read)
                return


def _check_total(header: Header, r: int, communities: Communities, ctx: _Context) -> None:
    """A 合计 row is not a community, but when every figure was read it should add up: warn where not."""
    for name, c in header.columns.items():
        fdef = ctx.targets.fields.community[name]
        raw = header.sheet.value(r, c)
        if fdef.type not in ("number", "integer") or is_blank(raw):
            continue
        stated = ctx.cells.parse(fdef.model_copy(update={"range": None}), raw).value
        values: list[Decimal] = [v for v in communities.columns.get(name, ()) if v is not None]
        if stated is None or len(values) != len(communities):
            continue
        expected = sum(values, Decimal(0))
        if stated != expected:
            ctx.issue("total-mismatch", header.sheet.name, a1(r, c), fdef=fdef, value=stated,
                      expected=expected)


def _read_columns(plan: list[tuple[str, FieldDef, int, Callable[[Any], Any], Callable[[list[Any]], list[Any]]]],
                  sheet: Sheet, accepted: list[tuple[int, str]], ctx: _Context,
                  found: list[tuple[int, int, Issue]]) -> list[list[Any]]:
    """The accepted rows' values, a column at a time; the cells off the fast path are read one by one."""
    rows = [sheet.rows[r] for r, _ in accepted]
    width = min(map(len, rows), default=0)  # calamine's rows are all as wide as the sheet
    columns = []
    for order, (_name, fdef, c, read, read_column) in enumerate(plan):
        raw = list(map(itemgetter(c), rows)) if c < width else [row[c] if c < len(row) else None for row in rows]
        values = read_column(raw)
        if MISS in values:
            for i, value in enumerate(values):
                if value is MISS:
                    r, community = accepted[i]
                    values[i] = _read_slow(fdef, raw[i], read, sheet, r, c, ctx, community, order, found)
        columns.append(values)
    return columns


def _read_slow(fdef: FieldDef, raw: Any, read: Callable[[Any], Any], sheet: Sheet, r: int, c: int, ctx: _Context,
               community: str, order: int, found: list[tuple[int, int, Issue]]) -> Any:
    if raw is None or raw == "" or type(raw) is str and raw.isspace():
        if not fdef.required:  # an optional blank needs no explanation
            return None
        reason = sheet.blank_reason(r, c)
        if reason is not None:
            parsed = Parsed(code=reason[0], params={"value": reason[1], "formula": reason[1]})
        else:
            parsed = Parsed(code="missing-value", params={})
    else:
        value = read(raw)
        if type(value) is not Parsed:
            return value
        parsed = value
    found.append((r, order, ctx.make_issue(parsed.code or "", sheet.name, sheet.a1(r, c), community, fdef=fdef,
                                           **(parsed.params or {}))))
    return None


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
        ctx.issue(parsed.code, sheet.name, sheet.a1(r, c), community, fdef=fdef, **(parsed.params or {}))
    return parsed


# ---- the street facts ----------------------------------------------------------------------------------


def _read_street(sheets: list[Sheet], header: Header | None, consumed: set[int], ctx: _Context) -> Unit | None:
    targets = ctx.targets
    defs = targets.fields.street
    key = targets.key_field("street")
    per_sheet: list[dict[str, tuple[Sheet, int, int, str | None]]] = []
    for sheet in sheets:
        found: dict[str, tuple[Sheet, int, int, str | None]] = {}
        skip = consumed if header is not None and sheet is header.sheet else set()
        for r, row in enumerate(sheet.rows):
            if r in skip:
                continue
            for c, raw in enumerate(row):
                label = ctx.street_label(raw)
                if label is not None and label[0] not in found:
                    found[label[0]] = (sheet, r, c, label[1])
        per_sheet.append(found)
    # The street sheet is the one whose labels carry the most readable values: a 填表说明 sheet may list
    # every label, but with explanations beside them.
    labels: dict[str, tuple[Sheet, int, int, str | None]] = {}
    for found in sorted(per_sheet, key=lambda f: (_readable(f, ctx), len(f)), reverse=True):
        for name, where in found.items():
            labels.setdefault(name, where)

    street_name: str | None = None
    cells: dict[str, str] = {}
    if key in labels:
        sheet, r, c, inline = labels[key]
        vr, vc = (r, c) if inline is not None else _value_position(sheet, r, c, ctx)
        raw = inline if inline is not None else sheet.value(vr, vc)
        if not is_blank(raw):
            street_name = clean_name(str(raw))
            cells[key] = sheet.a1(vr, vc)
    if street_name is None:
        street_name = _street_from_title(sheets, targets)
    if street_name is None and not labels:
        return None
    ctx.street = street_name
    values: dict[str, Any] = {}
    home = labels[key][0].name if key in labels else (header.sheet.name if header else None)
    for name, fdef in defs.items():
        if name == key:
            continue
        if name not in labels:
            values[name] = None
            if fdef.required:
                ctx.issue("missing-column", home, fdef=fdef, what=Ref("what.label"))
            continue
        sheet, r, c, inline = labels[name]
        if inline is not None:
            cells[name] = sheet.a1(r, c)
            parsed = ctx.cells.parse(fdef, inline)
            if parsed.code is not None:
                ctx.issue(parsed.code, sheet.name, sheet.a1(r, c), fdef=fdef, **(parsed.params or {}))
            values[name] = parsed.value
            continue
        vr, vc = _value_position(sheet, r, c, ctx)
        cells[name] = sheet.a1(vr, vc)
        values[name] = _read_cell(fdef, sheet, vr, vc, ctx, None).value
    if street_name is None:
        ctx.issue("missing-column", home, fdef=defs[key], what=Ref("what.nothing"))
    return Unit(street_name or "", values, cells, home)


def _readable(found: dict[str, tuple[Sheet, int, int, str | None]], ctx: _Context) -> int:
    """How many of a sheet's street labels have a value beside them that reads without an issue."""
    defs = ctx.targets.fields.street
    count = 0
    for name, (sheet, r, c, inline) in found.items():
        raw = inline if inline is not None else sheet.value(*_value_position(sheet, r, c, ctx))
        if not is_blank(raw) and (defs[name].type == "text" and len(str(raw)) <= 20
                                  or defs[name].type != "text" and ctx.cells.parse(defs[name], raw).code is None):
            count += 1
    return count


def _value_position(sheet: Sheet, r: int, c: int, ctx: _Context) -> tuple[int, int]:
    """The value of a label: the first filled cell to its right, or below it when labels run across the row."""
    row = sheet.rows[r]
    for vc in range(c + 1, min(c + 4, len(row))):
        if sheet.same_merge((r, c), (r, vc)):
            continue  # the label's own merge repeats it: its value is past the merge
        if not is_blank(row[vc]):
            if ctx.street_label(row[vc]) is None:
                return r, vc
            break
    if sum(1 for vc, raw in enumerate(row) if ctx.street_label(raw) is not None and
           (vc == c or not sheet.same_merge((r, c), (r, vc)))) >= 2:
        return r + 1, c
    return r, _past_merge(sheet, r, c)


def _past_merge(sheet: Sheet, r: int, c: int) -> int:
    """The column right of the cell (r, c), or of the merge that covers it."""
    vc = c + 1
    while sheet.same_merge((r, c), (r, vc)) and (r, vc) in sheet.merged:
        vc += 1
    return vc


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
