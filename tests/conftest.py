"""Shared fixtures: the bundled targets, a builder of clerk-style workbooks, LibreOffice when present."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clerks import Style, write_workbook
from kaohe.issues import Issue
from kaohe.resources import DEFAULT_TARGETS, bundled
from kaohe.targets import Targets, load_targets

STREET = {"name": "东风街道", "kind": "街道", "center_area": 1200, "service_projects": 12, "demo_street": True}


def community(name: str, **over: Any) -> dict[str, Any]:
    """A community that meets every target, with some values replaced."""
    values: dict[str, Any] = {
        "name": name, "type": "老城区", "households": 2300, "room_area": 160, "office_area": 320,
        "culture_capacity": 60, "education_station": True, "modern": True, "safe": True,
        "police_office": True, "health_station": True, "pilot": False, "remark": "",
    }
    values.update(over)
    return values


def good_communities(n: int = 3) -> list[dict[str, Any]]:
    names = ["春晖社区", "锦绣社区", "和平社区", "幸福社区", "光明社区", "朝阳社区", "新华社区", "民主社区"]
    return [community(names[i]) for i in range(n)]


def compact(issues: list[Issue] | tuple[Issue, ...]) -> list[tuple[str | None, str | None, str]]:
    """Issues as (file, cell, code), the way tests compare them."""
    return [(i.file, i.cell, i.code) for i in issues]


@pytest.fixture(scope="session")
def targets() -> Targets:
    return load_targets(bundled(DEFAULT_TARGETS))


@pytest.fixture
def book(tmp_path: Path) -> Callable[..., Path]:
    """book(name, communities=…, street=…, style=…) writes one workbook in tmp_path/subs."""

    def make(file: str = "东风街道.xlsx", communities: list[dict[str, Any]] | None = None,
             street: dict[str, Any] | None = None, style: Style | None = None) -> Path:
        return write_workbook(tmp_path / "subs" / file, street if street is not None else dict(STREET),
                              communities if communities is not None else good_communities(), style)

    return make


def soffice_convert(sources: list[Path], fmt: str, outdir: Path) -> list[Path]:
    """Re-save files with LibreOffice, as an office would; skips the test where LibreOffice is absent."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([exe, "--headless", "--convert-to", fmt, "--outdir", str(outdir), *map(str, sources)],
                   check=True, capture_output=True, timeout=300)
    return [outdir / f"{s.stem}.{fmt.split(':')[0]}" for s in sources]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs LibreOffice is slow too: `pytest -m "not slow"` leaves it out."""
    for item in items:
        if item.get_closest_marker("soffice") is not None:
            item.add_marker(pytest.mark.slow)


# ---- the desk: a fresh desk over the sample roster, and a client of its app, on each store — a data folder
# (SQLite) and a district of a PostgreSQL store — so that every desk test runs against both

STORES = ["folder", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster() -> Any:
    """A throwaway PostgreSQL cluster for the session (tests/pgcluster.py); skipped where PostgreSQL is not
    installed, failed in CI (.ci/run installs it)."""
    from pgcluster import Cluster, bin_dir

    if bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL (initdb) is required in CI: .ci/run installs it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    cluster = Cluster().start()
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def pg_store(pg_cluster: Any) -> str:
    """The URL of one database of the cluster; each test takes a district of its own in it."""
    return str(pg_cluster.database("kaohe"))


@pytest.fixture
def own_store(pg_cluster: Any) -> str:
    """A database of the test's own: a city's page or process sees every district of its store (the session's
    shared one holds every other test's)."""
    import uuid

    return str(pg_cluster.database(f"t{uuid.uuid4().hex[:10]}"))


def make_desk(request: pytest.FixtureRequest, root: Path, store: str = "folder", roster: Path | None = None,
              targets: Path | None = None) -> Any:
    """A new desk over `targets` and `roster` (the sample's by default): in the folder `root`, or a new
    district of the session's PostgreSQL store with `root` as its working folder."""
    import uuid

    from kaohe.desk.store import Desk
    from kaohe.resources import SAMPLE_ROSTER

    roster = roster or bundled(SAMPLE_ROSTER)
    targets = targets or bundled(DEFAULT_TARGETS)
    if store == "folder":
        return Desk.create(root, targets, roster, None)
    url = request.getfixturevalue("pg_store")
    desk = Desk.create(root, targets, roster, None, store=url,
                       district=f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}")
    request.addfinalizer(desk.close)
    return desk


def where_args(desk: Any) -> list[str]:
    """The options naming `desk` on kaohe's command line: --data DIR, or --store URL --district NAME."""
    if desk.store is None:
        return ["--data", str(desk.root)]
    return ["--store", desk.store, "--district", desk.district]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The store a desk test runs on: folder, postgresql."""
    return str(request.param)


@pytest.fixture
def store_url(request: pytest.FixtureRequest, store: str) -> str | None:
    """The store a test's `kaohe serve` runs on: None (a data folder), or the session's PostgreSQL store."""
    return None if store == "folder" else str(request.getfixturevalue("pg_store"))


@pytest.fixture
def desk(request: pytest.FixtureRequest, tmp_path: Path, store: str) -> Any:
    return make_desk(request, tmp_path / "desk", store)


@pytest.fixture
def client(desk: Any) -> Any:
    from starlette.testclient import TestClient

    from kaohe.desk.app import create_app

    return TestClient(create_app(desk), follow_redirects=False)
