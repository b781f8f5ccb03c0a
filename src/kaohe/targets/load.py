"""Reading a targets file: YAML safely, then the schema, every problem raised as one TargetsError naming its
line and column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kaohe.errors import TargetsError
from kaohe.targets.schema import Targets

MAX_TARGETS_BYTES = 1_000_000


def load_targets(path: Path) -> Targets:
    """Read and validate a targets file; every problem is raised as one TargetsError naming its line."""
    from kaohe.yamlsafe import YamlError, load_yaml

    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise TargetsError(f"{path}: no such targets file") from exc
    except OSError as exc:
        raise TargetsError(f"{path}: cannot read the targets file ({exc.strerror})") from exc
    if len(raw) > MAX_TARGETS_BYTES:
        raise TargetsError(f"{path}: a targets file is at most {MAX_TARGETS_BYTES:,} bytes")
    try:
        data, marks = load_yaml(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise TargetsError(f"{path}: not UTF-8 text") from exc
    except YamlError as exc:
        raise TargetsError(f"{path}:{exc}") from exc
    if not isinstance(data, dict):
        raise TargetsError(f"{path}: a targets file is a YAML mapping (schema:, fields:, targets:, grades:)")
    try:
        # JSON mode keeps strictness (no "10" for 10, no "yes" for true) while YAML lists stand for tuples
        targets = Targets.model_validate_json(json.dumps(data, ensure_ascii=False, default=str))
    except ValidationError as exc:
        raise TargetsError(_explain(path, exc, marks)) from exc
    targets._source = path
    return targets


def _explain(path: Path, exc: ValidationError, marks: dict[tuple[Any, ...], tuple[int, int]]) -> str:
    lines = []
    seen = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        # pydantic adds union branch names ("FieldTest") and validator tags to loc; keep the YAML path.
        path_parts: list[Any] = []
        for part in loc:
            candidate = (*path_parts, part)
            if candidate in marks or isinstance(part, int) and candidate in marks:
                path_parts.append(part)
        where = marks.get(tuple(path_parts), (1, 1))
        dotted = ".".join(str(p) for p in path_parts) or "(top)"
        msg = err["msg"].removeprefix("Value error, ")
        key = (where, dotted, msg)
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"{path}:{where[0]}:{where[1]}: {dotted}: {msg}")
    return "\n".join(lines[:20])
