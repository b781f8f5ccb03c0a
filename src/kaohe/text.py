"""Text normalisation shared by header matching, value parsing and name matching."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_BRACKETED = re.compile(r"[(\[{<][^)\]}>]*[)\]}>]")
_HEADER_PUNCT = re.compile(r"[、,.·:;'\"*※#]")
_HEADER_NOISE = re.compile(r"[(\[{<、,.·:;'\"*※#]")  # what _BRACKETED or _HEADER_PUNCT could remove
_CJK = r"\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")


def squash(text: str) -> str:
    """Full-width to half-width (NFKC: `（` `１` `㎡` become `(` `1` `m2`) and no whitespace at all: the key two
    spellings of a name are compared by."""
    if not unicodedata.is_normalized("NFKC", text):  # most text already is: skip the copy
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split())


# Characters no one sees and no name needs: zero-width spaces and joiners, direction marks, a BOM inside a
# text, control characters — a name copied from a web page or a chat carries them, and then matches nothing.
_INVISIBLE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def visible(text: str) -> str:
    """A text without its invisible characters (zero-width spaces, direction marks and overrides, controls),
    its spaces as they are: a file name as shown."""
    return text if text.isprintable() else _INVISIBLE.sub("", text)


def clean_name(text: str) -> str:
    """A name as shown: no invisible characters, trimmed, inner runs of spaces collapsed, no spaces next to
    Chinese characters."""
    if not text.isprintable():
        text = _INVISIBLE.sub("", text)
    text = _SPACE.sub(" ", text.replace("\u3000", " ").strip())
    return _SPACE_NEAR_CJK.sub("", text)


def header_key(text: str, drop_prefixes: tuple[str, ...] = (), drop_suffixes: tuple[str, ...] = ()) -> str:
    """The comparable core of a header cell: no spaces, brackets, hints like (有/无), units or 是否."""
    key = squash(text).casefold()  # squash() of squashed text costs one is_normalized check
    if _HEADER_NOISE.search(key):  # most texts have no brackets or punctuation: one scan instead of two subs
        key = _HEADER_PUNCT.sub("", _BRACKETED.sub("", key))
    if drop_prefixes and key.startswith(drop_prefixes):  # one C call rules out most texts
        for prefix in sorted(drop_prefixes, key=len, reverse=True):
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
                break
    changed = bool(drop_suffixes) and key.endswith(drop_suffixes)
    while changed:
        changed = False
        for suffix in drop_suffixes:
            if suffix and key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)].rstrip("/:")
                changed = True
    return key.rstrip("/:：")


def col_letter(col: int) -> str:
    """0-based column index to letters: 0 → A, 27 → AB."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based row and column to an A1 reference."""
    return f"{col_letter(col)}{row + 1}"


def display_name(name: str) -> str:
    """A file or folder name as a person should read it, valid UTF-8 whatever system wrote it.

    Python keeps the bytes of a name that is not UTF-8 as lone surrogates (what unzipping a Windows zip on
    Linux gives: GBK bytes). Those bytes are read as GB18030, else with replacement characters.
    """
    if not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    raw = name.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def raw_name_hex(name: str) -> str:
    """The original bytes of a name that was not valid UTF-8, in hex ('' for a name that was)."""
    if not any("\udc80" <= ch <= "\udcff" for ch in name):
        return ""
    return name.encode("utf-8", "surrogateescape").hex()
