"""The desk on a disk that fills: refused in plain Chinese, never a row without its file or a file without its
row, nothing left in submissions/, every log line whole, the bureau told — and whole again once space returns,
without a restart.

The desk lives on a real small tmpfs (mounted for the test; root only — CI runs as root), so every ENOSPC is
the kernel's own.
"""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import make_desk
from kaohe.desk.app import create_app
from kaohe.desk.store import Desk
from kaohe.resources import SAMPLE_SUBMISSIONS, bundled
from test_desk import csrf_of, street, text_of, upload

SAMPLE = bundled(SAMPLE_SUBMISSIONS)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a small disk needs root: " + done.stderr.decode(errors="replace").strip())
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """A file that takes every free byte of `folder`'s disk."""
    filler = folder / "filler.bin"
    block = b"\0" * (1 << 20)
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(block)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    try:
        with open(filler, "ab") as out:
            while True:
                out.write(b"\0" * 4096)
                out.flush()
    except OSError:
        pass
    return filler


def state(desk: Desk) -> tuple[list[int], list[str], list[str]]:
    """Rows, version files, submissions/ — to compare before and after a refusal."""
    return ([v.id for v in desk.versions()], sorted(p.name for p in (desk.root / "versions").rglob("*")),
            sorted(p.name for p in desk.submissions.iterdir()))


def consistent(desk: Desk) -> None:
    rows = {v.file for v in desk.versions()}
    files = {p.relative_to(desk.root).as_posix() for p in (desk.root / "versions").rglob("*") if p.is_file()}
    assert rows == files  # never a row without its file, never a file without its row
    assert not [p for p in desk.submissions.iterdir() if p.name.startswith(".")]  # nothing half-copied
    desk.log_lines()  # every log line whole (JSON)


@pytest.mark.parametrize("reserve", ["kept", "none"])
def test_a_full_disk_refuses_uploads_plainly_and_the_desk_is_whole_again_when_space_returns(
        small_disk: Path, monkeypatch: pytest.MonkeyPatch, reserve: str, request: pytest.FixtureRequest,
        store: str) -> None:
    desk = make_desk(request, small_disk / "desk", store)  # a store's: its working folder on the small disk
    monkeypatch.setattr(tempfile, "tempdir", str(desk.tmp))  # as kaohe serve spools uploads
    if reserve == "none":  # no free-space check: the kernel's ENOSPC in the middle of the work, at each step
        monkeypatch.setattr("kaohe.limits.MIN_FREE_BYTES", 0)
    client = TestClient(create_app(desk), follow_redirects=False)
    east, peace = street(desk, "东风街道"), street(desk, "和平街道")
    assert upload(client, east.secret, SAMPLE / "东风街道.xlsx").status_code == 303
    token = csrf_of(client.get(f"/s/{peace.secret}").text)
    admin_page = client.get(f"/a/{desk.admin().secret}")
    assert admin_page.status_code == 200 and "磁盘" not in text_of(admin_page.text)
    filler = fill(small_disk)
    before = state(desk)
    refused = upload(client, peace.secret, SAMPLE / "和平街道.xlsx", csrf=token)
    assert refused.status_code == 507
    assert "服务器的磁盘已满" in text_of(refused.text) and "Traceback" not in refused.text
    assert state(desk) == before
    consistent(desk)
    bureau = client.get(f"/a/{desk.admin().secret}")
    assert bureau.status_code == 200 and "服务器的磁盘快满了" in text_of(bureau.text)
    assert client.get(f"/s/{east.secret}").status_code == 200  # pages still answer while the disk is full
    filler.unlink()  # space comes back: no restart
    assert upload(client, peace.secret, SAMPLE / "和平街道.xlsx").status_code == 303
    consistent(desk)
    assert sorted(p.name for p in desk.submissions.iterdir()) == ["东风街道.xlsx", "和平街道.xlsx"]
    report = client.get(f"/a/{desk.admin().secret}/report.json").json()
    assert report["district"]["streets_submitted"] == 2
    actions = [line["action"] for line in desk.log_lines()]
    assert actions.count("upload") == 2 and "refused" in actions  # the refusal's line, written once it could be


def test_submissions_a_failed_sync_left_behind_are_made_whole_by_the_next_assessment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, desk: Desk) -> None:
    client = TestClient(create_app(desk), follow_redirects=False)
    east, peace = street(desk, "东风街道"), street(desk, "和平街道")
    assert upload(client, east.secret, SAMPLE / "东风街道.xlsx").status_code == 303

    def no_space(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as m:  # the version kept, its copy into submissions/ failing
        m.setattr(os, "link", no_space)
        m.setattr("shutil.copyfile", no_space)
        assert upload(client, peace.secret, SAMPLE / "和平街道.xlsx").status_code == 303
        assert sorted(p.name for p in desk.submissions.iterdir()) == ["东风街道.xlsx"]  # no partial file
        consistent(desk)
    report = client.get(f"/a/{desk.admin().secret}/report.json").json()  # the next assessment syncs first
    assert report["district"]["streets_submitted"] == 2
    assert sorted(p.name for p in desk.submissions.iterdir()) == ["东风街道.xlsx", "和平街道.xlsx"]
