"""The street scorecard as CSV: one row per roster street, points per scored target."""

from __future__ import annotations

import csv
import io

from kaohe.i18n import t
from kaohe.model import Report
from kaohe.report import plain
from kaohe.targets import Targets


def render_csv(report: Report, targets: Targets, lang: str = "zh") -> str:
    """The scorecard as CSV text, sorted by rank then roster order."""
    scored = [tg for tg in targets.targets if tg.points > 0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([t("rank", lang), t("street", lang), t("status", lang), t("score", lang), t("grade", lang),
                     *(tg.name(lang) if lang == "en" else tg.short_name(lang) for tg in scored),
                     t("file", lang)])
    grade_titles = {g.name: g.title(lang) for g in targets.grades}
    for s in sorted(report.streets, key=lambda s: s.rank):
        points = {r.id: plain(r.points) for r in s.targets}
        writer.writerow([s.rank, s.name, t(f"status_{s.status}", lang), f"{s.score:.2f}",
                         grade_titles.get(s.grade, s.grade), *(points.get(tg.id, 0) for tg in scored),
                         "、".join(s.files)])
    return out.getvalue()
