"""A plain `pip install .` (not editable) ships the targets and the sample: `kaohe assess` works anywhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow  # the whole module: a wheel build / hundreds of generated cases


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("not a source checkout")
    work = tmp_path_factory.mktemp("install")
    source = work / "src-copy"  # build from a copy, so no build artefact lands in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".*cache",
                                                                "build", "dist"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, str(source)], check=True, capture_output=True, timeout=600)
    shutil.rmtree(source)  # the installed copy must stand on its own
    return venv / "bin" / "kaohe"


def run(exe: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["COLUMNS"] = "80"
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def test_wheel_install_assesses_the_sample_from_another_folder(installed, tmp_path):
    table = run(installed, "assess", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "街道得分" in table.stdout and "东风街道" in table.stdout and "光明街道" in table.stdout
    result = run(installed, "assess", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["district"]["streets_expected"] == 12
    module = subprocess.run([str(installed.parent / "python"), "-c", "import kaohe; print(kaohe.__file__)"],
                            cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert "site-packages" in module  # the installed copy, not the checkout
