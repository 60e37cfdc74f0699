"""Small-cell protection for published tables of counts of people.

The programme's beneficiaries are poor women and children in small border communes, so a
published count such as "2 Hmong near-poor households received a cow" can identify people.
This module hides every count with ``0 < n < threshold`` (*primary suppression*) and then
hides further cells (*complementary* or *secondary suppression*) so that the hidden values
cannot be worked out by subtraction from the totals that stay visible.

The rule, applied to the table *including* its total row and total column:

1. Primary: mask every cell with ``0 < value < threshold``. Zeros stay visible.
2. Line rule, repeated until nothing changes: in every row and every column (the total row
   and total column included), if exactly one cell is masked, also mask the smallest
   positive unmasked cell of that line, preferring ordinary cells over the line's total;
   the total is masked only when no other positive cell is left.
3. Cycle rule: the line rule leaves no line with exactly one masked cell, but a masked cell
   can still be derived by chaining several rows and columns when it is the only link
   between two groups of masked cells (a *bridge* of the bipartite row/column graph whose
   edges are the masked cells). Such a cell gets a partner: the smallest positive unmasked
   cell joining the two groups is masked, then step 2 is repeated.

What is guaranteed for ``suppression_mask(..., totals=True)``: every masked cell is
positive, every primary cell is masked, no row or column (totals included) has exactly one
masked cell, and every masked cell lies on a cycle of masked cells, which is exactly the
condition under which its value cannot be deduced from the visible cells through the
row and column sums. (Bounds still narrow the range: a hidden cell is known to lie between
0 and its visible line totals; the non-negativity interval is not audited.)

On display (``protect``), a primary cell shows the ``suppressed`` message (``"<5"``) and a
complementary cell the ``suppressed_complementary`` message (``"x"``): complementary cells
are at least ``threshold``, so ``"<5"`` would be false for them.

Example:
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"a": [3, 10], "b": [20, 30]}, index=["x", "y"])
    >>> table, mask = suppression_mask(counts)
    >>> int(mask.to_numpy().sum())
    4
    >>> protect(counts, "en").loc["x"].tolist()
    ['<5', 'x', '23']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from analysis.i18n import format_count, t

__all__ = [
    "DEFAULT_THRESHOLD",
    "TOTAL_LABEL",
    "is_safe",
    "protect",
    "protect_series",
    "suppression_mask",
]

DEFAULT_THRESHOLD = 5
"""Smallest count of people that may be published."""

TOTAL_LABEL = "total"
"""Label of the appended total row/column in ``suppression_mask`` output."""

Cell = tuple[int, int]


def _check_threshold(threshold: int) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer):
        raise TypeError(f"threshold must be an integer, got {threshold!r}")
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    return int(threshold)


def _as_counts(values: Any, what: str) -> np.ndarray:
    """Return ``values`` as an int64 array, checking they are non-negative whole numbers."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must contain only numbers") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must not contain missing or infinite values")
    if np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ValueError(f"{what} must contain non-negative integer counts")
    return np.asarray(values).astype(np.int64)


def _append_label(index: pd.Index, name: str) -> pd.Index:
    """Append ``name`` to an index (as ``(name, "", ...)`` for a MultiIndex)."""
    if name in index:
        raise ValueError(f"label {name!r} is already used; it is reserved for totals")
    if isinstance(index, pd.MultiIndex):
        extra = (name,) + ("",) * (index.nlevels - 1)
        return pd.MultiIndex.from_tuples([*index, extra], names=index.names)
    return pd.Index([*index, name], name=index.name)


def _lines(n_rows: int, n_cols: int) -> list[tuple[list[Cell], Cell]]:
    """Rows and columns of a table whose last row and last column hold the totals.

    Returns:
        ``(cells, total_cell)`` for every row, then every column.
    """
    lines = [([(i, j) for j in range(n_cols)], (i, n_cols - 1)) for i in range(n_rows)]
    lines += [([(i, j) for i in range(n_rows)], (n_rows - 1, j)) for j in range(n_cols)]
    return lines


def _line_rule(values: np.ndarray, mask: np.ndarray, lines: list[tuple[list[Cell], Cell]]) -> None:
    """Step 2: give every line with exactly one masked cell a second one (in place)."""
    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            if sum(bool(mask[c]) for c in cells) != 1:
                continue
            free = [c for c in cells if not mask[c] and values[c] > 0]
            ordinary = [c for c in free if c != total]
            pool = ordinary or free
            if pool:  # always true for consistent totals: see module docstring
                mask[min(pool, key=lambda c: (values[c], c))] = True
                changed = True


def _component(mask: np.ndarray, start: tuple[str, int], skip: Cell) -> set[tuple[str, int]]:
    """Nodes reachable from ``start`` along masked cells other than ``skip``."""
    seen = {start}
    stack = [start]
    while stack:
        kind, k = stack.pop()
        if kind == "r":
            nxt = [("c", j) for j in np.flatnonzero(mask[k]) if (k, j) != skip]
        else:
            nxt = [("r", i) for i in np.flatnonzero(mask[:, k]) if (i, k) != skip]
        for node in nxt:
            node = (node[0], int(node[1]))
            if node not in seen:
                seen.add(node)
                stack.append(node)
    return seen


def _fix_one_bridge(values: np.ndarray, mask: np.ndarray) -> bool:
    """Step 3: mask a partner for the first masked cell that is a bridge (in place).

    Returns:
        True if a cell was added, False if no masked cell is a bridge.
    """
    n_rows, n_cols = mask.shape
    total_row, total_col = n_rows - 1, n_cols - 1
    for i, j in zip(*np.nonzero(mask), strict=True):
        bridge = (int(i), int(j))
        side_a = _component(mask, ("r", bridge[0]), skip=bridge)
        if ("c", bridge[1]) in side_a:
            continue  # on a cycle
        side_b = _component(mask, ("c", bridge[1]), skip=bridge)
        candidates = []
        for r in range(n_rows):
            for c in range(n_cols):
                if mask[r, c] or values[r, c] <= 0:
                    continue
                in_a = (("r", r) in side_a, ("c", c) in side_a)
                if in_a[0] == in_a[1]:
                    continue
                direct = ("c", c) in side_b if in_a[0] else ("r", r) in side_b
                is_total = r == total_row or c == total_col
                candidates.append(((not direct, is_total, values[r, c], r, c), (r, c)))
        if candidates:  # non-empty for consistent totals: see module docstring
            mask[min(candidates)[1]] = True
            return True
    return False


def _suppress(values: np.ndarray, threshold: int) -> np.ndarray:
    """Primary plus complementary suppression of a table whose last row/column are totals."""
    mask = (values > 0) & (values < threshold)
    lines = _lines(*values.shape)
    _line_rule(values, mask, lines)
    while _fix_one_bridge(values, mask):
        _line_rule(values, mask, lines)
    return mask


def suppression_mask(
    counts: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, totals: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decide which cells of a two-way table of counts of people must be hidden.

    Args:
        counts: Table of non-negative integer counts (e.g. a ``pd.crosstab`` without
            margins).
        threshold: Counts with ``0 < n < threshold`` are primary suppressions.
        totals: When True, a total column and a total row labelled ``"total"`` are appended
            and protected with the table. When False the returned table has no margins, but
            the mask is still computed as if the margins were published (they usually can
            be derived from other tables), then the margins are dropped.

    Returns:
        ``(table, mask)``: the integer table (with totals when ``totals``) and a boolean
        DataFrame of the same shape, True where the cell must be hidden.

    Raises:
        ValueError: If counts are negative, fractional or missing, or a label is ``"total"``.

    Example:
        >>> import pandas as pd
        >>> counts = pd.DataFrame({"a": [3, 10], "b": [20, 30]}, index=["x", "y"])
        >>> table, mask = suppression_mask(counts)
        >>> table.loc["total", "total"]
        np.int64(63)
        >>> mask.loc["x"].tolist(), mask.loc["total"].tolist()
        ([True, True, False], [False, False, False])
    """
    threshold = _check_threshold(threshold)
    inner = _as_counts(counts.to_numpy(dtype=float, na_value=np.nan), "counts")
    full = np.zeros((inner.shape[0] + 1, inner.shape[1] + 1), dtype=np.int64)
    full[:-1, :-1] = inner
    full[:-1, -1] = inner.sum(axis=1)
    full[-1, :] = full[:-1, :].sum(axis=0)
    mask = _suppress(full, threshold)
    if not totals:
        table = pd.DataFrame(inner, index=counts.index, columns=counts.columns)
        return table, pd.DataFrame(mask[:-1, :-1], index=counts.index, columns=counts.columns)
    index = _append_label(counts.index, TOTAL_LABEL)
    columns = _append_label(counts.columns, TOTAL_LABEL)
    return (
        pd.DataFrame(full, index=index, columns=columns),
        pd.DataFrame(mask, index=index, columns=columns),
    )


def _display(values: Iterable[Any], masked: Iterable[bool], lang: str, threshold: int) -> list:
    """Display strings: ``<threshold`` for small hidden counts, ``x`` for complementary ones.

    A complementary cell is at least ``threshold`` (every smaller positive count is already a
    primary suppression), so printing ``<5`` for it would be false.
    """
    small = t("suppressed", lang, threshold=threshold)
    other = t("suppressed_complementary", lang)
    return [
        (small if v < threshold else other) if m else format_count(v, lang)
        for v, m in zip(values, masked, strict=True)
    ]


def _rename_total(index: pd.Index, lang: str) -> pd.Index:
    """Replace the trailing ``"total"`` label by its translation."""
    return _append_label(index[:-1], t("total", lang))


def protect(
    counts: pd.DataFrame, lang: str, threshold: int = DEFAULT_THRESHOLD, totals: bool = True
) -> pd.DataFrame:
    """Turn a two-way table of counts of people into safe display strings.

    Args:
        counts: Table of non-negative integer counts.
        lang: ``"vi"`` or ``"en"``.
        threshold: Smallest count that may be shown.
        totals: Whether to append (protected) totals, labelled with the ``total`` message.

    Returns:
        DataFrame of strings: formatted counts; hidden cells show the ``suppressed``
        message (``"<5"``) when they are primary suppressions and the
        ``suppressed_complementary`` message (``"x"``) when they were hidden only to protect
        another cell (such a cell is at least ``threshold``, so ``"<5"`` would be false).

    Example:
        >>> import pandas as pd
        >>> counts = pd.DataFrame({"a": [3, 10], "b": [20, 30]}, index=["x", "y"])
        >>> protect(counts, "vi").loc["Tổng"].tolist()
        ['13', '50', '63']
    """
    threshold = _check_threshold(threshold)
    table, mask = suppression_mask(counts, threshold=threshold, totals=totals)
    rows = [_display(table.iloc[i], mask.iloc[i], lang, threshold) for i in range(table.shape[0])]
    index, columns = table.index, table.columns
    if totals:
        index, columns = _rename_total(index, lang), _rename_total(columns, lang)
    return pd.DataFrame(rows, index=index, columns=columns, dtype=object)


def protect_series(
    s: pd.Series, lang: str, threshold: int = DEFAULT_THRESHOLD, total: bool = True
) -> pd.Series:
    """Protect a one-way breakdown of counts of people (e.g. beneficiaries by ethnicity).

    The same rules as ``suppression_mask`` with a single line: small counts are hidden and,
    when exactly one cell is hidden, the smallest other positive count (or, failing that,
    the total) is hidden too, so the hidden count is not the total minus the visible ones.

    Args:
        s: Non-negative integer counts.
        lang: ``"vi"`` or ``"en"``.
        threshold: Smallest count that may be shown.
        total: Whether to append the total (labelled with the ``total`` message). When
            False, protection still assumes the total may be known from elsewhere.

    Returns:
        Series of display strings (``"<5"`` for small counts, ``"x"`` for complementary
        suppressions).

    Example:
        >>> import pandas as pd
        >>> protect_series(pd.Series({"hmong": 40, "thai": 12, "kinh": 2}), "en").tolist()
        ['40', 'x', '<5', '54']
    """
    threshold = _check_threshold(threshold)
    inner = _as_counts(s.to_numpy(dtype=float, na_value=np.nan), "counts")
    full = np.append(inner, inner.sum()).reshape(1, -1)
    mask = (full > 0) & (full < threshold)
    _line_rule(full, mask, [([(0, j) for j in range(full.shape[1])], (0, full.shape[1] - 1))])
    shown = _display(full[0], mask[0], lang, threshold)
    if total:
        return pd.Series(shown, index=_append_label(s.index, t("total", lang)), name=s.name)
    return pd.Series(shown[:-1], index=s.index, name=s.name, dtype=object)


_NUMBER = re.compile(r"-?\d{1,3}(?:[.,\u00a0 ]\d{3})+|-?\d+")


def is_safe(display: pd.DataFrame | pd.Series, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """Check that a displayed people-count table shows no count strictly between 0 and threshold.

    Strings are read as integers with ``.``/``,``/space grouping (either language); other
    strings such as ``"<5"`` or ``"—"`` are ignored. Index labels are not checked.

    Args:
        display: Output of ``protect``/``protect_series`` (or a table of raw numbers).
        threshold: Smallest count that may be shown.

    Returns:
        True when the table is safe.

    Example:
        >>> import pandas as pd
        >>> is_safe(pd.DataFrame({"a": ["<5", "1.234"]})), is_safe(pd.Series(["3"]))
        (True, False)
    """
    frame = display.to_frame() if isinstance(display, pd.Series) else display
    for value in frame.to_numpy().ravel():
        if isinstance(value, str):
            if not _NUMBER.fullmatch(value.strip()):
                continue
            number = int(re.sub(r"[.,\u00a0 ]", "", value.strip()))
        elif isinstance(value, int | float | np.integer | np.floating) and not pd.isna(value):
            number = value
        else:
            continue
        if 0 < number < threshold:
            return False
    return True


# ---------------------------------------------------------------------- one report, one ledger
Key = tuple
"""A published count's identity: what it counts, e.g. ``("reached", 2024, "charity_house")``.

Two cells of different tables with the same key are the same figure: they are shown or
hidden together."""


class Ledger:
    """Every count of people one report publishes, and which of them must be hidden.

    A report registers each count it will publish (:meth:`count`), the additive identities
    among them (:meth:`line`: parts that sum to a total, in any table or sentence), and the
    counts that stand or fall together (:meth:`together`: the cells of one table row, say).
    :meth:`solve` then decides, once for the whole report and before anything is formatted:

    1. *Primary*: every count with ``0 < n < threshold`` is hidden, with everything tied to it.
    2. *Line rule*: a line (parts and total) with exactly one hidden count gets a second one,
       the smallest positive visible part (the total only when no part is left).
    3. *Audit*: a hidden count is still recoverable when the lines, with the visible counts
       known, determine it (its unit vector lies in the row space of the lines restricted to
       the hidden counts: a rank test). Then the smallest positive visible count sharing a
       line with it is hidden too, and steps 2–3 repeat.

    Figures computed from counts (a share, an amount per person, a mean) ask
    :meth:`any_hidden` of the counts they use and are hidden with them.

    Example:
        >>> ledger = Ledger(threshold=5)
        >>> ledger.line({("t", "a"): 3, ("t", "b"): 10, ("t", "c"): 20}, (("t", "all"), 33))
        >>> ledger.solve()
        >>> ledger.state(("t", "a")), ledger.state(("t", "b")), ledger.state(("t", "all"))
        ('primary', 'complementary', 'shown')
    """

    def __init__(self, threshold: int = DEFAULT_THRESHOLD):
        self.threshold = _check_threshold(threshold)
        self.values: dict[Key, int] = {}
        self.not_people: set[Key] = set()
        self.lines: list[tuple[tuple[Key, ...], Key]] = []
        self.groups: list[frozenset[Key]] = []
        self._hidden: dict[Key, str] | None = None

    # ------------------------------------------------------------------ registering
    def count(self, key: Key, value: Any, people: bool = True) -> Key:
        """Register a published count; the same key must always have the same value.

        ``people=False`` marks a count of something else (calves born, animals sold) that
        takes part in lines with counts of people: it is never hidden for being small, but
        it is hidden when it would reveal a hidden count.
        """
        if self._hidden is not None:
            raise RuntimeError("the ledger is already solved: register every count first")
        n = int(_as_counts([value], f"count {key!r}")[0])
        if key in self.values and self.values[key] != n:
            raise ValueError(f"count {key!r} registered as {self.values[key]} and as {n}")
        self.values[key] = n
        if not people:
            self.not_people.add(key)
        return key

    def line(self, parts: dict[Key, Any], total: tuple[Key, Any], people: bool = True) -> None:
        """Register counts whose sum is published (or can be worked out) as ``total``.

        Raises:
            ValueError: when the parts do not add up to the total (then they are no line).
        """
        for key, value in parts.items():
            self.count(key, value, people)
        self.count(*total, people)
        found = sum(self.values[k] for k in parts)
        if found != self.values[total[0]]:
            raise ValueError(f"{total[0]!r}: parts add up to {found}, not {total[1]}")
        self.lines.append((tuple(parts), total[0]))

    def together(self, keys: Iterable[Key]) -> None:
        """Counts shown or hidden together (the cells of one row of a table)."""
        group = frozenset(keys)
        missing = [k for k in group if k not in self.values]
        if missing:
            raise KeyError(f"register these counts first: {missing}")
        self.groups.append(group)

    # ------------------------------------------------------------------ deciding
    def solve(self) -> None:
        """Decide which counts are hidden (idempotent)."""
        if self._hidden is not None:
            return
        hidden: dict[Key, str] = {}
        for key, value in self.values.items():
            if 0 < value < self.threshold and key not in self.not_people:
                hidden[key] = "primary"
        self._spread(hidden)
        while True:
            self._line_rule(hidden)
            derivable = self._derivable(hidden)
            if derivable is None:
                break
            partner = self._partner(derivable, hidden)
            if partner is None:  # only zeros left around it: nothing more can be hidden
                break
            hidden[partner] = "complementary"
            self._spread(hidden)
        self._hidden = hidden

    def _spread(self, hidden: dict[Key, str]) -> None:
        changed = True
        while changed:
            changed = False
            for group in self.groups:
                if any(k in hidden for k in group):
                    for k in group:
                        if k not in hidden and self.values[k] > 0:
                            hidden[k] = "complementary"
                            changed = True

    def _line_rule(self, hidden: dict[Key, str]) -> None:
        changed = True
        while changed:
            changed = False
            for parts, total in self.lines:
                members = [*parts, total]
                if sum(k in hidden for k in members) != 1:
                    continue
                free = [k for k in parts if k not in hidden and self.values[k] > 0]
                if not free and total not in hidden and self.values[total] > 0:
                    free = [total]
                if free:
                    pick = min(free, key=lambda k: (self.values[k], repr(k)))
                    hidden[pick] = "complementary"
                    self._spread(hidden)
                    changed = True

    def _derivable(self, hidden: dict[Key, str]) -> Key | None:
        """The first hidden count the lines determine from the visible ones, if any."""
        keys = sorted((k for k in hidden if self.values[k] > 0), key=repr)
        if not keys or not self.lines:
            return None
        column = {k: i for i, k in enumerate(keys)}
        rows = []
        for parts, total in self.lines:
            row = np.zeros(len(keys))
            for k in parts:
                if k in column:
                    row[column[k]] += 1.0
            if total in column:
                row[column[total]] -= 1.0
            if row.any():
                rows.append(row)
        if not rows:
            return None
        matrix = np.vstack(rows)
        rank = np.linalg.matrix_rank(matrix)
        for k in keys:
            unit = np.zeros(len(keys))
            unit[column[k]] = 1.0
            if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
                return k
        return None

    def _partner(self, key: Key, hidden: dict[Key, str]) -> Key | None:
        """The smallest positive visible count sharing a line with ``key`` (parts first)."""
        candidates = []
        for parts, total in self.lines:
            if key not in parts and key != total:
                continue
            for k in (*parts, total):
                if k not in hidden and self.values[k] > 0:
                    candidates.append((k == total, self.values[k], repr(k), k))
        return min(candidates)[3] if candidates else None

    # ------------------------------------------------------------------ reading
    def _decided(self) -> dict[Key, str]:
        if self._hidden is None:
            self.solve()
        return self._hidden

    def state(self, key: Key) -> str:
        """``primary`` (a small count), ``complementary`` (hidden to protect another) or
        ``shown``."""
        if key not in self.values:
            raise KeyError(f"count {key!r} was not registered: every published count must be")
        return self._decided().get(key, "shown")

    def is_hidden(self, key: Key) -> bool:
        return self.state(key) != "shown"

    def any_hidden(self, keys: Iterable[Key]) -> bool:
        """Whether a figure computed from ``keys`` must be hidden."""
        return any(self.is_hidden(k) for k in keys)

    def show(self, key: Key, lang: str) -> str:
        """The count as a report shows it: the number, ``<5`` or ``x``."""
        state = self.state(key)
        if state == "primary":
            return t("suppressed", lang, threshold=self.threshold)
        if state == "complementary":
            return t("suppressed_complementary", lang)
        return format_count(self.values[key], lang)

    def hidden_keys(self) -> dict[Key, str]:
        """Every hidden count and why (for tests and the methods section)."""
        return dict(self._decided())
