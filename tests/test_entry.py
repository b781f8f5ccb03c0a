"""Figures typed into a form become the workbook a clerk would send, and read back exactly (kaohe.entry)."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe import api
from kaohe.entry import STREET, where, write_filled

TARGETS = api.load_targets()


def field_values(defs: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid typed values for each field, the edges of every rule included."""
    out: dict[str, st.SearchStrategy[Any]] = {}
    for key, fdef in defs.items():
        if fdef.key:
            continue
        if fdef.type in ("number", "integer"):
            low, high = (int(fdef.range[0]), int(fdef.range[1])) if fdef.range else (0, 10**6)
            whole = st.one_of(st.sampled_from([low, high, low + 1, high - 1]), st.integers(low, high))
            if fdef.type == "number":
                halves = st.integers(low * 2, high * 2).map(lambda n: n / 2)
                out[key] = st.one_of(whole, halves).map(lambda n: f"{n:g}" if isinstance(n, float) else str(n))
            else:
                out[key] = whole.map(str)
        elif fdef.type in ("yesno", "choice"):
            out[key] = st.sampled_from(fdef.choices_list(TARGETS))
        else:
            out[key] = st.text(alphabet="社区备注说明一二三ABC123", min_size=0, max_size=12)
    return st.fixed_dictionaries(out)


names = st.lists(st.text(alphabet="东西南北中华明光新春和平安康乐", min_size=2, max_size=5).map(lambda s: s + "社区"),
                 min_size=1, max_size=6, unique=True)


@settings(max_examples=25, deadline=None)
@given(street=field_values(TARGETS.fields.street), communities=names, data=st.data())
def test_a_filled_form_reads_back_through_kaohe_check_with_the_same_values(street: dict[str, str],
                                                                            communities: list[str],
                                                                            data: st.DataObject) -> None:
    rows = {name: data.draw(field_values(TARGETS.fields.community)) for name in communities}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_filled(Path(tmp) / "东风街道.xlsx", TARGETS, "东风街道", {STREET: street, **rows}, communities)
        report = api.check(path)
    sub = report.intake.streets[0].submission  # type: ignore[union-attr]
    assert sub is not None and sub.street is not None
    assert not [i for i in report.issues if i.severity == "error"], [i.message() for i in report.issues]

    def same(fdef: Any, typed: str, read: Any) -> None:
        if fdef.type in ("number", "integer"):
            assert Decimal(str(read)) == Decimal(typed), (fdef.label, typed, read)
        elif fdef.type == "yesno":
            assert read is (typed == fdef.choices_list(TARGETS)[0]), (fdef.label, typed, read)
        elif fdef.type == "choice":
            assert read == typed, (fdef.label, typed, read)
        else:
            assert (read or "") == typed.strip(), (fdef.label, typed, read)

    for key, typed in street.items():
        same(TARGETS.fields.street[key], typed, sub.street.values.get(key))
    assert [u.name for u in sub.communities] == communities
    for unit in sub.communities:
        for key, typed in rows[unit.name].items():
            same(TARGETS.fields.community[key], typed, unit.values.get(key))


def test_a_value_out_of_its_range_is_an_issue_at_the_cell_where_returns() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_filled(Path(tmp) / "东风街道.xlsx", TARGETS, "东风街道",
                            {STREET: {"center_area": "1200", "service_projects": "12", "demo_street": "是"},
                             "朝阳社区": {"households": "0", "room_area": "=1+1"}}, ["朝阳社区"])
        report = api.check(path)
    cells = {(i.sheet, i.cell) for i in report.issues if i.severity == "error"}
    assert where(TARGETS, row=0, community_field="households") in cells
    assert where(TARGETS, row=0, community_field="room_area") in cells  # a formula typed is text, not run
