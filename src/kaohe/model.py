"""What the readers hand to scoring: streets and communities with their values and where each came from."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar, overload

from kaohe.issues import Issue

if TYPE_CHECKING:
    from kaohe.targets import Targets


class RowCells(Mapping[str, str]):
    """field → A1 cell of one table row, made on demand from the table's column letters."""

    __slots__ = ("letters", "row")

    def __init__(self, letters: Mapping[str, str], row: int) -> None:
        self.letters = letters
        self.row = row

    def __getitem__(self, key: str) -> str:
        return f"{self.letters[key]}{self.row}"

    def get(self, key: str, default: Any = None) -> Any:
        letter = self.letters.get(key)
        return default if letter is None else f"{letter}{self.row}"

    def __iter__(self) -> Iterator[str]:
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)

    def __reduce__(self) -> tuple[Any, ...]:
        return (RowCells, (self.letters, self.row))


class Unit(NamedTuple):
    """A street or a community: field → value (None = could not be read) and field → A1 cell.

    A named tuple, not a dataclass: a district has tens of thousands and they cross process boundaries.
    """

    name: str
    values: dict[str, Any]
    cells: Mapping[str, str] = {}
    sheet: str | None = None
    row: int | None = None


T = TypeVar("T")


class Lazy(Sequence[T]):
    """A sequence kept in a compact form (a few lists) and made into its items on first access.

    Subclasses say how long they are, how to make their items, and how to pickle the compact form.
    """

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: tuple[T, ...] | None = None

    def _make(self) -> tuple[T, ...]:
        raise NotImplementedError

    @property
    def items(self) -> tuple[T, ...]:
        if self._made is None:
            self._made = self._make()
        return self._made

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self.items[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        return self.items == tuple(other) if isinstance(other, Sequence) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.items)


class Communities(Lazy[Unit]):
    """A street's communities as read: the table's columns (field → one value per community), with Units made
    only when someone asks for them.

    Scoring reads the columns; reports and the history see Units. Across a process boundary the columns
    travel as plain lists of numbers, strings and booleans instead of tens of objects per workbook.

    A table continued on other sheets (社区情况(一), 社区情况(二)) is one table: `parts` then says, for each
    sheet in order, its name, its column letters and how many of the communities come from it; `sheet` and
    `letters` are the first part's. `parts` is None for the usual table on one sheet.
    """

    __slots__ = ("sheet", "letters", "names", "rows", "columns", "parts", "joined")

    def __init__(self, sheet: str | None, letters: Mapping[str, str], names: list[str], rows: list[int],
                 columns: dict[str, list[Any]],
                 parts: list[tuple[str, Mapping[str, str], int]] | None = None,
                 joined: dict[str, tuple[str, str, list[int | None]]] | None = None) -> None:
        super().__init__()
        self.sheet = sheet
        self.letters = letters  # field → column letter, for the A1 cell of each value
        self.names = names
        self.rows = rows  # 1-based sheet rows
        self.columns = columns
        self.parts = parts if parts and len(parts) > 1 else None
        # fields read from another table joined by community name: field → (its sheet, its column letter, the
        # 1-based row of each community there, None where the community is not in it)
        self.joined = joined or None

    def cell_of(self, index: int, field: str) -> tuple[str | None, str | None]:
        """The sheet and A1 cell the field of the community at `index` was read from (None: no cell)."""
        if self.joined and field in self.joined:
            other, column, rows = self.joined[field]
            row = rows[index]
            return other, None if row is None else f"{column}{row}"
        sheet, letters = self.where(index)
        letter = letters.get(field)
        return sheet, f"{letter}{self.rows[index]}" if letter else None

    def where(self, index: int) -> tuple[str | None, Mapping[str, str]]:
        """The sheet and column letters of the community at `index`."""
        if self.parts is None:
            return self.sheet, self.letters
        for sheet, letters, count in self.parts:
            if index < count:
                return sheet, letters
            index -= count
        raise IndexError(index)

    def _make(self) -> tuple[Unit, ...]:
        fields = list(self.columns)
        values = zip(*self.columns.values(), strict=True) if fields else [()] * len(self.names)
        if self.joined:  # a joined field's cell names its own sheet: 社区设施!C5
            units = []
            for i, (name, row, row_values) in enumerate(zip(self.names, self.rows, values, strict=True)):
                sheet, letters = self.where(i)
                cells = dict(RowCells(letters, row))
                for field, (other, letter, rows) in self.joined.items():
                    cells.pop(field, None)
                    if rows[i] is not None:
                        cells[field] = f"{other}!{letter}{rows[i]}"
                units.append(Unit(name, dict(zip(fields, row_values, strict=True)), cells, sheet, row))
            return tuple(units)
        if self.parts is None:
            return tuple([Unit(name, dict(zip(fields, row_values, strict=True)), RowCells(self.letters, row),
                               self.sheet, row)
                          for name, row, row_values in zip(self.names, self.rows, values, strict=True)])
        units = []
        for i, (name, row, row_values) in enumerate(zip(self.names, self.rows, values, strict=True)):
            sheet, letters = self.where(i)
            units.append(Unit(name, dict(zip(fields, row_values, strict=True)), RowCells(letters, row), sheet, row))
        return tuple(units)

    def replaced(self, columns: dict[str, list[Any]]) -> Communities:
        """The same communities with other values."""
        return Communities(self.sheet, self.letters, list(self.names), list(self.rows), columns, self.parts,
                           self.joined)

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"Communities({self.names!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Communities, (self.sheet, self.letters, self.names, self.rows, self.columns, self.parts,
                              self.joined))


def columns_of(units: Sequence[Unit]) -> dict[str, list[Any]]:
    """field → one value per unit, read from the table's columns when there are any."""
    if isinstance(units, Communities):
        return units.columns
    fields: dict[str, None] = {}
    for u in units:
        fields.update(dict.fromkeys(u.values))
    return {f: [u.values.get(f) for u in units] for f in fields}


@dataclass(frozen=True)
class RowCounts:
    """How every row under a community header was accounted for."""

    read: int = 0
    blank: int = 0
    totals: int = 0
    notes: int = 0
    rejected: int = 0
    headers: int = 0  # the header repeated inside the table (a second printed page), or its column numbers

    @property
    def skipped(self) -> int:
        return self.blank + self.totals + self.notes + self.headers


@dataclass(frozen=True)
class Submission:
    """One street's workbook as read: its street facts, its communities and what was wrong with it."""

    file: str
    street: Unit | None
    communities: Sequence[Unit]  # Communities when read from a workbook
    issues: list[Issue]
    rows: RowCounts = RowCounts()
    community_sheet: str | None = None
    street_sheet: str | None = None
    sha256: str = ""
    size: int = 0
    judged: Judged | None = None  # the street already scored where it was read (gather(judge=True)), or None
    titles: tuple[tuple[str, str, str], ...] = ()  # (sheet, cell, text) of the title texts naming a year
    heading: tuple[tuple[str, str, str], ...] = ()  # (sheet, cell, text) of every text in the title rows


@dataclass(frozen=True)
class StreetInput:
    """A roster street as scoring sees it: its submission, or why it has none."""

    name: str
    submission: Submission | None
    status: Status
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileInfo:
    """An input file as it was when read: enough to reproduce and defend an assessment."""

    name: str
    path: str
    size: int
    sha256: str
    modified: str  # ISO 8601, local time of the file system
    raw_name: str = ""  # the name's original bytes in hex, when they were not UTF-8 (name is then decoded)


@dataclass(frozen=True)
class Intake:
    """Everything read from a submissions folder, matched against the roster."""

    streets: list[StreetInput]
    issues: list[Issue]
    source: str
    files: list[str] = field(default_factory=list)
    roster_file: str | None = None
    inputs: tuple[FileInfo, ...] = ()
    roster_info: FileInfo | None = None


# ---- results: what score() returns and the renderers show ---------------------------------------------


class Failing(NamedTuple):
    """A unit that does not meet a target, with the cell that decided it (None when no single cell did)."""

    name: str
    street: str | None = None
    value: Any = None
    sheet: str | None = None
    cell: str | None = None


class FailingUnits(Lazy[Failing]):
    """The communities of one street that did not pass a target, kept as lists; each Failing made on access.

    A street of fifty communities may fail ten targets on dozens of them: as lists they are cheap to build in
    a pool worker and to send back, and most runs (JSON, CSV) only ever read the names.
    """

    __slots__ = ("names", "street", "values", "sheet", "rows", "letter")

    def __init__(self, names: list[str], street: str | None, values: list[Any] | None, sheet: str | None,
                 rows: list[int], letter: str | None) -> None:
        super().__init__()
        self.names = names
        self.street = street
        self.values = values  # the tested field's value per unit; None: the test reads no single field
        self.sheet = sheet
        self.rows = rows  # 1-based
        self.letter = letter  # the tested field's column; None: no single cell decided

    def _make(self) -> tuple[Failing, ...]:
        values = self.values if self.values is not None else [None] * len(self.names)
        letter, street, sheet = self.letter, self.street, self.sheet
        return tuple([Failing(name, street, value, sheet, f"{letter}{row}" if letter else None)
                      for name, value, row in zip(self.names, values, self.rows, strict=True)])

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"FailingUnits({self.names!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FailingUnits, (self.names, self.street, self.values, self.sheet, self.rows, self.letter))


def failing_names(failing: Sequence[Failing]) -> list[str]:
    """The names of the units that failed, without making a Failing for each."""
    return list(failing.names) if isinstance(failing, FailingUnits) else [f.name for f in failing]


Points = Decimal  # points and scores: exact, rounded half-up to 2 places once, at the end
Status = Literal["submitted", "missing", "unreadable", "duplicate"]  # what became of a roster street's workbook
# What a target compares: a share (Fraction), a street's value (Decimal, int, bool), a count (int); None unread
Value = Fraction | Decimal | int | bool | None


class TargetResult(NamedTuple):
    """One target judged for one street (or for the district)."""

    id: str
    met: bool | None
    points: Points
    max_points: Decimal | int
    actual: Any  # a Value (Any: the JSON and the renderers take each kind apart at run time)
    required: Any  # a Value, or [low, high] for a range, or the listed choices
    needed: int | None
    units: int | None = None
    passing: int | None = None
    failing: Sequence[Failing] = ()  # a tuple, or FailingUnits straight from a street's columns
    shortfall: Decimal | int | None = None
    over: Literal["streets", "communities"] | None = None  # district only


@dataclass(frozen=True)
class Judged:
    """One street judged on every target: the results, the exact total, the veto targets it failed."""

    name: str
    targets: tuple[TargetResult, ...]
    total: Fraction
    vetoed: tuple[str, ...]


@dataclass(frozen=True)
class StreetResult:
    """One roster street's assessment."""

    name: str
    status: Status
    files: tuple[str, ...]
    score: Points
    grade: str
    rank: int
    targets: tuple[TargetResult, ...]
    communities: int
    rows: RowCounts | None
    vetoed_by: tuple[str, ...] = ()

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"


@dataclass(frozen=True)
class Change:
    """One figure an inspector verified differently from what the street reported."""

    street: str
    community: str | None
    field: str
    reported: Any
    verified: Any
    points: Decimal  # what this figure alone moves the street's score by (verified minus reported)
    overstated: bool  # below the reported figure beyond the tolerance, on a scored target
    inspector: str = ""
    date: str = ""
    note: str = ""
    file: str = ""  # the findings file, sheet and cell
    sheet: str | None = None
    cell: str | None = None
    source: str | None = None  # where the reported figure came from: 东风街道.xlsx 社区情况!E5


@dataclass(frozen=True)
class Adjustment:
    """A bureau adjustment that is not a figure: points added or taken, with a reason and a reference."""

    street: str
    points: Decimal  # positive: a bonus; negative: a deduction
    note: str
    reference: str = ""
    inspector: str = ""
    date: str = ""
    file: str = ""
    sheet: str | None = None
    cell: str | None = None


@dataclass(frozen=True)
class StreetVerification:
    """A street's two scores: on its own figures (自评分) and after verification (核定分), and why they differ."""

    name: str
    self_score: Decimal
    self_grade: str
    self_rank: int
    verified_score: Decimal  # the final score: verified figures, less deductions, with adjustments
    changes: tuple[Change, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    deduction: Decimal = Decimal(0)  # for overstated figures (the targets file's rule)
    grade_cap: str | None = None  # the best grade allowed after overstatement

    @property
    def difference(self) -> Decimal:
        return self.verified_score - self.self_score


@dataclass(frozen=True)
class Verification:
    """What verification did to a report: the findings files read, and every street's two scores."""

    files: tuple[str, ...]
    findings: int  # rows read as findings
    applied: int  # figures changed and adjustments made
    streets: tuple[StreetVerification, ...]  # every roster street, in roster order
    self_report: Report | None = field(default=None, compare=False, repr=False)  # on the reported figures


@dataclass(frozen=True)
class AppealDecision:
    """One decided appeal (申诉) as the appeals file writes it: upheld ones are applied as findings."""

    id: str
    street: str
    community: str | None
    item: str  # a field's label, or 加分/扣分
    decision: Literal["upheld", "rejected"]
    value: Any  # the figure or the points given when upheld; None when rejected
    reason: str
    file: str
    sheet: str | None
    cell: str | None


@dataclass(frozen=True)
class AppealScore:
    """A street's score before its appeals were decided (the verified one, or the self-assessed one without
    findings) and after (final)."""

    name: str
    verified: Decimal
    final: Decimal


@dataclass(frozen=True)
class Appeals:
    """What the appeals did to a report: every decision, and each street's score before and after."""

    files: tuple[str, ...]
    decisions: tuple[AppealDecision, ...]
    streets: tuple[AppealScore, ...]  # every roster street, in roster order


@dataclass(frozen=True)
class Rectification:
    """A rectification item (整改): a target a street missed, or a figure it overstated, in an earlier period,
    with its due date, state and the street's latest progress."""

    id: str
    period: str
    street: str
    what: str  # the target's title, or the overstated figure
    community: str | None
    due: str
    state: str  # open, reported, returned, closed
    progress: str = ""


@dataclass(frozen=True)
class DeskReview:
    """The submission desk's review of the period, carried by the reports it writes: each street's state
    (missing, submitted, returned, accepted), the deadline, the reporting and on-time rates."""

    states: Mapping[str, str]
    deadline: str | None
    completeness: float
    on_time: float
    # street → the reasons of its latest return: (sheet!cell or None, text, resolved since)
    reasons: Mapping[str, Sequence[tuple[str | None, str, bool]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """The whole assessment: district summary, one result per roster street, every issue."""

    period: str
    title: str
    streets: tuple[StreetResult, ...]
    district: tuple[TargetResult, ...]
    issues: tuple[Issue, ...]
    communities: int
    source: str
    roster_file: str | None = None
    targets_file: str | None = None
    inputs: tuple[FileInfo, ...] = ()
    roster_info: FileInfo | None = None
    targets_info: FileInfo | None = None
    verification: Verification | None = None  # kaohe assess --verified: both scores and every change
    appeals: Appeals | None = None  # kaohe assess --appeals: every decision, each street's score before and after
    rectifications: tuple[Rectification, ...] = ()  # open items of earlier periods (the desk's, or --rectifications)
    # what it was made from, so a report can be rendered, written or recorded on its own (kaohe.api)
    targets: Targets | None = field(default=None, compare=False, repr=False)
    intake: Intake | None = field(default=None, compare=False, repr=False)
    sample: bool = False  # made from kaohe's bundled sample district: every page of it says so
    review: DeskReview | None = field(default=None, compare=False)  # the desk's: states, deadline and rates

    @property
    def streets_expected(self) -> int:
        return len(self.streets)

    @property
    def streets_submitted(self) -> int:
        return sum(1 for s in self.streets if s.submitted)
