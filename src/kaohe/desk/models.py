"""The desk's JSON calls: one pydantic model per request and response, so the OpenAPI document the desk
serves at <link>/api/openapi.json is generated from them, never written by hand."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

State = Literal["missing", "submitted", "returned", "accepted"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueOut(Model):
    severity: str
    code: str
    sheet: str | None = None
    cell: str | None = None
    community: str | None = None
    message: str


class UploadResult(Model):
    """uploadSubmission: the version kept and its self-check."""

    version: int = Field(description="The street's version number of this period (1 for its first upload).")
    state: State
    score: float | None
    issues: list[IssueOut]


class Reason(Model):
    text: str
    cell: str | None = Field(default=None, description="sheet!cell the reason points at, e.g. 社区情况!E5")
    target: str | None = None
    resolved: bool = Field(description="A cell's reason: the cell changed since the version returned; a general "
                                       "reason: a version was sent since.")


class StreetStatus(Model):
    """getStreetStatus"""

    street: str
    state: State
    version: int | None
    score: float | None
    deadline: str | None
    late: bool
    reasons: list[Reason]


class StreetRow(Model):
    street: str
    state: State
    version: int | None
    score: float | None
    late: bool


class StreetAction(Model):
    """acceptSubmission"""

    street: str


class ReturnRequest(Model):
    """returnSubmission"""

    street: str
    reason: str = ""
    cells: list[str] = Field(default_factory=list, description='sheet!cell references, e.g. ["社区情况!E5"]')


class ReopenRequest(Model):
    """reopenSubmission"""

    street: str
    reason: str


class ReviewOut(Model):
    street: str
    state: State
    action: str
    version: int
    reason: str
    cells: list[str]
    who: str
    at: str


class DeadlineRequest(Model):
    """setDeadline"""

    deadline: str = Field(description="ISO 8601, e.g. 2005-12-20T17:00:00+08:00 or 2005-12-20")
    late: bool = Field(default=True, description="Uploads after the deadline still taken (marked late) or refused.")


class DeadlineOut(Model):
    deadline: str


class FigureVersion(Model):
    """One value of a figure: in a version (where and when it was read) or as verified and assessed."""

    value: str | int | float | bool | None
    version: int | None
    file: str | None
    sheet: str | None
    cell: str | None
    when: str | None
    who: str | None
    why: str | None = None


class CommentRequest(Model):
    """addComment"""

    street: str | None = Field(default=None, description="The bureau names the street; a street's link is its own.")
    target: str | None = None
    community: str | None = None
    field: str | None = None
    text: str


class CommentOut(Model):
    street: str
    target: str | None
    community: str | None
    field: str | None
    text: str
    who: str
    at: str


class Problem(Model):
    """Why a call was refused."""

    error: str


class DistrictOut(Model):
    """listDistricts: a district of the city's store, its roster's size and how many of its streets have
    submitted in its open period."""

    district: str
    streets: int
    submitted: int


class LinkOut(Model):
    """reissueLink: the street's new link (the old one no longer works); revokeLink: no link (null)."""

    street: str
    link: str | None


class PersonRequest(Model):
    """addPerson: a named bureau link with a role — admin (every action), inspector (findings and comments),
    leader (reads only)."""

    name: str
    role: Literal["admin", "inspector", "leader"]


class PersonName(Model):
    """removePerson"""

    name: str


class PersonOut(Model):
    """A bureau person; `link` only in addPerson's answer (give it to that person alone)."""

    name: str
    role: Literal["admin", "inspector", "leader"]
    link: str | None = None


class AppealRequest(Model):
    """fileAppeal: an appeal on a target (or one figure of it) while the results are published."""

    target: str = Field(description="The target's id, as the targets file names it.")
    community: str | None = None
    field: str | None = Field(default=None, description="The figure's field id, when the appeal is about one.")
    reason: str = Field(min_length=1, max_length=2000)


class AppealOut(Model):
    """An appeal and, once decided, the decision."""

    id: int
    street: str
    target: str
    community: str | None = None
    field: str | None = None
    reason: str
    state: Literal["open", "upheld", "rejected"]
    decision_reason: str | None = None
    points: float | None = None
    value: str | None = None
    decided_by: str | None = None


class PublishRequest(Model):
    """publishResults: the window (ISO 8601) in which every street sees the district's preliminary results."""

    start: str
    end: str


class PublicationOut(Model):
    start: str
    end: str
    sha256: str = Field(description="SHA-256 of the report published (its JSON, keys sorted).")


class DecideRequest(Model):
    """decideAppeal: upheld — with the points given (bonus > 0, deduction < 0) or the figure's value — or
    rejected, with the reason either way."""

    id: int
    decision: Literal["upheld", "rejected"]
    reason: str = Field(min_length=1, max_length=2000)
    points: float | None = None
    value: str | None = None


class EvidenceOut(Model):
    """A piece of evidence (佐证材料): its target, the community where it is about one, as sent, as sniffed."""

    id: int
    target: str
    community: str | None = None
    name: str = Field(description="The file's name as sent (shown as text only).")
    size: int
    sha256: str
    kind: str = Field(description="What its bytes are: jpeg, png, heic, tiff, pdf, docx, doc.")
    insufficient: str | None = Field(default=None, description="An inspector's reason when found insufficient.")


class MarkEvidenceRequest(Model):
    """markEvidence: found insufficient with the reason (empty: the mark taken back)."""

    id: int
    reason: str = Field(max_length=500)


class RectificationOut(Model):
    """A rectification item (整改): a missed target or an overstated figure of a closed period."""

    id: int
    period: str
    street: str
    target: str
    what: str
    community: str | None = None
    kind: Literal["missed", "overstated"]
    due: str
    state: Literal["open", "reported", "returned", "closed"]
    progress: list[str] = Field(default_factory=list, description="The street's progress reports, oldest first.")
    reason: str | None = Field(default=None, description="Why the bureau closed or returned it.")


class RectificationUpdate(Model):
    """updateRectification: the street's progress on one of its items."""

    id: int
    text: str = Field(min_length=1, max_length=2000)


class RectificationClose(Model):
    """closeRectification: closed (销号), or returned for more with `returned: true`; optionally a new due date."""

    id: int
    reason: str = Field(min_length=1, max_length=2000)
    returned: bool = False
    due: str | None = None


class EntryField(Model):
    """One field of the entry form, as the template has it."""

    key: str
    label: str
    unit: str | None = None
    choices: list[str] | None = None
    hint: str | None = None
    scope: Literal["street", "community"]
    name: bool = Field(default=False, description="The community's name (a row's key).")


class EntryForm(Model):
    """getEntryForm: the form made from the targets file, prefilled."""

    period: str
    source: str = Field(description="Where the values come from: 'version N' (this period), 'period P' (the last "
                                    "closed period's accepted figures), or 'blank'.")
    fields: list[EntryField]
    communities: list[str]
    values: dict[str, dict[str, str]] = Field(description='{"street": {key: value}, "<community>": {key: value}}')


class EntrySave(Model):
    """saveEntry: the values in the form's shape; `reason` when communities were added or removed."""

    values: dict[str, dict[str, str]]
    communities: list[str] | None = Field(default=None, description="The communities in order (default: the "
                                          "values' keys other than street, in order).")
    reason: str | None = None


class EntrySaved(Model):
    version: int | None = Field(description="The new version's number (null when nothing was kept).")
    score: float | None
    issues: list[IssueOut]


class EntryDraft(Model):
    """saveEntryDraft: the form as it stands (its fields' names → values), kept until the next save."""

    values: dict[str, str]
