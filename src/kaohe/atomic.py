"""Write outputs atomically and never over an input: a temporary file in the same folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
    """Yield a temporary path beside `path`; on success it replaces `path`, on any failure it is removed.

    Inside `together()`, the temporary file is kept until the whole set is written and then moved in with
    the others (a folder that does not exist yet is made then, not before)."""
    batch = _BATCH.get()
    _remove_stale(path)
    home = path.parent if batch is None else _existing_ancestor(path.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=home)
    except OSError as exc:  # named as the person knows it: the output and its folder, not a temporary name
        raise _as_output(exc, path) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            yield tmp
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; an output is an ordinary file
            fsync_file(tmp)  # on disk before it takes the name: a power cut leaves the old file or the new
        except OSError as exc:
            if exc.filename is not None and str(exc.filename) != str(tmp):
                raise
            raise _as_output(exc, path) from exc
        if batch is not None:
            batch.append((tmp, path))
            return
        _move_in(tmp, path)
    except BaseException:  # Ctrl-C included: never leave a half-written file behind
        tmp.unlink(missing_ok=True)
        raise


def _as_output(exc: OSError, path: Path) -> OSError:
    """The same failure, naming the output being written instead of its temporary file."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


def _move_in(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except PermissionError as exc:  # Windows: the old file is open in Excel or WPS, which locks it
        raise OutputError(key="err.locked", path=str(path), name=path.name) from exc
    fsync_folder(path.parent)  # the rename itself


def _existing_ancestor(folder: Path) -> Path:
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return folder


_BATCH: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("kaohe_atomic_batch", default=None)


@contextmanager
def together() -> Iterator[None]:
    """One command's outputs as one set: every atomic_path() written inside is kept aside, and only when all
    are written are they moved in, one after another, with Ctrl-C and SIGTERM held back for those few
    renames (where the platform can hold them: the main thread on POSIX). A failure or an interrupt before
    then leaves none of them, so running the command again is never blocked by its own half output."""
    if _BATCH.get() is not None:  # already inside a set: part of it
        yield
        return
    staged: list[tuple[Path, Path]] = []
    token = _BATCH.set(staged)
    try:
        yield
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        _BATCH.reset(token)
    with _signals_held():
        for i, (tmp, path) in enumerate(staged):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                _move_in(tmp, path)
            except BaseException:
                for rest, _ in staged[i:]:
                    rest.unlink(missing_ok=True)
                raise


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM delivered after the block instead of inside it (POSIX main thread; elsewhere a
    no-op)."""
    import signal
    import threading

    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    before = mask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, before)


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
