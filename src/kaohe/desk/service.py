"""The desk's work without HTTP: a street's upload received, a version's self-check, the district assessed,
the period closed and opened, the bureau's findings kept, the course over the recorded periods.

Typed with the library's models (a Report, not Any), so strict typing checks the boundary the pages stand
on. The service owns the desk's caches — the self-checks of recent versions and the district's assessment,
each valid while nothing it reads has changed — and every read of the desk's history. app.py's handlers parse
a request, make one call here and render what it returns; tests/test_desk_service.py calls it directly.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaohe.desk.store import ADMIN, Desk, DeskError, Version, Who
from kaohe.errors import KaoheError
from kaohe.words import Translator

if TYPE_CHECKING:
    from kaohe.model import Report
    from kaohe.tracking.progress import Progress


@dataclass(frozen=True)
class Checked:
    """One version's self-check: the report of `kaohe check` on it (or why it could not be made)."""

    report: Report | None
    error: str | None = None


@dataclass(frozen=True)
class Received:
    """What became of an upload: the version kept with its self-check, or the street the workbook named
    instead of the link's own (nothing kept then)."""

    version: Version | None
    report: Report
    wrong_street: str | None = None


@dataclass(frozen=True)
class Closed:
    """A period closed: the history run it was recorded as."""

    period: str
    run: int


class Service:
    """The desk's work on one data folder (see the module's docstring)."""

    CHECKS_KEPT = 512  # self-checks of recent versions kept: a page per street shows its latest

    def __init__(self, desk: Desk, lang: str = "zh") -> None:
        from kaohe import api

        self.desk = desk
        self.lang = lang
        self.targets = api.load_targets(desk.targets_path)
        self._checks: OrderedDict[int, Checked] = OrderedDict()
        self._checks_lock = threading.Lock()
        self._assessed: tuple[Any, Report | None] | None = None
        self._assess_lock = threading.Lock()

    # ---- a street's workbooks

    def check(self, path: Path) -> Report:
        """`kaohe check` on a workbook, for the desk's period."""
        from kaohe import api

        return api.check(path, targets=self.targets, period=self.desk.period)

    def checked(self, version: Version) -> Checked:
        """A version's self-check, from the cache while it holds it."""
        with self._checks_lock:
            if version.id in self._checks:
                self._checks.move_to_end(version.id)
                return self._checks[version.id]
        try:
            found = Checked(self.check(self.desk.root / version.file))
        except KaoheError as exc:
            found = Checked(None, exc.text(Translator(self.lang)))
        self._remember(version, found)
        return found

    def latest_checked(self, street: str) -> tuple[list[Version], Checked | None]:
        """A street's versions, oldest first, and the self-check of the latest."""
        versions = self.desk.versions(street)
        return versions, self.checked(versions[-1]) if versions else None

    def _remember(self, version: Version, checked: Checked) -> None:
        with self._checks_lock:
            self._checks[version.id] = checked
            self._checks.move_to_end(version.id)
            while len(self._checks) > self.CHECKS_KEPT:
                self._checks.popitem(last=False)

    def receive(self, who: Who, received: Path, client_name: str, size: int, sha256: str) -> Received:
        """An uploaded workbook (saved at `received`, outside the submissions): self-checked, refused when it
        names another street, else kept as the street's next version. DeskError when the period is closed."""
        from kaohe.desk.views import wrong_street

        if self.desk.closed:
            raise DeskError(key="desk.closed_upload", period=self.desk.period)
        report = self.check(received)
        named = wrong_street(report, who.name, self.targets)
        if named:
            self.desk.log(who.name, "refused", client_name=client_name, size=size, sha256=sha256, named=named)
            return Received(None, report, named)
        street = report.streets[0] if report.streets else None
        errors = sum(1 for i in report.issues if i.severity == "error")
        version = self.desk.keep(who, received, client_name, size, sha256, errors, len(report.issues) - errors,
                                 float(street.score) if street else None)
        self._remember(version, Checked(report))
        return Received(version, report)

    # ---- the district

    def assessment(self) -> Report | None:
        """The district as `kaohe assess DIR/submissions --history DIR/history.sqlite` sees it now; None before
        any submission. Made again only when a submission, the findings or the period changed."""
        from kaohe import api

        generation = self.desk.generation()
        with self._assess_lock:
            if self._assessed is not None and self._assessed[0] == generation:
                return self._assessed[1]
            if not any(self.desk.submissions.iterdir()):
                report = None
            else:
                findings = self.desk.findings if self.desk.findings_files() else None
                report = api.assess(self.desk.submissions, targets=self.targets, roster=self.desk.roster_path,
                                    period=self.desk.period, verified=findings, history=self.desk.history)
            self._assessed = (generation, report)
            return report

    def assessment_or_none(self) -> Report | None:
        """The assessment where it can be made; None where it cannot (a street's page stands without it)."""
        try:
            return self.assessment()
        except KaoheError:
            return None

    def course(self, report: Report | None, lang: str) -> Progress | None:
        """What `kaohe progress` computes over the periods recorded in the desk's history and the open one;
        None before anything is recorded or submitted. A history that cannot be read counts as none."""
        from kaohe import api
        from kaohe.tracking.progress import progress

        runs: list[tuple[str, Any]] = []
        if self.desk.history.exists():
            try:
                runs = [(r.period, r.report) for r in api.History(self.desk.history).load_all()]
            except KaoheError:
                runs = []
        if report is not None and all(p != report.period for p, _ in runs):
            runs.append((report.period, api.to_document(report, "en" if lang == "en" else "zh")))
        if not runs:
            return None
        return progress(runs, self.targets)

    # ---- the period

    def close(self, lang: str) -> Closed:
        """Close the period: uploads stop, the district is assessed as it ends and recorded in the history.
        DeskError (desk.already_closed, desk.nothing_yet) when there is nothing to close; a failure to record
        reopens it."""
        from kaohe import api

        if self.desk.closed:
            raise DeskError(key="desk.already_closed", period=self.desk.period)
        if self.assessment() is None:
            raise DeskError(key="desk.nothing_yet")
        if not self.desk.close_period():
            raise DeskError(key="desk.already_closed", period=self.desk.period)
        try:  # assessed after uploads stopped: what is recorded is what the period ends with
            report = self.assessment()
            assert report is not None  # uploads are only ever added
            run_id = api.History(self.desk.history).record(report, "en" if lang == "en" else "zh")
        except KaoheError:
            self.desk.reopen()
            raise
        self.desk.recorded(run_id)
        self.desk.log(ADMIN, "closed", period=self.desk.period, run=run_id,
                      files={v.street: v.sha256 for v in self.desk.latest().values()})
        return Closed(self.desk.period, run_id)

    def open(self, period: str) -> None:
        """Start the next period (KaoheError when its label is not one kaohe places)."""
        old = self.desk.period
        self.desk.open_period(period)
        self.desk.log(ADMIN, "opened", period=period, previous=old)

    # ---- the bureau's findings

    def keep_findings(self, received: Path, client_name: str, sha256: str) -> Path:
        return self.desk.keep_findings(received, client_name, sha256)

    def remove_findings(self, name: str) -> bool:
        return self.desk.remove_findings(name)

    # ---- downloads

    def scorecard(self, folder: Path, lang: str) -> Path | None:
        """The scorecard of the district now, written in `folder`; None before any submission."""
        from kaohe import api

        report = self.assessment()
        if report is None:
            return None
        path = folder / f"考核结果-{self.desk.period}.xlsx"
        api.write_scorecard(report, path, lang="en" if lang == "en" else "zh", history=self.desk.history)
        self.desk.log(ADMIN, "scorecard", period=self.desk.period, sha256=_sha256(path))
        return path

    def report_document(self, lang: str) -> dict[str, Any] | None:
        """The kaohe.report/1 document of the district now; None before any submission."""
        from kaohe import api

        report = self.assessment()
        if report is None:
            return None
        self.desk.log(ADMIN, "report", period=self.desk.period)
        return api.to_document(report, "en" if lang == "en" else "zh")


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
