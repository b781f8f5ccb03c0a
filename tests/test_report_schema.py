"""The JSON report's schema (schema/kaohe.report-1.schema.json): up to date, and every kind of report valid."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from starlette.testclient import TestClient

from kaohe import api
from kaohe.report.schema import report_schema
from kaohe.resources import bundled

SCHEMA = Path(__file__).parents[1] / "schema" / "kaohe.report-1.schema.json"


def validate(document: dict) -> None:
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(document)


def test_the_checked_in_schema_is_the_generated_one() -> None:
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == report_schema(), \
        "regenerate it: kaohe report-schema > schema/kaohe.report-1.schema.json"
    printed = subprocess.run([sys.executable, "-m", "kaohe", "report-schema"], capture_output=True, text=True,
                             encoding="utf-8", check=True).stdout
    assert json.loads(printed) == report_schema()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sample_and_a_verified_report_are_valid(lang: str) -> None:
    validate(api.to_document(api.assess(), lang))  # type: ignore[arg-type]
    verified = api.to_document(api.assess(verified=bundled("data/2005/核查")), lang)  # type: ignore[arg-type]
    assert any(s.get("verification", {}).get("changes") for s in verified["streets"])
    validate(verified)
    check = api.to_document(api.check(bundled("data/2005/submissions/胜利街道.xlsx")), lang)  # type: ignore[arg-type]
    validate(check)


def test_a_browser_desk_report_is_valid(tmp_path: Path) -> None:
    from kaohe.desk.app import create_app
    from kaohe.desk.store import Desk
    from kaohe.resources import DEFAULT_TARGETS, SAMPLE_ROSTER

    desk = Desk.create(tmp_path / "desk", bundled(DEFAULT_TARGETS), bundled(SAMPLE_ROSTER), None)
    client = TestClient(create_app(desk), follow_redirects=False)
    own = next(w for w in desk.streets() if w.name == "东风街道")
    page = client.get(f"/s/{own.secret}").text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    workbook = bundled("data/2005/submissions/东风街道.xlsx")
    client.post(f"/s/{own.secret}/upload", data={"csrf": token}, files={"workbook": ("a.xlsx", workbook.read_bytes())})
    validate(client.get(f"/a/{desk.admin().secret}/report.json").json())


def test_a_field_the_schema_does_not_name_is_refused() -> None:
    document = api.to_document(api.assess())
    document["streets"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validate(document)
