"""Reading a targets file: YAML safely, then the schema, every problem raised as one TargetsError naming its
line and column."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kaohe.errors import TargetsError
from kaohe.limits import MAX_TARGETS_BYTES  # noqa: E402
from kaohe.targets.schema import Targets


def load_targets(path: Path) -> Targets:
    """Read and validate a targets file; every problem is raised as one TargetsError naming its line."""
    from kaohe.yamlsafe import YamlError, load_yaml

    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise TargetsError(key="err.targets_missing", path=str(path)) from exc
    except OSError as exc:
        raise TargetsError(key="err.targets_unreadable", path=str(path), detail=exc.strerror or "") from exc
    if len(raw) > MAX_TARGETS_BYTES:
        raise TargetsError(key="err.targets_too_large", path=str(path), limit=MAX_TARGETS_BYTES)
    try:
        data, marks = load_yaml(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise TargetsError(key="err.targets_not_utf8", path=str(path)) from exc
    except YamlError as exc:
        raise TargetsError(key="err.targets_yaml", path=str(path), zh=exc.text("zh"), en=exc.text("en")) from exc
    if not isinstance(data, dict):
        raise TargetsError(key="err.targets_not_mapping", path=str(path))
    _unique_ids(path, data, marks)
    try:
        # JSON mode keeps strictness (no "10" for 10, no "yes" for true) while YAML lists stand for tuples
        targets = Targets.model_validate_json(json.dumps(data, ensure_ascii=False, default=str))
    except ValidationError as exc:
        zh, en = _explain(path, exc, marks, data)
        raise TargetsError(key="err.targets_invalid", zh=zh, en=en) from exc
    targets._source = path
    return targets


def _unique_ids(path: Path, data: dict[str, Any], marks: dict[tuple[Any, ...], tuple[int, int]]) -> None:
    """A target id used twice is named at its second use, with the line of its first (the model could only
    say it at the top of the file)."""
    first: dict[str, int] = {}
    for i, target in enumerate(data.get("targets") or []):
        if not isinstance(target, dict) or not isinstance(target.get("id"), str):
            continue
        line, column = marks.get(("targets", i, "id"), marks.get(("targets", i), (1, 1)))
        if target["id"] in first:
            where = f"{path}:{line}:{column}: targets.{i}.id"
            raise TargetsError(key="err.targets_invalid",
                               zh=f"{where}: 指标 id “{target['id']}”重复（第一次在第 {first[target['id']]} 行）",
                               en=f"{where}: the target id `{target['id']}` is used twice (first on line "
                                  f"{first[target['id']]})")
        first[target["id"]] = line


def _explain(path: Path, exc: ValidationError, marks: dict[tuple[Any, ...], tuple[int, int]],
             data: Any) -> tuple[str, str]:
    """Every problem of a targets file on its own line, where it is (file:line:column), in Chinese and English;
    a misspelled key or name gets the nearest valid one."""
    zh_lines: list[str] = []
    en_lines: list[str] = []
    seen = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        # pydantic adds union branch names ("FieldTest") and validator tags to loc; keep the YAML path.
        path_parts: list[Any] = []
        for part in loc:
            candidate = (*path_parts, part)
            if candidate in marks or isinstance(part, int) and candidate in marks:
                path_parts.append(part)
        msg = err["msg"].removeprefix("Value error, ")
        named = re.findall(r"`([^`]+)`", msg)
        if not path_parts and named:  # a rule about the whole file names what is wrong: find it in the file
            path_parts = list(_path_of_value(data, named[0]) or [])
        where = marks.get(tuple(path_parts), (1, 1))
        dotted = ".".join(str(p) for p in path_parts) or "(top)"
        key = (where, dotted, msg)
        if key in seen:
            continue
        seen.add(key)
        kind = err["type"]
        hint = ""
        if kind == "extra_forbidden" and path_parts:
            hint = _nearest(str(path_parts[-1]), _schema_keys())
        elif named and "is not defined" in msg:
            hint = _nearest(named[0], _defined_names(data))
        head = f"{path}:{where[0]}:{where[1]}: {dotted}: "
        en_lines.append(head + msg + (f" (did you mean `{hint}`?)" if hint else ""))
        zh_lines.append(head + _in_chinese(kind, msg, err) + (f"（是不是“{hint}”？）" if hint else ""))
    return "\n".join(zh_lines[:20]), "\n".join(en_lines[:20])


def _in_chinese(kind: str, msg: str, err: Any) -> str:
    """pydantic's message, said in Chinese for the kinds a person makes; kaohe's own rules say it themselves."""
    if kind == "kaohe_rule":
        return str(err.get("ctx", {}).get("zh") or msg)
    if kind == "extra_forbidden":
        return "不认识这个键（拼写错误或放错了位置）"
    if kind == "missing":
        return "缺少这一项（必填）"
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return f"取值不在允许范围内（应为 {ctx.get('expected', msg)} 之一）"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "应填一个整数"
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing"):
        return "应填一个数"
    if kind in ("string_type",):
        return "应填文字"
    if kind in ("bool_type", "bool_parsing"):
        return "应填 true 或 false"
    if kind in ("list_type", "tuple_type"):
        return "应填一个列表（[甲, 乙] 或逐行“- 甲”）"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "应填一组“键: 值”"
    if kind.endswith(("_type", "_parsing")):
        return f"类型不对（{msg}）"
    if kind in ("greater_than", "greater_than_equal"):
        return f"数值太小（应{'大于' if kind == 'greater_than' else '不小于'} {ctx.get('gt', ctx.get('ge', ''))}）"
    if kind in ("less_than", "less_than_equal"):
        return f"数值太大（应{'小于' if kind == 'less_than' else '不大于'} {ctx.get('lt', ctx.get('le', ''))}）"
    if kind in ("too_short", "too_long"):
        return f"项数不对（{'太少' if kind == 'too_short' else '太多'}）"
    return f"取值有误（{msg}）"


def _nearest(word: str, candidates: set[str]) -> str:
    import difflib

    found = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return found[0] if found else ""


def _schema_keys() -> set[str]:
    """Every key a targets file may use, at any level (from the schema)."""
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(Targets.model_json_schema(by_alias=True))
    return keys


def _defined_names(data: Any) -> set[str]:
    """The names a targets file defines: its fields, units and grades."""
    names: set[str] = set()
    if isinstance(data, dict):
        fields = data.get("fields") or {}
        for level in ("street", "community"):
            names.update((fields.get(level) or {}) if isinstance(fields, dict) else {})
        names.update(data.get("units") or {})
        names.update(g.get("name", "") for g in data.get("grades") or [] if isinstance(g, dict))
    return {str(n) for n in names}


def _path_of_value(data: Any, value: str, here: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The key path of the first place in the file whose value is `value` (a name a rule complains about)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if v == value and not isinstance(v, dict | list):
                return (*here, k)
            found = _path_of_value(v, value, (*here, k))
            if found:
                return found
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found = _path_of_value(v, value, (*here, i))
            if found:
                return found
    return None
