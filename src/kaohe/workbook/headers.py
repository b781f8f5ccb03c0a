"""Header texts matched to the targets' fields by their labels and aliases, after normalising both.

Owned by the per-run reader (workbook.cells.CellReader) and by the roster reader: each text is folded
once per run, since the same headers recur in every workbook of a district.
"""

from __future__ import annotations

from typing import Literal

from kaohe.targets import Targets
from kaohe.text import header_key, squash

Level = Literal["street", "community"]


class Headers:
    """Normalised header text → field name, for one targets file."""

    def __init__(self, targets: Targets) -> None:
        spellings = {header_key(s) or squash(s) for u in targets.units.values() for s in u.spellings}
        spellings |= {squash(s) for u in targets.units.values() for s in u.spellings}
        self.unit_suffixes = tuple(sorted(spellings, key=len, reverse=True))
        self._prefixes = tuple(targets.layout.header_prefixes_to_drop)
        self._keys: dict[str, str] = {}
        self._lookups = {level: self._lookup(targets, level) for level in ("street", "community")}

    def lookup(self, level: Level) -> dict[str, str]:
        """Normalised header text → field name, for every label and alias of the level."""
        return self._lookups[level]

    def key(self, text: str) -> str:
        """The comparable core of a header text (remembered: the same headers recur in every workbook)."""
        found = self._keys.get(text)
        if found is None:
            found = self._keys[text] = header_key(text, self._prefixes, self.unit_suffixes)
        return found

    def key_once(self, text: str) -> str:
        """key() without remembering, for texts seen once (community names)."""
        return header_key(text, self._prefixes, self.unit_suffixes)

    def _lookup(self, targets: Targets, level: str) -> dict[str, str]:
        defs = targets.fields.street if level == "street" else targets.fields.community
        lookup: dict[str, str] = {}
        for name, d in defs.items():
            for spelling in (d.label, *d.aliases):
                lookup.setdefault(self.key(spelling), name)
        return lookup
