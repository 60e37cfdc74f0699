"""The bundled package holds no personal data: no field that could hold it, no phone or ID-card
number in a person-level cell, and no finding of the personal-data detector in any of its text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import load_package
from analysis.intake.pii import scan_text_fields
from analysis.paths import DATAPACKAGE, PROJECT_ROOT

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
PERSON_RESOURCES = ("beneficiaries", "beneficiary_followups", "livestock_events")
PERSONAL_FIELD = re.compile(
    r"name|phone|tel|mobile|cccd|cmnd|id_?card|passport|address|birth", re.I
)
ANYWHERE_FIELD = re.compile(r"phone|mobile|cccd|cmnd|id_?card|passport", re.I)
PHONE = re.compile(r"(?<!\d)(?:\+?84|0)[35789]\d{8}(?!\d)")
ID_CARD = re.compile(r"(?<![\dA-Z])\d{12}(?!\d)")
BENEFICIARY_ID = re.compile(r"\bB\d{6}\b")


def _fields(path: Path) -> dict[str, list[str]]:
    desc = json.loads(path.read_text(encoding="utf-8"))
    return {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in desc["resources"]}


@pytest.mark.parametrize("package", [DATAPACKAGE, TINY], ids=["bundled", "tiny"])
def test_no_resource_has_a_personal_field(package):
    for resource, names in _fields(package).items():
        for name in names:
            assert not ANYWHERE_FIELD.search(name), f"{resource}.{name}"
            if resource in PERSON_RESOURCES:
                assert not PERSONAL_FIELD.search(name), f"{resource}.{name}"


def test_person_level_cells_hold_no_phone_or_id_number():
    pkg = load_package()
    for resource in PERSON_RESOURCES:
        for column in pkg[resource].columns:
            text = pkg[resource][column].astype("string").dropna()
            assert not text.str.contains(PHONE).any(), f"{resource}.{column}"
            assert not text.str.contains(ID_CARD).any(), f"{resource}.{column}"
    ids = pkg["beneficiaries"]["beneficiary_id"]
    assert ids.str.fullmatch(r"B\d{6}").all()


def test_privacy_patterns_do_catch_what_they_look_for():
    # The scans above would be worthless if the patterns never matched.
    assert PHONE.search("gọi 0912345678") and PHONE.search("+84912345678")
    assert ID_CARD.search("CCCD 001234567890")
    assert PERSONAL_FIELD.search("ho_ten_name") and BENEFICIARY_ID.search("x B000123 y")


def bundled_frames(**read) -> dict[str, pd.DataFrame]:
    descriptor = json.loads((PROJECT_ROOT / "datapackage.json").read_text(encoding="utf-8"))
    return {
        res["name"]: pd.read_csv(PROJECT_ROOT / res["path"], **read)
        for res in descriptor["resources"]
    }


def test_the_bundled_package_holds_no_personal_data():
    frames = bundled_frames(dtype=str, keep_default_na=False)
    assert len(frames) >= 15
    assert scan_text_fields(frames) == []


def test_the_bundled_package_read_with_inferred_types_holds_none_either():
    assert scan_text_fields(bundled_frames()) == []
