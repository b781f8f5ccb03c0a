"""kaohe (考核): a district's yearly community-building target assessment, as a library and a command.

    import kaohe

    report = kaohe.assess()                       # the bundled sample district
    best = report.streets[0]
    print(best.name, best.score, best.grade)      # 东风街道 100.00 优秀

One call per job: assess (with `verified=` for inspectors' findings), check, load_targets, write_scorecard,
write_report (.xlsx/.json/.csv), write_street_results, write_check_result, write_templates,
write_verification_sheets, to_document, progress, compare, and History for the assessment history.
Everything returned is an immutable value; bad workbooks are issues inside the report, and only a run that
cannot be made at all raises a KaoheError.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, imported for real only when first used: `kaohe --help` stays fast
    from kaohe.api import (
        History,
        TemplateWritten,
        accept_learned,
        assess,
        check,
        compare,
        learn,
        load_targets,
        progress,
        to_document,
        write_check_result,
        write_report,
        write_scorecard,
        write_street_results,
        write_templates,
        write_verification_sheets,
    )
    from kaohe.errors import InputError, KaoheError, RosterError, TargetsError
    from kaohe.issues import Issue
    from kaohe.model import Report, StreetResult, TargetResult
    from kaohe.targets import Targets

_WHERE = {
    **dict.fromkeys(["History", "TemplateWritten", "accept_learned", "assess", "check", "compare", "learn",
                     "load_targets", "progress",
                     "to_document", "write_check_result", "write_report", "write_scorecard",
                     "write_street_results", "write_templates", "write_verification_sheets"], "kaohe.api"),
    **dict.fromkeys(["InputError", "KaoheError", "RosterError", "TargetsError"], "kaohe.errors"),
    "Issue": "kaohe.issues", "Report": "kaohe.model", "StreetResult": "kaohe.model",
    "TargetResult": "kaohe.model", "Targets": "kaohe.targets",
}

try:
    __version__ = version("kaohe")
except PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0+unknown"

__all__ = [
    "History", "InputError", "Issue", "KaoheError", "Report", "RosterError", "StreetResult", "TargetResult",
    "Targets", "TargetsError", "TemplateWritten", "__version__", "accept_learned", "assess", "check", "compare",
    "learn", "load_targets",
    "progress", "to_document", "write_check_result", "write_report", "write_scorecard", "write_street_results",
    "write_templates", "write_verification_sheets",
]
assert sorted(__all__) == sorted([*_WHERE, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'kaohe' has no attribute {name!r}")
