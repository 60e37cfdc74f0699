"""The evaluation matrix's annex shows an indicator's value only when the report could show
it: a share of people is withheld when its part or its rest is a small count."""

from __future__ import annotations

from analysis.paths import PROJECT_ROOT
from analysis.report.annual import AnnualReport

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


def _annex(min_cell: int) -> str:
    report = AnnualReport.load(year=2024, lang="vi", package_path=str(TINY), min_cell=min_cell)
    return str(report.evaluation_matrix())


def test_a_share_that_tells_a_small_rest_is_withheld():
    # Tiny 2024: 6 of the 7 people reached were poor or near-poor (hand count of
    # beneficiaries.csv): 85.7 % tells that one person was neither, below 5.
    assert "85,7%" not in _annex(min_cell=5)
    # With a threshold of 1 nothing is small: the share is shown.
    assert "85,7%" in _annex(min_cell=1)
