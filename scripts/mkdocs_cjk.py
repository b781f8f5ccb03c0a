"""MkDocs hook: a line break between two Chinese characters joins the lines without a space.

Markdown turns a line break inside a paragraph into a space, which is right between English words and wrong
between Chinese characters (浏览器会把“每列有\\n填写提示”显示成“每列有 填写提示”). The guide's sources keep
their lines wrapped for review; this joins them back where both sides are CJK.
"""

from __future__ import annotations

import re
from typing import Any

_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_JOIN = re.compile(rf"(?<=[{_CJK}])\n(?=[{_CJK}])")


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return _JOIN.sub("", markdown)
