"""Tests for randomisation-inference DiD and the percentile bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.inference import BootstrapResult, DidResult, bootstrap_ci, did_permutation

COLUMNS = {"unit": "commune", "time": "year", "outcome": "y", "treated": "partner"}


def _panel(rows: list[tuple[str, int, float, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["commune", "year", "y", "partner"])


BASE = [
    ("A", 2020, 10.0, True),
    ("A", 2024, 16.0, True),  # change 6
    ("B", 2020, 20.0, True),
    ("B", 2024, 24.0, True),  # change 4
    ("C", 2020, 5.0, False),
    ("C", 2024, 6.0, False),  # change 1
    ("D", 2020, 8.0, False),
    ("D", 2024, 7.0, False),  # change -1
]


def test_did_two_by_two_by_hand():
    res = did_permutation(_panel(BASE), **COLUMNS, pre=[2020], post=[2024])
    # Changes: A 6, B 4, C 1, D -1. Treated mean (6 + 4) / 2 = 5, control (1 - 1) / 2 = 0.
    assert res.treated_change == 5.0
    assert res.control_change == 0.0
    assert res.estimate == 5.0
    # All C(4, 2) = 6 assignments of two "treated" labels:
    #   {A,B}: 5 - 0 = 5        {A,C}: 3.5 - 1.5 = 2     {A,D}: 2.5 - 2.5 = 0
    #   {B,C}: 2.5 - 2.5 = 0    {B,D}: 1.5 - 3.5 = -2    {C,D}: 0 - 5 = -5
    # |estimate| >= 5 for {A,B} and {C,D}: p = 2 / 6.
    assert res.n_assignments == 6
    assert res.exact is True
    assert res.p_value == pytest.approx(2 / 6)
    # Balanced design (2 vs 2): each assignment's mirror gives the opposite estimate, so the
    # smallest reachable two-sided p is 2 / 6.
    assert res.min_p_value == pytest.approx(2 / 6)
    assert (res.n_treated, res.n_control) == (2, 2)
    assert res.dropped_units == ()
    assert isinstance(res, DidResult)


def test_did_one_treated_of_three():
    rows = [
        ("A", 0, 0.0, True),
        ("A", 1, 6.0, True),  # change 6
        ("B", 0, 0.0, False),
        ("B", 1, 1.0, False),  # change 1
        ("C", 0, 0.0, False),
        ("C", 1, -1.0, False),  # change -1
    ]
    res = did_permutation(_panel(rows), **COLUMNS, pre=0, post=1)
    # Observed: 6 - (1 - 1) / 2 = 6. Assignments: {A}: 6; {B}: 1 - (6 - 1) / 2 = -1.5;
    # {C}: -1 - (6 + 1) / 2 = -4.5. Only {A} reaches |6|: p = 1 / 3.
    assert res.estimate == 6.0
    assert res.n_assignments == 3
    assert res.p_value == pytest.approx(1 / 3)
    assert res.min_p_value == pytest.approx(1 / 3)


def test_did_drops_units_without_pre_or_post():
    rows = [
        *BASE,
        ("E", 2020, 3.0, False),
        ("E", 2024, np.nan, False),  # no post value
        ("F", 2024, 9.0, True),  # no pre row
        ("G", 2018, 1.0, False),  # only outside the pre/post periods
    ]
    res = did_permutation(_panel(rows), **COLUMNS, pre=[2020], post=[2024])
    # E, F and G are dropped; the rest is the hand-worked 2x2 example.
    assert res.dropped_units == ("E", "F", "G")
    assert res.estimate == 5.0
    assert res.p_value == pytest.approx(2 / 6)
    assert (res.n_treated, res.n_control) == (2, 2)


def test_did_averages_several_periods_ignoring_nan():
    rows = [
        ("A", 2019, 4.0, True),
        ("A", 2020, np.nan, True),
        ("A", 2023, 10.0, True),
        ("A", 2024, 12.0, True),
        ("B", 2019, 2.0, False),
        ("B", 2020, 4.0, False),
        ("B", 2023, 5.0, False),
        ("B", 2024, np.nan, False),
    ]
    res = did_permutation(_panel(rows), **COLUMNS, pre=[2019, 2020], post=[2023, 2024])
    # A: post (10 + 12) / 2 = 11, pre 4 (NaN ignored) -> 7.  B: post 5, pre (2 + 4) / 2 = 3
    # -> 2. Estimate 7 - 2 = 5. Two assignments, +5 and -5: p = 2 / 2 = 1.
    assert res.treated_change == 7.0
    assert res.control_change == 2.0
    assert res.estimate == 5.0
    assert res.p_value == 1.0
    # One treated, one control: the two assignments mirror each other, floor 2 / 2 = 1.
    assert res.min_p_value == 1.0


def test_did_needs_treated_and_control():
    rows = [r for r in BASE if r[0] in {"A", "B", "C"}]
    rows = [r if r[0] != "C" else (r[0], r[1], np.nan, r[3]) for r in rows]
    with pytest.raises(ValueError, match="at least one treated and one control"):
        did_permutation(_panel(rows), **COLUMNS, pre=[2020], post=[2024])


def test_did_rejects_varying_treatment():
    rows = [*BASE[:-1], ("D", 2024, 7.0, True)]
    with pytest.raises(ValueError, match="varies within unit"):
        did_permutation(_panel(rows), **COLUMNS, pre=[2020], post=[2024])


def test_did_rejects_overlapping_periods():
    with pytest.raises(ValueError, match="both pre and post"):
        did_permutation(_panel(BASE), **COLUMNS, pre=[2020, 2024], post=[2024])


def test_did_monte_carlo_when_too_many_assignments():
    res = did_permutation(_panel(BASE), **COLUMNS, pre=2020, post=2024, max_exact=5, n_draws=999)
    # 6 > max_exact: 999 random assignments plus the observed one.
    assert res.exact is False
    assert res.n_assignments == 1000
    assert res.min_p_value == pytest.approx(1 / 1000)
    # The true p is 2/6; each draw is one of the 6 assignments with probability 1/6.
    assert res.p_value == pytest.approx(2 / 6, abs=0.06)
    again = did_permutation(_panel(BASE), **COLUMNS, pre=2020, post=2024, max_exact=5, n_draws=999)
    assert again == res


@st.composite
def panels(draw):
    n = draw(st.integers(2, 9))
    k = draw(st.integers(1, n - 1))
    changes = draw(
        st.lists(
            st.one_of(st.integers(-5, 5).map(float), st.floats(-100, 100)),
            min_size=n,
            max_size=n,
        )
    )
    rows = []
    for i, change in enumerate(changes):
        rows += [(f"u{i}", 0, 0.0, i < k), (f"u{i}", 1, change, i < k)]
    return _panel(rows)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(panel=panels(), max_exact=st.sampled_from([1, 200_000]))
def test_did_p_value_range(panel, max_exact):
    res = did_permutation(panel, **COLUMNS, pre=0, post=1, max_exact=max_exact, n_draws=200)
    assert res.min_p_value <= res.p_value <= 1.0
    # The observed assignment always counts, so p * n_assignments is a whole number >= 1.
    count = res.p_value * res.n_assignments
    assert count == pytest.approx(round(count)) and round(count) >= 1
    n = res.n_treated + res.n_control
    if res.exact:
        assert res.n_assignments == math.comb(n, res.n_treated)


# --- bootstrap ---------------------------------------------------------------------------


def test_bootstrap_constant_values():
    res = bootstrap_ci([3.25] * 7)
    # Every resample is seven copies of 3.25, whose mean is 3.25.
    assert res.estimate == res.low == res.high == 3.25
    assert res.n == 7 and res.level == 0.95


def test_bootstrap_symmetric_sample_contains_mean():
    res = bootstrap_ci([1.0, 2.0, 3.0, 4.0, 5.0], n_boot=2000)
    # Mean (1 + 2 + 3 + 4 + 5) / 5 = 3.
    assert res.estimate == 3.0
    assert res.low < 3.0 < res.high
    assert res.low >= 1.0 and res.high <= 5.0


def test_bootstrap_two_points_by_hand():
    res = bootstrap_ci([0.0, 1.0], n_boot=4000)
    # Resample means of {0, 1}: 0 (prob 1/4), 0.5 (1/2), 1 (1/4). The 2.5% quantile is 0
    # and the 97.5% quantile is 1 (each end holds ~25% of the draws, far above 2.5%).
    assert (res.estimate, res.low, res.high) == (0.5, 0.0, 1.0)


def test_bootstrap_drops_nan_and_small_samples():
    res = bootstrap_ci([1.0, np.nan, 3.0, None])
    assert res.n == 2 and res.estimate == 2.0  # (1 + 3) / 2
    one = bootstrap_ci(pd.Series([5.0, np.nan]))
    assert one.n == 1 and one.estimate == 5.0
    assert math.isnan(one.low) and math.isnan(one.high)
    empty = bootstrap_ci([])
    assert empty.n == 0 and math.isnan(empty.estimate)


def test_bootstrap_statistics():
    med = bootstrap_ci([1.0, 2.0, 100.0], statistic="median")
    assert med.estimate == 2.0  # middle of 1, 2, 100
    top = bootstrap_ci([1.0, 2.0, 3.0], statistic=np.max)
    assert top.estimate == 3.0
    assert 1.0 <= top.low <= top.high == 3.0  # the max of a resample is at most 3
    assert isinstance(top, BootstrapResult)


def test_bootstrap_is_reproducible():
    values = [2.0, 3.0, 5.0, 7.0, 11.0]
    assert bootstrap_ci(values, seed=1) == bootstrap_ci(values, seed=1)


@pytest.mark.parametrize(
    "kwargs", [{"statistic": "mode"}, {"level": 1.0}, {"level": 0.0}, {"n_boot": 0}]
)
def test_bootstrap_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        bootstrap_ci([1.0, 2.0], **kwargs)
