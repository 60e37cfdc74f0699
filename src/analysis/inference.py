"""Inference for small numbers of units: randomisation inference and the bootstrap.

The programme works with five partner communes and a handful of comparison communes, so
large-sample tools do not apply. ``did_permutation`` compares partner and comparison units
with a difference-in-differences whose p-value comes from reassigning the "treated" label
over units (within strata, e.g. districts, when asked); ``staggered_did`` does the same for
units that enter at different times (cohorts), each treated unit compared with the controls
over its own exposure periods; ``bootstrap_ci`` gives percentile intervals for simple
descriptive statistics.

Example:
    >>> import pandas as pd
    >>> panel = pd.DataFrame({
    ...     "commune": ["a", "a", "b", "b", "c", "c", "d", "d"],
    ...     "year": [2020, 2024] * 4,
    ...     "y": [10, 14, 20, 22, 5, 6, 8, 8],
    ...     "partner": [True] * 4 + [False] * 4,
    ... })
    >>> res = did_permutation(panel, unit="commune", time="year", outcome="y",
    ...                       treated="partner", pre=[2020], post=[2024])
    >>> res.estimate, res.n_assignments
    (2.5, 6)
"""

from __future__ import annotations

import contextlib
import itertools
import math
import warnings
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BootstrapResult",
    "DidResult",
    "StaggeredDid",
    "Window",
    "bootstrap_ci",
    "count_assignments",
    "did_permutation",
    "staggered_did",
]

_TOLERANCE = 1e-12
_RELATIVE_TOLERANCE = 1e-9
_CHUNK_CELLS = 2_000_000
"""Most values (assignments x units x periods) the staggered statistic holds at once."""


@dataclass(frozen=True)
class DidResult:
    """Difference-in-differences estimate with a randomisation-inference p-value.

    Attributes:
        estimate: Mean change of treated units minus mean change of control units.
        p_value: Two-sided randomisation p-value (share of assignments at least as extreme).
        min_p_value: Smallest p-value the design can reach: ``1 / n_assignments``, or
            ``2 / n_assignments`` when every stratum is split half and half between one
            treated label and control (each assignment's mirror image then gives the
            opposite estimate).
        n_treated: Number of treated units kept.
        n_control: Number of control units kept.
        n_assignments: Number of assignments compared (all of them when ``exact``; otherwise
            the random draws plus the observed assignment).
        exact: True when every assignment was enumerated.
        treated_change: Mean post-minus-pre change of treated units.
        control_change: Mean post-minus-pre change of control units (for a staggered design:
            over each treated unit's own periods, averaged over the treated units).
        dropped_units: Units without a pre or a post observation.
        distribution: The estimate under every assignment compared (for a chart; an
            assignment whose estimate is undefined is left out).
        n_strata: Number of strata within which the labels were permuted (1: none).

    Example:
        >>> DidResult(1.0, 0.5, 1 / 6, 2, 2, 6, True, 2.0, 1.0, ()).estimate
        1.0
    """

    estimate: float
    p_value: float
    min_p_value: float
    n_treated: int
    n_control: int
    n_assignments: int
    exact: bool
    treated_change: float
    control_change: float
    dropped_units: tuple[Hashable, ...]
    distribution: tuple[float, ...] = ()
    n_strata: int = 1


@dataclass(frozen=True)
class BootstrapResult:
    """Point estimate with a percentile bootstrap interval.

    Attributes:
        estimate: Statistic on the full sample (NaN when the sample is empty).
        low: Lower bound of the interval (NaN when ``n < 2``).
        high: Upper bound of the interval (NaN when ``n < 2``).
        n: Number of non-missing values used.
        level: Confidence level, e.g. 0.95.

    Example:
        >>> BootstrapResult(2.0, 1.0, 3.0, 10, 0.95).high
        3.0
    """

    estimate: float
    low: float
    high: float
    n: int
    level: float


def _periods(value: Any) -> list[Any]:
    """Accept one period or an iterable of periods."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return [value]
    return list(value)


# ------------------------------------------------------------------ stratified assignments


def count_assignments(strata: Sequence[Hashable], labels: Sequence[Hashable]) -> int:
    """Number of distinct assignments that keep each stratum's count of every label.

    Definition: within a stratum of ``n`` units holding ``n_1, n_2, ...`` units of each label
    (control being one label), there are ``n! / (n_1! n_2! ...)`` distinct arrangements (the
    multinomial coefficient; ``C(n, k)`` with one treated label); the strata are permuted
    independently, so the design's count is the product over strata.

    Args:
        strata: Each unit's stratum.
        labels: Each unit's label (e.g. 0 for control, a cohort for treated units).

    Returns:
        The number of assignments (the observed one included).

    Example:
        >>> count_assignments(["a"] * 4 + ["b"] * 3, [1, 0, 0, 0, 1, 0, 0])  # 4 x 3
        12
        >>> count_assignments(["a"] * 5, [1, 2, 0, 0, 0])  # 5! / (1! 1! 3!)
        20
    """
    counts: dict[Hashable, Counter] = {}
    for stratum, label in zip(strata, labels, strict=True):
        counts.setdefault(stratum, Counter())[label] += 1
    total = 1
    for held in counts.values():
        ways = math.factorial(sum(held.values()))
        for c in held.values():
            ways //= math.factorial(c)
        total *= ways
    return total


def _arrangements(labels: np.ndarray) -> np.ndarray:
    """Every distinct ordering of a multiset of labels, one per row."""
    n = labels.size
    values, counts = np.unique(labels, return_counts=True)
    if values.size == 1:
        return labels[None, :].copy()
    if values.size == 2:  # the common case, vectorised: choose the positions of one label
        k = int(counts[1])
        combos = np.fromiter(
            itertools.chain.from_iterable(itertools.combinations(range(n), k)), dtype=np.intp
        ).reshape(-1, k)
        out = np.full((combos.shape[0], n), values[0], dtype=labels.dtype)
        np.put_along_axis(out, combos, values[1], axis=1)
        return out
    rows: list[tuple[np.ndarray, tuple[int, ...]]] = [
        (np.full(n, values[-1], dtype=labels.dtype), tuple(range(n)))
    ]
    for value, count in zip(values[:-1], counts[:-1], strict=True):
        grown = []
        for row, free in rows:
            for chosen in itertools.combinations(free, int(count)):
                new = row.copy()
                new[list(chosen)] = value
                grown.append((new, tuple(i for i in free if i not in chosen)))
        rows = grown
    return np.array([row for row, _ in rows])


def _stratified_assignments(
    strata: np.ndarray, labels: np.ndarray, max_exact: int, n_draws: int, seed: int
) -> tuple[np.ndarray, bool]:
    """Assignments of ``labels`` that permute them within each stratum only.

    Returns:
        ``(assignments, exact)``: one row per assignment, one column per unit. When the
        count of assignments (:func:`count_assignments`) is at most ``max_exact`` every
        distinct assignment is listed once (``exact``); otherwise the observed assignment
        (first row) and ``n_draws`` random ones, each stratum shuffled independently.
    """
    groups = [np.flatnonzero(strata == s) for s in pd.unique(strata)]
    if count_assignments(strata, labels) <= max_exact:
        out = np.empty((1, labels.size), dtype=labels.dtype)
        for idx in groups:
            block = _arrangements(labels[idx])
            grown = np.repeat(out, block.shape[0], axis=0)
            grown[:, idx] = np.tile(block, (out.shape[0], 1))
            out = grown
        return out, True
    rng = np.random.default_rng(seed)
    out = np.empty((n_draws + 1, labels.size), dtype=labels.dtype)
    out[0] = labels
    for idx in groups:
        out[1:, idx] = rng.permuted(np.tile(labels[idx], (n_draws, 1)), axis=1)
    return out, False


def _mirrored(strata: np.ndarray, labels: np.ndarray, one_window: bool = True) -> bool:
    """True when every stratum is half control, half treated units all compared over the
    same periods (``one_window``): swapping treated and controls in every stratum then gives
    the opposite estimate, so a two-sided p-value cannot go below 2 / #assignments."""
    if not one_window:
        return False
    return all(
        2 * int(np.sum(labels[strata == s] != 0)) == int(np.sum(strata == s))
        for s in pd.unique(strata)
    )


def _randomisation_p(
    observed: float, distribution: np.ndarray, exact: bool, mirrored: bool
) -> tuple[float, float, tuple[float, ...]]:
    """Two-sided p-value, smallest reachable p and the defined estimates of the distribution.

    ``p = #{assignments with |estimate| >= |observed|} / #assignments``; the distribution holds
    every assignment compared, the observed one included, so ``p >= 1 / #assignments``. An
    assignment whose estimate is undefined (NaN) counts in the denominator, never as extreme.
    """
    n = distribution.size
    tolerance = max(_TOLERANCE, _RELATIVE_TOLERANCE * abs(observed))
    with np.errstate(invalid="ignore"):
        extreme = int(np.sum(np.abs(distribution) >= abs(observed) - tolerance))
    floor = 2 if exact and mirrored else 1
    defined = distribution[~np.isnan(distribution)]
    return extreme / n, floor / n, tuple(defined.tolist())


# ------------------------------------------------------------------ two-group DiD


def _unit_status(panel: pd.DataFrame, unit: str, column: str, what: str) -> pd.Series:
    """A column's value per unit (sorted by unit), which must be constant within a unit."""
    if panel[column].isna().any():
        raise ValueError(f"column {column!r} has missing values")
    status = panel.groupby(unit, sort=True)[column].agg(["nunique", "first"])
    varying = status.index[status["nunique"] > 1].tolist()
    if varying:
        raise ValueError(f"{what} varies within unit(s) {varying}")
    return status["first"]


def _check_did_arguments(
    panel: pd.DataFrame, columns: Sequence[str | None], pre: Any, post: Any, limits: Sequence[int]
) -> tuple[list[Any], list[Any]]:
    """Columns present, pre and post periods given and disjoint, positive limits."""
    missing = [c for c in columns if c is not None and c not in panel.columns]
    if missing:
        raise KeyError(f"panel has no column(s) {missing}")
    pre_periods, post_periods = _periods(pre), _periods(post)
    if not pre_periods or not post_periods:
        raise ValueError("pre and post must each name at least one period")
    overlap = set(pre_periods) & set(post_periods)
    if overlap:
        raise ValueError(f"periods {sorted(overlap)} are in both pre and post")
    if min(limits) < 1:
        raise ValueError("max_exact and n_draws must be positive")
    return pre_periods, post_periods


def did_permutation(
    panel: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: str,
    pre: Sequence[Any] | Any,
    post: Sequence[Any] | Any,
    strata: str | None = None,
    max_exact: int = 200_000,
    n_draws: int = 20_000,
    seed: int = 20240101,
) -> DidResult:
    """Difference-in-differences over units with a randomisation-inference p-value.

    For each unit, ``change = mean(outcome over post) - mean(outcome over pre)``, ignoring
    missing outcomes; a unit lacking a pre or a post value is dropped and reported. The
    estimate is ``mean(change | treated) - mean(change | control)``. Its p-value compares it
    with the estimates obtained by giving the "treated" label to every other set of ``k`` of
    the ``n`` kept units: ``p = #{assignments with |estimate| >= |observed|} / #assignments``
    (two-sided; the observed assignment counts, so ``p >= 1 / #assignments``). With
    ``strata``, the label is permuted within each stratum only, keeping each stratum's number
    of treated units: ``prod over strata of C(n_s, k_s)`` assignments instead of ``C(n, k)``
    (the design of units matched within strata, e.g. districts). When the count is at most
    ``max_exact`` all assignments are enumerated (``exact=True``); otherwise ``n_draws``
    random assignments plus the observed one are used.

    Why not a t-test with cluster-robust standard errors? With five treated communes,
    cluster-robust (and wild-bootstrap) inference over-rejects badly: the variance estimate
    relies on the few treated clusters, and rejection rates of a nominal 5% test can exceed
    50% when only one or two clusters are treated (MacKinnon & Webb 2017, "Wild bootstrap
    inference for wildly different cluster sizes"; 2018, "The wild bootstrap for few
    (treated) clusters"). Randomisation inference is exact under the sharp null of no effect
    for any unit, whatever the number of units, at the price of a coarse p-value: with 5
    treated among 10 units there are only C(10, 5) = 252 assignments and, because each
    assignment's mirror image gives the opposite estimate, a two-sided p-value cannot go
    below 2/252. When the treated units were chosen rather than drawn, the p-value is
    descriptive: how unusual the estimate is among the assignments the design allows.

    Args:
        panel: Long data, one row per unit and period.
        unit: Column identifying units (e.g. communes).
        time: Column with the period (e.g. year).
        outcome: Numeric outcome column.
        treated: Boolean (or 0/1) column, constant within each unit.
        pre: Period(s) before the programme.
        post: Period(s) after (or during) the programme.
        strata: Column with each unit's stratum (constant within a unit), or None for one
            stratum.
        max_exact: Largest number of assignments enumerated exactly.
        n_draws: Number of random assignments when enumeration is too large.
        seed: Seed for ``numpy.random.default_rng``.

    Returns:
        A ``DidResult``.

    Raises:
        KeyError: If a column is missing.
        ValueError: If ``pre`` and ``post`` overlap, treatment or stratum varies within a
            unit or is missing, or fewer than one treated or one control unit remain.

    Example:
        >>> import pandas as pd
        >>> panel = pd.DataFrame({"u": [1, 1, 2, 2], "t": [0, 1, 0, 1],
        ...                       "y": [0.0, 3.0, 0.0, 1.0], "d": [1, 1, 0, 0]})
        >>> r = did_permutation(panel, unit="u", time="t", outcome="y", treated="d",
        ...                     pre=0, post=1)
        >>> r.estimate, r.p_value
        (2.0, 1.0)
    """
    pre_periods, post_periods = _check_did_arguments(
        panel, (unit, time, outcome, treated, strata), pre, post, (max_exact, n_draws)
    )
    is_treated = _unit_status(panel, unit, treated, "treatment status").astype(bool)
    stratum = (
        _unit_status(panel, unit, strata, "stratum")
        if strata is not None
        else pd.Series(0, index=is_treated.index)
    )
    y = pd.to_numeric(panel[outcome], errors="raise").astype(float)
    data = pd.DataFrame({"unit": panel[unit], "y": y})
    pre_mean = data[panel[time].isin(pre_periods)].groupby("unit")["y"].mean()
    post_mean = data[panel[time].isin(post_periods)].groupby("unit")["y"].mean()
    units = is_treated.index
    change = (post_mean.reindex(units) - pre_mean.reindex(units)).dropna()
    dropped = tuple(u for u in units if u not in change.index)
    flags = is_treated.reindex(change.index).to_numpy()
    n_treated, n_control = int(flags.sum()), int((~flags).sum())
    if n_treated < 1 or n_control < 1:
        raise ValueError(
            f"need at least one treated and one control unit with pre and post outcomes; "
            f"got {n_treated} treated and {n_control} control (dropped: {list(dropped)})"
        )
    groups = stratum.reindex(change.index).to_numpy()
    return _two_group_result(change.to_numpy(), flags, groups, dropped, (max_exact, n_draws, seed))


def _two_group_result(
    values: np.ndarray,
    flags: np.ndarray,
    groups: np.ndarray,
    dropped: tuple[Hashable, ...],
    limits: tuple[int, int, int],
) -> DidResult:
    """The two-group estimate from the units' changes, and its stratified permutation."""
    treated_change = float(values[flags].mean())
    control_change = float(values[~flags].mean())
    estimate = treated_change - control_change
    labels = flags.astype(np.int8)
    assignments, exact = _stratified_assignments(groups, labels, *limits)
    sums = (assignments == 1) @ values
    total, k, n = values.sum(), int(flags.sum()), values.size
    perm = sums / k - (total - sums) / (n - k)
    p_value, min_p, distribution = _randomisation_p(
        estimate, perm, exact, _mirrored(groups, labels)
    )
    return DidResult(
        estimate=float(estimate),
        p_value=p_value,
        min_p_value=min_p,
        n_treated=k,
        n_control=n - k,
        n_assignments=int(perm.size),
        exact=exact,
        treated_change=treated_change,
        control_change=control_change,
        dropped_units=dropped,
        distribution=distribution,
        n_strata=int(pd.unique(groups).size),
    )


# ------------------------------------------------------------------ staggered DiD


@dataclass(frozen=True)
class Window:
    """A treated unit's comparison: its baseline periods, its exposure periods, its cohort.

    Attributes:
        pre: Baseline periods (before the unit's exposure).
        post: The unit's own exposure periods (only these count as treated).
        cohort: The unit's cohort (e.g. its first exposure year), for per-cohort estimates.

    Example:
        >>> Window((2019, 2020), (2024, 2025), 2024).post
        (2024, 2025)
    """

    pre: tuple[Any, ...]
    post: tuple[Any, ...]
    cohort: Hashable = None


@dataclass(frozen=True, eq=False)
class StaggeredDid:
    """A staggered difference-in-differences with its randomisation distributions.

    Attributes:
        result: Unweighted estimate: the mean over treated units of each unit's effect.
        weighted: Weighted estimate (weights of the treated units; controls averaged with
            their weights), on the same assignments; None without weights.
        units: One row per unit kept: unit, stratum, group (``treated``/``control``), cohort,
            pre_mean, post_mean, change (post_mean - pre_mean), control_change (treated: the
            controls' mean change over the unit's own periods), effect (change -
            control_change; NaN for controls), weight; treated first, then by unit.
        cohorts: One row per cohort: cohort, n_treated, share (n_treated / all treated: the
            cohort's weight in ``result``), first_post, last_post, estimate, p_value,
            estimate_weighted, p_value_weighted (NaN without weights).
        strata: One row per stratum: stratum, n_treated, n_control, n_assignments (distinct
            arrangements of its labels).
    """

    result: DidResult
    weighted: DidResult | None
    units: pd.DataFrame
    cohorts: pd.DataFrame
    strata: pd.DataFrame


@dataclass(frozen=True)
class _Design:
    """The arrays of a staggered design, units in a fixed order."""

    units: list[Hashable]
    strata: np.ndarray  # stratum per unit
    labels: np.ndarray  # 0 control, l >= 1 the unit's window (index into windows + 1)
    windows: list[Window]  # distinct windows
    deltas: np.ndarray  # window x unit x period: outcome - baseline mean, NaN off window
    pre_means: np.ndarray  # window x unit
    outcome: np.ndarray  # unit x period
    periods: list[Any]  # the columns of outcome and deltas
    weights: np.ndarray  # per unit (ones when unweighted)


def _wide(panel: pd.DataFrame, unit: str, time: str, outcome: str) -> pd.DataFrame:
    """Outcome per unit (rows) and period (columns); duplicated unit-periods are refused."""
    missing = [c for c in (unit, time, outcome) if c not in panel.columns]
    if missing:
        raise KeyError(f"panel has no column(s) {missing}")
    if panel.duplicated([unit, time]).any():
        raise ValueError("the panel has more than one row for a unit and period")
    y = pd.to_numeric(panel[outcome], errors="raise").astype(float)
    frame = pd.DataFrame({"u": panel[unit].to_numpy(), "t": panel[time].to_numpy(), "y": y})
    return frame.pivot(index="u", columns="t", values="y")


def _window_arrays(
    wide: pd.DataFrame, windows: list[Window]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per window: baseline mean of every unit and its deviations over the window's periods.

    Returns:
        ``(deltas, pre_means, has_data)``: ``deltas[w, u, t] = y[u, t] - mean(y[u, pre_w])``
        for t in ``post_w`` (NaN elsewhere or when missing); ``has_data[w, u]`` when unit
        ``u`` has a baseline value and at least one value in ``post_w``.
    """
    y = wide.to_numpy(float)
    periods = list(wide.columns)
    deltas = np.full((len(windows), *y.shape), np.nan)
    pre_means = np.full((len(windows), y.shape[0]), np.nan)
    for w, window in enumerate(windows):
        pre_cols = [periods.index(p) for p in window.pre if p in periods]
        post_cols = [periods.index(p) for p in window.post if p in periods]
        with np.errstate(invalid="ignore"), _silenced():
            base = np.nanmean(y[:, pre_cols], axis=1) if pre_cols else np.full(y.shape[0], np.nan)
        pre_means[w] = base
        deltas[w][:, post_cols] = y[:, post_cols] - base[:, None]
    has_data = ~np.isnan(pre_means) & (~np.isnan(deltas)).any(axis=2)
    return deltas, pre_means, has_data


@contextlib.contextmanager
def _silenced():
    """Silence numpy's "mean of empty slice" warning (an all-NaN mean is NaN on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _kept(labels: np.ndarray, strata: np.ndarray, has_data: np.ndarray) -> np.ndarray:
    """Units whose every reassignment within their stratum can be computed.

    A treated unit needs a baseline and a post value for its own window; then every unit
    (treated or control) needs them for every window held in its stratum, and a unit of a
    stratum holding none needs them for at least one window. Repeated until nothing changes.
    """
    n = labels.size
    keep = np.ones(n, dtype=bool)
    treated = labels > 0
    keep[treated] = has_data[labels[treated] - 1, np.flatnonzero(treated)]
    while True:
        new = keep.copy()
        for s in pd.unique(strata):
            members = np.flatnonzero((strata == s) & keep)
            held = np.unique(labels[members][labels[members] > 0]) - 1
            if held.size:
                ok = has_data[np.ix_(held, members)].all(axis=0)
            else:
                ok = has_data[:, members].any(axis=0)
            new[members] &= ok
        if (new == keep).all():
            return keep
        keep = new


def _control_means(assign: np.ndarray, deltas: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean deviation of each assignment's controls (label 0), per period.

    Definition: ``C[r, t] = sum_j w_j dev_jt / sum_j w_j`` over the controls ``j`` of
    assignment ``r`` with a value in period ``t`` (NaN when none has).
    """
    valid = ~np.isnan(deltas)
    w = (assign == 0) * weights
    num = w @ np.where(valid, deltas, 0.0)
    den = w @ valid.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _label_effects(
    assign: np.ndarray, label: int, deltas: np.ndarray, control: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The units holding ``label`` in each assignment, with their effects.

    Definition: for a holder ``u``, over the periods ``t`` of its window where it and the
    controls both have a value, ``treated = mean_t dev_ut``, ``control = mean_t C_t`` and
    ``effect = treated - control`` (NaN when no such period).

    Returns:
        ``(units, effect, treated, control)``, each of shape (assignments, holders).
    """
    m = assign.shape[0]
    _, cols = np.nonzero(assign == label)
    cols = cols.reshape(m, -1)
    dev = deltas[cols]
    ctl = np.broadcast_to(control[:, None, :], dev.shape)
    ok = ~np.isnan(dev) & ~np.isnan(ctl)
    n = ok.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        treated = np.where(ok, dev, 0.0).sum(axis=2) / n
        ctl_mean = np.where(ok, ctl, 0.0).sum(axis=2) / n
    return cols, treated - ctl_mean, treated, ctl_mean


def _estimates(
    assign: np.ndarray, design: _Design, weights: np.ndarray, cohort_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Overall and per-cohort estimates of each assignment (rows of ``assign``).

    Definition: the weighted mean of the defined effects of the treated units (all of them,
    or a cohort's); with unit weights, the plain mean over treated units, which is the mean
    of the cohort estimates weighted by their numbers of treated units.
    """
    n_cohorts = int(cohort_of.max()) + 1
    sums = np.zeros((assign.shape[0], n_cohorts))
    totals = np.zeros_like(sums)
    for label in range(1, len(design.windows) + 1):
        if not (assign[0] == label).any():
            continue
        deltas = design.deltas[label - 1]
        control = _control_means(assign, deltas, weights)
        cols, effect, _, _ = _label_effects(assign, label, deltas, control)
        w = np.where(np.isnan(effect), 0.0, weights[cols])
        cohort = cohort_of[label - 1]
        sums[:, cohort] += (np.where(w > 0, effect, 0.0) * w).sum(axis=1)
        totals[:, cohort] += w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = sums.sum(axis=1) / totals.sum(axis=1)
        by_cohort = np.where(totals > 0, sums / totals, np.nan)
    overall[totals.sum(axis=1) == 0] = np.nan
    return overall, by_cohort


def _all_estimates(
    assignments: np.ndarray, design: _Design, weights: np.ndarray, cohort_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_estimates` over every assignment, in chunks that bound the memory used."""
    cells = max(1, design.deltas.shape[1] * design.deltas.shape[2])
    step = max(1, _CHUNK_CELLS // cells)
    parts = [
        _estimates(assignments[i : i + step], design, weights, cohort_of)
        for i in range(0, assignments.shape[0], step)
    ]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _staggered_design(
    panel: pd.DataFrame,
    columns: tuple[str, str, str],
    windows: Mapping[Hashable, Window],
    controls: Iterable[Hashable],
    strata: Mapping[Hashable, Hashable] | None,
    weights: Mapping[Hashable, float] | None,
) -> tuple[_Design, tuple[Hashable, ...]]:
    """Check the inputs and lay the design out as arrays; returns it and the dropped units."""
    controls = list(dict.fromkeys(controls))
    both = sorted(set(windows) & set(controls), key=str)
    if both:
        raise ValueError(f"units {both} are both treated and controls")
    for u, window in windows.items():
        if not window.pre or not window.post:
            raise ValueError(f"unit {u!r}: a window needs pre and post periods")
        overlap = set(window.pre) & set(window.post)
        if overlap:
            raise ValueError(f"unit {u!r}: periods {sorted(overlap)} are in both pre and post")
    everyone = sorted(windows, key=str) + sorted(controls, key=str)
    wide = _wide(panel, *columns).reindex(everyone)
    distinct = list(dict.fromkeys(windows.values()))
    labels = np.array(
        [distinct.index(windows[u]) + 1 if u in windows else 0 for u in everyone], dtype=np.int16
    )
    stratum = np.array([strata[u] if strata is not None else 0 for u in everyone], dtype=object)
    deltas, pre_means, has_data = _window_arrays(wide, distinct)
    keep = _kept(labels, stratum, has_data)
    w = np.ones(len(everyone))
    if weights is not None:
        w = np.array([float(weights.get(u, np.nan)) for u in everyone])
        bad = [u for u, ok, x in zip(everyone, keep, w, strict=True) if ok and not x > 0]
        if bad:
            raise ValueError(f"units {bad} have no positive weight")
    idx = np.flatnonzero(keep)
    design = _Design(
        units=[everyone[i] for i in idx],
        strata=stratum[idx],
        labels=labels[idx],
        windows=distinct,
        deltas=deltas[:, idx, :],
        pre_means=pre_means[:, idx],
        outcome=wide.to_numpy(float)[idx],
        periods=list(wide.columns),
        weights=w[idx],
    )
    dropped = tuple(u for u, ok in zip(everyone, keep, strict=True) if not ok)
    return design, dropped


def _unit_rows(design: _Design) -> pd.DataFrame:
    """The observed assignment unit by unit (the ``units`` table of :class:`StaggeredDid`)."""
    observed = design.labels[None, :]
    n = len(design.units)
    out = {k: np.full(n, np.nan) for k in ("pre", "post", "change", "control", "effect")}
    for label in np.unique(design.labels[design.labels > 0]):
        deltas = design.deltas[label - 1]
        control = _control_means(observed, deltas, np.ones(n))
        cols, effect, treated, ctl = _label_effects(observed, int(label), deltas, control)
        cols = cols[0]
        out["pre"][cols] = design.pre_means[label - 1, cols]
        out["change"][cols], out["control"][cols], out["effect"][cols] = (
            treated[0],
            ctl[0],
            effect[0],
        )
    is_control = design.labels == 0
    pre_periods = sorted({p for w in design.windows for p in w.pre}, key=str)
    post_periods = sorted({p for w in design.windows for p in w.post}, key=str)
    with np.errstate(invalid="ignore"), _silenced():
        for key, periods in (("pre", pre_periods), ("post", post_periods)):
            cols = [design.periods.index(p) for p in periods if p in design.periods]
            means = np.nanmean(design.outcome[:, cols], axis=1) if cols else np.nan
            out[key] = np.where(is_control, means, out[key])
    out["post"] = np.where(is_control, out["post"], out["pre"] + out["change"])
    out["change"] = np.where(is_control, out["post"] - out["pre"], out["change"])
    frame = pd.DataFrame(
        {
            "unit": design.units,
            "stratum": design.strata,
            "group": np.where(is_control, "control", "treated"),
            "cohort": [design.windows[x - 1].cohort if x else None for x in design.labels],
            "pre_mean": out["pre"],
            "post_mean": out["post"],
            "change": out["change"],
            "control_change": out["control"],
            "effect": out["effect"],
            "weight": design.weights,
        }
    )
    return frame


def _observed_changes(design: _Design, weights: np.ndarray) -> tuple[float, float]:
    """Treated and control change of the observed assignment, averaged over treated units
    with the weights (the estimate is their difference)."""
    observed = design.labels[None, :]
    totals = np.zeros(3)  # weight, weighted treated change, weighted control change
    for label in np.unique(design.labels[design.labels > 0]):
        deltas = design.deltas[label - 1]
        control = _control_means(observed, deltas, weights)
        cols, effect, treated, ctl = _label_effects(observed, int(label), deltas, control)
        ok = ~np.isnan(effect[0])
        w = weights[cols[0]][ok]
        totals += (w.sum(), (w * treated[0][ok]).sum(), (w * ctl[0][ok]).sum())
    if totals[0] == 0:
        raise ValueError(
            "no treated unit has a value in a period of its window where a control has one"
        )
    return float(totals[1] / totals[0]), float(totals[2] / totals[0])


def _staggered_result(
    design: _Design,
    assignments: np.ndarray,
    exact: bool,
    dropped: tuple[Hashable, ...],
    weights: np.ndarray,
    cohort_of: np.ndarray,
) -> tuple[DidResult, np.ndarray, np.ndarray]:
    """One weighting's :class:`DidResult`, with the observed per-cohort estimates and their
    p-values (from the same assignments)."""
    treated_change, control_change = _observed_changes(design, weights)
    estimate, by_cohort = _estimates(design.labels[None, :], design, weights, cohort_of)
    dist, dist_cohort = _all_estimates(assignments, design, weights, cohort_of)
    held = np.unique(design.labels[design.labels > 0]) - 1
    one_window = len({(design.windows[i].pre, design.windows[i].post) for i in held}) == 1
    p_value, min_p, distribution = _randomisation_p(
        float(estimate[0]), dist, exact, _mirrored(design.strata, design.labels, one_window)
    )
    cohort_p = np.array(
        [
            _randomisation_p(float(by_cohort[0, c]), dist_cohort[:, c], exact, False)[0]
            for c in range(by_cohort.shape[1])
        ]
    )
    treated = design.labels > 0
    result = DidResult(
        estimate=float(estimate[0]),
        p_value=p_value,
        min_p_value=min_p,
        n_treated=int(treated.sum()),
        n_control=int((~treated).sum()),
        n_assignments=int(dist.size),
        exact=exact,
        treated_change=treated_change,
        control_change=control_change,
        dropped_units=dropped,
        distribution=distribution,
        n_strata=int(pd.unique(design.strata).size),
    )
    return result, by_cohort[0], cohort_p


def _cohort_rows(
    design: _Design, cohorts: list[Hashable], cohort_of: np.ndarray, figures: list[tuple]
) -> pd.DataFrame:
    """One row per cohort: its treated units, its periods, estimates and p-values."""
    label_cohort = np.array([cohort_of[x - 1] if x else -1 for x in design.labels])
    n_treated = int((design.labels > 0).sum())
    rows = []
    for c, cohort in enumerate(cohorts):
        posts = [
            p for w, k in zip(design.windows, cohort_of, strict=True) if k == c for p in w.post
        ]
        held = int((label_cohort == c).sum())
        if not held:
            continue
        row = {
            "cohort": cohort,
            "n_treated": held,
            "share": held / n_treated,
            "first_post": min(posts),
            "last_post": max(posts),
        }
        for suffix, (_, by_cohort, cohort_p) in zip(("", "_weighted"), figures, strict=False):
            row[f"estimate{suffix}"] = float(by_cohort[c])
            row[f"p_value{suffix}"] = float(cohort_p[c])
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in ("estimate_weighted", "p_value_weighted"):
        if column not in frame:
            frame[column] = np.nan
    return frame


def _strata_rows(design: _Design) -> pd.DataFrame:
    """One row per stratum: its treated and control units and its count of arrangements."""
    rows = []
    for s in pd.unique(design.strata):
        members = design.strata == s
        labels = design.labels[members]
        rows.append(
            {
                "stratum": s,
                "n_treated": int((labels > 0).sum()),
                "n_control": int((labels == 0).sum()),
                "n_assignments": count_assignments([s] * labels.size, labels),
            }
        )
    return pd.DataFrame(rows, columns=["stratum", "n_treated", "n_control", "n_assignments"])


def staggered_did(
    panel: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    windows: Mapping[Hashable, Window],
    controls: Iterable[Hashable],
    strata: Mapping[Hashable, Hashable] | None = None,
    weights: Mapping[Hashable, float] | None = None,
    max_exact: int = 200_000,
    n_draws: int = 20_000,
    seed: int = 20240101,
) -> StaggeredDid:
    """Difference-in-differences for units treated over different periods (cohorts), with
    randomisation inference that permutes the units' windows within strata.

    Each treated unit ``u`` has its own :class:`Window`: baseline periods ``pre``, exposure
    periods ``post`` (only these count as treated) and a cohort. Definition, for a period
    ``t`` of ``post``: ``dev_ut = y_ut - mean(y_u over pre)`` (missing values ignored), and
    ``C_t`` = mean of ``dev_jt`` over the controls ``j`` measured in ``t``, each relative to
    its own mean over the same ``pre`` (so every treated unit is compared with the controls
    over the same periods). The unit's effect is ``mean_t (dev_ut - C_t)`` over the periods
    where it and a control are measured. The estimate is the mean of the treated units'
    effects: numerator the sum of their effects, denominator the number of treated units
    (equivalently the cohort estimates weighted by their numbers of treated units). With
    ``weights``, the controls' mean and the treated units' mean are weighted instead (e.g.
    by households: the change for the average household rather than the average unit).

    Inference: within each stratum the labels (control, or a window) are permuted, keeping
    the stratum's number of units of each label; every distinct assignment is enumerated
    when there are at most ``max_exact`` (:func:`count_assignments`), else ``n_draws`` are
    drawn. Under each assignment the same statistic is recomputed (a unit receiving a
    window is compared over that window's periods), so the two-sided p-value ``#{|estimate|
    >= |observed|} / #assignments`` compares like with like; per-cohort p-values come from
    the same assignments. A unit is kept when it has a baseline and a post value for every
    window its stratum holds (so that any reassignment can be computed); others are dropped
    and reported.

    Args:
        panel: Long data, one row per unit and period.
        unit: Column identifying units.
        time: Column with the period.
        outcome: Numeric outcome column (missing values allowed).
        windows: The treated units and their windows.
        controls: The control units (never treated in any period of the design).
        strata: Each unit's stratum (None: one stratum).
        weights: Each unit's positive weight (None: unweighted only).
        max_exact: Largest number of assignments enumerated exactly.
        n_draws: Number of random assignments when enumeration is too large.
        seed: Seed for ``numpy.random.default_rng``.

    Returns:
        A :class:`StaggeredDid`.

    Raises:
        KeyError: If a column is missing.
        ValueError: If a unit is both treated and control, a window lacks pre or post
            periods or they overlap, a kept unit has no positive weight, or no treated or no
            control unit remains.

    Example:
        >>> panel = pd.DataFrame({"u": list("aabbcc"), "t": [0, 1] * 3,
        ...                       "y": [0.0, 3.0, 0.0, 1.0, 0.0, -1.0]})
        >>> r = staggered_did(panel, unit="u", time="t", outcome="y",
        ...                   windows={"a": Window((0,), (1,))}, controls=["b", "c"])
        >>> r.result.estimate, r.result.n_assignments  # 3 - (1 - 1) / 2; C(3, 1)
        (3.0, 3)
    """
    if min(max_exact, n_draws) < 1:
        raise ValueError("max_exact and n_draws must be positive")
    design, dropped = _staggered_design(
        panel, (unit, time, outcome), windows, controls, strata, weights
    )
    n_treated = int((design.labels > 0).sum())
    if n_treated < 1 or n_treated == design.labels.size:
        raise ValueError(
            f"need at least one treated and one control unit with pre and post outcomes; "
            f"got {n_treated} treated and {design.labels.size - n_treated} control "
            f"(dropped: {list(dropped)})"
        )
    cohorts = list(dict.fromkeys(w.cohort for w in design.windows))
    cohort_of = np.array([cohorts.index(w.cohort) for w in design.windows])
    assignments, exact = _stratified_assignments(
        design.strata, design.labels, max_exact, n_draws, seed
    )
    figures = [
        _staggered_result(
            design, assignments, exact, dropped, np.ones(len(design.units)), cohort_of
        )
    ]
    if weights is not None:
        figures.append(
            _staggered_result(design, assignments, exact, dropped, design.weights, cohort_of)
        )
    return StaggeredDid(
        result=figures[0][0],
        weighted=figures[1][0] if weights is not None else None,
        units=_unit_rows(design),
        cohorts=_cohort_rows(design, cohorts, cohort_of, figures),
        strata=_strata_rows(design),
    )


MAX_DRAWS = 50_000_000
"""Most values a bootstrap draws; with 5,000 resamples this starts to bind above n = 10,000."""
_CHUNK_DRAWS = 5_000_000

_STATISTICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": lambda a: np.mean(a, axis=-1),
    "median": lambda a: np.median(a, axis=-1),
}


def bootstrap_ci(
    values: Iterable[Any],
    *,
    statistic: str | Callable[[np.ndarray], float] = "mean",
    n_boot: int = 5000,
    level: float = 0.95,
    seed: int = 20240101,
) -> BootstrapResult:
    """Percentile bootstrap confidence interval for a statistic of one sample.

    Missing values are dropped. The sample is resampled with replacement ``n_boot`` times;
    the interval runs from the ``(1 - level) / 2`` to the ``(1 + level) / 2`` quantile of
    the resampled statistics. With fewer than two values no interval is computed. With
    few values (say under 20) the percentile interval is too narrow; report ``n``.

    Args:
        values: Numbers (list, array or Series).
        statistic: ``"mean"``, ``"median"`` or a function of a 1-D array returning a float.
        n_boot: Number of bootstrap resamples.
        level: Confidence level strictly between 0 and 1.
        seed: Seed for ``numpy.random.default_rng``.

    Returns:
        A ``BootstrapResult``.

    Raises:
        ValueError: For an unknown statistic name, ``n_boot < 1`` or a level outside (0, 1).

    Example:
        >>> bootstrap_ci([4.0, 4.0, 4.0])
        BootstrapResult(estimate=4.0, low=4.0, high=4.0, n=3, level=0.95)
    """
    if isinstance(statistic, str):
        if statistic not in _STATISTICS:
            raise ValueError(f"unknown statistic {statistic!r}; use {sorted(_STATISTICS)}")
        vectorised = _STATISTICS[statistic]

        def stat(a: np.ndarray) -> np.ndarray:
            return vectorised(a)
    else:
        func = statistic

        def stat(a: np.ndarray) -> np.ndarray:
            if a.ndim == 1:
                return np.asarray(func(a), dtype=float)
            return np.array([func(row) for row in a], dtype=float)

    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be positive, got {n_boot}")

    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        x = values.astype(float)
        x = x[~np.isnan(x)]
    else:
        arr = pd.to_numeric(pd.Series(list(values), dtype=object), errors="raise")
        x = arr.astype(float).dropna().to_numpy()
    n = x.size
    if n == 0:
        return BootstrapResult(math.nan, math.nan, math.nan, 0, level)
    estimate = float(stat(x))
    if n < 2:
        return BootstrapResult(estimate, math.nan, math.nan, n, level)
    if np.all(x == x[0]):
        # Every resample equals the sample; avoid floating-point noise in the quantiles.
        return BootstrapResult(estimate, estimate, estimate, n, level)
    rng = np.random.default_rng(seed)
    if statistic == "mean" and np.isin(x, (0.0, 1.0)).all():
        # The mean of a resample of 0/1 values is a binomial count over n: drawn directly
        # (the same distribution as resampling, without n draws per resample).
        stats = rng.binomial(n, x.mean(), size=n_boot) / n
    else:
        # Large samples: at most MAX_DRAWS values are drawn (at least 1,000 resamples, ample
        # for a 95% percentile interval), in chunks that bound the memory used.
        boots = max(1, min(n_boot, max(1_000, MAX_DRAWS // n)))
        per_chunk = max(1, _CHUNK_DRAWS // n)
        stats = np.concatenate(
            [
                stat(x[rng.integers(0, n, size=(min(per_chunk, boots - done), n))])
                for done in range(0, boots, per_chunk)
            ]
        )
    alpha = (1 - level) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return BootstrapResult(estimate, float(low), float(high), n, level)
