"""Why a partnership ended is shown in the report's language (the plan's Vietnamese words in
the Vietnamese reports, their English in the English ones)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.i18n import in_language
from analysis.package import load_package
from analysis.report.annual import AnnualReport
from analysis.report.commune import CommuneProfile
from analysis.report.phase import PhaseReport

SIN_THAU = "03154"  # partner 2021-2023; the plan: "đã đạt chuẩn Nông thôn mới ... dừng đồng hành"


@pytest.fixture(scope="module")
def pkg():
    return load_package()


def exit_reason(row, lang):
    return in_language(row, "exit_reason", lang)[0]


def test_the_reason_is_taken_in_the_report_s_language_and_falls_back_to_english():
    row = {"exit_reason": "Met the standard.", "exit_reason_vi": "Đạt chuẩn."}
    assert exit_reason(row, "vi") == "Đạt chuẩn."
    assert exit_reason(row, "en") == "Met the standard."
    assert exit_reason({"exit_reason": "Met the standard.", "exit_reason_vi": ""}, "vi") == (
        "Met the standard."
    )
    assert exit_reason(pd.Series({"exit_reason": pd.NA, "exit_reason_vi": pd.NA}), "vi") == ""


@pytest.mark.parametrize(
    ("lang", "own", "other"),
    [("en", "Met the New Rural standard", "Đạt chuẩn"), ("vi", "Đạt chuẩn nông thôn mới", "Met")],
)
def test_every_report_gives_the_reason_in_its_language(pkg, lang, own, other):
    annual = AnnualReport.load(year=2024, lang=lang, pkg=pkg)
    phase = PhaseReport.load(lang=lang, pkg=pkg)
    profile = CommuneProfile.load(commune_code=SIN_THAU, lang=lang, pkg=pkg)
    for text in (str(annual.sustainability()), str(phase.sustainability()), str(profile.page())):
        assert own in text
        assert other not in text
