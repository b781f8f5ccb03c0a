"""Turn one raw cell into a typed value or exactly one finding, by the field's definition in the targets YAML."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from kaohe.targets import FieldDef, Targets
from kaohe.text import clean_name, squash
from kaohe.words import Ref

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(\D|$))")
_ERROR_VALUE = re.compile(r"^(#(NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!)|Err:\d{3})$",
                          re.IGNORECASE)


_HUGE = 10**15
MISS = object()  # a cell the fast column path leaves to the per-cell readers
_HAS_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Parsed:
    """A cell read for a field: `value` is None when it could not be read, and then `code` says why."""

    value: Any = None
    code: str | None = None
    params: dict[str, Any] | None = None


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def shown(raw: Any) -> str:
    """A raw cell as a clerk would recognise it in a message."""
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    elif isinstance(raw, dt.datetime | dt.date):
        text = raw.isoformat()
    else:
        text = str(raw).strip()
    return text if len(text) <= 40 else text[:39] + "…"


class CellReader:
    """Parses cells for one targets file; the vocabularies are folded once."""

    def __init__(self, targets: Targets) -> None:
        from kaohe.workbook.headers import Headers

        self.targets = targets
        self.headers = Headers(targets)
        self.quantum = Decimal(1).scaleb(-targets.compare_decimals)
        self.memo: dict[Any, Any] = {}  # text → street label match, for the whole run
        self.kinds: dict[str, Any] = {}  # text → whether it starts a 合计 row or a note, or is a street label
        self.names: dict[str, tuple[str, str]] = {}  # plain community name text → (name, duplicate key)
        self.run_cache: dict[str, Any] = {}  # patterns the table readers make once per run
        self._readers: dict[tuple[int, int], tuple[FieldDef, Callable[[Any], Any]]] = {}
        self._spellings: dict[str, tuple[str, ...]] = {}

    @cached_property
    def yesno(self) -> dict[str, bool]:
        vocab = self.targets.yesno_words
        out = {squash(w).casefold(): False for w in vocab.get("no", [])}
        out.update({squash(w).casefold(): True for w in vocab.get("yes", [])})
        return out

    def unit_spellings(self, fdef: FieldDef) -> tuple[str, ...]:
        """The field's unit as a figure may end with it (㎡, 平方米, m2 …), longest first; folded once a run."""
        found = self._spellings.get(fdef.unit or "")
        if found is None:
            unit = self.targets.units.get(fdef.unit or "")
            spellings = {squash(s).casefold() for s in unit.spellings} if unit else set()
            found = self._spellings[fdef.unit or ""] = tuple(sorted(spellings, key=len, reverse=True))
        return found

    def compile(self, fdef: FieldDef) -> Callable[[Any], Any]:
        """A reader for one field (made once per run): the value, or a Parsed with the issue code."""
        return self._compiled(fdef, 0)

    def compile_column(self, fdef: FieldDef) -> Callable[[list[Any]], list[Any]]:
        """A whole column at once (made once per run): the values, MISS where a cell needs a closer look."""
        return self._compiled(fdef, 1)

    def _compiled(self, fdef: FieldDef, kind: int) -> Callable[[Any], Any]:
        hit = self._readers.get((id(fdef), kind))
        if hit is None or hit[0] is not fdef:
            hit = self._readers[(id(fdef), kind)] = (fdef, self._column(fdef) if kind else self._cell(fdef))
        return hit[1]

    def _cell(self, fdef: FieldDef) -> Callable[[Any], Any]:
        """A reader for one field: returns the value, or a Parsed with the issue code.

        Cheap for the cells most workbooks hold: whole numbers as numbers, yes/no and choices spelled as in
        the YAML, names without spaces. Anything else goes through `parse`, which handles every spelling.
        """
        slow = self.parse

        def fallback(raw: Any) -> Any:
            parsed = slow(fdef, raw)
            return parsed if parsed.code is not None else parsed.value

        if fdef.type in ("number", "integer"):
            low, high = fdef.range or (-_HUGE, _HUGE)

            def number(raw: Any) -> Any:
                if type(raw) is float and raw.is_integer() or type(raw) is int:
                    value = int(raw)
                    if -_HUGE < value < _HUGE and low <= value <= high:
                        return value  # whole numbers stay ints: exact, and cheap to compare
                return fallback(raw)

            return number
        if fdef.type in ("yesno", "choice"):
            exact = self._exact(fdef)

            def choice(raw: Any) -> Any:
                if type(raw) is str:
                    found = exact.get(raw)
                    if found is not None:
                        return found
                elif type(raw) is bool and fdef.type == "yesno":
                    return raw
                return fallback(raw)

            return choice

        def text(raw: Any) -> Any:
            if type(raw) is str and raw and raw[0] not in "#E \u3000" and not _HAS_SPACE.search(raw):
                return raw
            return fallback(raw)

        return text

    def _column(self, fdef: FieldDef) -> Callable[[list[Any]], list[Any]]:
        """A whole column at once: the value where a cell takes the fast path, MISS where it needs a closer look.

        One comprehension per column instead of a call per cell; the MISS cells then go through `compile`.
        """
        if fdef.type in ("number", "integer"):
            low, high = fdef.range or (-_HUGE, _HUGE)
            # whole-number bounds compare exactly with ints and floats alike; others go the per-cell way
            lo = max(int(low), -_HUGE) if low == int(low) else _HUGE
            hi = min(int(high), _HUGE) if high == int(high) else -_HUGE

            def numbers(cells: list[Any]) -> list[Any]:
                return [int(v) if (type(v) is float and v.is_integer() or type(v) is int) and lo <= v <= hi
                        else MISS for v in cells]

            return numbers
        if fdef.type in ("yesno", "choice"):
            exact = self._exact(fdef)
            return lambda cells: [exact.get(v, MISS) if type(v) is str else MISS for v in cells]

        def texts(cells: list[Any]) -> list[Any]:
            return [v if type(v) is str and v and v[0] not in "#E \u3000" and not _HAS_SPACE.search(v) else MISS
                    for v in cells]

        return texts

    def _exact(self, fdef: FieldDef) -> dict[str, Any]:
        exact: dict[str, Any] = {}
        if fdef.type == "yesno":
            vocab = self.targets.yesno_words
            exact.update({w: False for w in vocab.get("no", [])})
            exact.update({w: True for w in vocab.get("yes", [])})
        else:
            for value, spellings in (fdef.choices or {}).items():
                exact.update({s: value for s in (value, *spellings)})
        return exact

    def parse(self, fdef: FieldDef, raw: Any) -> Parsed:
        """The typed value of `raw` for `fdef`; blank cells are the caller's (it can ask the sheet why)."""
        if isinstance(raw, str) and _ERROR_VALUE.match(raw.strip()):
            return Parsed(code="excel-error", params={"value": raw.strip()})
        if fdef.type in ("number", "integer"):
            return self._number(fdef, raw)
        if fdef.type == "yesno":
            return self._yesno(fdef, raw)
        if fdef.type == "choice":
            return self._choice(fdef, raw)
        if isinstance(raw, float) and raw.is_integer():
            return Parsed(str(int(raw)))
        return Parsed(clean_name(str(raw)))

    def _number(self, fdef: FieldDef, raw: Any) -> Parsed:
        def bad() -> Parsed:
            expected = Ref("expected.integer" if fdef.type == "integer" else "expected.number")
            return Parsed(code="invalid-number", params={"value": shown(raw), "expected": expected})

        if isinstance(raw, bool):
            return bad()
        if isinstance(raw, int | float):
            # Fast path: most cells already are numbers. repr() keeps a float's exact shortest digits.
            if raw != raw or raw in (float("inf"), float("-inf")):
                return bad()
            value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        elif isinstance(raw, str):
            text = squash(raw).casefold()
            if "," in text:
                text = _THOUSANDS.sub("", text)
            spellings = self.unit_spellings(fdef)
            if spellings and text.endswith(spellings):
                for spelling in spellings:
                    if text.endswith(spelling) and len(text) > len(spelling):
                        text = text[: -len(spelling)]
                        break
            if not _NUMBER.match(text):
                return bad()
            try:
                value = Decimal(text)
            except InvalidOperation:
                return bad()
        else:
            return bad()
        if abs(value) >= _HUGE:  # beyond any plausible figure, and beyond what quantize can hold exactly
            if fdef.range is not None:
                low, high = fdef.range
                return Parsed(code="out-of-range", params={"value": shown(raw), "low": low, "high": high})
            return bad()
        rounded = value.quantize(self.quantum, rounding=ROUND_HALF_UP)
        if fdef.type == "integer":
            if rounded != rounded.to_integral_value():
                return bad()
            rounded = rounded.quantize(Decimal(1))
        if fdef.range is not None and not fdef.range[0] <= rounded <= fdef.range[1]:
            low, high = fdef.range
            return Parsed(code="out-of-range", params={"value": shown(raw), "low": low, "high": high})
        return Parsed(rounded)

    def _yesno(self, fdef: FieldDef, raw: Any) -> Parsed:
        if isinstance(raw, bool):
            return Parsed(raw)
        key = shown(raw) if isinstance(raw, int | float) else squash(str(raw))
        found = self.yesno.get(key.casefold())
        if found is None:
            return Parsed(code="invalid-choice",
                          params={"value": shown(raw), "choices": "/".join(fdef.choices_list(self.targets))})
        return Parsed(found)

    def _choice(self, fdef: FieldDef, raw: Any) -> Parsed:
        key = squash(shown(raw)).casefold()
        assert fdef.choices is not None
        for value, spellings in fdef.choices.items():
            if key in {squash(s).casefold() for s in (value, *spellings)}:
                return Parsed(value)
        return Parsed(code="invalid-choice", params={"value": shown(raw), "choices": "/".join(fdef.choices)})
