"""The evaluation matrix is data: questions in the package, the rest read from where it is
declared once (indicator titles, the registry's evidence, the rating rules)."""

from __future__ import annotations

import dataclasses

import pytest

from analysis.indicators.registry import CRITERIA
from analysis.package import load_package
from analysis.paths import PROJECT_ROOT
from analysis.report.matrix import (
    MatrixError,
    check_questions,
    matrix_frame,
    questions,
    rule_text,
)

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


@pytest.fixture(scope="module")
def tiny():
    return load_package(TINY)


@pytest.fixture(scope="module")
def bundled():
    return load_package()


def _with_questions(pkg, **columns):
    frames = dict(pkg.frames)
    frames["evaluation_questions"] = pkg["evaluation_questions"].assign(**columns)
    return dataclasses.replace(pkg, frames=frames)


def test_the_bundled_questions_cover_every_criterion_and_name_real_indicators(bundled):
    assert check_questions(bundled) == []
    qs = questions(bundled)
    assert qs["question_id"].tolist() == ["EQ1", "EQ2", "EQ3", "EQ4", "EQ5", "EQ6"]
    assert set(qs["criterion"]) == set(CRITERIA)
    # the questions name indicators of the results framework (today every one of them; a
    # new indicator answers no question until the team adds it to one, and the annex lists
    # it with its value all the same)
    used = {i for ids in qs["indicator_ids"] for i in ids}
    assert used <= set(bundled["indicators"]["indicator_id"])
    assert len(used) == 11


def test_the_tiny_fixture_s_questions_are_valid(tiny):
    assert check_questions(tiny) == []
    assert questions(tiny)["question_id"].tolist() == ["EQ1", "EQ2", "EQ3"]


def test_an_unknown_indicator_or_criterion_is_named(tiny):
    broken = _with_questions(
        tiny,
        indicators=["share_poor_near_poor;no_such_indicator", "budget_execution_rate", ""],
        criterion=["relevance", "value_for_money", "impact"],
    )
    problems = check_questions(broken)
    assert "EQ1: indicator 'no_such_indicator' is not in indicators.csv" in problems
    assert "EQ1: indicator 'no_such_indicator' has no indicator spec" in problems
    assert "EQ2: criterion 'value_for_money' is not a DAC criterion" in problems
    assert "EQ3: no indicator answers it" in problems
    with pytest.raises(MatrixError, match="no_such_indicator"):
        matrix_frame(broken, "en")


def test_an_indicator_missing_from_the_package_table_is_named(tiny):
    # plan_linked_to_programmes has a spec in the registry but no row in the tiny
    # fixture's indicators.csv
    broken = _with_questions(
        tiny,
        indicators=["plan_linked_to_programmes", "budget_execution_rate", "poor_household_rate"],
    )
    assert check_questions(broken) == [
        "EQ1: indicator 'plan_linked_to_programmes' is not in indicators.csv"
    ]


def test_a_matrix_row_reads_titles_evidence_and_rule_from_their_one_place(tiny):
    frame = matrix_frame(tiny, "vi").set_index("criterion")
    row = frame.loc["Hiệu quả sử dụng nguồn lực"]  # EQ2 of the tiny fixture, efficiency
    assert row["question"] == "EQ2. Kinh phí có được giải ngân theo kế hoạch không?"
    # the titles of indicators.csv, in the question's order
    assert row["indicators"] == (
        "Tỷ lệ giải ngân so với kế hoạch; Chi phí bình quân mỗi người thụ hưởng"
    )
    # both indicators rest on the transactions (the registry's evidence): named once
    assert row["sources"] == "Giao dịch tài chính"
    # ratings.json: efficiency met at 1.1, partly met at 1.5, in Vietnamese decimals
    assert "≤ 1,10 là đạt" in row["rule"] and "≤ 1,50 là đạt một phần" in row["rule"]
    en = matrix_frame(tiny, "en").set_index("criterion").loc["Impact"]
    assert en["indicators"] == "Poor-household rate"
    assert en["sources"] == "Commune statistics"
    assert "at least 1 percentage points" in en["rule"] and "p ≤ 0.10" in en["rule"]


def test_the_rule_follows_the_thresholds_it_is_given():
    rules = {"relevance": {"metric": "x", "met": 0.75, "partly_met": 0.5}}
    assert "≥ 0.75 met, ≥ 0.50 partly met" in rule_text("relevance", rules, "en")
    assert "≥ 0,75 là đạt, ≥ 0,50 là đạt một phần" in rule_text("relevance", rules, "vi")


def test_the_bundled_matrix_has_a_row_per_question_in_both_languages(bundled):
    for lang in ("vi", "en"):
        frame = matrix_frame(bundled, lang)
        assert len(frame) == 6
        assert frame["question"].str.match(r"EQ\d\. ").all()
        assert (frame[["indicators", "sources", "rule"]] != "").all().all()
    # no field or file names in the Vietnamese matrix
    text = " ".join(matrix_frame(bundled, "vi").to_numpy().ravel())
    for word in ("indicators.csv", "ratings.json", "beneficiary_followups", "_"):
        assert word not in text


def _values(report):
    from analysis.report.matrix import values_frame

    return values_frame(report).set_index("indicator")["value"]


def test_the_annex_gives_every_indicator_s_value_for_the_year():
    """Tiny fixture, 2024, hand-computed from its CSVs: 5 activities planned; 6 of the 7
    people who entered were poor or near-poor at entry (85.7 %); 117 of the 130 million
    planned on activities with an amount were spent (90.0 %); 120 million spent on
    activities with people (117 + the Tết gifts' 3), over 7 people (17,142,857 đồng)."""
    from analysis.indicators.registry import INDICATORS
    from analysis.report import html as H
    from analysis.report.annual import AnnualReport

    # 85.7 % tells that 1 of the 7 was neither poor nor near-poor: withheld at the default
    # threshold (5), shown when nothing is small (threshold 1).
    default = _values(AnnualReport.load(year=2024, lang="vi", package_path=str(TINY)))
    assert default["Tỷ lệ hỗ trợ đến hộ nghèo, cận nghèo"] is H.HIDDEN
    report = AnnualReport.load(year=2024, lang="vi", package_path=str(TINY), min_cell=1)
    values = _values(report)
    assert len(values) == len(INDICATORS)
    assert values["Số hoạt động theo kế hoạch"] == "5 hoạt động"
    assert values["Tỷ lệ hỗ trợ đến hộ nghèo, cận nghèo"] == "85,7%"
    assert values["Tỷ lệ giải ngân so với kế hoạch"] == "90,0%"
    assert values["Chi phí bình quân mỗi người thụ hưởng"] == "17.142.857 đồng"
    # the count of people is the report's own (its ledger's): the 7 who entered in 2024
    assert values["Số người được hỗ trợ"] == "7 người"
    # an estimate that needs its section's words says where it is
    assert values["Tỷ lệ hoàn thành khối lượng kế hoạch"] == "Xem mục “Tính hiệu lực”"
    # the table goes to the workbook too, marked when illustrative
    report.evaluation_matrix()
    sheet = report.tables["indicator_values"]
    assert len(sheet) == len(INDICATORS) and "illustrative" in sheet.columns


def test_a_value_resting_on_fewer_people_than_the_threshold_is_withheld():
    from analysis.report import html as H
    from analysis.report.annual import AnnualReport

    # 7 people entered in 2024: under a threshold of 8 the share and the cost per person
    # are withheld; the budget execution (money, no people) is not
    report = AnnualReport.load(year=2024, lang="en", package_path=str(TINY), min_cell=8)
    values = _values(report)
    assert values["Share of support reaching poor and near-poor households"] is H.HIDDEN
    assert values["Cost per beneficiary"] is H.HIDDEN
    assert values["Budget execution rate"] == "90.0%"
    # the 7 people reached are hidden as the summary hides them, with the same mark
    assert values["People reached"] == "<8"
    assert "&lt;8" in report.summary()  # the page escapes the mark


def test_the_annex_counts_people_as_the_summary_does(bundled):
    """The bundled 2024 report: the annex's people reached is the ledger's count, printed
    as the summary prints it (one figure, one value), and the phase annex gives the phase's."""
    from analysis.report.annual import AnnualReport
    from analysis.report.phase import PhaseReport

    for report in (
        AnnualReport.load(year=2024, lang="en", pkg=bundled),
        PhaseReport.load(lang="en", pkg=bundled),
    ):
        n = report.ledger.values[report.people_key()]
        people = report.pkg["beneficiaries"]
        if isinstance(report, AnnualReport):  # the people who entered in the report's year
            assert n == people.loc[people["entry_year"] == 2024, "beneficiary_id"].nunique()
        else:  # everyone the phase reached
            assert n == people["beneficiary_id"].nunique()
        text = _values(report)["People reached"]
        assert text == f"{n:,} people"
        assert f"{n:,}" in report.summary()


def test_the_phase_annex_covers_every_year():
    """Over 2023-2024 of the tiny fixture the activities planned are those of both years."""
    from analysis.report.phase import PhaseReport

    report = PhaseReport.load(lang="en", package_path=str(TINY))
    assert _values(report)["Activities planned"] == "7 activities"  # 2 in 2023 + 5 in 2024


def test_a_count_of_people_the_report_did_not_register_points_to_its_section():
    """A people indicator whose count the report's ledger does not hold under its name is
    never filled with another count: the annex says where the report gives it."""
    from analysis.indicators.registry import INDICATORS
    from analysis.report.annual import AnnualReport
    from analysis.report.matrix import _annex_text

    report = AnnualReport.load(year=2024, lang="en", package_path=str(TINY), min_cell=1)
    reached = next(s for s in INDICATORS if s.people)
    assert _annex_text(report, reached) == "7 people"
    other = dataclasses.replace(reached, people="pupils_sponsored")
    assert _annex_text(report, other) == "See the section “Effectiveness”"
