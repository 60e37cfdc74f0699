"""The gender and equity section (issue 17): figures by sex, ethnicity and poverty status at
entry, computed by hand on the tiny fixture; its counts hidden through the report's ledger;
the fields proposed for women's ownership, decisions and time, in the schema, the report and
the province's workbook.

The tiny fixture, by hand (2024): support per person is the money spent on the person's
activity shared among its people: the house of 2024-16837-01, 50,000,000 for B000001; the cows
of 2024-16834-01, 30,000,000 + 25,000,000 for B000002 and B000003 (27,500,000 each); pupils of
2024-P40-03, 12,000,000 for B000004 and B000005 (6,000,000 each); Tết gifts of 2024-P11-01,
3,000,000 for B000006 and B000007 (1,500,000 each). The seven people of 2024 have
(50 + 2 x 27.5 + 2 x 6 + 2 x 1.5) / 7 = 120 / 7 = 17.142857 million each on average, shown as
17,143,000; the six women (50 + 27.5 + 27.5 + 6 + 1.5 + 1.5) / 6 = 19,000,000; the one boy
6,000,000. Followed from 2023 to 2024: B000008 (woman, poor, 1,000,000 -> 1,600,000, out of
poverty), B000009 (woman, near-poor, 1,200,000 -> 1,500,000), B000010 (man, poor, 900,000 ->
1,200,000, still poor): women 2, mean +450,000, left poverty 1 of 1; men 1, +300,000, 0 of 1;
all 3, +400,000, 1 of 2.
"""

from __future__ import annotations

import json
import shutil

import matplotlib

matplotlib.use("Agg")

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis import indicators  # noqa: E402
from analysis.i18n import t  # noqa: E402
from analysis.package import load_package  # noqa: E402
from analysis.paths import DATAPACKAGE, PROJECT_ROOT  # noqa: E402
from analysis.report import equity  # noqa: E402
from analysis.report.annual import AnnualReport  # noqa: E402
from analysis.report.phase import PhaseReport  # noqa: E402

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
PROPOSED = {
    ("livestock_events", "registered_owner"): "ownership",
    ("livestock_events", "sale_decided_by"): "sale",
    ("beneficiary_followups", "income_decided_by"): "income",
    ("beneficiary_followups", "woman_workload_change"): "time",
}


@pytest.fixture(scope="module")
def tiny():
    return load_package(TINY)


def annual(pkg, lang="en", min_cell=1, year=2024):
    return AnnualReport.load(year=year, lang=lang, pkg=pkg, min_cell=min_cell)


def rows_of(report, dim: str) -> dict[str, dict]:
    report.gender()
    frame = report.tables[f"equity_{dim}"[:31]]
    return {row["group"]: row for row in frame.to_dict("records")}


def test_support_per_person_by_hand(tiny):
    support = equity.support_per_person(tiny)
    assert support["B000001"] == 50_000_000
    assert support["B000002"] == support["B000003"] == 27_500_000
    assert support["B000004"] == support["B000005"] == 6_000_000
    assert support["B000006"] == support["B000007"] == 1_500_000
    assert support["B000008"] == support["B000009"] == 20_000_000  # 40 million, two households


def test_figures_by_sex_by_hand(tiny):
    rows = rows_of(annual(tiny), "sex")
    women, men, total = rows["Female"], rows["Male"], rows["Total"]
    assert (women["reached"], men["reached"], total["reached"]) == (6, 1, 7)
    assert (women["support"], men["support"]) == (19_000_000, 6_000_000)
    assert total["support"] == 17_143_000  # 120 million / 7, to the nearest thousand
    assert (women["followed"], men["followed"], total["followed"]) == (2, 1, 3)
    assert (women["change"], men["change"], total["change"]) == (450_000, 300_000, 400_000)
    assert (women["left"], men["left"], total["left"]) == (1.0, 0.0, 0.5)
    # nobody who left poverty can be seen a year later by 2024: no persistence column
    assert "still_out" not in total


def test_figures_by_poverty_status_at_entry_by_hand(tiny):
    rows = rows_of(annual(tiny), "poverty_status_entry")
    # 2024: poor B000001, B000002, B000004, B000007; near-poor B000003, B000005; other B000006
    assert [rows[g]["reached"] for g in ("Poor", "Near-poor", "Other")] == [4, 2, 1]
    # followed: poor at entry B000008 (left) and B000010 (stayed); near-poor B000009
    assert rows["Poor"]["followed"] == 2 and rows["Poor"]["left"] == 0.5
    assert rows["Near-poor"]["followed"] == 1 and pd.isna(rows["Near-poor"]["left"])
    assert rows["Other"]["followed"] == 0


def test_still_out_of_poverty_a_year_later_by_group(tiny):
    # B000008 and B000009 left poverty in 2024; in 2025 B000008 is still out, B000009 is back
    cases = indicators.persistence_cases(tiny, 2025, horizons=(1,))
    by_sex = equity.persistence_by_group(tiny, cases, "sex").set_index("group")
    assert by_sex.loc["female", "n"] == 2 and by_sex.loc["female", "still_out"] == 1
    assert by_sex.loc["male", "n"] == 0
    by_status = equity.persistence_by_group(tiny, cases, "poverty_status_entry").set_index("group")
    assert by_status.loc["poor", "still_out"] == 1 and by_status.loc["near_poor", "n"] == 1


def test_small_counts_are_hidden_with_what_they_give_away(tiny):
    report = annual(tiny, min_cell=5)
    html = str(report.gender())
    rows = rows_of(report, "sex")
    hidden = {t("suppressed", "en", threshold=5), t("suppressed_complementary", "en")}
    # six women and one boy: the boy is below 5, so the women are hidden with him
    assert rows["Male"]["reached"] in hidden and rows["Female"]["reached"] in hidden
    assert rows["Total"]["reached"] == 7
    # a figure computed from a hidden count is withheld, in the workbook as on the page
    for group in ("Male", "Female"):
        for col in ("support", "change", "left"):
            assert rows[group][col] is equity.H.HIDDEN, (group, col)
    assert "19,000,000" not in html and "6,000,000" not in html
    assert "450,000" not in html
    # the sentence on women does not give the six away either
    assert "Women are x of the 7 people reached (x)" in html


def test_every_count_of_the_section_is_in_the_ledger(tiny):
    report = annual(tiny, min_cell=5)
    report.gender()
    for dim in equity.DIMENSIONS:
        frame = report.tables[f"equity_{dim}"]
        for col in ("reached", "followed"):
            for value in frame[col]:
                assert isinstance(value, int | str)  # a shown count or the hidden mark
    keys = report.ledger.values
    assert keys[("reached", 2024, "sex", "female")] == 6
    assert keys[("followed", 2024, "income", "sex", "male")] == 1
    assert keys[("followed", 2024, "left", "sex", "female")] == 1


def test_both_reports_have_the_section_in_both_languages(tiny):
    for lang in ("vi", "en"):
        html = str(annual(tiny, lang=lang, min_cell=5).gender())
        assert 'id="gender"' in html and t("section.gender", lang) in html
        phase = PhaseReport.load(lang=lang, pkg=tiny, min_cell=5)
        html = str(phase.gender())
        assert 'id="gender"' in html
        assert t("equity.missing_title", lang) in html
    assert "gender" in AnnualReport.SECTIONS and "gender" in PhaseReport.SECTIONS
    assert "gender" in AnnualReport.CELLS and "gender" in PhaseReport.CELLS


def test_notebooks_call_the_section_where_the_class_lists_it():
    for name, cls in (("annual_evaluation", AnnualReport), ("phase_evaluation", PhaseReport)):
        nb = json.loads((PROJECT_ROOT / "notebooks" / f"{name}.ipynb").read_text("utf-8"))
        calls = ["".join(c["source"]).strip() for c in nb["cells"] if c["cell_type"] == "code"]
        i = calls.index("report.gender()")
        assert calls[i - 1] == "report.impact()", name
        assert cls.CELLS[cls.CELLS.index("gender") - 1] == "impact"


def test_vietnamese_section_names_no_field_and_says_the_fields_are_empty(tiny):
    html = str(annual(tiny, lang="vi", min_cell=5).gender())
    for (_, name), _q in PROPOSED.items():
        assert name not in html
    assert "poverty_status" not in html and "beneficiar" not in html
    assert "Chưa có số liệu" in html
    assert "Ai đứng tên con vật?" in html and "Người phụ nữ được hỗ trợ" in html
    assert "Đến nay các thông tin này còn trống" in html


@pytest.mark.parametrize("path", [DATAPACKAGE, TINY], ids=["bundled", "tiny"])
def test_the_schema_proposes_the_fields_as_optional_categories(path):
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    fields = {
        (res["name"], f["name"]): f
        for res in descriptor["resources"]
        for f in res["schema"]["fields"]
    }
    for key, question in PROPOSED.items():
        fld = fields[key]
        assert fld["equity"] == question
        assert fld["type"] == "string" and not fld["constraints"].get("required")
        assert fld["title_vi"] and fld["title"]
        for value in fld["constraints"]["enum"]:
            for lang in ("vi", "en"):
                assert t(f"enum.{key[1]}.{value}", lang)
    found = [(r, f["name"]) for r, f in equity.proposed_fields(load_package(path))]
    assert found == list(PROPOSED)


def test_the_csv_files_carry_the_new_columns_empty(tiny):
    for (resource, name), _ in PROPOSED.items():
        assert name in tiny[resource].columns
        assert tiny[resource][name].isna().all()


def test_a_partly_filled_field_is_reported_as_such(tmp_path):
    shutil.copytree(TINY.parent, tmp_path / "pkg")
    ledger = tmp_path / "pkg" / "data" / "livestock_events.csv"
    lines = ledger.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("registered_owner")] = "woman"
    lines[1] = ",".join(cells)
    ledger.write_text("\n".join(lines), encoding="utf-8")
    pkg = load_package(tmp_path / "pkg" / "datapackage.json")
    report = annual(pkg, min_cell=5)
    report.gender()
    status = report.tables["equity_fields"].set_index("question")["status"]
    assert status[t("equity.question.ownership", "en")] == "Partly recorded"
    assert status[t("equity.question.sale", "en")] == "No data yet"


def test_the_province_workbook_has_the_new_columns_with_labels(tmp_path):
    from analysis.intake import write_template

    path = write_template(tmp_path / "mau.xlsx", 2024, TINY).path
    wb = openpyxl.load_workbook(path)
    headers = {name: [c.value for c in wb[name][1]] for name in wb.sheetnames}
    assert "Người đứng tên con vật (registered_owner)" in headers["livestock_events"]
    assert "Người quyết định bán (sale_decided_by)" in headers["livestock_events"]
    assert (
        "Người quyết định chi tiêu thu nhập từ mô hình (income_decided_by)"
        in headers["beneficiary_followups"]
    )
    assert (
        "Thời gian lao động của người phụ nữ so với khi tham gia (woman_workload_change)"
        in headers["beneficiary_followups"]
    )
    lists = {
        col[0].value: [c.value for c in col[1:] if c.value] for col in wb["_lists"].iter_cols()
    }
    assert lists["livestock_events.registered_owner"] == [
        "Người phụ nữ được hỗ trợ (woman)",
        "Chồng (husband)",
        "Cả hai vợ chồng (joint)",
        "Thành viên khác trong hộ (other_member)",
    ]
    assert lists["beneficiary_followups.woman_workload_change"] == [
        "Nhiều hơn khi tham gia (more)",
        "Như khi tham gia (same)",
        "Ít hơn khi tham gia (less)",
    ]
