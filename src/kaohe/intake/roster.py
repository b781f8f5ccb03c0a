"""The roster (街道名单): which streets are expected to submit, from CSV (UTF-8 or GB18030) or a workbook."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kaohe.errors import RosterError
from kaohe.targets import Targets
from kaohe.text import clean_name, squash


def street_key(name: str, suffixes: Iterable[str] = ()) -> str:
    """Names match after trimming spaces, full/half-width folding and dropping suffixes like 办事处."""
    key = squash(name).casefold()
    for suffix in suffixes:
        folded = squash(suffix).casefold()
        if folded and key.endswith(folded) and len(key) > len(folded):
            return key[: -len(folded)]
    return key


from kaohe.limits import MAX_STREETS  # noqa: E402


def load_roster(path: Path, targets: Targets) -> list[str]:
    """The street names of a roster file, in its order, without duplicates."""
    return read_roster(path, targets)[0]


def read_roster(path: Path, targets: Targets) -> tuple[list[str], str | None]:
    """The street names, and the first one when it looks like a header kaohe did not recognise: it names no
    street the way the others do (they end in 街道, 乡 …, it does not), so it may be a column heading."""
    if not path.exists():
        raise RosterError(key="err.roster_missing", path=str(path))
    if not path.is_file():
        raise RosterError(key="err.roster_not_file", path=str(path))
    if path.suffix.lower() in (".csv", ".txt"):
        rows = _csv_rows(path)
    else:
        from kaohe.errors import UnreadableFile
        from kaohe.workbook import read_sheets

        try:
            sheets = read_sheets(path)
        except UnreadableFile as exc:
            raise RosterError(key="err.roster_unreadable", path=str(path), detail=str(exc)) from exc
        rows = [["" if v is None else str(v) for v in row] for s in sheets[:1] for row in s.rows]
    names, headed = _names(rows, targets)
    garbled = [n for n in names if _garbled(n)]
    if garbled:
        raise RosterError(key="err.roster_garbled", path=str(path), sample=garbled[0], tried=ROSTER_ENCODINGS)
    if not names:
        raise RosterError(key="err.roster_empty", path=str(path))
    if len(names) > MAX_STREETS:  # a district has dozens of streets; a file of thousands is not a roster
        raise RosterError(key="err.roster_too_many", path=str(path), count=len(names), limit=MAX_STREETS)
    return names, None if headed else _header_like(names, targets)


def roster_emails(path: Path, targets: Targets) -> dict[str, str]:
    """street → e-mail address, from a column of the roster headed as `layout.roster_email_headers` says
    (邮箱, 电子邮箱, email …); {} when the roster has none. For the desk's optional reminders."""
    if path.suffix.lower() in (".csv", ".txt"):
        rows = _csv_rows(path)
    else:
        from kaohe.workbook import read_sheets

        rows = [["" if v is None else str(v) for v in row] for s in read_sheets(path)[:1] for row in s.rows]
    names = set(_names(rows, targets)[0])
    wanted = {squash(h).casefold() for h in targets.layout.roster_email_headers}
    for r, row in enumerate(rows[:10]):
        col = next((c for c, v in enumerate(row) if squash(v).casefold() in wanted), None)
        if col is None:
            continue
        found = {}
        for below in rows[r + 1:]:
            address = below[col].strip() if col < len(below) else ""
            name = next((clean_name(v) for v in below if clean_name(v) in names), None)
            if name and "@" in address and " " not in address:
                found[name] = address
        return found
    return {}


def _header_like(names: list[str], targets: Targets) -> str | None:
    endings = tuple(targets.layout.street_name_endings)
    rest = names[1:]
    if len(rest) >= 2 and endings and sum(n.endswith(endings) for n in rest) * 4 >= len(rest) * 3 \
            and not names[0].endswith(endings):
        return names[0]
    return None


def _csv_rows(path: Path) -> list[list[str]]:
    """A text roster as Excel or WPS save one: UTF-8 (BOM or not), GBK, UTF-16 "Unicode 文本" with tabs."""
    from kaohe.errors import UnreadableFile
    from kaohe.workbook.guard import read_regular
    from kaohe.workbook.text_tables import read_text_table

    try:
        data = read_regular(path, 8 << 20)
    except OSError as exc:
        raise RosterError(key="err.roster_unreadable", path=str(path), detail=exc.strerror or str(exc)) from exc
    text = _roster_text(data)
    if text is None:
        raise RosterError(key="err.roster_encoding", path=str(path), tried=ROSTER_ENCODINGS)
    try:
        return read_text_table(text.encode("utf-8"))
    except UnreadableFile as exc:
        raise RosterError(key="err.roster_unreadable", path=str(path), detail=str(exc)) from exc


ROSTER_ENCODINGS = "UTF-8、UTF-16、GBK/GB18030"


def _roster_text(data: bytes) -> str | None:
    """A text roster decoded strictly, or None when none of the encodings an office saves in gives names
    that read as names. A workbook's cells may be replaced where they cannot be decoded; a roster decides who
    is assessed, so a guess is never taken: Big5 decoded as GBK gives rare characters, not street names."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8", data[3:])]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", data)]
    else:
        candidates = [("utf-8", data), ("gb18030", data)]
    for encoding, raw in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and not _reads_as_gb2312(text):
            continue
        return text
    return None


def _reads_as_gb2312(text: str) -> bool:
    """Most Chinese characters of a text decoded as GB18030 are common ones (GB2312): street names are. Text
    in another encoding (Big5, Shift-JIS) decoded as GB18030 is mostly rare characters and symbols."""
    cjk = [ch for ch in text if ord(ch) > 0x7F and not ch.isspace()]
    if not cjk:
        return True
    common = 0
    for ch in cjk:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common * 10 >= len(cjk) * 9


def _garbled(name: str) -> bool:
    """A name that is mojibake: UTF-8 bytes once read as Latin-1 or Windows-1252 (街道 → è¡—é“), or a
    character that could not be decoded (U+FFFD)."""
    if "\ufffd" in name:
        return True
    if not any(0x80 <= ord(ch) <= 0x2122 for ch in name):
        return False
    for codec in ("cp1252", "latin-1"):
        try:
            again = name.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if any("\u4e00" <= ch <= "\u9fff" for ch in again):
            return True
    return False


def _names(rows: list[list[str]], targets: Targets) -> tuple[list[str], bool]:
    """The names, and whether a header row was recognised."""
    from kaohe.workbook.headers import Headers

    headers = Headers(targets)
    lookup = headers.lookup("street")
    key = targets.key_field("street")
    loose = {headers.key(h) for h in targets.layout.roster_headers}
    col = 0
    start = 0
    headed = False
    for r, row in enumerate(rows[:10]):
        hits = [c for c, v in enumerate(row) if v and lookup.get(headers.key(v)) == key]
        hits = hits or [c for c, v in enumerate(row) if v and headers.key(v) in loose]
        if hits:
            col, start, headed = hits[0], r + 1, True
            break
    else:  # no header: the first column that holds text rather than serial numbers
        texts = [[v for v in (row[c] if c < len(row) else "" for row in rows) if v.strip()]
                 for c in range(max((len(r) for r in rows), default=0))]
        col = next((c for c, vs in enumerate(texts) if vs and not all(v.strip().isdigit() for v in vs)), 0)
    names: list[str] = []
    seen: set[str] = set()
    for row in rows[start:]:
        if col < len(row) and row[col].strip():
            name = clean_name(row[col])
            if street_key(name) not in seen:
                seen.add(street_key(name))
                names.append(name)
    return names, headed


def find_roster(folder: Path, targets: Targets) -> Path | None:
    """A roster beside or inside the submissions folder (街道名单.csv, roster.xlsx …), if there is one."""
    for place in (folder, folder.parent):
        for stem in targets.layout.roster_file_names:
            for suffix in (".csv", ".xlsx", ".xls"):
                candidate = place / f"{stem}{suffix}"
                if candidate.is_file():
                    return candidate
    return None
