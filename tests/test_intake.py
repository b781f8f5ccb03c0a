"""A submissions folder against the roster: which files count, which street each names, what is missing."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

from clerks import Style
from conftest import STREET, compact
from kaohe.errors import InputError, RosterError
from kaohe.intake import gather
from kaohe.intake.roster import load_roster
from kaohe.resources import SAMPLE_ROSTER, bundled
from kaohe.scoring import score
from kaohe.words import Translator


def roster_csv(folder: Path, names: list[str], encoding: str = "utf-8-sig") -> Path:
    path = folder / "街道名单.csv"
    path.write_bytes(("街道名称\n" + "\n".join(names) + "\n").encode(encoding))
    return path


def test_lock_and_hidden_files_are_left_out_and_other_files_are_named(book, tmp_path, targets):
    path = book()
    folder = path.parent
    (folder / "~$东风街道.xlsx").write_bytes(b"\x0bclerk")
    (folder / ".~lock.东风街道.xlsx#").write_text("lock")
    (folder / ".hidden.xlsx").write_bytes(b"junk")
    (folder / "说明.txt").write_text("说明")
    notice = __import__("docx").Document()  # a real Word document with no table: the notice, not a submission
    notice.add_paragraph("关于报送2005年度社区建设情况的通知")
    notice.save(folder / "通知.docx")
    (folder / "Thumbs.db").write_bytes(b"\0")
    (folder / "old").mkdir()
    (folder / "old" / "去年.zip").write_bytes(b"PK")
    intake = gather(folder, targets, roster_csv(tmp_path, ["东风街道"]))
    assert intake.files == ["东风街道.xlsx", "通知.docx"]  # a Word document is opened: its tables could be the street's
    assert [i.name for i in intake.inputs] == ["东风街道.xlsx"]
    assert compact(intake.issues) == [("old/去年.zip", None, "ignored-file"), ("说明.txt", None, "ignored-file"),
                                      ("通知.docx", None, "ignored-file")]
    assert [i.message("zh") for i in intake.issues] == [
        "未读取：压缩包，kaohe 不打开压缩包", "未读取：文档，不是电子表格",
        "未读取：Word 文档，其中没有报送的表格（街道情况或社区情况）"]
    assert intake.streets[0].status == "submitted"


def test_unknown_duplicate_missing_and_unreadable(book, tmp_path, targets):
    book("东风街道.xlsx")
    book("东风街道(修改).xlsx")                                   # the same street again
    book("3.xlsx", street=dict(STREET, name="西郊街道"))           # not on the roster
    book("人民街道.xlsx", street=dict(STREET, name="人民街道"))
    folder = tmp_path / "subs"
    (folder / "解放街道.xlsx").write_bytes(b"this is not a workbook")
    roster = roster_csv(tmp_path, ["东风街道", "人民街道", "解放街道", "光明街道"])
    intake = gather(folder, targets, roster)
    assert sorted(compact(intake.issues), key=str) == sorted([
        ("解放街道.xlsx", None, "unreadable-file"),
        ("3.xlsx", None, "unknown-street"),
        ("东风街道(修改).xlsx", None, "duplicate-submission"),
        ("东风街道.xlsx", None, "duplicate-submission"),
        (None, None, "missing-submission"),
    ], key=str)
    assert [(s.name, s.status) for s in intake.streets] == [
        ("东风街道", "duplicate"), ("人民街道", "submitted"), ("解放街道", "unreadable"), ("光明街道", "missing")]
    unreadable = next(i for i in intake.issues if i.code == "unreadable-file")
    assert unreadable.street == "解放街道" and "不是电子表格" in unreadable.message("zh")
    report = score(targets, intake)
    assert [(s.name, float(s.score), s.rank) for s in report.streets] == [
        ("东风街道", 0.0, 2), ("人民街道", 100.0, 1), ("解放街道", 0.0, 2), ("光明街道", 0.0, 2)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_roster_csv_encodings(tmp_path, targets, encoding):
    path = roster_csv(tmp_path, ["东风街道", " 人民街道 ", "红旗乡"], encoding)
    assert load_roster(path, targets) == ["东风街道", "人民街道", "红旗乡"]


def test_roster_xlsx_and_full_width_matching(book, tmp_path, targets):
    path = tmp_path / "roster.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "街道（乡）名称"])
    wb.active.append([1, "东风街道\u3000"])
    wb.save(path)
    assert load_roster(path, targets) == ["东风街道"]
    book(street=dict(STREET, name="东 风 街 道"))
    intake = gather(tmp_path / "subs", targets, path)
    assert intake.streets[0].status == "submitted" and compact(intake.issues) == []


def test_roster_without_names_is_an_error(tmp_path, targets):
    path = tmp_path / "街道名单.csv"
    path.write_text("街道名称\n", encoding="utf-8")
    with pytest.raises(RosterError, match="names no street"):
        load_roster(path, targets)


def test_no_roster_takes_the_streets_found_with_a_warning(book, targets):
    path = book()
    book("人民.xlsx", street=dict(STREET, name="人民街道"))
    intake = gather(path.parent, targets)
    assert [s.name for s in intake.streets] == ["东风街道", "人民街道"]  # in file-name order
    assert [i.code for i in intake.issues] == ["no-roster"]
    assert intake.issues[0].severity == "warning"


def test_roster_found_beside_the_folder(book, tmp_path, targets):
    book()
    roster_csv(tmp_path, ["东风街道", "人民街道"])
    intake = gather(tmp_path / "subs", targets)
    assert intake.roster_file == "街道名单.csv"
    assert [s.status for s in intake.streets] == ["submitted", "missing"]


def test_street_from_file_name_when_the_workbook_names_none(book, tmp_path, targets):
    path = book("东风街道2005.xlsx", style=Style(title_rows=0))
    wb = openpyxl.load_workbook(path)
    wb["街道情况"].delete_rows(2)
    wb.save(path)
    intake = gather(path.parent, targets, roster_csv(tmp_path, ["东风街道"]))
    assert intake.streets[0].status == "submitted"
    assert ("东风街道2005.xlsx", None, "street-from-file-name") in compact(intake.issues)


def test_no_such_folder(tmp_path, targets):
    with pytest.raises(InputError):
        gather(tmp_path / "nowhere", targets)


def test_office_suffix_matches_the_roster_name(book, tmp_path, targets):
    book(street=dict(STREET, name="东风街道办事处"))
    intake = gather(tmp_path / "subs", targets, roster_csv(tmp_path, ["东风街道"]))
    assert intake.streets[0].status == "submitted" and compact(intake.issues) == []


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_the_process_pool_reads_exactly_what_one_process_reads(targets, monkeypatch, method):
    """Workers started as Windows and macOS start them (spawn), or as Python 3.14 on Linux does (forkserver),
    read exactly what one worker reading every file in one batch reads."""
    import kaohe.intake as intake_module
    import kaohe.intake.sandbox as sandbox
    from kaohe.report.json import to_document
    from kaohe.resources import SAMPLE_ROSTER, SAMPLE_SUBMISSIONS, bundled

    def run() -> tuple[dict, list]:
        intake = gather(bundled(SAMPLE_SUBMISSIONS), targets, bundled(SAMPLE_ROSTER), judge=True)
        units = [(s.name, list(s.submission.communities), s.submission.street, s.submission.issues)
                 for s in intake.streets if s.submission]  # the communities crossed as columns
        return to_document(score(targets, intake), targets, Translator("zh")), units

    monkeypatch.setattr(intake_module, "BATCH", 10**6)
    monkeypatch.setattr(sandbox, "usable_cpus", lambda: 1)
    serial = run()
    monkeypatch.setattr(intake_module, "BATCH", 2)
    monkeypatch.setattr(sandbox, "usable_cpus", lambda: 3)  # three workers, even on a 1-core machine
    monkeypatch.setenv("KAOHE_START_METHOD", method)
    assert sandbox.start_method() == method
    assert run() == serial


def test_subfolders_are_read_and_named_by_their_path(book, tmp_path, targets):
    import shutil

    path = book()
    sub = tmp_path / "subs" / "人民街道"
    sub.mkdir()
    book("人民.xlsx", street=dict(STREET, name="人民街道")).rename(sub / "人民.xlsx")
    mac = tmp_path / "subs" / "__MACOSX"
    mac.mkdir()
    shutil.copy(path, mac / "._东风街道.xlsx")
    intake = gather(tmp_path / "subs", targets, roster_csv(tmp_path, ["东风街道", "人民街道"]))
    assert intake.files == ["东风街道.xlsx", "人民街道/人民.xlsx"]
    assert [s.status for s in intake.streets] == ["submitted", "submitted"]
    assert [i.name for i in intake.inputs] == ["东风街道.xlsx", "人民街道/人民.xlsx"]


def test_an_empty_folder_says_so(tmp_path, targets):
    (tmp_path / "empty").mkdir()
    intake = gather(tmp_path / "empty", targets, roster_csv(tmp_path, ["东风街道"]))
    assert [i.code for i in intake.issues] == ["no-workbooks", "missing-submission"]
    assert "没有找到任何报送表" in intake.issues[0].message("zh")


@pytest.mark.parametrize("text", ["序号,街道\n1,东风街道\n2,红旗乡\n", "东风街道\n红旗乡\n",
                                  "1,东风街道\n2,红旗乡\n", "名单\n\n序号,名称,备注\n1,东风街道,\n2,红旗乡,新设\n"])
def test_loose_rosters(tmp_path, targets, text):
    path = tmp_path / "街道名单.csv"
    path.write_text(text, encoding="utf-8")
    assert load_roster(path, targets) == ["东风街道", "红旗乡"]


def test_progress_counts_every_file_once(targets):
    from kaohe.resources import SAMPLE_SUBMISSIONS, bundled

    seen: list[tuple[str, int, int]] = []
    gather(bundled(SAMPLE_SUBMISSIONS), targets, progress=lambda name, done, total: seen.append((name, done, total)))
    assert [d for _, d, _ in seen] == list(range(1, 12)) and {t for _, _, t in seen} == {11}
    assert sorted(n for n, _, _ in seen)[0] == "3.xlsx"


def test_invisible_characters_in_names_do_not_stop_them_matching(tmp_path, targets):
    """A roster and a workbook whose names were copied from a web page or a chat: zero-width spaces, a BOM
    inside, a direction mark — the names still match, and are shown without them."""
    from clerks import write_workbook
    from conftest import STREET, good_communities
    from kaohe.intake import gather

    subs = tmp_path / "subs"
    write_workbook(subs / "a.xlsx", {**STREET, "name": "东风\u200b街道"}, good_communities(2))
    roster = tmp_path / "街道名单.csv"
    roster.write_text("街道名称\n\ufeff东风街道\u200e\n红旗乡\n", encoding="utf-8")
    intake = gather(subs, targets, roster)
    assert [s.name for s in intake.streets] == ["东风街道", "红旗乡"]
    assert intake.streets[0].status == "submitted"


def test_a_roster_of_thousands_of_names_is_refused(tmp_path, targets):
    from kaohe.errors import RosterError
    from kaohe.intake.roster import load_roster

    roster = tmp_path / "街道名单.csv"
    roster.write_text("街道名称\n" + "".join(f"第{i}街道\n" for i in range(10_001)), encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        load_roster(roster, targets)
    assert "10001" in str(caught.value) or "10,001" in str(caught.value)


# ---- one unreadable input never stops the district ------------------------------------------------------------

def test_a_workbook_kaohe_may_not_read_is_that_streets_issue_and_the_district_goes_on(book, tmp_path, targets,
                                                                                      not_root_folder):
    book("东风街道.xlsx")
    book("人民街道.xlsx", street=dict(STREET, name="人民街道"))
    locked = tmp_path / "subs" / "人民街道.xlsx"
    locked.chmod(0)
    roster = roster_csv(tmp_path, ["东风街道", "人民街道"])
    with not_root_folder():
        intake = gather(tmp_path / "subs", targets, roster)
    assert compact(intake.issues) == [("人民街道.xlsx", None, "unreadable-file")]
    issue = intake.issues[0]
    assert issue.params["why"] == "cannot-open" and issue.street == "人民街道"
    message = issue.message("zh")
    assert "读取" in message and "写入" not in message and "没有读取权限" in message, message
    assert [s.status for s in intake.streets] == ["submitted", "unreadable"]


@pytest.fixture
def not_root_folder(monkeypatch):
    """A context in which files are opened as an ordinary account would open them: one without read permission
    (chmod 0) cannot be opened (EACCES). Root, which CI runs as, reads every file, so the kernel's check is
    played here, for os.open and io.open alike; the readers' worker processes fork from this one and inherit it."""
    import builtins
    import errno
    import io
    import stat
    from contextlib import contextmanager

    def refused(path: object) -> bool:
        try:
            mode = os.stat(path).st_mode  # type: ignore[arg-type]
        except (OSError, TypeError, ValueError):
            return False
        return stat.S_ISREG(mode) and not mode & 0o444

    real_os_open, real_io_open = os.open, io.open

    def os_open(path, *args, **kwargs):
        if refused(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_os_open(path, *args, **kwargs)

    def io_open(file, *args, **kwargs):
        if not isinstance(file, int) and refused(file):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
        return real_io_open(file, *args, **kwargs)

    @contextmanager
    def run():
        with monkeypatch.context() as m:
            m.setattr(os, "open", os_open)
            m.setattr(io, "open", io_open)
            m.setattr(builtins, "open", io_open)
            yield

    return run


def test_a_named_pipe_called_like_a_workbook_never_hangs_the_run(book, tmp_path, targets):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    book("东风街道.xlsx")
    os.mkfifo(tmp_path / "subs" / "人民街道.xlsx")
    roster = roster_csv(tmp_path, ["东风街道", "人民街道"])
    intake = gather(tmp_path / "subs", targets, roster)
    assert compact(intake.issues) == [("人民街道.xlsx", None, "unreadable-file")]
    message = intake.issues[0].message("zh")
    assert intake.issues[0].params["why"] == "not-a-file" and "管道" in message
    assert not any(c.isascii() and c.isalpha() for c in message), message  # no English inside the Chinese


def test_reading_a_pipe_or_a_file_swapped_for_one_refuses_without_blocking(tmp_path):
    from kaohe.workbook.guard import NotRegularFile, read_regular

    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(tmp_path / "pipe.xlsx")
    with pytest.raises(NotRegularFile):
        read_regular(tmp_path / "pipe.xlsx", 100)  # opened without blocking: no writer is needed to get here


def test_a_share_that_goes_away_mid_read_is_the_files_issue(book, tmp_path, targets, monkeypatch):
    import errno

    book("东风街道.xlsx")
    book("人民街道.xlsx", street=dict(STREET, name="人民街道"))
    real_read = os.read
    gone = {"fd": None}
    real_open = os.open

    def opening(path, flags, *args, **kwargs):  # the share drops while 人民街道.xlsx is being read
        fd = real_open(path, flags, *args, **kwargs)
        if str(path).endswith("人民街道.xlsx"):
            gone["fd"] = fd
        return fd

    def reading(fd, n):
        if fd == gone["fd"]:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_read(fd, n)

    monkeypatch.setattr(os, "open", opening)
    monkeypatch.setattr(os, "read", reading)
    intake = gather(tmp_path / "subs", targets, roster_csv(tmp_path, ["东风街道", "人民街道"]))
    assert compact(intake.issues) == [("人民街道.xlsx", None, "unreadable-file")]
    assert "共享文件夹或移动硬盘可能断开" in intake.issues[0].message("zh")
    assert intake.streets[0].status == "submitted"


def test_check_on_a_file_it_may_not_read_answers_in_chinese(book, tmp_path, not_root_folder):
    from typer.testing import CliRunner

    from kaohe.cli import app

    path = book("东风街道.xlsx")
    path.chmod(0)
    with not_root_folder():
        result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert "Invalid value" not in result.output and "打不开" in result.stdout, result.output


# ---- the roster is checked -----------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["big5", "shift_jis"])
def test_a_roster_in_an_encoding_kaohe_cannot_decode_is_refused_naming_what_was_tried(tmp_path, targets, encoding):
    path = tmp_path / "街道名单.csv"
    path.write_bytes("街道名稱\n東風街道\n人民街道\n解放街道\n".encode(encoding))
    with pytest.raises(RosterError) as caught:
        load_roster(path, targets)
    text = caught.value.text(Translator("zh"))
    assert "街道名单.csv" in text and "UTF-8" in text and "GB18030" in text


def test_a_garbled_roster_is_refused(tmp_path, targets):
    path = tmp_path / "街道名单.csv"
    path.write_text("街道名称\n东风街道\n人民街道\n".encode().decode("cp1252", errors="replace"), encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        load_roster(path, targets)
    assert "乱码" in caught.value.text(Translator("zh"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_rosters_as_offices_save_them_still_read(tmp_path, targets, encoding):
    assert load_roster(roster_csv(tmp_path, ["东风街道", "人民街道", "朝阳乡"], encoding), targets) == [
        "东风街道", "人民街道", "朝阳乡"]


def test_a_roster_none_of_whose_streets_sent_anything_is_an_error_not_a_table_of_zeros(book, tmp_path):
    from kaohe import api

    book("东风街道.xlsx")
    book("人民街道.xlsx", street=dict(STREET, name="人民街道"))
    roster = roster_csv(tmp_path, ["西城街道", "东城街道", "南苑乡"])
    with pytest.raises(RosterError) as caught:
        api.assess(tmp_path / "subs", roster=roster)
    text = caught.value.text(Translator("zh"))
    assert "0/3" in text and "这是本区的街道名单吗" in text and "东风街道" in text


def _nameless(path: Path, title: str | None = None) -> Path:
    """A clerk's workbook whose street-name cell is empty; with `title`, that text as its table's title."""
    from openpyxl import load_workbook

    from clerks import write_workbook
    from conftest import STREET, good_communities

    written = write_workbook(path, {k: v for k, v in STREET.items() if k != "name"}, good_communities(3))
    if title is not None:
        book = load_workbook(written)
        sheet = next(ws for ws in book.worksheets if "社区建设情况统计表" in str(ws["A1"].value or ""))
        sheet["A1"] = title
        book.save(written)
    return written


def test_a_workbook_naming_its_street_only_in_its_title_is_that_streets_with_a_warning(tmp_path: Path) -> None:
    from kaohe import api

    folder = tmp_path / "报送"
    folder.mkdir()
    _nameless(folder / "附件2.xlsx", "和平街道社区建设情况统计表(2005年度)")
    report = api.assess(folder, roster=bundled(SAMPLE_ROSTER))
    peace = next(s for s in report.streets if s.name == "和平街道")
    assert peace.submitted and peace.files == ("附件2.xlsx",)
    said = next(i for i in report.issues if i.code == "street-from-title")
    assert said.street == "和平街道" and said.cell == "A1" and "和平街道社区建设情况统计表" in said.message()


def test_a_generic_file_in_a_folder_named_after_a_street_is_that_streets_as_mail_is_saved(tmp_path: Path) -> None:
    from kaohe import api

    folder = tmp_path / "报送"
    (folder / "东风街道").mkdir(parents=True)
    (folder / "人民街道").mkdir(parents=True)
    _nameless(folder / "东风街道" / "附件2.xlsx", "社区建设情况统计表(2005年度)")
    _nameless(folder / "人民街道" / "附件2.xlsx")
    report = api.assess(folder, roster=bundled(SAMPLE_ROSTER))
    by_name = {s.name: s for s in report.streets}
    assert by_name["东风街道"].files == ("东风街道/附件2.xlsx",) and by_name["人民街道"].submitted
    said = [i for i in report.issues if i.code == "street-from-folder"]
    assert {i.street for i in said} == {"东风街道", "人民街道"}
    assert any("文件夹“东风街道”" in i.message() for i in said)
    # a folder that is no street of the roster names nothing: the file stays unplaced, and says so
    (folder / "收件箱").mkdir()
    _nameless(folder / "收件箱" / "附件3.xlsx")
    again = api.assess(folder, roster=bundled(SAMPLE_ROSTER))
    assert not any(i.code == "street-from-folder" and "收件箱" in i.message() for i in again.issues)


def test_a_csv_in_an_encoding_kaohe_can_only_guess_is_read_and_said(tmp_path: Path) -> None:
    from kaohe import api

    header = "社区名称,社区类型,户数,服务站服务用房面积,办公和服务用房面积\n"
    latin = tmp_path / "东风街道-lat.csv"  # a GBK header, a row typed on a machine that saved é as Latin-1
    latin.write_bytes(header.encode("gbk") + b"R\xe9sidence," + "老城区,2000,160,320\n".encode("gbk"))
    gbk = tmp_path / "东风街道.csv"
    gbk.write_bytes((header + "朝阳社区,老城区,2000,160,320\n").encode("gbk"))
    guessed = api.check(latin)
    assert [i.code for i in guessed.issues if i.code == "encoding-guessed"] == ["encoding-guessed"]
    plain = api.check(gbk)
    assert not [i for i in plain.issues if i.code == "encoding-guessed"]  # what Chinese Excel writes: certain


def test_group_heading_rows_among_the_communities_are_not_communities_and_are_said(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from clerks import write_workbook
    from conftest import good_communities
    from kaohe import api

    path = write_workbook(tmp_path / "东风街道.xlsx", STREET, good_communities(4))
    book = load_workbook(path)
    sheet = next(ws for ws in book.worksheets if any("社区名称" in str(c.value or "") for c in ws[4] + ws[3] + ws[2]))
    header_row = next(r for r in range(1, 8) if any("社区名称" in str(c.value or "") for c in sheet[r]))
    name_col = next(c.column for c in sheet[header_row] if "社区名称" in str(c.value or ""))
    sheet.insert_rows(header_row + 1)
    sheet.cell(header_row + 1, name_col, "一片区")
    sheet.insert_rows(header_row + 4)
    sheet.cell(header_row + 4, name_col, "二片区")
    book.save(path)
    report = api.check(path)
    sub = report.intake.streets[0].submission  # type: ignore[union-attr]
    assert [u.name for u in sub.communities] == [c["name"] for c in good_communities(4)]  # no 一片区
    said = [i for i in report.issues if i.code == "group-rows"]
    assert len(said) == 1 and "一片区、二片区" in said[0].message() and said[0].cell is not None
    # a community whose row holds nothing but its name is still a community (its figures missing, said)
    plain = write_workbook(tmp_path / "和平街道.xlsx", {**STREET, "name": "和平街道"}, good_communities(2))
    book = load_workbook(plain)
    sheet = next(ws for ws in book.worksheets if any("社区名称" in str(c.value or "") for c in ws[4] + ws[3] + ws[2]))
    last = sheet.max_row + 1
    sheet.cell(last, name_col, "新片社区")
    book.save(plain)
    names = [u.name for u in api.check(plain).intake.streets[0].submission.communities]  # type: ignore[union-attr]
    assert "新片社区" in names


def test_rows_of_other_streets_in_a_district_sheet_sent_back_are_not_this_streets(tmp_path: Path) -> None:
    """The district's big sheet, with a 街道 column, filled in by one street and sent back whole."""
    from openpyxl import load_workbook

    from clerks import write_workbook
    from conftest import community, good_communities
    from kaohe import api

    own = good_communities(3)
    theirs = [community(f"别家{i}社区") for i in range(5)]
    path = write_workbook(tmp_path / "东风街道.xlsx", STREET, own + theirs)
    book = load_workbook(path)
    sheet = next(ws for ws in book.worksheets if any("社区名称" in str(c.value or "") for r in ws.iter_rows(max_row=6)
                                                     for c in r))
    header_row = next(r for r in range(1, 8) if any("社区名称" in str(c.value or "") for c in sheet[r]))
    name_col = next(c.column for c in sheet[header_row] if "社区名称" in str(c.value or ""))
    sheet.insert_cols(name_col)
    sheet.cell(header_row, name_col, "街道")
    for i in range(len(own) + len(theirs)):
        sheet.cell(header_row + 1 + i, name_col, "东风街道" if i < len(own) else ("和平街道" if i % 2 else "人民街道"))
    book.save(path)
    report = api.check(path)
    sub = report.intake.streets[0].submission  # type: ignore[union-attr]
    assert [u.name for u in sub.communities] == [c["name"] for c in own]
    said = [i for i in report.issues if i.code == "other-street-rows"]
    assert len(said) == 1 and "5 行" in said[0].message() and "和平街道" in said[0].message()
    assert "删" not in said[0].hint()  # nothing of the street's own is ever advised away
    assert report.streets[0].communities == len(own)


@pytest.mark.parametrize("saved_as", ["xlsx", "xls", "ods", "xlsx-libreoffice"])
def test_hidden_and_filtered_out_rows_are_not_the_streets(tmp_path: Path, saved_as: str) -> None:
    """The district's big sheet sent back with the other streets' rows hidden or filtered out (an autofilter):
    only the rows one sees are the street's; the hidden ones are one warning, their cells never an error —
    as written by openpyxl, and re-saved by LibreOffice as .xls, .ods and .xlsx."""
    from openpyxl import load_workbook

    from clerks import write_workbook
    from conftest import community, good_communities, soffice_convert
    from kaohe import api

    own = good_communities(3)
    theirs = [community(f"别家{i}社区", room_area="约90", safe="不清楚") for i in range(4)]  # errors, were they read
    mixed = [own[0], theirs[0], theirs[1], own[1], theirs[2], own[2], theirs[3]]
    path = write_workbook(tmp_path / "src" / "东风街道.xlsx", STREET, mixed)
    book = load_workbook(path)
    sheet = next(ws for ws in book.worksheets if any("社区名称" in str(c.value or "") for r in ws.iter_rows(max_row=6)
                                                     for c in r))
    header_row = next(r for r in range(1, 8) if any("社区名称" in str(c.value or "") for c in sheet[r]))
    name_col = next(c.column for c in sheet[header_row] if "社区名称" in str(c.value or ""))
    hidden = [r for r in range(header_row + 1, header_row + 1 + len(mixed))
              if str(sheet.cell(r, name_col).value).startswith("别家")]
    for r in hidden:
        sheet.row_dimensions[r].hidden = True
    sheet.auto_filter.ref = f"A{header_row}:{sheet.cell(header_row + len(mixed), sheet.max_column).coordinate}"
    book.save(path)
    if saved_as != "xlsx":
        fmt = "xlsx:Calc MS Excel 2007 XML" if saved_as == "xlsx-libreoffice" else saved_as
        path = soffice_convert([path], fmt, tmp_path / saved_as)[0]
        path = path.rename(path.with_name(f"东风街道.{path.suffix.lstrip('.')}"))
    report = api.check(path)
    sub = report.intake.streets[0].submission  # type: ignore[union-attr]
    assert [u.name for u in sub.communities] == [c["name"] for c in own]
    said = [i for i in report.issues if i.code == "hidden-rows"]
    assert len(said) == 1 and "4" in said[0].message() and said[0].severity == "warning"
    assert not [i for i in report.issues if i.severity == "error"], [i.message() for i in report.issues]
    plain = write_workbook(tmp_path / "plain" / "东风街道.xlsx", STREET, own)
    assert report.streets[0].score == api.check(plain).streets[0].score


@pytest.mark.parametrize("saved_as", ["xlsx", pytest.param("xlsx-libreoffice", marks=pytest.mark.soffice),
                                      pytest.param("xls", marks=pytest.mark.soffice)])
def test_a_stray_cell_typed_far_away_is_one_warning_and_the_street_is_read(tmp_path: Path, saved_as: str) -> None:
    """A 1 typed at ALL40000 of the community sheet (IV40000 in an .xls, whose last column is IV) made the
    sheet's extent 40,000 × 1,000 cells: the whole submission was refused as too large. Only what is filled
    counts now: the far cells are set aside and named, the street read exactly. Eleven such cells on one sheet
    are no strays."""
    from clerks import write_workbook
    from conftest import good_communities, soffice_convert
    from kaohe import api

    own = good_communities(4)
    path = write_workbook(tmp_path / "src" / "东风街道.xlsx", STREET, own)
    book = openpyxl.load_workbook(path)
    far = "IV40000" if saved_as == "xls" else "ALL40000"
    book["社区情况"][far] = 1
    book.save(path)
    if saved_as != "xlsx":
        path = soffice_convert([path], "xls" if saved_as == "xls" else "xlsx:Calc MS Excel 2007 XML",
                               tmp_path / "lo")[0]
    report = api.check(path)
    plain = api.check(write_workbook(tmp_path / "plain" / "东风街道.xlsx", STREET, own))
    assert report.streets[0].score == plain.streets[0].score
    said = sorted((i.sheet, i.cell) for i in report.issues if i.code == "stray-cells")
    assert said == [("社区情况", far)], [i.message() for i in report.issues]
    assert all(i.severity == "warning" for i in report.issues if i.code == "stray-cells")
    assert not [i for i in report.issues if i.severity == "error"]

    for k in range(11):  # a sheet filled far away is really that large: refused as before, with the true reason
        book["社区情况"].cell(40000, 240 + k, k)
    book.save(tmp_path / "many.xlsx")
    many_path = tmp_path / "many.xlsx"
    if saved_as == "xls":
        many_path = soffice_convert([many_path], "xls", tmp_path / "many")[0]
    many = api.check(many_path)
    assert [i.params.get("why") for i in many.issues if i.code == "unreadable-file"] == ["too-large"]


def test_a_street_fact_on_a_hidden_row_gives_way_to_the_visible_one(tmp_path: Path) -> None:
    """The facts sheet with last year's centre area kept on a hidden row above this year's (same label): the
    visible row is read; hidden rows belong to no one, among the street's facts as in the community table."""
    from clerks import write_workbook
    from conftest import good_communities
    from kaohe import api

    own = good_communities(3)
    path = write_workbook(tmp_path / "东风街道.xlsx", STREET, own)
    book = openpyxl.load_workbook(path)
    ws = book["街道情况"]
    label = next(c for row in ws.iter_rows() for c in row if str(c.value or "").startswith("社区服务中心使用面积"))
    ws.insert_rows(label.row)
    ws.cell(label.row - 1, label.column, label.value)
    ws.cell(label.row - 1, label.column + 1, 400)  # last year's: would fail the 1000 m² target
    ws.row_dimensions[label.row - 1].hidden = True
    book.save(path)
    report = api.check(path)
    sub = report.intake.streets[0].submission  # type: ignore[union-attr]
    assert sub.street.values["center_area"] == STREET["center_area"]
    assert report.streets[0].score == api.check(write_workbook(tmp_path / "p" / "东风街道.xlsx", STREET,
                                                               own)).streets[0].score
