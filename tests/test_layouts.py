"""Layouts nobody listed: read by principle (tables by content wherever they are, headers by meaning, office
words), and what no principle covers taught once with `kaohe targets learn` / `accept`.

Every workbook here is written by tests/layouts.py from plain data, and what it must score is computed from
those data alone (scoring.Scorer on Units made from them), never from reading a workbook.
"""

from __future__ import annotations

import random
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerks import COMMUNITY_COLUMNS
from conftest import soffice_convert
from kaohe import api
from kaohe.model import Submission, Unit
from kaohe.resources import DEFAULT_TARGETS, bundled
from kaohe.scoring import Scorer
from kaohe.targets import load_targets
from kaohe.workbook import read_submission
from layouts import (
    FACTS,
    PART_NAMES,
    QUALIFIERS,
    WORD_PAIRS,
    Layout,
    expected_issues,
    random_data,
    random_layout,
    write_layout,
)

TARGETS = load_targets(bundled(DEFAULT_TARGETS))
SCORER = Scorer(TARGETS)


def reference(street: dict, communities: list[dict]) -> Decimal:
    """The street's score from the generator's own data: no workbook involved."""
    sub = Submission("data", Unit(street["name"], {k: v for k, v in street.items() if k != "name"}),
                     tuple(Unit(c["name"], {k: v for k, v in c.items() if k != "name"}) for c in communities), [])
    return SCORER.rounded(SCORER.judge_street(street["name"], sub).total)


def scored(path: Path) -> tuple[Decimal | None, Submission]:
    sub = read_submission(path, TARGETS)
    if sub.street is None or not sub.street.name:
        return None, sub
    return SCORER.rounded(SCORER.judge_street(sub.street.name, sub).total), sub


def assert_reads_as_data(path: Path, lay: Layout, street: dict, communities: list[dict]) -> Submission:
    got, sub = scored(path)
    assert sub.street is not None and sub.street.name == street["name"]
    assert list(sub.communities.names if hasattr(sub.communities, "names") else []) == [c["name"] for c in communities]
    for key in ("center_area", "service_projects", "demo_street"):
        assert sub.street.values[key] == street[key], key
    for unit, data in zip(sub.communities, communities, strict=True):
        for key in ("households", "room_area", "office_area", "culture_capacity", "safe", "education_station"):
            assert unit.values[key] == data[key], (unit.name, key)
    assert got == reference(street, communities)
    assert {i.code for i in sub.issues} == expected_issues(lay), [i.message() for i in sub.issues]
    return sub


def _data(seed: int = 1, n: int = 11) -> tuple[dict, list[dict]]:
    return random_data(random.Random(seed), n)


# ---- 1. tables by content, wherever they are ----------------------------------------------------------------

@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize("facts", ["sheet", "above", "left"])
def test_a_table_continued_over_sheets_is_one_table(tmp_path, parts, facts):
    street, communities = _data(parts, 13)
    lay = Layout(parts=parts, facts=facts, total=True)
    sub = assert_reads_as_data(write_layout(tmp_path / "东风街道.xlsx", street, communities, lay), lay, street,
                               communities)
    # every figure is cited at its own sheet and cell
    sheets = [u.sheet for u in sub.communities]
    assert sheets[0] == PART_NAMES[0] and sheets[-1] == PART_NAMES[parts - 1]
    assert sorted(set(sheets)) == sorted(PART_NAMES[:parts])
    assert sub.rows.read == 13 and sub.rows.totals == 1
    continued = next(i for i in sub.issues if i.code == "table-continued")
    assert all(name in continued.message() for name in PART_NAMES[:parts])


def test_a_community_on_two_sheets_is_a_duplicate_named_with_its_first_sheet(tmp_path):
    street, communities = _data(3, 8)
    communities[6]["name"] = communities[1]["name"]
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(parts=2))
    sub = read_submission(path, TARGETS)
    dupes = [i for i in sub.issues if i.code == "duplicate-community"]
    assert len(dupes) == 1 and dupes[0].sheet == PART_NAMES[1]
    assert f"“{PART_NAMES[0]}”第" in dupes[0].message("zh") and PART_NAMES[0] in dupes[0].message("en")
    assert len(sub.communities) == 7 and sub.rows.rejected == 1


def test_a_copy_of_the_table_and_a_hidden_one_are_named_not_read(tmp_path):
    street, communities = _data(4, 6)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    wb.copy_worksheet(wb["社区情况"]).title = "社区情况(备份)"
    hidden = wb.copy_worksheet(wb["社区情况"])
    hidden.title = "上年"
    hidden.sheet_state = "hidden"
    hidden.cell(4, 2).value = "只在上年的社区"
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert sorted((i.code, i.params.get("other", i.params.get("sheets"))) for i in sub.issues) == [
        ("other-period-sheets", "“上年”"), ("second-table", "社区情况(备份)")]  # 上年: last year's, by its name
    assert len(sub.communities) == 6


@pytest.mark.parametrize("how", ["name", "title"])
@pytest.mark.parametrize("facts", ["sheet", "above", "right"])
def test_last_years_sheet_beside_this_years_is_named_and_never_read(tmp_path, how, facts):
    """A 2004年 sheet first and the 2005 one after it (or a copied sheet titled …（2004年度）), every figure
    other: the street is scored on the period's figures alone, never on last year's, and never told to delete
    any; the 2004 sheet is one warning. Were it read first, every score here would differ."""
    street, communities = _data(31, 7)
    lay = Layout(facts=facts, last_year=how)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, lay)
    assert openpyxl.load_workbook(path).sheetnames[0] in ("2004年社区情况", "社区情况 (2)")
    sub = assert_reads_as_data(path, lay, street, communities)
    said = next(i for i in sub.issues if i.code == "other-period-sheets")
    assert "2004" in said.message("zh") and "2004" in said.message("en") and said.severity == "warning"
    assert not [i for i in sub.issues if "删" in i.hint("zh")]


@pytest.mark.parametrize("lay", [Layout(grid=True), Layout(grid=True, units_row=True, qualifier="year"),
                                 Layout(grid=True, facts="right", parts=2, serial=False),
                                 Layout(grid=True, facts="above", qualifier="year-end", decoy=True)],
                         ids=["plain", "units-year", "right-parts", "above-decoy"])
def test_headers_in_two_dimensions_are_read_as_paths(tmp_path, lay):
    """社区服务站 merged over 面积 | 是否建立, 文化室 over 可容纳人数, every other header merged down both rows: the
    field is the pair (社区服务站 › 面积 is the room area, by the bundled path alias), not the bare sub-header
    (面积 alone names no field; 是否建立 is none of the targets'), and no column is missing."""
    street, communities = _data(41, 8)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, lay)
    ws = next(ws for ws in openpyxl.load_workbook(path).worksheets if ws.title.startswith("社区情况"))
    assert len(ws.merged_cells.ranges) >= 10  # the merges are real: every plain header down two rows, a group across
    sub = assert_reads_as_data(path, lay, street, communities)
    assert sub.rows.headers == int(lay.units_row)


def test_a_workbook_whose_only_table_names_another_year_is_read_and_said(tmp_path):
    """Nothing of the period to read instead: the 2004年 sheet is read (as today), and said."""
    street, communities = _data(32, 5)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    wb["社区情况"].title = "2004年"
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert len(sub.communities) == 5
    said = [i for i in sub.issues if i.code == "sheet-other-period"]
    assert len(said) == 1 and said[0].sheet == "2004年" and "2004" in said[0].message("zh")


def test_a_continuation_without_its_header_is_warned_not_guessed(tmp_path):
    street, communities = _data(5, 10)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(parts=2))
    wb = openpyxl.load_workbook(path)
    ws = wb[PART_NAMES[1]]
    ws.delete_rows(1, 2)  # the title and the header: rows alone
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert [i.code for i in sub.issues] == ["table-maybe-continued"]
    assert sub.issues[0].sheet == PART_NAMES[1] and "5 行" in sub.issues[0].message()
    assert len(sub.communities) == 5  # read: the headed half; the rest named, not guessed


@pytest.mark.parametrize("facts", FACTS)
def test_street_facts_are_found_wherever_they_stand(tmp_path, facts):
    street, communities = _data(6, 9)
    lay = Layout(facts=facts, serial=facts != "left")
    assert_reads_as_data(write_layout(tmp_path / "东风街道.xlsx", street, communities, lay), lay, street,
                         communities)


@pytest.mark.parametrize("words", WORD_PAIRS[:4])
def test_facts_beside_the_table_leave_every_community_row_whole(tmp_path, words):
    """Labels left of the table on the same rows once made those rows notes: half the street vanished."""
    street, communities = _data(7, 4)
    lay = Layout(facts="left", words=words)
    assert_reads_as_data(write_layout(tmp_path / "东风街道.xlsx", street, communities, lay), lay, street,
                         communities)


# ---- 2. headers by meaning -----------------------------------------------------------------------------------

@pytest.mark.parametrize("qualifier", QUALIFIERS)
@pytest.mark.parametrize("units_row", [False, True])
def test_qualified_headers_and_units_rows(tmp_path, qualifier, units_row):
    street, communities = _data(8, 7)
    lay = Layout(qualifier=qualifier, units_row=units_row)
    sub = assert_reads_as_data(write_layout(tmp_path / "东风街道.xlsx", street, communities, lay), lay, street,
                               communities)
    assert sub.rows.headers == int(units_row) and sub.rows.rejected == 0


@pytest.mark.parametrize("qualifier", ["", "year", "year-bracket"])
def test_the_assessed_periods_column_wins_with_a_warning_naming_both(tmp_path, qualifier):
    street, communities = _data(9, 6)
    lay = Layout(qualifier=qualifier, decoy=True)
    sub = assert_reads_as_data(write_layout(tmp_path / "东风街道.xlsx", street, communities, lay), lay, street,
                               communities)
    warning = next(i for i in sub.issues if i.code == "header-period-choice")
    assert "2004年户数" in warning.message() and "户数" in warning.message() and "2005" in warning.message()


def test_a_column_of_another_period_alone_is_read_with_a_warning(tmp_path):
    street, communities = _data(10, 5)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(qualifier="year", period="2004"))
    sub = read_submission(path, TARGETS)  # the bundled targets assess 2005
    assert sorted({i.code for i in sub.issues}) == ["header-other-period"]
    assert {i.params["year"] for i in sub.issues} == {"2004"}
    assert [u.values["households"] for u in sub.communities] == [c["households"] for c in communities]


def test_a_units_row_repeated_on_a_second_page_is_not_a_community(tmp_path):
    street, communities = _data(11, 8)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(units_row=True))
    wb = openpyxl.load_workbook(path)
    ws = wb["社区情况"]
    ws.insert_rows(8, 2)
    for c in range(1, ws.max_column + 1):  # the header and the units again, as a printed second page has them
        ws.cell(8, c).value = ws.cell(2, c).value
        ws.cell(9, c).value = ws.cell(3, c).value
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert sub.issues == [] and len(sub.communities) == 8 and sub.rows.headers == 3


# ---- 3. office words -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("words", WORD_PAIRS)
def test_unambiguous_office_yes_no_words_are_read(tmp_path, words):
    street, communities = _data(12, 9)
    lay = Layout(words=words)
    assert_reads_as_data(write_layout(tmp_path / "东风街道.xlsx", street, communities, lay), lay, street,
                         communities)


# ---- every class above, as LibreOffice saves it for an office using .xls -------------------------------------

@pytest.mark.soffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_every_layout_class_reads_the_same_once_resaved_as_xls(tmp_path, fmt):
    cases = [Layout(parts=2, facts="above"), Layout(parts=3, facts="right", total=True),
             Layout(facts="left", qualifier="year-bracket", units_row=True), Layout(facts="below", decoy=True),
             Layout(facts="label-above", qualifier="year", words=("☑", "☐")),
             Layout(qualifier="current", words=("\u3000已建\u3000", "\u3000未建\u3000"), serial=False),
             Layout(last_year="name"), Layout(facts="above", last_year="title", hidden=2),
             Layout(grid=True, units_row=True), Layout(grid=True, facts="left", qualifier="year"),
             Layout(hidden_decoy=True, decoy=True), Layout(split=True, facts="right", grid=True)]
    made = []
    for i, lay in enumerate(cases):
        street, communities = _data(20 + i, 10)
        made.append((write_layout(tmp_path / "xlsx" / f"街道{i}.xlsx", street, communities, lay), lay, street,
                     communities))
    resaved = soffice_convert([m[0] for m in made], fmt, tmp_path / fmt)
    for (_xlsx, lay, street, communities), again in zip(made, resaved, strict=True):
        assert again.read_bytes()[:4] == (b"\xd0\xcf\x11\xe0" if fmt == "xls" else b"PK\x03\x04")  # BIFF8, ODF
        assert_reads_as_data(again, lay, street, communities)


# ---- 4. teach once: learn → review → accept → a clean run ------------------------------------------------------

def _district_with_unknown_words(folder: Path) -> None:
    """Three streets: one writes 已完成/未完成 and heads households 居民户总数, one ✓/✗ (known), one 具备/不具备."""
    for i, (words, households) in enumerate([(("已完成", "未完成"), "居民户总数"), (("✓", "✗"), "户数"),
                                             (("具备", "不具备"), "户数")]):
        street, communities = random_data(random.Random(40 + i), 6, name=["东风街道", "和平街道", "红旗乡"][i])
        path = write_layout(folder / f"{street['name']}.xlsx", street, communities, Layout(words=words))
        if households != "户数":
            wb = openpyxl.load_workbook(path)
            ws = wb["社区情况"]
            for cell in ws[2]:
                if cell.value == "户数(户)":
                    cell.value = f"{households}(户)"
            wb.save(path)


def test_learn_accept_round_trip_makes_an_unfamiliar_district_read_cleanly(tmp_path):
    subs = tmp_path / "报送表"
    _district_with_unknown_words(subs)
    targets = tmp_path / "2005.yaml"
    shutil.copy(bundled(DEFAULT_TARGETS), targets)
    original = targets.read_text(encoding="utf-8")

    before = api.assess(subs, targets=targets)
    codes = {i.code for i in before.issues}
    assert {"vocabulary-gap", "missing-column"} <= codes

    text, count = api.learn(subs, targets=targets)
    assert count >= 5
    assert "vocabularies.yesno.yes: [已完成, 具备]" in text or "vocabularies.yesno.yes: [具备, 已完成]" in text
    assert "未完成" in text and "不具备" in text and "fields.community.households.aliases: [居民户总数]" in text
    assert "东风街道.xlsx 社区情况!" in text  # where each word was seen, for the person who reviews it
    patch = tmp_path / "learned.yaml"
    patch.write_text(text, encoding="utf-8")

    written, kept, added = api.accept_learned(patch, targets)
    assert written == targets and kept is not None and kept.read_text(encoding="utf-8") == original
    assert added["fields.community.households.aliases"] == ["居民户总数"]
    new = targets.read_text(encoding="utf-8")
    # a text edit, not a re-dump: take the inserted words out again and it is the bureau's file, byte for byte
    assert set(added) == {"fields.community.households.aliases", "vocabularies.yesno.yes", "vocabularies.yesno.no"}
    undone = new
    for words in added.values():
        assert undone.count(", " + ", ".join(words) + "]") == 1
        undone = undone.replace(", " + ", ".join(words) + "]", "]")
    assert undone == original

    after = api.assess(subs, targets=targets)
    assert [i.code for i in after.issues if i.code != "no-roster"] == []
    assert [s.score for s in after.streets] == [s.score for s in api.assess(subs, targets=targets).streets]
    by_name = {s.name: s.score for s in after.streets}
    for i, name in enumerate(["东风街道", "和平街道", "红旗乡"]):
        street, communities = random_data(random.Random(40 + i), 6, name=name)
        assert by_name[name] == reference(street, communities)
    # accepting again adds nothing and changes nothing
    again = api.accept_learned(patch, targets, tmp_path / "again.yaml")
    assert again[2] == {} and (tmp_path / "again.yaml").read_text(encoding="utf-8") == new


def _header_cell(ws, text: str):
    return next(c for row in ws.iter_rows(max_row=6) for c in row if c.value == text)


def test_learn_judges_headers_by_their_values_never_proposes_a_generic_word_nor_one_header_for_two_fields(tmp_path):
    """Three streets heading the office area in their own ways: 居委会办公室面积 beside a yes/no column
    办公服务用房是否达标 (more alike to the field's name, but its values are 是/否); 居委会办公用房 merged over 面积
    (the path is proposed, never the bare 面积); and 用房面积 beside 服务用房建筑面积 where both areas are missing
    (the first a word in both fields' names: proposed for neither; the second alike to both: proposed for one).
    Accepting the proposals reads the first two streets exactly."""
    subs = tmp_path / "报送表"
    names = ["东风街道", "和平街道", "红旗乡"]
    data = [random_data(random.Random(60 + i), 6, name=name) for i, name in enumerate(names)]
    paths = []
    for (street, communities), lay in zip(data, [Layout(), Layout(grid=True), Layout()], strict=True):
        path = write_layout(subs / f"{street['name']}.xlsx", street, communities, lay)
        paths.append(path)
    wb = openpyxl.load_workbook(paths[0])  # 居委会办公室面积, and a yes/no column after the last
    ws = wb["社区情况"]
    cell = _header_cell(ws, "办公和服务用房面积(平方米)")
    cell.value = "居委会办公室面积(㎡)"
    last = ws.max_column + 1
    ws.cell(cell.row, last, "办公服务用房是否达标")
    for r in range(cell.row + 1, cell.row + 7):
        ws.cell(r, last, "是" if r % 2 else "否")
    wb.save(paths[0])
    wb = openpyxl.load_workbook(paths[1])  # 居委会办公用房 over 面积(㎡)
    ws = wb["社区情况"]
    cell = _header_cell(ws, "办公和服务用房面积(平方米)")
    ws.unmerge_cells(start_row=cell.row, start_column=cell.column, end_row=cell.row + 1, end_column=cell.column)
    ws.cell(cell.row, cell.column, "居委会办公用房")
    ws.cell(cell.row + 1, cell.column, "面积(㎡)")
    wb.save(paths[1])
    wb = openpyxl.load_workbook(paths[2])  # 用房面积 for both areas: one header left as it is, the other gone
    ws = wb["社区情况"]
    _header_cell(ws, "办公和服务用房面积(平方米)").value = "用房面积(㎡)"
    _header_cell(ws, "服务站服务用房面积(㎡)").value = "服务用房建筑面积(㎡)"
    wb.save(paths[2])

    targets = tmp_path / "2005.yaml"
    shutil.copy(bundled(DEFAULT_TARGETS), targets)
    text, _count = api.learn(subs, targets=targets)
    proposed = {line.split(":")[0].strip(): line for line in text.splitlines() if line.startswith("  fields.")}
    assert proposed["fields.community.office_area.aliases"].endswith(
        ('[居委会办公室面积, "居委会办公用房 > 面积"]', '["居委会办公用房 > 面积", 居委会办公室面积]')), text
    assert "是否达标" not in proposed["fields.community.office_area.aliases"]
    assert "用房面积]" not in text and "[面积" not in text and ", 面积" not in text  # no generic word, anywhere
    assert sum(line.count("服务用房建筑面积") for line in proposed.values()) == 1  # alike to both areas: one field
    assert "社区情况!" in text and "(" in text  # each proposal with its header cell and first values
    patch = tmp_path / "learned.yaml"
    patch.write_text(text, encoding="utf-8")
    api.accept_learned(patch, targets)
    after = {s.name: s.score for s in api.assess(subs, targets=targets).streets}
    for street, communities in data[:2]:
        assert after[street["name"]] == reference(street, communities)


def test_a_patch_that_would_break_the_targets_file_is_refused_and_nothing_changes(tmp_path):
    targets = tmp_path / "2005.yaml"
    shutil.copy(bundled(DEFAULT_TARGETS), targets)
    before = targets.read_bytes()
    patch = tmp_path / "bad.yaml"
    patch.write_text("schema: kaohe.learn/1\nadd:\n  fields.community.nosuch.aliases: [x]\n", encoding="utf-8")
    with pytest.raises(api.KaoheError):
        api.accept_learned(patch, targets)
    patch.write_text("schema: kaohe.learn/1\nadd:\n  grades: [x]\n", encoding="utf-8")
    with pytest.raises(api.KaoheError):
        api.accept_learned(patch, targets)
    assert targets.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["2005.yaml", "bad.yaml"]


def test_cli_learn_and_suggest(tmp_path):
    from typer.testing import CliRunner

    from kaohe.cli import app

    subs = tmp_path / "报送表"
    _district_with_unknown_words(subs)
    runner = CliRunner()
    result = runner.invoke(app, ["targets", "learn", str(subs), "--out", str(tmp_path / "p.yaml")])
    assert result.exit_code == 0, result.output
    assert "kaohe targets accept" in (tmp_path / "p.yaml").read_text(encoding="utf-8")
    again = runner.invoke(app, ["targets", "learn", str(subs), "--out", str(tmp_path / "p.yaml")])
    assert again.exit_code == 1 and "--force" in again.stderr  # nothing overwritten
    suggest = runner.invoke(app, ["assess", str(subs), "--suggest"])
    assert "vocabularies.yesno.no:" in suggest.stdout and "居民户总数" in suggest.stdout
    as_json = runner.invoke(app, ["assess", str(subs), "--suggest", "--format", "json"])
    import json

    json.loads(as_json.stdout)  # the patch goes beside the JSON, not into it
    assert "居民户总数" in as_json.stderr


# ---- 5. never half a street silently -----------------------------------------------------------------------

def test_a_community_count_far_from_last_periods_is_warned(tmp_path):
    subs = tmp_path / "报送表"
    street, communities = _data(50, 12)
    write_layout(subs / "东风街道.xlsx", street, communities, Layout())
    history = tmp_path / "h.sqlite"
    api.History(history).record(api.assess(subs, period="2004"))
    write_layout(subs / "东风街道.xlsx", street, communities[:6], Layout())  # half the table
    report = api.count_check(api.assess(subs), history)
    warned = [i for i in report.issues if i.code == "community-count-changed"]
    assert len(warned) == 1 and warned[0].street == "东风街道"
    assert "6" in warned[0].message() and "12" in warned[0].message() and "2004" in warned[0].message()
    write_layout(subs / "东风街道.xlsx", street, communities[:11], Layout())  # within 20 %
    assert not [i for i in api.count_check(api.assess(subs), history).issues
                if i.code == "community-count-changed"]
    history.write_bytes(b"not a database" * 100)  # the history is an extra: damaged, nothing changes
    plain = api.assess(subs)
    assert api.count_check(plain, history) is plain


# ---- the property: random layouts from every class score exactly as their data say ---------------------------

@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), n=st.integers(min_value=2, max_value=25))
def test_random_layouts_score_as_their_data(tmp_path_factory, seed, n):
    rng = random.Random(seed)
    lay = random_layout(rng)
    street, communities = random_data(rng, n)
    path = write_layout(tmp_path_factory.mktemp("lay") / "东风街道.xlsx", street, communities, lay)
    got, sub = scored(path)
    assert got == reference(street, communities), (lay, [i.message() for i in sub.issues])
    assert {i.code for i in sub.issues} == expected_issues(lay), (lay, [i.message() for i in sub.issues])


def test_a_period_named_over_a_group_of_columns_decides_which_is_read(tmp_path):
    """2004年 and 2005年 merged over two blocks of the same headers: the assessed period's block is read."""
    street, communities = _data(13, 6)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(serial=False))
    wb = openpyxl.load_workbook(path)
    ws = wb["社区情况"]
    ws.insert_cols(3)  # households of 2004 left of the year's, under a group row
    ws.insert_rows(2)
    for r in range(4, 4 + len(communities)):
        ws.cell(r, 3).value = ws.cell(r, 4).value - 500
    ws.cell(3, 3).value = "户数(户)"
    ws.cell(2, 3).value = "2004年"
    ws.cell(2, 4).value = "2005年"
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert [u.values["households"] for u in sub.communities] == [c["households"] for c in communities]
    assert [i.code for i in sub.issues] == ["header-period-choice"]


def test_two_columns_for_one_field_without_a_period_are_a_warning_not_a_silent_pick(tmp_path):
    street, communities = _data(14, 5)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(serial=False))
    wb = openpyxl.load_workbook(path)
    ws = wb["社区情况"]
    ws.cell(2, ws.max_column + 1).value = "户数"
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert [i.code for i in sub.issues] == ["duplicate-column"]
    assert "户数" in sub.issues[0].message() and "C2" in sub.issues[0].message()


def test_learn_offers_aliases_for_a_name_column_and_a_street_label_in_office_words(tmp_path):
    subs = tmp_path / "报送表"
    street, communities = _data(15, 5)
    path = write_layout(subs / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    for cell in wb["社区情况"][2]:
        if cell.value == "社区名称":
            cell.value = "社区居委会名"
    for row in wb["街道情况"].iter_rows():
        if row[0].value == "社区服务中心使用面积(㎡)":
            row[0].value = "社区服务中心建筑面积(㎡)"
    wb.save(path)
    targets = tmp_path / "2005.yaml"
    shutil.copy(bundled(DEFAULT_TARGETS), targets)
    text, _count = api.learn(subs, targets=targets)
    assert "fields.community.name.aliases: [社区居委会名]" in text
    assert "fields.street.center_area.aliases: [社区服务中心建筑面积]" in text
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    api.accept_learned(tmp_path / "p.yaml", targets)
    after = api.assess(subs, targets=targets)
    assert [i.code for i in after.issues if i.code != "no-roster"] == []
    assert after.streets[0].score == reference(street, communities)


def test_a_continuation_may_leave_out_an_optional_column(tmp_path):
    street, communities = _data(16, 10)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(parts=2))
    wb = openpyxl.load_workbook(path)
    ws = wb[PART_NAMES[1]]
    ws.delete_cols(next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "备注"))
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert len(sub.communities) == 10 and [i.code for i in sub.issues] == ["table-continued"]


def test_choice_words_of_an_office_are_placed_under_their_choice_and_accepted(tmp_path):
    subs = tmp_path / "报送表"
    street, communities = _data(17, 9)
    renamed = {"老城区": "老城区型", "新村小区": "新村型", "乡村": "乡村型"}
    written = [{**c, "type": renamed[c["type"]]} for c in communities]
    write_layout(subs / "东风街道.xlsx", street, written, Layout())
    targets = tmp_path / "2005.yaml"
    shutil.copy(bundled(DEFAULT_TARGETS), targets)
    before = api.assess(subs, targets=targets)
    gap = [i for i in before.issues if i.code == "vocabulary-gap"]
    assert len(gap) == 1 and "fields.community.type.choices.老城区: [老城区型]" in gap[0].message()
    text, _ = api.learn(subs, targets=targets)
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    api.accept_learned(tmp_path / "p.yaml", targets)
    after = api.assess(subs, targets=targets)
    assert [i.code for i in after.issues if i.code != "no-roster"] == []
    assert after.streets[0].score == reference(street, communities)


@pytest.mark.parametrize("order", ["2004 first", "2005 first"])
def test_a_street_fact_given_for_two_periods_is_read_for_the_assessed_one(tmp_path, order):
    street, communities = _data(18, 5)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    ws = wb["街道情况"]
    r = next(row[0].row for row in ws.iter_rows() if row[0].value == "社区服务中心使用面积(㎡)")
    ws.insert_rows(r + (order == "2005 first"))
    old, new = (r, r + 1) if order == "2004 first" else (r + 1, r)
    ws.cell(old, 1, "2004年社区服务中心使用面积(㎡)")
    ws.cell(old, 2, 111)
    ws.cell(new, 1, "2005年社区服务中心使用面积(㎡)")
    ws.cell(new, 2, street["center_area"])
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert sub.street is not None and sub.street.values["center_area"] == street["center_area"]
    assert [i.code for i in sub.issues] == ["header-period-choice"] and "2004年" in sub.issues[0].message()


def test_a_street_fact_only_for_another_period_is_read_with_a_warning(tmp_path):
    street, communities = _data(19, 5)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    ws = wb["街道情况"]
    row = next(row for row in ws.iter_rows() if row[0].value == "社区服务中心使用面积(㎡)")
    row[0].value = "2004年社区服务中心使用面积(㎡)"
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert sub.street is not None and sub.street.values["center_area"] == street["center_area"]
    assert [(i.code, i.params["year"]) for i in sub.issues] == [("header-other-period", "2004")]


@pytest.mark.parametrize("example", ["示例社区", "XX社区", "××社区"])
def test_an_instructions_sheet_with_the_header_over_an_example_row_is_not_the_table(tmp_path, example):
    street, communities = _data(21, 6)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    sheet = wb.create_sheet("填表说明", 0)
    sheet.append(["填表说明：请按下例填写"])
    sheet.append([c.value for c in wb["社区情况"][2]])
    sheet.append([1, example, "老城区", 2300, 160, 320, 60, "有", "是", "是", "有", "有", "否", ""])
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert sub.issues == [] and sub.community_sheet == "社区情况"
    assert [u.name for u in sub.communities] == [c["name"] for c in communities]


def test_the_bundled_targets_file_is_never_changed_in_place(tmp_path):
    bundled_file = bundled(DEFAULT_TARGETS)
    before = bundled_file.read_bytes()
    patch = tmp_path / "p.yaml"
    patch.write_text("schema: kaohe.learn/1\nadd:\n  vocabularies.yesno.yes: [已完成]\n", encoding="utf-8")
    with pytest.raises(api.KaoheError, match="--out"):
        api.accept_learned(patch, bundled_file)
    written, kept, added = api.accept_learned(patch, bundled_file, tmp_path / "mine.yaml")
    assert bundled_file.read_bytes() == before and kept is None and added == {"vocabularies.yesno.yes": ["已完成"]}
    assert "已完成" in api.load_targets(written).yesno_words["yes"]


def test_a_hidden_filled_table_never_stands_in_for_an_empty_visible_one(tmp_path):
    street, communities = _data(22, 5)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    hidden = wb.copy_worksheet(wb["社区情况"])
    hidden.title = "旧表"
    hidden.sheet_state = "hidden"
    visible = wb["社区情况"]
    visible.delete_rows(3, visible.max_row)  # the visible table: a header and nothing under it
    wb.save(path)
    sub = read_submission(path, TARGETS)
    assert len(sub.communities) == 0
    assert sorted(i.code for i in sub.issues) == ["no-communities", "second-table"]


@pytest.mark.parametrize(("column", "header"), [
    ("police_office", "是否建有社区警务室"), ("police_office", "社区警务室建设情况"),
    ("modern", "是否达到新型现代化社区标准"), ("safe", "是否为安全文明社区"), ("safe", "安全文明社区创建情况"),
    ("pilot", "议行分设试点社区"), ("room_area", "社区服务站用房面积(㎡)"), ("households", "常住户数(户)"),
    ("households", "社区户数"), ("health_station", "社区卫生服务站建设情况"),
])
def test_a_header_holding_a_fields_name_among_a_few_words_is_that_field(tmp_path, column, header):
    street, communities = _data(23, 6)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    ws = wb["社区情况"]
    c = 2 + COMMUNITY_COLUMNS.index(column)  # after the 序号 column
    ws.cell(2, c).value = header
    wb.save(path)
    assert_reads_as_data(path, Layout(), street, communities)


@pytest.mark.parametrize("previous", ["上年户数", "去年户数", "上期户数"])
def test_last_periods_column_loses_to_the_plain_one(tmp_path, previous):
    street, communities = _data(24, 6)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(decoy=True))
    wb = openpyxl.load_workbook(path)
    ws = wb["社区情况"]
    next(cell for cell in ws[2] if cell.value == "2004年户数").value = previous
    wb.save(path)
    sub = assert_reads_as_data(path, Layout(decoy=True), street, communities)
    assert previous in next(i for i in sub.issues if i.code == "header-period-choice").message()


@pytest.mark.parametrize("saved_as", ["xlsx", pytest.param("xls", marks=pytest.mark.soffice),
                                      pytest.param("ods", marks=pytest.mark.soffice),
                                      pytest.param("xlsx:Calc MS Excel 2007 XML", marks=pytest.mark.soffice)])
def test_a_hidden_column_never_wins_over_a_visible_one_and_is_said_when_read(tmp_path, saved_as):
    """The households column hidden, last year's figures in it, this year's in a visible 户数 column added at
    the end (as a clerk does instead of overwriting): the visible one is read, the hidden one named; the 社区类型
    column hidden and the only one: read, and said. Also as LibreOffice re-saves it (.xls, .ods, .xlsx)."""
    street, communities = _data(81, 6)
    path = write_layout(tmp_path / "src" / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    ws = wb["社区情况"]
    households = _header_cell(ws, "户数(户)")
    kind = _header_cell(ws, "社区类型")
    last = ws.max_column + 1
    ws.cell(households.row, last, "户数(户)")
    for i in range(len(communities)):
        r = households.row + 1 + i
        ws.cell(r, last, ws.cell(r, households.column).value)
        ws.cell(r, households.column).value = communities[i]["households"] // 2  # last year's: never read
    ws.column_dimensions[households.column_letter].hidden = True
    ws.column_dimensions[kind.column_letter].hidden = True
    wb.save(path)
    if saved_as != "xlsx":
        path = soffice_convert([path], saved_as, tmp_path / saved_as.split(":")[0])[0]
    got, sub = scored(path)
    assert got == reference(street, communities), [i.message() for i in sub.issues]
    assert [u.values["households"] for u in sub.communities] == [c["households"] for c in communities]
    codes = sorted(i.code for i in sub.issues)
    assert codes == ["hidden-column-read", "hidden-columns"], [i.message() for i in sub.issues]
    read = next(i for i in sub.issues if i.code == "hidden-column-read")
    assert "社区类型" in read.message("zh") and read.cell == f"{kind.column_letter}{kind.row}"
    skipped = next(i for i in sub.issues if i.code == "hidden-columns")
    assert households.coordinate in skipped.message("zh")


def _split_by_columns(tmp_path, street, communities, reorder=False):
    """The communities' figures in two tables: 社区情况 with the names, type and households …, 社区设施 with the
    names again and the office area and culture capacity (in another order, when `reorder`)."""
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(serial=False))
    wb = openpyxl.load_workbook(path)
    ws = wb["社区情况"]
    head = next(r for r in range(1, 6) if ws.cell(r, 1).value == "社区名称")
    moved = [c for c in range(1, ws.max_column + 1) if str(ws.cell(head, c).value).startswith(("办公", "文化"))]
    other = wb.create_sheet("社区设施")
    other.append(["社区设施情况"])
    rows = list(range(head + 1, head + len(communities) + 1))
    other.append([ws.cell(head, 1).value] + [ws.cell(head, c).value for c in moved])
    for r in (reversed(rows) if reorder else rows):
        other.append([ws.cell(r, 1).value] + [ws.cell(r, c).value for c in moved])
    for c in sorted(moved, reverse=True):
        ws.delete_cols(c)
    wb.save(path)
    return path


@pytest.mark.parametrize("reorder", [False, True], ids=["same-order", "other-order"])
def test_a_table_split_by_columns_over_two_sheets_is_joined_by_community_name(tmp_path, reorder):
    """Two tables with different columns, the same communities (in another order too): joined by name, the
    street scored exactly, each joined figure cited at its own sheet and cell; one warning says so, and no
    advice anywhere deletes figures."""
    street, communities = _data(91, 5)
    communities[1]["office_area"] = 120  # fails the 300 m² target: the cell that decided it is on 社区设施
    path = _split_by_columns(tmp_path, street, communities, reorder)
    got, sub = scored(path)
    assert got == reference(street, communities), [i.message() for i in sub.issues]
    assert [i.code for i in sub.issues] == ["table-joined"], [i.message() for i in sub.issues]
    unit = sub.communities[1]
    assert unit.values["office_area"] == 120 and unit.cells["office_area"].startswith("社区设施!")
    row = (len(communities) - 2 if reorder else 1) + 3  # title, header, then the communities
    assert unit.cells["office_area"] == f"社区设施!B{row}"
    judged = SCORER.judge_street(street["name"], sub)
    office = next(t for t in judged.targets if any(f.name == communities[1]["name"] for f in t.failing)
                  and t.id == "office-area")
    failing = next(f for f in office.failing if f.name == communities[1]["name"])
    assert (failing.sheet, failing.cell) == ("社区设施", f"B{row}")
    for issue in sub.issues:  # no advice to delete or replace cells holding the period's figures
        assert "删除" not in issue.hint("zh").replace("不要删除", ""), issue.hint("zh")


def test_two_tables_that_disagree_or_miss_a_community_are_said_cell_by_cell(tmp_path):
    street, communities = _data(92, 5)
    path = _split_by_columns(tmp_path, street, communities)
    wb = openpyxl.load_workbook(path)
    facts = wb["社区设施"]
    facts.delete_rows(4)  # the second community is missing from 社区设施
    facts.append(["不在第一张表的社区", 400, 60])
    facts.cell(2, 4).value = "户数(户)"  # households in both tables: the same for all but the first community
    for r in range(3, facts.max_row + 1):
        name = facts.cell(r, 1).value
        same = next((c["households"] for c in communities if c["name"] == name), 999)
        facts.cell(r, 4).value = same + 1 if name == communities[0]["name"] else same
    wb.save(path)
    sub = read_submission(path, TARGETS)
    codes = sorted(i.code for i in sub.issues)
    assert codes == ["joined-conflict", "joined-extra", "joined-missing", "table-joined"], \
        [i.message() for i in sub.issues]
    conflict = next(i for i in sub.issues if i.code == "joined-conflict")
    assert conflict.community == communities[0]["name"] and conflict.sheet == "社区情况"
    assert "社区设施!D3" in conflict.message("zh") and sub.communities[0].values["households"] is None
    missing = next(i for i in sub.issues if i.code == "joined-missing")
    assert missing.community == communities[1]["name"] and missing.severity == "error"
    extra = next(i for i in sub.issues if i.code == "joined-extra")
    assert "不在第一张表的社区" in extra.message("zh")
    assert sub.communities[1].values["office_area"] is None



@pytest.mark.parametrize("named_by", ["title", "file name"])
def test_last_years_file_beside_this_years_is_named_and_the_street_scored_on_this_years(tmp_path, named_by):
    """Two files from one street, last year's (its title, or its file name, says 2004) and this year's: the
    street is scored on this year's figures, last year's file named once (other-period-file) — not a
    duplicate-submission asking to delete one. Two files naming no period stay a duplicate."""
    street, communities = _data(95, 6)
    old_street, old_communities = _data(96, 6)
    old_street["name"] = street["name"]
    folder = tmp_path / "报送表"
    write_layout(folder / "东风街道.xlsx", street, communities, Layout())
    old_name = "东风街道（2004年）.xlsx" if named_by == "file name" else "东风街道（上报）.xlsx"
    old = write_layout(folder / old_name, old_street, old_communities, Layout(period="2004"))
    if named_by == "file name":  # no title: only its name says which year it is
        wb = openpyxl.load_workbook(old)
        wb["社区情况"]["A1"] = None
        wb.save(old)
    report = api.assess(folder, targets=bundled(DEFAULT_TARGETS))
    assert [(s.name, s.score) for s in report.streets] == [(street["name"], reference(street, communities))]
    said = [i for i in report.issues if i.code == "other-period-file"]
    assert [(i.file, i.severity) for i in said] == [(old_name, "warning")]
    assert "东风街道.xlsx" in said[0].message("zh") and not [i for i in report.issues if i.severity == "error"]

    plain = tmp_path / "两份"
    write_layout(plain / "东风街道.xlsx", street, communities, Layout())
    write_layout(plain / "东风街道（改）.xlsx", street, communities, Layout())
    twice = api.assess(plain, targets=bundled(DEFAULT_TARGETS))
    assert {i.code for i in twice.issues if i.severity == "error"} == {"duplicate-submission"}


def test_a_streets_facts_in_one_file_and_its_communities_in_another_are_one_submission(tmp_path):
    """Two files from one street that complement each other: the facts (街道情况) in one, the community table in
    the other (no street label: named by its file name). Read as one submission and scored exactly — not a
    duplicate-submission asking to delete one — each figure cited at its own sheet; the files both listed."""
    street, communities = _data(97, 6)
    street["center_area"] = 800  # short of 1000 m²: the failing cell is on the facts' file's sheet
    folder = tmp_path / "报送表"
    whole = write_layout(tmp_path / "whole.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(whole)
    del wb["社区情况"]
    wb.save(folder.mkdir() or folder / "东风街道（街道情况）.xlsx")
    wb = openpyxl.load_workbook(whole)
    del wb["街道情况"]
    wb["社区情况"]["A1"] = "社区情况统计表"
    wb.save(folder / "东风街道（社区情况）.xlsx")
    roster = tmp_path / "名单.csv"
    roster.write_text("街道名称\n东风街道\n", encoding="utf-8")
    report = api.assess(folder, targets=bundled(DEFAULT_TARGETS), roster=roster)
    assert [(s.name, s.score) for s in report.streets] == [(street["name"], reference(street, communities))], \
        [i.message() for i in report.issues]
    assert sorted(i.code for i in report.issues) == ["files-joined", "street-from-file-name"], \
        [i.message() for i in report.issues]
    assert report.streets[0].files == ("东风街道（街道情况）.xlsx", "东风街道（社区情况）.xlsx")
    center = next(t for t in report.streets[0].targets if t.id == "center-area")
    assert not center.met and (center.failing[0].sheet, center.failing[0].value) == ("街道情况", 800)


def test_a_table_kaohe_cannot_place_is_one_error_saying_what_it_found_and_looked_for(tmp_path):
    """Four columns headed in an office's own words: one error (table-unplaced) naming the four fields looked
    for and the four header texts found — not four missing-column errors — and learn still reads it. Two such
    columns stay two missing-column errors (layout.unplaced_columns: 3)."""
    street, communities = _data(98, 5)
    path = write_layout(tmp_path / "四列" / "东风街道.xlsx", street, communities, Layout())
    renamed = {"服务站服务用房面积(㎡)": "服务站建筑(㎡)", "办公和服务用房面积(平方米)": "办公室(㎡)",
               "文化室可容纳人数(人)": "活动室座位", "社区教育活动站": "学习点"}
    wb = openpyxl.load_workbook(path)
    for cell in wb["社区情况"][2]:
        cell.value = renamed.get(cell.value, cell.value)
    wb.save(path)
    sub = read_submission(path, TARGETS)
    errors = [i for i in sub.issues if i.severity == "error"]
    assert [i.code for i in errors] == ["table-unplaced"], [i.message() for i in sub.issues]
    message = errors[0].message("zh")
    assert all(f"“{text}”" in message for text in renamed.values()) and "4 项" in message
    assert "Culture-room capacity" in errors[0].message("en")
    text, _count = api.learn(path, targets=bundled(DEFAULT_TARGETS))
    assert "fields.community.room_area.aliases: [服务站建筑]" in text

    path = write_layout(tmp_path / "两列" / "东风街道.xlsx", street, communities, Layout())
    wb = openpyxl.load_workbook(path)
    for cell in wb["社区情况"][2]:
        if cell.value in ("文化室可容纳人数(人)", "社区教育活动站"):
            cell.value = renamed[cell.value]
    wb.save(path)
    assert sorted(i.code for i in read_submission(path, TARGETS).issues if i.severity == "error") == \
        ["missing-column", "missing-column"]


@pytest.mark.parametrize("last_year_first", [True, False], ids=["2004-above", "2004-below"])
def test_two_years_tables_on_one_sheet_are_never_read_as_one(tmp_path, last_year_first):
    """2004年社区情况 and its table, then 2005年社区情况 and its table, on one sheet (or the other way round): the
    period's table alone is read and scored — not 2004's with 2005's rows refused as duplicates — and the
    other year's rows are named once."""
    street, communities = _data(99, 5)
    path = write_layout(tmp_path / "东风街道.xlsx", street, communities, Layout(facts="sheet", serial=False))
    wb = openpyxl.load_workbook(path)
    ws = wb["社区情况"]
    table = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]  # header and communities
    old = [table[0]] + [[v // 2 if isinstance(v, int) and v > 20 else v for v in row] for row in table[1:]]
    ws.delete_rows(1, ws.max_row)
    blocks = [("2004年社区情况", old), ("2005年社区情况", table)]
    for title, rows in (blocks if last_year_first else blocks[::-1]):
        ws.append([title])
        for row in rows:
            ws.append(row)
        ws.append([])
    wb.save(path)
    got, sub = scored(path)
    assert got == reference(street, communities), [i.message() for i in sub.issues]
    assert [i.code for i in sub.issues] == ["other-period-rows"], [i.message() for i in sub.issues]
    assert "2004" in sub.issues[0].message("zh") and sub.rows.rejected == 0
