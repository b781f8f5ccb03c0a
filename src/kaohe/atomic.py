"""Write outputs atomically and never over an input: a temporary file in the same folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kaohe.errors import KaoheError


class OutputError(KaoheError):
    """An output path that kaohe refuses to write: an input file, or a folder that does not exist."""


def check_output(path: Path, inputs: Iterable[Path]) -> None:
    """Refuse an output path that is one of the inputs (or the same file under another name)."""
    target = path.resolve()
    for item in inputs:
        try:
            same = item.exists() and target.exists() and os.path.samefile(item, target)
        except OSError:
            same = False
        if same or item.resolve() == target:
            raise OutputError(key="err.over_input", path=str(path))
    if not target.parent.is_dir():
        raise OutputError(key="err.no_folder", path=str(path), folder=str(target.parent))


STALE_SECONDS = 600  # a temporary file of kaohe's this old was left by a run that was killed


def _remove_stale(path: Path) -> None:
    """Temporary files of earlier writes of `path` that a killed run left behind (kaohe's own, by their
    name: .<name>.<random>.tmp beside it, and old enough that no run is still writing them)."""
    import glob
    import time

    now = time.time()
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if now - stale.lstat().st_mtime > STALE_SECONDS and stale.is_file() and not stale.is_symlink():
                stale.unlink()
        except OSError:
            pass


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on any failure it is removed."""
    _remove_stale(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; an output is an ordinary file
        fsync_file(tmp)  # on disk before it takes the name: a power cut leaves the old file or the new, never half
        try:
            os.replace(tmp, path)
        except PermissionError as exc:  # Windows: the old file is open in Excel or WPS, which locks it
            raise OutputError(key="err.locked", path=str(path), name=path.name) from exc
        fsync_folder(path.parent)  # the rename itself
    except BaseException:  # Ctrl-C included: never leave a half-written file behind
        tmp.unlink(missing_ok=True)
        raise



def fsync_file(path: Path) -> None:
    """Make a written file durable (a failure — a full disk — is raised: the output is not written)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(path: Path) -> None:
    """Make a rename in a folder durable, where the platform can open a folder (Windows cannot: there the
    rename is durable with the file's own flush)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
