"""Moving a desk between a data folder and a shared store, both ways.

`migrate`: a folder desk (desk.sqlite, its files, desk.log) becomes a district of a PostgreSQL store — every
row as it is (the links keep working), every file into the store's files table, each desk.log line into its
log. `export`: a district of a store written back as a data folder — the backup a bureau keeps — which
`kaohe serve --data` opens and whose submissions `kaohe assess` reads: the open period's in submissions/, each
closed period's in archive/<period>/submissions/.

Both go table by table in the schema's order, in one transaction on the store's side: a move that fails
leaves no half district behind (the new district's schema is dropped) and never touches the source.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from kaohe.desk.store import Desk, DeskError, index_links, now, safe_stem, store_bytes

# The tables a desk keeps, in an order in which every row's references exist before it
TABLES = ("settings", "streets", "periods", "versions", "reviews", "comments", "deadlines", "publications",
          "appeals", "evidence", "rectifications", "rectification_reports", "drafts", "people")
SERIAL = ("reviews", "comments", "appeals", "evidence", "rectifications", "rectification_reports")
# The files of a folder desk kept in a store: by their name under the folder
KEPT_FOLDERS = ("versions", "evidence", "findings", "findings-removed", "published")


def migrate(folder: Path, store: str, district: str | None) -> tuple[str, int, int]:
    """The folder desk `folder` as a new district of `store` (named `district`, else the folder's name);
    (the district's name, rows moved, files moved). The folder's files are only read (its database is
    brought to this kaohe's schema first, as any start of kaohe does)."""
    from kaohe.desk.backend import PostgresDatabase, add_district, check_url

    check_url(store)
    source = Desk.open(folder)
    name = district or folder.resolve().name
    schema = add_district(store, name, now())
    database = PostgresDatabase(store, schema, name)
    try:
        database.migrate()
        rows = files = 0
        with database.transaction(write=False) as db, db.conn.transaction():
            with source.database.transaction(write=False) as old:
                for table in TABLES:
                    for row in old.execute(f"SELECT * FROM {table}"):
                        marks = ", ".join("?" for _ in row)
                        db.execute(f"INSERT INTO {table} VALUES ({marks})", tuple(row))
                        rows += 1
            for table in SERIAL:  # the next number after the moved ones
                db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
            for kept in _kept_names(source):
                path = folder / kept
                store_bytes(db, kept, path.read_bytes())
                files += 1
            for line in source.log_lines():
                db.execute("INSERT INTO log (line) VALUES (?)", (json.dumps(line, ensure_ascii=False),))
            index_links(db, schema)  # its links answered by any process of the store at once
    except BaseException:
        database.close()
        _drop(store, name, schema)
        raise
    database.close()
    source.close()
    return name, rows, files


def _kept_names(desk: Desk) -> list[str]:
    names = ["targets.yaml", desk.setting("roster")]
    if desk.history.is_file():
        names.append("history.sqlite")
    for top in KEPT_FOLDERS:
        base = desk.root / top
        if base.is_dir():
            names += sorted(p.relative_to(desk.root).as_posix() for p in base.rglob("*") if p.is_file())
    return names


def _drop(store: str, name: str, schema: str) -> None:
    """A district whose move failed taken out of the store again."""
    from kaohe.desk.backend import REGISTRY, registry

    with registry(store) as conn, conn.transaction():
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"DELETE FROM {REGISTRY}.districts WHERE name = %s", (name,))


def export(desk: Desk, folder: Path) -> tuple[int, int]:
    """The district `desk` (of a store, or a folder desk) written as a new data folder `folder`; (rows,
    files). DeskError when `folder` holds anything (an export overwrites nothing)."""
    from kaohe.desk.backend import SqliteDatabase

    if folder.exists() and any(folder.iterdir()):
        raise DeskError(key="store.not_empty", path=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    target = SqliteDatabase(folder / "desk.sqlite")
    target.migrate()
    rows = files = 0
    with desk.database.transaction(write=False) as db, target.transaction(write=True) as new:
        for table in TABLES:
            for row in db.execute(f"SELECT * FROM {table}"):
                marks = ", ".join("?" for _ in row)
                new.execute(f"INSERT INTO {table} VALUES ({marks})", tuple(row))
                rows += 1
        names = [str(r[0]) for r in db.execute("SELECT name FROM files ORDER BY name")] if desk.shared else \
            _kept_names(desk)
    os.chmod(folder / "desk.sqlite", 0o600)
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(desk.path(name), path)
        files += 1
    with open(folder / "desk.log", "w", encoding="utf-8") as log:
        for line in desk.log_lines():
            log.write(json.dumps(line, ensure_ascii=False) + "\n")
    copy = Desk.open(folder)
    copy.recover()  # submissions/ of the open period
    for period in copy.periods():
        if period.period != copy.period:  # each earlier period's latest versions, as kaohe assess reads them
            archive = folder / "archive" / safe_stem(period.period) / "submissions"
            archive.mkdir(parents=True, exist_ok=True)
            roster = copy.roster_path  # beside the submissions, where kaohe assess looks for it
            shutil.copyfile(roster, archive.parent / roster.name)
            for version in copy.latest(period.period).values():
                shutil.copyfile(copy.path(version.file), archive /
                                (copy.stems.get(version.street, safe_stem(version.street)) +
                                 Path(version.file).suffix))
    copy.close()
    return rows, files


def counts(desk: Desk) -> dict[str, Any]:
    """Rows per table (what a move is checked by)."""
    with desk.database.transaction(write=False) as db:
        return {t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}
