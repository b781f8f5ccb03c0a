"""score(): the edge rules of assessment-2005.md and every rule form the targets YAML can express."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from kaohe.model import Intake, StreetInput, Submission, Unit
from kaohe.scoring import round_half_up, score
from kaohe.targets import Targets, load_targets

BASE = """\
schema: kaohe.targets/1
period: "T"
title: 测试考核
vocabularies: {yesno: {"yes": [是], "no": [否]}}
fields:
  street:
    name: {label: 街道名称, type: text, key: true}
    area: {label: 面积, type: number}
    flag: {label: 示范, type: yesno}
  community:
    name: {label: 社区名称, type: text, key: true}
    area: {label: 用房面积, type: number}
    ok: {label: 达标, type: yesno}
    kind: {label: 类型, type: choice, choices: {老城区: [], 新村小区: [], 乡村: []}}
    n: {label: 户数, type: integer}
grades:
  - {name: 优秀, min: 90}
  - {name: 良好, min: 80}
  - {name: 合格, min: 60}
  - {name: 不合格, min: 0}
"""


def mini(tmp_path: Path, targets_yaml: str, extra: str = "") -> Targets:
    path = tmp_path / "t.yaml"
    path.write_text(BASE + extra + "targets:\n" + textwrap.indent(textwrap.dedent(targets_yaml), "  "),
                    encoding="utf-8")
    return load_targets(path)


def comm(i: int, **values: Any) -> Unit:
    base = {"area": Decimal(200), "ok": True, "kind": "老城区", "n": 2300}
    base.update(values)
    return Unit(f"社区{i}", base, {k: f"C{i + 4}" for k in base}, "社区情况", i + 4)


def street(name: str, communities: list[Unit], **values: Any) -> StreetInput:
    base = {"area": Decimal(1200), "flag": True}
    base.update(values)
    sub = Submission(f"{name}.xlsx", Unit(name, base), communities, [])
    return StreetInput(name, sub, "submitted", (sub.file,))


def run(targets: Targets, *streets: StreetInput):  # noqa: ANN201
    return score(targets, Intake(list(streets), [], "test"))


def result(report, street_name: str, target_id: str):  # noqa: ANN001, ANN201
    s = next(s for s in report.streets if s.name == street_name)
    return next(r for r in s.targets if r.id == target_id)


SHARE_85 = """\
- {id: safe, title: 安全, level: community, test: {field: ok, is: true}, require: {share_at_least: 85%},
   points: 100, scoring: proportional}
"""


def test_17_of_20_meets_85_percent(tmp_path):
    t = mini(tmp_path, SHARE_85)
    comms = [comm(i, ok=i < 17) for i in range(20)]
    r = result(run(t, street("甲街道", comms)), "甲街道", "safe")
    assert (r.met, r.actual, r.needed, r.points) == (True, Fraction(17, 20), 0, Decimal("100.00"))


def test_16_of_20_misses_85_percent_and_needs_one_more(tmp_path):
    t = mini(tmp_path, SHARE_85)
    r = result(run(t, street("甲街道", [comm(i, ok=i < 16) for i in range(20)])), "甲街道", "safe")
    assert (r.met, r.needed) == (False, 1)
    assert r.points == round_half_up(Fraction(100) * Fraction(16, 20) / Fraction(85, 100))  # 94.12
    assert r.points == Decimal("94.12")
    assert [f.name for f in r.failing] == [f"社区{i}" for i in range(16, 20)]


MAJORITY = """\
- {id: office, title: 办公, level: community, test: {field: area, at_least: 300},
   require: {share_more_than: 1/2}, points: 10}
"""


def test_5_of_10_is_not_a_majority(tmp_path):
    t = mini(tmp_path, MAJORITY)
    comms = [comm(i, area=Decimal(300) if i < 5 else Decimal(100)) for i in range(10)]
    r = result(run(t, street("甲街道", comms)), "甲街道", "office")
    assert (r.met, r.points, r.needed) == (False, Decimal("0.00"), 1)
    comms[5] = comm(5, area=Decimal(300))
    r = result(run(t, street("甲街道", comms)), "甲街道", "office")
    assert (r.met, r.points) == (True, Decimal("10.00"))


def test_299_99999999999994_counts_as_300(tmp_path, targets, book):
    # Through the reader, where rounding to 2 places happens, and then the real 2005 rules.
    from conftest import community
    from kaohe.intake import gather

    path = book(communities=[community("春晖社区", office_area=299.99999999999994)])
    report = score(targets, gather(path.parent, targets))
    r = result(report, "东风街道", "office-area")
    assert r.met is True and r.actual == Fraction(1)


EVERY_DEDUCT = """\
- {id: room, title: 用房, level: community, test: {field: area, at_least: 150}, require: every, points: 15,
   scoring: {method: deduct, per_failure: 3}}
"""


def test_unreadable_value_is_not_met_but_stays_in_the_denominator(tmp_path):
    t = mini(tmp_path, EVERY_DEDUCT + SHARE_85.replace("points: 100", "points: 85"))  # 15 + 85: out of 100
    comms = [comm(i) for i in range(4)]
    comms[1] = comm(1, area=None, ok=None)  # both values unreadable
    report = run(t, street("甲街道", comms))
    room = result(report, "甲街道", "room")
    safe = result(report, "甲街道", "safe")
    assert (room.met, room.units, room.passing, room.points) == (False, 4, 3, Decimal("12.00"))
    assert (safe.actual, safe.units) == (Fraction(3, 4), 4)


def test_deduction_stops_at_zero(tmp_path):
    t = mini(tmp_path, EVERY_DEDUCT)
    r = result(run(t, street("甲街道", [comm(i, area=Decimal(10)) for i in range(7)])), "甲街道", "room")
    assert (r.points, r.needed, len(r.failing)) == (Decimal("0.00"), 7, 7)


def test_street_that_did_not_submit_scores_zero_and_is_ranked(tmp_path):
    t = mini(tmp_path, EVERY_DEDUCT)
    absent = StreetInput("乙街道", None, "missing")
    poor = street("丙街道", [comm(0, area=Decimal(10))] * 1)
    report = run(t, absent, street("甲街道", [comm(0)]), poor)
    by_name = {s.name: s for s in report.streets}
    assert [s.name for s in report.streets] == ["乙街道", "甲街道", "丙街道"]  # roster order
    assert (by_name["乙街道"].score, by_name["乙街道"].grade, by_name["乙街道"].rank) == (Decimal("0.00"),
                                                                                    "不合格", 3)
    assert by_name["乙街道"].targets == () and not by_name["乙街道"].submitted
    assert (by_name["甲街道"].rank, by_name["丙街道"].rank) == (1, 2)
    assert report.streets_submitted == 2 and report.streets_expected == 3


def test_street_with_no_communities_meets_no_community_target(tmp_path):
    t = mini(tmp_path, EVERY_DEDUCT + SHARE_85.replace("points: 100", "points: 85"))  # 15 + 85: out of 100
    report = run(t, street("甲街道", []))
    assert [(r.met, r.points) for r in report.streets[0].targets] == [(False, Decimal("0.00"))] * 2


def test_equal_scores_share_a_rank_and_the_next_is_skipped(tmp_path):
    t = mini(tmp_path, EVERY_DEDUCT)
    a = street("甲街道", [comm(0)])
    b = street("乙街道", [comm(0, area=Decimal(1))])
    c = street("丙街道", [comm(0)])
    d = street("丁街道", [comm(0, area=Decimal(1)), comm(1, area=Decimal(1))])
    report = run(t, a, b, c, d)
    assert [(s.name, s.rank) for s in report.streets] == [("甲街道", 1), ("乙街道", 3), ("丙街道", 1),
                                                          ("丁街道", 4)]


def test_round_half_up_once():
    assert round_half_up(Fraction(1, 200)) == Decimal("0.01")     # 0.005 → 0.01, not banker's 0.00
    assert round_half_up(Fraction(2675, 1000)) == Decimal("2.68")
    assert round_half_up(Fraction(100, 3)) == Decimal("33.33")
    assert round_half_up(Fraction(-1, 200)) == Decimal("-0.01")


def test_score_is_the_sum_of_unrounded_points(tmp_path):
    # Three proportional targets of 1/3 each: rounded one by one they would give 3 × 3.33 = 9.99.
    three = "".join(
        f"- {{id: s{i}, title: 安全{i}, level: community, test: {{field: ok, is: true}}, "
        f"require: {{share_at_least: 100%}}, points: 10, scoring: proportional}}\n" for i in range(3))
    t = mini(tmp_path, three)
    report = run(t, street("甲街道", [comm(0), comm(1, ok=False), comm(2, ok=False)]))
    assert [r.points for r in report.streets[0].targets] == [Decimal("3.33")] * 3
    assert report.streets[0].score == Decimal("10.00")


# ---- every form the YAML can say --------------------------------------------------------------------


def test_street_value_all_or_nothing_and_proportional(tmp_path):
    t = mini(tmp_path, """\
        - {id: centre, title: 中心, level: street, test: {field: area, at_least: 1000}, points: 10}
        - {id: projects, title: 项目, level: street, test: {field: area, at_least: 1600}, points: 10,
           scoring: proportional}
        - {id: demo, title: 示范, level: street, test: {field: flag, is: true}, points: 10,
           district: {over: streets, require: {share_at_least: 70%}}}
        """)
    report = run(t, street("甲街道", [comm(0)], area=Decimal(800), flag=False),
                 street("乙街道", [comm(0)], area=Decimal(1200)))
    a = {r.id: r for r in report.streets[0].targets}
    assert (a["centre"].met, a["centre"].points, a["centre"].shortfall) == (False, Decimal("0.00"), 200)
    assert a["projects"].points == Decimal("5.00")  # 10 × 800/1600
    assert (a["demo"].actual, a["demo"].points) == (False, Decimal("0.00"))
    demo = next(d for d in report.district if d.id == "demo")
    assert (demo.met, demo.actual, demo.needed, demo.over) == (False, Fraction(1, 2), 1, "streets")
    assert [f.name for f in demo.failing] == ["甲街道"]


def test_range_and_condition(tmp_path):
    t = mini(tmp_path, """\
        - id: size
          title: 规模
          level: community
          applies_to: {field: kind, in: [老城区, 新村小区]}
          test:
            any:
              - all: [{field: kind, in: [老城区]}, {field: n, between: [2000, 2500]}]
              - all: [{field: kind, in: [新村小区]}, {field: n, between: [2500, 3000]}]
          require: every
        """)
    comms = [comm(0, kind="老城区", n=2500), comm(1, kind="新村小区", n=2500), comm(2, kind="乡村", n=10),
             comm(3, kind="老城区", n=2501), comm(4, kind=None, n=2300)]
    r = result(run(t, street("甲街道", comms)), "甲街道", "size")
    # 乡村 is exempt; an unreadable type keeps the community in, and it fails.
    assert (r.units, r.passing, r.met, r.needed) == (4, 2, False, 2)
    assert [f.name for f in r.failing] == ["社区3", "社区4"]
    r = result(run(t, street("甲街道", [comm(0, kind="乡村")])), "甲街道", "size")
    assert (r.units, r.met) == (0, True)  # nothing applies: vacuously met


def test_ratio_between_counts_and_district_only_count(tmp_path):
    t = mini(tmp_path, """\
        - {id: health, title: 卫生, level: community, test: {field: ok, is: true},
           require: {count_at_least_ratio: 1/3}, district: {over: streets}}
        - {id: pilot, title: 试点, level: district, test: {field: ok, is: false}, require: {count_between: [1, 2]}}
        """)
    seven = [comm(i, ok=i < 3) for i in range(7)]      # ⌈7/3⌉ = 3 stations needed, 3 present
    six = [comm(i, ok=i < 1) for i in range(6)]        # ⌈6/3⌉ = 2 needed, 1 present
    report = run(t, street("甲街道", seven), street("乙街道", six))
    a, b = result(report, "甲街道", "health"), result(report, "乙街道", "health")
    assert (a.met, a.actual, a.required) == (True, 3, 3)
    assert (b.met, b.actual, b.required, b.needed) == (False, 1, 2, 1)
    pilot = next(d for d in report.district if d.id == "pilot")
    assert (pilot.actual, pilot.met, pilot.needed) == (9, False, None)  # 4 + 5 non-ok: above the range
    assert result(report, "甲街道", "pilot").met is None


def test_bonus_with_cap_and_veto(tmp_path):
    t = mini(tmp_path, """\
        - {id: base, title: 基础, level: street, test: {field: area, at_least: 0}, points: 88}
        - {id: b1, title: 加分1, level: street, test: {field: flag, is: true}, points: 3, bonus: true}
        - {id: b2, title: 加分2, level: street, test: {field: area, at_least: 100}, points: 3, bonus: true}
        - {id: safety, title: 安全否决, level: community, test: {field: ok, is: true}, require: every, veto: true}
        """, extra="bonus_cap: 4\n")
    good = street("甲街道", [comm(0)])
    vetoed = street("乙街道", [comm(0, ok=False)])
    report = run(t, good, vetoed)
    assert (report.streets[0].score, report.streets[0].grade) == (Decimal("92.00"), "优秀")  # 88 + min(6, 4)
    assert (report.streets[1].score, report.streets[1].grade) == (Decimal("92.00"), "不合格")
    assert report.streets[1].vetoed_by == ("safety",)


def test_custom_grade_bands(tmp_path):
    yaml_text = BASE.replace("""grades:
  - {name: 优秀, min: 90}
  - {name: 良好, min: 80}
  - {name: 合格, min: 60}
  - {name: 不合格, min: 0}
""", """grades:
  - {name: 好, min: 50}
  - {name: 差, min: 0}
""")
    path = tmp_path / "g.yaml"
    path.write_text(yaml_text + "targets:\n  - {id: a, title: A, level: street, test: {field: area, "
                    "at_least: 1000}, points: 50}\n", encoding="utf-8")
    t = load_targets(path)
    report = run(t, street("甲街道", []), street("乙街道", [], area=Decimal(1)))
    assert [(s.score, s.grade) for s in report.streets] == [(Decimal("50.00"), "好"), (Decimal("0.00"), "差")]


def test_district_community_targets_pool_all_communities(tmp_path):
    t = mini(tmp_path, SHARE_85)
    report = run(t, street("甲街道", [comm(i) for i in range(10)]),
                 street("乙街道", [comm(i, ok=i < 7) for i in range(10)]),
                 StreetInput("丙街道", None, "missing"))
    d = report.district[0]
    assert (d.over, d.units, d.passing, d.actual, d.met, d.needed) == ("communities", 20, 17,
                                                                       Fraction(17, 20), True, 0)
    assert report.communities == 20


@pytest.mark.parametrize(("k", "n", "met"), [(17, 20, True), (16, 20, False), (0, 0, True)])
def test_share_requirement_in_integers(tmp_path, k, n, met):
    t = mini(tmp_path, SHARE_85)
    assert t.targets[0].require is not None
    assert t.targets[0].require.met(k, n) is met
