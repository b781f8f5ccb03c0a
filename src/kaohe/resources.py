"""Where the bundled targets and sample district are, in a wheel install and in a source checkout alike."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(relative: str) -> Path:
    """A file shipped with kaohe: `targets/2005.yaml`, `data/2005/submissions` …"""
    installed = _PACKAGE / "_bundled" / relative
    if installed.exists():
        return installed
    return _PACKAGE.parents[1] / relative  # editable install or source checkout: the repository's own copy


DEFAULT_TARGETS = "targets/2005.yaml"
SAMPLE_SUBMISSIONS = "data/2005/submissions"
SAMPLE_ROSTER = "data/2005/街道名单.csv"
SAMPLE_PERIODS = (("2005-H1", "data/2005-H1/submissions"), ("2005", "data/2005/submissions"))
