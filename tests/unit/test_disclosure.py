"""Tests for small-cell protection of people-count tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.disclosure import (
    DEFAULT_THRESHOLD,
    is_safe,
    protect,
    protect_series,
    suppression_mask,
)

T = "total"


def _frame(rows: list[list[int]], index: list[str], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=index, columns=columns)


def _mask_of(rows: list[list[int]], index: list[str], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(np.array(rows, dtype=bool), index=index, columns=columns)


# --- hand-worked examples ----------------------------------------------------------------


def test_three_by_three_complementary_suppression():
    # Only (r1, c1) = 2 is small. Alone it would be recovered as 20 - 10 - 8 from row r1.
    counts = _frame(
        [[2, 10, 8], [7, 12, 6], [9, 0, 15]],
        index=["r1", "r2", "r3"],
        columns=["c1", "c2", "c3"],
    )
    # Totals: rows 2+10+8=20, 7+12+6=25, 9+0+15=24; columns 2+7+9=18, 10+12+0=22,
    # 8+6+15=29; grand 20+25+24=69.
    # Line rule, rows then columns:
    #   row r1 has one masked cell -> smallest other positive cell: min(10, 8) = 8 (r1, c3);
    #   col c1 has one -> min(7, 9) = 7 (r2, c1); col c3 has one -> min(6, 15) = 6 (r2, c3).
    #   Now r1, r2, c1, c3 each hold two masked cells: stable. The four masked cells form a
    #   rectangle (a cycle), so no bridge remains.
    table, mask = suppression_mask(counts, threshold=5)
    expected_table = _frame(
        [[2, 10, 8, 20], [7, 12, 6, 25], [9, 0, 15, 24], [18, 22, 29, 69]],
        index=["r1", "r2", "r3", T],
        columns=["c1", "c2", "c3", T],
    )
    pd.testing.assert_frame_equal(table, expected_table)
    expected_mask = _mask_of(
        [[1, 0, 1, 0], [1, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
        index=["r1", "r2", "r3", T],
        columns=["c1", "c2", "c3", T],
    )
    pd.testing.assert_frame_equal(mask, expected_mask)

    shown = protect(counts, "en")
    assert shown.index.tolist() == ["r1", "r2", "r3", "Total"]
    assert shown.columns.tolist() == ["c1", "c2", "c3", "Total"]
    assert shown.to_numpy().tolist() == [
        ["<5", "10", "x", "20"],
        ["x", "12", "x", "25"],
        ["9", "0", "15", "24"],
        ["18", "22", "29", "69"],
    ]
    assert is_safe(shown, 5)
    assert protect(counts, "vi").index[-1] == "Tổng"


def test_total_is_masked_when_the_rest_of_the_line_is_zero():
    counts = _frame([[2, 6], [7, 0]], index=["r1", "r2"], columns=["c1", "c2"])
    # Totals: r1 = 8, r2 = 7, c1 = 9, c2 = 6, grand 15.
    # Pass 1 rows: r1 -> (r1, c2) = 6. Columns: c1 -> (r2, c1) = 7; c2's other ordinary cell
    #   is 0, so its total (total, c2) = 6 is masked.
    # Pass 2 rows: r2 = [7 masked, 0] -> only its total 7 is left: (r2, total);
    #   total row has (total, c2) -> (total, c1) = 9. Columns: the total column has
    #   (r2, total) -> (r1, total) = 8.
    # Pass 3: every line has 0 or >= 2 masked cells. Only the 0 and the grand total stay.
    table, mask = suppression_mask(counts)
    expected = _mask_of(
        [[1, 1, 1], [1, 0, 1], [1, 1, 0]],
        index=["r1", "r2", T],
        columns=["c1", "c2", T],
    )
    pd.testing.assert_frame_equal(mask, expected)
    assert protect(counts, "en").to_numpy().tolist() == [
        ["<5", "x", "x"],
        ["x", "0", "x"],
        ["x", "x", "15"],
    ]


def test_cycle_rule_protects_a_bridge_cell():
    counts = _frame(
        [[4, 5, 0], [0, 1, 0], [16, 18, 15]],
        index=["r1", "r2", "r3"],
        columns=["c1", "c2", "c3"],
    )
    # Totals: rows 9, 1, 49; columns 20, 24, 15; grand 59.
    # Primary: (r1, c1) = 4, (r2, c2) = 1, (r2, total) = 1.
    # Line rule gives: (r1, c2) = 5, (r3, c1) = 16, (r1, total) = 9, (r3, c3) = 15,
    # (total, c3) = 15 (c3's ordinary cells are 0, 0, 15), (total, c1) = 20.
    # Every line then has 0 or >= 2 masked cells, yet (r1, c1) is still recoverable:
    #   row r3: (r3, c1) + (r3, c3) = 49 - 18 = 31
    #   total row: (total, c1) + (total, c3) = 59 - 24 = 35
    #   column c3: (total, c3) = (r3, c3) because (r1, c3) = (r2, c3) = 0
    #   column c1: (r1, c1) = (total, c1) - (r3, c1) = 35 - 31 = 4.
    # (r1, c1) is the only masked link between {r1, r2, c2, total col} and
    # {r3, total row, c1, c3}. The cycle rule masks the smallest ordinary positive cell
    # joining the two groups: (r3, c2) = 18 (the others, (r3, total) = 49, (total, c2) = 24
    # and (total, total) = 59, are totals).
    _, mask = suppression_mask(counts)
    expected = _mask_of(
        [[1, 1, 0, 1], [0, 1, 0, 1], [1, 1, 1, 0], [1, 0, 1, 0]],
        index=["r1", "r2", "r3", T],
        columns=["c1", "c2", "c3", T],
    )
    pd.testing.assert_frame_equal(mask, expected)
    assert protect(counts, "en").to_numpy().tolist() == [
        ["<5", "x", "0", "x"],
        ["0", "<5", "0", "<5"],
        ["x", "x", "x", "49"],
        ["x", "24", "x", "59"],
    ]


def test_no_small_cells_nothing_suppressed():
    counts = _frame([[10, 0], [25, 1200]], index=["a", "b"], columns=["x", "y"])
    table, mask = suppression_mask(counts)
    assert not mask.to_numpy().any()
    shown = protect(counts, "vi")
    # Totals: 10+0=10, 25+1200=1225; 10+25=35, 0+1200=1200; grand 1235.
    assert shown.to_numpy().tolist() == [
        ["10", "0", "10"],
        ["25", "1.200", "1.225"],
        ["35", "1.200", "1.235"],
    ]


def test_without_totals():
    counts = _frame(
        [[2, 10, 8], [7, 12, 6], [9, 0, 15]],
        index=["r1", "r2", "r3"],
        columns=["c1", "c2", "c3"],
    )
    table, mask = suppression_mask(counts, totals=False)
    pd.testing.assert_frame_equal(table, counts.astype(np.int64))
    # Same cells as in the 3x3 example: the margins are assumed to be known elsewhere.
    expected = _mask_of([[1, 0, 1], [1, 0, 1], [0, 0, 0]], ["r1", "r2", "r3"], ["c1", "c2", "c3"])
    pd.testing.assert_frame_equal(mask, expected)
    shown = protect(counts, "en", totals=False)
    assert shown.to_numpy().tolist() == [["<5", "10", "x"], ["x", "12", "x"], ["9", "0", "15"]]


def test_threshold_changes_primary_cells():
    counts = _frame([[6, 20], [30, 40]], index=["a", "b"], columns=["x", "y"])
    assert not suppression_mask(counts, threshold=5)[1].to_numpy().any()
    # With threshold 10, 6 is primary; 20, 30, 40 complete the rectangle (smallest in
    # each line: row a -> 20, column x -> 30, then row b / column y -> 40).
    mask = suppression_mask(counts, threshold=10)[1]
    assert mask.loc[["a", "b"], ["x", "y"]].to_numpy().all()
    assert not mask.loc[T].any() and not mask[T].any()


def test_multiindex_and_categorical_labels():
    df = pd.DataFrame(
        {"sex": ["female", "female", "male"], "eth": ["hmong", "thai", "hmong"], "n": [7, 2, 9]}
    )
    counts = df.pivot_table(index="eth", columns="sex", values="n", aggfunc="sum", fill_value=0)
    table, mask = suppression_mask(counts)
    assert table.index.tolist() == ["hmong", "thai", T]
    wide = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    table, mask = suppression_mask(wide, threshold=1)
    assert table.columns[-1] == (T, "")


@pytest.mark.parametrize(
    "bad",
    [
        pd.DataFrame({"a": [1, -1]}),
        pd.DataFrame({"a": [1.5, 2.0]}),
        pd.DataFrame({"a": [1.0, np.nan]}),
        pd.DataFrame({T: [1, 2]}),
    ],
)
def test_invalid_counts(bad):
    with pytest.raises(ValueError):
        suppression_mask(bad)


def test_invalid_threshold():
    with pytest.raises(ValueError):
        suppression_mask(pd.DataFrame({"a": [1]}), threshold=0)


def test_protect_series_one_dimensional():
    s = pd.Series({"hmong": 40, "thai": 12, "kinh": 2, "khmu": 0}, name="women")
    # Total 40+12+2+0 = 54. Primary: kinh = 2. It is the only masked cell, so the smallest
    # other positive count, thai = 12, is hidden too (0 is not positive).
    shown = protect_series(s, "en")
    assert shown.tolist() == ["40", "x", "<5", "0", "54"]
    assert shown.index.tolist() == ["hmong", "thai", "kinh", "khmu", "Total"]
    assert shown.name == "women"
    assert is_safe(shown)
    assert protect_series(s, "vi", total=False).tolist() == ["40", "x", "<5", "0"]


def test_protect_series_two_small_cells_need_no_complement():
    s = pd.Series({"a": 3, "b": 4, "c": 1000})
    # 3 and 4 are both primary: two unknowns summing to 1007 - 1000 = 7 cannot be separated.
    assert protect_series(s, "vi").tolist() == ["<5", "<5", "1.000", "1.007"]


def test_protect_series_nothing_small():
    s = pd.Series({"a": 0, "b": 5})
    assert protect_series(s, "en").tolist() == ["0", "5", "5"]


def test_is_safe():
    assert is_safe(pd.DataFrame({"a": ["<5", "0", "5", "1.234", "—", "x"]}))
    assert not is_safe(pd.DataFrame({"a": ["1,234", "4"]}))
    assert not is_safe(pd.DataFrame({"a": [3]}))
    assert is_safe(pd.DataFrame({"a": ["3"]}), threshold=3)
    assert not is_safe(pd.Series(["9"]), threshold=10)
    assert DEFAULT_THRESHOLD == 5


# --- properties --------------------------------------------------------------------------


@st.composite
def count_tables(draw):
    n_rows = draw(st.integers(1, 4))
    n_cols = draw(st.integers(1, 4))
    cell = st.one_of(st.just(0), st.integers(1, 6), st.integers(5, 40))
    rows = draw(
        st.lists(st.lists(cell, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows)
    )
    return pd.DataFrame(
        rows, index=[f"r{i}" for i in range(n_rows)], columns=[f"c{j}" for j in range(n_cols)]
    )


def _lines(arr: np.ndarray):
    yield from arr
    yield from arr.T


def _determined_cells(values: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Masked cells whose value follows from the visible cells through row/column sums.

    Independent of the implementation: unknown x_k is determined iff the unit vector e_k is
    in the row space of the coefficient matrix of the line equations restricted to unknowns.
    """
    n_rows, n_cols = values.shape
    unknown = list(zip(*np.nonzero(mask), strict=True))
    if not unknown:
        return []
    coef = np.zeros((n_rows + n_cols, len(unknown)))
    for k, (i, j) in enumerate(unknown):
        # In line i (a row) the total is (i, last); it enters with sign -1, the others +1.
        coef[i, k] = -1.0 if j == n_cols - 1 else 1.0
        coef[n_rows + j, k] = -1.0 if i == n_rows - 1 else 1.0
    rank = np.linalg.matrix_rank(coef)
    determined = []
    for k, cell in enumerate(unknown):
        unit = np.zeros(len(unknown))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([coef, unit])) == rank:
            determined.append(cell)
    return determined


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(counts=count_tables(), threshold=st.integers(1, 8))
def test_properties(counts, threshold):
    table, mask = suppression_mask(counts, threshold=threshold)
    values, masked = table.to_numpy(), mask.to_numpy()

    # (c) totals are the sums of their cells (so every visible total is correct).
    assert (values[:-1, -1] == values[:-1, :-1].sum(axis=1)).all()
    assert (values[-1, :] == values[:-1, :].sum(axis=0)).all()

    # (a) every primary cell is masked; only positive cells are ever masked.
    primary = (values > 0) & (values < threshold)
    assert masked[primary].all()
    assert (values[masked] > 0).all()

    # (b) guaranteed without exception: no row or column, totals included, has exactly one
    # masked cell. (A line with one masked cell always has another positive cell: if the
    # masked cell is ordinary, its total is >= it > 0; if it is the total, the other cells
    # sum to it > 0.)
    for line in _lines(masked):
        assert line.sum() != 1

    # (d) no masked cell can be deduced from the visible cells through the sums.
    assert _determined_cells(values, masked) == []

    # The display is safe and hides exactly the masked cells.
    shown = protect(counts, "en", threshold=threshold)
    assert is_safe(shown, threshold)
    hidden = shown.isin([f"<{threshold}", "x"]).to_numpy()
    assert (hidden == masked).all()

    # Without totals the interior decision is the same.
    _, inner_mask = suppression_mask(counts, threshold=threshold, totals=False)
    assert (inner_mask.to_numpy() == masked[:-1, :-1]).all()


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.just(0), st.integers(1, 6), st.integers(5, 40)), min_size=1, max_size=8
    ),
    threshold=st.integers(1, 8),
)
def test_series_properties(values, threshold):
    s = pd.Series(values, index=[f"k{i}" for i in range(len(values))])
    shown = protect_series(s, "en", threshold=threshold)
    numbers = [*values, sum(values)]
    hidden = [v in (f"<{threshold}", "x") for v in shown]
    # Every primary cell (total included) is hidden, and never exactly one cell is hidden.
    assert all(h for n, h in zip(numbers, hidden, strict=True) if 0 < n < threshold)
    assert sum(hidden) != 1
    assert all(n > 0 for n, h in zip(numbers, hidden, strict=True) if h)
    assert is_safe(shown, threshold)
