"""Inference for small numbers of units: randomisation inference and the bootstrap.

The programme works with five partner communes and a handful of comparison communes, so
large-sample tools do not apply. ``did_permutation`` compares partner and comparison units
with a difference-in-differences whose p-value comes from reassigning the "treated" label
over units; ``bootstrap_ci`` gives percentile intervals for simple descriptive statistics.

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

import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BootstrapResult", "DidResult", "bootstrap_ci", "did_permutation"]

_TOLERANCE = 1e-12


@dataclass(frozen=True)
class DidResult:
    """Difference-in-differences estimate with a randomisation-inference p-value.

    Attributes:
        estimate: Mean change of treated units minus mean change of control units.
        p_value: Two-sided randomisation p-value (share of assignments at least as extreme).
        min_p_value: Smallest p-value the design can reach: ``1 / n_assignments``, or
            ``2 / n_assignments`` when treated and control groups have the same size.
        n_treated: Number of treated units kept.
        n_control: Number of control units kept.
        n_assignments: Number of assignments compared (all of them when ``exact``; otherwise
            the random draws plus the observed assignment).
        exact: True when every assignment was enumerated.
        treated_change: Mean post-minus-pre change of treated units.
        control_change: Mean post-minus-pre change of control units.
        dropped_units: Units without a pre or a post observation.
        distribution: The estimate under every assignment compared (for a chart).

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


def _assignment_sums(
    changes: np.ndarray, k: int, max_exact: int, n_draws: int, seed: int
) -> tuple[np.ndarray, bool]:
    """Sum of ``changes`` over the treated units of each assignment.

    Returns:
        ``(sums, exact)``. When not exact, the sums of ``n_draws`` random assignments.
    """
    n = changes.size
    if math.comb(n, k) <= max_exact:
        combos = np.fromiter(
            itertools.chain.from_iterable(itertools.combinations(range(n), k)),
            dtype=np.intp,
        ).reshape(-1, k)
        return changes[combos].sum(axis=1), True
    rng = np.random.default_rng(seed)
    treated = np.argsort(rng.random((n_draws, n)), axis=1)[:, :k]
    return changes[treated].sum(axis=1), False


def did_permutation(
    panel: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: str,
    pre: Sequence[Any] | Any,
    post: Sequence[Any] | Any,
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
    (two-sided; the observed assignment counts, so ``p >= 1 / #assignments``). When
    ``C(n, k) <= max_exact`` all assignments are enumerated (``exact=True``); otherwise
    ``n_draws`` random assignments plus the observed one are used.

    Why not a t-test with cluster-robust standard errors? With five treated communes,
    cluster-robust (and wild-bootstrap) inference over-rejects badly: the variance estimate
    relies on the few treated clusters, and rejection rates of a nominal 5% test can exceed
    50% when only one or two clusters are treated (MacKinnon & Webb 2017, "Wild bootstrap
    inference for wildly different cluster sizes"; 2018, "The wild bootstrap for few
    (treated) clusters"). Randomisation inference is exact under the sharp null of no effect
    for any unit, whatever the number of units, at the price of a coarse p-value: with 5
    treated among 10 units there are only C(10, 5) = 252 assignments and, because each
    assignment's mirror image gives the opposite estimate, a two-sided p-value cannot go
    below 2/252.

    Args:
        panel: Long data, one row per unit and period.
        unit: Column identifying units (e.g. communes).
        time: Column with the period (e.g. year).
        outcome: Numeric outcome column.
        treated: Boolean (or 0/1) column, constant within each unit.
        pre: Period(s) before the programme.
        post: Period(s) after (or during) the programme.
        max_exact: Largest number of assignments enumerated exactly.
        n_draws: Number of random assignments when enumeration is too large.
        seed: Seed for ``numpy.random.default_rng``.

    Returns:
        A ``DidResult``.

    Raises:
        KeyError: If a column is missing.
        ValueError: If ``pre`` and ``post`` overlap, treatment varies within a unit or is
            missing, or fewer than one treated or one control unit remain.

    Example:
        >>> import pandas as pd
        >>> panel = pd.DataFrame({"u": [1, 1, 2, 2], "t": [0, 1, 0, 1],
        ...                       "y": [0.0, 3.0, 0.0, 1.0], "d": [1, 1, 0, 0]})
        >>> r = did_permutation(panel, unit="u", time="t", outcome="y", treated="d",
        ...                     pre=0, post=1)
        >>> r.estimate, r.p_value
        (2.0, 1.0)
    """
    missing = [c for c in (unit, time, outcome, treated) if c not in panel.columns]
    if missing:
        raise KeyError(f"panel has no column(s) {missing}")
    pre_periods, post_periods = _periods(pre), _periods(post)
    if not pre_periods or not post_periods:
        raise ValueError("pre and post must each name at least one period")
    overlap = set(pre_periods) & set(post_periods)
    if overlap:
        raise ValueError(f"periods {sorted(overlap)} are in both pre and post")
    if max_exact < 1 or n_draws < 1:
        raise ValueError("max_exact and n_draws must be positive")

    if panel[treated].isna().any():
        raise ValueError(f"column {treated!r} has missing values")
    status = panel.groupby(unit, sort=True)[treated].agg(["nunique", "first"])
    varying = status.index[status["nunique"] > 1].tolist()
    if varying:
        raise ValueError(f"treatment status varies within unit(s) {varying}")
    is_treated = status["first"].astype(bool)

    y = pd.to_numeric(panel[outcome], errors="raise").astype(float)
    data = pd.DataFrame({"unit": panel[unit], "y": y})
    pre_mean = data[panel[time].isin(pre_periods)].groupby("unit")["y"].mean()
    post_mean = data[panel[time].isin(post_periods)].groupby("unit")["y"].mean()
    change = (post_mean.reindex(status.index) - pre_mean.reindex(status.index)).dropna()
    dropped = tuple(u for u in status.index if u not in change.index)

    flags = is_treated.reindex(change.index).to_numpy()
    n_treated, n_control = int(flags.sum()), int((~flags).sum())
    if n_treated < 1 or n_control < 1:
        raise ValueError(
            f"need at least one treated and one control unit with pre and post outcomes; "
            f"got {n_treated} treated and {n_control} control (dropped: {list(dropped)})"
        )

    values = change.to_numpy()
    n, k = values.size, n_treated
    treated_change = float(values[flags].mean())
    control_change = float(values[~flags].mean())
    estimate = treated_change - control_change

    total = values.sum()
    sums, exact = _assignment_sums(values, k, max_exact, n_draws, seed)
    perm = sums / k - (total - sums) / (n - k)
    extreme = int(np.sum(np.abs(perm) >= abs(estimate) - _TOLERANCE))
    if exact:
        n_assignments = sums.size
    else:
        n_assignments = sums.size + 1  # the observed assignment
        extreme += 1
    # In a balanced design every assignment's mirror image gives the opposite estimate, so a
    # two-sided p-value cannot go below 2 / n_assignments.
    floor = 2 if exact and 2 * k == n else 1
    return DidResult(
        estimate=float(estimate),
        p_value=extreme / n_assignments,
        min_p_value=floor / n_assignments,
        n_treated=n_treated,
        n_control=n_control,
        n_assignments=n_assignments,
        exact=exact,
        treated_change=treated_change,
        control_change=control_change,
        dropped_units=dropped,
        distribution=tuple(float(x) for x in perm),
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
