"""The data-entry template: built from the schema, pre-filled, and a lossless round trip.

The round trip is the contract: a template imported as it was changes nothing (the dry run
reports no change and every CSV stays byte-identical).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from helpers.intake import copy_package, package_hashes, read_csv

from analysis.intake import TemplateError, import_workbook, write_template

SHEETS = [
    "plans",
    "transactions",
    "beneficiaries",
    "beneficiary_followups",
    "livestock_events",
    "commune_statistics",
]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return copy_package(tmp_path_factory.mktemp("base"))


@pytest.fixture
def pkg(base: Path, tmp_path: Path) -> Path:
    shutil.copytree(base.parent, tmp_path / "pkg")
    return tmp_path / "pkg" / "datapackage.json"


@pytest.fixture(scope="module")
def template_2024(base: Path, tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("t") / "mau_2024.xlsx", 2024, base).path


def descriptor_fields(pkg: Path, resource: str) -> list[dict]:
    for res in json.loads(pkg.read_text(encoding="utf-8"))["resources"]:
        if res["name"] == resource:
            return res["schema"]["fields"]
    raise KeyError(resource)


def test_one_sheet_per_province_resource_with_help_first(template_2024):
    wb = openpyxl.load_workbook(template_2024)
    assert wb.sheetnames == ["Hướng dẫn", *SHEETS, "_lists", "_meta"]
    assert wb["_lists"].sheet_state == "hidden"
    assert wb["_meta"].sheet_state == "hidden"
    meta = {row[0]: row[1] for row in wb["_meta"].iter_rows(values_only=True)}
    assert meta["year"] == 2024
    assert meta["format"] == "bien-cuong-intake"


@pytest.mark.parametrize("resource", SHEETS)
def test_headers_come_from_the_schema(template_2024, base, resource):
    ws = openpyxl.load_workbook(template_2024)[resource]
    found = [c.value for c in ws[1]]
    expected = [f"{f['title_vi']} ({f['name']})" for f in descriptor_fields(base, resource)]
    assert found == expected
    assert ws.freeze_panes == "A2"


def test_header_example_from_the_issue(template_2024):
    ws = openpyxl.load_workbook(template_2024)["plans"]
    assert ws["A1"].value == "Mã hoạt động (activity_id)"


def test_help_sheet_lists_every_field_with_titles_types_and_allowed_values(template_2024, base):
    ws = openpyxl.load_workbook(template_2024)["Hướng dẫn"]
    rows = [r for r in ws.iter_rows(values_only=True) if r[2]]
    by_field = {(r[0].split(" — ")[0], r[2]): r for r in rows if r[0] and " — " in r[0]}
    for resource in SHEETS:
        for f in descriptor_fields(base, resource):
            row = by_field[(resource, f["name"])]
            assert row[3] == f["title_vi"] and row[4] == f["title"]
            assert row[5] == f["description"]
    scope = by_field[("plans", "scope")]
    assert scope[9] == "Xã (commune); Tỉnh (province); Chương trình (programme)"
    assert "Mô Rai (23536)" in by_field[("plans", "commune_code")][9]
    assert "Đăk Plô (23344)" in by_field[("beneficiaries", "commune_code")][9]
    assert "\\d{5}" in by_field[("beneficiaries", "commune_code")][8]
    assert by_field[("transactions", "amount_vnd")][7] == "Có / Yes"
    text = "\n".join(str(c) for r in ws.iter_rows(values_only=True) for c in r if c)
    assert "50.000.000" in text and "15/03/2024" in text and "B000123" in text


def test_drop_down_lists(template_2024):
    wb = openpyxl.load_workbook(template_2024)
    plans = wb["plans"]
    formulas = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
        for dv in plans.data_validations.dataValidation
    }
    assert formulas["C"].formula1 == "=lst_plans_scope"  # scope: an enumeration
    assert formulas["D"].formula1 == "=lst_communes"  # communes by name
    assert formulas["F"].formula1 == "=lst_plans_activity_type"
    assert formulas["M"].formula1 == "=lst_boolean"
    lists = wb["_lists"]
    columns = {col[0].value: [c.value for c in col[1:] if c.value] for col in lists.iter_cols()}
    communes = columns["communes"]
    assert len(communes) == 16 and "Mô Rai" in communes and "Đăk Plô" in communes
    assert columns["plans.scope"] == ["Xã (commune)", "Tỉnh (province)", "Chương trình (programme)"]
    assert columns["boolean"] == ["Có", "Không"]
    ref = wb.defined_names["lst_communes"].attr_text
    assert ref == "'_lists'!$B$2:$B$17"
    # labels, not codes: the units by their Vietnamese names, the models by theirs
    assert "Hội LHPN Hà Nội (hanoi_wu)" in columns["implementing_units"]
    assert "Bò sinh sản (breeding_cows)" in columns["plans.livelihood_model"]


def test_prefilled_real_rows_of_the_year(template_2024, base):
    real_2024 = [
        r
        for r in read_csv(base, "plans")
        if r["year"] == "2024" and r["source_id"] != "illustrative_generator"
    ]
    assert len(real_2024) == 16
    ws = openpyxl.load_workbook(template_2024)["plans"]
    ids = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]
    assert ids == [r["activity_id"] for r in real_2024]
    row = [c.value for c in ws[7]]  # 2024-23536-01, the Mô Rai house
    assert row[:6] == [
        "2024-23536-01",
        2024,
        "Xã (commune)",
        "Mô Rai",
        "Kon Tum",
        "Mái ấm tình thương (charity_house)",
    ]
    assert row[11] == 50_000_000 and row[12] == "Không" and row[13] == "plan_2024_hanoi_wu"
    assert ws.cell(7, 12).number_format == "#,##0"
    # every other 2024 row of the province sheets is illustrative, so they start empty
    for name in SHEETS[1:]:
        assert openpyxl.load_workbook(template_2024)[name].max_row == 1


def test_include_illustrative_and_province_scope(pkg, tmp_path):
    summary = write_template(
        tmp_path / "kt.xlsx", 2023, pkg, provinces=["Kon Tum"], include_illustrative=True
    )
    assert summary.provinces == ("62",)
    plans = [
        r for r in read_csv(pkg, "plans") if r["year"] == "2023" and (r["province_code"] == "62")
    ]
    assert summary.rows["plans"] == len(plans) > 0
    stats = [
        r
        for r in read_csv(pkg, "commune_statistics")
        if r["year"] == "2023" and r["commune_code"].startswith("23")
    ]
    assert summary.rows["commune_statistics"] == len(stats) == 6
    wb = openpyxl.load_workbook(tmp_path / "kt.xlsx")
    assert wb["plans"]["A2"].font.italic  # illustrative rows in grey italics


def test_template_refusals(pkg, tmp_path):
    out = tmp_path / "mau.xlsx"
    out.write_bytes(b"keep me")
    with pytest.raises(TemplateError) as exc:
        write_template(out, 2024, pkg)
    assert exc.value.rule == "exists" and out.read_bytes() == b"keep me"
    with pytest.raises(TemplateError) as exc:
        write_template(tmp_path / "x.xlsx", 2024, pkg, provinces=["Hà Giang"])
    assert exc.value.rule == "province-unknown"
    with pytest.raises(TemplateError) as exc:
        write_template(tmp_path / "x.xlsx", 2031, pkg)
    assert exc.value.rule == "year-range"
    assert "2031" in exc.value.message("en")
    write_template(out, 2024, pkg, overwrite=True)
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("year", "options"),
    [
        (2024, {}),
        (2023, {"include_illustrative": True}),
        (2024, {"include_illustrative": True, "provinces": ["62"]}),
        (2025, {"include_illustrative": True, "provinces": ["11"]}),
    ],
    ids=["2024-real", "2023-everything", "2024-kon-tum", "2025-dien-bien"],
)
def test_round_trip_changes_nothing(pkg, tmp_path, year, options):
    workbook = tmp_path / f"mau_{year}.xlsx"
    write_template(workbook, year, pkg, **options)
    before = package_hashes(pkg)

    dry = import_workbook(workbook, pkg, dry_run=True)
    assert dry.ok, [p.format("en") for p in dry.errors]
    assert not dry.changed and dry.files == []
    assert all(c.added == [] and c.changed == 0 and c.removed == 0 for c in dry.changes.values())

    result = import_workbook(workbook, pkg)
    assert result.ok and result.written == []
    assert package_hashes(pkg) == before
