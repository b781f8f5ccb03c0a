"""Figures typed into a form, made into the workbook a clerk would have sent.

The desk's entry form (issue: fill in the browser) and any program that collects figures elsewhere hand
kaohe a mapping — the street's facts and one mapping per community — and get the submission template of the
targets file, filled: the same sheets, headers and order `kaohe template` writes, so that `kaohe check` and
`kaohe assess` read it exactly as they read a clerk's workbook (one place for the rules), and the desk keeps
it as a version like any upload.

Values are written as typed: a number typed is stored as a number, everything else as text ("约150", "有"),
for the reader to judge as it judges a clerk's cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kaohe.targets import Targets
from kaohe.words import Translator

STREET = "street"  # the key of the street's facts in a form's values (a community is keyed by its name)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def cell_value(text: Any) -> Any:
    """What a typed value is stored as: a plain number as a number, anything else as the text typed."""
    if text is None:
        return None
    if isinstance(text, bool | int | float):
        return text
    shown = str(text).strip()
    if not shown:
        return None
    if _NUMBER.match(shown):
        number = float(shown)
        return int(number) if number.is_integer() and "." not in shown else number
    return shown


def where(targets: Targets, street_field: str | None = None, row: int | None = None,
          community_field: str | None = None, tr: Translator | None = None) -> tuple[str, str]:
    """(sheet, cell) of a street fact, or of a community field in the `row`-th community (0-based), in the
    workbook `write_filled` writes: what ties a reader's issue back to a field of the form."""
    from openpyxl.utils import get_column_letter

    tr = tr or Translator("zh")
    if street_field is not None:
        return tr("tpl.sheet.street"), f"B{list(targets.fields.street).index(street_field) + 2}"
    assert row is not None and community_field is not None
    column = get_column_letter(list(targets.fields.community).index(community_field) + 2)
    return tr("tpl.sheet.communities"), f"{column}{row + 4}"


def write_filled(path: Path, targets: Targets, street: str, values: Mapping[str, Mapping[str, Any]],
                 communities: list[str], tr: Translator | None = None) -> Path:
    """The street's submission template with `values` in it: values[STREET] its facts, values[name] each
    community's fields, the communities in the order given. Written atomically."""
    from openpyxl import load_workbook

    from kaohe.atomic import atomic_path
    from kaohe.report.template import write_template

    tr = tr or Translator("zh")
    with atomic_path(path) as blank:
        write_template(blank, targets, street, max(len(communities), 1), tr)
        with open(blank, "rb") as fh:  # by handle: the temporary name has no .xlsx for openpyxl to see
            book = load_workbook(fh)
        facts = book[tr("tpl.sheet.street")]
        for r, (name, fdef) in enumerate(targets.fields.street.items(), start=2):
            if fdef.key:
                continue  # the street's name: written by the template
            value = cell_value(values.get(STREET, {}).get(name))
            if value is not None:
                _put(facts.cell(r, 2), value)
        table = book[tr("tpl.sheet.communities")]
        for i, community in enumerate(communities):
            row = values.get(community, {})
            for c, (name, fdef) in enumerate(targets.fields.community.items(), start=2):
                value = community if fdef.key else cell_value(row.get(name))
                if value is not None:
                    _put(table.cell(i + 4, c), value)
        book.save(blank)
    return path


def _put(cell: Any, value: Any) -> None:
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # "=1+1" typed stays text: a form never writes a formula


def form_fields(targets: Targets, tr: Translator) -> list[dict[str, Any]]:
    """The form's fields in the template's order: key, label, unit, choices, hint, scope (street/community),
    and whether it is the community's name."""
    from kaohe.report.template import hint_text

    out = []
    for scope, defs in (("street", targets.fields.street), ("community", targets.fields.community)):
        for key, fdef in defs.items():
            unit = targets.units.get(fdef.unit or "")
            out.append({"key": key, "label": tr.pick(fdef.label, fdef.label_en), "unit": unit.label if unit else None,
                        "choices": fdef.choices_list(targets) or None, "hint": hint_text(fdef, targets, tr),
                        "scope": scope, "name": fdef.key, "type": fdef.type})
    return out


def shown(value: Any, words: tuple[str, str] | None = None) -> str:
    """A read value as a form shows it: numbers without a needless .0, yes/no as the template's words."""
    from decimal import Decimal
    from fractions import Fraction

    if value is None:
        return ""
    if isinstance(value, bool):
        return (words or ("是", "否"))[0 if value else 1]
    if isinstance(value, Decimal | Fraction | float):
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:g}"
    return str(value)
