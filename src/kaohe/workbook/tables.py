"""Find the street facts and the community table in a workbook by their content, and read them.

Nothing here depends on sheet names, sheet order, column order or the exact header spelling: the header row is
the row that names the community key field (社区名称 or an alias), the street facts are the cells to the right of
their labels, and every label and alias comes from the targets YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from kaohe.errors import UnreadableFile
from kaohe.issues import Issue
from kaohe.limits import HEADER_SEARCH_ROWS  # noqa: E402
from kaohe.model import Communities, RowCounts, Submission, Unit
from kaohe.targets import FieldDef, Targets
from kaohe.text import a1, clean_name, col_letter, squash
from kaohe.words import Ref
from kaohe.workbook.cells import MISS, CellReader, Parsed, is_blank
from kaohe.workbook.headers import PREVIOUS, Headers, Level
from kaohe.workbook.sheets import Book, Sheet, read_book


@dataclass
class Header:
    """Where a community table's header is, which column holds which field, and how far the table spans."""

    sheet: Sheet
    top: int
    bottom: int
    columns: dict[str, int]
    data_start: int
    key_col: int = 0
    first_col: int = 0  # the table's leftmost and rightmost columns: street facts may stand beside them
    last_col: int = 0
    extra_rows: int = 0  # column-number and units rows between the header and the first community
    # (field, chosen column, the other columns naming it, the chosen column's year, chosen by period): columns
    # naming one field, or one naming another period
    choices: list[tuple[str, int, list[int], str | None, bool]] = field(default_factory=list)
    # (column, field, read) for each hidden column naming a field: read when no visible column names it
    unseen: list[tuple[int, str, bool]] = field(default_factory=list)
    end: int | None = None  # the row the table stops before (another period's table under it), else the sheet's end
    begin: int = 0  # where its title rows begin when another year's table stands above it on the sheet


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
    spans: dict[str, tuple[set[int], int, int]] = field(default_factory=dict)  # sheet → table rows, columns

    def issue(self, code: str, sheet: str | None = None, cell: str | None = None,
              community: str | None = None, fdef: FieldDef | None = None, **params: Any) -> None:
        self.issues.append(self.make_issue(code, sheet, cell, community, fdef, **params))

    def make_issue(self, code: str, sheet: str | None = None, cell: str | None = None,
                   community: str | None = None, fdef: FieldDef | None = None, **params: Any) -> Issue:
        if fdef is not None:  # messages name the field as the clerk's sheet does, and in English too
            params.setdefault("field", self.field_names.get(id(fdef)))  # (level, name): for targets learn
            params["label"] = fdef.label
            params["label_en"] = f"{fdef.label_en} ({fdef.label})" if fdef.label_en else fdef.label
        return Issue(code, self.file, sheet, cell, self.street, community, params)

    @cached_property
    def field_names(self) -> dict[int, tuple[str, str]]:
        fields = self.targets.fields
        return {id(d): (level, name) for level, defs in (("street", fields.street), ("community", fields.community))
                for name, d in defs.items()}

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
            examples = "|".join(re.escape(squash(p)) for p in self.targets.layout.example_prefixes) or "(?!)"
            run.update(note=re.compile(rf"^(?:(?:{words})(?:[:：]|$)|(?:{examples}))"),
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
        if key and len(key) <= 40 and headers.qualified(key):  # 2005年社区服务中心使用面积, 现有服务项目数
            hit = headers.match(raw, "street")
            if hit is not None:
                return hit[0], None
        return None


def read_submission(path: Path, targets: Targets, display_name: str | None = None,
                    cells: CellReader | None = None, book: Book | None = None) -> Submission:
    """Read one street workbook (or its `book`, already opened); raises UnreadableFile only when the file
    cannot be opened at all."""
    ctx = _Context(display_name or path.name, targets, cells or CellReader(targets))
    book = read_book(path) if book is None else book
    sheets = book.sheets
    if book.guessed_encoding:
        ctx.issue("encoding-guessed", sheets[0].name if sheets else None)
    for sheet_name, strays in book.strays.items():  # a 1 typed at ALL40000: the sheet is read without it
        ctx.issue("stray-cells", sheet_name, strays[0][0], count=len(strays),
                  cells="、".join(f"{cell}“{value}”" if value else cell for cell, value in strays))
    found = [h for h in (_find_header(sheet, ctx.cells.headers, targets) for sheet in sheets) if h is not None]
    # The table is the first visible one that holds a community: a 填表说明 sheet may show the header over an
    # example row. A hidden sheet's table is never preferred to a visible one (it is named, not read).
    found = [_of_the_period_on_its_sheet(h, ctx) for h in found]  # 2004's table above 2005's on one sheet
    filled = {id(h): _has_rows(h, ctx) for h in found}
    elsewhen = _other_period_sheets(sheets, found, filled, ctx)
    if elsewhen:  # sheets of another year (2004年 beside 2005年): never read with the period's, never mixed in
        found = [h for h in found if h.sheet.name not in elsewhen]
    found.sort(key=lambda h: (h.sheet.hidden, not filled[id(h)]))
    header = found[0] if found else None
    spans: dict[str, tuple[set[int], int, int]] = {}
    if header is not None:
        _choice_warnings(header, ctx)
        required = {name: d.required for name, d in targets.fields.community.items()}
        tables = [header] + [h for h in found[1:] if _continues(header, h, required)]
        communities, counts, read = _read_communities(tables, ctx)
        for table, rows in read:
            spans[table.sheet.name] = (rows, table.first_col, table.last_col)
        used = {t.sheet.name for t, _ in read}
        for other in found[1:]:  # a second table is never dropped without a word (a header over nothing: no loss)
            if other.sheet.name not in used and filled[id(other)]:
                more = [n for n in other.columns if n not in header.columns and n not in (communities.joined or {})]
                joined = _joined(communities, header, other, more, ctx) if more and not other.sheet.hidden else None
                if joined is not None:  # the street's figures in two tables, one community a row in each
                    communities = joined
                    used.add(other.sheet.name)
                    spans[other.sheet.name] = (set(range(other.top, len(other.sheet.rows))), other.first_col,
                                               other.last_col)
                    continue
                ctx.issue("table-part" if more else "second-table", header.sheet.name,
                          header.sheet.a1(header.top, header.key_col), other=other.sheet.name,
                          other_cell=other.sheet.a1(other.top, other.key_col),
                          fields="、".join(targets.fields.community[n].label for n in more),
                          fields_en=_labels_en(targets, more))
        if len(read) > 1:
            ctx.issue("table-continued", header.sheet.name, header.sheet.a1(header.top, header.key_col),
                      sheets="、".join(f"“{t.sheet.name}”" for t, _ in read), count=len(communities))
        _unheaded_continuation(sheets, header, used | {h.sheet.name for h in found} | set(elsewhen), ctx)
    else:
        communities, counts = Communities(None, {}, [], [], {}), RowCounts()
    street = _read_street([s for s in sheets if s.name not in elsewhen], header, spans, ctx)
    if header is not None and street is not None and street.name and len(communities):
        communities = _own_rows(header, communities, street.name, ctx)
        counts = replace(counts, read=len(communities))
    if header is None and street is None:
        raise UnreadableFile("not-submission", sheets=[s.name for s in sheets], first_row=_first_row(sheets))
    if street is not None and street.name:
        ctx.street = street.name
        ctx.issues[:] = [i.located(street=street.name) for i in ctx.issues]
    if header is None:
        key = targets.fields.community[targets.key_field("community")]
        keyless = _keyless_header(sheets, ctx)
        if keyless is None:
            ctx.issue("missing-column", fdef=key, what=Ref("what.header"))
        else:  # a table whose name column is headed in words kaohe does not know: say which texts it saw
            sheet, r, texts = keyless
            ctx.issue("missing-column", sheet.name, a1(r, 0), fdef=key, what=Ref("what.header"), unmatched=texts)
    elif not communities:
        ctx.issue("no-communities", header.sheet.name, a1(header.data_start, 0))
    _one_error_for_an_unplaced_table(header, ctx)
    return Submission(ctx.file, street, communities, ctx.issues, counts,
                      header.sheet.name if header else None, street.sheet if street else None, book.sha256,
                      book.size, titles=_titles(sheets, header, street), heading=_heading(sheets, header, street))


def _one_error_for_an_unplaced_table(header: Header | None, ctx: _Context) -> None:
    """A community table missing `layout.unplaced_columns` of its fields' columns or more was not understood:
    one error saying which fields were looked for and which header texts were found instead (for `targets
    learn` too), in place of one missing-column error per field."""
    if header is None:
        return
    missing = [i for i in ctx.issues if i.code == "missing-column" and i.sheet == header.sheet.name
               and (i.params.get("field") or ("", ""))[0] == "community"]
    if len(missing) < ctx.targets.layout.unplaced_columns:
        return
    first = missing[0]
    unmatched = first.params.get("unmatched") or []
    ctx.issues[:] = [i for i in ctx.issues if not any(i is m for m in missing)]
    ctx.issues.insert(0, ctx.make_issue(
        "table-unplaced", first.sheet, first.cell, count=len(missing),
        labels="、".join(f"“{m.params['label']}”" for m in missing),
        labels_en=", ".join(str(m.params["label_en"]) for m in missing),
        found="、".join(f"“{t}”" for t in unmatched) or "—", fields=[m.params["field"] for m in missing],
        unmatched=unmatched, evidence=first.params.get("evidence") or {}))


TITLE_ROWS = 3  # a sheet's title is in its first rows (above a table, or above the street's facts)


def _other_period_sheets(sheets: list[Sheet], found: list[Header], filled: dict[int, bool],
                         ctx: _Context) -> dict[str, str]:
    """Sheets whose name or title names another year than the one assessed (2004年 | 2005年, 上年社区情况), when
    the workbook also holds what is read from them for the period itself: sheet → the year it names. Such a
    sheet is named in one warning and never read (its rows are last year's, not a continuation, and its
    street facts are not this period's). Empty when there is nothing of the period to read instead: a
    workbook whose only table names another year is read, and said (`sheet-other-period`)."""
    period = ctx.cells.headers.period
    if period is None or len(sheets) < 2:
        return {}
    tops = {h.sheet.name: h.top for h in found}
    years = {sheet.name: _sheet_year(sheet, tops.get(sheet.name), ctx) for sheet in sheets}
    elsewhen = {name: year for name, year in years.items() if year is not None and year != period}
    if not elsewhen:
        return {}
    tables = [h for h in found if filled[id(h)] and not h.sheet.hidden]
    if tables and all(h.sheet.name in elsewhen for h in tables):  # nothing else to read: read, and said
        first = tables[0].sheet  # (a title naming the year is said with the period assessed: title-other-period)
        if _sheet_year(first, None, ctx, titles=False) is not None:
            ctx.issue("sheet-other-period", first.name, first.a1(tables[0].top, tables[0].key_col),
                      year_text=_period_words(elsewhen[first.name]), period=period)
        return {}
    said = [name for name in elsewhen if any(h.sheet.name == name and filled[id(h)] for h in found)
            or _holds_street_labels(next(s for s in sheets if s.name == name), ctx)]
    if said:
        named = list(dict.fromkeys(elsewhen[name] for name in said))
        ctx.issue("other-period-sheets", said[0], sheets="、".join(f"“{name}”" for name in said),
                  year_text=_period_words(named[0]) if len(named) == 1 else "、".join(named), period=period)
    return elsewhen


def _sheet_year(sheet: Sheet, top: int | None, ctx: _Context, titles: bool = True) -> str | None:
    """The one year a sheet names for itself: in its name (2004年, 社区情况(2005)), else in its title rows
    (above its table when it has one) — a title, not a date (填报日期：2006年1月5日) nor a period header alone
    (2005年 merged over its columns) nor a label or header (2004年社区服务中心使用面积: a fact of another period, said
    where it is read); `PREVIOUS` for 上年…; None when none or several are named."""
    from kaohe.periods import named_years

    parts = ctx.targets.layout.period_parts
    headers = ctx.cells.headers
    years = named_years(sheet.name, parts) if _YEARISH.search(sheet.name) else set()
    if not years and squash(sheet.name).casefold().startswith(headers.previous):
        return PREVIOUS
    if not years and titles:
        rows = TITLE_ROWS if top is None else min(top, TITLE_ROWS + 2)
        texts = [value for row in sheet.rows[:rows] for value in row
                 if isinstance(value, str) and 4 < len(value) <= 80 and _YEARISH.search(value)]
        if {y for text in texts for y in _YEARISH.findall(text)} <= {headers.period}:
            return None  # (most workbooks: no year but the period's, or none; whether it is named does not matter)
        for value in texts:
            if headers.period_of(value) is None and any("\u4e00" <= ch <= "\u9fff" for ch in value) \
                    and ctx.street_label(value) is None and not ctx.text_kind(value).header:  # a title, no label
                years |= named_years(squash(value), parts)
    return years.pop() if len(years) == 1 else None


def _of_the_period_on_its_sheet(header: Header, ctx: _Context) -> Header:
    """A sheet holding the tables of several years one under the other, each headed again under its own title
    (2004年社区情况 … 2005年社区情况 …): the assessed period's table alone, ended before the next one, the others
    named once (other-period-rows) — never read as one table whose second half repeats the first. A header
    repeated with no other year over it (a second printed page) is left to the table, as before."""
    period = ctx.cells.headers.period
    sheet = header.sheet
    if period is None:
        return header
    key_text = squash(str(sheet.value(header.bottom, header.key_col) or ""))
    tops = [header.top]
    for r in range(header.data_start, len(sheet.rows)):
        raw = sheet.value(r, header.key_col)
        if isinstance(raw, str) and len(raw) < len(key_text) + 12 and r > tops[-1] + 1 and squash(raw) == key_text:
            again = _find_header(sheet, ctx.cells.headers, ctx.targets, r - 1)  # (its group row above, if any)
            if again is not None and again.top >= r - 1 and again.key_col == header.key_col:
                tops.append(again.top)
    if len(tops) < 2:
        return header
    years = [_segment_year(sheet, top, tops[i - 1] if i else -1, ctx) for i, top in enumerate(tops)]
    named = {y for y in years if y is not None}
    if len(named) < 2 and not (named and period not in named):
        return header  # one year (or none) over every part: a table printed over pages, read as one
    mine = [i for i, y in enumerate(years) if y == period]
    if len(mine) != 1:
        return header
    i = mine[0]
    chosen = header if i == 0 else _find_header(sheet, ctx.cells.headers, ctx.targets, tops[i])
    if chosen is None:
        return header
    end = _title_start(sheet, tops[i + 1], tops[i]) if i + 1 < len(tops) else None
    others = [(tops[j], _title_start(sheet, tops[j + 1], tops[j]) if j + 1 < len(tops) else len(sheet.rows))
              for j in range(len(tops)) if j != i]
    ctx.issue("other-period-rows", sheet.name, sheet.a1(others[0][0], header.key_col),
              rows="、".join(f"{a + 1}-{b}" for a, b in others),
              year_text="、".join(str(y) for j, y in enumerate(years) if j != i and y) or "—",
              chosen=tops[i] + 1, period=period)
    return replace(chosen, end=end, begin=_title_start(sheet, tops[i], tops[i - 1]) if i else 0)


def _segment_year(sheet: Sheet, top: int, previous: int, ctx: _Context) -> str | None:
    """The one year the title rows just above a table's header name (up to TITLE_ROWS + 2 rows, not into the
    table above it), if any."""
    from kaohe.periods import named_years

    years: set[str] = set()
    for r in range(max(previous + 1, top - TITLE_ROWS - 2), top):
        for value in sheet.rows[r]:
            if isinstance(value, str) and _YEARISH.search(value) and len(value) <= 80:
                years |= named_years(squash(value), ctx.targets.layout.period_parts)
    return years.pop() if len(years) == 1 else None


def _title_start(sheet: Sheet, top: int, previous: int) -> int:
    """Where the title rows over the header at `top` begin: the text-only rows right above it."""
    r = top
    while r - 1 > previous and _is_texty(sheet.rows[r - 1]) and sum(
            1 for v in sheet.rows[r - 1] if not is_blank(v)) <= 2:
        r -= 1
    return r


def _holds_street_labels(sheet: Sheet, ctx: _Context) -> bool:
    return any(ctx.street_label(raw) is not None for row in sheet.rows[:HEADER_SEARCH_ROWS] for raw in row)


def _titles(sheets: list[Sheet], header: Header | None, street: Unit | None) -> tuple[tuple[str, str, str], ...]:
    """The title texts naming a year (…统计表（2005年上半年）) above the community table and at the top of the
    street facts' sheet: which period the clerk says the workbook is about (checked against the period
    assessed, where that is known)."""
    places: list[tuple[Sheet, int, int]] = []
    if header is not None:  # (a table under another year's on its sheet: its own title rows)
        places.append((header.sheet, header.begin, header.top if header.begin else min(header.top, TITLE_ROWS + 2)))
    if street is not None and street.sheet is not None and (header is None or street.sheet != header.sheet.name):
        places += [(sheet, 0, TITLE_ROWS) for sheet in sheets if sheet.name == street.sheet]
    found: list[tuple[str, str, str]] = []
    for sheet, first, rows in places:
        for r, row in enumerate(sheet.rows[first:rows], start=first):
            for c, value in enumerate(row):
                if isinstance(value, str) and 4 < len(value) <= 80 and _YEARISH.search(value) \
                        and any("\u4e00" <= ch <= "\u9fff" for ch in value):
                    found.append((sheet.name, sheet.a1(r, c), squash(value)))
    return tuple(dict.fromkeys(found))


_YEARISH = re.compile(r"(?:19|20)\d\d")


def _heading(sheets: list[Sheet], header: Header | None, street: Unit | None) -> tuple[tuple[str, str, str], ...]:
    """The texts of the title rows (above the community table, atop the street facts' sheet), for a workbook
    that names no street anywhere else: …街道社区建设情况统计表 names it (intake matches them to the roster).
    Kept only when the workbook names no street: at most ten texts."""
    if street is not None and street.name:
        return ()
    places: list[tuple[Sheet, int]] = []
    if header is not None:
        places.append((header.sheet, min(header.top, TITLE_ROWS + 2)))
    places += [(sheet, TITLE_ROWS) for sheet in sheets if header is None or sheet is not header.sheet]
    found: list[tuple[str, str, str]] = []
    for sheet, rows in places:
        for r, row in enumerate(sheet.rows[:rows]):
            for c, value in enumerate(row):
                if isinstance(value, str) and 1 < len(value) <= 80 and any("\u4e00" <= ch <= "\u9fff" for ch in value):
                    found.append((sheet.name, sheet.a1(r, c), squash(value)))
    return tuple(dict.fromkeys(found))[:10]


def _has_rows(header: Header, ctx: _Context) -> bool:
    """Whether any row under a header names a community (not a 合计, note or example) beside a figure."""
    key_col = header.key_col
    for row in header.sheet.rows[header.data_start:]:
        name = row[key_col] if key_col < len(row) else None
        if isinstance(name, str) and name.strip() and _row_kind(row, header, ctx) == "data":
            return True
    return False


def _keyless_header(sheets: list[Sheet], ctx: _Context) -> tuple[Sheet, int, list[str]] | None:
    """A row naming three or more community fields but not the key: a table whose name column is headed in an
    office's own words. (sheet, row, the header texts that named no field)."""
    headers = ctx.cells.headers
    for sheet in sheets:
        for r in range(min(len(sheet.rows), HEADER_SEARCH_ROWS)):
            found = _header_fields(sheet.rows[r], headers)
            if len({name for name, _ in found.values()}) >= 3:
                texts = [squash(str(v)) for c, v in enumerate(sheet.rows[r])
                         if c not in found and isinstance(v, str) and v.strip()]
                return sheet, r, [t for t in texts if t.casefold() not in headers.serial][:20]
    return None


def _label_candidates(sheet: Sheet, ctx: _Context) -> list[str]:
    """Texts on the street facts' sheet that stand like labels (a value beside or under them) but name no field:
    what `kaohe targets learn` offers as a missing label's alias."""
    skip, lo, hi = ctx.spans.get(sheet.name, (set(), 0, -1))
    texts: list[str] = []
    for r, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        for c, raw in enumerate(row):
            if not isinstance(raw, str) or not raw.strip() or len(raw) > 30 or (r in skip and lo <= c <= hi):
                continue
            if ctx.street_label(raw) is not None or ctx.text_kind(raw).note or ctx.text_kind(raw).header:
                continue
            vr, vc = _value_position(sheet, r, c, ctx)
            value = sheet.value(vr, vc)
            if not is_blank(value) and ctx.street_label(value) is None and squash(raw) not in texts:
                texts.append(squash(raw))
    return texts[:30]


def _continues(first: Header, other: Header, required: dict[str, bool]) -> bool:
    """Whether a table on another sheet continues the first one: a visible sheet with the same columns (the
    optional ones aside), each sheet headed again as clerks do for 社区情况(一), 社区情况(二)."""
    if other.sheet.hidden:
        return False
    return set(first.columns) == set(other.columns) or \
        {n for n in first.columns if required[n]} == {n for n in other.columns if required[n]}


def _choice_warnings(header: Header, ctx: _Context) -> None:
    """A column chosen among several for a field by the period its header names, or one naming another period,
    and hidden columns naming a field: never silently."""
    sheet, period = header.sheet, ctx.cells.headers.period
    skipped = [c for c, _, read in header.unseen if not read]
    if skipped:
        ctx.issue("hidden-columns", sheet.name, sheet.a1(header.top, skipped[0]),
                  columns="、".join(_cite(sheet, header.top, c, _header_text(header, c)) for c in skipped))
    for c, name, read in header.unseen:
        if read:
            ctx.issue("hidden-column-read", sheet.name, sheet.a1(header.top, c),
                      fdef=ctx.targets.fields.community[name], column=_cite(sheet, header.top, c,
                                                                            _header_text(header, c)))
    for name, chosen, others, year, by_period in header.choices:
        fdef = ctx.targets.fields.community[name]

        def shown(c: int) -> str:
            return _cite(sheet, header.top, c, _header_text(header, c))

        if others:
            ctx.issue("header-period-choice" if by_period else "duplicate-column",
                      sheet.name, sheet.a1(header.top, chosen), fdef=fdef, chosen=shown(chosen),
                      others="、".join(shown(c) for c in others), period=period)
        else:
            ctx.issue("header-other-period", sheet.name, sheet.a1(header.top, chosen), fdef=fdef,
                      chosen=shown(chosen), year=year, year_text=_period_words(year), period=period)


def _period_rank(year: str | None, period: str | None) -> tuple[bool, bool]:
    """How a header's period ranks for the period assessed (lower first): that period, then none named, then
    another (an earlier year, 上年…)."""
    return year != period, year is not None


def _cite(sheet: Sheet, r: int, c: int, text: str) -> str:
    """A cell as a warning names it: D2“2004年户数”."""
    return f"{sheet.a1(r, c)}“{text.strip()}”"


def _period_words(year: str | None) -> Ref:
    """The period a header names, as a message says it: 2004年, or 上一期 for 上年户数."""
    return Ref("period.previous") if year == PREVIOUS else Ref("period.year", {"year": year})


def _header_path(header: Header, c: int, headers: Headers) -> str:
    """A column's header as a path when it has two dimensions (居委会办公用房 > 面积(㎡)): its texts from the top
    row down, once per merge, a period over its columns left out (_group_year's); else its one text."""
    sheet = header.sheet
    parts: list[str] = []
    for r in range(header.top, header.bottom + 1):
        raw = sheet.value(r, c)
        if not isinstance(raw, str) or not raw.strip() or headers.period_of(raw) is not None:
            continue
        if r > header.top and sheet.same_merge((r - 1, c), (r, c)):
            continue
        if not parts or parts[-1] != raw.strip():
            parts.append(raw.strip())
    return " > ".join(parts)


def _header_text(header: Header, c: int) -> str:
    for r in range(header.bottom, header.top - 1, -1):
        raw = header.sheet.value(r, c)
        if isinstance(raw, str) and raw.strip():
            return raw.strip()
    return ""


def _unheaded_continuation(sheets: list[Sheet], header: Header, used: set[str], ctx: _Context) -> None:
    """A sheet without a header whose rows look like the table's (a name where the names are, figures where
    the figures are): probably the table continued without its header. Not read — guessing the columns would
    be silent — but never left without a word."""
    numeric = [c for name, c in header.columns.items()
               if ctx.targets.fields.community[name].type in ("number", "integer")]
    if len(numeric) < 2:
        return
    key_col = header.key_col
    for sheet in sheets:
        if sheet.name in used or sheet.hidden:
            continue
        alike = []
        for r, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            name = row[key_col] if key_col < len(row) else None
            if type(name) is not str or not name.strip() or ctx.street_label(name) is not None:
                continue
            figures = sum(1 for c in numeric if c < len(row) and isinstance(row[c], int | float)
                          and not isinstance(row[c], bool))
            if figures * 2 > len(numeric) and ctx.text_kind(name) == _PLAIN_TEXT:
                alike.append(r)
        if len(alike) >= 2:
            ctx.issue("table-maybe-continued", sheet.name, sheet.a1(alike[0], key_col), rows=len(alike),
                      table=header.sheet.name)


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


def _header_fields(row: list[Any], headers: Headers, level: Level = "community") -> dict[int, tuple[str, str | None]]:
    """column → (field, the year its header names) for the header texts of a row."""
    found: dict[int, tuple[str, str | None]] = {}
    for c, raw in enumerate(row):
        if isinstance(raw, str) and raw.strip():
            hit = headers.match(raw, level)
            if hit is not None:
                found[c] = hit
    return found


def _is_texty(row: list[Any]) -> bool:
    return not any(isinstance(v, int | float) and not isinstance(v, bool) for v in row)


def _find_header(sheet: Sheet, headers: Headers, targets: Targets, start: int = 0) -> Header | None:
    """The community table's header on a sheet: the first row naming the key field and another field (from
    row `start` on)."""
    key = targets.key_field("community")
    for r in range(start, min(len(sheet.rows), start + HEADER_SEARCH_ROWS)):
        found = _header_fields(sheet.rows[r], headers)
        names = {name for name, _ in found.values()}
        if key not in names:
            continue
        top, bottom = r, r
        key_col = next(c for c, (name, _) in found.items() if name == key)
        paths, other = _path_fields(sheet, r, key_col, headers)  # 社区服务站 over 面积 | 是否建立: the pair names it
        if paths:
            found.update(paths)
            names = {name for name, _ in found.values()}
            top, bottom = min(r, other), max(r, other)
        if len(names) < 2:
            continue
        # Two-row headers: a group row (设施面积) merged over the real names, ungrouped columns merged
        # down. Take the neighbour row's names for columns this row leaves empty.
        for neighbour in (r + 1, r - 1):
            if not 0 <= neighbour < len(sheet.rows) or not _is_texty(sheet.rows[neighbour]):
                continue
            extra = {c: f for c, f in _header_fields(sheet.rows[neighbour], headers).items()
                     if c not in found and f[0] not in names}
            if extra:
                found.update(extra)
                top, bottom = min(top, neighbour), max(bottom, neighbour)
        for c, (name, year) in list(found.items()):  # a period over a group of columns: 2005年 merged above
            if year is None:
                found[c] = (name, _group_year(sheet, top, c, headers))
        found = {c: f for c, f in found.items() if not _merge_copy(sheet, top, bottom, c, f, found)}
        unseen: list[tuple[int, str, bool]] = []
        if sheet.hidden_cols:  # a hidden column is never preferred to a visible one naming the same field
            found, unseen = _visible_columns(found, sheet.hidden_cols)
        columns, choices = _choose_columns(found, headers.period)
        start = bottom + 1
        while start < len(sheet.rows) and _is_extra_header_row(sheet.rows[start], targets, headers):
            start += 1
        first, last = _span(sheet, top, bottom, columns, headers)
        return Header(sheet, top, bottom, columns, start, columns[key], first, last, start - bottom - 1, choices,
                      unseen)
    return None


def _path_fields(sheet: Sheet, r: int, key_col: int, headers: Headers) \
        -> tuple[dict[int, tuple[str, str | None]], int]:
    """A header in two dimensions: a group merged over sub-headers (社区服务站 over 面积 | 是否建立, 居委会办公用房
    over 面积), with the header row r above or below. column → (field, year) for each column whose group and
    sub-header *together* name a field (社区服务站面积; the targets file may give such an alias as a path,
    `社区服务站 > 面积`), and the other row; ({}, r) when no pair names one. A pair wins over the sub-header alone:
    面积 says less than 社区服务站 › 面积."""
    for other in (r + 1, r - 1):
        if not 0 <= other < len(sheet.rows) or not _is_texty(sheet.rows[other]):
            continue
        if not is_blank(sheet.value(other, key_col)) and not sheet.same_merge((r, key_col), (other, key_col)):
            continue  # the name column's header spans a two-dimensional header: a name there is a community's
        upper, lower = (other, r) if other < r else (r, other)
        found: dict[int, tuple[str, str | None]] = {}
        width = min(len(sheet.rows[upper]), len(sheet.rows[lower]))
        for c in range(width):
            group, sub = sheet.rows[upper][c], sheet.rows[lower][c]
            if not (isinstance(group, str) and isinstance(sub, str) and group.strip() and sub.strip()) \
                    or sheet.same_merge((upper, c), (lower, c)) or headers.period_of(group) is not None:
                continue  # one text merged down both rows, or a period over its columns (_group_year's)
            hit = headers.match(squash(group) + squash(sub), "community")
            if hit is not None and hit != headers.match(sub, "community") and hit != headers.match(group, "community"):
                found[c] = hit  # (户数 over 户 is a header over its unit, not a pair)
        if found:
            return found, other
    return {}, r


def _visible_columns(found: dict[int, tuple[str, str | None]], hidden: frozenset[int]) \
        -> tuple[dict[int, tuple[str, str | None]], list[tuple[int, str, bool]]]:
    """The header's columns with the hidden ones left out where a visible column names the same field; each
    hidden column naming a field as (column, field, whether it is still read) for a warning."""
    visible = {name for c, (name, _) in found.items() if c not in hidden}
    kept: dict[int, tuple[str, str | None]] = {}
    unseen: list[tuple[int, str, bool]] = []
    for c, hit in found.items():
        if c in hidden:
            unseen.append((c, hit[0], hit[0] not in visible))
            if hit[0] in visible:
                continue
        kept[c] = hit
    return kept, unseen


def _merge_copy(sheet: Sheet, top: int, bottom: int, c: int, field: tuple[str, str | None],
                found: dict[int, tuple[str, str | None]]) -> bool:
    """Whether column c only repeats a header merged across from a column to its left that names the same
    field (one header over a wide cell: one column, not two naming one field)."""
    for r in range(top, bottom + 1):
        first = sheet.merged.get((r, c))
        if first is not None and first[1] < c and found.get(first[1]) == field:
            return True
    return False


def _group_year(sheet: Sheet, top: int, c: int, headers: Headers) -> str | None:
    """The year a group row names over a column (2004年 | 2005年 merged over their figures), if any."""
    for r in (top - 1, top - 2):
        raw = sheet.value(r, c) if r >= 0 else None
        if isinstance(raw, str) and raw.strip():
            return headers.period_of(raw)
    return None


def _choose_columns(found: dict[int, tuple[str, str | None]], period: str | None) \
        -> tuple[dict[str, int], list[tuple[str, int, list[int], str | None, bool]]]:
    """field → its column; where two columns name one field for different periods (2004年户数, 2005年户数) the
    assessed period's wins, then one naming no period, then the leftmost; each choice is kept for a warning."""
    by_field: dict[str, list[tuple[int, str | None]]] = {}
    for c in sorted(found):
        name, year = found[c]
        by_field.setdefault(name, []).append((c, year))
    columns: dict[str, int] = {}
    choices: list[tuple[str, int, list[int], str | None, bool]] = []
    for name, candidates in by_field.items():
        years = {year for _, year in candidates}
        best = min(candidates, key=lambda cy: (*_period_rank(cy[1], period), cy[0]))
        columns[name] = best[0]
        if len(candidates) > 1:  # a choice among columns, by period or (none named) the leftmost: never silent
            choices.append((name, best[0], [c for c, _ in candidates if c != best[0]], best[1], len(years) > 1))
        elif len(candidates) == 1 and period is not None and best[1] not in (None, period):
            choices.append((name, best[0], [], best[1], True))
    return columns, choices


def _span(sheet: Sheet, top: int, bottom: int, columns: dict[str, int], headers: Headers) -> tuple[int, int]:
    """The table's first and last columns: its known columns and the header texts joined to them (序号,
    人口 …), stopping at a blank column or a street label beside the table."""
    first, last = min(columns.values()), max(columns.values())
    street = headers.lookup("street")

    def label(c: int) -> bool:
        return any(isinstance(raw := sheet.value(r, c), str) and street.get(headers.key(raw)) is not None
                   for r in range(top, bottom + 1))

    def part_of_table(c: int) -> bool:  # a header text that is no street label, nor a label's value
        if label(c) or c > 0 and label(c - 1) and c < first:
            return False
        return any(not is_blank(sheet.value(r, c)) for r in range(top, bottom + 1))

    while first > 0 and part_of_table(first - 1):
        first -= 1
    width = max(len(sheet.rows[r]) for r in range(top, bottom + 1))
    while last + 1 < width and part_of_table(last + 1):
        last += 1
    return first, last


def _is_extra_header_row(row: list[Any], targets: Targets, headers: Headers) -> bool:
    """A row under the header that holds no community: column numbers (甲 乙 1 2 3 …) or units (户 ㎡ 人 …)."""
    return _is_column_numbers(row, targets) or _is_units_row(row, headers)


def _is_units_row(row: list[Any], headers: Headers) -> bool:
    """A row of units under the header (户 | ㎡ | (人) | 单位：㎡), maybe with yes/no hints (有/无): at least two
    units and nothing else."""
    units, hints = headers.units_and_hints
    found = 0
    for raw in row:
        if is_blank(raw):
            continue
        if not isinstance(raw, str):
            return False
        text = squash(raw).casefold().strip("()[]")
        for prefix in headers.unit_prefixes:
            if text.startswith(prefix):
                text = text[len(prefix):].lstrip(":")
                break
        if text in units:
            found += 1
        elif not text or not all(part in hints for part in re.split(r"[/、|或]", text)):
            return False
    return found >= 2


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
    """blank | total | note | header | group | data."""
    key_col = header.key_col
    width = len(row)
    others_blank = True
    for c in header.columns.values():
        if c != key_col and c < width and not is_blank(row[c]):
            others_blank = False
            break
    name = row[key_col] if key_col < width else None
    inside = row[header.first_col: header.last_col + 1]  # facts beside the table are not the table's
    if others_blank and is_blank(name):
        return "note" if any(type(v) is str and v.strip() for v in inside) else "blank"
    lead = [ctx.text_kind(v) for v in row[header.first_col: key_col + 1] if type(v) is str and v and not v.isspace()]
    if any(k.total for k in lead):
        return "total"
    if lead and lead[-1].header and (_is_column_numbers(row, ctx.targets) or _repeats_header(row, header, ctx)):
        return "header"
    if is_blank(name) and _is_units_row(inside, ctx.cells.headers):  # units again on a new page
        return "header"
    first = lead[0] if lead else next((ctx.text_kind(v) for v in inside if type(v) is str and v.strip()), None)
    # notes (also a name that is one: 示例社区, 注：…); street facts under the table
    if first is not None and first.note or lead and lead[-1].note or any(k.label for k in lead):
        return "note"
    if others_blank and isinstance(name, str) and _looks_like_note(name):
        return "note"
    if others_blank and isinstance(name, str) and _is_group_label(name, ctx):
        return "group"
    return "data"


def _is_group_label(text: str, ctx: _Context) -> bool:
    """一片区, 东片网格: a group word, and not a community's ending (一片区社区 is a community)."""
    layout = ctx.targets.layout
    label = squash(text)
    return any(w in label for w in layout.group_words) and not label.endswith(tuple(layout.community_name_endings))


_PLAIN_TEXT = TextKind(False, False, False, False)


def _repeats_header(row: list[Any], header: Header, ctx: _Context) -> bool:
    """Whether a row names at least half of the table's columns again, each in its own column."""
    headers = ctx.cells.headers
    found = _header_fields(row, headers)
    same = sum(1 for c, (name, _) in found.items() if header.columns.get(name) == c)
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


def _read_communities(tables: list[Header], ctx: _Context) \
        -> tuple[Communities, RowCounts, list[tuple[Header, set[int]]]]:
    """The communities of the table — on one sheet, or continued on others — how every row was accounted for,
    and for each sheet read the rows the table used. A later sheet holding only communities already read is a
    copy, not a continuation: it is named (second-table) and not read."""
    counts = dict(read=0, blank=0, totals=0, notes=0, rejected=0, headers=0)
    key = ctx.targets.key_field("community")
    seen: dict[str, tuple[str, int]] = {}  # duplicate key → (sheet, 0-based row) of its first row
    names: list[str] = []
    rows: list[int] = []
    columns: dict[str, list[Any]] = {}
    parts: list[tuple[str, Mapping[str, str], int]] = []
    used: list[tuple[Header, set[int]]] = []
    totals: list[tuple[Header, int]] = []
    for i, header in enumerate(tables):
        part = _read_table(header, ctx, seen, copy_check=i > 0)
        if part is None:
            continue
        t_names, t_rows, t_columns, t_counts, t_totals, consumed, issues = part
        if i and not t_names and not t_counts["rejected"] and not t_totals:
            continue  # a header over nothing but notes or an example row (填表说明): nothing to read there
        for key, value in t_counts.items():
            counts[key] += value
        ctx.issues.extend(issues)
        for name in t_columns:
            columns.setdefault(name, [None] * len(names)).extend(t_columns[name])
        for name in columns:
            if name not in t_columns:
                columns[name].extend([None] * len(t_names))
        names.extend(t_names)
        rows.extend(t_rows)
        parts.append((header.sheet.name, {n: col_letter(c) for n, c in header.columns.items() if n != key},
                      len(t_names)))
        used.append((header, consumed))
        totals.extend((header, r) for r in t_totals)
    first = tables[0]
    communities = Communities(first.sheet.name, parts[0][1] if parts else {}, names, rows, columns, parts)
    counts["read"] = len(communities)
    last = used[-1][0] if used else first
    if len(totals) == 1 and communities and totals[0][0] is last and totals[0][1] > communities.rows[-1] - 1:
        _check_total(last, totals[0][1], communities, ctx)
    for header, r in totals[-1:]:
        _check_count(header.sheet, r, len(communities) + counts["rejected"], ctx)
    return communities, RowCounts(**counts), used


def _joined(communities: Communities, header: Header, other: Header, more: list[str],
            ctx: _Context) -> Communities | None:
    """The table read, joined by community name with another table of the same street whose columns differ
    (社区情况 with the households, 社区设施 with the areas): the fields only the other holds are read from it,
    each figure cited at its own sheet and cell. None — the other is named instead (table-part) — when it
    does not share most of its communities with the table read (then it is no part of it), or when the table
    read is continued over sheets.

    A community of the table read that the other lacks: its fields from the other are missing (an error
    naming them); a community only in the other: named, not read; a figure both tables hold with two values:
    one error naming both cells, and the figure is not counted."""
    if communities.parts is not None or not len(communities):
        return None
    part = _Context(ctx.file, ctx.targets, ctx.cells, street=ctx.street)
    theirs, _counts, _read = _read_communities([other], part)
    index = {_name_key(name): i for i, name in enumerate(theirs.names)}
    mine = [index.get(_name_key(name)) for name in communities.names]
    shared = sum(1 for j in mine if j is not None)
    if shared * 2 <= max(len(communities), len(theirs)):
        return None  # not the same communities: another table, not a part of this one
    keep = set(more)
    for issue in part.issues:  # the other table's findings on what is read from it (not its missing columns)
        named = issue.params.get("field")
        if issue.code != "missing-column" and (named is None or named[1] in keep):
            ctx.issues.append(issue)
    ctx.issues[:] = [i for i in ctx.issues if not (i.code == "missing-column" and i.sheet == header.sheet.name
                                                   and (i.params.get("field") or ("", ""))[1] in keep)]
    sheet, defs = other.sheet, ctx.targets.fields.community
    columns = dict(communities.columns)
    joined = dict(communities.joined or {})
    for name in more:
        values = theirs.columns.get(name, [])
        columns[name] = [None if j is None else values[j] for j in mine]
        joined[name] = (sheet.name, col_letter(other.columns[name]), [None if j is None else theirs.rows[j]
                                                                       for j in mine])
    for name, c in other.columns.items():  # a figure in both tables: the same, or one error naming both cells
        if name in more or name == ctx.targets.key_field("community") or name not in communities.columns:
            continue
        ours = columns[name] = list(columns[name])  # (a copy: the table read keeps its own values)
        their_values = theirs.columns.get(name, [])
        for i, j in enumerate(mine):
            if j is None or ours[i] is None or their_values[j] is None or ours[i] == their_values[j]:
                continue
            first = communities.cell_of(i, name)
            ctx.issue("joined-conflict", first[0], first[1], communities.names[i], fdef=defs[name],
                      value=ours[i], other_value=their_values[j],
                      other=f"{sheet.name}!{col_letter(c)}{theirs.rows[j]}")
            ours[i] = None
    lacking = [communities.names[i] for i, j in enumerate(mine) if j is None]
    read_here = {_name_key(n) for n in communities.names}
    extra = [name for name in theirs.names if _name_key(name) not in read_here]
    labels, labels_en = "、".join(defs[n].label for n in more), _labels_en(ctx.targets, more)
    ctx.issue("table-joined", sheet.name, sheet.a1(other.top, other.key_col), other=sheet.name,
              table=header.sheet.name, fields=labels, fields_en=labels_en, count=shared)
    for name in lacking:
        ctx.issue("joined-missing", header.sheet.name, None, name, other=sheet.name, fields=labels,
                  fields_en=labels_en)
    if extra:
        ctx.issue("joined-extra", sheet.name, sheet.a1(other.top, other.key_col), other=sheet.name,
                  table=header.sheet.name, names="、".join(extra[:10]) + ("…" if len(extra) > 10 else ""),
                  count=len(extra))
    return Communities(communities.sheet, communities.letters, list(communities.names), list(communities.rows),
                       columns, communities.parts, joined)


def _name_key(name: str) -> str:
    """A community name as two rows naming one community compare (the table's duplicate key)."""
    return squash(name).casefold()


def _labels_en(targets: Targets, names: list[str]) -> str:
    """Community fields as an English message names them: Office and service area (办公和服务用房面积), …."""
    defs = targets.fields.community
    return ", ".join(f"{defs[n].label_en} ({defs[n].label})" if defs[n].label_en else defs[n].label for n in names)


def _row_list(rows: list[int]) -> str:
    """0-based rows as a clerk reads them: 3、5-9、12 (runs joined; the first few runs, then …)."""
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    shown = [f"{a + 1}" if a == b else f"{a + 1}-{b + 1}" for a, b in runs[:8]]
    return "、".join(shown) + ("…" if len(runs) > 8 else "")


def _read_table(header: Header, ctx: _Context, seen: dict[str, tuple[str, int]], copy_check: bool) -> Any:
    """One sheet's part of the table: (names, 1-based rows, columns, row counts, total rows, rows used, issues),
    or None when every community in it was already read (a copy of the table)."""
    targets = ctx.targets
    sheet = header.sheet
    defs = targets.fields.community
    key = targets.key_field("community")
    key_col = header.columns[key]
    found: list[tuple[int, int, Issue]] = []  # (row, field order, issue): emitted in row order at the end
    unmatched: tuple[list[str], dict[str, dict[str, Any]]] | None = None
    for name, fdef in defs.items():
        if name not in header.columns and fdef.required:
            if unmatched is None:
                texts = _unmatched_headers(header, ctx)
                unmatched = texts, _column_evidence(header, texts, ctx)
            found.append((header.top, -2, ctx.make_issue("missing-column", sheet.name, a1(header.top, 0), fdef=fdef,
                                                         what=Ref("what.column"), unmatched=unmatched[0],
                                                         evidence=unmatched[1])))
    plan = [(name, fdef, header.columns[name], ctx.cells.compile(fdef), ctx.cells.compile_column(fdef))
            for name, fdef in defs.items() if name != key and name in header.columns]
    absent = [name for name in defs if name != key and name not in header.columns]
    read_name = ctx.cells.compile(defs[key])
    counts = dict(blank=0, totals=0, notes=0, rejected=0, headers=header.extra_rows)
    consumed = set(range(header.top, header.data_start))
    totals: list[int] = []
    mine: dict[str, int] = {}
    accepted: list[tuple[int, str]] = []
    repeats: list[tuple[int, str, str, tuple[str, int]]] = []  # rows naming a community of an earlier sheet
    groups: list[tuple[int, str]] = []  # (row, label) of the group headings among the communities
    plain = ctx.cells.names  # name text → (name, duplicate key), for names that read as they stand
    others = [c for c in header.columns.values() if c != key_col]
    first_col = header.first_col

    def take(r: int, name: str, dup_key: str) -> None:
        """A community row: accepted, or rejected as the same community again."""
        consumed.add(r)
        if dup_key in mine:
            found.append((r, -1, ctx.make_issue("duplicate-community", sheet.name, sheet.a1(r, key_col), name,
                                                first_row=mine[dup_key] + 1, first=Ref("where.row", {
                                                    "row": mine[dup_key] + 1}))))
            counts["rejected"] += 1
        elif dup_key in seen:
            repeats.append((r, name, dup_key, seen[dup_key]))
        else:
            mine[dup_key] = r
            accepted.append((r, name))

    unseen = sheet.hidden_rows
    hidden: list[int] = []  # rows hidden or filtered out (the district's big sheet with an autofilter)
    for r in range(header.data_start, len(sheet.rows) if header.end is None else header.end):
        row = sheet.rows[r]
        if unseen and r in unseen:
            if any(not is_blank(v) for v in row):
                hidden.append(r)
            continue
        # Fast path, most rows: a name that reads as it stands and is no 合计, note or street label, no other
        # text before it, and a figure beside it. _row_kind would call this row data.
        raw_name = row[key_col] if key_col < len(row) else None
        known = None
        if type(raw_name) is str and raw_name and _filled(row, others) and \
                not any(type(v) is str for v in row[first_col:key_col]):
            known = plain.get(raw_name)
            if known is None:
                folded = squash(raw_name)
                if ctx.text_kind(raw_name, folded) == _PLAIN_TEXT and read_name(raw_name) is raw_name:
                    known = plain[raw_name] = (raw_name, folded.casefold())
        if known is not None:
            take(r, *known)
            continue
        kind = _row_kind(row, header, ctx)
        if kind == "group":  # a heading over some communities: counted with the notes, and said once below
            groups.append((r, squash(str(raw_name))))
        if kind != "data":
            counts[{"blank": "blank", "total": "totals", "note": "notes", "header": "headers",
                    "group": "notes"}[kind]] += 1
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
        take(r, name, _name_key(name))
    if copy_check and repeats and not accepted:
        return None  # only communities read already: a copy of the table (named by the caller)
    if hidden:
        found.append((hidden[0], -1, ctx.make_issue(
            "hidden-rows", sheet.name, sheet.a1(hidden[0], key_col), count=len(hidden),
            rows=_row_list(hidden))))
    if groups:
        found.append((groups[0][0], -1, ctx.make_issue(
            "group-rows", sheet.name, sheet.a1(groups[0][0], key_col), count=len(groups),
            labels="、".join(label for _, label in groups[:8]),
            rows="、".join(str(r + 1) for r, _ in groups[:8]))))
    for r, name, _dup_key, (first_sheet, first_r) in repeats:
        found.append((r, -1, ctx.make_issue("duplicate-community", sheet.name, sheet.a1(r, key_col), name,
                                            first_row=first_r + 1, first=Ref("where.sheet_row", {
                                                "sheet": first_sheet, "row": first_r + 1}))))
        counts["rejected"] += 1
    for dup_key, r in mine.items():
        seen[dup_key] = (sheet.name, r)
    columns = dict(zip([name for name, *_ in plan], _read_columns(plan, sheet, accepted, ctx, found), strict=True))
    for missing_field in absent:
        columns[missing_field] = [None] * len(accepted)
    found = _doubtful_columns(found, plan, sheet, accepted, ctx)
    found.sort(key=lambda item: (item[0], item[1]))
    return ([name for _, name in accepted], [r + 1 for r, _ in accepted], columns, counts, totals, consumed,
            [issue for _, _, issue in found])


def _own_rows(header: Header, communities: Communities, street: str, ctx: _Context) -> Communities:
    """The street's own rows of a table with a 街道 column (the district's big sheet, filled in and sent back):
    rows naming another street are left out, with one warning naming those streets and how many rows.
    A table continued on other sheets, or without such a column, is kept as it is."""
    from kaohe.intake.roster import street_key

    if communities.parts is not None or communities.joined:
        return communities
    key = ctx.targets.key_field("street")
    sheet = header.sheet
    column = None
    words = {squash(w) for w in ctx.targets.layout.street_column_headers}
    for c in range(0, header.last_col + 1):  # it may stand left of the table's own first column
        if c in header.columns.values():
            continue
        for r in range(header.top, header.bottom + 1):
            text = sheet.rows[r][c] if c < len(sheet.rows[r]) else None
            if isinstance(text, str) and text.strip():
                found = ctx.cells.headers.match(text, "street")
                if squash(text) in words or (found is not None and found[0] == key):
                    column = c
        if column is not None:
            break
    if column is None:
        return communities
    endings = tuple(ctx.targets.layout.street_name_endings)
    named_cells = [sheet.rows[r - 1][column] for r in communities.rows if column < len(sheet.rows[r - 1])]
    texts = [squash(v) for v in named_cells if isinstance(v, str) and v.strip()]
    if not texts or not all(t.endswith(endings) for t in texts):
        return communities  # not a column of street names (facts beside the table, a label that only looks so)
    suffixes = ctx.targets.layout.street_name_suffixes
    own = street_key(street, suffixes)
    keep: list[int] = []
    others: dict[str, int] = {}
    for i, row_number in enumerate(communities.rows):
        row = sheet.rows[row_number - 1]
        value = row[column] if column < len(row) else None
        named = squash(str(value)) if isinstance(value, str) and value.strip() else ""
        if named and street_key(named, suffixes) != own:
            others[named] = others.get(named, 0) + 1
        else:
            keep.append(i)
    if not others:
        return communities
    ctx.issue("other-street-rows", sheet.name, sheet.a1(header.top, column), count=sum(others.values()),
              streets="、".join(list(others)[:6]), street=street)
    return Communities(communities.sheet, communities.letters, [communities.names[i] for i in keep],
                       [communities.rows[i] for i in keep],
                       {k: [v[i] for i in keep] for k, v in communities.columns.items()})


def _unmatched_headers(header: Header, ctx: _Context) -> list[str]:
    """The table's header texts that named no field: what `kaohe targets learn` offers as aliases."""
    known = set(header.columns.values())
    texts = []
    for c in range(header.first_col, header.last_col + 1):
        text = _header_path(header, c, ctx.cells.headers) if c not in known else ""
        if text and squash(text).casefold() not in ctx.cells.headers.serial:
            texts.append(text)
    return texts


def _column_evidence(header: Header, texts: list[str], ctx: _Context) -> dict[str, dict[str, Any]]:
    """What the columns of unmatched headers hold, for `kaohe targets learn` to judge them by their values as
    well as their headers: header text → its cell, its first values, and how many of its filled cells (in the
    first EVIDENCE_ROWS rows) are numbers and yes/no words."""
    headers = ctx.cells.headers
    words = headers.units_and_hints[1]  # the yes/no words, folded
    out: dict[str, dict[str, Any]] = {}
    for c in range(header.first_col, header.last_col + 1):
        text = _header_path(header, c, headers)
        if text not in texts or text in out:
            continue
        numbers = yesno = filled = 0
        shown: list[str] = []
        for row in header.sheet.rows[header.data_start:header.data_start + EVIDENCE_ROWS]:
            raw = row[c] if c < len(row) else None
            if is_blank(raw):
                continue
            filled += 1
            folded = squash(str(raw)).casefold()
            if isinstance(raw, int | float) and not isinstance(raw, bool) or _NUMBERISH.fullmatch(folded):
                numbers += 1
            elif folded in words:
                yesno += 1
            if len(shown) < 3:
                shown.append(str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw).strip()[:12])
        out[text] = {"cell": header.sheet.a1(header.bottom, c), "values": shown, "filled": filled,
                     "numbers": numbers, "yesno": yesno}
    return out


EVIDENCE_ROWS = 200  # what a column's evidence looks at: plenty for a district's communities
_NUMBERISH = re.compile(r"[-+]?[\d,.]+\s*\D{0,3}")


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
    gaps: list[tuple[int, list[tuple[int, int, Issue]], list[str]]] = []
    for order, items in by_column.items():
        name, fdef, c, *_ = plan[order]
        filled = sum(1 for r, _ in accepted if not is_blank(sheet.value(r, c)))
        gap = _vocabulary_gap(items, filled, layout.vocabulary_gap_words, layout.vocabulary_gap_share) \
            if fdef.type in ("yesno", "choice") else None
        if gap is not None:
            doubtful.add(order)
            gaps.append((order, items, gap))
            continue
        if len(items) >= layout.doubtful_min and len(items) >= layout.doubtful_share * filled:
            doubtful.add(order)
            examples = "、".join(f"{i.cell}“{i.params.get('value', '')}”" for _, _, i in items[:3])
            first = items[0]
            found.append((first[0], order, ctx.make_issue(
                "doubtful-column", sheet.name, sheet.a1(first[0], c), fdef=fdef, filled=filled, bad=len(items),
                examples=examples)))
    if gaps:
        found.append(_vocabulary_issue(gaps, plan, sheet, ctx))
    return [item for item in found if not (item[1] in doubtful and item[2].code in _UNREADABLE)]


def _vocabulary_issue(gaps: list[tuple[int, list[tuple[int, int, Issue]], list[str]]], plan: list[Any],
                      sheet: Sheet, ctx: _Context) -> tuple[int, int, Issue]:
    """One warning for every column of a table written in the office's own words: the columns, the words, and
    what to add to the targets file."""
    from kaohe.targets.learn import additions_for_words, short_patch

    additions: dict[str, list[str]] = {}
    words: list[str] = []
    for order, _items, gap in gaps:
        for path, new in additions_for_words(ctx.targets, "community", plan[order][0], gap).items():
            have = additions.setdefault(path, [])
            have += [w for w in new if w not in have]
        words += [w for w in gap if w not in words]
    defs = [plan[order][1] for order, _, _ in gaps]
    first_row, first_order = min((items[0][0], order) for order, items, _ in gaps)
    count = sum(len(items) for _, items, _ in gaps)
    labels = "、".join(f"“{d.label}”" for d in defs)
    labels_en = ", ".join(d.label_en or d.label for d in defs)
    return (first_row, first_order, ctx.make_issue(
        "vocabulary-gap", sheet.name, sheet.a1(first_row, plan[first_order][2]), count=count, columns=len(defs),
        label=labels, label_en=labels_en, words="、".join(f"“{w}”" for w in words), patch=short_patch(additions),
        additions=additions, field=("community", plan[first_order][0])))


def _vocabulary_gap(items: list[tuple[int, int, Issue]], filled: int, most: int, share: float) -> list[str] | None:
    """The words of a column written in an office's own vocabulary: most of its values unknown, but only a few
    distinct words, used again and again. None when the unknown values look like slips, cell by cell."""
    if any(i.code != "invalid-choice" for _, _, i in items) or len(items) < 2 or len(items) < share * filled:
        return None
    words: dict[str, int] = {}
    for _, _, issue in items:
        word = clean_name(str(issue.params.get("value", "")))
        words[word] = words.get(word, 0) + 1
    if len(words) > most or len(items) <= len(words) or not all(words):
        return None
    return list(words)


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


def _read_street(sheets: list[Sheet], header: Header | None, spans: dict[str, tuple[set[int], int, int]],
                 ctx: _Context) -> Unit | None:
    """The street facts: each label found wherever it stands — its own sheet, above, below or beside the
    community table — and its value right of it or below it."""
    targets = ctx.targets
    defs = targets.fields.street
    key = targets.key_field("street")
    per_sheet: list[dict[str, tuple[Sheet, int, int, str | None]]] = []
    ctx.spans = spans
    for sheet in sheets:
        found: dict[str, tuple[Sheet, int, int, str | None]] = {}
        skip, lo, hi = spans.get(sheet.name, (set(), 0, -1))
        for r, row in enumerate(sheet.rows):
            table_row = r in skip
            if table_row and lo == 0 and hi >= len(row) - 1:
                continue
            for c, raw in enumerate(row):
                if table_row and lo <= c <= hi:
                    continue  # the table's own cells: a column headed 街道名称 is no street fact
                label = ctx.street_label(raw)
                if label is not None:
                    if label[0] not in found:
                        found[label[0]] = (sheet, r, c, label[1])
                    elif found[label[0]][1] in sheet.hidden_rows and found[label[0]][0] is sheet \
                            and r not in sheet.hidden_rows:
                        found[label[0]] = (sheet, r, c, label[1])  # a visible row wins over a hidden one
                    elif r in sheet.hidden_rows:
                        continue  # the label again on a hidden row: a visible one is read
                    elif label[1] is None:  # the label again: for another period (2004年…, 2005年…)?
                        found[label[0]] = _by_period(found[label[0]], (sheet, r, c, None), label[0], ctx)
        per_sheet.append(found)
    # The street sheet is the one whose labels carry the most readable values: a 填表说明 sheet may list
    # every label, but with explanations beside them.
    labels: dict[str, tuple[Sheet, int, int, str | None]] = {}
    for found in sorted(per_sheet, key=lambda f: (_readable(f, ctx), len(f)), reverse=True):
        for name, where in found.items():
            labels.setdefault(name, where)

    period = ctx.cells.headers.period
    for name, (sheet, r, c, inline) in labels.items():  # a fact for another period only: read, never silently
        raw = sheet.value(r, c)
        hit = ctx.cells.headers.match(raw, "street") if inline is None and isinstance(raw, str) else None
        if hit is not None and hit[1] is not None and period is not None and hit[1] != period:
            ctx.issue("header-other-period", sheet.name, sheet.a1(r, c), fdef=defs[name],
                      chosen=_cite(sheet, r, c, raw), year=hit[1], year_text=_period_words(hit[1]),
                      period=period)
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
                home_sheet = next((s for s in sheets if s.name == home), None)
                ctx.issue("missing-column", home, fdef=fdef, what=Ref("what.label"),
                          unmatched=_label_candidates(home_sheet, ctx) if home_sheet is not None else [])
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


def _by_period(first: tuple[Sheet, int, int, str | None], other: tuple[Sheet, int, int, str | None], name: str,
               ctx: _Context) -> tuple[Sheet, int, int, str | None]:
    """Of two labels for one street fact, the one for the assessed period (then one naming no period, then the
    first), with a warning naming both when their periods differ."""
    headers = ctx.cells.headers
    period = headers.period

    def year(where: tuple[Sheet, int, int, str | None]) -> str | None:
        raw = where[0].value(where[1], where[2])
        hit = headers.match(raw, "street") if isinstance(raw, str) else None
        return hit[1] if hit else None

    years = (year(first), year(other))
    if years[0] == years[1]:
        return first
    best, rest = (other, first) if _period_rank(years[1], period) < _period_rank(years[0], period) \
        else (first, other)
    sheet = best[0]
    fdef = ctx.targets.fields.street[name]

    def shown(where: tuple[Sheet, int, int, str | None]) -> str:
        return _cite(where[0], where[1], where[2], str(where[0].value(where[1], where[2])))

    ctx.issue("header-period-choice", sheet.name, sheet.a1(best[1], best[2]), fdef=fdef, chosen=shown(best),
              others=shown(rest), period=period)
    return best


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
    """The value of a label: the first filled cell to its right (never inside the community table), or below
    it when labels run across the row or nothing is to its right but something is under it."""
    row = sheet.rows[r]
    table = ctx.spans.get(sheet.name)
    start = _past_merge(sheet, r, c)  # a label merged over several cells (a Word table's wide cell)
    end = min(start + 3, len(row))
    if table is not None and c < table[1] and r in table[0]:
        end = min(end, table[1])  # a label left of the table: its value is before the table starts
    right_blank = True
    for vc in range(start, end):
        if sheet.same_merge((r, c), (r, vc)):
            continue  # the label's own merge repeats it: its value is past the merge
        if not is_blank(row[vc]):
            right_blank = False
            if ctx.street_label(row[vc]) is None:
                return r, vc
            break
    if sum(1 for vc, raw in enumerate(row) if ctx.street_label(raw) is not None and
           (vc == c or not sheet.same_merge((r, c), (r, vc)))) >= 2:
        return r + 1, c
    below = sheet.value(r + 1, c)
    if right_blank and not is_blank(below) and ctx.street_label(below) is None and \
            not (isinstance(below, str) and ctx.text_kind(below).note):
        return r + 1, c  # a label above its value
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
