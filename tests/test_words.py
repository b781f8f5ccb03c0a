"""The catalogue of words (kaohe/words.py) and the issue catalogue: complete in Chinese and English, and every
word the code names is there."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kaohe.issues import CATALOG, Issue, ignored, unreadable
from kaohe.words import WORDS, Ref, Translator

SRC = Path(__file__).resolve().parents[1] / "src" / "kaohe"


def _fields(template: str) -> set[str]:
    return {name.split(":")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


# words whose languages say different things on purpose
DIFFERENT_BLANKS = {"legend_points": "the Chinese legend gives each target's points, the English one its id",
                    "err.targets_invalid": "each language gets its own list of problems, made by targets/load.py",
                    "err.targets_yaml": "each language gets its own sentence of the YAML problem (kaohe.yamlsafe)"}


@pytest.mark.parametrize("key", sorted(set(WORDS) - set(DIFFERENT_BLANKS)))
def test_every_word_is_in_both_languages_with_the_same_blanks(key):
    word = WORDS[key]
    if key != "what.nothing":
        assert word.zh.strip() and word.en.strip(), key
    zh, en = _fields(word.zh), _fields(word.en)
    # English names a unit in the plural where Chinese has no plural; otherwise the same blanks
    assert zh == en - {"units"} or en == zh - {"unit"} | {"units"}, (key, zh, en)
    if word.en_one is not None:
        assert _fields(word.en_one) <= en | {"count"}


def _named_keys() -> set[str]:
    """Every literal key the code passes to a Translator or a Ref."""
    keys: set[str] = set()
    for path in SRC.rglob("*.py"):
        if path.name == "words.py":
            continue
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\btr\(\s*["']([\w.\-]+)["']""", text))
        keys |= set(re.findall(r"""\bRef\(\s*f?["']([\w.\-]+)["']""", text))
    return keys


def test_every_key_the_code_names_is_in_the_catalogue():
    named = _named_keys()
    assert len(named) > 60
    # a key made at run time ("desk.state." + state) names its prefix: some words must carry it
    prefix = [k for k in named if k.endswith(".") and any(w.startswith(k) for w in WORDS)]
    assert sorted(k for k in named if k not in WORDS and k not in prefix) == []


def test_the_keys_made_at_run_time_are_in_the_catalogue():
    from kaohe.desk.models import State as DeskState

    for state in DeskState.__args__:  # type: ignore[attr-defined]
        assert f"desk.state.{state}" in WORDS
    from kaohe.issues import Severity
    from kaohe.model import Status

    for status in Status.__args__:  # type: ignore[attr-defined]
        assert f"status_{status}" in WORDS
    for severity in Severity.__args__:  # type: ignore[attr-defined]
        assert f"severity.{severity}" in WORDS
    for code in ("vanished", "appeared", "decreased", "jumped"):  # tracking.compare's warning codes
        assert f"cmp.{code}" in WORDS
    for over in ("community", "street"):
        assert f"explain.unit_{over}" in WORDS and f"explain.units_{over}" in WORDS


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_issue_reads_in_both_languages(code):
    kind = CATALOG[code]
    for template in (kind.zh, kind.en, kind.hint_zh, kind.hint_en):
        assert template.strip()
    # English templates may use a field's English label; otherwise the same blanks
    assert _fields(kind.zh) == {f.removesuffix("_en") for f in _fields(kind.en)}, code


@pytest.mark.parametrize("reason", sorted(k.split(".")[1] for k in WORDS if k.startswith("unreadable.")
                                          and k.count(".") == 1))
def test_every_refusal_reads_in_both_languages(reason):
    issue = unreadable("x.xlsx", reason)
    zh, en = issue.message("zh"), issue.message("en")
    assert zh.startswith("文件无法读取：") and en.startswith("The file cannot be read: ")
    assert not re.search(r"[\u4e00-\u9fff]", en.removeprefix("The file cannot be read: ").split("(")[0]) or \
        reason == "not-submission"  # names the Chinese labels it looked for
    assert issue.hint("zh") and issue.hint("en") and issue.hint("zh") != issue.hint("en")


def test_ignored_files_and_refs_render_in_the_language_read():
    issue = ignored("a.zip", "archive")
    assert issue.message("zh") == "未读取：压缩包，kaohe 不打开压缩包"
    assert issue.message("en") == "Not read: an archive; kaohe does not open archives"
    note = Issue("missing-column", params={"label": "户数", "label_en": "Households (户数)",
                                           "what": Ref("what.column")})
    assert note.message("zh") == "找不到“户数”列，该项全部按无法读取处理"
    assert note.message("en").startswith("No Households (户数) column was found")


def test_english_plurals_follow_the_count():
    tr = Translator("en")
    assert tr("unit_communities", count=1) == " community" and tr("unit_communities", count=3) == " communities"
    assert Translator("zh")("unit_communities", count=1) == "个社区"


def test_no_words_key_is_written_twice() -> None:
    """A key written twice in the catalogue silently keeps the last (a label once replaced an error message)."""
    import ast
    from collections import Counter
    from pathlib import Path

    import kaohe.words

    tree = ast.parse(Path(kaohe.words.__file__).read_text(encoding="utf-8"))
    keys = [k.value for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys
            if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
