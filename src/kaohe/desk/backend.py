"""Where the desk keeps its state: SQLite in its data folder (the default), or a PostgreSQL database.

The desk's code (`store.Desk`) speaks one SQL: plain statements with `?` parameters, `ON CONFLICT … DO
UPDATE` for an upsert, `RETURNING id` for a new row's number — SQL that SQLite (3.35 and later) and PostgreSQL
(and the databases that speak its dialect: openGauss, KingbaseES) both accept, with no extension. A
`Database` gives a connection in one transaction; the PostgreSQL one turns `?` into psycopg's `%s`.

A write transaction holds the district for its length, so that what it checks (the period open, the street's
state, its quota) is still true when it commits, whichever process acts: SQLite by `BEGIN IMMEDIATE` (one
writer at a time for the file), PostgreSQL by locking the district's `period` row (`SELECT … FOR UPDATE`; the
district's other writers wait, its readers never do).

The schema is versioned: `migrations/NNNN-*.sql`, applied in order and recorded in `schema_version`, written
once for both databases with three words that differ (`{serial}`, `{real}`, `{bytes}`). Plain SQL files rather
than Alembic: the desk has a dozen tables and no ORM, a DBA can read and run the files by hand, and no
migration tool has to be installed on a bureau's PC for the folder desk.

In PostgreSQL each district is a schema of its own (`kaohe_d1`, `kaohe_d2`, …) holding the same tables, and
`kaohe.districts` lists them: every connection a district borrows from the store's pool is set to search
only its own schema, so no query of one district can read another's rows, and the desk's SQL is the same for
one district in a folder and for forty in a city's database. `kaohe.links` indexes every district's links by
their secret's digest, so that a city's process finds the one district a link opens.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kaohe.errors import KaoheError

REGISTRY = "kaohe"  # the PostgreSQL schema listing the districts of a store
_WORDS = {"sqlite": {"serial": "INTEGER PRIMARY KEY", "real": "REAL", "bytes": "BLOB"},
          "postgresql": {"serial": "BIGSERIAL PRIMARY KEY", "real": "DOUBLE PRECISION", "bytes": "BYTEA"}}


class StoreError(KaoheError):
    """The store cannot be reached or used (a URL kaohe cannot use, the database down, no such district)."""


def migrations() -> list[tuple[int, str]]:
    """(version, SQL text) of every migration, in order."""
    folder = resources.files("kaohe.desk") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = re.match(r"(\d{4})-.*\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def statements(sql: str, dialect: str) -> list[str]:
    """A migration's statements for one database (comments dropped, words filled in)."""
    text = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    text = text.format(**_WORDS[dialect])
    return [s.strip() for s in text.split(";") if s.strip()]


SCHEMA_VERSION = max(v for v, _ in migrations())


class Database:
    """A transaction on the desk's database (see the module's docstring)."""

    dialect = ""
    schema = ""  # a shared store's district schema
    errors: tuple[type[BaseException], ...] = ()

    @contextmanager
    def transaction(self, write: bool) -> Iterator[Any]:
        raise NotImplementedError
        yield

    def migrate(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def unavailable(self, exc: BaseException) -> bool:
        """Whether an error says the database cannot be reached (rather than that a statement is wrong)."""
        return False


class SqliteDatabase(Database):
    """desk.sqlite in the data folder: WAL, and every commit synced to disk (FULL)."""

    dialect = "sqlite"
    errors = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            if not write:
                yield db
                return
            db.execute("PRAGMA synchronous=FULL")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def migrate(self) -> None:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT max(version) FROM schema_version").fetchone()
            done = int(row[0] or 0)
            for version, sql in migrations():
                if version > done:
                    for statement in statements(sql, self.dialect):
                        db.execute(statement)
                    db.execute("INSERT INTO schema_version VALUES (?)", (version,))
            db.execute("COMMIT")
        finally:
            db.close()


@lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    """The desk's `?` parameters as psycopg's `%s` (a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class _PgConnection:
    """A psycopg connection that takes the desk's SQL."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(_pg_sql(sql), tuple(params))


def check_url(url: str) -> str:
    """A store URL kaohe can use: postgresql://user@host[:port]/database[?options], with no password in it
    (a command line is seen by every account on the machine and kept in shell histories; libpq reads the
    password from PGPASSWORD or the password file, ~/.pgpass or PGPASSFILE). StoreError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise StoreError(key="store.bad_url", url=shown_url(url))
    if parts.password:
        raise StoreError(key="store.password_in_url", url=shown_url(url))
    if not parts.path.strip("/"):
        raise StoreError(key="store.bad_url", url=shown_url(url))
    return url


def shown_url(url: str) -> str:
    """A URL as it may be printed: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


# One pool of connections per store and process, shared by its districts (a city of forty districts served by
# two processes holds 2 × POOL_SIZE connections, not eighty pools): each borrower sets its district's search path.
POOL_SIZE = 10
_POOLS: dict[str, list[Any]] = {}  # url: [pool, districts using it]
_POOLS_LOCK = threading.Lock()


def _take_pool(url: str) -> Any:
    from psycopg_pool import ConnectionPool

    with _POOLS_LOCK:
        if url not in _POOLS:
            pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, timeout=30, open=False, name="kaohe",
                                  kwargs={"autocommit": True, "application_name": "kaohe"},
                                  check=ConnectionPool.check_connection)
            pool.open(wait=False)
            _POOLS[url] = [pool, 0]
        _POOLS[url][1] += 1
        return _POOLS[url][0]


def _give_pool(url: str) -> None:
    with _POOLS_LOCK:
        entry = _POOLS.get(url)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _POOLS[url]
            entry[0].close()


class PostgresDatabase(Database):
    """One district's schema in a PostgreSQL database, through the store's pool of connections."""

    dialect = "postgresql"

    def __init__(self, url: str, schema: str, district: str) -> None:
        import psycopg

        self.url, self.schema, self.district = url, schema, district
        self.errors = (psycopg.Error,)
        self._psycopg = psycopg
        self.pool: Any = None
        self._open_lock = threading.Lock()

    @contextmanager
    def transaction(self, write: bool) -> Iterator[_PgConnection]:
        if self.pool is None:
            with self._open_lock:
                if self.pool is None:
                    self.pool = _take_pool(self.url)
        with self.pool.connection() as conn:
            conn.execute(f"SET search_path TO {self.schema}")  # this district's tables, and no other's
            if not write:
                yield _PgConnection(conn)
                return
            with conn.transaction():
                # the district held for this transaction: its other writers wait here, its readers never do
                conn.execute("SELECT value FROM settings WHERE key = 'period' FOR UPDATE")
                yield _PgConnection(conn)

    def migrate(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True, application_name="kaohe") as conn, conn.transaction():
            conn.execute(f"SELECT 1 FROM {REGISTRY}.districts WHERE schema_name = %s FOR UPDATE", (self.schema,))
            conn.execute(f"SET LOCAL search_path TO {self.schema}")
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            done = int(row[0] or 0) if row else 0
            for version, sql in migrations():
                if version > done:
                    for statement in statements(sql, self.dialect):
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))

    def close(self) -> None:
        with self._open_lock:
            if self.pool is not None:
                self.pool = None
                _give_pool(self.url)

    def unavailable(self, exc: BaseException) -> bool:
        from psycopg_pool import PoolTimeout

        return isinstance(exc, self._psycopg.OperationalError | PoolTimeout)


# ---- the districts of a PostgreSQL store

def registry(url: str) -> Any:
    """A connection to the store with its registry made (the `kaohe` schema and its districts table)."""
    import psycopg

    try:
        conn = psycopg.connect(check_url(url), autocommit=True, application_name="kaohe", connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise StoreError(key="store.unreachable", url=shown_url(url), detail=_first_line(exc)) from exc
    try:
        with conn.transaction():
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {REGISTRY}")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {REGISTRY}.districts (name TEXT PRIMARY KEY, "
                         "schema_name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {REGISTRY}.settings (key TEXT PRIMARY KEY, "
                         "value TEXT NOT NULL)")
            # every district's links by the SHA-256 of their secret: which district a link opens
            conn.execute(f"CREATE TABLE IF NOT EXISTS {REGISTRY}.links (digest TEXT PRIMARY KEY, "
                         "schema_name TEXT NOT NULL)")
    except psycopg.errors.UniqueViolation:
        pass  # another process made it at the same moment
    except psycopg.Error as exc:
        conn.close()
        raise StoreError(key="store.unusable", url=shown_url(url), detail=_first_line(exc)) from exc
    return conn


def districts(url: str) -> list[tuple[str, str]]:
    """(name, schema) of every district in the store, in the order they were made."""
    with registry(url) as conn:
        return [(str(n), str(s)) for n, s in conn.execute(
            f"SELECT name, schema_name FROM {REGISTRY}.districts ORDER BY created_at, name")]


def add_district(url: str, name: str, created_at: str) -> str:
    """A new district's schema (made empty; its tables are made by migrate). StoreError when the name is
    taken."""
    import psycopg

    with registry(url) as conn:
        try:
            with conn.transaction():
                conn.execute(f"LOCK TABLE {REGISTRY}.districts IN EXCLUSIVE MODE")
                if conn.execute(f"SELECT 1 FROM {REGISTRY}.districts WHERE name = %s", (name,)).fetchone():
                    raise StoreError(key="store.district_exists", district=name)
                row = conn.execute(f"SELECT count(*) FROM {REGISTRY}.districts").fetchone()
                number = int(row[0]) + 1 if row else 1
                schema = f"kaohe_d{number}"
                while conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
                                   (schema,)).fetchone():
                    number += 1
                    schema = f"kaohe_d{number}"
                conn.execute(f"CREATE SCHEMA {schema}")
                conn.execute(f"INSERT INTO {REGISTRY}.districts VALUES (%s, %s, %s)", (name, schema, created_at))
        except psycopg.Error as exc:
            raise StoreError(key="store.unusable", url=shown_url(url), detail=_first_line(exc)) from exc
    return schema


def city_secret(url: str) -> str:
    """The city's link secret (made at the first ask, kept in the registry's settings)."""
    import secrets

    with registry(url) as conn, conn.transaction():
        conn.execute(f"INSERT INTO {REGISTRY}.settings VALUES ('city', %s) ON CONFLICT (key) DO NOTHING",
                     (secrets.token_urlsafe(24),))
        row = conn.execute(f"SELECT value FROM {REGISTRY}.settings WHERE key = 'city'").fetchone()
    return str(row[0])


def district_of_link(url: str, digest: str) -> tuple[str, str] | None:
    """(name, schema) of the district holding the link whose secret has this SHA-256 (hex), if any."""
    with registry(url) as conn:
        row = conn.execute(f"SELECT d.name, d.schema_name FROM {REGISTRY}.links l JOIN {REGISTRY}.districts d "
                           "ON d.schema_name = l.schema_name WHERE l.digest = %s", (digest,)).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def find_district(url: str, name: str | None) -> tuple[str, str]:
    """(name, schema) of the district named, or of the store's only one; StoreError naming the districts."""
    known = districts(url)
    if name is None:
        if len(known) == 1:
            return known[0]
        raise StoreError(key="store.which_district", url=shown_url(url),
                         districts="、".join(n for n, _ in known) or "—")
    for found in known:
        if found[0] == name:
            return found
    raise StoreError(key="store.no_district", district=name, districts="、".join(n for n, _ in known) or "—")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
