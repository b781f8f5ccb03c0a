"""Property-based tests: no cell value crashes the reader, and every layout of the template reads the same."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerks import COMMUNITY_COLUMNS, Style, write_workbook
from conftest import STREET, community
from kaohe.resources import DEFAULT_TARGETS, bundled
from kaohe.targets import load_targets
from kaohe.workbook import read_submission
from kaohe.workbook.cells import CellReader

TARGETS = load_targets(bundled(DEFAULT_TARGETS))
READER = CellReader(TARGETS)
FIELDS = sorted(TARGETS.fields.community.items()) + sorted(TARGETS.fields.street.items())

ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["约150", "150-200", "１５０．５", "1,200", " 是 ", "√", "#VALUE!", "Err:502", "=1+1", "\t",
                     "150㎡", "-0", "1e5", "0x10", "∞", "NaN", "是否", "", "  "]),
    st.dates(), st.datetimes(),
)

pytestmark = pytest.mark.slow  # the whole module: a wheel build / hundreds of generated cases


@settings(max_examples=400, deadline=None)
@given(field=st.sampled_from(FIELDS), raw=ANY_VALUE)
def test_any_value_in_any_field_parses_or_gives_exactly_one_issue(field, raw):
    _name, fdef = field
    parsed = READER.parse(fdef, raw)
    assert (parsed.code is None) != (parsed.value is None) or (parsed.code is None and fdef.type == "text")
    if parsed.code is not None:
        from kaohe.issues import CATALOG

        assert parsed.code in CATALOG


# what a cell can hold (no control characters: the xlsx format itself cannot store them)
CELL_TEXT = st.one_of(st.integers(min_value=-(10**9), max_value=10**9), st.floats(allow_nan=False,
                      allow_infinity=False, width=32), st.booleans(),
                      st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20), st.dates())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from([f for f in COMMUNITY_COLUMNS if f != "name"]), raw=CELL_TEXT)
def test_any_cell_in_a_real_workbook_yields_at_most_one_issue(field, raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = write_workbook(Path(tmp) / "x.xlsx", dict(STREET), [community("春晖社区", **{field: raw})])
        if isinstance(raw, str):  # typed text, never a formula
            wb = openpyxl.load_workbook(path)
            col = 2 + COMMUNITY_COLUMNS.index(field)  # A is 序号, B the name
            wb["社区情况"].cell(4, col).value = raw
            wb["社区情况"].cell(4, col).data_type = "s"
            wb.save(path)
        sub = read_submission(path, TARGETS)
    assert len(sub.issues) <= 1
    assert [c.name for c in sub.communities] == ["春晖社区"]
    if sub.issues:
        assert sub.issues[0].cell is not None and sub.issues[0].cell.endswith("4")
        assert sub.communities[0].values[field] is None


def _aliases(field: str) -> list[str]:
    fdef = TARGETS.fields.community[field]
    unit = TARGETS.units.get(fdef.unit or "")
    spellings = [fdef.label, *fdef.aliases]
    out = list(spellings)
    if unit:
        out += [f"{s}（{u}）" for s in spellings[:2] for u in unit.spellings[:3]]
    if fdef.type == "yesno":
        out += [f"是否{fdef.label}", f"{fdef.label}(有/无)", f"{fdef.label}\n(是/否)"]
    return out


YES_NO = [("是", "否"), ("有", "无"), ("√", "×"), ("✓", "✗"), ("Y", "N"), ("yes", "no"), ("达标", "未达标"),
          (True, False), (1, 0), (" 是", "否 ")]


@st.composite
def layouts(draw):  # noqa: ANN001, ANN201
    order = draw(st.permutations(COMMUNITY_COLUMNS))
    headers = {f: draw(st.sampled_from(_aliases(f))) for f in COMMUNITY_COLUMNS if f != "remark"}
    return Style(
        title_rows=draw(st.integers(0, 3)),
        instructions_sheet=draw(st.booleans()),
        community_sheet_first=draw(st.booleans()),
        two_row_header=draw(st.booleans()),
        column_numbers=draw(st.booleans()),
        order=list(order),
        serial=draw(st.booleans()),
        extra_columns=draw(st.lists(st.sampled_from(["人口", "联系电话", "网格数"]), unique=True, max_size=2)),
        headers=headers,
        yes_no=draw(st.sampled_from(YES_NO)),
        number_format=draw(st.sampled_from(["number", "text", "unit", "thousands", "fullwidth"])),
        blank_rows=draw(st.lists(st.integers(0, 3), unique=True, max_size=2)),
        total_row=draw(st.booleans()),
        signature=draw(st.booleans()),
        wps_dimension=draw(st.booleans()),
    )


EXPECTED = [community("春晖社区"), community("锦绣社区", room_area=120, safe=False, type="新村小区", households=2800),
            community("和平社区", culture_capacity=45, education_station=False, modern=False),
            community("幸福社区", office_area=1250, police_office=False)]


@settings(max_examples=150, deadline=None)
@given(style=layouts())
def test_random_layouts_read_to_the_same_communities(style):
    with tempfile.TemporaryDirectory() as tmp:
        path = write_workbook(Path(tmp) / "x.xlsx", dict(STREET), [dict(c) for c in EXPECTED], style)
        sub = read_submission(path, TARGETS)
    assert [i.code for i in sub.issues if i.code != "total-mismatch"] == []
    assert [c.name for c in sub.communities] == [c["name"] for c in EXPECTED]
    for got, want in zip(sub.communities, EXPECTED, strict=True):
        for field in COMMUNITY_COLUMNS[1:-1]:
            value = want[field]
            expected = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
            assert got.values[field] == expected, (field, style)
    assert sub.street is not None and sub.street.values["center_area"] == Decimal(1200)


def test_dates_are_not_numbers():
    parsed = READER.parse(TARGETS.fields.community["room_area"], dt.date(2005, 12, 20))
    assert parsed.code == "invalid-number" and "2005-12-20" in parsed.params["value"]
