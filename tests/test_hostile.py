"""Hostile and broken input: one clear issue per bad file, the rest of the district assessed, inputs untouched."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from hostile_corpus import build
from kaohe.errors import UnreadableFile
from kaohe.intake import gather
from kaohe.resources import SAMPLE_SUBMISSIONS, bundled
from kaohe.scoring import score
from kaohe.workbook import read_submission

SAMPLE = bundled(SAMPLE_SUBMISSIONS)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, str | None]]:
    folder = tmp_path_factory.mktemp("hostile") / "subs"
    expected = build(folder, SAMPLE / "东风街道.xlsx")
    shutil.copy(SAMPLE / "东风街道.xlsx", folder / "东风街道.xlsx")
    shutil.copy(SAMPLE / "新华街道.xls", folder / "新华街道.xlsx")  # an .xls renamed .xlsx: read by its bytes
    (folder.parent / "街道名单.csv").write_text("街道名称\n东风街道\n新华街道\n", encoding="utf-8")
    return folder, expected


def digests(folder: Path) -> dict[str, tuple[str, float]]:
    out = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and not p.is_symlink():
            out[p.name] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
    return out


@pytest.mark.slow
def test_every_hostile_file_gives_exactly_one_clear_issue(corpus, targets):
    folder, expected = corpus
    before = digests(folder)
    intake = gather(folder, targets)
    by_file: dict[str, list] = {}
    for issue in intake.issues:
        by_file.setdefault(issue.file, []).append(issue)
    for name, reason in expected.items():
        issues = by_file.get(name, [])
        assert [i.code for i in issues] == ["unreadable-file"], name
        from kaohe.words import WORDS

        assert WORDS[f"unreadable.{reason}"].zh in issues[0].message("zh"), (name, issues[0].message("zh"))
    report = score(targets, intake)
    assert [(s.name, s.status) for s in report.streets] == [("东风街道", "submitted"), ("新华街道", "submitted")]
    assert float(report.streets[0].score) == 100.0 and float(report.streets[1].score) == 94.0
    assert digests(folder) == before  # inputs byte for byte unchanged, not even touched


@pytest.mark.parametrize(("name", "words"), [
    ("有密码.xlsx", "打开密码"), ("网页.xls", "网页格式"), ("空文件.xlsx", "空文件"), ("截断.xlsx", "损坏"),
    ("十万行.xlsx", "工作表“社区情况”用到第 65,537 行、第 B 列"),  # the tab a clerk sees, not sheet1.xml
    ("16384列.xlsx", "工作表“社区情况”用到第 70 行、第 XFD 列"),  # (a far corner is a stray now: read)
    ("重复单元格.ods", "工作表“社区情况”用到第 1,048,576 行、第 XFD 列"),
])
@pytest.mark.slow
def test_messages_say_what_to_do(corpus, targets, name, words):
    folder, _ = corpus
    with pytest.raises(UnreadableFile) as exc:
        read_submission(folder / name, targets)
    from kaohe.issues import unreadable

    issue = unreadable(name, exc.value.reason, exc.value.detail, exc.value.params)
    assert words in issue.message("zh") and issue.hint("zh")
    assert "sheet1.xml" not in issue.message("zh") + issue.message("en")


def test_password_message_tells_how_to_fix():
    from kaohe.issues import unreadable

    issue = unreadable("有密码.xlsx", "password")
    assert "取消打开密码后重新保存" in issue.hint("zh") and "password" in issue.message("en")


def test_excel_default_password_is_read_like_any_workbook(tmp_path, targets):
    """Excel encrypts a workbook marked read-only with the built-in password VelvetSweatshop and opens it
    without asking; so does kaohe. The fingerprint is of the file as sent."""
    from hostile_corpus import encrypted

    good = SAMPLE / "东风街道.xlsx"
    path = encrypted(tmp_path / "只读.xlsx", good, password="VelvetSweatshop")
    sub = read_submission(path, targets)
    plain = read_submission(good, targets)
    assert sub.street == plain.street and list(sub.communities) == list(plain.communities)
    assert sub.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() != plain.sha256


# ---- a fuzz run over mutated real workbooks -------------------------------------------------------------


def _mutations(source: Path, rng: random.Random, out: Path) -> list[Path]:
    data = source.read_bytes()
    made = []
    for i in range(12):
        cut = out / f"t{i}{source.suffix}"
        cut.write_bytes(data[: rng.randrange(1, len(data))])
        made.append(cut)
    for i in range(20):
        flipped = bytearray(data)
        for _ in range(rng.randrange(1, 40)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        path = out / f"f{i}{source.suffix}"
        path.write_bytes(bytes(flipped))
        made.append(path)
    if data.startswith(b"PK"):
        with zipfile.ZipFile(source) as zf:
            names = zf.namelist()
            for i, drop in enumerate(names):
                path = out / f"d{i}{source.suffix}"
                with zipfile.ZipFile(path, "w") as dst:
                    for name in names:
                        if name != drop:
                            dst.writestr(name, zf.read(name))
                made.append(path)
    return made


@pytest.mark.parametrize("source", sorted(p.name for p in SAMPLE.iterdir()
                                          if p.suffix in (".xlsx", ".xls", ".ods") and not p.name.startswith("~")))
@pytest.mark.slow
def test_fuzzed_workbooks_never_raise(source, targets, tmp_path):
    rng = random.Random(source)
    for path in _mutations(SAMPLE / source, rng, tmp_path):
        try:
            sub = read_submission(path, targets)
        except UnreadableFile:
            continue
        assert all(i.code for i in sub.issues)


# ---- Ctrl-C ------------------------------------------------------------------------------------------


SLOW_SAVE = """
import sys, time
from pathlib import Path
import xlsxwriter
def slow(self):
    Path(self.filename).write_bytes(b"PK half written")
    print("saving", flush=True)
    time.sleep(30)
xlsxwriter.Workbook.close = slow
sys.argv = ["kaohe", "assess", "--out", sys.argv[1], "--format", "json"]
from kaohe.cli import main
main()
"""


def test_ctrl_c_exits_130_and_leaves_no_partial_file(tmp_path):
    out = tmp_path / "card.xlsx"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SAVE, str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the scorecard is being written
    assert line.strip() == "saving"
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=20)
    finally:
        proc.kill()
    assert code == 130
    assert list(tmp_path.iterdir()) == []  # neither the scorecard nor its temporary file


def test_ctrl_c_while_reading_exits_130(tmp_path):
    script = ("import sys, time\nimport kaohe.intake as i\n"
              "def slow(*a, **k):\n    print('reading', flush=True)\n    time.sleep(30)\n"
              "i.gather = slow\nsys.argv = ['kaohe', 'assess']\nfrom kaohe.cli import main\nmain()\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "reading"
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    try:
        assert proc.wait(timeout=20) == 130
    finally:
        proc.kill()
    assert "已中断" in (proc.stderr.read() if proc.stderr else "")


def test_inputs_are_opened_read_only(tmp_path, targets):
    folder = tmp_path / "subs"
    shutil.copytree(SAMPLE, folder)
    for p in folder.iterdir():
        p.chmod(0o444)  # a run must not need write access to any input
    before = digests(folder)
    report = score(targets, gather(folder, targets))
    assert report.streets_submitted == 11 and digests(folder) == before
    for p in folder.iterdir():
        p.chmod(0o644)
    assert os.access(folder, os.W_OK)


def test_a_genuine_sheet_past_the_inflated_limit_is_too_large_and_a_bomb_is_hostile(tmp_path, monkeypatch):
    """Past the limit on what one part may inflate to, an office's own compression (a few to one) is a sheet
    too large, said as such; only a compression no office writes is an attack."""
    import zlib

    from hostile_corpus import raw_xlsx
    from kaohe.errors import UnreadableFile
    from kaohe.workbook import guard

    monkeypatch.setattr(guard, "MAX_ENTRY_BYTES", 2 * 1024 * 1024)  # the real limit is 100 MB: the same rule
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{zlib.crc32(str(r).encode()):x}社区</t></is>'
                   f'</c><c r="B{r}"><v>{r * 7919 % 100003}</v></c></row>' for r in range(1, 40_000))
    genuine = raw_xlsx(tmp_path / "大表.xlsx", f"<sheetData>{rows}</sheetData>")
    bomb = raw_xlsx(tmp_path / "炸弹.xlsx", "<sheetData>" + " " * (5 * 1024 * 1024) + "</sheetData>")
    with pytest.raises(UnreadableFile) as large:
        guard.inspect(genuine)
    with pytest.raises(UnreadableFile) as hostile:
        guard.inspect(bomb)
    assert (large.value.reason, hostile.value.reason) == ("too-large", "hostile")
