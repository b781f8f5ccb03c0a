"""The street scorecard as CSV: one row per roster street, points per scored target."""

from __future__ import annotations

import csv
import io

from kaohe.model import Report
from kaohe.report import plain
from kaohe.targets import Targets
from kaohe.words import Translator


def render_csv(report: Report, targets: Targets, tr: Translator) -> str:
    """The scorecard as CSV text, sorted by rank then roster order."""
    scored = [tg for tg in targets.targets if tg.points > 0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # the full English title (English short names are codes); the short Chinese one
    writer.writerow([tr("rank"), tr("street"), tr("status"), tr("score"), tr("grade"),
                     *(tg.name(tr.lang) if tr.en else tg.short_name(tr.lang) for tg in scored), tr("file")])
    grade_titles = {g.name: g.title(tr.lang) for g in targets.grades}
    for s in sorted(report.streets, key=lambda s: s.rank):
        points = {r.id: plain(r.points) for r in s.targets}
        writer.writerow([s.rank, s.name, tr(f"status_{s.status}"), f"{s.score:.2f}",
                         grade_titles.get(s.grade, s.grade), *(points.get(tg.id, 0) for tg in scored),
                         "、".join(s.files)])
    return out.getvalue()
