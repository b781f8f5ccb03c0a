"""A throwaway PostgreSQL cluster for the tests of the desk's shared store (Debian's postgresql package).

Made in a temporary folder with initdb, listening on 127.0.0.1 at a free port (and a socket in the folder),
trust authentication, no fsync (nothing in it outlives the session); run as the `postgres` account when the
tests run as root (PostgreSQL refuses to run as root), else as the tests' own account. Its role and database
are both `kaohe`, as a bureau's DBA would make them (docs: the deployment page).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: Debian keeps them per version under /usr/lib/postgresql."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    def __init__(self) -> None:
        found = bin_dir()
        if found is None:
            raise FileNotFoundError("initdb (apt-get install postgresql)")
        self.bin = found
        self.folder = Path(tempfile.mkdtemp(prefix="kaohe-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        os.chmod(self.folder, 0o755)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> Cluster:
        if not self.data.exists():
            self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                     "-E", "UTF8", "--locale", "C.UTF-8")
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=200")
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options,
                 "-w", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop("fast")
        self.start()

    def sql(self, statement: str, database: str = "postgres") -> str:
        return self.run(str(self.bin / "psql") if (self.bin / "psql").exists() else "psql",
                        "-h", str(self.folder), "-p", str(self.port), "-U", "postgres", "-d", database,
                        "-v", "ON_ERROR_STOP=1", "-Atc", statement).stdout

    def database(self, name: str) -> str:
        """A new database owned by the role kaohe (made once); its URL."""
        if not self.sql("SELECT 1 FROM pg_roles WHERE rolname = 'kaohe'").strip():
            self.sql("CREATE ROLE kaohe LOGIN")
        self.sql(f"CREATE DATABASE {name} OWNER kaohe")
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql://kaohe@127.0.0.1:{self.port}/{name}"

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
