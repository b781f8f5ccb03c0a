"""defaults.yaml: what a targets file gets for the keys it leaves out, read once from the package's data."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any


@cache
def _defaults() -> dict[str, Any]:
    from importlib.resources import files

    import yaml

    text = files("kaohe.targets").joinpath("defaults.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def default(section: str, key: str) -> Callable[[], Any]:
    """A factory for one default (a fresh copy each time: a model's lists are its own)."""
    return lambda: copy.deepcopy(_defaults()[section][key])
