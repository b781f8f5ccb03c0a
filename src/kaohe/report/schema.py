"""The kaohe.report/1 JSON document, described as types: the JSON Schema other programs validate against.

`kaohe report-schema` prints it; schema/kaohe.report-1.schema.json is the checked-in copy, and
tests/test_report_schema.py keeps the two equal and validates real reports (the sample, a --verified one, the
browser desk's) against it. Every object forbids keys it does not name, so a field added to report/json.py
without being added here fails that test: the schema cannot drift from what kaohe writes.

Promise (kaohe.report/1): fields are only ever added, never renamed or removed, and an added field is optional
for readers; a change that would break a reader gets a new schema name (kaohe.report/2).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Value = float | int | bool | str | list[Any] | None  # a figure, a share, a yes/no, a text or [low, high]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DistrictTarget(_Doc):
    id: str = Field(description="The target's id in the targets file.")
    title: str
    points: float | int = Field(description="The target's points (0: tracked, not scored).")
    met: bool | None
    actual: Value = Field(description="The district's value: a share of streets or communities, or a count.")
    required: Value
    needed: int | None = Field(description="How many more streets or communities must meet it.")
    over: Literal["streets", "communities"]
    units: int | None
    passing: int | None
    failing: list[str] | None = Field(default=None, description="Streets not meeting it (over streets only).")


class District(_Doc):
    streets_expected: int
    streets_submitted: int
    communities: int
    targets: list[DistrictTarget]
    grades: dict[str, int] = Field(description="Grade name → how many streets have it.")


class Rows(_Doc):
    read: int
    skipped: int
    blank: int
    totals: int
    notes: int
    headers: int
    rejected: int


class StreetTarget(_Doc):
    id: str
    met: bool | None
    points: float
    max_points: float | int
    actual: Value
    required: Value
    needed: int | None
    failing: list[str] = Field(description="The communities (or the street itself) not meeting it.")
    shortfall: float | int | None = Field(default=None, description="How far an unmet street value falls short.")


class Change(_Doc):
    community: str | None
    field: str
    label: str
    reported: Value
    verified: Value
    points: float = Field(description="What this figure alone moves the street's score by.")
    overstated: bool
    inspector: str
    date: str
    note: str
    source: str | None = Field(description="Where the reported figure was read: file sheet!cell.")
    file: str = Field(description="The findings file, sheet and cell.")
    sheet: str | None
    cell: str | None


class Adjustment(_Doc):
    points: float = Field(description="Positive: a bonus; negative: a deduction.")
    note: str
    reference: str
    inspector: str
    date: str
    file: str
    sheet: str | None
    cell: str | None


class StreetVerification(_Doc):
    self_score: float = Field(description="自评分: on the street's own figures.")
    self_grade: str
    self_rank: int
    verified_score: float = Field(description="核定分: the street's `score`.")
    difference: float
    deduction: float = Field(description="Points off for overstated figures.")
    grade_cap: str | None
    changes: list[Change]
    adjustments: list[Adjustment]


class Street(_Doc):
    name: str
    submitted: bool
    status: Literal["submitted", "missing", "unreadable", "duplicate"]
    file: str | None
    files: list[str]
    score: float
    grade: str
    rank: int
    vetoed_by: list[str]
    communities: int
    rows: Rows | None
    targets: list[StreetTarget]
    verification: StreetVerification | None = Field(default=None, description="With --verified only.")


class Issue(_Doc):
    severity: Literal["error", "warning"]
    code: str = Field(description="A code of the issue catalogue: stable, safe to match on.")
    file: str | None
    sheet: str | None
    cell: str | None
    street: str | None
    community: str | None
    message: str
    hint: str
    reason: str | None = Field(default=None, description="Why a file was not read (unreadable/ignored files).")


class Verification(_Doc):
    files: list[str]
    findings: int
    applied: int


class AppealDecision(_Doc):
    id: str = Field(description="The appeal's number (申诉编号).")
    street: str
    community: str | None
    item: str = Field(description="The figure's label, or 加分 / 扣分 for points.")
    decision: Literal["upheld", "rejected"] = Field(description="支持 (applied as a finding) or 驳回 (listed only).")
    value: Any = Field(description="The figure or the points given when upheld; null when rejected.")
    reason: str
    file: str
    sheet: str | None
    cell: str | None


class AppealScore(_Doc):
    name: str
    verified_score: float = Field(description="Before the appeals: verified, or self-assessed without findings.")
    final_score: float = Field(description="After the appeals: the final score.")


class Appeals(_Doc):
    files: list[str]
    decisions: list[AppealDecision]
    streets: list[AppealScore]


class DeskStreet(_Doc):
    street: str
    state: Literal["missing", "submitted", "returned", "accepted"] = Field(
        description="未报送, 已报送, 退回修改 (returned with reasons), 审核通过 (accepted and locked).")
    version: int | None = Field(description="The street's latest version number of the period.")
    late: bool = Field(description="Sent after the deadline, or not sent and the deadline passed.")


class Desk(_Doc):
    """The submission desk's view of the period: only in the desk's report.json."""

    period: str
    deadline: str | None
    completeness: float = Field(description="Streets that submitted, as a share of the roster (reporting rate).")
    on_time: float = Field(description="Streets that submitted by the deadline, as a share of the roster.")
    streets: list[DeskStreet]


class ReportDocument(_Doc):
    """A district's assessment: `kaohe assess --format json`, the desk's report.json, kaohe.api.to_document."""

    schema_: Literal["kaohe.report/1"] = Field(alias="schema")
    kaohe: str = Field(description="The version of kaohe that wrote it.")
    period: str
    title: str
    targets_file: str | None
    source: str
    roster: str | None
    district: District
    streets: list[Street]
    issues: list[Issue]
    verification: Verification | None = Field(default=None, description="With --verified only.")
    appeals: Appeals | None = Field(default=None, description="With --appeals only: the decided appeals and "
                                    "each street's score before and after them.")
    desk: Desk | None = Field(default=None, description="The desk's report.json only: states, deadline, rates.")


def report_schema() -> dict[str, Any]:
    schema = ReportDocument.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "kaohe.report/1"
    schema["title"] = "kaohe.report/1 — a district's assessment"
    return schema
