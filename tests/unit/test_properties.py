"""Property-based tests (hypothesis) of the pure functions, and range properties of the
indicators on the bundled package.

Small random *packages* are hard to generate consistently, so the randomised tests target the
pure functions: small-cell protection (``disclosure``), randomisation inference and the
bootstrap (``inference``), and the locale formatters (``i18n``). The indicators are checked on
the bundled package for every programme year, with the grouping keys drawn at random.

Every expected value comes from a definition: a hidden cell is safe when the linear system
"rows and columns add up to their visible totals" does not determine it; the permutation
p-value cannot go below 1 / C(n, k) (2 / C(n, k) when n = 2k); and so on.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis import indicators
from analysis.disclosure import is_safe, protect, protect_series, suppression_mask
from analysis.i18n import format_date, format_money, format_percent
from analysis.indicators.common import BENEFICIARY_KEYS, PLAN_KEYS
from analysis.inference import bootstrap_ci, did_permutation
from analysis.package import Package, load_package

YEARS = range(2021, 2026)
SUPPRESSED = {"vi": "<{t}", "en": "<{t}"}  # the catalogue's "suppressed" marker
COMPLEMENTARY = "x"  # the catalogue's "suppressed_complementary" marker

PROPERTIES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- disclosure -------------------------------------------------------------------------------

# Counts of people: mostly small (to exercise suppression), sometimes large.
counts = st.one_of(st.integers(0, 6), st.integers(0, 60))
thresholds = st.one_of(st.just(5), st.integers(1, 10))


@st.composite
def count_tables(draw) -> pd.DataFrame:
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    cells = draw(st.lists(counts, min_size=n_rows * n_cols, max_size=n_rows * n_cols))
    return pd.DataFrame(
        np.array(cells, dtype=np.int64).reshape(n_rows, n_cols),
        index=[f"r{i}" for i in range(n_rows)],
        columns=[f"c{j}" for j in range(n_cols)],
    )


def lines_of(shape: tuple[int, int]) -> list[list[tuple[int, int]]]:
    """Every row and column of a table whose last row and column are the totals."""
    n_rows, n_cols = shape
    return [[(i, j) for j in range(n_cols)] for i in range(n_rows)] + [
        [(i, j) for i in range(n_rows)] for j in range(n_cols)
    ]


def determined_cells(shape: tuple[int, int], mask: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells whose value follows from the visible cells through the line sums.

    Unknowns are the hidden cells; each row and column gives one equation (inner cells add up
    to the line's total), the visible cells moving to the right-hand side. A hidden cell is
    determined exactly when its unit vector lies in the row space of the equations' matrix.
    """
    hidden = [tuple(int(v) for v in c) for c in zip(*np.nonzero(mask), strict=True)]
    if not hidden:
        return []
    n_rows, n_cols = shape
    equations = []
    for line in lines_of(shape):
        total = line[-1]
        coefficient = {c: 1.0 for c in line[:-1]} | {total: -1.0}
        equations.append([coefficient.get(c, 0.0) for c in hidden])
    matrix = np.array(equations)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for k, c in enumerate(hidden):
        unit = np.zeros((1, len(hidden)))
        unit[0, k] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(c)
    return found


def test_determined_cells_finds_a_lone_hidden_cell():
    # The helper itself: one hidden inner cell of a 1 x 2 table is its row total minus the rest.
    mask = np.zeros((2, 3), dtype=bool)
    mask[0, 0] = True
    assert determined_cells((2, 3), mask) == [(0, 0)]
    mask[0, 1] = mask[1, 0] = mask[1, 1] = True  # a cycle of four hidden cells
    assert determined_cells((2, 3), mask) == []


@PROPERTIES
@given(table=count_tables(), threshold=thresholds)
def test_suppression_leaves_no_hidden_cell_recoverable(table, threshold):
    full, mask = suppression_mask(table, threshold=threshold)
    values, hidden = full.to_numpy(), mask.to_numpy()
    # The table is the counts with their row, column and grand totals.
    inner = table.to_numpy()
    assert (values[:-1, :-1] == inner).all()
    assert (values[:-1, -1] == inner.sum(axis=1)).all()
    assert (values[-1, :-1] == inner.sum(axis=0)).all()
    assert values[-1, -1] == inner.sum()
    # Every small positive count is hidden (totals included); only positive counts are hidden.
    small = (values > 0) & (values < threshold)
    assert (hidden[small]).all()
    assert (values[hidden] > 0).all()
    # No row or column (totals included) has exactly one hidden cell...
    for line in lines_of(values.shape):
        assert sum(bool(hidden[c]) for c in line) != 1, line
    # ... and no hidden cell follows from the visible ones through the sums.
    assert determined_cells(values.shape, hidden) == []


@PROPERTIES
@given(table=count_tables(), threshold=thresholds)
def test_mask_without_totals_is_the_inner_part_of_the_mask_with_totals(table, threshold):
    _, with_totals = suppression_mask(table, threshold=threshold, totals=True)
    plain, without = suppression_mask(table, threshold=threshold, totals=False)
    assert (plain.to_numpy() == table.to_numpy()).all()
    assert (without.to_numpy() == with_totals.to_numpy()[:-1, :-1]).all()


def parse_count(text: str) -> int:
    """A displayed count back to an integer ("1.234" in vi, "1,234" in en)."""
    return int(text.replace(".", "").replace(",", ""))


@PROPERTIES
@given(table=count_tables(), threshold=thresholds, lang=st.sampled_from(["vi", "en"]))
def test_protect_shows_markers_exactly_where_the_mask_hides(table, threshold, lang):
    shown = protect(table, lang, threshold=threshold)
    full, mask = suppression_mask(table, threshold=threshold)
    assert is_safe(shown, threshold=threshold)
    assert shown.shape == full.shape
    for value, hide, text in zip(
        full.to_numpy().ravel(), mask.to_numpy().ravel(), shown.to_numpy().ravel(), strict=True
    ):
        if not hide:
            assert parse_count(text) == value
        elif value < threshold:
            assert text == SUPPRESSED[lang].format(t=threshold)
        else:  # a complementary cell is at least the threshold: "<5" would be false
            assert text == COMPLEMENTARY


@PROPERTIES
@given(
    values=st.lists(counts, min_size=1, max_size=8),
    threshold=thresholds,
    lang=st.sampled_from(["vi", "en"]),
)
def test_protect_series_leaves_no_hidden_count_recoverable(values, threshold, lang):
    s = pd.Series(values, index=[f"g{i}" for i in range(len(values))])
    shown = protect_series(s, lang, threshold=threshold)
    assert is_safe(shown, threshold=threshold)
    full = [*values, sum(values)]
    hidden = [not re.fullmatch(r"[\d.,]+", text) for text in shown]
    assert len(shown) == len(full)
    # Every small positive count (the total included) is hidden, and nothing else but
    # positive counts.
    for value, hide, text in zip(full, hidden, shown, strict=True):
        if 0 < value < threshold:
            assert hide
        if hide:
            assert value > 0
        else:
            assert parse_count(text) == value
    # One line, one equation: a single hidden count would be the total minus the visible ones.
    assert sum(hidden) != 1


@PROPERTIES
@given(values=st.lists(counts, min_size=1, max_size=8), threshold=thresholds)
def test_protect_series_without_total_hides_the_same_cells(values, threshold):
    s = pd.Series(values)
    with_total = protect_series(s, "en", threshold=threshold, total=True)
    without = protect_series(s, "en", threshold=threshold, total=False)
    assert without.tolist() == with_total.tolist()[:-1]
    assert is_safe(without, threshold=threshold)


# --- inference --------------------------------------------------------------------------------


@st.composite
def did_panels(draw) -> tuple[pd.DataFrame, int, int]:
    """A two-period panel of ``n`` units, ``k`` of them treated (in random order)."""
    n = draw(st.integers(2, 9))
    k = draw(st.integers(1, n - 1))
    flags = draw(st.permutations([True] * k + [False] * (n - k)))
    outcome = st.integers(-50, 50)
    pre = draw(st.lists(outcome, min_size=n, max_size=n))
    post = draw(st.lists(outcome, min_size=n, max_size=n))
    units = [f"u{i}" for i in range(n)]
    panel = pd.DataFrame(
        {
            "unit": units * 2,
            "year": [2020] * n + [2024] * n,
            "y": pre + post,
            "treated": list(flags) * 2,
        }
    )
    return panel, n, k


def did(panel: pd.DataFrame, **kwargs):
    return did_permutation(
        panel,
        unit="unit",
        time="year",
        outcome="y",
        treated="treated",
        pre=2020,
        post=2024,
        **kwargs,
    )


@PROPERTIES
@given(case=did_panels())
def test_did_p_value_lies_between_the_design_minimum_and_one(case):
    panel, n, k = case
    res = did(panel)
    assignments = math.comb(n, k)
    assert res.exact
    assert res.n_assignments == assignments
    assert (res.n_treated, res.n_control) == (k, n - k)
    floor = 2 if n == 2 * k else 1
    assert res.min_p_value == pytest.approx(floor / assignments)
    assert res.min_p_value - 1e-12 <= res.p_value <= 1.0
    # The estimate is the difference of mean changes, by definition.
    change = panel.pivot(index="unit", columns="year", values="y")
    change = change[2024] - change[2020]
    flags = panel.drop_duplicates("unit").set_index("unit")["treated"]
    expected = change[flags].mean() - change[~flags].mean()
    assert res.estimate == pytest.approx(expected, abs=1e-9)


@PROPERTIES
@given(case=did_panels())
def test_did_estimate_flips_sign_when_labels_are_swapped(case):
    panel, _, _ = case
    res = did(panel)
    swapped = did(panel.assign(treated=~panel["treated"]))
    assert swapped.estimate == pytest.approx(-res.estimate, abs=1e-9)
    # Every assignment of the swapped design is the complement of one of the original's, with
    # the opposite estimate: the two-sided p-value is the same.
    assert swapped.p_value == pytest.approx(res.p_value)
    assert swapped.n_assignments == res.n_assignments


@PROPERTIES
@given(case=did_panels(), n_draws=st.integers(1, 60))
def test_did_sampled_p_value_counts_the_observed_assignment(case, n_draws):
    panel, _, _ = case
    res = did(panel, max_exact=1, n_draws=n_draws, seed=7)
    assert not res.exact
    assert res.n_assignments == n_draws + 1
    assert res.min_p_value == pytest.approx(1 / (n_draws + 1))
    assert res.min_p_value - 1e-12 <= res.p_value <= 1.0


samples = st.lists(st.integers(-1000, 1000), min_size=2, max_size=30)


@PROPERTIES
@given(values=samples, level=st.sampled_from([0.8, 0.9, 0.95]))
def test_bootstrap_interval_contains_the_estimate(values, level):
    res = bootstrap_ci(values, level=level)
    assert res.n == len(values)
    assert res.estimate == pytest.approx(np.mean(values))
    slack = 1e-9 * (1 + abs(res.estimate))
    assert res.low - slack <= res.estimate <= res.high + slack
    assert min(values) <= res.low and res.high <= max(values)


@PROPERTIES
@given(values=samples)
def test_bootstrap_median_interval_contains_the_median(values):
    res = bootstrap_ci(values, statistic="median", n_boot=2000)
    assert res.estimate == pytest.approx(np.median(values))
    slack = 1e-9 * (1 + abs(res.estimate))
    assert res.low - slack <= res.estimate <= res.high + slack


@given(value=st.integers(-1000, 1000))
def test_bootstrap_of_one_value_has_no_interval(value):
    res = bootstrap_ci([value])
    assert (res.estimate, res.n) == (value, 1)
    assert math.isnan(res.low) and math.isnan(res.high)


# --- i18n formatters --------------------------------------------------------------------------


@PROPERTIES
@given(amount=st.integers(-(10**18), 10**18))
def test_format_money_round_trips_in_vietnamese(amount):
    text = format_money(amount, "vi")
    assert text.endswith(" đồng")
    number = text.removesuffix(" đồng")
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*", number)
    assert int(number.replace(".", "")) == amount


@PROPERTIES
@given(amount=st.integers(-(10**18), 10**18))
def test_format_money_round_trips_in_english(amount):
    text = format_money(amount, "en")
    assert text.startswith("VND ")
    number = text.removeprefix("VND ")
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*", number)
    assert int(number.replace(",", "")) == amount


def parse_percent(text: str, lang: str) -> float:
    decimal, group = (",", ".") if lang == "vi" else (".", ",")
    assert text.endswith("%")
    return float(text[:-1].replace(group, "").replace(decimal, "."))


@PROPERTIES
@given(x=st.floats(0, 1), lang=st.sampled_from(["vi", "en"]))
@example(x=0.0, lang="vi")
@example(x=1.0, lang="vi")
@example(x=0.99996, lang="vi")
def test_format_percent_of_a_share_lies_between_0_and_100(x, lang):
    text = format_percent(x, lang)
    decimal = "," if lang == "vi" else "."
    assert re.fullmatch(rf"\d{{1,3}}\{decimal}\d%", text), text
    value = parse_percent(text, lang)
    assert 0.0 <= value <= 100.0
    assert value == pytest.approx(100 * x, abs=0.05 + 1e-9)
    if x == 0:
        assert text == f"0{decimal}0%"
    if x == 1:
        assert text == f"100{decimal}0%"


@PROPERTIES
@given(d=st.dates(min_value=dt.date(1000, 1, 1)))
def test_format_date_in_vietnamese_is_dd_mm_yyyy(d):
    text = format_date(d, "vi")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", text), text
    assert dt.datetime.strptime(text, "%d/%m/%Y").date() == d
    # The same date given as a Timestamp or an ISO string formats the same.
    assert format_date(pd.Timestamp(d), "vi") == text
    assert format_date(d.isoformat(), "vi") == text


@PROPERTIES
@given(d=st.dates())
@example(d=dt.date(999, 1, 5))
def test_format_date_in_vietnamese_is_dd_mm_yyyy_for_any_date(d):
    text = format_date(d, "vi")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", text), text


# --- indicators on the bundled package --------------------------------------------------------


@functools.cache
def bundled() -> Package:
    return load_package()


def key_sets(keys) -> st.SearchStrategy:
    return st.lists(st.sampled_from(keys), unique=True, max_size=2).map(tuple)


INDICATORS = settings(max_examples=15, deadline=None)


@pytest.mark.parametrize("year", YEARS)
@INDICATORS
@given(by=key_sets(PLAN_KEYS))
def test_budget_execution_rates_are_non_negative(year, by):
    table = indicators.budget_execution(bundled(), year, by=by)
    assert not table.empty
    assert (table["planned_amount_vnd"] >= 0).all()
    assert (table["spent_vnd"] >= 0).all()
    rate = table["execution_rate"]
    planned = table["planned_amount_vnd"]
    # A rate is spent / planned, NaN (not an error) where nothing was planned.
    assert rate[planned > 0].notna().all()
    assert (rate[planned > 0] >= 0).all()
    assert rate[planned > 0].to_numpy() == pytest.approx(
        (table["spent_vnd"] / planned)[planned > 0].to_numpy()
    )
    assert rate[planned == 0].isna().all()
    assert (
        table["n_activities"].sum()
        == indicators.budget_execution(bundled(), year)["n_activities"].item()
    )


@pytest.mark.parametrize("year", YEARS)
def test_targeting_shares_are_fractions(year):
    table = indicators.targeting_shares(bundled(), year)
    shares = table.filter(like="share_")
    assert shares.notna().all().all()
    assert ((shares >= 0) & (shares <= 1)).all().all()
    assert (table["share_poor"] + table["share_near_poor"]).to_numpy() == pytest.approx(
        table["share_poor_or_near_poor"].to_numpy()
    )
    # n of the overall row: everyone who entered that year; the activity types add up to it.
    entered = bundled()["beneficiaries"]["entry_year"].eq(year).sum()
    overall = table.set_index("activity_type").loc["all", "n"]
    assert overall == entered
    assert table.loc[table["activity_type"] != "all", "n"].sum() == entered


@pytest.mark.parametrize("year", YEARS)
@INDICATORS
@given(by=key_sets(BENEFICIARY_KEYS))
def test_beneficiaries_reached_are_non_negative_integers(year, by):
    table = indicators.beneficiaries_reached(bundled(), year, by=by)
    assert table["people"].dtype == np.int64
    assert (table["people"] >= 0).all()
    ben = bundled()["beneficiaries"]
    entered = ben.loc[ben["entry_year"].eq(year).fillna(False).to_numpy(bool), "beneficiary_id"]
    # Each person is in exactly one group, so the groups add up to the people who entered.
    assert table["people"].sum() == entered.nunique()


@pytest.mark.parametrize("year", YEARS)
def test_livestock_rates_are_fractions(year):
    table = indicators.livestock_summary(bundled(), year)
    for column in ("survival_rate", "pass_on_rate"):
        rates = table.loc[table["animals_received"] > 0, column]
        assert rates.notna().all(), column
        assert ((rates >= 0) & (rates <= 1)).all(), column
        assert table.loc[table["animals_received"] == 0, column].isna().all()
    counts = table[["animals_received", "calves_born", "died", "sold", "passed_on"]]
    assert (counts >= 0).all().all()
    # The overall row adds up the communes.
    communes = table[table["commune_code"] != "all"]
    overall = table[table["commune_code"] == "all"].iloc[0]
    for column in counts.columns:
        assert communes[column].sum() == overall[column]
