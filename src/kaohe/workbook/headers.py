"""Header texts matched to the targets' fields by their labels and aliases, after normalising both.

Owned by the per-run reader (workbook.cells.CellReader) and by the roster reader: each text is folded
once per run, since the same headers recur in every workbook of a district.
"""

from __future__ import annotations

import re
from typing import Literal

from kaohe.periods import year_of
from kaohe.targets import Targets
from kaohe.text import header_key, squash

Level = Literal["street", "community"]
YEAR = r"(?:19|20)\d\d"  # what {year} of layout.period_forms stands for
PATH = re.compile(r"\s*[>＞›]\s*")  # between the parts of an alias given as a path (group > sub-header)
PREVIOUS = "previous"  # the year match() gives a header naming the period before (上年户数): never the one assessed


class Headers:
    """Normalised header text → field name, for one targets file."""

    def __init__(self, targets: Targets) -> None:
        spellings = {header_key(s) or squash(s) for u in targets.units.values() for s in u.spellings}
        spellings |= {squash(s) for u in targets.units.values() for s in u.spellings}
        self.unit_suffixes = tuple(sorted(spellings, key=len, reverse=True))
        self._prefixes = tuple(targets.layout.header_prefixes_to_drop)
        self._keys: dict[str, str] = {}
        self._lookups = {level: self._lookup(targets, level) for level in ("street", "community")}
        self._matches: dict[tuple[str, str], tuple[str, str | None] | None] = {}
        layout = targets.layout
        forms = sorted(layout.period_forms, key=len, reverse=True)
        years = "|".join(re.escape(squash(f).casefold()).replace(re.escape("{year}"), f"({YEAR})")
                         for f in forms) or "(?!)"
        self._year = re.compile(years)
        words = "|".join(re.escape(squash(w).casefold())
                         for w in sorted(layout.header_qualifiers, key=len, reverse=True)) or "(?!)"
        self._periods: dict[str, str | None] = {}
        # the year assessed (2005 of 2005, 2005-H1 …): the period a header should name
        self.period = year_of(targets.period)
        self.serial = {squash(w).casefold() for w in layout.serial_headers}
        self.unit_prefixes = tuple(squash(w).casefold() for w in layout.unit_prefixes)
        self._extra_chars = layout.header_extra_chars
        key_field = targets.key_field("community")
        self._contained = sorted(((alias, name) for alias, name in self._lookups["community"].items()
                                  if name != key_field and len(alias) >= 2), key=lambda an: -len(an[0]))
        self.previous = tuple(squash(w).casefold() for w in layout.previous_period_words)
        # a units row's words: the units' spellings, and yes/no hints such as 有/无 (_is_units_row)
        self.units_and_hints = (set(self.unit_suffixes), {squash(w).casefold() for words in
                                                          targets.yesno_words.values() for w in words})
        self._qualifier_edges = re.compile(rf"^(?:{words}|{years})+|(?:{words}|{years})+$")
        # qualified()'s cheap test: a qualifier word at either end, a digit at either end, a period form's end
        self._edge_words = tuple(squash(w).casefold() for w in layout.header_qualifiers) + tuple(
            squash(f.split("{year}")[1]).casefold() for f in layout.period_forms if f.split("{year}")[1])

    def lookup(self, level: Level) -> dict[str, str]:
        """Normalised header text → field name, for every label and alias of the level."""
        return self._lookups[level]

    def key(self, text: str) -> str:
        """The comparable core of a header text (remembered: the same headers recur in every workbook)."""
        found = self._keys.get(text)
        if found is None:  # a path typed in one cell (社区服务站 > 面积, as the targets file writes it) is the pair
            joined = "".join(PATH.split(text)) if PATH.search(text) else text
            found = self._keys[text] = header_key(joined, self._prefixes, self.unit_suffixes)
        return found

    def match(self, text: str, level: Level) -> tuple[str, str | None] | None:
        """(field, year) for a header text: its label or an alias, maybe with qualifiers around it — a period
        (2005年户数, 户数（2005年末）), 年末, 累计, 现有 …, units, brackets — and the year it names, if any."""
        found = self._matches.get((level, text), False)
        if found is not False:
            return found  # type: ignore[return-value]
        lookup = self._lookups[level]
        key = self.key(text)
        name = lookup.get(key)
        if name is None and key:
            core = self._qualifier_edges.sub("", key)
            if core and core != key:
                name = lookup.get(self.key(core))
            if name is None and level == "community":
                name = self._within(core or key)
        year = None
        if name is not None:
            folded = squash(text).casefold()
            m = self._year.search(folded)
            year = next((g for g in m.groups() if g), None) if m else None
            if year is None and folded.startswith(self.previous):
                year = PREVIOUS
        result = self._matches[(level, text)] = (name, year) if name is not None else None
        return result

    def _within(self, key: str) -> str | None:
        """The field whose label or alias a community header holds with a few words around it (是否建有社区警务室,
        安全文明社区创建情况, 常住户数): the longest one held, when no other field's is as long. Never the key
        field (社区 is in every header) and never for a long text (layout.header_extra_chars: a title or a note
        is no header)."""
        best: list[tuple[int, str]] = []
        for alias, name in self._contained:
            if alias in key and len(key) <= len(alias) + self._extra_chars:
                if not best or len(alias) > best[0][0]:
                    best = [(len(alias), name)]
                elif len(alias) == best[0][0]:
                    best.append((len(alias), name))
        names = {name for _, name in best}
        return names.pop() if len(names) == 1 else None

    def qualified(self, key: str) -> bool:
        """Whether a header key (key(), key_once()) starts or ends with a qualifier or a period: the only keys
        match() can find more for than the plain lookup (a cheap test for the many texts that are names)."""
        if not (key.startswith(self._edge_words) or key.endswith(self._edge_words) or key[:1].isdigit()
                or key[-1:].isdigit()):
            return False
        return self._qualifier_edges.search(key) is not None

    def period_of(self, text: str) -> str | None:
        """The year of a text that is only a period (2005年, 2004年末, （2005年度）), else None."""
        found = self._periods.get(text, False)
        if found is False:
            m = self._year.fullmatch(squash(text).casefold().strip("()[]"))
            found = self._periods[text] = next((g for g in m.groups() if g), None) if m else None
        return found  # type: ignore[return-value]

    def key_once(self, text: str) -> str:
        """key() without remembering, for texts seen once (community names)."""
        return header_key(text, self._prefixes, self.unit_suffixes)

    def _lookup(self, targets: Targets, level: str) -> dict[str, str]:
        defs = targets.fields.street if level == "street" else targets.fields.community
        lookup: dict[str, str] = {}
        for name, d in defs.items():
            for spelling in (d.label, *d.aliases):  # an alias may be a path: 社区服务站 > 面积 (group > sub-header)
                lookup.setdefault(self.key(spelling), name)
        return lookup
