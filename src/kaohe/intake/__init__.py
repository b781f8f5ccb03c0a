"""A submissions folder → one StreetInput per roster street, with the folder-level issues.

Which files are submissions, which street each names, and what becomes of files that name no street, an
unknown street or a street someone else already sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kaohe.errors import InputError, UnreadableFile
from kaohe.intake.roster import find_roster, read_roster, street_key
from kaohe.issues import Issue, unreadable
from kaohe.issues import ignored as ignored_file
from kaohe.model import FileInfo, Intake, StreetInput, Submission
from kaohe.targets import Targets
from kaohe.text import display_name, raw_name_hex
from kaohe.workbook import SUBMISSION_SUFFIXES, read_submission
from kaohe.workbook.cells import CellReader
from kaohe.workbook.sheets import DOCUMENT_SUFFIXES, NAMED_SUFFIXES, Book, read_book

if TYPE_CHECKING:
    from kaohe.intake.readings import Readings
    from kaohe.intake.sandbox import Budget
    from kaohe.scoring import Scorer

Progress = Callable[[str, int, int], None]  # (file name, files done, files in all)


def file_info(path: Path) -> FileInfo:
    """Name, size, SHA-256 and modification time of an input file."""
    import datetime as dt
    import hashlib

    from kaohe.workbook.guard import read_regular

    digest = hashlib.sha256(read_regular(path, 1 << 62))  # a pipe given as an input never hangs the run
    stat = path.stat()
    modified = dt.datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds")
    return FileInfo(display_name(path.name), str(path), stat.st_size, digest.hexdigest(), modified,
                    raw_name_hex(path.name))


def list_folder(source: Path, skip: Path | None = None) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files to read under `source`, and the other files with why they are not read, in name order.

    Read: every spreadsheet suffix, and web pages or XML saved by office programs (to be named with their
    reason). Named and not read: any other file. Left out without a word: lock files (~$x.xlsx, .~lock.x#),
    hidden files and folders, `__MACOSX`, the roster (`skip`) and the system's own Thumbs.db / desktop.ini.
    A folder whose name looks like a workbook (x.xlsx/) is listed, so that it is reported rather than entered.
    """
    if source.is_file():
        return [source], []
    if not source.is_dir():
        raise InputError(key="err.no_source", path=str(source))
    skip_resolved = skip.resolve() if skip else None
    skip_names = {skip.name, skip_resolved.name} if skip and skip_resolved else set()

    def is_skip(entry: Path) -> bool:  # resolved only when the name could be the roster's (a folder of 500: 30 ms)
        return entry.name in skip_names and entry.resolve() == skip_resolved

    found: list[Path] = []
    ignored: list[tuple[Path, str]] = []
    for entry in sorted(source.iterdir()):
        name = entry.name
        if name.startswith((".", "~$", ".~lock.", "__MACOSX")) or name.endswith("#") \
                or name.lower() in _SYSTEM_FILES:
            continue
        suffix = entry.suffix.lower()
        if suffix in SUBMISSION_SUFFIXES or suffix in NAMED_SUFFIXES:
            if not is_skip(entry):
                found.append(entry)
        elif entry.is_dir() and not entry.is_symlink():
            more, other = list_folder(entry, skip)
            found.extend(more)
            ignored.extend(other)
        elif not is_skip(entry):
            ignored.append((entry, _IGNORED_KINDS.get(suffix, "other")))
    return found, ignored


_SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store"}
# Why a file beside the workbooks is not read: kind → shown in the ignored-file warning
_IGNORED_KINDS = {
    **dict.fromkeys((".zip", ".rar", ".7z", ".tar", ".gz"), "archive"),
    **dict.fromkeys((".rtf", ".odt", ".pdf", ".txt"), "document"),
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".heic"), "image"),
}


def gather(source: Path, targets: Targets, roster_path: Path | None = None,
           progress: Progress | None = None, judge: bool = False, readings: Readings | None = None) -> Intake:
    """Read every submission under `source` (a folder or one workbook) and match them against the roster."""
    if roster_path is None and source.is_dir():
        roster_path = find_roster(source, targets)
    files, ignored = list_folder(source, roster_path)
    base = source if source.is_dir() else None
    notes = [ignored_file(_shown_name(p, base), kind) for p, kind in ignored]
    return gather_files(files, targets, roster_path, progress, display_name(source.name), judge=judge,
                        base=base, notes=notes, readings=readings)


def gather_files(files: list[Path], targets: Targets, roster_path: Path | None = None,
                 progress: Progress | None = None, source: str = "", warn_no_roster: bool = True,
                 judge: bool = False, base: Path | None = None, notes: list[Issue] | None = None,
                 readings: Readings | None = None) -> Intake:
    """Read the given workbooks and match them against the roster (or take the streets found as roster).

    With `judge`, each worker also scores what it read under the workbook's own street name (its own
    scoring.Scorer) and keeps it as `submission.judged`: the scoring is then spread over the workers
    instead of done after reading. scoring.score uses it where the roster name agrees, and judges anew
    where it does not.

    With `readings` (the desk's), a file whose bytes were read before is not read again (intake/readings.py).
    """
    roster, header_like = read_roster(roster_path, targets) if roster_path else (None, None)

    def key_of(name: str) -> str:
        return street_key(name, targets.layout.street_name_suffixes)

    issues: list[Issue] = list(notes or [])
    if header_like is not None and roster_path is not None:
        issues.append(Issue("roster-header", display_name(roster_path.name), street=header_like,
                            params={"endings": "、".join(targets.layout.street_name_endings[:3])}))
    read: list[tuple[str, Submission]] = []
    unreadable_streets: dict[str, str] = {}
    inputs: list[FileInfo] = []
    if not files:
        issues.append(Issue("no-workbooks", params={"source": source}))
    jobs = [(p, _shown_name(p, base)) for p in files]
    shown = dict(jobs)
    results = list(_read_all(jobs, targets, progress, judge, readings))
    for path, sub in results:
        if isinstance(sub, Issue) and sub.code == "ignored-file":  # read, and not a submission: named only
            issues.append(sub)
            continue
        inputs.append(_info(path, shown[path], sub))
        if isinstance(sub, Issue):
            guess = _street_in_file_name(path, roster)
            issues.append(sub.located(street=guess))
            if guess:
                unreadable_streets.setdefault(key_of(guess), shown[path])
            continue
        issues.extend(sub.issues)
        name = sub.street.name if sub.street and sub.street.name else None
        if name is None:  # the file's name, else its title rows, else the folder it is in (as mail is saved)
            guess = _street_in_file_name(path, roster)
            if guess is not None:
                issues.append(Issue("street-from-file-name", shown[path], street=guess))
            else:
                titled = _street_in_heading(sub, roster)
                folder = _street_in_folder(path, base, roster) if titled is None else None
                if titled is not None:
                    sheet, cell, text, guess = titled
                    issues.append(Issue("street-from-title", shown[path], sheet, cell, street=guess,
                                        params={"title": text}))
                elif folder is not None:
                    guess = folder
                    issues.append(Issue("street-from-folder", shown[path], street=guess,
                                        params={"folder": display_name(path.parent.name)}))
            if guess is None:
                continue
            name = guess
        read.append((name, sub))

    if roster is None:
        roster = []
        keys: set[str] = set()
        for name, _ in read:
            if key_of(name) not in keys:
                keys.add(key_of(name))
                roster.append(name)
        if warn_no_roster:
            issues.append(Issue("no-roster", params={"count": len(roster)}))
    canonical = {key_of(n): n for n in roster}

    by_street: dict[str, list[tuple[str, Submission]]] = {}
    for name, sub in read:
        key = key_of(name)
        if key not in canonical:
            issues.append(Issue("unknown-street", sub.file, street=name))
            continue
        by_street.setdefault(key, []).append((canonical[key], sub))

    streets: list[StreetInput] = []
    for name in roster:
        key = key_of(name)
        subs = by_street.get(key, [])
        if len(subs) > 1:  # last year's file beside this year's (东风街道2004.xlsx, 东风街道2005.xlsx): never mixed
            subs, elsewhen = _of_the_period(subs, targets)
            for sub in elsewhen:
                issues.append(Issue("other-period-file", sub.file, street=name,
                                    params={"chosen": subs[0][1].file, "period": targets.period}))
        together = _parts_of_one(subs) if len(subs) == 2 else None
        if together is not None:  # the street's facts in one file, its communities in the other: one submission
            combined, dropped = together
            issues[:] = [i for i in issues if not any(i is d for d in dropped)]
            issues.append(Issue("files-joined", combined.file, street=name,
                                params={"facts": _files(subs)[0], "communities": _files(subs)[1]}))
            streets.append(StreetInput(name, combined, "submitted", _files(subs)))
        elif len(subs) == 1:
            streets.append(StreetInput(name, subs[0][1], "submitted", (subs[0][1].file,)))
        elif subs:
            files_named = tuple(s.file for _, s in subs)
            for f in files_named:
                issues.append(Issue("duplicate-submission", f, street=name,
                                    params={"files": "、".join(files_named)}))
            streets.append(StreetInput(name, None, "duplicate", files_named))
        elif key in unreadable_streets:
            streets.append(StreetInput(name, None, "unreadable", (unreadable_streets[key],)))
        else:
            issues.append(Issue("missing-submission", street=name))
            streets.append(StreetInput(name, None, "missing"))
    return Intake(streets, issues, source, [name for _, name in jobs],
                  display_name(roster_path.name) if roster_path else None, tuple(i for i in inputs if i.sha256),
                  file_info(roster_path) if roster_path else None)


def _parts_of_one(subs: list[tuple[str, Submission]]) -> tuple[Submission, list[Issue]] | None:
    """Two files from one street that complement each other — the street's facts and no community table in
    one, a community table and no street facts in the other — as one submission (the communities' file
    first, the facts kept with their own sheet), and the issues each raised only for lacking the other's
    part (to be dropped). None when the two are not such a pair: then they are a duplicate-submission."""
    pair = [sub for _, sub in subs]
    facts = next((s for s in pair if s.community_sheet is None and not len(s.communities) and s.street is not None
                  and any(v is not None for v in s.street.values.values())), None)
    table = next((s for s in pair if s is not facts and len(s.communities) and
                  (s.street is None or not any(v is not None for v in s.street.values.values()))), None)
    if facts is None or table is None:
        return None
    subs.sort(key=lambda ns: ns[1] is not facts)  # the facts' file first, as the files are listed

    def level(issue: Issue) -> str | None:
        named = issue.params.get("field")
        return named[0] if isinstance(named, tuple | list) and named else None

    dropped = [i for i in facts.issues if i.code == "no-communities" or
               (i.code == "missing-column" and level(i) == "community")]
    dropped += [i for i in table.issues if i.code == "missing-column" and level(i) == "street"]
    street = facts.street
    assert street is not None
    if street.sheet is not None and street.sheet == table.community_sheet:  # both files' sheets named alike
        street = street._replace(sheet=f"{facts.file} {street.sheet}")
    combined = replace(table, street=street, street_sheet=street.sheet, judged=None,
                     issues=[i for i in facts.issues + table.issues if not any(i is d for d in dropped)],
                     titles=facts.titles + table.titles)
    return combined, dropped


def _files(subs: list[tuple[str, Submission]]) -> tuple[str, ...]:
    return tuple(sub.file for _, sub in subs)


def _of_the_period(subs: list[tuple[str, Submission]], targets: Targets) \
        -> tuple[list[tuple[str, Submission]], list[Submission]]:
    """Of several files from one street, the one of the period assessed when the others name only other years
    (in their file names or title rows) and it names the period or none: (that one, the others). Otherwise all
    of them, as they came (a duplicate-submission)."""
    from kaohe.periods import named_years, year_of

    year = year_of(targets.period)
    if year is None:
        return subs, []
    parts = targets.layout.period_parts

    def years(sub: Submission) -> set[str]:
        texts = [Path(sub.file).stem, *(text for _sheet, _cell, text in sub.titles)]
        return {y for text in texts for y in named_years(text, parts)}

    named = [years(sub) for _, sub in subs]
    mine = [i for i, ys in enumerate(named) if not ys or year in ys]
    if len(mine) != 1 or not all(named[i] for i in range(len(subs)) if i not in mine):
        return subs, []
    return [subs[mine[0]]], [sub for i, (_, sub) in enumerate(subs) if i != mine[0]]


# Files are read a batch at a time, phase by phase: all opened, then all their tables read, then all judged.
# The same work, but each phase's code stays warm in the CPU's caches: 10-14 % less time a file (measured).
BATCH = 8
MAX_WORKERS = 8

Job = tuple[Path, str]  # a workbook and the name it is reported under (its path inside the folder)
Result = Submission | Issue


def _read_all(files: list[Job], targets: Targets, progress: Progress | None,
              judge: bool = False, readings: Readings | None = None) -> Iterator[tuple[Path, Result]]:
    """Read every file, in order, in worker processes (kaohe.intake.sandbox): a parser that aborts or overruns on
    one file costs that file an unreadable-file issue, never the run. With `readings`, a file read before is
    taken from them, and what is read is kept in them."""
    if readings is None:
        yield from _read_fresh(files, targets, progress, judge)
        return
    known: dict[int, Result] = {}
    digests: dict[int, str] = {}
    for i, (path, name) in enumerate(files):
        digest = _digest(path)
        if digest is None:
            continue
        digests[i] = digest
        found = readings.get(digest, name, judge)
        if found is not None:
            known[i] = found
    fresh = [job for i, job in enumerate(files) if i not in known]
    read = _read_fresh(fresh, targets, progress, judge, readings.budget)
    for i, job in enumerate(files):
        if i in known:
            if progress:
                progress(job[1], i + 1, len(files))
            yield job[0], known[i]
            continue
        path, result = next(read)
        if i in digests and (not isinstance(result, Submission) or result.sha256 in ("", digests[i])):
            readings.put(digests[i], job[1], judge, result)  # kept only when the bytes read are the ones hashed
        yield path, result


def _digest(path: Path) -> str | None:
    """The SHA-256 of a file kaohe may read, or None (it is then read, and refused as its reader says)."""
    import hashlib

    from kaohe.limits import MAX_FILE_BYTES
    from kaohe.workbook.guard import read_regular

    try:
        return hashlib.sha256(read_regular(path, MAX_FILE_BYTES + 1)).hexdigest()
    except OSError:
        return None


def _read_fresh(files: list[Job], targets: Targets, progress: Progress | None,
                judge: bool = False, budget: Budget | None = None) -> Iterator[tuple[Path, Result]]:
    from kaohe.intake.sandbox import Budget, Lost, contained, usable_cpus

    done = 0

    def tell(batch: list[Job]) -> None:
        nonlocal done
        for job in batch:
            done += 1
            if progress:
                progress(job[1], done, len(files))

    # One worker more than the CPUs: the parent only hands out batches and unpickles results, and a worker
    # waiting for its next batch would leave a core idle (measured: 2,000 streets on 2 cores, 5.5 s with 2
    # workers, 4.9 s with 3).
    workers = max(1, min(usable_cpus() + 1, MAX_WORKERS, -(-len(files) // BATCH)))
    for (path, name), result in contained(files, _read_batch_in_worker, _Reading, (targets, judge),
                                          batch=BATCH, workers=workers, on_done=tell,
                                          budget=budget or Budget()):
        if isinstance(result, Lost):
            yield path, unreadable(name, _LOST[result.why], result.detail)
        else:
            yield path, result


# why a worker lost a file (kaohe.intake.sandbox.Lost.why) → the unreadable-file reason a clerk is told
_LOST = {"crashed": "crashed", "error": "crashed", "memory": "too-large", "timeout": "too-slow"}


def _read_batch(batch: list[Job], worker: _Reading) -> list[Result]:
    """A few workbooks, phase by phase: opened (guard and calamine), their tables read, then judged."""
    opened: list[Book | Issue] = []
    for path, name in batch:
        try:
            opened.append(read_book(path))
        except UnreadableFile as exc:
            opened.append(unreadable(name, exc.reason, exc.detail, exc.params))
    results: list[Result] = []
    for (path, name), book in zip(batch, opened, strict=True):
        if isinstance(book, Issue):
            results.append(book)
            continue
        if _written_by_kaohe(book):  # last year's scorecard saved among the submissions
            results.append(ignored_file(name, "kaohe-output"))
            continue
        try:
            results.append(read_submission(path, worker.targets, name, worker.reader, book=book))
        except UnreadableFile as exc:
            if exc.reason == "not-submission" and path.suffix.lower() in DOCUMENT_SUFFIXES:
                results.append(ignored_file(name, "word-no-table"))  # a notice, a report: a document, named
            else:
                results.append(unreadable(name, exc.reason, exc.detail, exc.params))
    del opened  # the workbooks' bytes and grids: only the readings are kept
    scorer = worker.scorer
    if scorer is None:
        return results
    return [replace(r, judged=scorer.prejudge(r)) if isinstance(r, Submission) else r for r in results]


def _written_by_kaohe(book: Book) -> bool:
    """A scorecard kaohe wrote: it has kaohe's overview and sources sheets, in either language."""
    from kaohe.words import WORDS

    names = {sheet.name for sheet in book.sheets}
    overview, sources = WORDS["sheet.overview"], WORDS["sheet.sources"]
    return {overview.zh, sources.zh} <= names or {overview.en, sources.en} <= names


class _Reading:
    """What a worker process keeps between batches: the targets, its cell reader, its scorer if it judges."""

    def __init__(self, targets: Targets, judge: bool) -> None:
        self.targets = targets
        self.reader = CellReader(targets)
        self.scorer: Scorer | None = None
        if judge:
            from kaohe.scoring import Scorer

            self.scorer = Scorer(targets)


def _read_batch_in_worker(worker: _Reading, batch: list[Job]) -> list[Result]:
    return _read_batch(batch, worker)


def _shown_name(path: Path, base: Path | None) -> str:
    """The name a file is reported under: its path inside the folder, decoded whatever system named it."""
    return display_name(path.relative_to(base).as_posix() if base else path.name)


def _info(path: Path, name: str, sub: Submission | Issue) -> FileInfo:
    """The file's fingerprint: from the bytes that were read, or from the file when it was refused."""
    import datetime as dt

    raw = raw_name_hex(path.name)
    try:
        stat = path.lstat()
    except OSError:
        return FileInfo(name, str(path), 0, "", "", raw)
    modified = dt.datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds")
    if isinstance(sub, Submission):
        return FileInfo(name, str(path), sub.size, sub.sha256, modified, raw)
    if isinstance(sub, Issue) and sub.params.get("why") == "cannot-open":  # hashing it would fail the same way
        return FileInfo(name, str(path), stat.st_size, "", modified, raw)
    if path.is_file() and not path.is_symlink() and stat.st_size <= 50 * 1024 * 1024:
        try:
            return replace(file_info(path), name=name)
        except OSError:  # gone or locked since it was read: named, without its fingerprint
            pass
    return FileInfo(name, str(path), stat.st_size, "", modified, raw)


def _street_in_heading(sub: Submission, roster: list[str] | None) -> tuple[str, str, str, str] | None:
    """(sheet, cell, text, street) of the first title text that names one roster street (the longest name
    where several match; none when two different streets are named)."""
    for sheet, cell, text in sub.heading:
        key = street_key(text)
        hits = {n for n in roster or [] if street_key(n) and street_key(n) in key}
        longest = max(hits, key=len) if hits else None
        if longest is not None and all(street_key(h) in street_key(longest) for h in hits):
            return sheet, cell, text, longest
    return None


def _street_in_folder(path: Path, base: Path | None, roster: list[str] | None) -> str | None:
    """The roster street a file's folder is named after (和平街道/附件2.xlsx), inside the folder assessed."""
    if base is None or path.parent == base:
        return None
    folder = street_key(display_name(path.parent.name))
    return next((n for n in roster or [] if street_key(n) == folder), None)


def _street_in_file_name(path: Path, roster: list[str] | None) -> str | None:
    """A roster street whose name is in the file name (东风街道(修改).xlsx), the longest if several."""
    stem = street_key(display_name(path.stem))
    hits = [n for n in roster or [] if street_key(n) in stem]
    return max(hits, key=len) if hits else None
