-- The desk's first schema (kaohe 0.1). Written once for SQLite and PostgreSQL: {serial} is a row number the
-- database gives, {real} a floating-point number, {bytes} a file's bytes. A folder desk made before the schema
-- was versioned has these tables already: IF NOT EXISTS leaves them as they are.
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS streets (
    position INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, secret TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS periods (
    period TEXT PRIMARY KEY, opened_at TEXT NOT NULL, closed_at TEXT, run_id INTEGER);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY, period TEXT NOT NULL, street TEXT NOT NULL, file TEXT NOT NULL,
    client_name TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, at TEXT NOT NULL,
    errors INTEGER NOT NULL, warnings INTEGER NOT NULL, score {real});
CREATE INDEX IF NOT EXISTS versions_by_street ON versions (period, street, id);
CREATE TABLE IF NOT EXISTS reviews (
    id {serial}, period TEXT NOT NULL, street TEXT NOT NULL, action TEXT NOT NULL,
    version INTEGER NOT NULL, reason TEXT NOT NULL, cells TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reviews_by_street ON reviews (period, street, id);
CREATE TABLE IF NOT EXISTS comments (
    id {serial}, period TEXT NOT NULL, street TEXT NOT NULL, target TEXT, community TEXT,
    field TEXT, text TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deadlines (period TEXT PRIMARY KEY, deadline TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS publications (
    period TEXT PRIMARY KEY, start TEXT NOT NULL, "end" TEXT NOT NULL, sha256 TEXT NOT NULL, at TEXT NOT NULL,
    who TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS appeals (
    id {serial}, period TEXT NOT NULL, street TEXT NOT NULL, target TEXT NOT NULL, community TEXT,
    field TEXT, reason TEXT NOT NULL, at TEXT NOT NULL, state TEXT NOT NULL, decision_reason TEXT,
    points TEXT, value TEXT, decided_at TEXT, decided_by TEXT);
CREATE TABLE IF NOT EXISTS evidence (
    id {serial}, period TEXT NOT NULL, street TEXT NOT NULL, target TEXT NOT NULL, community TEXT,
    name TEXT NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, kind TEXT NOT NULL,
    at TEXT NOT NULL, insufficient TEXT, insufficient_by TEXT);
CREATE TABLE IF NOT EXISTS rectifications (
    id {serial}, period TEXT NOT NULL, street TEXT NOT NULL, target TEXT NOT NULL, what TEXT NOT NULL,
    community TEXT, kind TEXT NOT NULL, due TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL,
    closed_reason TEXT, closed_by TEXT);
CREATE TABLE IF NOT EXISTS rectification_reports (
    id {serial}, item INTEGER NOT NULL, who TEXT NOT NULL, text TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS drafts (
    street TEXT NOT NULL, period TEXT NOT NULL, body TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (street, period));
CREATE TABLE IF NOT EXISTS people (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, secret TEXT NOT NULL UNIQUE, added_at TEXT NOT NULL);
-- A shared store's files (a folder desk keeps them as files): every version, piece of evidence, findings file,
-- published result, the targets, the roster and the history, by their name under the data folder.
CREATE TABLE IF NOT EXISTS files (
    name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, body {bytes} NOT NULL, at TEXT NOT NULL);
-- A shared store's audit log (a folder desk writes desk.log): one JSON line per action.
CREATE TABLE IF NOT EXISTS log (id {serial}, line TEXT NOT NULL)
