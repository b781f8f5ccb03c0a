"""The targets file: the 2005 table encoded exactly, and errors that name the YAML line."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from kaohe.errors import TargetsError
from kaohe.resources import DEFAULT_TARGETS, bundled
from kaohe.targets import load_targets


def test_2005_targets_match_the_assessment_table(targets):
    scored = [(t.id, t.points) for t in targets.targets if t.points > 0]
    assert scored == [("center-area", 10), ("service-projects", 10), ("room-area", 15), ("office-area", 10),
                      ("culture-room", 10), ("education-station", 10), ("demo-street", 10),
                      ("modern-community", 10), ("safe-community", 15)]
    assert targets.max_points == Decimal(100)
    advisory = [t.id for t in targets.targets if t.points == 0]
    assert advisory == ["household-size", "police-office", "health-station", "pilot-separation"]
    by_id = {t.id: t for t in targets.targets}
    assert by_id["safe-community"].require.share_at_least == Fraction(85, 100)
    assert by_id["office-area"].require.share_more_than == Fraction(1, 2)
    assert by_id["room-area"].scoring.per_failure == 3
    assert by_id["culture-room"].scoring.per_failure == 2
    assert by_id["health-station"].require.count_at_least_ratio == Fraction(1, 3)
    assert by_id["pilot-separation"].level == "district"
    assert by_id["demo-street"].district_rule.require.share_at_least == Fraction(7, 10)
    assert [(g.name, g.min) for g in targets.grades] == [("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)]


def test_yes_no_words_stay_words(targets):
    # YAML 1.1 would turn Y, N, yes and no into booleans; the vocabulary needs them as text.
    vocab = targets.vocabularies["yesno"]
    assert {"Y", "yes", "TRUE", "1"} <= set(vocab["yes"]) and {"N", "no", "FALSE", "0"} <= set(vocab["no"])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def base_text() -> str:
    return bundled(DEFAULT_TARGETS).read_text(encoding="utf-8")


def test_unknown_key_is_rejected_with_its_line(tmp_path):
    text = base_text().replace("    points: 15\n    scoring: {method: deduct, per_failure: 3}",
                               "    points: 15\n    weight: 2\n    scoring: {method: deduct, per_failure: 3}")
    line = text.splitlines().index("    weight: 2") + 1
    with pytest.raises(TargetsError) as exc:
        load_targets(write(tmp_path, text))
    assert f"bad.yaml:{line}:" in str(exc.value)
    assert "targets.2.weight" in str(exc.value) and "Extra inputs are not permitted" in str(exc.value)


def error_for(tmp_path: Path, old: str, new: str) -> tuple[int, str]:
    """Load the 2005 file with one edit; return the line of the edit and the error message."""
    line, exc = refused(tmp_path, old, new)
    return line, str(exc)


def refused(tmp_path: Path, old: str, new: str) -> tuple[int, TargetsError]:
    """Load the 2005 file with one edit; return the line of the edit (its first new line) and the error."""
    text = base_text().replace(old, new)
    first = next(row for row in new.splitlines() if row not in old.splitlines())
    line = next(i for i, row in enumerate(text.splitlines(), 1) if first in row)
    with pytest.raises(TargetsError) as exc:
        load_targets(write(tmp_path, text))
    return line, exc.value


def test_wrong_value_names_its_line(tmp_path):
    line, message = error_for(tmp_path, "require: {share_at_least: 85%}", "require: {share_at_least: lots}")
    assert f":{line}:" in message and "percentage" in message


def test_unknown_field_in_a_test(tmp_path):
    text = base_text().replace("test: {field: safe, is: true}", "test: {field: safety, is: true}")
    with pytest.raises(TargetsError, match="field `safety` is not defined"):
        load_targets(write(tmp_path, text))


def test_duplicate_keys_anchors_and_non_string_keys_are_rejected(tmp_path):
    with pytest.raises(TargetsError, match=r"bad.yaml:3:1: duplicate key `period` \(first on line 2\)"):
        load_targets(write(tmp_path, "schema: kaohe.targets/1\nperiod: '2005'\nperiod: '2006'\n"))
    with pytest.raises(TargetsError, match="anchors and aliases"):
        load_targets(write(tmp_path, "a: &x [1]\nb: *x\n"))
    with pytest.raises(TargetsError, match="keys must be plain text"):
        load_targets(write(tmp_path, "1: a\n"))


def test_missing_and_unparsable_files(tmp_path):
    with pytest.raises(TargetsError, match="no such targets file"):
        load_targets(tmp_path / "none.yaml")
    with pytest.raises(TargetsError, match=r"bad.yaml:2:"):
        load_targets(write(tmp_path, "a: [1\nb: 2\n"))


def test_proportional_scoring_cannot_use_a_strict_majority(tmp_path):
    text = base_text().replace("require: {share_more_than: 1/2}\n    points: 10\n    scoring: all-or-nothing",
                               "require: {share_more_than: 1/2}\n    points: 10\n    scoring: proportional")
    with pytest.raises(TargetsError, match="strict majority"):
        load_targets(write(tmp_path, text))


def test_grades_must_end_at_zero(tmp_path):
    text = base_text().replace("{name: 不合格, name_en: Fail, min: 0}", "{name: 不合格, name_en: Fail, min: 10}")
    with pytest.raises(TargetsError, match="min: 0"):
        load_targets(write(tmp_path, text))


def test_header_lookup_comes_from_the_yaml(targets):
    from kaohe.workbook.headers import Headers

    headers = Headers(targets)
    lookup = headers.lookup("community")
    assert lookup[headers.key("社区（居委会）名称")] == "name"
    assert lookup[headers.key("服务站服务用房面积(㎡)")] == "room_area"
    assert lookup[headers.key("是否有社区教育活动站")] == "education_station"


def test_strict_types_are_enforced_with_line_numbers(tmp_path):
    line, message = error_for(tmp_path, "      required: false\n    center_area:",
                              "      required: \"no\"\n    center_area:")
    assert f":{line}:" in message and "boolean" in message


def test_targets_check_and_schema_commands(tmp_path):
    import json

    from typer.testing import CliRunner

    from kaohe.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["targets", "check", str(bundled(DEFAULT_TARGETS))])
    assert ok.exit_code == 0
    assert "计分指标9项，满分100分" in ok.stdout and "超过50%的社区满足（严格多于）" in ok.stdout
    assert "15分，每有一个不达标扣3分，扣完为止" in ok.stdout
    en = runner.invoke(app, ["targets", "check", str(bundled(DEFAULT_TARGETS)), "--lang", "en"])
    assert "strictly more than 50%" in en.stdout
    bad = write(tmp_path, base_text().replace("points: 15\n", "points: 15\n    weight: 1\n", 1))
    result = runner.invoke(app, ["targets", "check", str(bad)])
    assert result.exit_code == 1 and "weight" in result.stderr
    schema = json.loads(runner.invoke(app, ["targets", "schema"]).stdout)
    assert schema["additionalProperties"] is False and "targets" in schema["properties"]
    assert runner.invoke(app, ["targets", "--help"]).exit_code == 0


def test_schema_validates_the_2005_file():
    jsonschema = pytest.importorskip("jsonschema")
    import json

    from kaohe.targets import Targets
    from kaohe.yamlsafe import load_yaml

    data, _ = load_yaml(bundled(DEFAULT_TARGETS).read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(data, default=str)), Targets.model_json_schema(by_alias=True))


def test_oversized_targets_file_is_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 1_100_000, encoding="utf-8")
    with pytest.raises(TargetsError, match="at most"):
        load_targets(big)


def test_a_misspelled_key_gets_the_nearest_valid_one_in_chinese_and_english(tmp_path):
    from kaohe.words import Translator

    line, exc = refused(tmp_path, "    points: 15\n    scoring: {method: deduct, per_failure: 3}",
                        "    points: 15\n    requre: 2\n    scoring: {method: deduct, per_failure: 3}")
    zh, en = exc.text(Translator("zh")), exc.text(Translator("en"))
    assert f"bad.yaml:{line}:" in zh and "不认识这个键" in zh and "是不是“require”" in zh
    assert f"bad.yaml:{line}:" in en and "did you mean `require`?" in en


def test_a_misspelled_field_name_is_reported_at_its_own_line(tmp_path):
    line, exc = refused(tmp_path, "test: {field: safe, is: true}", "test: {field: saf, is: true}")
    assert f"bad.yaml:{line}:" in str(exc) and "did you mean `safe`?" in str(exc)


def test_a_number_too_long_for_any_target_is_refused_at_its_line(tmp_path):
    from kaohe.errors import TargetsError
    from kaohe.targets import load_targets

    path = tmp_path / "t.yaml"
    path.write_text('schema: kaohe.targets/1\nperiod: "2005"\ncompare_decimals: ' + "9" * 10_000 + "\n",
                    encoding="utf-8")
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    assert "3:19" in str(caught.value) and "10,000" in str(caught.value)


def test_points_adding_up_to_more_than_100_are_refused(tmp_path):
    from kaohe.errors import TargetsError
    from kaohe.resources import DEFAULT_TARGETS, bundled
    from kaohe.targets import load_targets

    text = bundled(DEFAULT_TARGETS).read_text(encoding="utf-8").replace("points: 15", "points: 55", 1)
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    assert "add up to 140" in str(caught.value) and "out of 100" in str(caught.value)


def test_a_duplicate_target_id_is_named_at_the_duplicate(tmp_path):
    from kaohe.errors import TargetsError
    from kaohe.resources import DEFAULT_TARGETS, bundled
    from kaohe.targets import load_targets
    from kaohe.words import Translator

    text = bundled(DEFAULT_TARGETS).read_text(encoding="utf-8")
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip() == "- id: center-area") + 1
    second = next(i for i, line in enumerate(lines) if line.strip() == "- id: service-projects") + 1
    path = tmp_path / "t.yaml"
    path.write_text(text.replace("- id: service-projects", "- id: center-area"), encoding="utf-8")
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    said = caught.value.text(Translator("zh"))
    assert f"t.yaml:{second}:" in said and f"第一次在第 {first} 行" in said


# ---- every diagnostic of a targets file in Chinese, at its own line ---------------------------------------------

def _first_points(text: str) -> tuple[int, int]:
    """The line of the first `points: 10` and the column of its colon."""
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip() == "points: 10":
            return n, line.index(":") + 1
    raise AssertionError("the 2005 file has a points: 10")


def _mistakes() -> list[tuple[str, object, str]]:
    return [
        ("full-width colon", lambda line: line.replace("points: 10", "points： 10"), "中文冒号"),
        ("a word for a number", lambda line: line.replace("points: 10", "points: abc"), "应填一个数"),
        ("a tab", lambda line: "\t" + line.lstrip(" ") if "points: 10" in line else line, "Tab"),
        ("over 100", lambda line: line.replace("points: 10", "points: 15"), "超过了 100 分"),
    ]


@pytest.mark.parametrize("what,change,said", _mistakes(), ids=[m[0] for m in _mistakes()])
def test_a_targets_mistake_is_said_in_chinese_at_its_own_line(tmp_path, what, change, said):
    """These read `取值有误（expected a number）`, `the scored targets' points add up to 105…`, PyYAML's `found a
    tab character…`, and the full-width colon was named on the next line (`could not find expected ':'`)."""
    from kaohe.words import Translator

    text = bundled(DEFAULT_TARGETS).read_text(encoding="utf-8")
    line, _ = _first_points(text)
    lines = text.splitlines()
    lines[line - 1] = change(lines[line - 1])  # type: ignore[operator]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    zh = caught.value.text(Translator("zh"))
    assert said in zh, zh
    for english in ("expected", "found", "add up", "could not", "Value error"):
        assert english not in zh, zh
    if what != "over 100":  # a rule about the whole file is named where the file starts
        assert f":{line}:" in zh, zh
    assert caught.value.text(Translator("en")) != zh


def test_full_width_commas_and_quotes_in_lists_are_named(tmp_path):
    from kaohe.words import Translator

    text = bundled(DEFAULT_TARGETS).read_text(encoding="utf-8")
    for bad, said in (("[有，√]", "中文逗号"), ("[“有”, √]", "中文引号")):
        path = write(tmp_path, text + f"# end\nextra_words: {bad}\n")
        with pytest.raises(TargetsError) as caught:
            load_targets(path)
        zh = caught.value.text(Translator("zh"))
        assert said in zh and f":{len(text.splitlines()) + 2}:" in zh, zh
