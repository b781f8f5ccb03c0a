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


def test_the_offline_install_of_the_windows_page_works_with_no_index(tmp_path):
    """docs/*/windows.md: on a connected PC `pip wheel . --wheel-dir kaohe-wheels`, carried over, then
    `pip install --no-index --find-links kaohe-wheels kaohe` on a PC without internet. The same two steps here,
    the second in a fresh environment that sees no package index and no installed package."""
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("not a source checkout")
    source = tmp_path / "kaohe 源码"  # a folder with a space and Chinese, as on a bureau PC
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".*cache",
                                                                "build", "dist"))
    wheels = tmp_path / "kaohe-wheels"
    made = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", str(source), "--wheel-dir", str(wheels)],
                          capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stderr[-2000:]
    shutil.rmtree(source)
    venv = tmp_path / "offline"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # no system site-packages
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "PYTHONPATH"}
    env["PIP_CONFIG_FILE"] = os.devnull  # nothing from this machine's pip settings: only the folder
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index",
                           "--find-links", str(wheels), "kaohe"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = run(venv / "bin" / "kaohe", "assess", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["district"]["streets_expected"] == 12
