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
    """A YAML text that kaohe will not load; str() is `line:column: what is wrong` in English, `zh` the same in
    Chinese; `line` and `column` are 1-based."""

    def __init__(self, line: int, column: int, en: str, zh: str | None = None) -> None:
        super().__init__(f"{line}:{column}: {en}")
        self.line, self.column, self.en, self.zh = line, column, en, zh or en

    def text(self, lang: str) -> str:
        return f"{self.line}:{self.column}: {self.zh if lang == 'zh' else self.en}"


# What PyYAML says, in Chinese, for the mistakes people make typing a targets file by hand
_PYYAML_ZH = (
    ("tab character", "用了 Tab 键缩进：YAML 只能用空格缩进"),
    ("found character '\\t'", "用了 Tab 键缩进：YAML 只能用空格缩进"),
    ("mapping values are not allowed here", "这里不能有冒号（值里含冒号时，给整个值加上引号）"),
    ("could not find expected ':'", "缺少冒号：应写成“键: 值”，冒号是英文半角的，后面跟一个空格"),
    ("did not find expected key", "缩进不对，或缺少键"),
    ("expected <block end>", "缩进不对：同一层的各项应左对齐"),
    ("did not find expected ',' or ']'", "列表缺少英文逗号或右方括号 ]"),
    ("did not find expected ',' or '}'", "缺少英文逗号或右花括号 }"),
    ("found unexpected end of stream", "文件意外结束：引号或括号没有配对"),
    ("found unknown escape character", "引号里有不认识的转义字符（\\）：改用单引号"),
    ("expected a comment or a line break", "这一行多出了内容（引号后面不能再写字）"),
)


def _pyyaml_zh(problem: str) -> str:
    return next((zh for en, zh in _PYYAML_ZH if en in problem), f"YAML 格式有误（{problem}）")


# Punctuation a Chinese input method types where YAML needs the ASCII one: found before the parser, at its own
# line, instead of PyYAML's complaint a line later ("could not find expected ':'").
_FULLWIDTH_COLON = re.compile(r"^\s*(?:-\s+)?[^\s#:'\"“][^#:]*?\s*：")
_FLOW_ITEM = re.compile(r"\[[^\]]*\]")


def _fullwidth_punctuation(text: str) -> None:
    """Raise YamlError at the first line where a full-width colon, comma or quote stands for YAML's own."""
    for n, line in enumerate(text.splitlines(), 1):
        code = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        if not code.strip():
            continue
        if ":" not in code and (m := _FULLWIDTH_COLON.match(code)):
            raise YamlError(n, m.end(), "a full-width colon (：) where YAML needs ':' followed by a space",
                            "用了中文冒号（：），应为英文冒号加空格（: ）")
        for flow in _FLOW_ITEM.finditer(code):
            if "，" in flow.group(0):
                col = flow.start() + flow.group(0).index("，") + 1
                raise YamlError(n, col, "a full-width comma (，) in a list, where YAML needs ','",
                                "列表里用了中文逗号（，），应为英文逗号（,）")
            if any(item.strip().startswith(("“", "‘")) for item in flow.group(0)[1:-1].split(",")):
                col = flow.start() + next(i for i, c in enumerate(flow.group(0)) if c in "“‘") + 1
                raise YamlError(n, col, "full-width quotes (“ ”) around a list item, where YAML needs \" or '",
                                "列表项用了中文引号（“ ”），应为英文引号或不加引号")
        key = code.lstrip().removeprefix("- ")
        if key.startswith(("“", "‘")) and re.match(r"[“‘][^”’]*[”’]\s*:", key):
            raise YamlError(n, len(code) - len(code.lstrip()) + 1, "full-width quotes (“ ”) around a key",
                            "键用了中文引号（“ ”），应为英文引号或不加引号")


def load_yaml(text: str) -> tuple[Any, Marks]:
    """Parse one YAML document; return the data and a map from each key path to its (line, column)."""
    _fullwidth_punctuation(text)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                start: Any = event.start_mark
                raise YamlError(start.line + 1, start.column + 1, "anchors and aliases (& and *) are not allowed",
                                "不能使用锚点和别名（& 和 *）")
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
        line, column = (problem.line + 1, problem.column + 1) if problem is not None else (1, 1)
        said = str(exc.problem or exc.context)
        lines = text.splitlines()
        at = lines[line - 1][column - 1:column] if line <= len(lines) else ""
        zh = "用了 Tab 键缩进：YAML 只能用空格缩进" if at == "\t" else _pyyaml_zh(said)
        raise YamlError(line, column, said, zh) from exc
    except yaml.YAMLError as exc:
        raise YamlError(1, 1, str(exc), _pyyaml_zh(str(exc))) from exc
    return data, marks


def _walk(node: yaml.Node, path: tuple[Any, ...], marks: Marks) -> None:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise YamlError(line, key_node.start_mark.column + 1, "keys must be plain text", "键必须是文字")
            key = key_node.value
            if key in seen:
                raise YamlError(line, key_node.start_mark.column + 1,
                                f"duplicate key `{key}` (first on line {seen[key]})",
                                f"键 `{key}` 重复（第一次在第 {seen[key]} 行）")
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
        raise YamlError(node.start_mark.line + 1, node.start_mark.column + 1,
                        f"a number of {len(node.value):,} characters is beyond anything a target needs",
                        f"一个 {len(node.value):,} 位的数，远超任何指标所需")
