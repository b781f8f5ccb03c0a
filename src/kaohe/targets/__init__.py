"""The targets file: its shape (schema.py), how it is read (load.py), and its defaults (defaults.yaml).

Header matching, which the readers do with the labels and aliases of these fields, is workbook/headers.py.
"""

from kaohe.limits import MAX_TARGETS_BYTES
from kaohe.targets.load import load_targets
from kaohe.targets.schema import (
    AllTest,
    AnyTest,
    ConsistencyRule,
    DistrictRule,
    FieldDef,
    Fields,
    FieldTest,
    Grade,
    Layout,
    MeasureUnit,
    Requirement,
    Scoring,
    Target,
    Targets,
    Test,
)

__all__ = [
    "MAX_TARGETS_BYTES", "AllTest", "AnyTest", "ConsistencyRule", "DistrictRule", "FieldDef", "FieldTest", "Fields",
    "Grade", "Layout", "MeasureUnit", "Requirement", "Scoring", "Target", "Targets", "Test", "load_targets",
]
