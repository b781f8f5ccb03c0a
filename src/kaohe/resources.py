"""Where the bundled targets and sample district are, in a wheel install and in a source checkout alike.

The repository keeps them at its top (targets/, data/: where people look for them); a wheel carries them
inside the package as kaohe/_bundled/ (pyproject.toml, force-include), found through importlib.resources.
An editable install or a source checkout has no _bundled/, and reads the repository's own copies.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT_TARGETS = "targets/2005.yaml"
SAMPLE_SUBMISSIONS = "data/2005/submissions"
SAMPLE_ROSTER = "data/2005/街道名单.csv"
# the history file assess --record writes and progress/compare read, in the folder kaohe runs in (the one name
# the command line, the library and the history module use)
DEFAULT_HISTORY = Path("kaohe-history.sqlite")
SAMPLE_PERIODS = (("2005-H1", "data/2005-H1/submissions"), ("2005", "data/2005/submissions"))


def bundled(relative: str) -> Path:
    """A file shipped with kaohe: `targets/2005.yaml`, `data/2005/submissions` …"""
    installed = Path(str(files("kaohe").joinpath("_bundled", relative)))
    if installed.exists():
        return installed
    return Path(__file__).resolve().parents[2] / relative  # src/kaohe/resources.py → the repository
