"""The desk's data folder: every submission kept as a file, the state in one SQLite file, an audit log.

    DIR/
      desk.sqlite      streets and their secrets, periods, every version received (who, when, size, SHA-256)
      targets.yaml     the targets, copied in at the first start
      街道名单.csv       the roster, copied in at the first start (its own suffix; the name the targets' layout
                       gives a roster, so that kaohe assess finds it beside submissions/)
      submissions/     the latest version of each street for the open period: exactly what
                       `kaohe assess DIR/submissions --targets DIR/targets.yaml` reads
      versions/P/      every version ever received in period P, under names kaohe chooses, read-only
      archive/P/       the submissions and the scorecard of a period once the next one is opened
      history.sqlite   the kaohe history a closed period is recorded into
      desk.log         one JSON line per upload and per bureau action (time, who, what, file hash)
      tmp/             uploads being received; emptied at every start

How a version lands, so that a kill at any moment leaves nothing half-written and no row pointing at a
missing file: the upload is streamed into tmp/ (size-limited, hashed as it comes), checked there, then
renamed into versions/ (a rename is atomic), and only then is its row committed; submissions/ is derived
from the rows. At start, `Desk.open` removes tmp/, version files that no row names (a kill between the
rename and the commit), and rebuilds submissions/ from the latest rows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kaohe.atomic import fsync_file as _fsync
from kaohe.atomic import fsync_folder as _fsync_dir
from kaohe.desk.backend import Database, PostgresDatabase, SqliteDatabase
from kaohe.errors import KaoheError
from kaohe.workbook.sheets import SPREADSHEET_SUFFIXES

# the address of the client whose request is being answered, for desk.log (set per request by app.Guarded; the
# threads that answer it inherit it)
CLIENT: ContextVar[str | None] = ContextVar("kaohe_desk_client", default=None)
# The bureau person answered for (set when a bureau link is resolved): desk.log names them, not 管理员
ACTOR: ContextVar[str | None] = ContextVar("kaohe_desk_actor", default=None)

SECRET_BYTES = 24  # 192 bits: secrets.token_urlsafe(24) is 32 characters

UPLOAD_SUFFIXES = SPREADSHEET_SUFFIXES  # what kaohe reads, WPS's .et included
ADMIN = "管理员"
DEFAULT_DISTRICT = "default"  # a store's district when none is named at its making


UPSERT_SETTING = "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"

# The bureau's people: each a named link with a role. The desk's first link (made with the folder) is 管理员.
ROLES = ("admin", "inspector", "leader")  # 管理员: every action; 核查员: findings only; 领导: reads only
MAY = {"admin": {"view", "inspect", "manage"}, "inspector": {"view", "inspect"}, "leader": {"view"}}
REVOKED = "!"  # a revoked street's secret starts so: no link (token_urlsafe never writes "!") reaches it

# A street's state in a period, from its versions and the bureau's review actions (the latest that applies)
MISSING, SUBMITTED, RETURNED, ACCEPTED = "missing", "submitted", "returned", "accepted"
REVIEW_ACTIONS = ("returned", "accepted", "reopened")


class DeskError(KaoheError):
    """The data folder cannot be used (missing, not a desk, a period that cannot be opened), or an action is
    refused (closed, locked, over a quota, the disk full)."""

    @property
    def status(self) -> int:
        """The HTTP status a page or an API call answers it with."""
        return {"desk.disk_full": 507, "desk.store_down": 503}.get(self.key or "", 409)


def now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


@dataclass(frozen=True)
class Who:
    """The holder of a link: a street (its roster name) or the bureau (`admin`)."""

    name: str
    secret: str
    admin: bool = False
    role: str = ""  # a bureau link's: admin, inspector, leader

    def may(self, what: str) -> bool:
        """Whether this bureau link may `view`, `inspect` (findings, comments) or `manage` (every other action:
        reviews, deadlines, the period, reminders, links and people)."""
        return self.admin and what in MAY.get(self.role or "admin", set())

    @property
    def revoked(self) -> bool:
        return self.secret.startswith(REVOKED)


@dataclass(frozen=True)
class Publication:
    """The preliminary results published (公示) for a window; `sha256` of what was published."""

    period: str
    start: str
    end: str
    sha256: str
    at: str
    who: str


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence (佐证材料): the file kaohe stored it as, what it was sent as, and whether an
    inspector found it insufficient (with the reason)."""

    id: int
    period: str
    street: str
    target: str
    community: str | None
    name: str  # as sent (shown only, as text)
    file: str  # under the data folder
    size: int
    sha256: str
    kind: str  # desk.evidence.KINDS
    at: str
    insufficient: str | None = None
    insufficient_by: str | None = None


@dataclass(frozen=True)
class RectificationRow:
    id: int
    period: str  # the period whose result it came from
    street: str
    target: str
    what: str
    community: str | None
    kind: str  # missed (a target not met), overstated (a figure found overstated)
    due: str
    state: str  # open, reported (progress sent), returned (the bureau wants more), closed
    created_at: str
    closed_reason: str | None = None
    closed_by: str | None = None


@dataclass(frozen=True)
class AppealRow:
    """A street's appeal (申诉) and, once decided, the bureau's decision."""

    id: int
    period: str
    street: str
    target: str
    community: str | None
    field: str | None
    reason: str
    at: str
    state: str  # open, upheld, rejected
    decision_reason: str | None = None
    points: str | None = None
    value: str | None = None
    decided_at: str | None = None
    decided_by: str | None = None


@dataclass(frozen=True)
class Version:
    id: int
    period: str
    street: str
    file: str
    client_name: str
    size: int
    sha256: str
    at: str
    errors: int
    warnings: int
    score: float | None


@dataclass(frozen=True)
class Review:
    """One action of the bureau on a street's submission: returned (with reasons), accepted, reopened."""

    id: int
    period: str
    street: str
    action: str
    version: int  # the version it was taken on (the street's latest then)
    reason: str
    cells: tuple[str, ...]  # sheet!cell references the reason points at
    who: str
    at: str


@dataclass(frozen=True)
class Comment:
    id: int
    period: str
    street: str
    target: str | None
    community: str | None
    field: str | None
    text: str
    who: str
    at: str


@dataclass(frozen=True)
class Period:
    period: str
    opened_at: str
    closed_at: str | None
    run_id: int | None


def safe_stem(name: str) -> str:
    """A street's name as a file name: what file systems refuse replaced (the roster is the bureau's)."""
    from kaohe.report.template import template_name

    return template_name(name)[: -len(".xlsx")]


class Desk:
    """One district's desk: its state in a `Database` (desk.sqlite in the folder, or a district of a
    PostgreSQL store) and its files under `root` (the data folder; for a shared store, this process's working
    copy of the files the database holds). Thread-safe: writes go through one lock and one transaction."""

    def __init__(self, root: Path, database: Database | None = None) -> None:
        if isinstance(database, PostgresDatabase):  # a process's working folder holds a folder per district
            root = root / database.schema
            root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.db = root / "desk.sqlite"
        self.database: Database = database or SqliteDatabase(self.db)
        self.shared = self.database.dialect != "sqlite"  # a store other processes may write at the same time
        self._failures: tuple[type[BaseException], ...] = (OSError, *self.database.errors)  # a write's failures
        self._log_failures: tuple[type[BaseException], ...] = (DeskError, *self._failures)
        self.submissions = root / "submissions"
        self.tmp = root / "tmp"
        self.log_path = root / "desk.log"
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._held = threading.local()  # this thread's connection (.db, .write), which its nested calls join
        self._by_digest: dict[bytes, Who] = {}
        self._unwritten: list[str] = []  # desk.log lines a full disk kept back, written first at the next log
        self._stale = False  # submissions/ behind the rows (a sync failed): made whole by ensure_submissions
        self.disk_full_seen = 0.0  # when a write last failed for want of space (time.time())

    # ---- creating and opening

    @classmethod
    def create(cls, root: Path, targets: Path, roster: Path, period: str | None, store: str | None = None,
               district: str | None = None) -> Desk:
        """A new desk: targets and roster copied in, a secret for the bureau and for every street. In the data
        folder `root`, or, with `store` (a PostgreSQL URL), as the district `district` of that store (`root`
        then being this process's working folder)."""
        from kaohe import api

        rules = api.load_targets(targets)  # both validated before anything is written
        names = _roster_names(roster, rules)
        period = api.check_period(period) if period else rules.period
        root.mkdir(parents=True, exist_ok=True)
        roster_name = f"{rules.layout.roster_file_names[0]}{roster.suffix.lower()}"
        if store is None:
            if (root / "desk.sqlite").exists():
                raise DeskError(key="err.desk_exists", path=str(root))
            database: Database | None = None
        else:
            from kaohe.desk.backend import add_district

            district = district or DEFAULT_DISTRICT
            database = PostgresDatabase(store, add_district(store, district, now()), district)
        desk = cls(root, database)
        desk.database.migrate()
        with desk._connect(write=False) as db:  # the first row, which write transactions hold
            db.execute("INSERT INTO settings VALUES ('period', ?)", (period,))
        with desk._connect() as db:
            db.execute("INSERT INTO settings VALUES ('roster', ?)", (roster_name,))
            db.execute("INSERT INTO settings VALUES ('admin', ?)", (secrets.token_urlsafe(SECRET_BYTES),))
            db.execute("INSERT INTO settings VALUES ('csrf_key', ?)", (secrets.token_urlsafe(32),))
            db.execute("INSERT INTO periods VALUES (?, ?, NULL, NULL)", (period, now()))
            for i, name in enumerate(names):
                db.execute("INSERT INTO streets VALUES (?, ?, ?)", (i, name, secrets.token_urlsafe(SECRET_BYTES)))
            desk._index_links(db)
            for name, source in (("targets.yaml", targets), (roster_name, roster)):
                copy = root / f".{name}.new"
                shutil.copyfile(source, copy)
                desk._put(db, name, copy, mode=0o640)
        if not desk.shared:
            os.chmod(desk.db, 0o600)  # it holds the secrets
        desk.log(ADMIN, "created", period=period, streets=len(names))
        desk.open_existing()
        desk.tmp.mkdir(parents=True, exist_ok=True)
        desk.submissions.mkdir(parents=True, exist_ok=True)
        return desk

    @classmethod
    def open(cls, root: Path, store: str | None = None, district: str | None = None) -> Desk:
        """The desk in the data folder `root`, or the district of the store `store` (`root` then being this
        process's working folder: the files are fetched into it as they are needed)."""
        if store is None:
            if not (root / "desk.sqlite").is_file():
                raise DeskError(key="err.desk_missing", path=str(root))
            return cls(root).open_existing()
        from kaohe.desk.backend import find_district

        name, schema = find_district(store, district)
        root.mkdir(parents=True, exist_ok=True)
        return cls(root, PostgresDatabase(store, schema, name)).open_existing()

    def reopened(self, root: Path | None = None) -> Desk:
        """The same desk opened anew, as another process (or a restart) opens it: the folder again, or the same
        district of the same store with a working folder of its own (`root`; by default this one's)."""
        if not self.shared:
            return Desk.open(self.root)
        database = self.database
        assert isinstance(database, PostgresDatabase)
        return Desk.open(root or self.root.parent, store=database.url, district=database.district)

    @property
    def store(self) -> str | None:
        """The URL of a shared store (None for a data folder)."""
        return str(getattr(self.database, "url", "")) or None

    @property
    def district(self) -> str:
        """The district's name in its store (a folder desk: its folder's name)."""
        return str(getattr(self.database, "district", "")) or self.root.name

    def open_existing(self) -> Desk:
        """Load the secrets and put the folder back in order after whatever stopped the last run."""
        self.database.migrate()
        self._load_links()
        from kaohe.report.template import unique_file_stems

        self.stems = unique_file_stems([w.name for w in self.streets()])
        self.csrf_key = self.setting("csrf_key").encode()
        if self.shared:
            from kaohe.desk.backend import REGISTRY

            with self._connect(write=False) as db:
                indexed = db.execute(f"SELECT 1 FROM {REGISTRY}.links WHERE schema_name = ?",
                                     (self.database.schema,)).fetchone()
            if indexed is None:  # a district made before the index
                with self._connect() as db:
                    self._index_links(db)
            self.path("targets.yaml")  # the working copies every page reads
            self.path(self.setting("roster"))
            return self
        # One connection held open for the desk's life: SQLite removes the -wal and -shm files when the last
        # connection closes, and the next one must make them anew — which a full disk refuses, failing every
        # page. Held open, they stay, and reading never needs a byte of new space.
        self._keeper = sqlite3.connect(self.db, timeout=30, check_same_thread=False)
        self._keeper.execute("SELECT count(*) FROM settings").fetchone()
        return self

    def close(self) -> None:
        """The store's connections closed (a folder desk has none to close)."""
        self.database.close()

    def serve_lock(self) -> None:
        """Hold the folder for this process (released when it exits, however): two servers on one folder
        would each think tmp/ and submissions/ are theirs. (A shared store's processes each have a working
        folder of their own: this holds that one.)"""
        handle = open(self.root / "desk.lock", "a+b")  # held for the life of the process
        try:
            if os.name == "nt":
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            raise DeskError(key="err.desk_in_use", path=str(self.root)) from exc
        self._lock_handle = handle

    def recover(self) -> None:
        """tmp/ emptied; version files that no row names removed; submissions/ rebuilt from the rows."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        with self._connect(write=False) as db:
            known = {row[0] for row in db.execute("SELECT file FROM versions")}
            known |= {row[0] for row in db.execute("SELECT file FROM evidence")}
        for kept in (self.root / "versions", self.root / "evidence"):  # a file a kill left without its row
            if kept.is_dir():
                for path in kept.glob("*/*"):
                    if path.relative_to(self.root).as_posix() not in known:
                        path.unlink(missing_ok=True)
        self.submissions.mkdir(exist_ok=True)
        self._sync_submissions()

    # ---- state

    @contextmanager
    def _connect(self, write: bool = True) -> Iterator[Any]:
        """A connection in one transaction (write=True: the district held until it commits), or one for
        reading. Inside a write transaction, this thread's reads and writes join it (what a write checks is
        what it commits on); inside a read, its reads do (a thread holding one pooled connection never waits
        for a second: forty threads doing so would hold the whole pool and wait forever). DeskError
        desk.store_down when a shared store cannot be reached."""
        held = getattr(self._held, "db", None)
        if held is not None and (getattr(self._held, "write", False) or not write):
            yield held
            return
        try:
            with self.database.transaction(write) as db:
                outer = (held, getattr(self._held, "write", False))
                self._held.db, self._held.write = db, write  # one connection a thread: none waits on a second
                try:
                    yield db
                finally:
                    self._held.db, self._held.write = outer
        except DeskError:
            raise
        except Exception as exc:
            if self.database.unavailable(exc):
                raise DeskError(key="desk.store_down") from exc
            raise

    # ---- files: in the folder, or in a shared store's files table with a working copy under root

    def path(self, name: str) -> Path:
        """The file kept as `name` (relative to the data folder, as rows name it): a shared store's fetched into
        the working folder first (files are never changed once kept, so a copy is never stale)."""
        local = self.root / name
        if not self.shared or local.is_file():
            return local
        with self._connect(write=False) as db:
            row = db.execute("SELECT body FROM files WHERE name = ?", (name,)).fetchone()
        if row is None:
            return local  # the caller's open says it is missing
        local.parent.mkdir(parents=True, exist_ok=True)
        part = local.with_name(f".{local.name}.{threading.get_ident()}.part")
        part.write_bytes(bytes(row[0]))
        os.replace(part, local)
        return local

    def _put(self, db: Any, name: str, received: Path, mode: int = 0o440) -> Path:
        """Keep `received` as `name`: synced and renamed into the folder; in a shared store, its bytes also in
        the files table in the transaction `db` (so that row and file commit together)."""
        final = self.root / name
        final.parent.mkdir(parents=True, exist_ok=True)
        _fsync(received)
        os.chmod(received, mode)  # read-only, and for no other account
        if self.shared:
            store_bytes(db, name, received.read_bytes())
        os.replace(received, final)
        _fsync_dir(final.parent)
        return final

    def keep_file(self, name: str, received: Path) -> Path:
        """`received` kept as `name` (replacing what was kept so), in its own transaction."""
        with self._lock, self._connect() as db:
            return self._put(db, name, received)

    def kept(self, prefix: str) -> list[str]:
        """The names of the files kept under the folder `prefix` (relative to the data folder, sorted)."""
        if self.shared:
            with self._connect(write=False) as db:
                return sorted(str(r[0]) for r in db.execute("SELECT name FROM files WHERE name LIKE ?",
                                                            (prefix.rstrip("/") + "/%",)))
        folder = self.root / prefix
        return sorted(p.relative_to(self.root).as_posix() for p in folder.iterdir() if p.is_file()) \
            if folder.is_dir() else []

    def setting(self, key: str) -> str:
        with self._connect(write=False) as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise DeskError(key="err.desk_missing", path=str(self.root))
        return str(row[0])

    def setting_or(self, key: str, default: str) -> str:
        with self._connect(write=False) as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self._connect() as db:
            db.execute(UPSERT_SETTING, (key, value))

    @property
    def targets_path(self) -> Path:
        return self.root / "targets.yaml"

    @property
    def roster_path(self) -> Path:
        return self.root / self.setting("roster")

    @property
    def period(self) -> str:
        return self.setting("period")

    def period_info(self, period: str | None = None) -> Period:
        with self._connect(write=False) as db:
            row = db.execute("SELECT * FROM periods WHERE period = ?", (period or self.period,)).fetchone()
        return Period(*row)

    def periods(self) -> list[Period]:
        with self._connect(write=False) as db:
            return [Period(*row) for row in db.execute("SELECT * FROM periods ORDER BY opened_at, period")]

    @property
    def closed(self) -> bool:
        return self.period_info().closed_at is not None

    def streets(self) -> list[Who]:
        with self._connect(write=False) as db:
            return [Who(n, s) for n, s in db.execute("SELECT name, secret FROM streets ORDER BY position")]

    def admin(self) -> Who:
        secret = self.setting("admin")
        return Who(ADMIN, secret, admin=True, role="admin")

    def people(self) -> list[Who]:
        """The bureau's named links (beside the first, 管理员's), in the order they were added."""
        with self._connect(write=False) as db:
            return [Who(n, s, admin=True, role=r)
                    for n, r, s in db.execute("SELECT name, role, secret FROM people ORDER BY added_at, name")]

    def _load_links(self) -> None:
        """Every working link by its secret's digest (revoked ones left out), and the count it was read at."""
        with self._connect(write=False) as db:
            found = {_digest(s): Who(n, s) for n, s in db.execute("SELECT name, secret FROM streets")
                     if not s.startswith(REVOKED)}
            found.update({_digest(s): Who(n, s, admin=True, role=r)
                          for n, r, s in db.execute("SELECT name, role, secret FROM people")})
            row = db.execute("SELECT value FROM settings WHERE key = 'links'").fetchone()
        admin = self.setting("admin")
        found[_digest(admin)] = Who(ADMIN, admin, admin=True, role="admin")
        self._by_digest = found
        self._links_seen = row[0] if row else "0"

    def _links_changed(self, db: Any, who: str, action: str, **details: Any) -> None:
        """Count a change of links (every other process sees it at its next lookup)."""
        db.execute("INSERT INTO settings VALUES ('links', '1') ON CONFLICT (key) DO UPDATE SET "
                   "value = CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT)")
        self._index_links(db)
        self.log(who, action, required=True, **details)

    def reissue(self, street: str, by: str) -> Who:
        """A new link for a street: the old one dead at once (revoked or not). DeskError for an unknown street."""
        secret = secrets.token_urlsafe(SECRET_BYTES)
        with self._lock, self._connect() as db:
            if db.execute("UPDATE streets SET secret = ? WHERE name = ?", (secret, street)).rowcount != 1:
                raise DeskError(key="desk.unknown_street", street=street)
            self._links_changed(db, by, "link-reissued", street=street)
        self._load_links()
        return Who(street, secret)

    def revoke(self, street: str, by: str) -> None:
        """The street's link dead, and no other given until the bureau re-issues one."""
        with self._lock, self._connect() as db:
            if db.execute("UPDATE streets SET secret = ? WHERE name = ?",
                          (REVOKED + secrets.token_urlsafe(SECRET_BYTES), street)).rowcount != 1:
                raise DeskError(key="desk.unknown_street", street=street)
            self._links_changed(db, by, "link-revoked", street=street)
        self._load_links()

    def add_person(self, name: str, role: str, by: str) -> Who:
        """A named bureau link with a role (admin, inspector, leader); DeskError for a name already given or
        a role kaohe does not know."""
        from kaohe.text import visible

        name = visible(name).strip()[:40]
        if role not in ROLES or not name or name == ADMIN:
            raise DeskError(key="desk.bad_person", roles="、".join(ROLES))
        secret = secrets.token_urlsafe(SECRET_BYTES)
        with self._lock, self._connect() as db:
            if db.execute("SELECT 1 FROM people WHERE name = ?", (name,)).fetchone():
                raise DeskError(key="desk.person_exists", name=name)
            db.execute("INSERT INTO people VALUES (?, ?, ?, ?)", (name, role, secret, now()))
            self._links_changed(db, by, "person-added", name=name, role=role)
        self._load_links()
        return Who(name, secret, admin=True, role=role)

    def remove_person(self, name: str, by: str) -> None:
        with self._lock, self._connect() as db:
            if db.execute("DELETE FROM people WHERE name = ?", (name,)).rowcount != 1:
                raise DeskError(key="desk.no_person", name=name)
            self._links_changed(db, by, "person-removed", name=name)
        self._load_links()

    def who(self, secret: str) -> Who | None:
        """The holder of a secret, or None. The lookup is by the secret's SHA-256 (a dict's timing says nothing
        about the secret), and the match is then confirmed in constant time."""
        if self.setting_or("links", "0") != self._links_seen:  # changed by another process: a link may be dead
            self._load_links()
        found = self._by_digest.get(_digest(secret))
        if found is None or not hmac.compare_digest(found.secret.encode(), secret.encode()):
            return None
        return found

    def _index_links(self, db: Any) -> None:
        """A shared store's index of every district's links by digest (kaohe.links), so that a city's process
        finds the one district a link belongs to without opening the others; in the transaction `db`."""
        if self.shared:
            index_links(db, self.database.schema)

    # ---- readings kept in a shared store (intake.readings.SharedReadings)

    def load(self, key: str) -> bytes | None:
        try:
            with self._connect(write=False) as db:
                row = db.execute("SELECT body FROM readings WHERE key = ?", (key,)).fetchone()
        except DeskError:
            return None  # the store down: read the file instead
        return bytes(row[0]) if row else None

    def save(self, key: str, body: bytes) -> None:
        try:
            with self._connect(write=False) as db:
                db.execute("INSERT INTO readings VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING", (key, body, now()))
        except DeskError:
            pass  # a reading not kept costs a reading next time, nothing else

    def prune(self, wanted: Any) -> None:
        with self._connect(write=False) as db:
            for (key,) in db.execute("SELECT key FROM readings").fetchall():
                if not wanted(key):
                    db.execute("DELETE FROM readings WHERE key = ?", (key,))

    def knows(self, secret: str) -> bool:
        """Whether a secret is one of this desk's links as last loaded (no query: a city's process asks every
        district; `who` then decides, against the store)."""
        return _digest(secret) in self._by_digest

    def csrf_token(self, who: Who) -> str:
        """The form token of a link: an HMAC of its secret under the desk's own key (never in a URL)."""
        return hmac.new(self.csrf_key, who.secret.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, who: Who, token: str) -> bool:
        return hmac.compare_digest(self.csrf_token(who).encode(), token.encode())

    def versions(self, street: str | None = None, period: str | None = None) -> list[Version]:
        query = "SELECT * FROM versions WHERE period = ?"
        params: list[Any] = [period or self.period]
        if street is not None:
            query += " AND street = ?"
            params.append(street)
        with self._connect(write=False) as db:
            return [Version(*row) for row in db.execute(query + " ORDER BY id", params)]

    def latest(self, period: str | None = None) -> dict[str, Version]:
        """Each street's latest version of the period (the one that counts)."""
        return {v.street: v for v in self.versions(period=period)}

    def generation(self) -> tuple[Any, ...]:
        """Changes whenever what an assessment reads changes (a new version, findings, decided appeals, another
        period)."""
        with self._connect(write=False) as db:
            row = db.execute("SELECT max(id) FROM versions").fetchone()
            decided = db.execute("SELECT count(*), max(decided_at) FROM appeals WHERE period = ? AND state != 'open'",
                                 (self.period,)).fetchone()
        return (self.period, int(row[0] or 0), tuple(p.name for p in self.findings_files()), tuple(decided))

    # ---- the inspectors' findings of the open period (kaohe assess --verified)

    @property
    def findings(self) -> Path:
        return self.root / "findings" / self.period

    def findings_files(self) -> list[Path]:
        """The open period's findings files (a shared store's fetched, and any another process took out
        removed from the working folder)."""
        names = self.kept(f"findings/{self.period}")
        if self.shared and self.findings.is_dir():
            for path in self.findings.iterdir():
                if path.relative_to(self.root).as_posix() not in names:
                    path.unlink(missing_ok=True)
        return [self.path(name) for name in names]

    def keep_findings(self, received: Path, client_name: str, sha256: str) -> Path:
        """A findings file, stored read-only under a name kaohe chooses (what the bureau uploaded is logged)."""
        with self._lock, self._connect() as db:
            number = len(self.kept(f"findings/{self.period}")) + len(self.kept("findings-removed")) + 1
            name = f"findings/{self.period}/{number:03d}-{sha256[:12]}{received.suffix.lower()}"
            final = self._put(db, name, received)
            self.log(ADMIN, "findings", file=final.name, client_name=client_name[:255], sha256=sha256)
        return final

    def remove_findings(self, name: str) -> bool:
        """A findings file taken out of the assessment (kept aside in findings-removed/, never deleted)."""
        with self._lock, self._connect() as db:
            path = self.findings / name
            kept = f"findings/{self.period}/{name}"
            if "/" in name or "\\" in name or kept not in self.kept(f"findings/{self.period}"):
                return False
            aside = f"findings-removed/{self.period}-{name}"
            if self.shared:
                db.execute("UPDATE files SET name = ? WHERE name = ?", (aside, kept))
                path.unlink(missing_ok=True)
            else:
                (self.root / "findings-removed").mkdir(exist_ok=True)
                os.replace(path, self.root / aside)
            self.log(ADMIN, "findings-removed", file=name)
        return True

    # ---- receiving

    def receiving(self) -> Path:
        """A fresh folder in tmp/ for one upload (the caller names its file, and removes the folder)."""
        import tempfile

        return Path(tempfile.mkdtemp(dir=self.tmp))

    def keep(self, who: Who, received: Path, client_name: str, size: int, sha256: str, errors: int,
             warnings: int, score: float | None) -> Version:
        """Make a checked upload the street's latest version: renamed into versions/ (in a shared store, its
        bytes in the same transaction), its row written, its log line written, then the row committed — or
        none of it (DeskError desk.disk_full when the disk is full: the file taken back out, the row never
        committed). Refused (DeskError) once the period is closed or the street's submission accepted — checked
        in the transaction that keeps it, so a close or an acceptance by another process is seen."""
        with self._lock:
            final: Path | None = None
            logged = False
            number, period = 0, ""
            try:
                with self._connect() as db:
                    period = self.period
                    if self.closed:
                        raise DeskError(key="err.desk_closed", period=period)
                    if self.state(who.name) == ACCEPTED:
                        raise DeskError(key="desk.locked", street=who.name)
                    from kaohe.limits import MAX_STREET_BYTES, MAX_VERSIONS

                    mine = self.versions(who.name)
                    if len(mine) >= MAX_VERSIONS or sum(v.size for v in mine) + size > MAX_STREET_BYTES:
                        raise DeskError(key="desk.quota", street=who.name, versions=MAX_VERSIONS,
                                        mb=MAX_STREET_BYTES // (1024 * 1024))
                    self.room_for(size)
                    row = db.execute("SELECT coalesce(max(id), 0) + 1 FROM versions").fetchone()
                    number = int(row[0])
                    name = f"{number:06d}-{safe_stem(who.name)}-{sha256[:12]}{received.suffix.lower()}"
                    final = self._put(db, f"versions/{period}/{name}", received)
                    version = Version(number, period, who.name, final.relative_to(self.root).as_posix(),
                                      client_name[:255], size, sha256, now(), errors, warnings, score)
                    db.execute("INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (version.id, version.period, version.street, version.file, version.client_name,
                                version.size, version.sha256, version.at, version.errors, version.warnings,
                                version.score))
                    self.log(who.name, "upload", required=True, period=period, version=number, file=name,
                             client_name=client_name[:255], size=size, sha256=sha256, errors=errors)
                    logged = True
            except BaseException as exc:  # the row rolled back: the file goes too
                if final is not None:
                    final.unlink(missing_ok=True)
                if logged and not self.shared:  # the line went out, the commit did not: said so
                    self.log(who.name, "upload-undone", period=period, version=number)
                if isinstance(exc, self._failures) and _disk_full(exc):
                    self.disk_full_seen = time.time()
                    raise DeskError(key="desk.disk_full") from exc
                raise
            self.disk_full_seen = 0.0  # room again: the bureau's warning goes with it
            self._sync_submissions()
        return version

    def room_for(self, size: int) -> None:
        """DeskError desk.disk_full unless the folder's disk has room for `size` bytes more (twice over: the
        upload and its reading) and MIN_FREE_BYTES beside."""
        from kaohe.limits import MIN_FREE_BYTES

        if self.free_bytes() < 2 * size + MIN_FREE_BYTES:
            self.disk_full_seen = time.time()
            raise DeskError(key="desk.disk_full")

    def free_bytes(self) -> int:
        try:
            return shutil.disk_usage(self.root).free
        except OSError:
            return 0

    def disk_low(self) -> bool:
        """Whether the bureau should be told the disk is full: less than MIN_FREE_BYTES free now, or a write
        refused for want of space since the last upload kept, with little more free than that since."""
        from kaohe.limits import MIN_FREE_BYTES

        free = self.free_bytes()
        return free < MIN_FREE_BYTES or (self.disk_full_seen > 0 and free < 2 * MIN_FREE_BYTES + (32 << 20))

    def _sync_submissions(self) -> None:
        """submissions/ holds exactly each street's latest version of the open period, as <street>.<suffix>:
        each a hard link to its version (no space taken; a copy where links are not possible). A failure
        (a full disk) leaves no partial file and is made good on the next call (`ensure_submissions`)."""
        self._stale = True
        synced = self._versions_seen()
        self.submissions.mkdir(parents=True, exist_ok=True)  # a store's working folder starts without it
        wanted: dict[str, Path] = {}
        for version in self.latest().values():
            source = self.path(version.file)
            wanted[self.stems.get(version.street, safe_stem(version.street)) + source.suffix] = source
        for path in self.submissions.iterdir():
            if path.name not in wanted:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        for name, source in wanted.items():
            path = self.submissions / name
            if path.is_file() and (os.path.samefile(path, source) or _same_bytes(path, source)):
                continue
            tmp = self.submissions / f".{name}.tmp"
            try:
                tmp.unlink(missing_ok=True)
                try:
                    os.link(source, tmp)
                except OSError:  # a file system without hard links (FAT, some shares): a copy
                    shutil.copyfile(source, tmp)
                os.replace(tmp, path)
            except OSError:
                tmp.unlink(missing_ok=True)
                self.disk_full_seen = time.time()
                return
        self._stale = False
        self._synced = synced

    def _versions_seen(self) -> tuple[str, int]:
        """(the open period, its last version's number): what submissions/ was made from."""
        with self._connect(write=False) as db:
            row = db.execute("SELECT s.value, (SELECT max(id) FROM versions) FROM settings s "
                             "WHERE s.key = 'period'").fetchone()
        return str(row[0]), int(row[1] or 0)

    @property
    def stale(self) -> bool:
        return self._stale

    def ensure_submissions(self) -> None:
        """submissions/ made whole again if an earlier sync failed (space has come back since), or, in a
        shared store, when another process has kept a version or opened a period since it was made."""
        if self.shared and not self._stale and self._versions_seen() != getattr(self, "_synced", None):
            self._stale = True
        if self._stale:
            with self._lock:
                if self._stale:
                    self._sync_submissions()

    # ---- review: the bureau returns, accepts and reopens a street's submission

    def reviews(self, street: str | None = None, period: str | None = None) -> list[Review]:
        query = "SELECT * FROM reviews WHERE period = ?"
        params: list[Any] = [period or self.period]
        if street is not None:
            query += " AND street = ?"
            params.append(street)
        with self._connect(write=False) as db:
            return [Review(row[0], row[1], row[2], row[3], row[4], row[5], tuple(json.loads(row[6])), row[7], row[8])
                    for row in db.execute(query + " ORDER BY id", params)]

    def state(self, street: str, period: str | None = None) -> str:
        """missing (nothing sent), submitted, returned (no version since the return), accepted (locked)."""
        versions = self.versions(street, period)
        if not versions:
            return MISSING
        reviews = self.reviews(street, period)
        last = reviews[-1] if reviews else None
        if last is None or last.action == "reopened":
            return SUBMITTED
        if last.action == ACCEPTED:
            return ACCEPTED
        return RETURNED if versions[-1].id <= last.version else SUBMITTED

    def states(self, period: str | None = None) -> dict[str, str]:
        """Every roster street's state, in one read of each table."""
        latest = {v.street: v.id for v in self.versions(period=period)}
        last: dict[str, Review] = {r.street: r for r in self.reviews(period=period)}
        out = {}
        for who in self.streets():
            version, review = latest.get(who.name), last.get(who.name)
            if version is None:
                out[who.name] = MISSING
            elif review is None or review.action == "reopened":
                out[who.name] = SUBMITTED
            elif review.action == ACCEPTED:
                out[who.name] = ACCEPTED
            else:
                out[who.name] = RETURNED if version <= review.version else SUBMITTED
        return out

    def review(self, street: str, action: str, reason: str, cells: tuple[str, ...], who: str) -> Review:
        """Record the bureau's action on a street's latest version. DeskError when the period is closed, the
        street sent nothing, or the action does not follow from its state (return or accept a submission;
        reopen an accepted one, with a reason)."""
        if action not in REVIEW_ACTIONS:
            raise ValueError(action)
        with self._lock, self._connect() as db:
            period = self.period
            if self.closed:
                raise DeskError(key="err.desk_closed", period=period)
            versions = self.versions(street)
            if not versions:
                raise DeskError(key="desk.review_nothing", street=street)
            state = self.state(street)
            allowed = {"returned": (SUBMITTED,), "accepted": (SUBMITTED, RETURNED), "reopened": (ACCEPTED,)}
            if state not in allowed[action]:
                raise DeskError(key=f"desk.review_not_{action}", street=street)
            if action in ("returned", "reopened") and not reason.strip() and not cells:
                raise DeskError(key="desk.review_needs_reason")
            db.execute("INSERT INTO reviews (period, street, action, version, reason, cells, who, at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (period, street, action, versions[-1].id, reason.strip()[:2000],
                        json.dumps(list(cells), ensure_ascii=False), who, now()))
        self.log(who, action, period=period, street=street, version=versions[-1].id, reason=reason.strip()[:2000],
                 cells=list(cells))
        return self.reviews(street)[-1]

    def deadline(self, period: str | None = None) -> str | None:
        with self._connect(write=False) as db:
            row = db.execute("SELECT deadline FROM deadlines WHERE period = ?", (period or self.period,)).fetchone()
        return None if row is None else str(row[0])

    def set_deadline(self, deadline: str, who: str, late: bool = True) -> None:
        """The open period's deadline, and whether uploads after it are still taken (marked late) or refused."""
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO deadlines VALUES (?, ?) ON CONFLICT (period) DO UPDATE SET "
                       "deadline = excluded.deadline", (self.period, deadline))
            db.execute(UPSERT_SETTING, (f"late:{self.period}", "1" if late else "0"))
        self.log(who, "deadline", period=self.period, deadline=deadline, late_taken=late)

    # ---- evidence (佐证材料)

    def evidence(self, street: str | None = None, period: str | None = None) -> list[Evidence]:
        query, params = "SELECT * FROM evidence WHERE period = ?", [period or self.period]
        if street is not None:
            query += " AND street = ?"
            params.append(street)
        with self._connect(write=False) as db:
            return [Evidence(*row) for row in db.execute(query + " ORDER BY id", params)]

    def keep_evidence(self, street: str, received: Path, name: str, size: int, sha256: str, kind: str,
                      suffix: str, target: str, community: str | None) -> Evidence:
        """Store a sniffed piece of evidence read-only under evidence/<period>/, then its row — or neither.
        DeskError over the street's quota, or when the disk is full."""
        from kaohe.limits import MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES

        with self._lock:
            final: Path | None = None
            try:
                with self._connect() as db:
                    mine = self.evidence(street)
                    if len(mine) >= MAX_EVIDENCE_FILES or sum(e.size for e in mine) + size > MAX_EVIDENCE_BYTES:
                        raise DeskError(key="desk.evidence_quota", street=street, files=MAX_EVIDENCE_FILES,
                                        mb=MAX_EVIDENCE_BYTES // (1024 * 1024))
                    self.room_for(size)
                    row = db.execute("INSERT INTO evidence (period, street, target, community, name, file, size, "
                                     "sha256, kind, at) VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?) RETURNING id",
                                     (self.period, street, target, community, name[:255], size, sha256, kind,
                                      now())).fetchone()
                    number = int(row[0])
                    final = self._put(db, f"evidence/{safe_stem(self.period)}/"
                                          f"{number:06d}-{safe_stem(street)}-{sha256[:12]}{suffix}", received)
                    db.execute("UPDATE evidence SET file = ? WHERE id = ?",
                               (final.relative_to(self.root).as_posix(), number))
                    self.log(street, "evidence", required=True, period=self.period, evidence=number, target=target,
                             community=community, kind=kind, size=size, sha256=sha256, client_name=name[:255])
            except BaseException as exc:  # the row rolled back: the file goes too
                if final is not None:
                    final.unlink(missing_ok=True)
                if isinstance(exc, self._failures) and _disk_full(exc):
                    raise DeskError(key="desk.disk_full") from exc
                raise
        return next(e for e in self.evidence(street) if e.id == number)

    def mark_evidence(self, number: int, reason: str, who: str) -> Evidence:
        """An inspector finds a piece insufficient (with the reason); an empty reason takes the mark back."""
        with self._lock, self._connect() as db:
            done = db.execute("UPDATE evidence SET insufficient = ?, insufficient_by = ? WHERE id = ? AND period = ?",
                              (reason or None, who if reason else None, number, self.period))
            if done.rowcount != 1:
                raise DeskError(key="desk.no_evidence", number=number)
            self.log(who, "evidence-insufficient" if reason else "evidence-sufficient", required=True,
                     evidence=number, reason=reason)
        return next(e for e in self.evidence() if e.id == number)

    # ---- drafts of the entry form (kept on the server as the browser keeps them)

    def draft(self, street: str) -> tuple[str, str] | None:
        """(JSON body, when) of the street's draft of the open period, if any."""
        with self._connect(write=False) as db:
            row = db.execute("SELECT body, at FROM drafts WHERE street = ? AND period = ?",
                             (street, self.period)).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def keep_draft(self, street: str, body: str | None) -> None:
        """Keep (or, with None, drop) the street's draft: one per street and period, the latest wins."""
        with self._lock, self._connect() as db:
            if body is None:
                db.execute("DELETE FROM drafts WHERE street = ? AND period = ?", (street, self.period))
            else:
                db.execute("INSERT INTO drafts VALUES (?, ?, ?, ?) ON CONFLICT (street, period) DO UPDATE SET "
                           "body = excluded.body, at = excluded.at", (street, self.period, body, now()))

    # ---- rectification (整改)

    def rectifications(self, street: str | None = None, open_only: bool = False) -> list[RectificationRow]:
        """Every period's items (the latest first), or one street's; with `open_only`, those not closed."""
        query, params = "SELECT * FROM rectifications WHERE 1 = 1", []
        if street is not None:
            query += " AND street = ?"
            params.append(street)
        if open_only:
            query += " AND state != 'closed'"
        with self._connect(write=False) as db:
            return [RectificationRow(*row) for row in db.execute(query + " ORDER BY id", params)]

    def add_rectifications(self, items: list[tuple[str, str, str, str | None, str, str]]) -> int:
        """Items of the open period (street, target, what, community, kind, due), once: a period closed again
        (after a failed record) does not add them twice."""
        with self._lock, self._connect() as db:
            if db.execute("SELECT 1 FROM rectifications WHERE period = ?", (self.period,)).fetchone():
                return 0
            for street, target, what, community, kind, due in items:
                db.execute("INSERT INTO rectifications (period, street, target, what, community, kind, due, state, "
                           "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                           (self.period, street, target, what, community, kind, due, now()))
            self.log(ADMIN, "rectifications", required=True, period=self.period, items=len(items))
        return len(items)

    def rectification_reports(self, item: int) -> list[tuple[str, str, str]]:
        with self._connect(write=False) as db:
            return [(r[0], r[1], r[2]) for r in db.execute(
                "SELECT who, text, at FROM rectification_reports WHERE item = ? ORDER BY id", (item,))]

    def report_rectification(self, street: str, item: int, text: str) -> RectificationRow:
        """A street's progress on one of its open items (DeskError for another street's or a closed one)."""
        with self._lock, self._connect() as db:
            found = db.execute("SELECT state FROM rectifications WHERE id = ? AND street = ?",
                               (item, street)).fetchone()
            if found is None or found[0] == "closed":
                raise DeskError(key="desk.no_rectification", number=item)
            db.execute("INSERT INTO rectification_reports (item, who, text, at) VALUES (?, ?, ?, ?)",
                       (item, street, text, now()))
            db.execute("UPDATE rectifications SET state = 'reported' WHERE id = ?", (item,))
            self.log(street, "rectification-progress", required=True, item=item)
        return next(r for r in self.rectifications(street) if r.id == item)

    def settle_rectification(self, item: int, state: str, reason: str, who: str, due: str | None = None
                             ) -> RectificationRow:
        """The bureau closes an item, returns it for more (with the reason), or moves its due date."""
        with self._lock, self._connect() as db:
            found = db.execute("SELECT state FROM rectifications WHERE id = ?", (item,)).fetchone()
            if found is None or found[0] == "closed":
                raise DeskError(key="desk.no_rectification", number=item)
            if due:
                db.execute("UPDATE rectifications SET due = ? WHERE id = ?", (due, item))
            if state in ("closed", "returned"):
                db.execute("UPDATE rectifications SET state = ?, closed_reason = ?, closed_by = ? WHERE id = ?",
                           (state, reason, who, item))
            self.log(who, f"rectification-{state}", required=True, item=item, reason=reason, due=due)
        return next(r for r in self.rectifications() if r.id == item)

    # ---- publication (公示) and appeals (申诉)

    def publication(self, period: str | None = None) -> Publication | None:
        with self._connect(write=False) as db:
            row = db.execute("SELECT * FROM publications WHERE period = ?", (period or self.period,)).fetchone()
        return None if row is None else Publication(*row)

    def publish(self, start: str, end: str, sha256: str, who: str) -> Publication:
        """Publish the open period's preliminary results for [start, end] (a new window replaces the old)."""
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO publications VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (period) DO UPDATE SET "
                       "start = excluded.start, \"end\" = excluded.\"end\", sha256 = excluded.sha256, "
                       "at = excluded.at, who = excluded.who", (self.period, start, end, sha256, now(), who))
            self.log(who, "published", required=True, period=self.period, start=start, end=end, sha256=sha256)
        published = self.publication()
        assert published is not None
        return published

    def appeals(self, street: str | None = None, period: str | None = None) -> list[AppealRow]:
        query, params = "SELECT * FROM appeals WHERE period = ?", [period or self.period]
        if street is not None:
            query += " AND street = ?"
            params.append(street)
        with self._connect(write=False) as db:
            return [AppealRow(*row) for row in db.execute(query + " ORDER BY id", params)]

    def file_appeal(self, street: str, target: str, community: str | None, field: str | None,
                    reason: str) -> AppealRow:
        with self._lock, self._connect() as db:
            row = db.execute("INSERT INTO appeals (period, street, target, community, field, reason, at, state) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, 'open') RETURNING id",
                             (self.period, street, target, community, field, reason, now())).fetchone()
            number = int(row[0])
            self.log(street, "appeal", required=True, period=self.period, appeal=number, target=target,
                     community=community, field=field)
        return next(a for a in self.appeals(street) if a.id == number)

    def decide_appeal(self, number: int, state: str, reason: str, points: str | None, value: str | None,
                      who: str) -> AppealRow:
        """Record the bureau's decision on an open appeal (DeskError when there is none such, or it is decided)."""
        with self._lock, self._connect() as db:
            done = db.execute("UPDATE appeals SET state = ?, decision_reason = ?, points = ?, value = ?, "
                              "decided_at = ?, decided_by = ? WHERE id = ? AND period = ? AND state = 'open'",
                              (state, reason, points, value, now(), who, number, self.period))
            if done.rowcount != 1:
                raise DeskError(key="desk.no_open_appeal", number=number)
            self.log(who, "appeal-decided", required=True, period=self.period, appeal=number, decision=state,
                     points=points, value=value)
        return next(a for a in self.appeals() if a.id == number)

    @property
    def appeals_file(self) -> Path:
        """The decided appeals of the open period as an appeals file (kaohe assess --appeals reads it)."""
        return self.root / "appeals" / f"{safe_stem(self.period)}-申诉裁定.csv"

    @property
    def late_taken(self) -> bool:
        return self.setting_or(f"late:{self.period}", "1") == "1"

    def comments(self, street: str, period: str | None = None) -> list[Comment]:
        with self._connect(write=False) as db:
            return [Comment(*row) for row in db.execute(
                "SELECT * FROM comments WHERE period = ? AND street = ? ORDER BY id", (period or self.period, street))]

    def comment(self, street: str, text: str, who: str, target: str | None = None, community: str | None = None,
                field: str | None = None) -> Comment:
        if not text.strip():
            raise DeskError(key="desk.comment_empty")
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO comments (period, street, target, community, field, text, who, at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (self.period, street, target, community, field, text.strip()[:2000], who, now()))
        self.log(who, "comment", period=self.period, street=street, target=target, community=community, field=field)
        return self.comments(street)[-1]

    # ---- the bureau's actions

    def close_period(self) -> bool:
        """Refuse uploads from now on (False if the period was closed already). An upload being checked
        while this happens is refused when it is kept, so what is recorded next is final."""
        with self._lock, self._connect() as db:
            changed = db.execute("UPDATE periods SET closed_at = ? WHERE period = ? AND closed_at IS NULL",
                                 (now(), self.period)).rowcount
        return bool(changed)

    def recorded(self, run_id: int) -> None:
        with self._lock, self._connect() as db:
            db.execute("UPDATE periods SET run_id = ? WHERE period = ?", (run_id, self.period))

    def reopen(self) -> None:
        """Undo a close whose recording failed: the period takes uploads again."""
        with self._lock, self._connect() as db:
            db.execute("UPDATE periods SET closed_at = NULL WHERE period = ?", (self.period,))

    def open_period(self, period: str) -> None:
        """The next period: the closed one's submissions moved to archive/, an empty submissions/."""
        from kaohe.periods import check_period

        check_period(period)
        with self._lock, self._connect() as db:
            if not self.closed:
                raise DeskError(key="err.desk_not_closed", period=self.period)
            if any(p.period == period for p in self.periods()):
                raise DeskError(key="err.desk_period_used", period=period)
            old = self.period
            archive = self.root / "archive" / old
            archive.mkdir(parents=True, exist_ok=True)
            if self.submissions.exists():
                target = archive / "submissions"
                shutil.rmtree(target, ignore_errors=True)
                os.replace(self.submissions, target)
            self.submissions.mkdir()
            db.execute("UPDATE settings SET value = ? WHERE key = 'period'", (period,))
            db.execute("INSERT INTO periods VALUES (?, ?, NULL, NULL)", (period, now()))

    def log(self, who: str, action: str, required: bool = False, **details: Any) -> None:
        """One JSON line in the audit log — desk.log, written and flushed to disk before the action is answered;
        a shared store's log table, in the action's own transaction — with the client's address when a request
        is being answered (CLIENT, set by the app's wrapper).

        When the line cannot be written (the disk full, the store down) it is kept in memory and written,
        before any newer one, as soon as a write succeeds; with `required` (an upload, whose line must exist
        before it is acknowledged) the error is raised instead, and the caller undoes the action."""
        client = CLIENT.get()
        if who == ADMIN and ACTOR.get():
            who = ACTOR.get() or who
        entry = {"at": now(), "who": who, "action": action, **({"client": client} if client else {}), **details}
        line = json.dumps(entry, ensure_ascii=False)
        with self._log_lock:
            lines = [*self._unwritten, line]
            try:
                if self.shared:
                    with self._connect(write=False) as db:  # joins the action's transaction when there is one
                        for text in lines:
                            db.execute("INSERT INTO log (line) VALUES (?)", (text,))
                else:
                    with open(self.log_path, "a", encoding="utf-8") as log:
                        log.write("".join(x + "\n" for x in lines))
                        log.flush()
                        os.fsync(log.fileno())
            except self._log_failures:
                if not self.shared:
                    _truncate_partial(self.log_path)
                    self.disk_full_seen = time.time()
                if required:
                    raise
                self._unwritten = lines[-1000:]
                return
            self._unwritten = []

    def log_lines(self) -> list[dict[str, Any]]:
        """The audit log, oldest first (desk.log's lines, or a shared store's log table)."""
        if self.shared:
            with self._connect(write=False) as db:
                return [json.loads(r[0]) for r in db.execute("SELECT line FROM log ORDER BY id")]
        if not self.log_path.is_file():
            return []
        return [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines() if line]

    # ---- the history the closed periods are recorded in (kaohe history)

    @property
    def history(self) -> Path:
        """history.sqlite: in the folder; for a shared store, a working copy of the one the store keeps (fetched
        again when another process has recorded a period since)."""
        local = self.root / "history.sqlite"
        if not self.shared:
            return local
        with self._connect(write=False) as db:
            row = db.execute("SELECT sha256 FROM files WHERE name = 'history.sqlite'").fetchone()
        if row is None:
            return local
        seen = self.root / ".history.sha256"
        if not local.is_file() or not seen.is_file() or seen.read_text() != row[0]:
            for extra in ("", "-wal", "-shm", "-journal"):
                Path(f"{local}{extra}").unlink(missing_ok=True)
            self.path("history.sqlite")
            os.chmod(local, 0o640)
            seen.write_text(str(row[0]))
        return local

    def keep_history(self) -> None:
        """A shared store takes the history back after a period is recorded in the working copy."""
        if not self.shared:
            return
        local = self.root / "history.sqlite"
        copy = self.root / ".history.sqlite.new"
        copy.unlink(missing_ok=True)
        source, target = sqlite3.connect(local), sqlite3.connect(copy)
        try:
            source.backup(target)  # one file, whatever journal the history keeps
        finally:
            source.close()
            target.close()
        body = copy.read_bytes()
        copy.unlink()
        with self._lock, self._connect() as db:
            digest = store_bytes(db, "history.sqlite", body)
        (self.root / ".history.sha256").write_text(digest)


def index_links(db: Any, schema: str) -> None:
    """The district `schema`'s working links (streets not revoked, people, 管理员) in the store's index
    kaohe.links by their secret's digest, in the transaction `db` of that district."""
    from kaohe.desk.backend import REGISTRY

    found = [s for (s,) in db.execute("SELECT secret FROM streets") if not s.startswith(REVOKED)]
    found += [s for (s,) in db.execute("SELECT secret FROM people")]
    found += [s for (s,) in db.execute("SELECT value FROM settings WHERE key = 'admin'")]
    db.execute(f"DELETE FROM {REGISTRY}.links WHERE schema_name = ?", (schema,))
    for secret in found:
        db.execute(f"INSERT INTO {REGISTRY}.links VALUES (?, ?)", (_digest(secret).hex(), schema))


def store_bytes(db: Any, name: str, body: bytes) -> str:
    """A file's bytes kept in a shared store's files table as `name` (replacing what was kept so), in the
    transaction `db`; its SHA-256."""
    digest = hashlib.sha256(body).hexdigest()
    db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
               "sha256 = excluded.sha256, size = excluded.size, body = excluded.body, at = excluded.at",
               (name, digest, len(body), body, now()))
    return digest


def _roster_names(roster: Path, rules: Any) -> list[str]:
    from kaohe.intake.roster import load_roster

    names = load_roster(roster, rules)
    if not names:
        raise DeskError(key="err.desk_empty_roster", path=str(roster))
    return names


def _disk_full(exc: BaseException) -> bool:
    """Whether a failed write failed for want of space (or of the quota, or of the file size allowed)."""
    import errno

    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    if getattr(exc, "sqlstate", None) == "53100":  # PostgreSQL's disk_full
        return True
    return isinstance(exc, sqlite3.Error) and "full" in str(exc).lower()


def _truncate_partial(path: Path) -> None:
    """A log whose last line was cut by a full disk: the cut line taken off, so every line stays JSON."""
    try:
        with open(path, "rb+") as fh:
            data = fh.read()
            end = data.rfind(b"\n") + 1
            if end != len(data):
                fh.truncate(end)
    except OSError:
        pass


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    return a.read_bytes() == b.read_bytes()
