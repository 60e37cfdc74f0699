"""What the indicator modules share: the phase's years, year checks, money spent per activity,
grouping and sorting, so that every indicator counts money and activities the same way.

The phase's years come from the data package itself (the ``minimum`` and ``maximum`` of
``plans.year`` in ``datapackage.json``), not from code: a package for the next phase changes
them without touching a module.

Example:
    >>> phase_years(pkg)
    (2021, 2025)
    >>> check_year(pkg, 2024), check_year(pkg, None)
    (2024, None)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.package import Package

SPENDING_TYPES = ("disbursement", "expenditure")
"""IATI transaction types that count as money spent on an activity."""

PLAN_KEYS = (
    "activity_id",
    "activity_type",
    "commune_code",
    "implementing_unit",
    "province_code",
    "scope",
    "year",
)
"""Plan columns an activity-level indicator can be grouped by."""

BENEFICIARY_KEYS = (
    "sex",
    "ethnicity",
    "poverty_status_entry",
    "commune_code",
    "activity_type",
    "age_band",
    "entry_year",
)
"""Columns ``beneficiaries_reached`` can be grouped by."""

ALL = "all"
"""Key value of the overall row in tables that add one (e.g. ``activity_type == "all"``)."""


# --------------------------------------------------------------------------- the phase's years


PUPIL_ACTIVITY_TYPES = ("pupil_sponsorship",)
"""Activity types whose beneficiaries are children (``plans.activity_type`` of the
beneficiary's activity): their follow-ups are not household outcomes."""


def pupil_ids(pkg: Package) -> set[str]:
    """The beneficiaries who are pupils (their activity is of :data:`PUPIL_ACTIVITY_TYPES`):
    left out of every household outcome (income, poverty status)."""
    ben = pkg["beneficiaries"]
    activity_type = ben["activity_id"].map(pkg["plans"].set_index("activity_id")["activity_type"])
    pupil = activity_type.isin(PUPIL_ACTIVITY_TYPES).fillna(False).to_numpy(bool)
    return set(ben.loc[pupil, "beneficiary_id"])


def phase_years(pkg: Package, resource: str = "plans") -> tuple[int, int]:
    """The first and last year of the phase: the bounds ``datapackage.json`` sets on
    ``<resource>.year`` (``commune_statistics`` reaches back to the baseline years)."""
    constraints = pkg.field(resource, "year").get("constraints", {})
    return int(constraints["minimum"]), int(constraints["maximum"])


def check_year(
    pkg: Package,
    year: int | None,
    *,
    lo: int | None = None,
    hi: int | None = None,
    allow_none: bool = True,
) -> int | None:
    """Return ``year`` after checking it is an integer in the phase (or ``[lo, hi]``), or None
    when allowed."""
    first, last = phase_years(pkg)
    lo = first if lo is None else lo
    hi = last if hi is None else hi
    if year is None:
        if allow_none:
            return None
        raise ValueError("a year is required")
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise ValueError(f"year must be an integer, got {year!r}")
    if not lo <= int(year) <= hi:
        raise ValueError(f"year {year} is outside {lo}–{hi}")
    return int(year)


def group_keys(by: str | Iterable[str] | None, allowed: Sequence[str]) -> list[str]:
    """Normalise a ``by`` argument to a list of column names, checking each is allowed."""
    if by is None:
        return []
    keys = [by] if isinstance(by, str) else list(by)
    bad = [k for k in keys if k not in allowed]
    if bad:
        raise ValueError(f"cannot group by {bad}; choose among {list(allowed)}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate grouping keys in {keys}")
    return keys


def as_float(values: pd.Series) -> pd.Series:
    """A numeric Series as plain float64, missing values as NaN (always a new Series)."""
    if values.dtype.kind in "fiu" and isinstance(values.dtype, np.dtype):  # plain numpy
        return values.astype(np.float64)  # a new Series (copy-on-write: data copied if written)
    return pd.Series(
        pd.to_numeric(values, errors="coerce").astype("Float64").to_numpy(float, na_value=np.nan),
        index=values.index,
        name=values.name,
    )


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` as float64, NaN where the denominator is missing or zero."""
    num, den = as_float(numerator), as_float(denominator)
    return num.div(den.where(den != 0))


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with the given column names and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def finish(frame: pd.DataFrame, keys: Sequence[str], columns: dict[str, str]) -> pd.DataFrame:
    """Sort by ``keys`` (missing keys last), order the columns and reset the index."""
    if frame.empty:
        return empty_frame(columns)
    out = frame.sort_values(list(keys), na_position="last", kind="stable") if keys else frame
    out = out.reset_index(drop=True)[list(columns)]
    for name, dtype in columns.items():
        if dtype in ("float64", "int64") and str(out[name].dtype) != dtype:
            out[name] = as_float(out[name]) if dtype == "float64" else out[name].astype(dtype)
    return out


def group_by(frame: pd.DataFrame, keys: Sequence[str]):
    """Group by ``keys`` keeping missing keys as their own group; one group when no keys."""
    if keys:
        return frame.groupby(list(keys), dropna=False, sort=False)
    return frame.groupby(np.zeros(len(frame), dtype=int), sort=False)


def plans_of(pkg: Package, year: int | None) -> pd.DataFrame:
    """Plans of ``year`` (every year when None)."""
    plans = pkg["plans"]
    if year is None:
        # A new frame sharing the data: callers add columns to it, never to the package's.
        return plans.copy(deep=False)
    # Selecting rows makes a new frame; with copy-on-write (pandas 3) nothing a caller does
    # to it reaches the package's frame, so no copy is made.
    return plans[plans["year"].eq(year).fillna(False).to_numpy(bool)]


def spent_by_activity(pkg: Package) -> pd.Series:
    """Disbursements plus expenditures per activity (float64, indexed by activity_id).

    Computed once per package (most indicators need it); callers must not modify it.
    """

    def compute() -> pd.Series:
        tx = pkg["transactions"]
        spending = tx[tx["transaction_type"].isin(SPENDING_TYPES).fillna(False).to_numpy(bool)]
        spending = spending[spending["activity_id"].notna().to_numpy(bool)]
        return as_float(spending.groupby("activity_id")["amount_vnd"].sum())

    return pkg.derived("spent_by_activity", compute)


def spent_on(pkg: Package, plans: pd.DataFrame) -> pd.Series:
    """Money spent on each activity of ``plans`` (0 where nothing was spent), float64."""
    spent = plans["activity_id"].map(spent_by_activity(pkg))
    return as_float(spent).fillna(0.0)


def partner_mask(communes: pd.DataFrame, year: int) -> pd.Series:
    """Which communes are partners in ``year`` (role partner, partner_from <= year <= to)."""
    start = as_float(communes["partner_from"])
    end = as_float(communes["partner_to"])
    role = communes["role"].eq("partner").fillna(False).to_numpy(bool)
    return pd.Series(
        role & (start <= year).to_numpy() & (year <= end).to_numpy(), index=communes.index
    )
