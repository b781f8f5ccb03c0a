"""The desk's work without HTTP: a street's upload received, a version's self-check, the district assessed,
the period closed and opened, the bureau's findings kept, the course over the recorded periods.

Typed with the library's models (a Report, not Any), so strict typing checks the boundary the pages stand
on. The service owns the desk's caches — the self-checks of recent versions and the district's assessment,
each valid while nothing it reads has changed — and every read of the desk's history. app.py's handlers parse
a request, make one call here and render what it returns; tests/test_desk_service.py calls it directly.
"""

from __future__ import annotations

import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaohe.desk.models import (
    AppealOut,
    CommentOut,
    EntryField,
    EntryForm,
    EvidenceOut,
    FigureVersion,
    PublicationOut,
    Reason,
    RectificationOut,
    ReviewOut,
    StreetRow,
    StreetStatus,
)
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
class FigureChange:
    """One figure that differs between two versions of a street."""

    community: str
    field: str
    label: str
    before: Any
    after: Any
    where: str | None


@dataclass(frozen=True)
class Reminded:
    """The reminders sent: to which streets, and which had no address in the roster."""

    sent: list[str]
    without_address: list[str]


@dataclass(frozen=True)
class Timeliness:
    """How complete and how timely the period is, and whom to chase."""

    total: int
    submitted: int
    on_time: int  # submitted by the deadline (all submitted, without one)
    deadline: str | None
    days_left: int | None  # to the deadline's day; negative once it has passed
    chase: list[tuple[str, str, str]]  # (street, state, link) of those not submitted or returned

    @property
    def completeness(self) -> float:
        return self.submitted / self.total if self.total else 0.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.total if self.total else 0.0


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
        self._uploading: dict[str, threading.Lock] = {}  # per street: one of its uploads read at a time
        self._findings_read: tuple[Any, list[Any]] | None = None
        self._course: tuple[Any, Progress | None] | None = None
        from kaohe.intake.readings import Readings
        from kaohe.intake.sandbox import Budget, usable_cpus
        from kaohe.limits import DESK_MEMORY_BUDGET, DESK_READERS, DESK_SECONDS_PER_FILE

        slots = DESK_READERS or usable_cpus()
        # every reading of the desk holds a slot and reads with one worker: all together stay bounded
        self._reading = threading.BoundedSemaphore(slots)
        self.readings = Readings(desk.root / "readings", self.targets,
                                 Budget(DESK_MEMORY_BUDGET, DESK_SECONDS_PER_FILE, workers=1),
                                 shared=desk if desk.shared else None)  # a store's: every process's
        self._prune_readings()

    # ---- a street's workbooks

    def check(self, path: Path) -> Report:
        """`kaohe check` on a workbook, for the desk's period."""
        from kaohe import api

        with self._reading:
            return api.check(path, targets=self.targets, period=self.desk.period, readings=self.readings)

    def checked(self, version: Version) -> Checked:
        """A version's self-check, from the cache while it holds it."""
        with self._checks_lock:
            if version.id in self._checks:
                self._checks.move_to_end(version.id)
                return self._checks[version.id]
        try:
            found = Checked(self.check(self.desk.path(version.file)))
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
        from kaohe.limits import UPLOAD_WAIT_SECONDS

        if self.desk.closed:
            raise DeskError(key="desk.closed_upload", period=self.desk.period)
        deadline = _parse_deadline(self.desk.deadline())
        if deadline is not None and not self.desk.late_taken:
            from datetime import datetime

            if datetime.now(deadline.tzinfo) > deadline:
                raise DeskError(key="desk.past_deadline", deadline=deadline.isoformat(timespec="minutes"))
        lock = self._street_lock(who.name)  # one upload of a street in flight: the next waits, then is refused
        if not lock.acquire(timeout=UPLOAD_WAIT_SECONDS):
            raise DeskError(key="desk.busy", street=who.name)
        try:
            return self._receive(who, received, client_name, size, sha256)
        finally:
            lock.release()

    def _street_lock(self, street: str) -> threading.Lock:
        with self._checks_lock:
            return self._uploading.setdefault(street, threading.Lock())

    def _receive(self, who: Who, received: Path, client_name: str, size: int, sha256: str) -> Received:
        from kaohe.desk.views import wrong_street

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

        self.desk.ensure_submissions()  # a sync a full disk stopped, made good once there is room
        generation = self.desk.generation()
        with self._assess_lock:
            if self._assessed is not None and self._assessed[0] == generation and not self.desk.stale:
                return self._assessed[1]
            if not any(self.desk.submissions.iterdir()):
                report = None
            else:
                findings = self.desk.findings if self.desk.findings_files() else None
                if self.desk.shared:  # decided by any process: the file made here from the rows, as decide_appeal
                    if any(a.state != "open" for a in self.desk.appeals()):  # makes it in a folder desk
                        self._write_appeals()
                    else:
                        self.desk.appeals_file.unlink(missing_ok=True)
                appeals = self.desk.appeals_file if self.desk.appeals_file.is_file() else None
                with self._reading:  # every file read before (at its upload) is taken from the readings
                    report = api.assess(self.desk.submissions, targets=self.targets, roster=self.desk.roster_path,
                                        period=self.desk.period, verified=findings, history=self.desk.history,
                                        readings=self.readings, appeals=appeals)
            self._assessed = (generation, report)
            return report

    def own_verified(self, street: str) -> Report | None:
        """The street's latest self-check with the bureau's findings about it applied — what the district's
        assessment says of this street — made without assessing the district (a street's page must not wait
        for other streets' workbooks). None without findings about it or without a readable version."""
        from kaohe.intake.roster import street_key
        from kaohe.verify import apply

        files = self.desk.findings_files()
        if not files:
            return None
        _, checked = self.latest_checked(street)
        if checked is None or checked.report is None or checked.report.intake is None:
            return None
        suffixes = self.targets.layout.street_name_suffixes
        mine = [f for f in self._findings(tuple(files)) if f.street and street_key(f.street, suffixes)
                == street_key(street, suffixes)]
        if not mine:
            return None
        return apply(checked.report, checked.report.intake, self.targets, mine)

    def _findings(self, files: tuple[Path, ...]) -> list[Any]:
        """The findings files read, once for each set of them."""
        from kaohe.verify import read_findings

        key = tuple((p.name, p.stat().st_mtime_ns) for p in files)
        with self._checks_lock:
            if self._findings_read is not None and self._findings_read[0] == key:
                return self._findings_read[1]
        findings, _, _ = read_findings(self.desk.findings, self.targets)
        with self._checks_lock:
            self._findings_read = (key, findings)
        return findings

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

        key = (self.desk.generation(), id(report), lang, self.desk.history.exists() and
               self.desk.history.stat().st_mtime_ns)
        with self._assess_lock:
            if self._course is not None and self._course[0] == key:
                return self._course[1]
        runs: list[tuple[str, Any]] = []
        if self.desk.history.exists():
            try:
                runs = [(r.period, r.report) for r in api.History(self.desk.history).load_all()]
            except KaoheError:
                runs = []
        if report is not None and all(p != report.period for p, _ in runs):
            from kaohe.report.json import course_document

            runs.append((report.period, course_document(report)))  # only what the course reads
        made = progress(runs, self.targets) if runs else None
        with self._assess_lock:
            self._course = (key, made)  # the page's every load asks: made once per assessment and history
        return made

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
            self.desk.keep_history()
        except KaoheError:
            self.desk.reopen()
            raise
        self.desk.recorded(run_id)
        self.desk.log(ADMIN, "closed", period=self.desk.period, run=run_id,
                      files={v.street: v.sha256 for v in self.desk.latest().values()})
        self._rectification_items(report)
        return Closed(self.desk.period, run_id)

    def _prune_readings(self) -> None:
        """Readings of no version of the open period (an earlier period's, another targets file's) removed."""
        try:
            self.readings.prune({v.sha256 for v in self.desk.versions()})
        except OSError:
            pass  # only disk space: they are read past, never used

    def open(self, period: str) -> None:
        """Start the next period (KaoheError when its label is not one kaohe places)."""
        old = self.desk.period
        self.desk.open_period(period)
        self._prune_readings()
        self.desk.log(ADMIN, "opened", period=period, previous=old)

    # ---- review: states, returns with reasons, acceptance, deadlines, comments, every figure's history

    def number(self, version: Version) -> int:
        """A version's number among its street's versions of the period (1 for the first)."""
        return [v.id for v in self.desk.versions(version.street, version.period)].index(version.id) + 1

    def late(self, street: str, versions: list[Version] | None = None) -> bool:
        """Sent after the deadline, or not sent and the deadline passed."""
        deadline = _parse_deadline(self.desk.deadline())
        if deadline is None:
            return False
        versions = self.desk.versions(street) if versions is None else versions
        from datetime import datetime

        when = datetime.fromisoformat(versions[-1].at) if versions else datetime.now(deadline.tzinfo)
        return bool(when > deadline)

    def status(self, street: str) -> StreetStatus:
        """getStreetStatus: the street's state, latest version, score, deadline and the reasons it was
        returned with, each resolved or still open."""
        versions = self.desk.versions(street)
        latest = versions[-1] if versions else None
        return StreetStatus(street=street, state=self.desk.state(street),  # type: ignore[arg-type]
                            version=self.number(latest) if latest else None, score=latest.score if latest else None,
                            deadline=self.desk.deadline(), late=self.late(street, versions),
                            reasons=self.reasons(street, versions))

    def reasons(self, street: str, versions: list[Version]) -> list[Reason]:
        """The reasons of the street's latest return (or reopening), each resolved or open."""
        from kaohe.report.template import written_in
        from kaohe.workbook.sheets import read_book

        current = [r for r in self.desk.reviews(street) if r.action in ("returned", "reopened")]
        if not current or not versions:
            return []
        review = current[-1]
        newer = versions[-1].id > review.version
        out = [Reason(text=review.reason, resolved=newer)] if review.reason else []
        if review.cells:
            returned = next((v for v in versions if v.id == review.version), None)
            books: dict[int, Any] = {}
            for v in (returned, versions[-1]) if newer and returned else ():
                try:
                    books[v.id] = read_book(self.desk.path(v.file))
                except KaoheError:
                    books[v.id] = None
            for ref in review.cells:
                sheet, _, cell = ref.rpartition("!")
                changed = False
                if newer and returned is not None:
                    before = written_in(books.get(returned.id), sheet or None, cell.upper())
                    after = written_in(books.get(versions[-1].id), sheet or None, cell.upper())
                    changed = before != after
                out.append(Reason(text=review.reason, cell=ref, resolved=changed))
        return out

    def streets(self) -> list[StreetRow]:
        """listStreets: every roster street's state, latest version and score, and whether it is late."""
        states = self.desk.states()
        by_street: dict[str, list[Version]] = {}
        for v in self.desk.versions():
            by_street.setdefault(v.street, []).append(v)
        rows = []
        for who in self.desk.streets():
            versions = by_street.get(who.name, [])
            rows.append(StreetRow(street=who.name, state=states[who.name],  # type: ignore[arg-type]
                                  version=len(versions) or None, score=versions[-1].score if versions else None,
                                  late=self.late(who.name, versions)))
        return rows

    def review(self, street: str, action: str, reason: str, cells: list[str], who: str) -> ReviewOut:
        """returnSubmission, acceptSubmission, reopenSubmission (DeskError when it does not apply)."""
        self._known(street)
        done = self.desk.review(street, action, reason, tuple(c.strip() for c in cells if c.strip()), who)
        return ReviewOut(street=street, state=self.desk.state(street), action=done.action,  # type: ignore[arg-type]
                         version=self.number(next(v for v in self.desk.versions(street) if v.id == done.version)),
                         reason=done.reason, cells=list(done.cells), who=done.who, at=done.at)

    def set_deadline(self, deadline: str, who: str, late: bool = True) -> str:
        """setDeadline: ISO 8601 (a date alone is the end of that day, in the server's zone); `late`: whether
        uploads after it are still taken (marked late) or refused."""
        parsed = _parse_deadline(deadline)
        if parsed is None:
            raise DeskError(key="desk.bad_deadline", deadline=deadline)
        text: str = parsed.isoformat(timespec="minutes")
        self.desk.set_deadline(text, who, late)
        return text

    def comment(self, street: str, text: str, who: str, target: str | None = None, community: str | None = None,
                field: str | None = None) -> CommentOut:
        """addComment: a note on a street, a target or a figure."""
        self._known(street)
        c = self.desk.comment(street, text, who, target, community, field)
        return CommentOut(street=c.street, target=c.target, community=c.community, field=c.field, text=c.text,
                          who=c.who, at=c.at)

    def figure_history(self, street: str, field: str, community: str | None = None) -> list[FigureVersion]:
        """getFigureHistory: a street fact's or a community figure's value in each version of the period
        (file, sheet, cell, when, who), then any verification change, then the value assessed."""
        self._known(street)
        levels = self.targets.fields.community if community else self.targets.fields.street
        if field not in levels:
            raise DeskError(key="desk.unknown_field", field=field)
        out: list[FigureVersion] = []
        for version in self.desk.versions(street):
            value, sheet, cell = self.figures(version).get((community or "", field), (None, None, None))
            out.append(FigureVersion(value=_plain(value), version=self.number(version), file=version.client_name,
                                     sheet=sheet, cell=cell, when=version.at, who=street))
        assessed = self.own_verified(street)  # the street's own findings, without assessing the district
        if assessed is not None and assessed.verification is not None:
            for sv in assessed.verification.streets:
                for c in sv.changes:
                    if c.field == field and (c.community or None) == (community or None):
                        out.append(FigureVersion(value=_plain(c.verified), version=None, file=c.file, sheet=None,
                                                 cell=c.cell, when=c.date or None, who=c.inspector or None,
                                                 why=c.note or None))
        return out

    def figures(self, version: Version) -> dict[tuple[str, str], tuple[Any, str | None, str | None]]:
        """Every figure a version holds: (community or '', field) → (value, sheet, cell)."""
        from kaohe.verify import where_read

        checked = self.checked(version)
        intake = checked.report.intake if checked.report is not None else None
        sub = next((s.submission for s in intake.streets if s.submission is not None), None) if intake else None
        out: dict[tuple[str, str], tuple[Any, str | None, str | None]] = {}
        if sub is None or sub.street is None:
            return out
        for field, value in sub.street.values.items():
            out[("", field)] = (value, *where_read(sub, "", field))
        names = getattr(sub.communities, "names", None) or [u.name for u in sub.communities]
        for i, unit in enumerate(sub.communities):
            for field, value in unit.values.items():
                out[(names[i], field)] = (value, *where_read(sub, names[i], field))
        return out

    def diff(self, street: str, before: int | None = None, after: int | None = None) -> list[FigureChange]:
        """What changed between two of a street's versions (by their numbers; default: the last two): every
        figure added, removed or changed, with where it is now."""
        self._known(street)
        versions = self.desk.versions(street)
        if len(versions) < 2 and (before is None or after is None):
            return []
        old = versions[(before or len(versions) - 1) - 1]
        new = versions[(after or len(versions)) - 1]
        a, b = self.figures(old), self.figures(new)
        labels = {**self.targets.fields.street, **self.targets.fields.community}
        out = []
        for key in sorted(set(a) | set(b), key=lambda k: (k[0], list(labels).index(k[1]) if k[1] in labels else 99)):
            was, now = a.get(key, (None, None, None)), b.get(key, (None, None, None))
            if was[0] != now[0]:
                community, field = key
                out.append(FigureChange(community, field, labels[field].label if field in labels else field,
                                        was[0], now[0], _where(*now[1:]) or _where(*was[1:])))
        return out

    def history_rows(self, street: str) -> list[list[Any]]:
        """Every figure of every version of the street, for an audit: one row per figure and version."""
        self._known(street)
        labels = {**self.targets.fields.street, **self.targets.fields.community}
        rows = []
        for version in self.desk.versions(street):
            number = self.number(version)
            for (community, field), (value, sheet, cell) in self.figures(version).items():
                rows.append([street, community, labels[field].label if field in labels else field,
                             "" if value is None else value, number, version.client_name, _where(sheet, cell) or "",
                             version.at])
        return rows

    def timeliness(self, base: str) -> Timeliness:
        """Completeness and timeliness (DHIS2's reporting rate and reporting rate on time) and the 催报 list:
        the streets not submitted or returned, each with its link, and the days left to the deadline."""
        from datetime import datetime

        states = self.desk.states()
        first: dict[str, Version] = {}
        for v in self.desk.versions():
            first.setdefault(v.street, v)
        deadline = _parse_deadline(self.desk.deadline())
        total = len(states)
        submitted = sum(1 for s in states.values() if s != "missing")
        on_time = sum(1 for name, v in first.items()
                      if deadline is None or datetime.fromisoformat(v.at) <= deadline) if deadline else submitted
        days = None
        if deadline is not None:
            days = (deadline.date() - datetime.now(deadline.tzinfo).date()).days
        chase = [(who.name, states[who.name], f"{base}/s/{who.secret}") for who in self.desk.streets()
                 if states[who.name] in ("missing", "returned")]
        return Timeliness(total, submitted, on_time, self.desk.deadline(), days, chase)

    def remind(self, base: str, lang: str) -> Reminded:
        """E-mail every street on the 催报 list that has an address in the roster, through the SMTP server the
        bureau named (kaohe serve --smtp HOST[:PORT] --smtp-from ADDRESS; off until then). DeskError when no
        server is set; a server that refuses is a DeskError naming it."""
        import smtplib
        from email.message import EmailMessage

        from kaohe.intake.roster import roster_emails

        server = self.desk.setting_or("smtp", "")
        sender = self.desk.setting_or("smtp_from", "")
        if not server or not sender:
            raise DeskError(key="desk.smtp_off")
        host, _, port = server.rpartition(":") if ":" in server else (server, "", "25")
        tr = Translator(lang)
        timely = self.timeliness(base)
        addresses = roster_emails(self.desk.roster_path, self.targets)
        sent: list[str] = []
        without = [name for name, _, _ in timely.chase if name not in addresses]
        try:
            with smtplib.SMTP(host, int(port), timeout=20) as smtp:
                for name, state, link in timely.chase:
                    if name not in addresses:
                        continue
                    message = EmailMessage()
                    message["From"], message["To"] = sender, addresses[name]
                    message["Subject"] = tr("desk.mail_subject", period=self.desk.period)
                    body = tr("desk.mail_body", street=name, period=self.desk.period,
                              state=tr("desk.state." + state), link=link)
                    if timely.deadline:
                        body += "\n" + tr("desk.deadline_line", deadline=timely.deadline.replace("T", " ")[:16])
                    message.set_content(body)
                    smtp.send_message(message)
                    sent.append(name)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeskError(key="desk.smtp_failed", server=server, detail=str(exc)[:200]) from exc
        self.desk.log(ADMIN, "reminded", period=self.desk.period, sent=sent, without_address=without)
        return Reminded(sent, without)

    # ---- evidence (佐证材料)

    def add_evidence(self, who: Who, received: Path, client_name: str, size: int, sha256: str, target: str,
                     community: str | None = None) -> EvidenceOut:
        """uploadEvidence: a file backing a target (or a community's figure of it), kept when its bytes are a
        photo, a scan, a PDF or a Word document (desk/evidence.py); DeskError otherwise."""
        from kaohe.desk.evidence import ACCEPTED, sniff

        if self.desk.closed:
            raise DeskError(key="desk.closed_upload", period=self.desk.period)
        if target not in {t.id for t in self.targets.targets}:
            raise DeskError(key="desk.unknown_target", target=target)
        kind = sniff(received)
        if kind is None:
            self.desk.log(who.name, "refused", reason="evidence-kind", client_name=client_name[:255], sha256=sha256)
            raise DeskError(key="desk.evidence_kind", kinds=ACCEPTED)
        kept = self.desk.keep_evidence(who.name, received, client_name, size, sha256, kind.name, kind.suffix,
                                       target, (community or "").strip()[:100] or None)
        return _evidence_out(kept)

    def evidence(self, street: str) -> list[EvidenceOut]:
        """listEvidence: a street's evidence of the open period."""
        self._known(street)
        return [_evidence_out(e) for e in self.desk.evidence(street)]

    def missing_evidence(self, street: str, lang: str) -> list[str]:
        """The titles of the targets that require evidence (`evidence: required`) the street has sent none for."""
        sent = {e.target for e in self.desk.evidence(street)}
        return [t.name(lang) for t in self.targets.targets if t.evidence == "required" and t.id not in sent]

    def verification_sheet(self, street: str, folder: Path, lang: str) -> Path | None:
        """The street's 核查表 from its latest version, with the list of its evidence; None before it sent one."""
        from kaohe.report.template import verification_rows, write_verification_sheet
        from kaohe.workbook.sheets import read_book

        versions, checked = self.latest_checked(street)
        if not versions or checked is None or checked.report is None or checked.report.intake is None:
            return None
        subs = [s.submission for s in checked.report.intake.streets if s.submission is not None]
        if not subs or subs[0].street is None:
            return None
        tr = Translator(lang)
        try:
            book = read_book(self.desk.path(versions[-1].file))
        except KaoheError:
            book = None
        rows = verification_rows(subs[0], street, self.targets, tr, book)
        titles = {t.id: t.name(lang) for t in self.targets.targets}
        evidence = [[titles.get(e.target, e.target), e.community or "", e.name, round(e.size / 1024),
                     e.sha256[:16], e.insufficient or ""] for e in self.desk.evidence(street)]
        from kaohe.desk.store import safe_stem

        path = folder / f"{safe_stem(street)}-{tr('verify.sheet')}.xlsx"
        return write_verification_sheet(path, self.targets, street, self.desk.period, rows, tr, evidence)

    def mark_evidence(self, number: int, reason: str, who: str) -> EvidenceOut:
        """markEvidence: an inspector finds a piece insufficient (a finding in the report's issues)."""
        return _evidence_out(self.desk.mark_evidence(number, reason.strip()[:500], who))

    # ---- entry in the browser (a form made from the targets file; saving makes a version like an upload)

    ENTRY_NAME = "网页填报.xlsx"  # the name a version entered in the browser is kept under (its history says so)

    def entry_form(self, street: str, lang: str) -> EntryForm:
        """getEntryForm: the street's facts and communities, prefilled from its last accepted (else last)
        version of this period, else the last closed period's accepted figures, else blank."""
        from kaohe.entry import STREET, form_fields, shown

        self._known(street)
        versions = self.desk.versions(street)
        accepted = [r.version for r in self.desk.reviews(street) if r.action == "accepted"]
        chosen = next((v for v in reversed(versions) if v.id in accepted), versions[-1] if versions else None)
        source = f"version {self.number(chosen)}" if chosen else "blank"
        if chosen is None:
            earlier = [p for p in self.desk.periods() if p.period != self.desk.period and p.closed_at]
            if earlier:
                old = self.desk.versions(street, earlier[-1].period)
                done = [r.version for r in self.desk.reviews(street, earlier[-1].period) if r.action == "accepted"]
                chosen = next((v for v in reversed(old) if v.id in done), old[-1] if old else None)
                if chosen is not None:
                    source = f"period {earlier[-1].period}"
        values: dict[str, dict[str, str]] = {STREET: {}}
        communities: list[str] = []
        book: Any = None
        if chosen is not None:
            from kaohe.report.template import written_in
            from kaohe.workbook.sheets import read_book

            try:  # a value kaohe could not read is shown as the clerk wrote it, to be corrected
                book = read_book(self.desk.path(chosen.file))
            except KaoheError:
                book = None
            for (community, field), (value, sheet, cell) in self.figures(chosen).items():
                defs = self.targets.fields.community if community else self.targets.fields.street
                fdef = defs.get(field)
                if fdef is None or fdef.key:
                    continue
                words = tuple(fdef.choices_list(self.targets)) if fdef.type == "yesno" else None
                if community and community not in values:
                    values[community] = {}
                    communities.append(community)
                text = shown(value, words)  # type: ignore[arg-type]
                if value is None and book is not None and cell:
                    raw = written_in(book, sheet, cell)
                    text = "" if raw is None else shown(raw).strip()
                values[community or STREET][field] = text
        fields = [EntryField(**{k: v for k, v in f.items() if k != "type"}) for f in form_fields(self.targets,
                                                                                          Translator(lang))]
        return EntryForm(period=self.desk.period, source=source, fields=fields, communities=communities,
                         values=values)

    def entry_draft(self, street: str) -> dict[str, str] | None:
        """The street's draft of the form, when it is newer than its latest version."""
        import json

        kept = self.desk.draft(street)
        if kept is None:
            return None
        versions = self.desk.versions(street)
        if versions and versions[-1].at >= kept[1]:
            return None
        found: dict[str, str] = json.loads(kept[0])
        return found

    def keep_entry_draft(self, street: str, values: dict[str, str]) -> None:
        """saveEntryDraft: the form as it stands, at most MAX_FORM_FIELDS fields of 2,000 characters."""
        import json

        from kaohe.desk.app import MAX_FORM_FIELDS

        self._known(street)
        if len(values) > MAX_FORM_FIELDS:
            raise DeskError(key="desk.entry_twice")
        self.desk.keep_draft(street, json.dumps({k[:40]: str(v)[:2000] for k, v in values.items()},
                                                ensure_ascii=False))

    def save_entry(self, who: Who, values: dict[str, dict[str, str]], communities: list[str] | None = None,
                   reason: str | None = None, lang: str = "zh") -> Received:
        """saveEntry: the values written into the street's template and received exactly as an upload is (the
        self-check, the version, its hash); communities added or removed against the prefill need a reason,
        kept as a note the bureau sees."""
        import hashlib

        from kaohe.entry import STREET, write_filled

        order = [c.strip() for c in (communities if communities is not None else
                                     [k for k in values if k != STREET]) if c and c.strip()]
        if len(set(order)) != len(order):
            raise DeskError(key="desk.entry_twice")
        before = self.entry_form(who.name, lang)
        added = [c for c in order if c not in before.communities]
        removed = [c for c in before.communities if c not in order]
        if before.communities and (added or removed) and not (reason or "").strip():
            raise DeskError(key="desk.entry_reason", added="、".join(added) or "—", removed="、".join(removed) or "—")
        folder = self.desk.receiving()
        try:
            path = folder / self.ENTRY_NAME
            write_filled(path, self.targets, who.name, {k: values.get(k, {}) for k in [STREET, *order]}, order,
                         Translator(lang))
            data = path.read_bytes()
            got = self.receive(who, path, self.ENTRY_NAME, len(data), hashlib.sha256(data).hexdigest())
        finally:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        if got.version is not None:
            self.desk.keep_draft(who.name, None)  # saved: the draft has done its work
        if got.version is not None and (added or removed) and before.communities:
            self.desk.comment(who.name, Translator(lang)("desk.entry_changed", added="、".join(added) or "—",
                                                         removed="、".join(removed) or "—", reason=reason or ""),
                              who.name)
        return got

    # ---- rectification (整改)

    def _rectification_items(self, report: Report) -> int:
        """Every target a submitted street missed, and every figure found overstated, as an item due
        RECTIFY_DAYS after the close."""
        from datetime import datetime, timedelta

        from kaohe.limits import RECTIFY_DAYS

        due = (datetime.now().astimezone() + timedelta(days=RECTIFY_DAYS)).date().isoformat()
        titles = {t.id: t.name("zh") for t in self.targets.targets}
        bonus = {t.id for t in self.targets.targets if t.bonus}
        labels = {**self.targets.fields.street, **self.targets.fields.community}
        items: list[tuple[str, str, str, str | None, str, str]] = []
        for s in report.streets:
            if not s.submitted:
                continue
            items += [(s.name, r.id, titles.get(r.id, r.id), None, "missed", due) for r in s.targets
                      if r.met is False and r.max_points and r.id not in bonus]  # a bonus not won is no failing
        if report.verification is not None:
            for v in report.verification.streets:
                items += [(v.name, c.field, labels[c.field].label, c.community, "overstated", due)
                          for c in v.changes if c.overstated]
        return self.desk.add_rectifications(items)

    def rectifications(self, street: str | None = None) -> list[RectificationOut]:
        """listRectifications: every item of the desk's closed periods (one street's, or all)."""
        out = []
        for r in self.desk.rectifications(street):
            reports = self.desk.rectification_reports(r.id)
            out.append(RectificationOut(id=r.id, period=r.period, street=r.street, target=r.target, what=r.what,
                                        community=r.community, kind=r.kind, due=r.due,  # type: ignore[arg-type]
                                        state=r.state, progress=[text for _, text, _ in reports],  # type: ignore[arg-type]
                                        reason=r.closed_reason))
        return out

    def update_rectification(self, street: str, item: int, text: str) -> RectificationOut:
        """updateRectification: the street's progress on one of its open items."""
        text = text.strip()
        if not text:
            raise DeskError(key="desk.reason_needed")
        self.desk.report_rectification(street, item, text[:2000])
        return next(r for r in self.rectifications(street) if r.id == item)

    def close_rectification(self, item: int, reason: str, who: str, returned: bool = False,
                            due: str | None = None) -> RectificationOut:
        """closeRectification: closed (销号) or returned for more, with the reason; optionally a new due date."""
        if not reason.strip():
            raise DeskError(key="desk.reason_needed")
        when = None
        if due:
            parsed = _parse_deadline(due)
            if parsed is None:
                raise DeskError(key="desk.bad_deadline", deadline=due)
            when = parsed.date().isoformat()
        done = self.desk.settle_rectification(item, "returned" if returned else "closed", reason.strip()[:2000],
                                              who, when)
        return next(r for r in self.rectifications(done.street) if r.id == item)

    def open_rectifications(self) -> tuple[Any, ...]:
        """Items of earlier periods not closed yet, as a report carries them (the scorecard's 整改 sheet)."""
        from kaohe.model import Rectification

        return tuple(Rectification(str(r.id), r.period, r.street, r.what, r.community, r.due, r.state,
                                   (r.progress or [""])[-1])
                     for r in self.rectifications() if r.state != "closed" and r.period != self.desk.period)

    # ---- publication (公示) and appeals (申诉)

    def publish(self, start: str, end: str, who: str) -> PublicationOut:
        """publishResults: the district's preliminary results shown to every street from `start` to `end`;
        what was published is recorded by its hash. DeskError without an assessment or with a bad window."""
        import hashlib
        import json

        from kaohe import api

        began, ended = _parse_deadline(start), _parse_deadline(end)
        if began is None or ended is None or ended <= began:
            raise DeskError(key="desk.bad_window", start=start, end=end)
        report = self.assessment()
        if report is None:
            raise DeskError(key="desk.nothing_yet")
        body = json.dumps(api.to_document(self.reviewed(report)), ensure_ascii=False, sort_keys=True)
        # what was published, as published: every street's page shows this (kept as the desk keeps files)
        staged = self.desk.receiving() / "published.json"
        staged.write_text(body, encoding="utf-8")
        self.desk.keep_file(self.published_path().relative_to(self.desk.root).as_posix(), staged)
        shutil.rmtree(staged.parent, ignore_errors=True)
        done = self.desk.publish(began.isoformat(timespec="minutes"), ended.isoformat(timespec="minutes"),
                                 hashlib.sha256(body.encode("utf-8")).hexdigest(), who)
        return PublicationOut(start=done.start, end=done.end, sha256=done.sha256)

    def published_path(self) -> Path:
        from kaohe.desk.store import safe_stem

        return self.desk.root / "published" / f"{safe_stem(self.desk.period)}.json"

    def _published(self) -> Path:
        """The published file, fetched from a shared store when another process published it."""
        path = self.published_path()
        if self.desk.shared:
            from kaohe.desk.store import safe_stem

            published = self.desk.publication()
            if published is not None and (not path.is_file() or _sha256(path) != published.sha256):
                path.unlink(missing_ok=True)
                return self.desk.path(f"published/{safe_stem(self.desk.period)}.json")
        return path

    def published_table(self) -> list[dict[str, Any]]:
        """The district's table as published (name, score, grade, rank of every street), while it is
        published; [] otherwise. Read from the published file, never assessed again."""
        import json

        if not self.published_now():
            return []
        try:
            document = json.loads(self._published().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [{"name": s["name"], "score": s["score"], "grade": s["grade"], "rank": s["rank"],
                 "submitted": s["submitted"]} for s in document.get("streets", [])]

    def published_now(self) -> bool:
        """Whether the period's results are published at this moment (appeals may be filed)."""
        from datetime import datetime

        published = self.desk.publication()
        if published is None:
            return False
        start, end = _parse_deadline(published.start), _parse_deadline(published.end)
        assert start is not None and end is not None
        return bool(start <= datetime.now(start.tzinfo) <= end)

    def file_appeal(self, street: str, target: str, reason: str, community: str | None = None,
                    field: str | None = None) -> AppealOut:
        """fileAppeal: only while the results are published; on a target of the targets file."""
        self._known(street)
        if not self.published_now() or self.desk.closed:  # after the close the recorded result stands
            raise DeskError(key="desk.appeal_closed")
        if target not in {t.id for t in self.targets.targets}:
            raise DeskError(key="desk.unknown_target", target=target)
        if field and field not in self.targets.fields.street and field not in self.targets.fields.community:
            raise DeskError(key="desk.unknown_field", field=field)
        reason = reason.strip()
        if not reason:
            raise DeskError(key="desk.reason_needed")
        return _appeal_out(self.desk.file_appeal(street, target, (community or "").strip()[:100] or None,
                                                 field or None, reason[:2000]))

    def appeals(self, street: str | None = None) -> list[AppealOut]:
        return [_appeal_out(a) for a in self.desk.appeals(street)]

    def decide_appeal(self, number: int, decision: str, reason: str, who: str, points: float | None = None,
                      value: str | None = None) -> AppealOut:
        """decideAppeal: upheld (points within the targets file's bounds, or the figure's value) or rejected,
        with the reason; the period's appeals file is written again, and the next assessment applies it."""
        found = next((a for a in self.desk.appeals() if a.id == number and a.state == "open"), None)
        if found is None:
            raise DeskError(key="desk.no_open_appeal", number=number)
        if self.desk.closed:  # decided before the close, or the recorded result would not be the final one
            raise DeskError(key="desk.already_closed", period=self.desk.period)
        if decision not in ("upheld", "rejected") or not reason.strip():
            raise DeskError(key="desk.reason_needed")
        bounds = self.targets.verification.adjustments
        points_text = value_text = None
        if decision == "upheld":
            if points is None and not (value or "").strip():
                raise DeskError(key="desk.appeal_needs", upheld=self._words("upheld"))
            if points is not None:
                given = [float(a.points) for a in self.desk.appeals(found.street)
                         if a.state == "upheld" and a.points is not None and (float(a.points) > 0) == (points > 0)]
                limit = float(bounds.max_bonus if points > 0 else bounds.max_deduction)
                if points == 0 or sum(abs(g) for g in given) + abs(points) > limit:
                    raise DeskError(key="desk.appeal_points", limit=f"{limit:g}")
                points_text = f"{points:g}"
            else:
                if self._figure_of(found) is None:
                    raise DeskError(key="desk.appeal_no_figure", target=found.target)
                value_text = (value or "").strip()[:100]
        decided = self.desk.decide_appeal(number, decision, reason.strip()[:2000], points_text, value_text, who)
        self._write_appeals()
        return _appeal_out(decided)

    def _words(self, kind: str) -> str:
        words = self.targets.verification
        return (words.upheld_words if kind == "upheld" else words.rejected_words)[0]

    def _figure_of(self, appeal: Any) -> tuple[str, str] | None:
        """(level, field) an appeal's value is for: its own field, else the one field its target tests."""
        target = next((t for t in self.targets.targets if t.id == appeal.target), None)
        field = appeal.field or (getattr(target.test, "field", None) if target is not None else None)
        if field in self.targets.fields.community:
            return "community", field
        if field in self.targets.fields.street:
            return "street", field
        return None

    def _write_appeals(self) -> None:
        """The period's decided appeals as an appeals file (a findings file with 申诉编号 and 裁定): what the
        assessment applies, and what a bureau without the desk feeds `kaohe assess --appeals`."""
        from kaohe.atomic import atomic_path

        bounds = self.targets.verification.adjustments
        columns = self.targets.verification.columns  # headed as the targets file reads an appeals file
        rows = [[columns[kind][0] for kind in ("appeal", "street", "community", "item", "value", "decision", "note",
                                               "reference")]]
        for a in self.desk.appeals():
            if a.state == "open":
                continue
            item, shown = "", ""
            figure = self._figure_of(a)
            if a.state == "upheld" and a.points is not None:
                item = bounds.bonus_words[0] if float(a.points) > 0 else bounds.deduction_words[0]
                shown = f"{abs(float(a.points)):g}"
            elif figure is not None:
                level, field = figure
                defs = self.targets.fields.community if level == "community" else self.targets.fields.street
                item, shown = defs[field].label, a.value or ""
            rows.append([str(a.id), a.street, a.community or "", item, shown, self._words(a.state),
                         a.decision_reason or "", f"申诉{a.id}"])
        from kaohe.desk.app import csv_text

        path = self.desk.appeals_file
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(csv_text(rows), encoding="utf-8-sig")

    def _known(self, street: str) -> None:
        if street not in {w.name for w in self.desk.streets()}:
            raise DeskError(key="desk.unknown_street", street=street)

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
        api.write_scorecard(self.reviewed(report), path, lang="en" if lang == "en" else "zh",
                            history=self.desk.history)
        self.desk.log(ADMIN, "scorecard", period=self.desk.period, sha256=_sha256(path))
        return path

    def reviewed(self, report: Report) -> Report:
        """The report carrying the desk's review of the period (states, deadline, rates) for what it writes."""
        from dataclasses import replace

        from kaohe.model import DeskReview

        timely = self.timeliness("")
        reasons = {}
        for who in self.desk.streets():
            found = self.reasons(who.name, self.desk.versions(who.name))
            if found:
                reasons[who.name] = [(r.cell, r.text, r.resolved) for r in found]
        return replace(report, review=DeskReview(self.desk.states(), timely.deadline, timely.completeness,
                                                 timely.on_time_rate, reasons),
                       issues=(*report.issues, *self._evidence_issues()),
                       rectifications=report.rectifications or self.open_rectifications())

    def _evidence_issues(self) -> list[Any]:
        """An inspector's finding that a piece of evidence is insufficient, as an issue of the report."""
        from kaohe.issues import Issue

        titles = {t.id: t.name("zh") for t in self.targets.targets}
        return [Issue("evidence-insufficient", e.name, street=e.street, community=e.community,
                      params={"target": titles.get(e.target, e.target), "reason": e.insufficient,
                              "inspector": e.insufficient_by or ""})
                for e in self.desk.evidence() if e.insufficient]

    def street_result(self, street: str, folder: Path, lang: str) -> Path | None:
        """The street's own result workbook from the district now (the page the bureau sends it), with the
        bureau's review: its state and the reasons of its latest return. None before any submission."""
        from kaohe.report.excel import write_street_book
        from kaohe.report.template import template_name

        report = self.assessment()
        if report is None:
            return None
        mine = [s for s in report.streets if s.name == street]
        path = folder / template_name(street)
        write_street_book(self.reviewed(report), mine, self.targets, path, Translator(lang))
        return path

    def report_document(self, lang: str) -> dict[str, Any] | None:
        """The kaohe.report/1 document of the district now; None before any submission."""
        from kaohe import api

        report = self.assessment()
        if report is None:
            return None
        self.desk.log(ADMIN, "report", period=self.desk.period)
        from dataclasses import replace

        report = replace(report, issues=(*report.issues, *self._evidence_issues()))
        document = api.to_document(report, "en" if lang == "en" else "zh")
        timely = self.timeliness("")
        document["desk"] = {"period": self.desk.period, "deadline": timely.deadline,
                            "completeness": round(timely.completeness, 4), "on_time": round(timely.on_time_rate, 4),
                            "streets": [{"street": r.street, "state": r.state, "version": r.version, "late": r.late}
                                        for r in self.streets()]}
        return document


def _evidence_out(e: Any) -> EvidenceOut:
    return EvidenceOut(id=e.id, target=e.target, community=e.community, name=e.name, size=e.size, sha256=e.sha256,
                       kind=e.kind, insufficient=e.insufficient)


def _appeal_out(a: Any) -> AppealOut:
    return AppealOut(id=a.id, street=a.street, target=a.target, community=a.community, field=a.field,
                     reason=a.reason, state=a.state, decision_reason=a.decision_reason,
                     points=float(a.points) if a.points is not None else None, value=a.value,
                     decided_by=a.decided_by)


def _plain(value: Any) -> str | float | int | bool | None:
    """A figure as JSON carries it: a number as a number, yes/no as true/false, anything else as text."""
    from decimal import Decimal
    from fractions import Fraction

    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | Decimal | Fraction):
        number = float(value)
        return int(number) if number.is_integer() else number
    return str(value)


def _parse_deadline(text: str | None) -> Any:
    """An ISO 8601 deadline as an aware datetime (a date alone: the end of that day in the server's zone)."""
    from datetime import datetime, time

    if not text:
        return None
    try:
        if len(text.strip()) == 10:
            from datetime import date

            when = datetime.combine(date.fromisoformat(text.strip()), time(23, 59))
        else:
            when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.astimezone()


def _where(sheet: str | None, cell: str | None) -> str | None:
    """sheet!cell as a clerk finds it (the cell alone where there is no sheet)."""
    return f"{sheet}!{cell}" if sheet and cell else cell


def _sha256(path: Path) -> str:
    from kaohe.intake import file_info

    return file_info(path).sha256
