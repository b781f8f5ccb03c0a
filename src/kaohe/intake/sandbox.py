"""Parsers run in worker processes, so that a parser that aborts or runs past its budget costs one file.

The guard (workbook/guard.py) refuses every file it knows to be dangerous before a parser sees it; this is
the second line, for what the guard does not know. python-calamine is native code: a file that makes it ask
for an impossible grid aborts the whole process (Rust's allocation failure is not an exception), and no
`try` in Python can catch that. So workbooks are read in worker processes that:

- hold an address-space limit (Linux: RLIMIT_AS, MEMORY_BUDGET above what the worker started with), so a
  runaway allocation fails in the worker and not in the machine;
- have MAX_SECONDS_PER_FILE for each file of their batch, after which the parent kills them;
- die with the parent, whatever kills it: the parent's end of the pipe closing ends the loop, and on Linux
  PR_SET_PDEATHSIG kills a worker that is busy parsing when its parent is killed with SIGKILL;
- write nothing on stdout or stderr (a Rust panic prints its text before Python sees the exception, xlrd
  prints container warnings on stdout): results travel on the pipe, and `--format json` stays clean.

A worker that dies, or overruns, while reading a batch has its batch read again one file at a time, each
in a fresh worker; the file that kills its worker alone is the one that is lost (`Lost`), and the run
goes on. Results come back in the order of the jobs.

Owner: intake (`intake._read_all`). Lifetime: one `contained()` call; every worker is ended when it returns
or raises, Ctrl-C and SIGTERM included.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

J = TypeVar("J")
R = TypeVar("R")
S = TypeVar("S")

from kaohe.limits import MAX_SECONDS_PER_FILE, MEMORY_BUDGET  # noqa: E402


@dataclass(frozen=True)
class Lost(Generic[J]):
    """A job whose worker died or overran while reading it alone: `why` is crashed, memory, timeout, error."""

    job: J
    why: str
    detail: str = ""


@dataclass(frozen=True)
class Budget:
    """What the workers of one `contained()` call may use: address space each may add, seconds a file, and
    at most how many run at once (None: as many as the caller asks). The desk passes a smaller one than a
    command's (limits.DESK_*), so that all its readers together stay bounded."""

    memory: int = MEMORY_BUDGET
    seconds: float = MAX_SECONDS_PER_FILE
    workers: int | None = None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the platform tells), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    """KAOHE_START_METHOD if set (spawn, forkserver, fork: to test what Windows and macOS do), else fork
    where the platform has it (cheapest: the worker starts with everything imported), else spawn."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    wanted = os.environ.get("KAOHE_START_METHOD", "")
    if wanted in methods:
        return wanted
    return "fork" if "fork" in methods else "spawn"


def contained(jobs: Sequence[J], work: Callable[[S, list[J]], list[R]], setup: Callable[..., S],
              setup_args: tuple[Any, ...] = (), *, batch: int, workers: int,
              on_done: Callable[[list[J]], None] | None = None,
              budget: Budget = Budget()) -> Iterator[tuple[J, R | Lost[J]]]:
    """Run `work` over `jobs` in batches in worker processes; yield (job, result or Lost) in job order.

    Each worker calls `setup(*setup_args)` once and hands what it returns (the worker's own state: a reader,
    its memos) to every `work(state, batch)` call. Both must be module-level functions, for the spawn start
    method. `on_done(batch)` is called as each batch's results arrive.
    """
    import multiprocessing

    ctx = multiprocessing.get_context(start_method())
    if budget.workers is not None:
        workers = max(1, min(workers, budget.workers))
    batches: list[list[J]] = [list(jobs[i:i + batch]) for i in range(0, len(jobs), batch)]
    # a unit of work: (index of the first job, the jobs, whether it is a retry of one file alone)
    queue: deque[tuple[int, list[J], bool]] = deque()
    start = 0
    for b in batches:
        queue.append((start, b, False))
        start += len(b)
    results: dict[int, R | Lost[J]] = {}
    pool: list[_Worker] = []
    nxt = 0  # the next job index to yield
    try:
        while queue or any(w.busy for w in pool):
            while queue and len([w for w in pool if w.busy]) < workers:
                idle = next((w for w in pool if not w.busy), None)
                if idle is None:
                    idle = _Worker(ctx, work, setup, setup_args, budget)
                    pool.append(idle)
                idle.give(*queue.popleft())
            for w in _wait(pool):
                first, unit, alone = w.task  # type: ignore[misc]
                outcome = w.collect()
                if isinstance(outcome, list):
                    for k, r in enumerate(outcome):
                        results[first + k] = r
                    if on_done and not alone:
                        on_done(unit)
                    continue
                pool.remove(w)  # dead or killed: a fresh one takes its place when there is work
                if len(unit) > 1:  # which file was it? each again, alone, before anything else
                    for k in reversed(range(len(unit))):
                        queue.appendleft((first + k, [unit[k]], True))
                    if on_done:
                        on_done(unit)
                else:
                    results[first] = Lost(unit[0], *outcome)
                    if on_done and not alone:
                        on_done(unit)
            while nxt in results:
                yield jobs[nxt], results.pop(nxt)
                nxt += 1
    finally:
        for w in pool:
            w.close()


class _Worker:
    """One worker process and the pipe to it; `task` is the unit it holds, if any."""

    def __init__(self, ctx: Any, work: Callable[[Any, list[Any]], list[Any]], setup: Callable[..., Any],
                 setup_args: tuple[Any, ...], budget: Budget) -> None:
        here, there = ctx.Pipe()
        self.conn = here
        self.budget = budget
        self.process = ctx.Process(target=_serve, args=(there, work, setup, setup_args, budget.memory), daemon=True)
        self.process.start()
        there.close()
        self.task: tuple[int, list[Any], bool] | None = None
        self.deadline = 0.0

    @property
    def busy(self) -> bool:
        return self.task is not None

    def give(self, first: int, unit: list[Any], alone: bool) -> None:
        self.task = (first, unit, alone)
        self.deadline = time.monotonic() + self.budget.seconds * len(unit)
        try:
            self.conn.send(unit)
        except OSError:  # died before it could take the work: collect() says so
            self.deadline = 0.0

    def collect(self) -> list[Any] | tuple[str, str]:
        """The unit's results, or (why, detail) when the worker died or overran (it is then ended)."""
        try:
            if self.conn.poll():  # a reply that arrived is taken, even just past the deadline
                kind, payload = self.conn.recv()
                self.task = None
                if kind == "ok":
                    return list(payload)
                self.close()
                return ("memory", payload) if kind == "memory" else ("error", payload)
        except (EOFError, OSError):
            pass
        overran = time.monotonic() > self.deadline and self.process.is_alive()
        if not overran:
            self.process.join(5)  # its pipe closed as it died: let it be reaped to read how it ended
        self.close()
        if overran:
            return ("timeout", f"{self.budget.seconds * len(self.task[1]) if self.task else 0:.0f} s")
        code = self.process.exitcode
        return ("crashed", f"exit {code}" if code is None or code >= 0 else f"signal {-code}")

    def close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


def _wait(pool: list[_Worker]) -> list[_Worker]:
    """The busy workers that have something to say: a result, an exit, or a deadline passed."""
    from multiprocessing.connection import wait

    busy = [w for w in pool if w.busy]
    if not busy:
        return []
    timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
    ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
    now = time.monotonic()
    return [w for w in busy if w.conn in ready or w.process.sentinel in ready or now > w.deadline]


def _serve(conn: Any, work: Callable[[Any, list[Any]], list[Any]], setup: Callable[..., Any],
           setup_args: tuple[Any, ...], memory: int = MEMORY_BUDGET) -> None:
    """A worker's life: set its limits, then read units from the pipe until the parent closes it."""
    _die_with_parent()
    _limit_memory(memory)
    _silence_output()
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    state = setup(*setup_args)
    while True:
        try:
            unit = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            reply: tuple[str, Any] = ("ok", work(state, unit))
        except MemoryError:
            reply = ("memory", "")
        except Exception as exc:  # a bug or a parser's odd error: this unit (one file, when alone) is lost
            reply = ("error", f"{type(exc).__name__}: {exc}"[:300])
        try:
            conn.send(reply)
        except (OSError, ValueError):
            os._exit(0)


def _die_with_parent() -> None:
    """Linux: be sent SIGKILL when the parent dies (the pipe only tells a worker that is waiting on it)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the line above: nobody is waiting for us
            os._exit(0)
    except (OSError, AttributeError):
        pass


def _limit_memory(budget: int = MEMORY_BUDGET) -> None:
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as fh:
            size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + budget
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: the guard and the deadline still hold
        pass


def _silence_output() -> None:
    import faulthandler

    faulthandler.disable()  # a test runner's handler writes to its own copy of stderr
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - the worker's for its life
    except OSError:
        pass
