"""Starting the desk: the data folder made or opened, a socket bound, uvicorn serving until Ctrl-C."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

from kaohe.desk.store import Desk, DeskError
from kaohe.words import Translator

# What the desk's workers import before the first upload: with the forkserver start method each worker is
# forked from a small process that has these loaded, so a self-check does not pay for imports.
PRELOAD = ["kaohe.intake", "kaohe.intake.sandbox", "kaohe.workbook.sheets", "kaohe.scoring"]


def open_or_create(data: Path | None, targets: Path | None, roster: Path | None, period: str | None,
                   say: Callable[[str], None], tr: Translator, store: str | None = None,
                   district: str | None = None) -> Desk:
    """The desk in `data`, or the district of the store `store`: opened if it exists (targets/roster/period
    options are then ignored), else made. With a store, `data` is this process's working folder (a fresh
    temporary one when not given)."""
    from kaohe.resources import DEFAULT_TARGETS, SAMPLE_ROSTER, bundled

    if store is not None:
        from kaohe.desk.backend import check_url, districts

        folder = working_folder(data)
        known = [name for name, _ in districts(check_url(store))]
        if district is None and known:  # any of them: this process answers every district's links
            district = known[0]
        exists = district in known
    else:
        assert data is not None
        folder, exists = data, (data / "desk.sqlite").exists()
    if exists:
        desk = Desk.open(folder, store=store, district=district)
    else:
        if roster is None:
            say(tr("note.sample_roster", path=str(bundled(SAMPLE_ROSTER))))
        try:
            desk = Desk.create(folder, targets or bundled(DEFAULT_TARGETS), roster or bundled(SAMPLE_ROSTER), period,
                               store=store, district=district)
        except (OSError, sqlite3.Error) as exc:  # a read-only place, a full disk: one sentence, nothing half-made
            import shutil

            if store is None and not (folder / "desk.sqlite").exists():
                shutil.rmtree(folder, ignore_errors=True)
            raise DeskError(key="desk.folder_unwritable", path=str(folder),
                            detail=getattr(exc, "strerror", None) or str(exc)) from exc
        say(tr("desk.created", path=str(folder) if store is None else desk.district, count=len(desk.streets()),
               period=desk.period))
        say(tr("desk.admin_secret", secret=desk.admin().secret, where=where_words(desk)))  # once, at its making
    desk.serve_lock()  # the folder (a store's process: its working folder)
    desk.recover()  # after whatever stopped the last run
    return desk


def working_folder(data: Path | None) -> Path:
    """A shared store's working folder for this process: `data`, or a fresh temporary folder removed when the
    process ends (it holds copies of what the store keeps, and uploads being received)."""
    if data is not None:
        data.mkdir(parents=True, exist_ok=True)
        return data
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="kaohe-desk-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def open_desk(data: Path | None, store: str | None, district: str | None) -> Desk:
    """An existing desk, for a command that reads it (links, export)."""
    if store is None:
        assert data is not None
        return Desk.open(data)
    return Desk.open(working_folder(data), store=store, district=district)


def where_words(desk: Desk) -> str:
    """The options that name this desk on a command line (--data DIR, or --store URL --district NAME)."""
    if desk.store is None:
        return f"--data {desk.root}"
    from kaohe.desk.backend import shown_url

    return f"--store {shown_url(desk.store)} --district {desk.district}"


def base_url(host: str, port: int, scheme: str = "http") -> str:
    shown = host
    if host in ("0.0.0.0", "::", ""):
        shown = socket.gethostname()
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{scheme}://{shown}:{port}"


def tls_context(certfile: Path | None, keyfile: Path | None) -> object | None:
    """The TLS context of --ssl-certfile/--ssl-keyfile (None: plain HTTP); DeskError in one sentence when
    only one is given, or they cannot be read or do not belong together."""
    if certfile is None and keyfile is None:
        return None
    if certfile is None or keyfile is None:
        raise DeskError(key="desk.tls_pair")
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(str(certfile), str(keyfile))
    except (OSError, ssl.SSLError) as exc:
        raise DeskError(key="desk.tls_bad", cert=str(certfile), key_file=str(keyfile),
                        detail=getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)) from exc
    return context


def check_public_address(desk: Desk | Path | None, host: str, url: str | None) -> None:
    """A desk open to the network needs the address its links name (--url, or one kept from an earlier
    start): DeskError saying the option otherwise. `desk`: the desk, or its data folder before it is opened."""
    if host in ("127.0.0.1", "localhost", "::1") or url:
        return
    if isinstance(desk, Path):
        desk = Desk.open(desk) if (desk / "desk.sqlite").exists() else None
    if desk is not None:
        stored = desk.setting_or("url", "")
        if stored and not stored.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
            return
    raise DeskError(key="desk.needs_url", host=host)


def allowed_hosts(public: str, port: int) -> frozenset[str]:
    """The Host header values the desk answers: its public address's, and this machine's own loopback names
    at the port it listens on (an officer at the server PC)."""
    from urllib.parse import urlsplit

    parts = urlsplit(public)
    names = {parts.netloc.lower()}
    if parts.port is None:
        names.add(f"{parts.hostname}:{80 if parts.scheme == 'http' else 443}")
    for name in ("127.0.0.1", "localhost", "[::1]"):
        names.add(f"{name}:{port}")
    return frozenset(names)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a port in use is one clear sentence, not a log line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise DeskError(key="err.desk_port", host=host, port=port, detail=exc.strerror or str(exc)) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def tune_gc() -> None:
    """The server process's garbage collector, made to run less often.

    A district of 500 streets is a few hundred thousand objects that live from one upload to the next (the
    assessment, its readings); with the default thresholds (a collection every 700 allocations) a full
    collection walks them all in the middle of a page — 0.06-0.11 s of a 0.3 s bureau page, measured. With the
    youngest generation collected every 50,000 allocations and the oldest a fifth as often, pages are even
    (0.15 s) and memory is the same objects, freed a little later. Owner: serve(); lifetime: the server
    process (benchmarks/desk_load.py calls it for its in-process pages, as serve does).
    """
    import gc

    gc.set_threshold(50_000, 20, 100)


def serve(desk: Desk, host: str, port: int, url: str | None, lang: str, say: Callable[[str], None],
          ssl_certfile: Path | None = None, ssl_keyfile: Path | None = None) -> None:
    import multiprocessing
    import os

    import uvicorn

    from kaohe.desk.app import create_app

    tr = Translator(lang)
    tune_gc()
    open_to_network = host not in ("127.0.0.1", "localhost", "::1")
    stored = desk.setting_or("url", "")
    check_public_address(desk, host, url)  # links must name an address the streets can reach
    tls_context(ssl_certfile, ssl_keyfile)
    scheme = "https" if ssl_certfile else "http"
    sock = bind(host, port)
    port = sock.getsockname()[1]
    public = (url or (stored if open_to_network else "") or base_url(host, port, scheme)).rstrip("/")
    if url or open_to_network or not stored:
        desk.set_setting("url", public)
    else:  # a loopback start keeps a public address set before (the links go on naming it)
        public = stored
    hosts = allowed_hosts(public, port)
    # The server runs self-checks on threads; forking a process that has threads is unsafe (a lock held by
    # another thread stays held in the child). A fork server is a single-threaded process to fork from.
    if "forkserver" in multiprocessing.get_all_start_methods():
        os.environ.setdefault("KAOHE_START_METHOD", "forkserver")
        multiprocessing.set_forkserver_preload(PRELOAD)
        import signal
        from multiprocessing import forkserver

        # started now, not by the first clerk's upload; with Ctrl-C ignored while it starts (a disposition the
        # new process inherits), so that a Ctrl-C at that moment stops the desk, not the fork server's imports
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    import tempfile
    from multiprocessing import util

    # Uploads spool on the desk's own disk, whose free space it watches. multiprocessing's own temporary
    # folder (where the fork server's socket lives) is fixed first, in the system's: a socket's path has a
    # limit of about 100 bytes that a data folder's path may pass.
    util.get_temp_dir()
    tempfile.tempdir = str(desk.tmp)
    if desk.shared:  # every district of the store, and the city's link, answered by this process
        from kaohe.desk.city import City, create_city_app

        def district_app(district: Desk) -> object:
            if url or open_to_network or not district.setting_or("url", ""):
                district.set_setting("url", public)
            return create_app(district, lang, hosts)

        assert desk.store is not None
        city = City(desk.store, desk.root.parent, district_app)
        city.add(desk)  # the others opened when a link of theirs first arrives
        app = create_city_app(city, lang, hosts)
    else:
        app = create_app(desk, lang, hosts)
    from kaohe.desk.connections import guard_connections
    from kaohe.limits import MAX_CONNECTIONS

    said: dict[tuple[str, str], float] = {}

    def refused(address: str, why: str) -> None:  # a line a minute for each address and reason, not a flood
        import time

        now = time.monotonic()
        if now - said.get((address, why), -60.0) >= 60.0:
            said[(address, why)] = now
            desk.log("-", "refused", reason=why, client=address)

    protocol = guard_connections(not open_to_network, refused)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False,
                            date_header=True, timeout_keep_alive=5, limit_concurrency=MAX_CONNECTIONS,
                            http=protocol, ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
                            ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None)
    server = uvicorn.Server(config)
    say(tr("desk.serving", url=base_url(host, port, scheme)))
    if public != base_url(host, port, scheme):
        say(tr("desk.public_url", url=public))
    say(tr("desk.links_hint", where=where_words(desk)))  # the bureau's own link: printed when made, and by links
    if host not in ("127.0.0.1", "localhost", "::1"):
        say(tr("desk.exposed", host=host))
    desk.log("管理员", "started", url=public, pid=os.getpid())
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        desk.log("管理员", "stopped")
