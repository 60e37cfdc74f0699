"""Impact: did poverty fall faster in partner communes, and did beneficiaries' incomes rise?

Inference comes from :mod:`analysis.inference`: a difference-in-differences with a
randomisation p-value over communes, and percentile bootstrap intervals.

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> poverty_did(pkg, 2024).result.estimate  # -14.5 - (-3) percentage points
    -11.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.indicators.common import (
    as_float,
    check_year,
    partner_mask,
    phase_years,
)
from analysis.inference import BootstrapResult, DidResult, bootstrap_ci, did_permutation
from analysis.package import Package

__all__ = [
    "IncomeChange",
    "PovertyDid",
    "income_change",
    "poverty_did",
    "poverty_panel",
]

MEASURES = ("poor", "poor_or_near_poor")
"""Years that commune statistics may cover (baseline years come before the programme)."""


def _check_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; use one of {list(MEASURES)}")
    return measure


def poverty_panel(pkg: Package, *, measure: str = "poor") -> pd.DataFrame:
    """Poverty rate per commune and year, with the commune's role.

    Definition: ``rate_pct = 100 * counted_households / households`` where
    ``counted_households`` is, for ``measure="poor"``, the poor households, and for
    ``measure="poor_or_near_poor"``, poor plus near-poor households, or the
    ``poor_or_near_poor_households`` count when a source gives only the sum. Numerator:
    counted households. Denominator: all households of the commune. Unit: percent
    (differences between rates are percentage points). A missing count gives a NaN rate.

    Args:
        pkg: The loaded package.
        measure: ``"poor"`` or ``"poor_or_near_poor"``.

    Returns:
        commune_code, year, role, partner (True when a partner that year), households,
        counted_households, rate_pct; one row per commune_statistics row, sorted by commune
        and year. Empty (same columns) when the package has no commune statistics.

    Raises:
        ValueError: For an unknown measure.

    Example:
        >>> p = poverty_panel(pkg)
        >>> p.loc[(p["commune_code"] == "16834") & (p["year"] == 2024), "rate_pct"].item()
        30.0
    """
    _check_measure(measure)
    # Computed once per package (the difference-in-differences and the reports' trend charts
    # both need it); each caller gets its own frame over the shared data.
    return pkg.derived(f"poverty_panel:{measure}", lambda: _poverty_panel(pkg, measure)).copy(
        deep=False
    )


def _poverty_panel(pkg: Package, measure: str) -> pd.DataFrame:
    stats = pkg["commune_statistics"]
    communes = pkg["communes"].set_index("commune_code")
    households = as_float(stats["households"])
    poor = as_float(stats["poor_households"])
    if measure == "poor":
        counted = poor
    else:
        both = poor + as_float(stats["near_poor_households"])
        counted = both.fillna(as_float(stats["poor_or_near_poor_households"]))
    out = pd.DataFrame(
        {
            "commune_code": stats["commune_code"].astype("string"),
            "year": stats["year"].astype("Int64"),
            "role": stats["commune_code"].map(communes["role"]).astype("string"),
            "households": households,
            "counted_households": counted,
        }
    )
    out["rate_pct"] = (counted * 100.0).div(households.where(households > 0))
    frm = as_float(stats["commune_code"].map(communes["partner_from"]))
    to = as_float(stats["commune_code"].map(communes["partner_to"]))
    yr = as_float(stats["year"])
    out["partner"] = (
        out["role"].eq("partner").fillna(False).to_numpy(bool)
        & (frm <= yr).to_numpy()
        & (yr <= to).to_numpy()
    )
    columns = [
        "commune_code",
        "year",
        "role",
        "partner",
        "households",
        "counted_households",
        "rate_pct",
    ]
    return out.sort_values(["commune_code", "year"]).reset_index(drop=True)[columns]


@dataclass(frozen=True, eq=False)
class PovertyDid:
    """Difference-in-differences of commune poverty rates, partners against comparisons.

    Attributes:
        result: The :class:`~analysis.inference.DidResult` (estimate in percentage points).
        changes: commune_code, group (``treated`` or ``control``), pre_rate, post_rate,
            change (percentage points) for the communes kept; treated first, then by code.
        dropped: Communes of the design left out for lack of a pre or post rate.
        pre: Baseline years.
        post: Post years.
        measure: ``"poor"`` or ``"poor_or_near_poor"``.
    """

    result: DidResult
    changes: pd.DataFrame
    dropped: list[str]
    pre: tuple[int, ...]
    post: tuple[int, ...]
    measure: str


def poverty_did(
    pkg: Package,
    year: int,
    *,
    baseline: Sequence[int] = (2019, 2020),
    measure: str = "poor",
    phase: bool = False,
) -> PovertyDid:
    """Change in the poverty rate of partner communes minus that of comparison communes.

    Definition: for each commune, ``change = mean rate over post years - mean rate over
    baseline years`` (available years only). Treated: communes that are partners in
    ``year`` (``phase=True``: every commune that was a partner in some year of
    2021..``year``). Controls: communes whose role is ``comparison``. Post years: ``year``
    (``phase=True``: 2021..``year``). Estimate = mean change of treated - mean change of
    controls, in percentage points (negative: poverty fell faster in partner communes);
    its p-value comes from reassigning the treated label over the kept communes
    (:func:`analysis.inference.did_permutation`). Numerator and denominator are those of
    :func:`poverty_panel`. With so few communes, read the estimate with its p-value and the
    smallest p-value the design allows (``result.min_p_value``).

    Args:
        pkg: The loaded package.
        year: Year of the comparison (2021–2025).
        baseline: Pre-programme years (2019–2025, none of them a post year).
        measure: ``"poor"`` or ``"poor_or_near_poor"``.
        phase: Compare the whole phase so far instead of the single year.

    Returns:
        A :class:`PovertyDid`.

    Raises:
        ValueError: For a year outside 2021–2025, baseline years that are invalid or overlap
            the post years, an unknown measure, or when no treated or no control commune
            has both a baseline and a post rate.

    Example:
        >>> d = poverty_did(pkg, 2024)
        >>> d.result.n_assignments, round(d.result.p_value, 4)  # C(4, 2) = 6; 2 / 6
        (6, 0.3333)
    """
    year = check_year(pkg, year, allow_none=False)
    _check_measure(measure)
    first, _ = phase_years(pkg)
    stats_first, stats_last = phase_years(pkg, "commune_statistics")
    pre = tuple(
        sorted(
            {check_year(pkg, y, lo=stats_first, hi=stats_last, allow_none=False) for y in baseline}
        )
    )
    if not pre:
        raise ValueError("baseline must name at least one year")
    post = tuple(range(first, year + 1)) if phase else (year,)
    overlap = sorted(set(pre) & set(post))
    if overlap:
        raise ValueError(f"baseline years {overlap} are also post years")

    communes = pkg["communes"]
    if phase:
        treated_mask = (
            communes["role"].eq("partner").fillna(False).to_numpy(bool)
            & (as_float(communes["partner_from"]) <= year).to_numpy()
            & (as_float(communes["partner_to"]) >= first).to_numpy()
        )
    else:
        treated_mask = partner_mask(communes, year).to_numpy(bool)
    control_mask = communes["role"].eq("comparison").fillna(False).to_numpy(bool)
    treated = sorted(communes.loc[treated_mask, "commune_code"].astype(str))
    controls = sorted(communes.loc[control_mask & ~treated_mask, "commune_code"].astype(str))
    when = f"{first}–{year}" if phase else str(year)
    if not treated:
        raise ValueError(f"no partner commune in {when}: nothing to compare")
    if not controls:
        raise ValueError("the package has no comparison commune")

    panel = poverty_panel(pkg, measure=measure)
    design = treated + controls
    panel = panel[panel["commune_code"].isin(design).to_numpy(bool)]
    panel["treated"] = panel["commune_code"].isin(treated).to_numpy(bool)
    rates = panel.dropna(subset=["rate_pct"])
    pre_rate = (
        rates[rates["year"].isin(pre).to_numpy(bool)].groupby("commune_code")["rate_pct"].mean()
    )
    post_rate = (
        rates[rates["year"].isin(post).to_numpy(bool)].groupby("commune_code")["rate_pct"].mean()
    )
    changes = pd.DataFrame({"commune_code": pd.array(design, dtype="string")})
    changes["group"] = np.where(changes["commune_code"].isin(treated), "treated", "control")
    changes["group"] = changes["group"].astype("string")
    changes["pre_rate"] = as_float(changes["commune_code"].map(pre_rate))
    changes["post_rate"] = as_float(changes["commune_code"].map(post_rate))
    changes["change"] = changes["post_rate"] - changes["pre_rate"]
    kept = changes["change"].notna()
    dropped = changes.loc[~kept, "commune_code"].astype(str).tolist()
    changes = changes[kept.to_numpy(bool)].reset_index(drop=True)
    span = f"baseline {list(pre)} and post {list(post)}"
    if not (changes["group"] == "treated").any():
        raise ValueError(
            f"no partner commune has a {measure} rate in both {span}; dropped: {dropped}"
        )
    if not (changes["group"] == "control").any():
        raise ValueError(
            f"no comparison commune has a {measure} rate in both {span}; dropped: {dropped}"
        )

    panel = panel[panel["commune_code"].isin(changes["commune_code"]).to_numpy(bool)]
    result = did_permutation(
        panel.assign(year=panel["year"].astype(int)),
        unit="commune_code",
        time="year",
        outcome="rate_pct",
        treated="treated",
        pre=list(pre),
        post=list(post),
    )
    return PovertyDid(result, changes, dropped, pre, post, measure)


@dataclass(frozen=True, eq=False)
class IncomeChange:
    """Change in beneficiaries' income and poverty between entry and a later year.

    Attributes:
        year: The follow-up year compared with each person's entry year.
        measure: ``"poor"`` or ``"poor_or_near_poor"``: what counts as poor.
        changes: beneficiary_id, entry_year, income_entry, income_year, change_vnd,
            poor_entry, poor_year; one row per beneficiary followed, sorted by id.
        mean_change: Mean of ``change_vnd`` (đồng per person per month) with its
            bootstrap interval and n (people with both incomes).
        share_poor_entry: Share poor at entry among the people followed (NaN if none).
        share_poor_year: Share poor in ``year`` among the same people (NaN if none).
        left_poverty: Share no longer poor in ``year`` among those poor at entry, with its
            bootstrap interval; n is the number poor at entry.
    """

    year: int
    measure: str
    changes: pd.DataFrame
    mean_change: BootstrapResult
    share_poor_entry: float
    share_poor_year: float
    left_poverty: BootstrapResult


def income_change(pkg: Package, year: int, *, measure: str = "poor") -> IncomeChange:
    """Income and poverty of beneficiaries in ``year`` against their entry year.

    Definition: the people followed are beneficiaries who entered before ``year`` and have
    a follow-up both in their entry year (the baseline) and in ``year``.
    ``change_vnd = income in year - income in the entry year`` (income per person per
    month); its mean is reported with a percentile bootstrap interval
    (:func:`analysis.inference.bootstrap_ci`). Poverty comes from the follow-ups' status:
    ``share_poor_entry`` and ``share_poor_year`` have the people followed as denominator;
    ``left_poverty`` = people poor at entry and not poor in ``year`` / people poor at
    entry. Units: đồng per person per month; fractions. With a handful of people the
    bootstrap interval is too narrow: report n.

    Args:
        pkg: The loaded package.
        year: Follow-up year (2022–2025).
        measure: ``"poor"`` or ``"poor_or_near_poor"`` (both statuses count as poor).

    Returns:
        An :class:`IncomeChange` (NaN statistics, n = 0 and an empty table when nobody is
        followed).

    Raises:
        ValueError: For a year outside 2022–2025 or an unknown measure.

    Example:
        >>> income_change(pkg, 2024).mean_change.estimate  # (600 + 300 + 300) / 3 thousand
        400000.0
    """
    first, last = phase_years(pkg)
    year = check_year(pkg, year, lo=first + 1, hi=last, allow_none=False)
    _check_measure(measure)
    poor_statuses = ["poor"] if measure == "poor" else ["poor", "near_poor"]
    ben = pkg["beneficiaries"].set_index("beneficiary_id")
    fu = pkg["beneficiary_followups"].copy(deep=False)
    fu["entry_year"] = fu["beneficiary_id"].map(ben["entry_year"])
    fu = fu[(fu["entry_year"] < year).fillna(False).to_numpy(bool)]
    at_entry = fu[(fu["year"] == fu["entry_year"]).fillna(False).to_numpy(bool)].set_index(
        "beneficiary_id"
    )
    at_year = fu[fu["year"].eq(year).fillna(False).to_numpy(bool)].set_index("beneficiary_id")
    ids = sorted(set(at_entry.index) & set(at_year.index))
    changes = pd.DataFrame({"beneficiary_id": pd.array(ids, dtype="string")})
    changes["entry_year"] = changes["beneficiary_id"].map(at_entry["entry_year"]).astype("Int64")
    changes["income_entry"] = as_float(
        changes["beneficiary_id"].map(at_entry["income_per_person_month_vnd"])
    )
    changes["income_year"] = as_float(
        changes["beneficiary_id"].map(at_year["income_per_person_month_vnd"])
    )
    changes["change_vnd"] = changes["income_year"] - changes["income_entry"]
    changes["poor_entry"] = (
        changes["beneficiary_id"].map(at_entry["poverty_status"]).isin(poor_statuses).to_numpy(bool)
    )
    changes["poor_year"] = (
        changes["beneficiary_id"].map(at_year["poverty_status"]).isin(poor_statuses).to_numpy(bool)
    )

    mean_change = bootstrap_ci(changes["change_vnd"].to_numpy())
    left = ~changes.loc[changes["poor_entry"], "poor_year"]
    left_poverty = bootstrap_ci(left.astype(float).to_numpy())
    n = len(changes)
    share_entry = float(changes["poor_entry"].mean()) if n else math.nan
    share_year = float(changes["poor_year"].mean()) if n else math.nan
    return IncomeChange(year, measure, changes, mean_change, share_entry, share_year, left_poverty)
