"""Readings kept by content: a workbook read once is never read again while its bytes and the targets stay.

The desk reads each version twice over its life at least: the self-check when it arrives, and every
assessment of the district after it. Reading is the whole cost of an assessment (a 16 MB workbook of a
million strings takes 20 s), so the desk keeps what reading a file gave — the `Submission` with its issues and
its prejudged scores, or the `Issue` that says why it could not be read — under the file's SHA-256 and the
targets' fingerprint, in its folder (`readings/`), so that it survives a restart, and the most recent in memory.

A reading does not depend on the name the file has: it is kept under a placeholder and given the name it is
read under (the clerk's file name in a self-check, submissions/<street>.xlsx in the district) when taken out.
What depends on the machine rather than the bytes (a file that could not be opened) is never kept.

Owner: the desk (`desk.service.Service`); `kaohe assess` and `kaohe check` do not use it. Lifetime: the
desk's folder; a new kaohe version or another targets file makes new keys, and the old entries are only
files that nothing reads (removed by `prune`). A desk on a shared store also keeps them in the store
(`shared`: the district's readings table), so that a workbook read by one process is read by no other.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kaohe.issues import Issue
from kaohe.model import Submission

if TYPE_CHECKING:
    from kaohe.intake.sandbox import Budget
    from kaohe.targets import Targets

Result = Submission | Issue
PLACEHOLDER = "\x00kaohe-reading\x00"  # the name a reading is kept under: no file is ever named so
FORMAT = "1"  # bump when Submission's shape changes in a way a kaohe version number would not show
_NOT_KEPT = {"cannot-open", "not-a-file"}  # reasons that say something about the machine, not the bytes


class SharedReadings(Protocol):
    """Where a shared store keeps readings: bytes by key."""

    def load(self, key: str) -> bytes | None: ...

    def save(self, key: str, body: bytes) -> None: ...

    def prune(self, wanted: Callable[[str], bool]) -> None: ...


def _unpickled(body: bytes) -> Result | None:
    """A kept reading, or None when it was kept by a kaohe that no longer reads it (then it is read again)."""
    try:
        found = pickle.loads(body)
    except (EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return found if isinstance(found, Submission | Issue) else None


def targets_fingerprint(targets: Targets) -> str:
    """What a reading depends on besides the bytes: the targets (their content) and kaohe's version."""
    from kaohe import __version__

    digest = hashlib.sha256(f"{FORMAT}|{__version__}|".encode())
    digest.update(targets.model_dump_json().encode())
    return digest.hexdigest()[:24]


def relabel(result: Result, old: str, new: str) -> Result:
    """The same reading under another file name."""
    if isinstance(result, Issue):
        return replace(result, file=new) if result.file == old else result
    return replace(result, file=new if result.file == old else result.file,
                   issues=[replace(i, file=new) if i.file == old else i for i in result.issues])


class Readings:
    """Readings by (SHA-256 of the bytes, judged or not), for one targets file; thread-safe."""

    IN_MEMORY = 2_000  # a district has dozens of streets, a province thousands: the open period's stay warm

    def __init__(self, folder: Path | None, targets: Targets, budget: Budget | None = None,
                 shared: SharedReadings | None = None) -> None:
        self.folder = folder
        self.shared = shared
        self.budget = budget  # for the workers that read what is not kept yet (None: a command's)
        self.fingerprint = targets_fingerprint(targets)
        self._memory: OrderedDict[str, Result] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _key(self, sha256: str, judge: bool) -> str:
        return f"{sha256}-{self.fingerprint}-{'j' if judge else 'r'}"

    def get(self, sha256: str, name: str, judge: bool) -> Result | None:
        """The reading of the bytes with this hash, named `name`; None when they were never read."""
        key = self._key(sha256, judge)
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
        if found is None and self.folder is not None:
            try:
                found = _unpickled((self.folder / f"{key}.pickle").read_bytes())
            except OSError:
                found = None  # not kept
            if found is None and self.shared is not None:
                body = self.shared.load(key)
                found = _unpickled(body) if body is not None else None
                if found is not None:
                    self._keep_on_disk(key, found)
            if found is not None:
                self._hold(key, found)
        with self._lock:
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
        return relabel(found, PLACEHOLDER, name) if found is not None else None

    def put(self, sha256: str, name: str, judge: bool, result: Result) -> None:
        """Keep a reading (of the file named `name`) for the next time these bytes are read."""
        if isinstance(result, Issue) and result.params.get("why") in _NOT_KEPT:
            return
        kept = relabel(result, name, PLACEHOLDER)
        key = self._key(sha256, judge)
        self._hold(key, kept)
        self._keep_on_disk(key, kept)
        if self.shared is not None:
            self.shared.save(key, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))

    def _keep_on_disk(self, key: str, kept: Result) -> None:
        if self.folder is None:
            return
        try:  # written whole or not at all; a full disk only costs a reading next time
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_bytes(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, self.folder / f"{key}.pickle")
        except OSError:
            try:
                tmp.unlink(missing_ok=True)
            except (OSError, UnboundLocalError):
                pass

    def _hold(self, key: str, result: Result) -> None:
        with self._lock:
            self._memory[key] = result
            self._memory.move_to_end(key)
            while len(self._memory) > self.IN_MEMORY:
                self._memory.popitem(last=False)

    def prune(self, keep: set[str]) -> int:
        """Remove kept readings whose hash is not in `keep` (or made for other targets); how many went."""
        if self.shared is not None:
            self.shared.prune(lambda key: key.partition("-")[0] in keep and
                              key.partition("-")[2].startswith(self.fingerprint))
        if self.folder is None or not self.folder.is_dir():
            return 0
        gone = 0
        for path in self.folder.iterdir():
            sha, _, rest = path.name.partition("-")
            if path.name.startswith(".") or sha not in keep or not rest.startswith(self.fingerprint):
                path.unlink(missing_ok=True)
                gone += 1
        return gone
