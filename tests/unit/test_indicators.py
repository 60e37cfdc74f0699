"""Tests of analysis.indicators on the tiny hand-made package (tests/fixtures/tiny_package).

Every expected value is computed by hand from the fixture's CSV files; the arithmetic is in
the comments and, for the key 2024 figures, in tests/fixtures/tiny_package/EXPECTED.md.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import indicators
from analysis.checks import check_package
from analysis.indicators import (
    beneficiaries_reached,
    budget_execution,
    cost_per_beneficiary,
    cost_per_unit,
    cost_vs_benchmark,
    disbursement_delay_summary,
    funds_mobilised,
    graduated_communes,
    income_change,
    livestock_summary,
    plan_vs_delivery,
    poverty_did,
    poverty_panel,
    poverty_persistence,
    programme_alignment,
    share_of_plan_linked,
    targeting_shares,
    time_to_disbursement,
    unit_cost_benchmarks,
)
from analysis.package import Package, load_package

FIXTURE = Path(__file__).parents[1] / "fixtures" / "tiny_package" / "datapackage.json"
M = 1_000_000  # one million đồng


@pytest.fixture(scope="module")
def pkg() -> Package:
    return load_package(FIXTURE)


def _with(pkg: Package, **frames: pd.DataFrame) -> Package:
    """A copy of ``pkg`` with some resources replaced (no validation)."""
    return dataclasses.replace(pkg, frames={**pkg.frames, **frames})


def _row(frame: pd.DataFrame, **keys) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for col, value in keys.items():
        mask &= frame[col].eq(value).fillna(False).to_numpy(bool)
    assert mask.sum() == 1, keys
    return frame[mask].iloc[0]


# ------------------------------------------------------------------------------- fixture


def test_fixture_loads_and_only_warns_about_the_overspent_activity(pkg):
    problems = check_package(pkg)
    assert [p.severity for p in problems] == ["warning"]
    assert problems[0].rule == "overspent"  # 2024-16834-01: 30 M + 25 M > 50 M planned


def test_every_computed_by_names_an_exported_function(pkg):
    names = pkg["indicators"]["computed_by"].dropna()
    assert len(names) == 10  # every indicator of the framework names its function
    for name in names:
        assert name in indicators.__all__
        assert callable(getattr(indicators, name))


# ------------------------------------------------------------------------- effectiveness


def test_plan_vs_delivery_by_activity_type_2024(pkg):
    t = plan_vs_delivery(pkg, 2024)
    assert t["activity_type"].tolist() == [
        "charity_house",
        "communication",
        "livelihood_capital",
        "pupil_sponsorship",
        "tet_gifts",
    ]
    house = _row(t, activity_type="charity_house")
    # 1 house planned, 1 delivered: 1 / 1; 50 M planned, 50 M disbursed: 50 / 50.
    assert (house["planned_units"], house["delivered_units"], house["units_rate"]) == (1, 1, 1)
    assert (house["planned_amount_vnd"], house["spent_vnd"]) == (50 * M, 50 * M)
    assert house["amount_rate"] == 1.0
    cows = _row(t, activity_type="livelihood_capital")
    # No planned units in the plan: rate NaN although 2 packages were delivered.
    assert math.isnan(cows["planned_units"]) and math.isnan(cows["units_rate"])
    assert cows["delivered_units"] == 2
    # Spent 30 M + 25 M = 55 M on 50 M planned: 55 / 50 = 1.1.
    assert cows["spent_vnd"] == 55 * M
    assert cows["amount_rate"] == pytest.approx(1.1)
    pupils = _row(t, activity_type="pupil_sponsorship")
    assert pupils["units_rate"] == pytest.approx(2 / 5)  # 2 of 5 pupils
    assert pupils["amount_rate"] == pytest.approx(12 / 30)  # 12 M of 30 M
    gifts = _row(t, activity_type="tet_gifts")
    # No planned amount: spent 3 M is reported, the rate is NaN.
    assert gifts["spent_vnd"] == 3 * M
    assert math.isnan(gifts["planned_amount_vnd"]) and math.isnan(gifts["amount_rate"])
    comm = _row(t, activity_type="communication")
    assert comm["spent_vnd"] == 0 and comm["n_reported"] == 0
    # Totals: planned 50 + 50 + 30 = 130 M; spent 50 + 55 + 12 + 3 + 0 = 120 M.
    assert t["planned_amount_vnd"].sum() == 130 * M
    assert t["spent_vnd"].sum() == 120 * M
    assert t["n_activities"].sum() == 5


def test_plan_vs_delivery_by_commune_mixes_units_in_the_province_group(pkg):
    t = plan_vs_delivery(pkg, 2024, by="commune_code")
    # 16834 (cows), 16837 (house), then the province/programme activities (no commune) last.
    assert t["commune_code"].iloc[:2].tolist() == ["16834", "16837"]
    other = t.iloc[2]
    assert pd.isna(other["commune_code"]) and pd.isna(other["unit"])
    assert other["n_activities"] == 3  # communication, Tết gifts, pupils
    # Campaign, gift and pupil units cannot be added.
    assert math.isnan(other["planned_units"]) and math.isnan(other["units_rate"])
    # Only the pupils state an amount: 12 M / 30 M; spent 12 + 3 + 0 = 15 M.
    assert other["amount_rate"] == pytest.approx(0.4)
    assert other["spent_vnd"] == 15 * M


def test_plan_vs_delivery_keeps_unplanned_delivery_beside_the_rate(pkg):
    """One definition: the rates compare the plan with what its planned activities
    delivered; what activities without a planned number delivered or spent is its own
    column and never raises a rate (the old table showed 98 gifts beside "100 %")."""
    t = plan_vs_delivery(pkg, 2024, by="activity_type")
    cows = _row(t, activity_type="livelihood_capital")
    # The plan states no units for the cows: the 2 packages are all "off plan".
    assert math.isnan(cows["delivered_on_plan"]) and cows["delivered_off_plan"] == 2
    pupils = _row(t, activity_type="pupil_sponsorship")
    assert (pupils["delivered_on_plan"], pupils["delivered_off_plan"]) == (2, 0)
    gifts = _row(t, activity_type="tet_gifts")
    # 3 M spent on gifts with no planned amount: off plan, not on plan.
    assert (gifts["spent_on_plan_vnd"], gifts["spent_off_plan_vnd"]) == (0, 3 * M)
    # The parts add up to the totals in every row.
    on = t["delivered_on_plan"].fillna(0) + t["delivered_off_plan"]
    assert (on[t["delivered_units"].notna()] == t["delivered_units"].dropna()).all()
    assert (t["spent_on_plan_vnd"] + t["spent_off_plan_vnd"] == t["spent_vnd"]).all()
    other = plan_vs_delivery(pkg, 2024, by="commune_code").iloc[2]
    # Province/programme group: pupils 12 M on their 30 M plan; gifts 3 M without a plan.
    assert (other["spent_on_plan_vnd"], other["spent_off_plan_vnd"]) == (12 * M, 3 * M)
    assert other["amount_rate"] == pytest.approx(12 / 30)


def test_plan_vs_delivery_empty_year_and_bad_requests(pkg):
    t = plan_vs_delivery(pkg, 2022)  # the fixture plans nothing for 2022
    assert t.empty
    assert list(t.columns) == [
        "activity_type",
        "unit",
        "n_activities",
        "n_reported",
        "planned_units",
        "delivered_units",
        "delivered_on_plan",
        "delivered_off_plan",
        "units_rate",
        "planned_amount_vnd",
        "spent_vnd",
        "spent_on_plan_vnd",
        "spent_off_plan_vnd",
        "amount_rate",
    ]
    with pytest.raises(ValueError, match="cannot group by"):
        plan_vs_delivery(pkg, 2024, by="sex")
    with pytest.raises(ValueError, match="outside"):
        plan_vs_delivery(pkg, 2030)
    with pytest.raises(ValueError, match="integer"):
        plan_vs_delivery(pkg, "2024")


def test_beneficiaries_reached(pkg):
    t = beneficiaries_reached(pkg, 2024)
    # 2024 entrants B1..B7: female B1, B2, B3, B5, B6, B7 = 6; male B4 = 1.
    assert t["sex"].tolist() == ["female", "male"]
    assert t["people"].tolist() == [6, 1]
    # All years: 7 + the three 2023 entrants (B8, B9, B10) = 10.
    assert beneficiaries_reached(pkg, by=None)["people"].tolist() == [10]
    by_type = beneficiaries_reached(pkg, 2023, by=["activity_type", "sex"])
    # 2023: house B10 (male); cows B8, B9 (female).
    assert by_type.values.tolist() == [
        ["charity_house", "male", 1],
        ["livelihood_capital", "female", 2],
    ]
    empty = beneficiaries_reached(pkg, 2025, by=("sex", "age_band"))
    assert empty.empty and list(empty.columns) == ["sex", "age_band", "people"]
    with pytest.raises(ValueError):
        beneficiaries_reached(pkg, 2024, by="income")


# ---------------------------------------------------------------------------- efficiency


def test_budget_execution(pkg):
    t = budget_execution(pkg, 2024)
    # Planned (with an amount): house 50 + cows 50 + pupils 30 = 130 M.
    # Spent on them: 50 + 55 + 12 = 117 M; 117 / 130 = 0.9.
    assert t["planned_amount_vnd"].tolist() == [130 * M]
    assert t["spent_vnd"].tolist() == [117 * M]
    assert t["execution_rate"].item() == pytest.approx(0.9)
    by_year = budget_execution(pkg, by="year")
    # 2023: 50 + 40 = 90 M planned, 90 M disbursed: 1.0.
    assert by_year["year"].tolist() == [2023, 2024]
    assert by_year["execution_rate"].tolist() == pytest.approx([1.0, 0.9])
    assert budget_execution(pkg, 2022).empty


def test_budget_execution_zero_planned_amount_gives_nan(pkg):
    plans = pkg["plans"].copy()
    plans.loc[plans["activity_id"] == "2024-P40-03", "planned_amount_vnd"] = 0
    t = budget_execution(_with(pkg, plans=plans), 2024, by="activity_id")
    pupils = _row(t, activity_id="2024-P40-03")
    assert pupils["planned_amount_vnd"] == 0 and pupils["spent_vnd"] == 12 * M
    assert math.isnan(pupils["execution_rate"])  # 12 M / 0: NaN, no ZeroDivisionError
    # Total: (50 + 55 + 12) / (50 + 50 + 0) = 117 / 100.
    total = budget_execution(_with(pkg, plans=plans), 2024)
    assert total["execution_rate"].item() == pytest.approx(1.17)


def test_cost_per_beneficiary(pkg):
    t = cost_per_beneficiary(pkg, 2024)
    # house 50 M / 1; cows 55 M / 2; pupils 12 M / 2; gifts 3 M / 2 (communication: nobody).
    assert t["activity_type"].tolist() == [
        "charity_house",
        "livelihood_capital",
        "pupil_sponsorship",
        "tet_gifts",
    ]
    assert t["beneficiaries"].tolist() == [1, 2, 2, 2]
    assert t["cost_per_beneficiary_vnd"].tolist() == pytest.approx(
        [50 * M, 27.5 * M, 6 * M, 1.5 * M]
    )
    total = cost_per_beneficiary(pkg, 2024, by=None)
    # (50 + 55 + 12 + 3) M / (1 + 2 + 2 + 2) = 120 M / 7.
    assert total["cost_per_beneficiary_vnd"].item() == pytest.approx(120 * M / 7)
    assert cost_per_beneficiary(pkg, 2022).empty


def test_cost_per_unit(pkg):
    t = cost_per_unit(pkg, 2024)
    # house 50 M / 1; cows 55 M / 2 packages; pupils 12 M / 2; gifts 3 M / 2.
    assert t[["activity_type", "unit"]].values.tolist() == [
        ["charity_house", "house"],
        ["livelihood_capital", "livelihood_package"],
        ["pupil_sponsorship", "pupil"],
        ["tet_gifts", "gift"],
    ]
    assert t["cost_per_unit_vnd"].tolist() == pytest.approx([50 * M, 27.5 * M, 6 * M, 1.5 * M])
    # All years: houses (50 + 50) M / 2 = 50 M; cows (40 + 55) M / (2 + 2) = 23.75 M.
    pooled = cost_per_unit(pkg)
    assert _row(pooled, unit="house")["cost_per_unit_vnd"] == 50 * M
    assert _row(pooled, unit="livelihood_package")["cost_per_unit_vnd"] == 23.75 * M
    assert cost_per_unit(pkg, 2022).empty


def test_unit_cost_benchmarks(pkg):
    t = unit_cost_benchmarks(pkg)
    # Houses: 50 M of support (Bình Định); Kon Tum's 90 M is a stated worth (unit_value),
    # not a support amount, so it is left out. Pupils: 6 M.
    assert t.drop(columns="livelihood_model").values.tolist() == [
        ["charity_house", "house", 1, 50 * M, 50 * M, 50 * M],
        ["pupil_sponsorship", "pupil", 1, 6 * M, 6 * M, 6 * M],
    ]
    empty = unit_cost_benchmarks(_with(pkg, unit_costs=pkg["unit_costs"].iloc[0:0]))
    assert empty.empty and "median_vnd" in empty.columns


def test_cost_vs_benchmark(pkg):
    t = cost_vs_benchmark(pkg, 2024)
    # House 50 M / 50 M = 1; pupils 6 M per pupil per year / 6 M = 1; no benchmark for
    # livelihood packages or gifts in the fixture: NaN.
    assert _row(t, unit="house")["ratio"] == pytest.approx(1.0)
    assert _row(t, unit="pupil")["ratio"] == pytest.approx(1.0)
    assert math.isnan(_row(t, unit="gift")["ratio"])
    assert _row(t, unit="gift")["benchmark_n"] == 0
    assert cost_vs_benchmark(pkg, 2022).empty


def _benchmark(pkg, **row):
    extra = pd.DataFrame([{"year": 2022, "place": "x", "source_id": "vwu_kontum_2022"} | row])
    costs = pd.concat([pkg["unit_costs"], extra], ignore_index=True)
    return _with(pkg, unit_costs=costs.astype(pkg["unit_costs"].dtypes.to_dict()))


def test_only_comparable_benchmarks_are_compared(pkg):
    cows = {"activity_type": "livelihood_capital", "unit": "livelihood_package"}
    # A 10 M pig package is no benchmark for the fixture's cow packages.
    pigs = _benchmark(
        pkg, benchmark_id="pigs", amount_vnd=10 * M, cost_basis="support_amount",
        livelihood_model="breeding_pigs", **cows,
    )  # fmt: skip
    row = _row(cost_vs_benchmark(pigs, 2024), unit="livelihood_package")
    assert row["benchmark_n"] == 0 and math.isnan(row["ratio"])
    # A cow package's support amount is: the fixture's 2024 cows cost 55 M for 2 packages.
    cow_model = pkg["plans"].set_index("activity_id").loc["2024-16834-01", "livelihood_model"]
    same = _benchmark(
        pkg, benchmark_id="cows", amount_vnd=25 * M, cost_basis="support_amount",
        livelihood_model=cow_model, **cows,
    )  # fmt: skip
    row = _row(cost_vs_benchmark(same, 2024), unit="livelihood_package")
    assert row["benchmark_n"] == 1 and row["ratio"] == pytest.approx(27.5 / 25)
    # A house's full build cost is not a support amount: the house ratio stays 50 / 50.
    build = _benchmark(
        pkg, benchmark_id="build", amount_vnd=120 * M, cost_basis="build_cost",
        activity_type="charity_house", unit="house",
    )  # fmt: skip
    assert _row(cost_vs_benchmark(build, 2024), unit="house")["ratio"] == pytest.approx(1.0)


def test_time_to_disbursement(pkg):
    t = time_to_disbursement(pkg, 2024)
    # cows 04-01 -> 05-01: 30 days; house 03-01 -> 04-15: 31 + 14 = 45;
    # pupils 01-10 -> 03-10: 21 + 29 (leap February) + 10 = 60. Tết gifts: no commitment.
    assert t["activity_id"].tolist() == ["2024-16834-01", "2024-16837-01", "2024-P40-03"]
    assert t["days"].tolist() == [30, 45, 60]
    s = disbursement_delay_summary(pkg, 2024)
    assert (s.n_activities, s.n_measured) == (3, 3)
    assert s.median_days == 45 and s.mean_days == 45  # (30 + 45 + 60) / 3 = 45
    assert s.max_days == 60
    # 2023: Sín Thầu house 02-01 -> 03-03: 27 + 3 = 30 days; cows 03-01 -> 04-10: 31 + 9 = 40.
    assert time_to_disbursement(pkg, 2023)["days"].tolist() == [30, 40]
    assert disbursement_delay_summary(pkg, 2023).median_days == 35  # (30 + 40) / 2


def test_time_to_disbursement_missing_disbursement_and_empty_year(pkg):
    tx = pkg["transactions"]
    no_disb = tx[~((tx["transaction_id"] == "T2024-0007").to_numpy(bool))]
    t = time_to_disbursement(_with(pkg, transactions=no_disb), 2024)
    pupils = _row(t, activity_id="2024-P40-03")
    assert pd.isna(pupils["first_disbursement"]) and math.isnan(pupils["days"])
    s = disbursement_delay_summary(_with(pkg, transactions=no_disb), 2024)
    assert (s.n_activities, s.n_measured, s.median_days) == (3, 2, 37.5)  # (30 + 45) / 2
    empty = time_to_disbursement(pkg, 2022)
    assert empty.empty and "days" in empty.columns
    assert math.isnan(disbursement_delay_summary(pkg, 2022).median_days)


def test_funds_mobilised(pkg):
    f = funds_mobilised(pkg, 2024)
    # 75 M businesses + 45 M members + 30 M city union = 150 M; spent in 2024 = 120 M.
    assert f.table["contributor_kind"].tolist() == ["businesses", "city_union", "members"]
    assert f.table["share"].tolist() == pytest.approx([0.5, 0.2, 0.3])
    assert (f.incoming_vnd, f.spent_vnd) == (150 * M, 120 * M)
    assert f.coverage == pytest.approx(1.25)  # 150 / 120
    # 2023: 90 M from individuals; 50 + 40 = 90 M spent: coverage 1.
    assert funds_mobilised(pkg, 2023).coverage == pytest.approx(1.0)
    # All years: (90 + 150) / (90 + 120) = 240 / 210.
    assert funds_mobilised(pkg).coverage == pytest.approx(240 / 210)
    empty = funds_mobilised(pkg, 2022)
    assert empty.table.empty and list(empty.table.columns) == [
        "contributor_kind",
        "incoming_vnd",
        "share",
    ]
    assert empty.incoming_vnd == 0 and math.isnan(empty.coverage)


# ----------------------------------------------------------------------------- relevance


def test_targeting_shares(pkg):
    t = targeting_shares(pkg, 2024)
    assert t["activity_type"].tolist() == [
        "charity_house",
        "livelihood_capital",
        "pupil_sponsorship",
        "tet_gifts",
        "all",
    ]
    overall = _row(t, activity_type="all")
    # Poor B1, B2, B4, B7 = 4/7; near-poor B3, B5 = 2/7; together 6/7;
    # female and not kinh: B1, B2, B3, B5, B6 = 5/7.
    assert overall["n"] == 7
    assert overall["share_poor"] == pytest.approx(4 / 7)
    assert overall["share_near_poor"] == pytest.approx(2 / 7)
    assert overall["share_poor_or_near_poor"] == pytest.approx(6 / 7)
    assert overall["share_ethnic_minority_women"] == pytest.approx(5 / 7)
    gifts = _row(t, activity_type="tet_gifts")
    # B6 (other, hmong woman), B7 (poor, kinh woman): 1/2 poor, 1/2 ethnic-minority women.
    assert gifts["share_poor_or_near_poor"] == 0.5
    assert gifts["share_ethnic_minority_women"] == 0.5
    pupils = _row(t, activity_type="pupil_sponsorship")
    assert pupils["share_ethnic_minority_women"] == 0.5  # B5 girl; B4 is a boy
    empty = targeting_shares(pkg, 2025)
    assert empty.empty and "share_poor" in empty.columns


# ----------------------------------------------------------------------------- coherence


def test_programme_alignment(pkg):
    t = programme_alignment(pkg, 2024)
    pairs = [
        (a, None if pd.isna(p) else p)
        for a, p in zip(t["activity_type"], t["programme_id"], strict=True)
    ]
    assert pairs == [
        ("charity_house", "ntm_2021_2025"),
        ("charity_house", "ntp_1719_p1"),
        ("communication", None),  # not linked in the fixture
        ("livelihood_capital", None),  # not linked in the fixture
        ("pupil_sponsorship", "ntp_1719_p5"),
        ("pupil_sponsorship", "ntp_1719_p8"),
        ("tet_gifts", "ntp_1719_p8"),
    ]
    assert _row(t, programme_id="ntp_1719_p5")["planned_amount_vnd"] == 30 * M
    assert math.isnan(_row(t, activity_type="tet_gifts")["planned_amount_vnd"])
    assert programme_alignment(pkg, 2022).empty


def test_share_of_plan_linked(pkg):
    s = share_of_plan_linked(pkg, 2024)
    # Linked: house 50 M + pupils 30 M = 80 M of 130 M (cows are unlinked) = 8/13.
    assert (s.linked_amount_vnd, s.planned_amount_vnd) == (80 * M, 130 * M)
    assert s.share == pytest.approx(8 / 13)
    # 2023: house 50 M linked, cows 40 M not: 50 / 90.
    assert share_of_plan_linked(pkg, 2023).share == pytest.approx(5 / 9)
    assert math.isnan(share_of_plan_linked(pkg, 2022).share)


# -------------------------------------------------------------------------------- impact


def test_poverty_panel(pkg):
    p = poverty_panel(pkg)
    assert len(p) == 26  # 2 rows for Sín Thầu + 6 years x 4 communes
    na_loi = p[p["commune_code"] == "16834"]
    # 250/500, 240/500, 225/500, 200/500, 175/500, 150/500 (percent).
    assert na_loi["rate_pct"].tolist() == pytest.approx([50, 48, 45, 40, 35, 30])
    assert na_loi["partner"].tolist() == [False, False, True, True, True, True]
    assert _row(p, commune_code="03154", year=2020)["role"] == "partner"
    assert not _row(p, commune_code="03154", year=2020)["partner"]  # partner from 2021

    both = poverty_panel(pkg, measure="poor_or_near_poor")
    y2024 = both[both["year"] == 2024]
    # (150+50)/500, (140+60)/400, (300+100)/1000, and 120/200 given only as a sum.
    assert y2024["commune_code"].tolist() == ["16825", "16834", "16837", "16858"]
    assert y2024["rate_pct"].tolist() == pytest.approx([50, 40, 40, 60])
    # No near-poor count before 2024: the rate is missing, not the poor rate alone.
    assert both[both["year"] < 2024]["rate_pct"].isna().all()
    with pytest.raises(ValueError, match="measure"):
        poverty_panel(pkg, measure="rich")


def test_poverty_did_2024(pkg):
    d = poverty_did(pkg, 2024)
    # Changes (2024 minus mean of 2019-2020): 16834 30 - 49 = -19; 16837 30 - 40 = -10;
    # 16825 35 - 39 = -4; 16858 48 - 50 = -2.
    assert d.changes["commune_code"].tolist() == ["16834", "16837", "16825", "16858"]
    assert d.changes["group"].tolist() == ["treated", "treated", "control", "control"]
    assert d.changes["change"].tolist() == pytest.approx([-19, -10, -4, -2])
    # (-19 - 10)/2 - (-4 - 2)/2 = -14.5 + 3 = -11.5 percentage points.
    assert d.result.estimate == pytest.approx(-11.5)
    # C(4,2) = 6 assignments; |estimate| >= 11.5 for {16834,16837} and {16825,16858}: 2/6.
    assert d.result.n_assignments == 6
    assert d.result.p_value == pytest.approx(2 / 6)
    assert d.dropped == []  # Sín Thầu is not a partner in 2024, nor a comparison
    assert (d.pre, d.post) == ((2019, 2020), (2024,))


def test_poverty_did_2023_drops_sin_thau_and_phase(pkg):
    d = poverty_did(pkg, 2023)
    # Sín Thầu is a partner in 2023 but has no 2023 rate: dropped.
    # 16834 35 - 49 = -14; 16837 33 - 40 = -7; 16825 36 - 39 = -3; 16858 49 - 50 = -1.
    # (-14 - 7)/2 - (-3 - 1)/2 = -10.5 + 2 = -8.5.
    assert d.dropped == ["03154"]
    assert d.result.estimate == pytest.approx(-8.5)
    ph = poverty_did(pkg, 2024, phase=True)
    # Post = mean 2021-2024: 16834 (45+40+35+30)/4 = 37.5 -> -11.5; 16837 34 -> -6;
    # 16825 37 -> -2; 16858 49 -> -1. (-11.5 - 6)/2 - (-2 - 1)/2 = -8.75 + 1.5 = -7.25.
    assert ph.post == (2021, 2022, 2023, 2024)
    assert ph.dropped == ["03154"]
    assert ph.result.estimate == pytest.approx(-7.25)
    assert ph.result.p_value == pytest.approx(2 / 6)


def test_poverty_did_refuses_without_controls_or_with_bad_years(pkg):
    stats = pkg["commune_statistics"]
    no_control_2024 = stats[
        ~(stats["commune_code"].isin(["16825", "16858"]) & (stats["year"] == 2024)).to_numpy(bool)
    ]
    with pytest.raises(ValueError, match="no comparison commune"):
        poverty_did(_with(pkg, commune_statistics=no_control_2024), 2024)
    communes = pkg["communes"]
    only_partners = communes[(communes["role"] == "partner").to_numpy(bool)]
    with pytest.raises(ValueError, match="no comparison commune"):
        poverty_did(_with(pkg, communes=only_partners), 2024)
    with pytest.raises(ValueError, match="also post"):
        poverty_did(pkg, 2024, baseline=(2020, 2024))
    with pytest.raises(ValueError, match="also post"):
        poverty_did(pkg, 2024, baseline=(2021,), phase=True)
    with pytest.raises(ValueError, match="outside"):
        poverty_did(pkg, 2019)


def test_income_change(pkg):
    ic = income_change(pkg, 2024)
    # B8 1.6 M - 1.0 M = 600,000; B9 1.5 M - 1.2 M = 300,000; B10 1.2 M - 0.9 M = 300,000.
    assert ic.changes["beneficiary_id"].tolist() == ["B000008", "B000009", "B000010"]
    assert ic.changes["change_vnd"].tolist() == [600_000, 300_000, 300_000]
    assert ic.mean_change.estimate == pytest.approx(400_000)  # 1,200,000 / 3
    assert ic.mean_change.n == 3
    assert ic.mean_change.low <= ic.mean_change.estimate <= ic.mean_change.high
    # Poor at entry B8, B10 (2/3); poor in 2024 B10 (1/3); left poverty 1 of 2.
    assert ic.share_poor_entry == pytest.approx(2 / 3)
    assert ic.share_poor_year == pytest.approx(1 / 3)
    assert (ic.left_poverty.estimate, ic.left_poverty.n) == (0.5, 2)
    # Poor or near-poor: all three at entry; B10 only in 2024; left: B8, B9 of 3.
    wide = income_change(pkg, 2024, measure="poor_or_near_poor")
    assert wide.share_poor_entry == 1.0
    assert wide.left_poverty.estimate == pytest.approx(2 / 3)
    # 2025: B8 2.0 M - 1.0 M = 1,000,000; B9 1.4 M - 1.2 M = 200,000; mean 600,000.
    assert income_change(pkg, 2025).mean_change.estimate == pytest.approx(600_000)


def test_income_change_nobody_followed(pkg):
    ic = income_change(pkg, 2022)  # nobody entered before 2022
    assert ic.changes.empty and "change_vnd" in ic.changes.columns
    assert ic.mean_change.n == 0 and math.isnan(ic.mean_change.estimate)
    assert math.isnan(ic.share_poor_entry)
    with pytest.raises(ValueError):
        income_change(pkg, 2021)  # no earlier entry year can exist


# ------------------------------------------------------------------------ sustainability


def test_livestock_summary_2024(pkg):
    t = livestock_summary(pkg, 2024)
    assert t["commune_code"].tolist() == ["16834", "all"]
    total = _row(t, commune_code="all")
    # Received A00001, A00002; calf A00003 born; A00002 died; A00003 passed on.
    assert total[["animals_received", "calves_born", "died", "sold", "passed_on"]].tolist() == [
        2,
        1,
        1,
        0,
        1,
    ]
    # herd = 2 + 1 - 1 - 0 = 2 (the passed-on calf is still in the scheme); 2 / 2 = 1.0.
    assert total["herd_alive"] == 2
    assert total["herd_per_animal_received"] == 1.0
    assert total["survival_rate"] == 0.5  # 1 - 1 received animal died / 2 received
    assert total["pass_on_rate"] == 0.5  # 1 pass-on / 2 received


def test_livestock_summary_as_of_and_empty(pkg):
    t = livestock_summary(pkg, 2023)  # only the two receipts of May 2023
    total = _row(t, commune_code="all")
    assert (total["animals_received"], total["herd_alive"]) == (2, 2)
    assert (total["survival_rate"], total["pass_on_rate"]) == (1.0, 0.0)
    assert livestock_summary(pkg)["herd_alive"].tolist() == [2, 2]  # every event is by 2024
    empty = livestock_summary(pkg, 2022)
    assert empty.empty and "herd_alive" in empty.columns


def test_poverty_persistence_on_fixture(pkg):
    t = poverty_persistence(pkg, 2025)
    # B8 and B9 first "other" in 2024. 2025: B8 other, B9 near-poor: 1 of 2 still out.
    # Two years later (2026) nobody can be observed.
    assert t["horizon_years"].tolist() == [1, 2]
    assert t["n"].tolist() == [2, 0]
    assert t["still_out"].tolist() == [1, 0]
    assert t["share_still_out"].iloc[0] == 0.5
    assert math.isnan(t["share_still_out"].iloc[1])
    assert poverty_persistence(pkg, 2024)["n"].tolist() == [0, 0]  # 2025 not observed yet


def test_poverty_persistence_two_year_horizon(pkg):
    ben = pd.DataFrame(
        {
            "beneficiary_id": pd.array(["X1", "X2", "X3", "X4", "X5"], dtype="string"),
            "poverty_status_entry": pd.array(
                ["poor", "near_poor", "other", "poor", "poor"], "string"
            ),
            "entry_year": pd.array([2021] * 5, dtype="Int64"),
            # X5 is a sponsored pupil: a child, not a household, never in the cohort.
            "activity_id": pd.array(["2024-16834-01"] * 4 + ["2024-P40-03"], dtype="string"),
        }
    )
    rows = [
        ("X1", 2021, "poor"),
        ("X1", 2022, "other"),  # left in 2022
        ("X1", 2023, "other"),
        ("X1", 2024, "other"),
        ("X2", 2021, "near_poor"),
        ("X2", 2022, "near_poor"),
        ("X2", 2023, "other"),  # left in 2023
        ("X2", 2024, "other"),
        ("X2", 2025, "poor"),
        ("X3", 2021, "other"),  # not poor at entry: not in the cohort
        ("X3", 2022, "other"),
        ("X4", 2021, "poor"),
        ("X4", 2022, "other"),  # left in 2022, 2023 not observed
        ("X4", 2024, "poor"),
        ("X5", 2021, "poor"),
        ("X5", 2022, "other"),  # would add to both horizons were she a household
        ("X5", 2023, "poor"),
        ("X5", 2024, "poor"),
    ]
    fu = pd.DataFrame(rows, columns=["beneficiary_id", "year", "poverty_status"])
    fu = fu.astype({"beneficiary_id": "string", "year": "Int64", "poverty_status": "string"})
    small = _with(pkg, beneficiaries=ben, beneficiary_followups=fu)
    t = poverty_persistence(small, 2025)
    # 1 year on: X1 (2023 other), X2 (2024 other); X4's 2023 is missing: n 2, both still out.
    # 2 years on: X1 (2024 other), X2 (2025 poor), X4 (2024 poor): n 3, 1 still out.
    assert t["n"].tolist() == [2, 3]
    assert t["still_out"].tolist() == [2, 1]
    assert t["share_still_out"].tolist() == pytest.approx([1.0, 1 / 3])
    # As of 2024, X2's 2025 is not counted: 2 years on = X1 (other), X4 (poor): 1 of 2.
    assert poverty_persistence(small, 2024)["share_still_out"].tolist() == pytest.approx([1.0, 0.5])
    with pytest.raises(ValueError, match="horizons"):
        poverty_persistence(pkg, 2025, horizons=(0,))
    # The households behind those counts, by hand from the rows above (X5, a pupil, never).
    cases = indicators.persistence_cases(small, 2025)
    found = zip(cases["beneficiary_id"], cases["horizon_years"], cases["still_out"], strict=True)
    assert sorted(found) == [
        ("X1", 1, True),
        ("X1", 2, True),
        ("X2", 1, True),
        ("X2", 2, False),
        ("X4", 2, False),
    ]
    with pytest.raises(ValueError, match="horizons"):
        indicators.persistence_cases(pkg, 2025, horizons=(0,))


def test_graduated_communes(pkg):
    t = graduated_communes(pkg)
    assert t["commune_code"].tolist() == ["03154"]  # Sín Thầu, partner 2021-2023
    assert t["partner_to"].tolist() == [2023]
    # the plan's words (section I: "đã đạt chuẩn Nông thôn mới ... sẽ dừng đồng hành"), and
    # their English for the English reports
    assert t["exit_reason_vi"].iloc[0].startswith("Đạt chuẩn nông thôn mới")
    assert t["exit_reason"].iloc[0].startswith("Met the New Rural standard")
    empty = graduated_communes(pkg, programme_end=2023)  # 2023 < 2023 is false
    assert empty.empty and list(empty.columns) == [
        "commune_code",
        "name_official",
        "province_name",
        "partner_from",
        "partner_to",
        "exit_reason",
        "exit_reason_vi",
    ]


def test_empty_package_gives_empty_tables_not_errors(pkg):
    # Every resource reduced to its header: evidence missing everywhere.
    empty = _with(pkg, **{name: frame.iloc[0:0] for name, frame in pkg.frames.items()})
    tables = [
        plan_vs_delivery(empty, 2024),
        beneficiaries_reached(empty),
        budget_execution(empty, 2024),
        cost_per_beneficiary(empty, 2024),
        cost_per_unit(empty),
        unit_cost_benchmarks(empty),
        cost_vs_benchmark(empty, 2024),
        time_to_disbursement(empty, 2024),
        funds_mobilised(empty, 2024).table,
        targeting_shares(empty, 2024),
        programme_alignment(empty, 2024),
        poverty_panel(empty),
        income_change(empty, 2024).changes,
        livestock_summary(empty, 2024),
        graduated_communes(empty),
    ]
    assert all(t.empty and len(t.columns) > 0 for t in tables)
    assert math.isnan(share_of_plan_linked(empty, 2024).share)
    assert math.isnan(disbursement_delay_summary(empty, 2024).median_days)
    assert poverty_persistence(empty, 2024)["n"].tolist() == [0, 0]
    with pytest.raises(ValueError, match="no partner commune"):
        poverty_did(empty, 2024)


def test_cost_per_beneficiary_counts_only_people_who_entered_that_year(pkg):
    """A household that receives a passed-on calf in 2025 from a 2024 activity belongs to
    2025: the 2024 cost per beneficiary keeps its 2024 denominator."""
    ben = pkg["beneficiaries"]
    later = ben[ben["beneficiary_id"] == "B000002"].assign(
        beneficiary_id="B000099", entry_year=2025
    )
    changed = _with(pkg, beneficiaries=pd.concat([ben, later], ignore_index=True))
    t = cost_per_beneficiary(changed, 2024).set_index("activity_type")
    # livelihood 2024: 55 M spent, still the 2 people who entered in 2024.
    assert int(t.loc["livelihood_capital", "beneficiaries"]) == 2
    assert t.loc["livelihood_capital", "cost_per_beneficiary_vnd"] == pytest.approx(27.5 * M)
    pooled = cost_per_beneficiary(changed, None).set_index("activity_type")
    # pooled over the phase: 55 M (2024) + the 2023 livelihood money over 2 + 1 + 2 people.
    assert int(pooled.loc["livelihood_capital", "beneficiaries"]) == 5


# ------------------------------------------------------------------ revolving cows, by cohort


LEDGER_FIELDS = (
    "event_id",
    "animal_id",
    "event_type",
    "date",
    "beneficiary_id",
    "to_beneficiary_id",
    "mother_animal_id",
    "source_id",
)
"""The ledger fields the rows below give, in order; any other field (the proposed equity
fields, say) is left empty."""


def _ledger(pkg, rows):
    columns = list(pkg["livestock_events"].columns)
    frame = pd.DataFrame(
        [dict(zip(LEDGER_FIELDS, r, strict=True)) for r in rows], columns=columns
    ).astype(pkg["livestock_events"].dtypes.to_dict())
    return _with(pkg, livestock_events=frame)


def _two_cows(pkg):
    src = "illustrative_generator"
    ts = pd.Timestamp
    return _ledger(
        pkg,
        [
            ("E1", "A00001", "received", ts("2024-01-01"), "B000008", None, None, src),
            ("E2", "A00002", "received", ts("2024-01-01"), "B000009", None, None, src),
            ("E3", "A00003", "calf_born", ts("2025-01-01"), "B000008", None, "A00001", src),
            ("E4", "A00003", "passed_on", ts("2025-07-01"), "B000008", "B000003", None, src),
        ],
    )


def test_calving_rate_counts_only_the_cows_handed_out(pkg):
    from analysis.indicators import calving_rate

    r = calving_rate(_two_cows(pkg), None)
    # Two cows held 2024-01-01 -> 2025-12-31: 366 + 364 = 730 days each; one calf.
    assert (r.animals, r.calves) == (2, 1)
    assert r.animal_years == pytest.approx(1460 / 365.25)
    assert r.rate == pytest.approx(365.25 / 1460)


def test_the_projection_lets_calves_calve_only_at_their_age(pkg):
    from analysis.indicators.phase import revolving_projection

    p = revolving_projection(_two_cows(pkg), until=2028)
    births = 365.25 / 1460  # calves per cow-year (above)
    assert p.births_per_cow_year == pytest.approx(births)
    assert p.pass_on_per_birth == 1.0  # one calf born, one passed on
    assert (p.deaths_per_animal_year, p.sales_per_animal_year) == (0.0, 0.0)
    # Exposure of every animal: 730 + 730 + 364 days (the calf from 2025-01-01).
    assert p.animal_years == pytest.approx(1824 / 365.25)
    t = p.table.set_index("year")
    # End of 2025: 2 cows, 1 calf (the oldest young). 2026: calves 2 x b; the calf's
    # heifer half joins the cows: 2.5 cows. 2027: calves 2.5 x b; the 2026 calves age.
    # 2028: the 2026 calves' heifer half joins: 2.5 + 0.5 x 2b cows.
    assert t.loc[2026, "cows"] == pytest.approx(2.5)
    assert t.loc[2026, "new_households"] == pytest.approx(2 * births)
    assert t.loc[2027, "cows"] == pytest.approx(2.5)
    assert t.loc[2027, "herd"] == pytest.approx(2.5 + 2.5 * births + 2 * births)
    assert t.loc[2028, "cows"] == pytest.approx(2.5 + 0.5 * 2 * births)
    assert t.loc[2028, "new_households"] == pytest.approx(2.5 * births)
    assert p.keeps_revolving


def test_pass_on_rate_counts_only_cows_held_long_enough(pkg):
    from analysis.indicators import pass_on_rate

    src = "illustrative_generator"
    ts = pd.Timestamp
    ledger = _ledger(
        pkg,
        [
            ("E1", "A00001", "received", ts("2024-01-01"), "B000008", None, None, src),
            ("E2", "A00002", "received", ts("2024-01-01"), "B000009", None, None, src),
            ("E3", "A00002", "died", ts("2024-06-01"), "B000009", None, None, src),
            ("E4", "A00003", "calf_born", ts("2025-01-01"), "B000008", None, "A00001", src),
            ("E5", "A00003", "passed_on", ts("2025-07-01"), "B000008", "B000003", None, src),
        ],
    )
    # One year: A00001 is due 2025-01-01 and passed a calf on; A00002 died before its due day.
    r = pass_on_rate(ledger, None, eligible_years=1)
    assert (r.eligible, r.passed_on, r.rate) == (1, 1, 1.0)
    # Two years: A00001 is due 2026-01-01, after the ledger's end: nobody is due yet.
    r = pass_on_rate(ledger, None)
    assert (r.eligible, r.passed_on) == (0, 0) and math.isnan(r.rate)
