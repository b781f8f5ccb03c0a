"""Safe YAML: plain data only, no anchors or aliases, no duplicate or non-string keys, and every node's line."""

from __future__ import annotations

import re
from typing import Any

import yaml

Marks = dict[tuple[Any, ...], tuple[int, int]]
from kaohe.limits import MAX_NUMBER_CHARS  # noqa: E402

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it


class _Loader(_Base):  # type: ignore[misc]
    """SafeLoader with YAML 1.2 booleans: `yes`, `no`, `Y`, `N`, `off` stay text (they are yes/no spellings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class YamlError(Exception):
    """A YAML text that kaohe will not load; str() is `line:column: what is wrong`."""


def load_yaml(text: str) -> tuple[Any, Marks]:
    """Parse one YAML document; return the data and a map from each key path to its (line, column)."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                start: Any = event.start_mark
                raise YamlError(f"{start.line + 1}:{start.column + 1}: anchors and aliases (& and *) are not allowed")
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}
            marks: Marks = {}
            _walk(node, (), marks)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        problem: Any = exc.problem_mark or exc.context_mark
        where = f"{problem.line + 1}:{problem.column + 1}" if problem is not None else "1:1"
        raise YamlError(f"{where}: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"1:1: {exc}") from exc
    return data, marks


def _walk(node: yaml.Node, path: tuple[Any, ...], marks: Marks) -> None:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise YamlError(f"{line}:{key_node.start_mark.column + 1}: keys must be plain text")
            key = key_node.value
            if key in seen:
                raise YamlError(f"{line}:{key_node.start_mark.column + 1}: duplicate key `{key}` "
                                f"(first on line {seen[key]})")
            seen[key] = line
            marks[(*path, key)] = (line, key_node.start_mark.column + 1)
            _walk(value_node, (*path, key), marks)
            marks[(*path, key)] = (line, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), marks)
    elif (isinstance(node, yaml.ScalarNode) and node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
          and len(node.value) > MAX_NUMBER_CHARS):
        # Python refuses to read an integer of more than 4300 digits (and nothing here needs more than a few)
        raise YamlError(f"{node.start_mark.line + 1}:{node.start_mark.column + 1}: a number of "
                        f"{len(node.value):,} characters is beyond anything a target needs")
