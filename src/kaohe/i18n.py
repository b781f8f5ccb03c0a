"""Interface labels in Chinese and English. Domain words (target titles, grades) come from the targets YAML."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "district": ("全区", "District"),
    "target": ("指标", "Target"),
    "required": ("要求", "Required"),
    "actual": ("实际", "Actual"),
    "met": ("达标", "Met"),
    "needed": ("还差", "Needed"),
    "rank": ("排名", "Rank"),
    "street": ("街道", "Street"),
    "score": ("得分", "Score"),
    "grade": ("等次", "Grade"),
    "status": ("状态", "Status"),
    "file": ("文件", "File"),
    "where": ("位置", "Where"),
    "community": ("社区", "Community"),
    "problem": ("问题", "Problem"),
    "communities": ("社区数", "Communities"),
    "summary": ("{title}：应报{expected}个街道，已报{submitted}个，读取{communities}个社区",
                "{title}: {submitted} of {expected} streets submitted, {communities} communities read"),
    "district_table": ("全区指标完成情况", "District targets"),
    "street_table": ("街道得分", "Street scores"),
    "issues_table": ("问题清单（{count}条）", "Issues ({count})"),
    "no_issues": ("没有发现问题。", "No issues found."),
    "general": ("其他", "General"),
    "status_submitted": ("已报送", "submitted"),
    "status_missing": ("未报送", "not submitted"),
    "status_unreadable": ("无法读取", "unreadable"),
    "status_duplicate": ("重复报送", "duplicate"),
    "unit_streets": ("个街道", " streets"),
    "unit_communities": ("个社区", " communities"),
    "every": ("全部", "all"),
    "grades": ("等次分布", "Grades"),
    "reading": ("读取", "Reading"),
    "writing": ("正在写评分表", "Writing the scorecard"),
    "lost": ("失分", "Lost"),
    "advisory": ("（不计分）", " (advisory)"),
}


def t(key: str, lang: str = "zh", **params: object) -> str:
    """The label `key` in `lang`, formatted with `params`."""
    zh, en = LABELS[key]
    text = en if lang == "en" else zh
    return text.format(**params) if params else text
