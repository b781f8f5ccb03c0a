"""Teach kaohe an office's habits without touching code: words and headers it did not know, made into additions
to the targets file that a person reviews and accepts.

Three steps, each its own function:
- `additions_for_words` / `additions_for_headers`: where in the targets file an unknown word or header belongs
  (a yes word, a no word, a choice's spelling, a field's alias), guessed from the YAML's own words and marked
  as a guess where it is one;
- `collect` + `render`: every such finding of a run, across all its workbooks, as one patch file (YAML, with
  where each word was seen) — what `kaohe targets learn` and `--suggest` print;
- `accept`: the patch written into the targets file by inserting into its lists, so its comments, order and
  layout stay as the bureau wrote them (a text edit at the positions PyYAML's composer gives, not a re-dump).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from kaohe.issues import Issue
from kaohe.targets.schema import FieldDef, Targets
from kaohe.text import squash
from kaohe.words import Translator

PATCH_SCHEMA = "kaohe.learn/1"
UNSURE = "?"  # a path segment for a word kaohe cannot place: shown as a comment, never accepted unread
SIMILAR = 0.5  # how alike (difflib's ratio) an unknown header must be to a field's name to be offered as its alias


# ---- where a word or header belongs ----------------------------------------------------------------------


def _field(targets: Targets, level: str, name: str) -> FieldDef:
    return (targets.fields.street if level == "street" else targets.fields.community)[name]


def place_word(targets: Targets, level: str, name: str, word: str) -> tuple[str, ...]:
    """The list of the targets file a word of a yes/no or choice field belongs in (a guess, for review)."""
    fdef = _field(targets, level, name)
    folded = squash(word).casefold()
    if fdef.type == "yesno":
        layout = targets.layout
        if any(squash(m).casefold() in folded for m in layout.negative_marks):
            return ("vocabularies", "yesno", "no")
        if any(squash(m).casefold() in folded for m in layout.positive_marks):
            return ("vocabularies", "yesno", "yes")
        return (UNSURE, level, name)
    if fdef.type == "choice" and fdef.choices:
        hits = [value for value, spellings in fdef.choices.items()
                if any(s and (squash(s).casefold() in folded or folded in squash(s).casefold())
                       for s in (value, *spellings))]
        if len(hits) == 1:
            return ("fields", level, name, "choices", hits[0])
    return (UNSURE, level, name)


def additions_for_words(targets: Targets, level: str, name: str, words: Iterable[str]) -> dict[str, list[str]]:
    """dotted path → the words to add there."""
    out: dict[str, list[str]] = {}
    for word in words:
        out.setdefault(".".join(place_word(targets, level, name, word)), []).append(word)
    return out


def short_patch(additions: dict[str, list[str]]) -> str:
    """The additions as one line for a message: `vocabularies.yesno.yes: [已完成]；…`."""
    parts = [f"{path}: [{', '.join(words)}]" for path, words in additions.items() if not path.startswith(UNSURE)]
    unsure = [w for path, words in additions.items() if path.startswith(UNSURE) for w in words]
    if unsure:
        parts.append(f"? [{', '.join(unsure)}]")
    return "；".join(parts)


def additions_for_headers(targets: Targets, level: str, missing: list[str], texts: list[str],
                          evidence: dict[str, dict[str, Any]] | None = None) -> dict[str, list[str]]:
    """Unknown header texts matched to the fields a table lacks (each text to one field at most, each field one
    text, the best pairs first); the rest are left out. A pair is judged by the header — how alike it is to the
    field's label and aliases, compared as header matching compares them — and, where `evidence` says what the
    column holds, by its values: a yes/no column is never a number field's, nor a column of figures a yes/no
    field's, and values that fit the field let a less alike header through. A bare generic word (面积, 人数: in
    the names of several fields) is never proposed; a header in two dimensions is proposed as its path
    (居委会办公用房 > 面积). A text becomes an alias in the form header matching reads it (住户数(户) → 住户数)."""
    from kaohe.workbook.headers import PATH, Headers

    headers = Headers(targets)
    spellings_of = {(lvl, name): [headers.key(s) for s in (d.label, *d.aliases)]
                    for lvl, defs in (("street", targets.fields.street), ("community", targets.fields.community))
                    for name, d in defs.items()}
    pairs: list[tuple[float, str, str]] = []
    for text in texts:
        alias = header_alias(headers, text)
        if alias is None:
            continue
        key = "".join(PATH.split(alias))
        if _generic(key, spellings_of):
            continue
        held = (evidence or {}).get(text)
        for name in missing:
            fit = _fits(_field(targets, level, name), held)
            if fit is None:
                continue  # the values say it is not this field
            ratio = max(difflib.SequenceMatcher(None, key, s).ratio() for s in spellings_of[(level, name)])
            if ratio >= (SIMILAR - 0.1 if fit else SIMILAR):
                pairs.append((ratio + (0.1 if fit else 0), name, alias))
    out: dict[str, list[str]] = {}
    used_fields: set[str] = set()
    used_keys: set[str] = set()
    for _ratio, name, alias in sorted(pairs, key=lambda p: -p[0]):
        if name in used_fields or alias in used_keys:
            continue
        used_fields.add(name)
        used_keys.add(alias)
        out.setdefault(f"fields.{level}.{name}.aliases", []).append(alias)
    return out


def header_alias(headers: Any, text: str) -> str | None:
    """A header text as an alias: in the form header matching reads it (住户数(户) → 住户数), a header in two
    dimensions as its path (居委会办公用房 > 面积(㎡) → 居委会办公用房 > 面积); None when nothing is left."""
    from kaohe.workbook.headers import PATH

    parts = [key for key in (headers.key(part) for part in PATH.split(text) if part.strip()) if key]
    return " > ".join(parts) if parts else None


def _generic(key: str, spellings_of: dict[tuple[str, str], list[str]]) -> bool:
    """A word in the names of two fields or more, and no whole name itself (面积, 人数, 社区): it would match
    columns of other fields once it is an alias."""
    holding = {field for field, spellings in spellings_of.items() if any(key in s for s in spellings)}
    whole = any(key in spellings for spellings in spellings_of.values())
    return len(holding) >= 2 and not whole


def _fits(fdef: FieldDef, held: dict[str, Any] | None) -> bool | None:
    """Whether a column's values fit a field: True (they do), None (they cannot be the field's), False (no
    evidence either way: judged by the header alone)."""
    if not held or not held.get("filled"):
        return False
    filled, numbers, yesno = int(held["filled"]), int(held["numbers"]), int(held["yesno"])
    if fdef.type in ("number", "integer"):
        if yesno * 2 > filled or numbers * 2 < filled:
            return None
        return True
    if fdef.type == "yesno":
        if numbers * 2 > filled:
            return None
        return yesno * 2 > filled
    return False


# ---- a run's findings as one patch ------------------------------------------------------------------------


@dataclass
class Patch:
    """What a run would add to the targets file: path → words, each with where it was seen."""

    words: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # path → word → places

    def add(self, path: str, word: str, where: str) -> None:
        places = self.words.setdefault(path, {}).setdefault(word, [])
        if where and where not in places:
            places.append(where)

    def __bool__(self) -> bool:
        return bool(self.words)


def _where(issue: Issue, held: dict[str, Any] | None = None) -> str:
    """Where a word was seen: file sheet!cell — for a header, its own cell and its first values (the evidence)."""
    at = held.get("cell") if held else None
    cell = f"{issue.sheet}!{at or issue.cell}" if issue.sheet and (at or issue.cell) else issue.cell or ""
    shown = " ".join(p for p in (issue.file or "", cell) if p)
    if held and held.get("values"):
        shown += f" ({'、'.join(str(v) for v in held['values'])}…)"
    return shown


def collect(targets: Targets, issues: Iterable[Issue]) -> Patch:
    """Every unknown word and header of a run's issues, placed in the targets file."""
    patch = Patch()
    known = _known_words(targets)
    tables: dict[tuple[Any, ...], tuple[Issue, list[str]]] = {}  # one table's missing fields, placed together
    for issue in issues:
        if issue.code == "vocabulary-gap":
            for path, words in issue.params.get("additions", {}).items():
                for word in words:
                    patch.add(path, word, _where(issue))
        elif issue.code == "invalid-choice" and "field" in issue.params:
            level, name = issue.params["field"]
            word = str(issue.params.get("value", "")).strip()
            if word and squash(word).casefold() not in known:
                patch.add(".".join(place_word(targets, level, name, word)), word, _where(issue))
        elif issue.code == "missing-column" and issue.params.get("unmatched") and "field" in issue.params:
            level, name = issue.params["field"]  # a table's missing fields are placed together (below)
            tables.setdefault((issue.file, issue.sheet, level, tuple(issue.params["unmatched"])), (issue, []))[1] \
                .append(name)
        elif issue.code == "table-unplaced" and issue.params.get("unmatched"):
            for level, name in issue.params.get("fields") or []:
                tables.setdefault((issue.file, issue.sheet, level, tuple(issue.params["unmatched"])),
                                  (issue, []))[1].append(name)
    if tables:
        from kaohe.workbook.headers import Headers

        headers = Headers(targets)
    for (_file, _sheet, level, texts), (issue, names) in tables.items():
        evidence = issue.params.get("evidence") or {}
        of_alias = {header_alias(headers, t): t for t in texts}
        for path, aliases in additions_for_headers(targets, level, names, list(texts), evidence).items():
            for alias in aliases:
                patch.add(path, alias, _where(issue, evidence.get(of_alias.get(alias, ""))))
    _one_field_each(patch)
    return patch


def _one_field_each(patch: Patch) -> None:
    """A header proposed for two fields (by two tables) is proposed for neither: it goes to the unsure part,
    for a person to place."""
    aliases: dict[str, list[str]] = {}
    for path, words in patch.words.items():
        if path.endswith(".aliases"):
            for word in words:
                aliases.setdefault(word, []).append(path)
    for word, paths in aliases.items():
        if len(paths) > 1:
            for path in paths:
                places = patch.words[path].pop(word)
                _, level, name, _ = path.split(".", 3)
                for place in places:
                    patch.add(".".join((UNSURE, level, name)), word, place)
                if not patch.words[path]:
                    del patch.words[path]


def _known_words(targets: Targets) -> set[str]:
    words = {squash(w).casefold() for ws in targets.yesno_words.values() for w in ws}
    for fdef in targets.all_fields():
        for value, spellings in (fdef.choices or {}).items():
            words |= {squash(s).casefold() for s in (value, *spellings)}
    return words


def render(patch: Patch, targets_name: str, source: str, lang: str = "zh") -> str:
    """The patch file: a YAML document a person reviews (deleting what is wrong) and then accepts."""
    tr = Translator(lang)
    lines = [
        "# " + tr("learn.patch_title", source=source, targets=targets_name),
        "# " + tr("learn.patch_review"),
        f"#   kaohe targets accept <this file> --targets {targets_name}",
        f"schema: {PATCH_SCHEMA}",
        "add:",
    ]
    sure = {p: w for p, w in patch.words.items() if not p.startswith(UNSURE)}
    unsure = {p: w for p, w in patch.words.items() if p.startswith(UNSURE)}
    for path, words in sorted(sure.items()):
        lines.append(f"  {path}: [{', '.join(_scalar(w) for w in words)}]")
        for word, places in words.items():
            lines.append(f"  # {word}: {_places(places, tr)}")
    if not sure:
        lines[-1] = "add: {}"
    for path, words in sorted(unsure.items()):
        _, level, name = path.split(".", 2)
        lines.append("# " + tr("learn.patch_unsure", field=f"fields.{level}.{name}"))
        for word, places in words.items():
            lines.append(f"#   {_scalar(word)}  — {_places(places, tr)}")
    return "\n".join(lines) + "\n"


def _places(places: list[str], tr: Translator) -> str:
    shown = tr("learn.patch_sep").join(places[:3])
    more = len(places) - 3
    return shown + tr("learn.patch_more", n=more) if more > 0 else shown


_PLAIN = re.compile(r"[^\s,\[\]{}:#'\"&*!|>%@`?-][^\s,\[\]{}:#'\"]*")


def _scalar(word: str) -> str:
    """A word as a YAML flow-list item: plain where YAML reads it back as the same text, else double-quoted."""
    if _PLAIN.fullmatch(word):
        try:
            if yaml.safe_load(word) == word:
                return word
        except yaml.YAMLError:
            pass
    return json.dumps(word, ensure_ascii=False)


# ---- accepting a patch into the targets file --------------------------------------------------------------


class PatchError(Exception):
    """A patch file kaohe will not apply; str() says why."""


def read_patch(text: str) -> dict[str, list[str]]:
    from kaohe.yamlsafe import YamlError, load_yaml

    try:
        data, _marks = load_yaml(text)
    except YamlError as exc:
        raise PatchError(str(exc)) from exc
    if not isinstance(data, dict) or data.get("schema") != PATCH_SCHEMA:
        raise PatchError(f"not a kaohe learn patch (schema: {PATCH_SCHEMA})")
    add = data.get("add") or {}
    if not isinstance(add, dict) or not all(isinstance(k, str) and isinstance(v, list) for k, v in add.items()):
        raise PatchError("`add` must map a dotted path to a list of words")
    return {path: [str(w) for w in words] for path, words in add.items()}


def accept(text: str, additions: dict[str, list[str]]) -> tuple[str, dict[str, list[str]]]:
    """The targets file's text with the words added to their lists (created where a field has no aliases
    yet), and what was actually added (words already there are left out)."""
    added: dict[str, list[str]] = {}
    for path, words in additions.items():
        segments = path.split(".")
        if segments[0] == UNSURE:
            continue
        if not (segments[:2] == ["vocabularies", "yesno"] and len(segments) == 3 and segments[2] in ("yes", "no")
                or segments[0] == "fields" and len(segments) == 4 and segments[3] == "aliases"
                or segments[0] == "fields" and len(segments) == 5 and segments[3] == "choices"):
            raise PatchError(f"{path}: kaohe only adds yes/no words, choice spellings and field aliases")
        text, new = _insert(text, segments, words)
        if new:
            added[path] = new
    return text, added


def _insert(text: str, segments: list[str], words: list[str]) -> tuple[str, list[str]]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node: Any = root
    for i, segment in enumerate(segments):
        if not isinstance(node, yaml.MappingNode):
            raise PatchError(f"{'.'.join(segments[:i])} is not a mapping")
        child = next((v for k, v in node.value if k.value == segment), None)
        if child is None:
            if segments[0] != "fields" or i != len(segments) - 1:
                raise PatchError(f"{'.'.join(segments[: i + 1])} is not in the targets file")
            return _new_key(text, node, segment, words), list(dict.fromkeys(words))
        node = child
    if not isinstance(node, yaml.SequenceNode):
        raise PatchError(f"{'.'.join(segments)} is not a list")
    have = {str(item.value) for item in node.value}
    new = [w for w in dict.fromkeys(words) if w not in have]
    if not new:
        return text, []
    items = ", ".join(_scalar(w) for w in new)
    if node.flow_style:
        end = node.end_mark.index - 1
        while end > 0 and text[end] != "]":
            end -= 1
        sep = ", " if node.value else ""
        return text[:end] + sep + items + text[end:], new
    indent = node.value[0].start_mark.column - 2 if node.value else node.start_mark.column
    at = _line_end(text, node.value[-1].end_mark.index if node.value else node.end_mark.index)
    block = "".join(f"{' ' * indent}- {_scalar(w)}\n" for w in new)
    return text[:at] + block + text[at:], new


def _new_key(text: str, mapping: yaml.MappingNode, key: str, words: list[str]) -> str:
    """`key: [words]` as the mapping's last key, at its keys' indentation."""
    if mapping.flow_style:
        raise PatchError(f"cannot add `{key}` to a mapping written on one line")
    indent = mapping.value[0][0].start_mark.column
    at = _line_end(text, mapping.value[-1][1].end_mark.index)
    line = f"{' ' * indent}{key}: [{', '.join(_scalar(w) for w in dict.fromkeys(words))}]\n"
    if at > 0 and text[at - 1] != "\n":
        line = "\n" + line
    return text[:at] + line + text[at:]


def _line_end(text: str, index: int) -> int:
    """The start of the line after the one `index` is on (a node's end mark may already be there)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1
