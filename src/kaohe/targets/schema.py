"""The shape of a targets file: a strict pydantic model of the YAML (kaohe.targets/1).

Layout words have their defaults in defaults.yaml beside this file, not in code: a targets file that says
nothing about them gets those.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kaohe.targets.defaults import default


def _rule(zh: str, en: str) -> PydanticCustomError:
    """A targets-file rule broken, said in both languages (load.py shows the one the user reads)."""
    return PydanticCustomError("kaohe_rule", en.replace("{", "{{").replace("}", "}}"), {"zh": zh})


def _to_fraction(value: Any) -> Fraction:
    """`85%`, `0.85`, `17/20` and 0.85 all become Fraction(17, 20), exactly."""
    if isinstance(value, bool):
        raise _rule(
            "应填一个数：整数、小数、1/3 这样的分数或 85% 这样的百分数",
            "expected a number, a fraction like 1/3 or a percentage like 85%")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    text = str(value).strip()
    try:
        if text.endswith("%"):
            return Fraction(text[:-1].strip()) / 100
        return Fraction(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise _rule(
            "应填一个数：整数、小数、1/3 这样的分数或 85% 这样的百分数",
            "expected a number, a fraction like 1/3 or a percentage like 85%") from exc


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _rule("应填一个数", "expected a number")
    try:
        return Decimal(str(value).strip())
    except Exception as exc:  # decimal.InvalidOperation has no useful message
        raise _rule("应填一个数", "expected a number") from exc


Frac = Annotated[Fraction, BeforeValidator(_to_fraction), PlainSerializer(str, return_type=str),
                 WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string",
                                                               "pattern": r"^\s*[0-9.]+\s*(%|/\s*[0-9]+)?\s*$"}],
                                 "description": "a number, a fraction like 1/3, or a percentage like 85%"})]
Num = Annotated[Decimal, BeforeValidator(_to_decimal), PlainSerializer(str, return_type=str),
                WithJsonSchema({"type": "number"})]


T = TypeVar("T")
# Two values written as a YAML list, e.g. range: [0, 10000]. A list (not a tuple) so strict mode accepts YAML.
Pair = Annotated[list[T], Field(min_length=2, max_length=2)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, strict=True)


# ---- fields -------------------------------------------------------------------------------------------

FieldType = Literal["text", "number", "integer", "yesno", "choice"]


class MeasureUnit(Model):
    """A unit of measure (㎡, 户, 人): how it is labelled and every way clerks spell it after a figure."""

    label: str
    spellings: list[str] = Field(min_length=1)


class FieldDef(Model):
    label: str
    label_en: str | None = None
    aliases: list[str] = []
    type: FieldType
    unit: str | None = None
    range: Pair[Num] | None = None
    choices: dict[str, list[str]] | None = None
    required: bool = True
    key: bool = False
    words: Pair[str] | None = None  # how the template asks a yes/no question: (有, 无) rather than (是, 否)
    hint: str | None = None  # the template's input hint for the column

    @model_validator(mode="after")
    def _consistent(self) -> FieldDef:
        if self.type == "choice" and not self.choices:
            raise _rule(
                "选项字段（type: choice）需要 `choices: {取值: [写法]}`",
                "a choice field needs `choices: {value: [spellings]}`")
        if self.type != "choice" and self.choices:
            raise _rule("`choices` 只用于 type: choice 的字段", "`choices` only applies to type: choice")
        if self.range and self.type not in ("number", "integer"):
            raise _rule(
                "`range` 只用于数值（number、integer）字段",
                "`range` only applies to number and integer fields")
        if self.words and self.type != "yesno":
            raise _rule("`words` 只用于是否（yesno）字段", "`words` only applies to yes/no fields")
        if self.range and self.range[0] > self.range[1]:
            raise _rule("`range` 应写成 [下限, 上限]，下限不大于上限", "`range` must be [low, high] with low <= high")
        return self

    def title(self, lang: str) -> str:
        return (self.label_en or self.label) if lang == "en" else self.label

    def choices_list(self, targets: Targets) -> list[str]:
        """The values a template offers in its dropdown: the choices, or the yes and no words."""
        if self.type == "choice":
            return list(self.choices or {})
        if self.type == "yesno":
            if self.words:
                return list(self.words)
            vocab = targets.yesno_words
            return [vocab["yes"][0], vocab["no"][0]]
        return []


class Fields(Model):
    street: dict[str, FieldDef]
    community: dict[str, FieldDef]

    @model_validator(mode="after")
    def _one_key_each(self) -> Fields:
        for level, defs in (("street", self.street), ("community", self.community)):
            keys = [name for name, d in defs.items() if d.key]
            if len(keys) != 1:
                raise _rule(
                    f"fields.{level} 需要且只能有一个 `key: true` 的字段（名称那一列）",
                    f"fields.{level} needs exactly one field with `key: true` (its name column)")
            if defs[keys[0]].type != "text":
                raise _rule(
                    f"fields.{level}.{keys[0]}：名称字段必须是 type: text",
                    f"fields.{level}.{keys[0]}: the key field must be type: text")
        return self


class Layout(Model):
    """How offices lay their workbooks out, in words: what each key means is said in defaults.yaml."""

    total_words: list[str] = Field(default_factory=default("layout", "total_words"))
    note_prefixes: list[str] = Field(default_factory=default("layout", "note_prefixes"))
    example_prefixes: list[str] = Field(default_factory=default("layout", "example_prefixes"))
    column_number_marks: list[str] = Field(default_factory=default("layout", "column_number_marks"))
    header_prefixes_to_drop: list[str] = Field(default_factory=default("layout", "header_prefixes_to_drop"))
    street_name_prefixes: list[str] = Field(default_factory=default("layout", "street_name_prefixes"))
    street_name_suffixes: list[str] = Field(default_factory=default("layout", "street_name_suffixes"))
    roster_headers: list[str] = Field(default_factory=default("layout", "roster_headers"))
    roster_email_headers: list[str] = Field(default_factory=default("layout", "roster_email_headers"))
    roster_file_names: list[str] = Field(default_factory=default("layout", "roster_file_names"))
    street_name_endings: list[str] = Field(default_factory=default("layout", "street_name_endings"))
    group_words: list[str] = Field(default_factory=default("layout", "group_words"))
    street_column_headers: list[str] = Field(default_factory=default("layout", "street_column_headers"))
    community_name_endings: list[str] = Field(default_factory=default("layout", "community_name_endings"))
    count_words: list[str] = Field(default_factory=default("layout", "count_words"))
    doubtful_share: float = Field(default_factory=default("layout", "doubtful_share"))
    doubtful_min: int = Field(default_factory=default("layout", "doubtful_min"))
    header_qualifiers: list[str] = Field(default_factory=default("layout", "header_qualifiers"))
    period_forms: list[str] = Field(default_factory=default("layout", "period_forms"))
    previous_period_words: list[str] = Field(default_factory=default("layout", "previous_period_words"))
    period_parts: dict[Literal["H1", "H2", "Q1", "Q2", "Q3", "Q4"], list[str]] = Field(
        default_factory=default("layout", "period_parts"))
    vocabulary_gap_words: int = Field(default_factory=default("layout", "vocabulary_gap_words"), ge=1, le=10)
    unplaced_columns: int = Field(default_factory=default("layout", "unplaced_columns"), ge=2, le=50)
    vocabulary_gap_share: float = Field(default_factory=default("layout", "vocabulary_gap_share"), gt=0, le=1)
    header_extra_chars: int = Field(default_factory=default("layout", "header_extra_chars"), ge=0, le=40)
    serial_headers: list[str] = Field(default_factory=default("layout", "serial_headers"))
    unit_prefixes: list[str] = Field(default_factory=default("layout", "unit_prefixes"))
    community_count_tolerance: float = Field(default_factory=default("layout", "community_count_tolerance"),
                                             ge=0)
    negative_marks: list[str] = Field(default_factory=default("layout", "negative_marks"))
    positive_marks: list[str] = Field(default_factory=default("layout", "positive_marks"))

    @field_validator("period_forms")
    @classmethod
    def _year_in_each(cls, forms: list[str]) -> list[str]:
        for form in forms:
            if form.count("{year}") != 1:
                raise _rule(
                    f"考核期写法“{form}”里应有且只有一个 {{year}}",
                    f"period form “{form}” must hold {{year}} once")
        return forms


# ---- tests (predicates on one street or community) ----------------------------------------------------

_OPERATORS = ("at_least", "at_most", "more_than", "less_than", "between", "is", "in")


def _attr(op: str) -> str:
    return op + "_" if op in ("is", "in") else op


class FieldTest(Model):
    field: str
    at_least: Num | None = None
    at_most: Num | None = None
    more_than: Num | None = None
    less_than: Num | None = None
    between: Pair[Num] | None = None
    is_: bool | None = Field(default=None, alias="is")
    in_: list[str] | None = Field(default=None, alias="in")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    @model_validator(mode="after")
    def _one_operator(self) -> FieldTest:
        given = [op for op in _OPERATORS if getattr(self, _attr(op)) is not None]
        if len(given) != 1:
            raise _rule(
                f"一个 test 写一个字段，并且只写以下之一：{'、'.join(_OPERATORS)}",
                f"a test names one field and exactly one of: {', '.join(_OPERATORS)}")
        return self

    @property
    def operator(self) -> str:
        for op in _OPERATORS:
            if getattr(self, _attr(op)) is not None:
                return op
        raise AssertionError("validated to have one operator")

    def fields(self) -> set[str]:
        return {self.field}


class AllTest(Model):
    all: list[Test] = Field(min_length=1)

    def fields(self) -> set[str]:
        return set().union(*(t.fields() for t in self.all))


class AnyTest(Model):
    any: list[Test] = Field(min_length=1)

    def fields(self) -> set[str]:
        return set().union(*(t.fields() for t in self.any))


Test = FieldTest | AllTest | AnyTest


# ---- requirements over a set of units ----------------------------------------------------------------


class Requirement(Model):
    """How many of the applicable units must pass the test; exactly one key."""

    share_at_least: Frac | None = None
    share_more_than: Frac | None = None
    count_at_least: int | None = Field(default=None, ge=0)
    count_at_most: int | None = Field(default=None, ge=0)
    count_between: Pair[int] | None = None
    count_at_least_ratio: Frac | None = None

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {"anyOf": [{"const": "every", "description": "every unit must pass"},
                          handler.resolve_ref_schema(handler(core))]}

    @model_validator(mode="before")
    @classmethod
    def _every(cls, data: Any) -> Any:
        if data == "every":
            return {"share_at_least": 1}
        if isinstance(data, str):
            raise _rule(
                "应为 `every`，或 share_at_least、share_more_than、count_at_least、count_at_most、"
                "count_between、count_at_least_ratio 之一",
                "expected `every` or one of {share_at_least, share_more_than, count_at_least, "
                "count_at_most, count_between, count_at_least_ratio}")
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Requirement:
        given = [k for k, v in self.__dict__.items() if v is not None]
        if len(given) != 1:
            raise _rule(
                "一个 require 只能写 share_at_least、share_more_than、count_at_least、count_at_most、"
                "count_between、count_at_least_ratio（或 every）中的一个",
                "a requirement has exactly one of share_at_least, share_more_than, "
                "count_at_least, count_at_most, count_between, count_at_least_ratio (or `every`)")
        for share in (self.share_at_least, self.share_more_than):
            if share is not None and not 0 <= share <= 1:
                raise _rule("比例应在 0 到 1 之间（0% 到 100%）", "a share lies between 0 and 1 (0% and 100%)")
        if self.count_between and self.count_between[0] > self.count_between[1]:
            raise _rule(
                "count_between 应写成 [下限, 上限]，下限不大于上限",
                "count_between must be [low, high] with low <= high")
        return self

    @property
    def kind(self) -> str:
        return next(k for k, v in self.__dict__.items() if v is not None)

    @property
    def is_share(self) -> bool:
        return self.share_at_least is not None or self.share_more_than is not None

    @property
    def is_every(self) -> bool:
        return self.share_at_least == 1

    def required_count(self, n: int) -> int | None:
        """The fewest passing units of n that meet the requirement (None: no such number, e.g. at_most)."""
        if self.share_at_least is not None:  # ⌈p·n⌉ in integers
            p = self.share_at_least
            return -(-p.numerator * n // p.denominator)
        if self.share_more_than is not None:  # ⌊p·n⌋ + 1
            p = self.share_more_than
            return p.numerator * n // p.denominator + 1
        if self.count_at_least is not None:
            return self.count_at_least
        if self.count_between is not None:
            return self.count_between[0]
        if self.count_at_least_ratio is not None:
            p = self.count_at_least_ratio
            return -(-p.numerator * n // p.denominator)
        return None

    def met(self, k: int, n: int) -> bool:
        """Whether k passing units of n meet it, in exact integer arithmetic."""
        if self.count_at_most is not None:
            return k <= self.count_at_most
        if self.count_between is not None:
            return self.count_between[0] <= k <= self.count_between[1]
        if self.share_at_least is not None or self.share_more_than is not None:
            if n == 0:  # nothing to judge: vacuously met (scoring applies rule 4 to empty streets itself)
                return True
            if self.share_more_than is not None:  # k/n > a/b  ⇔  k·b > a·n
                return k * self.share_more_than.denominator > self.share_more_than.numerator * n
        need = self.required_count(n)
        assert need is not None
        return k >= need


# ---- targets ------------------------------------------------------------------------------------------


class Scoring(Model):
    method: Literal["all-or-nothing", "proportional", "deduct"]
    per_failure: Num | None = None

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {"anyOf": [{"enum": ["all-or-nothing", "proportional"]}, handler.resolve_ref_schema(handler(core))]}

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        return {"method": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _deduct_needs_step(self) -> Scoring:
        if self.method == "deduct" and (self.per_failure is None or self.per_failure <= 0):
            raise _rule(
                "`deduct`（扣分）需要 `per_failure`：每个不达标单位扣几分",
                "`deduct` needs `per_failure`: the points taken off for each failing unit")
        if self.method != "deduct" and self.per_failure is not None:
            raise _rule("`per_failure` 只用于 method: deduct", "`per_failure` only applies to method: deduct")
        return self


class DistrictRule(Model):
    over: Literal["streets", "communities"]
    require: Requirement = Requirement(share_at_least=Fraction(1))


class Target(Model):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    title_en: str | None = None
    short: str | None = None
    short_en: str | None = None
    level: Literal["street", "community", "district"]
    test: Test
    applies_to: Test | None = None
    require: Requirement | None = None
    points: Num = Decimal(0)
    scoring: Scoring = Scoring(method="all-or-nothing")
    bonus: bool = False
    veto: bool = False
    evidence: Literal["required", "optional"] | None = None  # 佐证材料 on the desk: required is checked
    district: DistrictRule | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.points < 0:
            raise _rule("分值不能是负数", "points cannot be negative")
        if self.level == "street" and self.require is not None:
            raise _rule(
                "街道级指标检查街道自己的数值：请删去 `require`",
                "a street-level target tests the street's own value: drop `require`")
        if self.level != "street" and self.require is None:
            raise _rule(
                f"{self.level} 级指标需要 `require`（如 every、share_at_least: 85%）",
                f"a {self.level}-level target needs `require` (e.g. every, share_at_least: 85%)")
        if self.level == "district" and (self.points or self.bonus or self.veto):
            raise _rule(
                "全区指标不给街道计分：points 为 0，不能有 bonus 和 veto",
                "a district-only target scores no street: points 0, no bonus, no veto")
        if self.level == "district" and self.district is not None:
            raise _rule(
                "全区指标按自己的 `require` 判断：请删去 `district`",
                "a district-only target is judged by its own `require`: drop `district`")
        if self.scoring.method == "proportional":
            if self.level == "street" and not (isinstance(self.test, FieldTest) and self.test.at_least):
                raise _rule(
                    "街道数值按比例计分，需要带 `at_least` 的 test",
                    "proportional scoring of a street value needs a test with `at_least`")
            if self.require is not None and self.require.kind not in (
                "share_at_least", "count_at_least", "count_at_least_ratio"
            ):
                raise _rule(
                    "按比例计分需要 share_at_least、count_at_least 或 count_at_least_ratio"
                    "（“超过”不能部分达到）",
                    "proportional scoring needs share_at_least, count_at_least or "
                    "count_at_least_ratio (a strict majority cannot be met in part)")
        return self

    def name(self, lang: str) -> str:
        return (self.title_en or self.title) if lang == "en" else self.title

    def short_name(self, lang: str) -> str:
        if lang == "en":
            return self.short_en or self.id
        return self.short or self.title[:2]

    @property
    def district_rule(self) -> DistrictRule:
        """How the district as a whole is judged on this target."""
        if self.district is not None:
            return self.district
        if self.level == "street":
            return DistrictRule(over="streets")
        assert self.require is not None
        return DistrictRule(over="communities", require=self.require)


class ConsistencyRule(Model):
    """A figure checked from one period to the next (kaohe compare): it should not shrink, or not jump."""

    field: str
    level: Literal["street", "community"] = "community"
    rule: Literal["no-decrease", "max-change"]
    share: Frac | None = None

    @model_validator(mode="after")
    def _share_for_max_change(self) -> ConsistencyRule:
        if (self.rule == "max-change") != (self.share is not None):
            raise _rule(
                "`share`（如 30%）只和 rule: max-change 一起用",
                "`share` (e.g. 30%) goes with rule: max-change, and only with it")
        return self


class Overstatement(Model):
    """What a street found to have overstated a scored figure on site costs (kaohe assess --verified)."""

    tolerance: Frac = Fraction(0)  # a verified number below the reported one by more than this share
    deduct_per_figure: Num = Decimal(0)  # points off the verified score for each overstated figure
    max_deduction: Num | None = None  # at most this many points in all
    grade_cap: str | None = None  # the best grade such a street can have (a grade's name)


class Adjustments(Model):
    """Bureau adjustments that are not figures (a deduction for a serious incident, a bonus the targets allow):
    findings whose item is one of these words, with their points, a reason and a reference."""

    bonus_words: list[str] = Field(default_factory=default("verification", "bonus_words"), min_length=1)
    deduction_words: list[str] = Field(default_factory=default("verification", "deduction_words"), min_length=1)
    max_bonus: Num = Decimal(0)  # in all, per street
    max_deduction: Num = Decimal(0)


class Verification(Model):
    """On-site verification: how findings files are read, and what overstatement costs."""

    columns: dict[str, list[str]] = Field(default_factory=default("verification", "columns"))
    overstatement: Overstatement | None = None  # none: verification only replaces figures
    adjustments: Adjustments = Adjustments()
    upheld_words: list[str] = Field(default_factory=default("verification", "upheld_words"), min_length=1)
    rejected_words: list[str] = Field(default_factory=default("verification", "rejected_words"), min_length=1)


class Grade(Model):
    name: str
    name_en: str | None = None
    min: Num

    def title(self, lang: str) -> str:
        return (self.name_en or self.name) if lang == "en" else self.name


class Targets(Model):
    schema_: Literal["kaohe.targets/1"] = Field(alias="schema")
    period: str
    title: str
    title_en: str | None = None
    source: str | None = None
    compare_decimals: int = Field(default=2, ge=0, le=10)
    units: dict[str, MeasureUnit] = {}
    vocabularies: dict[str, dict[str, list[str]]] = {}
    layout: Layout = Layout()
    fields: Fields
    targets: list[Target] = Field(min_length=1)
    grades: list[Grade] = Field(min_length=1)
    bonus_cap: Num | None = None
    veto_grade: str | None = None
    consistency: list[ConsistencyRule] = []
    verification: Verification = Verification()
    _source: Path | None = PrivateAttr(default=None)  # the file it was loaded from, if any

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True,
                              strict=True)

    @property
    def source_path(self) -> Path | None:
        """The targets file this was loaded from (load_targets), for the report's sources."""
        return self._source

    @field_validator("period", mode="before")
    @classmethod
    def _period_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _consistent(self) -> Targets:
        ids = [t.id for t in self.targets]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise _rule(f"指标 id 不能重复：{'、'.join(dupes)}", f"target ids must be unique: {', '.join(dupes)}")
        if "yesno" not in self.vocabularies or set(self.vocabularies["yesno"]) != {"yes", "no"}:
            if any(d.type == "yesno" for d in self.all_fields()):
                raise _rule(
                    "是否字段需要 `vocabularies: {yesno: {yes: [...], no: [...]}}`（“是”和“否”的各种写法）",
                    "yes/no fields need `vocabularies: {yesno: {yes: [...], no: [...]}}`")
        vocab = self.vocabularies.get("yesno", {})
        for level, defs in (("street", self.fields.street), ("community", self.fields.community)):
            for name, d in defs.items():
                if d.unit is not None and d.unit not in self.units:
                    raise _rule(
                        f"fields.{level}.{name}：单位 `{d.unit}` 没有在 `units` 下定义",
                        f"fields.{level}.{name}: unit `{d.unit}` is not defined under `units`")
                if d.words and (d.words[0] not in vocab.get("yes", []) or d.words[1] not in vocab.get("no", [])):
                    raise _rule(
                        f"fields.{level}.{name}：`words` 应是 vocabularies.yesno 中的一个“是”词和一个“否”词",
                        f"fields.{level}.{name}: `words` must be a yes word and a no word of "
                        "vocabularies.yesno")
        for t in self.targets:
            defs = self.fields.street if t.level == "street" else self.fields.community
            for test in (t.test, t.applies_to):
                for f in test.fields() if test is not None else ():
                    if f not in defs:
                        where = "fields.street" if t.level == "street" else "fields.community"
                        raise _rule(
                            f"指标 {t.id}：字段 `{f}` 没有在 {where} 下定义",
                            f"target {t.id}: field `{f}` is not defined under {where}")
        scored = sum((t.points for t in self.targets if not t.bonus), Decimal(0))
        if scored > 100:
            raise _rule(
                f"计分指标的分值加起来是 {scored}，超过了 100 分（街道按百分制计分）",
                f"the scored targets' points add up to {scored}: a street is scored out of 100")
        cap = self.verification.overstatement.grade_cap if self.verification.overstatement else None
        if cap is not None and cap not in {g.name for g in self.grades}:
            raise _rule(
                f"verification.overstatement.grade_cap：`{cap}` 不是 grades 中的等次",
                f"verification.overstatement.grade_cap: `{cap}` is not one of the grades")
        for rule in self.consistency:
            defs = self.fields.street if rule.level == "street" else self.fields.community
            if rule.field not in defs:
                raise _rule(
                    f"consistency：字段 `{rule.field}` 没有在 fields.{rule.level} 下定义",
                    f"consistency: field `{rule.field}` is not defined under fields.{rule.level}")
        mins = [g.min for g in self.grades]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise _rule(
                "等次（grades）从最好的写起，每一个的 `min` 都比上一个低",
                "grades are listed best first, each with a lower `min` than the one before")
        if mins[-1] != 0:
            raise _rule(
                "最后一个等次要写 `min: 0`，每个得分才都有等次",
                "the last grade needs `min: 0` so that every score gets a grade")
        if self.veto_grade is not None and self.veto_grade not in {g.name for g in self.grades}:
            raise _rule(
                f"veto_grade `{self.veto_grade}` 不是 grades 中的等次",
                f"veto_grade `{self.veto_grade}` is not one of the grades")
        return self

    # Derived look-ups, computed once: the readers match every header cell against these.

    def all_fields(self) -> list[FieldDef]:
        return [*self.fields.street.values(), *self.fields.community.values()]

    @property
    def max_points(self) -> Decimal:
        return sum((t.points for t in self.targets if not t.bonus), Decimal(0))

    @property
    def lowest_grade(self) -> Grade:
        return self.grades[-1]

    @property
    def yesno_words(self) -> dict[str, list[str]]:
        """The words for yes and no: the file's `vocabularies.yesno`, else defaults.yaml's."""
        return self.vocabularies.get("yesno") or default("vocabularies", "yesno")()

    def key_field(self, level: Literal["street", "community"]) -> str:
        defs = self.fields.street if level == "street" else self.fields.community
        return next(name for name, d in defs.items() if d.key)
