"""Make the bundled sample district, data/2005/: a roster and one workbook per street, in many clerk styles.

Deterministic: the same figures every run (random.Random(2005)). Some workbooks are re-saved by LibreOffice as
.xls, .ods and .xlsx (with cached formula values), as offices do; LibreOffice's bytes differ run to run, its
values do not. A handful of genuine data problems are planted where a clerk would make them.

    python scripts/make_sample.py            # both periods; 2005 needs soffice (libreoffice-calc-nogui)
    python scripts/make_sample.py 2005-H1    # only the mid-year set
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # clerks.py: workbooks as clerks fill them

from clerks import COMMUNITY_NAMES, Style, community_values, write_workbook  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "data" / "2005"

# name, kind (街道/乡), communities, quality, street facts, style, file name, LibreOffice re-save as
STREETS: list[dict[str, Any]] = [
    dict(name="东风街道", n=14, q=0.99, center=1260, projects=12, demo=True, file="东风街道.xlsx",
         style=Style()),
    dict(name="人民街道", n=15, q=0.93, center=1080, projects=11, demo=True, file="人民街道(修改).xlsx",
         style=Style(instructions_sheet=True, two_row_header=True, column_numbers=True, title_rows=3)),
    dict(name="解放街道", n=13, q=0.9, center=980, projects=10, demo=True, file="3.xlsx",
         style=Style(title_rows=0, serial=False, order=["name", "households", "type", "safe", "modern",
                                                        "room_area", "office_area", "culture_capacity",
                                                        "education_station", "health_station", "police_office",
                                                        "pilot", "remark"],
                     extra_columns=["人口", "联系电话"], yes_no=("√", "×"), number_format="unit",
                     headers={"name": "社区（居委会）名称", "households": "总户数", "type": "类型",
                              "room_area": "服务用房面积（平方米）", "office_area": "办公及服务用房面积 m²",
                              "education_station": "是否有教育活动站", "police_office": "警务室"})),
    dict(name="新华街道", n=14, q=0.86, center=1150, projects=9, demo=True, file="新华街道.xls", resave="xls",
         style=Style(total_row=True, signature=True, blank_rows=[4, 9],
                     headers={"name": "居委会名称", "room_area": "服务站用房面积\n（㎡）",
                              "culture_capacity": "文化室容纳人数"},
                     street_labels={"name": "街道（乡）名称", "center_area": "服务中心使用面积",
                                    "service_projects": "福利性、公益性服务项目"})),
    dict(name="朝阳街道", n=12, q=0.9, center=1000, projects=10, demo=False, file="朝阳街道2005年报.xlsx",
         style=Style(wps_dimension=True, sheet_names=("Sheet1", "Sheet2"), yes_no=("Y", "N"),
                     community_sheet_first=True)),
    dict(name="和平街道", n=12, q=0.82, center=1020, projects=8, demo=True, file="和平街道.xlsx", resave="xlsx",
         style=Style(office_formula=True, number_format="thousands")),
    dict(name="建设街道", n=13, q=0.72, center=900, projects=7, demo=False, file="建设街道.ods", resave="ods",
         style=Style(sheet_names=("表一", "表二"), yes_no=("是", "否"))),
    dict(name="胜利街道", n=14, q=0.78, center=1100, projects=10, demo=False, file="胜利街道.xlsx",
         style=Style(), problems=True),
    dict(name="光明街道", missing=True),
    dict(name="红旗乡", kind="乡", n=10, q=0.8, center=1010, projects=10, demo=True, file="红旗乡.xlsx",
         style=Style(number_format="fullwidth", yes_no=("达标", "未达标"),
                     headers={"modern": "新型现代化社区达标", "safe": "安全文明社区达标"})),
    dict(name="长青乡", kind="乡", n=11, q=0.55, center=650, projects=6, demo=False, file="长青乡.xlsx",
         style=Style(office_formula=True, title_rows=1)),
    dict(name="东湖乡", kind="乡", n=12, q=0.62, center=820, projects=8, demo=False, file="东湖乡.xlsx",
         style=Style(number_format="text", yes_no=(True, False))),
]


def district() -> list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    """The year-end figures of every street that submits: (spec, street facts, communities)."""
    rng = random.Random(2005)
    names = list(COMMUNITY_NAMES)
    pilots = {("人民街道", 2), ("东风街道", 5)}
    out = []
    for spec in STREETS:
        if spec.get("missing"):
            continue
        kind = spec.get("kind", "街道")
        pool = rng.sample(names, spec["n"])
        communities = []
        for i, base in enumerate(pool):
            values = community_values(rng, kind, spec["q"])
            values["name"] = f"{base}{'村' if values['type'] == '乡村' else '社区'}"
            values["pilot"] = (spec["name"], i) in pilots
            communities.append(values)
        street = {"name": spec["name"], "kind": kind, "center_area": spec["center"],
                  "service_projects": spec["projects"], "demo_street": spec["demo"]}
        out.append((spec, street, communities))
    return out


def build_midyear(folder: Path) -> None:
    """2005-H1: the same streets half a year earlier — less built, fewer standards reached, in the template."""
    rng = random.Random("2005-H1")
    for spec, street, communities in district():
        mid = dict(street, center_area=int(street["center_area"] * rng.uniform(0.8, 1.0)),
                   service_projects=max(0, street["service_projects"] - rng.randint(0, 3)),
                   demo_street=street["demo_street"] and rng.random() < 0.6)
        rows = []
        for c in communities:
            c = dict(c, office_extra=None)
            c["room_area"] = max(60, c["room_area"] - rng.choice([0, 0, 10, 25, 40]))
            c["office_area"] = max(c["room_area"], c["office_area"] - rng.choice([0, 0, 20, 60]))
            for flag in ("modern", "safe", "education_station"):
                c[flag] = c[flag] and rng.random() < 0.8
            rows.append(c)
        if spec["name"] == "东风街道":
            rows = rows[:-1]  # one community was set up in the second half of the year
        write_workbook(folder / f"{spec['name']}.xlsx", mid, rows, Style(), period="2005")


def build(folder: Path) -> None:
    for spec, street, communities in district():
        if spec.get("problems"):
            _plant_problems(communities)
        if spec["name"] == "解放街道":
            communities[6]["room_area"] = "150-200"
            communities[3]["name"] = "  " + communities[3]["name"] + " "
        if spec["name"] == "新华街道":
            communities[8]["office_area"] = "=1/0"
        target = folder / spec["file"]
        if spec.get("resave"):
            draft = folder / ".draft" / (Path(spec["file"]).stem + ".xlsx")
            write_workbook(draft, street, communities, spec["style"])
            _libreoffice(draft, spec["resave"], target)
        else:
            write_workbook(target, street, communities, spec["style"])
    shutil.rmtree(folder / ".draft", ignore_errors=True)
    # What else lands in a shared folder: a lock file of an open workbook and a note. Both are ignored.
    (folder / "~$东风街道.xlsx").write_bytes(b"\x0bclerk01" + b"\x00" * 154)
    (folder / "说明.txt").write_text("各街道报送的2005年度社区建设考核表。\n", encoding="utf-8")


def _plant_problems(communities: list[dict[str, Any]]) -> None:
    """The mistakes a busy clerk makes, each in its own cell."""
    communities[2]["room_area"] = "约150"             # invalid-number
    communities[4]["education_station"] = "部分"      # invalid-choice
    communities[5]["culture_capacity"] = None         # missing-value
    communities[6]["office_area"] = -20               # out-of-range
    communities[8]["name"] = communities[1]["name"]   # duplicate-community
    communities[9]["safe"] = "#VALUE!"                # excel-error (a real error cell)
    communities[11]["name"] = None                    # missing-value: figures but no name


def _libreoffice(source: Path, fmt: str, target: Path) -> None:
    outdir = source.parent / fmt
    subprocess.run(["soffice", "--headless", "--convert-to", fmt, "--outdir", str(outdir), str(source)],
                   check=True, capture_output=True, timeout=180)
    (outdir / f"{source.stem}.{fmt}").replace(target)


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which in ("2005-H1", "all"):
        midyear = OUT.parent / "2005-H1" / "submissions"
        shutil.rmtree(midyear, ignore_errors=True)
        build_midyear(midyear)
        print(f"wrote {len(list(midyear.iterdir()))} files to {midyear}")
    if which not in ("2005", "all"):
        return
    if shutil.which("soffice") is None:
        sys.exit("make_sample.py needs LibreOffice: apt-get install libreoffice-calc-nogui")
    submissions = OUT / "submissions"
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "submissions"
        staging.mkdir()
        build(staging)
        shutil.rmtree(submissions, ignore_errors=True)
        shutil.copytree(staging, submissions)
    roster = "街道名称,类型\n" + "".join(f"{s['name']},{s.get('kind', '街道')}\n" for s in STREETS)
    (OUT / "街道名单.csv").write_text(roster, encoding="utf-8-sig")
    print(f"wrote {len(list(submissions.iterdir()))} files to {submissions}")


if __name__ == "__main__":
    main()
