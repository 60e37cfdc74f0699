"""The context section of the annual and phase reports (issue 18): both languages, its id,
published figures only, the 2022 change of poverty standard never crossed by a row, merged
communes apart, uncertain figures marked, a clear note on a package without figures, and the
data-quality section counting the observed rows.

Expected figures are the sources' own (as printed in each language), read by hand.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis.i18n import t
from analysis.package import load_package
from analysis.report.annual import AnnualReport
from analysis.report.base import plan_years
from analysis.report.phase import PhaseReport

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


@pytest.fixture(scope="module")
def bundled():
    return load_package()


@pytest.fixture(scope="module")
def tiny():
    return load_package(TINY)


def _section(report) -> BeautifulSoup:
    soup = BeautifulSoup(str(report.context()), "html.parser")
    (section,) = soup.select("section#context")
    return section


def _row_texts(section: BeautifulSoup) -> list[str]:
    return [
        " | ".join(td.get_text() for td in tr.find_all("td")) for tr in section.select("tbody tr")
    ]


@pytest.mark.parametrize(
    ("lang", "kon_tum_2019", "title"),
    [("vi", "13,62%", "Bối cảnh"), ("en", "13.62%", "Context")],
)
def test_the_section_renders_in_both_languages_with_its_id(bundled, lang, kon_tum_2019, title):
    for report in (
        AnnualReport.load(year=2024, lang=lang, pkg=bundled),
        PhaseReport.load(lang=lang, pkg=bundled),
    ):
        assert "context" in report.SECTIONS and "context" in report.CELLS
        section = _section(report)
        assert section.find("h2").get_text().startswith(title)
        assert kon_tum_2019 in section.get_text()  # Kon Tum 2019 review, Decision 1425/QĐ-UBND


@pytest.mark.parametrize(
    ("lang", "pointer"),
    [("vi", "báo cáo đánh giá giai đoạn 2021–2025"), ("en", "the 2021–2025 phase evaluation")],
)
def test_the_phase_report_draws_the_rates_and_the_annual_report_points_to_it(
    bundled, lang, pointer
):
    """The annual report gives the figures as tables only (the chart is the same every
    year); the phase evaluation draws them, and the annual report says where."""
    phase = _section(PhaseReport.load(lang=lang, pkg=bundled))
    assert phase.find("img") is not None
    assert pointer not in phase.get_text()
    annual = _section(AnnualReport.load(year=2024, lang=lang, pkg=bundled))
    assert annual.find("img") is None
    assert annual.find("table") is not None
    assert pointer in annual.get_text()


def test_a_row_never_runs_across_the_change_of_standard(bundled):
    """Kon Tum: 13.62 % and 10.29 % (2019, 2020, old standard) on one row, 15.32 %, 10.86 %,
    6.84 % (2021 to 2023, new standard) on another."""
    rows = _row_texts(_section(AnnualReport.load(year=2024, lang="vi", pkg=bundled)))
    (old,) = [r for r in rows if "13,62%" in r]
    (new,) = [r for r in rows if "15,32%" in r]
    assert "Kon Tum (tỉnh)" in old and "chuẩn nghèo 2016–2020" in old and "10,29%" in old
    assert "chuẩn nghèo đa chiều 2022–2025" in new and "10,86%" in new and "6,84%" in new
    assert "15,32%" not in old and "13,62%" not in new


def test_uncertain_and_approximate_figures_are_marked(bundled):
    text = _section(AnnualReport.load(year=2024, lang="vi", pkg=bundled)).get_text()
    assert "37%*" in text  # Sín Thầu 2023, a journalist's figure
    assert "gần 50%*" in text  # Kỳ Sơn about 2024: 'gần một nửa'
    assert "42,21%" in text and "42,21%*" not in text  # Kỳ Sơn 2020, an official figure


def test_merged_communes_are_listed_apart_and_only_from_2025(bundled):
    section = _section(PhaseReport.load(lang="vi", pkg=bundled))
    tables = section.find_all("table")
    merged = [tb for tb in tables if "44,01%" in tb.get_text()]
    assert len(merged) == 1  # the merged Nậm Cắn's 44.01 % only in the merged table
    assert "Nậm Cắn (xã mới từ 1/7/2025)" in merged[0].get_text()
    assert "Kỳ Sơn" not in merged[0].get_text()
    english = _section(PhaseReport.load(lang="en", pkg=bundled)).find_all("table")
    (merged_en,) = [tb for tb in english if "44.01%" in tb.get_text()]
    assert "Nậm Cắn (new commune from 1 July 2025)" in merged_en.get_text()
    assert "xã mới" not in merged_en.get_text()  # no Vietnamese words in the English table
    early = _section(AnnualReport.load(year=2023, lang="vi", pkg=bundled)).get_text()
    assert "xã mới từ 1/7/2025" not in early and "44,01%" not in early
    assert "2024" not in [
        th.get_text()
        for th in _section(AnnualReport.load(year=2023, lang="vi", pkg=bundled)).find_all("th")
    ]


def test_the_previous_phase_is_context_and_its_partners_are_named(bundled):
    text = _section(AnnualReport.load(year=2021, lang="vi", pkg=bundled)).get_text()
    assert "10.000.000 đồng" in text  # the 2020 grants in Sín Thầu and Leng Su Sìn
    assert "hơn 150.000.000.000 đồng" in text  # the 2018–2020 phase's funds
    assert "Rờ Kơi" in text and "Đắk Nhoong" in text  # flagged previous_phase_partner


def test_only_published_rows_are_shown(bundled):
    """A row of the illustrative source in context_statistics is never shown."""
    ctx = bundled["context_statistics"]
    fake = ctx[ctx["statistic_id"] == "poor_rate_kyson_2020"].copy()
    fake["statistic_id"], fake["year"], fake["value"] = "fake", 2023, 77.77
    fake["source_id"] = "illustrative_generator"
    frames = {**bundled.frames, "context_statistics": pd.concat([ctx, fake], ignore_index=True)}
    pkg = dataclasses.replace(bundled, frames=frames)
    text = _section(AnnualReport.load(year=2024, lang="vi", pkg=pkg)).get_text()
    assert "77,77" not in text and "42,21%" in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_package_without_figures_says_so(tiny, lang):
    year = plan_years(tiny)[0]
    for report in (
        AnnualReport.load(year=year, lang=lang, pkg=tiny),
        PhaseReport.load(lang=lang, pkg=tiny),
    ):
        section = _section(report)
        assert t("context.none", lang) in section.get_text()
        assert section.find("table") is None and section.find("img") is None


def _observed(name: str) -> int:
    with (ROOT / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return sum(r["source_id"] != "illustrative_generator" for r in csv.DictReader(fh))


def test_the_data_quality_section_counts_the_observed_rows(bundled):
    names = (
        "plans",
        "outputs",
        "transactions",
        "unit_costs",
        "commune_statistics",
        "context_statistics",
    )
    total = sum(_observed(n) for n in names)
    text = BeautifulSoup(
        str(AnnualReport.load(year=2024, lang="en", pkg=bundled).data_quality()), "html.parser"
    ).get_text()
    assert f"The package holds {total:,} observed (not illustrative) rows" in text
    assert f"context statistics: {_observed('context_statistics'):,}" in text
