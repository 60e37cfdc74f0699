"""The impact design (issue 16): districts as strata, staggered exposure, placebo, flagged and
merged comparison communes, household weights and the sensitivity table.

Every expected figure is worked out by hand in the comments, on panels and packages built
here for the purpose (and, for the count of assignments, on the bundled package's design).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.indicators.impact import (
    DESCRIPTIVE_NOTE,
    SENSITIVITY_COLUMNS,
    commune_flags,
    declared_flags,
    poverty_did,
    poverty_did_sensitivity,
)
from analysis.inference import Window, count_assignments, did_permutation, staggered_did
from analysis.package import Package, load_package

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


@pytest.fixture(scope="module")
def tiny() -> Package:
    return load_package(TINY)


@pytest.fixture(scope="module")
def bundled() -> Package:
    return load_package()


# ------------------------------------------------------------------ counting assignments


def test_count_assignments_by_hand():
    # District a: 1 partner among 3 communes -> C(3, 1) = 3; district b: 2 among 4 ->
    # C(4, 2) = 6; permuted independently: 3 x 6 = 18 (not C(7, 3) = 35 over all communes).
    strata = ["a"] * 3 + ["b"] * 4
    assert count_assignments(strata, [1, 0, 0, 1, 1, 0, 0]) == 18
    assert count_assignments([0] * 7, [1, 0, 0, 1, 1, 0, 0]) == math.comb(7, 3)
    # Two cohorts and three controls in one district: 5! / (1! 1! 3!) = 20.
    assert count_assignments(["d"] * 5, [1, 2, 0, 0, 0]) == 20


def _two_districts(rows: list[tuple[str, str, float, bool]]) -> pd.DataFrame:
    """A 2019 -> 2024 panel whose 2019 value is 0, so the change is the 2024 value."""
    out = []
    for unit, district, change, treated in rows:
        out += [(unit, district, 2019, 0.0, treated), (unit, district, 2024, change, treated)]
    return pd.DataFrame(out, columns=["u", "district", "year", "y", "treated"])


TWO_DISTRICTS = [
    ("a1", "A", 4.0, True),
    ("a2", "A", 0.0, False),
    ("b1", "B", 3.0, True),
    ("b2", "B", 1.0, False),
    ("b3", "B", -1.0, False),
]
ARGS = {"unit": "u", "time": "year", "outcome": "y", "treated": "treated", "pre": 2019}


def test_permutation_within_districts_enumerated_by_hand():
    panel = _two_districts(TWO_DISTRICTS)
    res = did_permutation(panel, **ARGS, post=2024, strata="district")
    # One partner per district: 2 choices in A x 3 in B = 6 assignments (changes sum to 7):
    #   {a1,b1}: (4+3)/2 - (0+1-1)/3 = 3.5 (observed)   {a1,b2}: 2.5 - 2/3 = 1.8333
    #   {a1,b3}: 1.5 - 4/3 = 0.1667                      {a2,b1}: 1.5 - 4/3 = 0.1667
    #   {a2,b2}: 0.5 - 2 = -1.5                          {a2,b3}: -0.5 - 8/3 = -3.1667
    # Only the observed one reaches |3.5|: p = 1/6, also the smallest reachable p (district B
    # is not split half and half, so no assignment mirrors another).
    assert res.estimate == pytest.approx(3.5)
    assert (res.n_assignments, res.exact, res.n_strata) == (6, True, 2)
    assert res.p_value == pytest.approx(1 / 6)
    assert res.min_p_value == pytest.approx(1 / 6)
    assert sorted(res.distribution) == pytest.approx(
        sorted([3.5, 2.5 - 2 / 3, 1.5 - 4 / 3, 1.5 - 4 / 3, -1.5, -0.5 - 8 / 3])
    )
    # Ignoring the districts: C(5, 2) = 10 assignments, and the four that pair communes of
    # one district ({a1,a2}: 1, {b1,b2}: 1, {b1,b3}: -2/3, {b2,b3}: -7/3) stay below 3.5.
    free = did_permutation(panel, **ARGS, post=2024)
    assert free.n_assignments == 10
    assert free.p_value == pytest.approx(1 / 10)


def test_balanced_districts_mirror_each_other():
    panel = _two_districts([r for r in TWO_DISTRICTS if r[0] != "b3"])
    res = did_permutation(panel, **ARGS, post=2024, strata="district")
    # 2 x 2 = 4 assignments: {a1,b1} 3.5 - 0.5 = 3; {a1,b2} 2.5 - 1.5 = 1; {a2,b1} -1;
    # {a2,b2} -3. Each district is one against one, so swapping every pair gives the opposite
    # estimate: p = 2/4 and nothing smaller is reachable.
    assert res.n_assignments == 4
    assert res.p_value == pytest.approx(2 / 4)
    assert res.min_p_value == pytest.approx(2 / 4)


def test_bundled_2024_design_has_360_assignments(bundled):
    d = poverty_did(bundled, 2024)
    # Sín Thầu (03154, partner 2021-2023) takes no part in 2024. Mường Nhé 096: Leng Su Sìn
    # + 3 comparisons -> 4; Kỳ Sơn 417: 2 partners + 3 comparisons -> C(5, 2) = 10; Đắk Glei
    # 610 and Sa Thầy 616: 1 + 2 -> 3 each. 4 x 10 x 3 x 3 = 360; no district is split half
    # and half, so the smallest reachable p is 1/360.
    assert d.strata[["district_code", "n_treated", "n_control", "n_assignments"]].to_dict(
        "list"
    ) == {
        "district_code": ["096", "417", "610", "616"],
        "n_treated": [1, 2, 1, 1],
        "n_control": [3, 3, 2, 2],
        "n_assignments": [4, 10, 3, 3],
    }
    assert (d.result.n_assignments, d.result.exact) == (360, True)
    assert d.result.min_p_value == pytest.approx(1 / 360)
    assert "03154" not in set(d.changes["commune_code"])
    assert d.descriptive is True and d.note == DESCRIPTIVE_NOTE
    assert "chosen, not drawn" in d.note
    # Phase 2021-2024: Mường Nhé holds Sín Thầu (cohort 2021) and Leng Su Sìn (cohort 2024),
    # two different labels among 5 communes: 5! / (1! 1! 3!) = 20; 20 x 10 x 3 x 3 = 1800.
    ph = poverty_did(bundled, 2024, phase=True)
    assert ph.strata["n_assignments"].tolist() == [20, 10, 3, 3]
    assert ph.result.n_assignments == 1800


# ------------------------------------------------------------------ staggered engine


def test_staggered_cohorts_and_permutation_by_hand():
    # One stratum: A holds window W1 (pre 0, post 1, cohort 1), B window W2 (pre 0, post 2,
    # cohort 2), C is the control. Values at t = 0, 1, 2: A 0 2 5; B 0 1 4; C 0 0 1.
    panel = pd.DataFrame(
        {
            "u": list("AAABBBCCC"),
            "t": [0, 1, 2] * 3,
            "y": [0.0, 2.0, 5.0, 0.0, 1.0, 4.0, 0.0, 0.0, 1.0],
        }
    )
    windows = {"A": Window((0,), (1,), 1), "B": Window((0,), (2,), 2)}
    r = staggered_did(panel, unit="u", time="t", outcome="y", windows=windows, controls=["C"])
    # A: 2 - C's 0 = 2 (cohort 1); B over its own period 2 only: 4 - 1 = 3 (cohort 2).
    # Estimate (2 + 3) / 2 = 2.5 = cohorts weighted by their one unit each.
    # The 3! = 6 assignments (W1 holder, W2 holder, control) -> (cohort 1, cohort 2, mean):
    #   (A,B,C): 2, 3, 2.5     (A,C,B): 2-1=1, 1-4=-3, -1    (B,A,C): 1-0=1, 5-1=4, 2.5
    #   (B,C,A): 1-2=-1, 1-5=-4, -2.5   (C,A,B): 0-1=-1, 5-4=1, 0   (C,B,A): 0-2=-2, 4-5=-1, -1.5
    # |mean| >= 2.5 three times: p = 3/6. Cohort 1: |.| >= 2 for (A,B,C), (C,B,A): 2/6.
    # Cohort 2: |.| >= 3 for the first four: 4/6.
    assert r.result.estimate == pytest.approx(2.5)
    assert (r.result.treated_change, r.result.control_change) == pytest.approx((3.0, 0.5))
    assert r.result.n_assignments == 6
    assert r.result.p_value == pytest.approx(3 / 6)
    assert r.result.min_p_value == pytest.approx(1 / 6)
    assert sorted(r.result.distribution) == pytest.approx([-2.5, -1.5, -1, 0, 2.5, 2.5])
    cohorts = r.cohorts.set_index("cohort")
    assert cohorts["estimate"].to_dict() == pytest.approx({1: 2.0, 2: 3.0})
    assert cohorts["p_value"].to_dict() == pytest.approx({1: 2 / 6, 2: 4 / 6})
    assert cohorts["share"].to_dict() == pytest.approx({1: 0.5, 2: 0.5})
    assert r.units.set_index("unit")["effect"].dropna().to_dict() == pytest.approx(
        {"A": 2.0, "B": 3.0}
    )


def test_staggered_draws_when_too_many_and_drops_units_without_data():
    panel = pd.DataFrame(
        {
            "u": list("AABBCCDD"),
            "t": [0, 1] * 4,
            "y": [0.0, 3.0, 0.0, 1.0, 0.0, -1.0, float("nan"), 2.0],
        }
    )
    r = staggered_did(
        panel,
        unit="u",
        time="t",
        outcome="y",
        windows={"A": Window((0,), (1,))},
        controls=["B", "C", "D"],
        max_exact=2,
        n_draws=99,
    )
    # D has no baseline value: dropped. A, B, C: 3 assignments > max_exact = 2, so 99 draws
    # plus the observed one. Estimate 3 - (1 - 1) / 2 = 3.
    assert r.result.dropped_units == ("D",)
    assert r.result.estimate == pytest.approx(3.0)
    assert (r.result.exact, r.result.n_assignments) == (False, 100)
    assert r.result.min_p_value == pytest.approx(1 / 100)


# ------------------------------------------------------------------ a toy package

# Households 100 unless stated, so a rate is the poor count (percent). Baseline 2019-2020.
# Deviations from the baseline in 2021..2025:
#   C1 (district 001, comparison; merged 2025; flags merged_with_partner,
#       previous_phase_partner): -3 -6 -9 -12, 2025 unusable (merged)
#   C2 (001, comparison, 200 households, flag hanoi_union_gifts): 0 -3 -3 -6 -9
#   C3 (002, comparison): 0 0 -3 -6 -5
#   P1 (001, partner 2021-2023): -4 -6 -8 (2024: -10, not a partner year)
#   P2 (001, partner 2024-2025): 2021-2023 -20 (before it was a partner), 2024 -10, 2025 -12
#   P3 (002, partner 2021-2025, 300 households, merged 2025): -3 -5 -9 -12, 2025 unusable
# Comparisons' mean deviation (unweighted): 2021 -1, 2022 -3, 2023 -5, 2024 -8; 2025 (C2, C3
# only): -7.
RATES = {
    #      base  2019 2020 2021 2022 2023 2024 2025
    "C1": (40, 40, 40, 37, 34, 31, 28, 0),
    "C2": (50, 50, 50, 50, 47, 47, 44, 41),
    "C3": (30, 29, 31, 30, 30, 27, 24, 25),
    "P1": (60, 60, 60, 56, 54, 52, 50, 50),
    "P2": (45, 46, 44, 25, 25, 25, 35, 33),
    "P3": (55, 56, 54, 52, 50, 46, 43, 10),
}
HOUSEHOLDS = {"C2": 200, "P3": 300}
COMMUNES = [
    # code, district, role, from, to, merged, flags
    ("C1", "001", "comparison", None, None, 2025, "merged_with_partner;previous_phase_partner"),
    ("C2", "001", "comparison", None, None, None, "hanoi_union_gifts"),
    ("C3", "002", "comparison", None, None, None, None),
    ("P1", "001", "partner", 2021, 2023, None, None),
    ("P2", "001", "partner", 2024, 2025, None, None),
    ("P3", "002", "partner", 2021, 2025, 2025, None),
]
CODES = {"C1": "90001", "C2": "90002", "C3": "90003", "P1": "90011", "P2": "90012", "P3": "90013"}


def _toy(tiny: Package, communes=COMMUNES, rates=RATES, descriptor=None) -> Package:
    template = tiny["communes"].iloc[[0]]
    rows = []
    for code, district, role, start, end, merged, flags in communes:
        row = template.copy()
        row["commune_code"] = CODES[code]
        row["district_code"] = district
        row["district_name"] = f"District {district}"
        row["role"] = role
        row["partner_from"] = pd.array([start], dtype="Int64")
        row["partner_to"] = pd.array([end], dtype="Int64")
        row["merged_year"] = pd.array([merged], dtype="Int64")
        row["design_flags"] = pd.array([flags], dtype="string")
        rows.append(row)
    stats = []
    for code, (_, *values) in rates.items():
        households = HOUSEHOLDS.get(code, 100)
        for year, rate in zip(range(2019, 2026), values, strict=True):
            stats.append(
                {
                    "commune_code": CODES[code],
                    "year": year,
                    "households": households,
                    "poor_households": rate * households // 100,
                }
            )
    stats = pd.DataFrame(stats).astype(
        {"commune_code": "string", "year": "Int64", "households": "Int64"}
    )
    stats["poor_households"] = stats["poor_households"].astype("Int64")
    for column in ("population", "near_poor_households", "poor_or_near_poor_households"):
        stats[column] = pd.array([None] * len(stats), dtype="Int64")
    stats["source_id"] = pd.array(["illustrative_generator"] * len(stats), dtype="string")
    frames = {
        **tiny.frames,
        "communes": pd.concat(rows, ignore_index=True),
        "commune_statistics": stats[list(tiny["commune_statistics"].columns)],
    }
    return dataclasses.replace(tiny, frames=frames, descriptor=descriptor or tiny.descriptor)


def _by_code(frame: pd.DataFrame, column: str) -> dict:
    names = {v: k for k, v in CODES.items()}
    return {names[c]: v for c, v in zip(frame["commune_code"], frame[column], strict=True)}


def test_each_partner_counts_only_its_own_years(tiny):
    d = poverty_did(_toy(tiny), 2024, phase=True)
    # P1 2021-2023: (-4+1) (-6+3) (-8+5) -> -3. P2 2024 only: -10 - (-8) = -2 (its -20 of
    # 2021-2023, before it was a partner, never counts as treated). P3 2021-2024: (-3+1)
    # (-5+3) (-9+5) (-12+8) -> (-2 -2 -4 -4) / 4 = -3.
    assert _by_code(d.changes, "effect") == pytest.approx(
        {"P1": -3, "P2": -2, "P3": -3, "C1": math.nan, "C2": math.nan, "C3": math.nan},
        nan_ok=True,
    )
    assert _by_code(d.changes, "post_first")["P2"] == 2024
    assert _by_code(d.changes, "post_last")["P1"] == 2023
    # Cohort 2021 (P1, P3): -3; cohort 2024 (P2): -2; weighted by their partners (2 and 1):
    # (2 x -3 + 1 x -2) / 3 = -8/3, the mean over the three partners.
    cohorts = d.cohorts.set_index("cohort")
    assert cohorts["estimate"].to_dict() == pytest.approx({2021: -3.0, 2024: -2.0})
    assert cohorts["n_treated"].to_dict() == {2021: 2, 2024: 1}
    assert cohorts["share"].to_dict() == pytest.approx({2021: 2 / 3, 2024: 1 / 3})
    assert cohorts.loc[2021, "communes"] == "90011;90013"
    assert d.result.estimate == pytest.approx(-8 / 3)
    # District 001: P1's window, P2's window and two controls: 4! / (1! 1! 2!) = 12;
    # district 002: P3 and C3: 2. 12 x 2 = 24 assignments.
    assert d.strata["n_assignments"].tolist() == [12, 2]
    assert d.result.n_assignments == 24


def test_weighted_and_unweighted_2024(tiny):
    d = poverty_did(_toy(tiny), 2024)
    # 2024: P2 and P3 are partners, P1 is not (and is never a control). Comparisons'
    # deviations -12 (C1, 100 households), -6 (C2, 200), -6 (C3, 100).
    # Unweighted: C = -8; P2 -10 + 8 = -2, P3 -12 + 8 = -4; mean -3.
    # Weighted: C = (100 x -12 + 200 x -6 + 100 x -6) / 400 = -7.5; P2 -2.5, P3 -4.5;
    # partners weighted by households: (100 x -2.5 + 300 x -4.5) / 400 = -4.
    assert set(_by_code(d.changes, "group")) == {"P2", "P3", "C1", "C2", "C3"}
    assert d.result.estimate == pytest.approx(-3.0)
    assert d.weighted.estimate == pytest.approx(-4.0)
    assert (d.result.treated_change, d.result.control_change) == pytest.approx((-11.0, -8.0))
    # 001: {P2, C1, C2} -> 3; 002: {P3, C3} -> 2; 6 assignments (treated pair: estimate):
    #   (P2,P3): -3   (P2,C3): C = (-12-6-12)/3 = -10, effects 0 and 4 -> 2
    #   (C1,P3): C = -22/3, both -12 -> -14/3   (C1,C3): C = -28/3, -8/3 and 10/3 -> 1/3
    #   (C2,P3): C = -28/3 -> 1/3               (C2,C3): C = -34/3, both -6 -> 16/3
    # |.| >= 3: -3, -14/3, 16/3 -> p = 3/6; smallest reachable p 1/6.
    assert d.result.n_assignments == 6
    assert d.result.p_value == pytest.approx(3 / 6)
    assert d.result.min_p_value == pytest.approx(1 / 6)
    assert sorted(d.result.distribution) == pytest.approx(
        sorted([-3, 2, -14 / 3, 1 / 3, 1 / 3, 16 / 3])
    )


def test_placebo_over_the_baseline(tiny):
    d = poverty_did(_toy(tiny), 2024)
    # 2019 -> 2020 changes: P2 44 - 46 = -2, P3 54 - 56 = -2, C1 0, C2 0, C3 31 - 29 = +2.
    # Observed: -2 - 2/3 = -8/3. Same districts, one partner each: 3 x 2 = 6 assignments:
    #   (P2,P3) -8/3; (P2,C3) 0 - (-2/3) = 2/3; (C1,P3) and (C2,P3) -1 - 0 = -1;
    #   (C1,C3) and (C2,C3) 1 - (-4/3) = 7/3. Only the observed reaches 8/3: p = 1/6.
    assert (d.placebo_pre, d.placebo_post) == ((2019,), (2020,))
    assert d.placebo.estimate == pytest.approx(-8 / 3)
    assert d.placebo.n_assignments == 6
    assert d.placebo.p_value == pytest.approx(1 / 6)
    one_year = poverty_did(_toy(tiny), 2024, baseline=(2020,))
    assert one_year.placebo is None and "one year" in one_year.placebo_note


def test_flagged_comparisons_can_be_left_out_generically(tiny):
    pkg = _toy(tiny)
    without_gifts = poverty_did(pkg, 2024, exclude_flags=["hanoi_union_gifts"])
    # C2 out: C = (-12 - 6) / 2 = -9; P2 -1, P3 -3 -> -2.
    assert without_gifts.result.estimate == pytest.approx(-2.0)
    assert without_gifts.excluded.to_dict("list") == {
        "commune_code": ["90002"],
        "role": ["comparison"],
        "reason": ["flagged:hanoi_union_gifts"],
    }
    every_flag = poverty_did(pkg, 2024, exclude_flags=True)
    # C1 and C2 out: C = -6 (C3); P2 -4, P3 -6 -> -5. Districts: 001 {P2} 1 x 002 {P3, C3} 2.
    assert every_flag.result.estimate == pytest.approx(-5.0)
    assert every_flag.result.n_assignments == 2
    with pytest.raises(ValueError, match="unknown design flag"):
        poverty_did(pkg, 2024, exclude_flags=["hanoi_union_gift"])

    # A flag the schema declares later is read the same way, without code for it.
    descriptor = copy.deepcopy(tiny.descriptor)
    field = next(
        f
        for r in descriptor["resources"]
        if r["name"] == "communes"
        for f in r["schema"]["fields"]
        if f["name"] == "design_flags"
    )
    field["flagValues"].append({"value": "added_later", "description": "A later caveat."})
    communes = [c if c[0] != "C3" else (*c[:6], "added_later") for c in COMMUNES]
    later = _toy(tiny, communes=communes, descriptor=descriptor)
    assert "added_later" in declared_flags(later)
    # C3 out: C = (-12 - 6) / 2 = -9 from C1 and C2; P2 -1; P3 alone in district 002.
    d = poverty_did(later, 2024, exclude_flags=["added_later"])
    assert d.result.estimate == pytest.approx((-1 - 3) / 2)
    # Every flag: C1, C2 and now C3 are flagged, no comparison commune is left.
    with pytest.raises(ValueError, match="no comparison commune"):
        poverty_did(later, 2024, exclude_flags=True)


def test_merged_communes_are_not_used_after_the_merger(tiny):
    pkg = _toy(tiny)
    d = poverty_did(pkg, 2025)
    # 2025: P3 and C1 merged that year (their 2025 rates, 10 and 0, are never read). P2 is
    # the only partner: -12 - mean(C2 -9, C3 -5) = -12 + 7 = -5. District 001 {P2, C2}: 2,
    # district 002 {C3}: 1 -> 2 assignments.
    assert d.result.estimate == pytest.approx(-5.0)
    assert d.result.n_assignments == 2
    assert set(d.merged) == {"90001", "90013"}
    assert d.excluded.set_index("commune_code")["reason"].to_dict() == {
        "90013": "merged:2025",
        "90001": "merged:2025",
    }
    assert d.dropped == []
    ph = poverty_did(pkg, 2025, phase=True)
    # Phase 2021-2025: P2 over 2024-2025: (-10 + 8, -12 + 7) -> -3.5; P1 -3 and P3 -3 as
    # before (P3's 2025 is not used, and C_2025 = -7 comes from C2 and C3 only).
    # Cohorts: 2021 -3, 2024 -3.5; overall (-3 - 3.5 - 3) / 3.
    assert _by_code(ph.changes, "effect")["P2"] == pytest.approx(-3.5)
    assert _by_code(ph.changes, "effect")["P3"] == pytest.approx(-3.0)
    assert ph.result.estimate == pytest.approx(-9.5 / 3)


def test_sensitivity_rows(tiny):
    s = poverty_did_sensitivity(_toy(tiny), 2024)
    assert list(s.columns) == list(SENSITIVITY_COLUMNS)
    rows = {(r["variant"], r["detail"]): r for r in s.to_dict("records")}
    p2, p3, c1, c2, c3 = (CODES[k] for k in ("P2", "P3", "C1", "C2", "C3"))
    expected = {
        # variant, detail: estimate, n treated, n control, n assignments
        ("main", ""): (-3.0, 2, 3, 6),
        # P3 alone: -12 + 8 = -4; 001 {C1, C2}: 1 x 002 {P3, C3}: 2.
        ("leave_out_partner", p2): (-4.0, 1, 3, 2),
        # P2 alone: -2; 001 {P2, C1, C2}: 3 x 002 {C3}: 1.
        ("leave_out_partner", p3): (-2.0, 1, 3, 3),
        # C = mean(C2, C3) = -6: P2 -4, P3 -6.
        ("leave_out_comparison", c1): (-5.0, 2, 2, 4),
        # C = mean(C1, C3) = -9: P2 -1, P3 -3.
        ("leave_out_comparison", c2): (-2.0, 2, 2, 4),
        # C = mean(C1, C2) = -9; 002 holds P3 alone.
        ("leave_out_comparison", c3): (-2.0, 2, 2, 3),
        ("without_flag", "hanoi_union_gifts"): (-2.0, 2, 2, 4),
        ("without_flag", "merged_with_partner"): (-5.0, 2, 2, 4),
        ("without_flag", "previous_phase_partner"): (-5.0, 2, 2, 4),
        ("without_flagged", ""): (-5.0, 2, 1, 2),
        # One standard: P3 (from 2021) has no 2024 comparison under its standard and is left
        # out; P2 (from 2024) is compared over 2022-2023 -> 2024: P2 25 -> 35 = +10; C1
        # (34 + 31) / 2 = 32.5 -> 28 = -4.5; C2 47 -> 44 = -3; C3 28.5 -> 24 = -4.5;
        # C = -4; estimate 10 + 4 = 14. 001 {P2, C1, C2}: 3 x 002 {C3}: 1.
        ("one_standard", ""): (14.0, 1, 3, 3),
    }
    assert set(rows) == set(expected)
    for key, (estimate, nt, nc, na) in expected.items():
        row = rows[key]
        assert row["estimate"] == pytest.approx(estimate), key
        assert (row["n_treated"], row["n_control"], row["n_assignments"]) == (nt, nc, na), key
        # The 4-assignment designs pair one partner with one comparison in each district,
        # all over the same year: swapping every pair mirrors the estimate, floor 2/4.
        assert row["min_p_value"] == pytest.approx((2 if na == 4 else 1) / na), key
    # Leaving P2 out: P3 against C3 swapped gives -6 - (-12 - 6 - 12) / 3 = 4: p = 2/2.
    assert rows[("leave_out_partner", p2)]["p_value"] == pytest.approx(1.0)
    # Leaving P3 out: P2 -2; C1 as partner -12 + 22/3 = -14/3; C2 -6 + 28/3 = 10/3: all
    # three reach |2|, p = 1.
    assert rows[("leave_out_partner", p3)]["p_value"] == pytest.approx(1.0)


def test_one_standard_windows(tiny):
    d = poverty_did(_toy(tiny), 2024, phase=True, one_standard=True)
    # 2021 cohort: 2019-2020 -> 2021 only (2021 still under the 2016-2020 standard);
    # 2024 cohort: 2022-2023 -> 2024 (the multidimensional standard).
    names = {v: k for k, v in CODES.items()}
    windows = {
        names[v["commune_code"]]: (v["pre_first"], v["pre_last"], v["post_first"], v["post_last"])
        for v in d.changes.to_dict("records")
        if v["group"] == "treated"
    }
    assert windows == {
        "P1": (2019, 2020, 2021, 2021),
        "P2": (2022, 2023, 2024, 2024),
        "P3": (2019, 2020, 2021, 2021),
    }
    # P1: -4 - (-1) = -3; P3: -3 + 1 = -2; P2 +10 - (-4) = 14 (see test_sensitivity_rows).
    assert _by_code(d.changes, "effect")["P1"] == pytest.approx(-3.0)
    assert _by_code(d.changes, "effect")["P3"] == pytest.approx(-2.0)
    assert d.result.estimate == pytest.approx((-3 - 2 + 14) / 3)


def test_main_estimate_of_the_tiny_fixture_is_unchanged(tiny):
    # One district (417), two partners and two comparisons: the hand-worked -11.5 of
    # EXPECTED.md, C(4, 2) = 6 assignments, p = 2/6; with households (500, 1000 partners;
    # 400, 200 comparisons): C = (400 x -4 + 200 x -2) / 600 = -10/3; partners -19 + 10/3
    # and -10 + 10/3, weighted (500 x -47/3 + 1000 x -20/3) / 1500 = -29/3.
    d = poverty_did(tiny, 2024)
    assert d.result.estimate == pytest.approx(-11.5)
    assert (d.result.n_assignments, d.result.p_value) == (6, pytest.approx(2 / 6))
    assert d.weighted.estimate == pytest.approx(-29 / 3)
    # Placebo 2019 -> 2020: partners -2 and 0, comparisons -2 and 0: 0.
    assert d.placebo.estimate == pytest.approx(0.0)


# ------------------------------------------------------------------ the data flags


def test_flags_are_declared_and_filled(bundled, tiny):
    declared = declared_flags(bundled)
    assert set(declared) == {
        "hanoi_union_gifts",
        "previous_phase_partner",
        "merged_with_partner",
        "not_known_on_border",
    }
    field = bundled.field("communes", "design_flags")
    assert re.fullmatch(field["constraints"]["pattern"], ";".join(declared))
    assert all(v in field["description"] for v in declared)
    flags = dict(
        zip(bundled["communes"]["commune_code"], commune_flags(bundled["communes"]), strict=True)
    )
    # The 2018-2020 partners Rờ Kơi and Đắk Nhoong are contaminated comparisons.
    assert "previous_phase_partner" in flags["23530"]
    assert "previous_phase_partner" in flags["23350"]
    assert flags["03157"] == {"hanoi_union_gifts"} and flags["23539"] == {"not_known_on_border"}
    assert all(not flags[c] for c in ("03154", "03158", "16834", "16837", "23344", "23536"))
    # The tiny fixture's rows agree with the bundled ones.
    both = tiny["communes"].merge(bundled["communes"], on="commune_code", suffixes=("", "_b"))
    for column in ("design_flags", "merged_year"):
        mine = both[column].astype("string").fillna("").tolist()
        assert mine == both[f"{column}_b"].astype("string").fillna("").tolist()


def test_bundled_2025_keeps_only_unmerged_communes(bundled):
    d = poverty_did(bundled, 2025)
    # Only Mô Rai (23536) of the partners was left unchanged by the 2025 reform; its district
    # keeps Rờ Kơi (unchanged) and loses Sa Sơn (merged): 2 assignments.
    treated = d.changes.loc[d.changes["group"] == "treated", "commune_code"].tolist()
    assert treated == ["23536"]
    assert d.result.n_assignments == 2
    reasons = d.excluded.set_index("commune_code")["reason"]
    assert {c for c in ("03158", "16834", "16837", "23344") if reasons[c] == "merged:2025"} == {
        "03158",
        "16834",
        "16837",
        "23344",
    }


def test_descriptor_of_the_fixture_is_the_bundled_one():
    bundled = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    fixture = json.loads(TINY.read_text(encoding="utf-8"))
    assert fixture["resources"] == bundled["resources"]


def test_a_baseline_year_may_not_be_a_partner_year(tiny):
    # Na Loi and Nậm Cắn are partners from 2021: 2021 cannot serve as their baseline, even
    # when the window is 2024 alone.
    with pytest.raises(ValueError, match=r"baseline years \[2021\] are partner years"):
        poverty_did(tiny, 2024, baseline=(2019, 2020, 2021))


def test_the_rating_rules_find_the_pretrend_and_the_sensitivity(tiny):
    pkg = _toy(tiny)
    d = poverty_did(pkg, 2024)
    assert d.pretrend is d.placebo
    # Computed on first use, the same table as poverty_did_sensitivity; every estimate of
    # test_sensitivity_rows but the one-standard +14 is negative.
    table = d.sensitivity
    assert table is d.sensitivity
    pd.testing.assert_frame_equal(table, poverty_did_sensitivity(pkg, 2024))
    assert (table["estimate"] < 0).sum() == len(table) - 1
    # A variant of the design has no sensitivity table of its own.
    assert poverty_did(pkg, 2024, exclude_flags=True).sensitivity is None
    # The one-standard row is +14: the sign is not robust (one definition, read by the
    # rating and by the reports' sentence); a variant design cannot tell.
    assert d.robust_sign is False
    assert poverty_did(pkg, 2024, exclude_flags=True).robust_sign is None


@pytest.mark.parametrize(
    ("estimates", "expected"),
    [
        ([-3.0, -1.0, -0.5], True),  # every row a fall
        ([-3.0, 0.0, -0.5], False),  # a row with no fall
        ([-3.0, float("nan"), -0.5], None),  # a row that could not be estimated
        ([float("nan"), 2.0], False),  # a rise is against, whatever the missing row
        ([], None),
    ],
)
def test_robust_sign_needs_every_sensitivity_row_negative(tiny, estimates, expected):
    d = poverty_did(_toy(tiny), 2024)
    table = pd.DataFrame({"estimate": pd.Series(estimates, dtype="float64")})
    d.__dict__["sensitivity"] = table  # the cached property's slot: a chosen table
    assert d.robust_sign is expected
