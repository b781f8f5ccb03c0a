"""The assessment history: every recorded report, and the community figures it was made from, in one SQLite file.

Embedded, no server: `kaohe assess --record` appends a run; `kaohe compare` reads two of them. Deleting the file
loses history only. Writes take SQLite's write lock at once (BEGIN IMMEDIATE) and wait for it up to a timeout, so
two assessments recorded at the same moment are both kept whole.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kaohe import __version__
from kaohe.errors import KaoheError
from kaohe.model import Intake, Report
from kaohe.report import plain
from kaohe.resources import DEFAULT_HISTORY as DEFAULT_HISTORY  # noqa: E402

SCHEMA = """
CREATE TABLE IF NOT EXISTS assessments (
    id INTEGER PRIMARY KEY,
    period TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    targets_file TEXT,
    targets_sha256 TEXT,
    source TEXT,
    kaohe_version TEXT,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assessments_period ON assessments (period, id);
CREATE TABLE IF NOT EXISTS facts (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    street TEXT NOT NULL,
    community TEXT,
    field TEXT NOT NULL,
    value TEXT
);
CREATE INDEX IF NOT EXISTS facts_assessment ON facts (assessment_id);
"""


SCHEMA_VERSION = 1  # PRAGMA user_version of a kaohe history; 0 is a file from before versions (same tables)
LOCK_WAIT = 15.0  # seconds a write waits for another kaohe recording into the same file


class HistoryError(KaoheError):
    """The history file cannot be opened, or holds no such period."""


@dataclass(frozen=True)
class Recorded:
    """One recorded assessment: its report document and the figures behind it."""

    id: int
    period: str
    recorded_at: str
    report: dict[str, Any]
    facts: dict[tuple[str, str | None, str], Any]


@contextmanager
def _connect(path: Path, write: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to a kaohe history: for reading, read-only where the file or its folder cannot be written
    (a read-only share); refused with one sentence when it is damaged, not SQLite, another program's database,
    written by a newer kaohe, or locked by another recording for longer than LOCK_WAIT."""
    import os

    read_only = not write and (not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK))
    try:
        if read_only:  # immutable: no -wal or -shm file is made beside it, which a read-only place refuses
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                   isolation_level=None)
        else:
            conn = sqlite3.connect(path, timeout=LOCK_WAIT, isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError(key="err.history_unreadable", path=str(path), detail=str(exc)) from exc
    with closing(conn):
        try:
            if not read_only:
                conn.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT * 1000)}")
            version = _check_schema(conn, path)  # before anything is changed, the journal mode included
            if not read_only:
                conn.execute("PRAGMA foreign_keys = ON")
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                except sqlite3.OperationalError:
                    pass  # another process is switching it; the default journal is just as safe
            if write and version < SCHEMA_VERSION:  # in one transaction: another recording that opens the
                # file meanwhile sees no table or every table, never `assessments` without `facts` (a "foreign" file)
                conn.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA.strip().rstrip(';')};\n"
                                   f"PRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")
            yield conn
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise HistoryError(key="err.history_locked", path=str(path)) from exc
            raise HistoryError(key="err.history_unreadable", path=str(path), detail=str(exc)) from exc
        except sqlite3.Error as exc:  # not SQLite, damaged, full: one clear error, never a traceback
            raise HistoryError(key="err.history_unreadable", path=str(path), detail=str(exc)) from exc


def _check_schema(conn: sqlite3.Connection, path: Path) -> int:
    """The file's format version: this kaohe's, or an empty file, or one from before versions (taken as
    version 1: the tables have not changed); anything else is refused before it is touched."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise HistoryError(key="err.history_newer", path=str(path), version=version, ours=SCHEMA_VERSION)
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and not {"assessments", "facts"} <= tables:
        raise HistoryError(key="err.history_foreign", path=str(path), tables=", ".join(sorted(tables))[:120])
    if tables:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(assessments)")}
        needed = {"id", "period", "recorded_at", "report"}
        if not needed <= columns:
            raise HistoryError(key="err.history_foreign", path=str(path), tables="assessments: " +
                               ", ".join(sorted(columns))[:100])
    return version


def record(path: Path, report: Report, intake: Intake, document: dict[str, Any],
           committed: Callable[[int], None] | None = None) -> int:
    """Append one assessment (its JSON document and every street and community figure); return its id.
    `committed(run id)` is called the moment the run is in the file, before this returns: a caller that an
    interrupt may stop between the two (Ctrl-C) still learns that the run was recorded."""
    facts: list[tuple[str, str | None, str, str | None]] = []
    for street in intake.streets:
        sub = street.submission
        if sub is None or sub.street is None:
            continue
        for field, value in sub.street.values.items():
            facts.append((street.name, None, field, json.dumps(plain(value), ensure_ascii=False)))
        for community in sub.communities:
            facts.append((street.name, community.name, "", None))  # the community was there
            for field, value in community.values.items():
                facts.append((street.name, community.name, field, json.dumps(plain(value), ensure_ascii=False)))
    now = dt.datetime.now().isoformat(timespec="seconds")
    targets_sha = report.targets_info.sha256 if report.targets_info else None
    with _connect(path, write=True) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.execute(
                "INSERT INTO assessments (period, recorded_at, targets_file, targets_sha256, source, kaohe_version,"
                " report) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (report.period, now, report.targets_file, targets_sha, report.source, __version__,
                 json.dumps(document, ensure_ascii=False)))
            run_id = int(cur.lastrowid or 0)
            conn.executemany("INSERT INTO facts (assessment_id, street, community, field, value) "
                             "VALUES (?, ?, ?, ?, ?)", [(run_id, *f) for f in facts])
            conn.execute("COMMIT")
            if committed is not None:
                committed(run_id)
        except BaseException:  # an interrupt after COMMIT finds no transaction: the run stays recorded
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:  # the failure already ended the transaction (a full disk): say the real one
                pass
            raise
    return run_id


def periods(path: Path) -> list[tuple[str, int, str]]:
    """(period, runs recorded, last recorded at), in the order periods were first recorded."""
    if not path.exists():
        return []
    with _connect(path) as conn:
        if not _has_tables(conn):
            return []
        rows = conn.execute("SELECT period, COUNT(*), MAX(recorded_at), MIN(id) FROM assessments GROUP BY period "
                            "ORDER BY MIN(id)").fetchall()
    return [(p, n, last) for p, n, last, _ in rows]


def _has_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'assessments'").fetchone() \
        is not None


def sample_reports(targets: Any, lang: str = "zh") -> list[tuple[str, dict[str, Any]]]:
    """The bundled sample district's mid-year and year-end reports, assessed now: progress out of the box."""
    from kaohe.intake import gather
    from kaohe.report.json import to_document
    from kaohe.resources import SAMPLE_PERIODS, SAMPLE_ROSTER, bundled
    from kaohe.scoring import score
    from kaohe.words import Translator

    out = []
    for period, folder in SAMPLE_PERIODS:
        report = score(targets, gather(bundled(folder), targets, bundled(SAMPLE_ROSTER)))
        out.append((period, to_document(report, targets, Translator(lang))))
    return out


def load_all(path: Path) -> list[Recorded]:
    """The latest run of every recorded period, in the order periods were first recorded."""
    return [load(path, period) for period, _, _ in periods(path)]


def load(path: Path, period: str) -> Recorded:
    """The latest recorded assessment of a period."""
    if not path.exists():
        raise HistoryError(key="err.history_none", path=str(path))
    with _connect(path) as conn:
        if not _has_tables(conn):
            raise HistoryError(key="err.history_none", path=str(path))
        row = conn.execute("SELECT id, period, recorded_at, report FROM assessments WHERE period = ? "
                           "ORDER BY id DESC LIMIT 1", (period,)).fetchone()
        if row is None:
            known = ", ".join(p for p, _, _ in periods(path)) or "none"
            raise HistoryError(key="err.history_no_period", path=str(path), period=period, known=known)
        facts = {(s, c, f): (json.loads(v) if v is not None else None) for s, c, f, v in conn.execute(
            "SELECT street, community, field, value FROM facts WHERE assessment_id = ?", (row[0],))}
    return Recorded(row[0], row[1], row[2], json.loads(row[3]), facts)
