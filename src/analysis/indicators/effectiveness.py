"""Effectiveness: did the programme deliver what it planned, and whom did it reach?

The module also holds the small private helpers that the other criterion modules share
(year checks, money spent per activity, grouping and sorting), so that every indicator
counts money and activities the same way.

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> plan_vs_delivery(pkg, 2024, by="activity_type")["spent_vnd"].tolist()
    [50000000.0, 0.0, 55000000.0, 12000000.0, 3000000.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.package import Package

__all__ = ["beneficiaries_reached", "plan_vs_delivery"]

FIRST_YEAR, LAST_YEAR = 2021, 2025
"""The programme phase: plans, transactions and beneficiaries fall in these years."""

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
)
"""Columns ``beneficiaries_reached`` can be grouped by."""

ALL = "all"
"""Key value of the overall row in tables that add one (e.g. ``activity_type == "all"``)."""


# --------------------------------------------------------------------------- shared helpers


def _check_year(
    year: int | None, *, lo: int = FIRST_YEAR, hi: int = LAST_YEAR, allow_none: bool = True
) -> int | None:
    """Return ``year`` after checking it is an integer in ``[lo, hi]`` (or None if allowed)."""
    if year is None:
        if allow_none:
            return None
        raise ValueError("a year is required")
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise ValueError(f"year must be an integer, got {year!r}")
    if not lo <= int(year) <= hi:
        raise ValueError(f"year {year} is outside {lo}–{hi}")
    return int(year)


def _keys(by: str | Iterable[str] | None, allowed: Sequence[str]) -> list[str]:
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


def _float(values: pd.Series) -> pd.Series:
    """A numeric Series as plain float64, missing values as NaN (always a new Series)."""
    if values.dtype.kind in "fiu" and isinstance(values.dtype, np.dtype):  # plain numpy
        return values.astype(np.float64)  # a new Series (copy-on-write: data copied if written)
    return pd.Series(
        pd.to_numeric(values, errors="coerce").astype("Float64").to_numpy(float, na_value=np.nan),
        index=values.index,
        name=values.name,
    )


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` as float64, NaN where the denominator is missing or zero."""
    num, den = _float(numerator), _float(denominator)
    return num.div(den.where(den != 0))


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with the given column names and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def _finish(frame: pd.DataFrame, keys: Sequence[str], columns: dict[str, str]) -> pd.DataFrame:
    """Sort by ``keys`` (missing keys last), order the columns and reset the index."""
    if frame.empty:
        return _empty(columns)
    out = frame.sort_values(list(keys), na_position="last", kind="stable") if keys else frame
    out = out.reset_index(drop=True)[list(columns)]
    for name, dtype in columns.items():
        if dtype in ("float64", "int64") and str(out[name].dtype) != dtype:
            out[name] = _float(out[name]) if dtype == "float64" else out[name].astype(dtype)
    return out


def _group(frame: pd.DataFrame, keys: Sequence[str]):
    """Group by ``keys`` keeping missing keys as their own group; one group when no keys."""
    if keys:
        return frame.groupby(list(keys), dropna=False, sort=False)
    return frame.groupby(np.zeros(len(frame), dtype=int), sort=False)


def _plans(pkg: Package, year: int | None) -> pd.DataFrame:
    """Plans of ``year`` (every year when None)."""
    plans = pkg["plans"]
    if year is None:
        # A new frame sharing the data: callers add columns to it, never to the package's.
        return plans.copy(deep=False)
    # Selecting rows makes a new frame; with copy-on-write (pandas 3) nothing a caller does
    # to it reaches the package's frame, so no copy is made.
    return plans[plans["year"].eq(year).fillna(False).to_numpy(bool)]


def _spent_by_activity(pkg: Package) -> pd.Series:
    """Disbursements plus expenditures per activity (float64, indexed by activity_id).

    Computed once per package (most indicators need it); callers must not modify it.
    """

    def compute() -> pd.Series:
        tx = pkg["transactions"]
        spending = tx[tx["transaction_type"].isin(SPENDING_TYPES).fillna(False).to_numpy(bool)]
        spending = spending[spending["activity_id"].notna().to_numpy(bool)]
        return _float(spending.groupby("activity_id")["amount_vnd"].sum())

    return pkg.derived("spent_by_activity", compute)


def _spent(pkg: Package, plans: pd.DataFrame) -> pd.Series:
    """Money spent on each activity of ``plans`` (0 where nothing was spent), float64."""
    spent = plans["activity_id"].map(_spent_by_activity(pkg))
    return _float(spent).fillna(0.0)


def _partner_mask(communes: pd.DataFrame, year: int) -> pd.Series:
    """Which communes are partners in ``year`` (role partner, partner_from <= year <= to)."""
    start = _float(communes["partner_from"])
    end = _float(communes["partner_to"])
    role = communes["role"].eq("partner").fillna(False).to_numpy(bool)
    return pd.Series(
        role & (start <= year).to_numpy() & (year <= end).to_numpy(), index=communes.index
    )


# ------------------------------------------------------------------------------ indicators

PLAN_VS_DELIVERY_MEASURES = {
    "unit": "string",
    "n_activities": "int64",
    "n_reported": "int64",
    "planned_units": "float64",
    "delivered_units": "float64",
    "units_rate": "float64",
    "planned_amount_vnd": "float64",
    "spent_vnd": "float64",
    "amount_rate": "float64",
}


def plan_vs_delivery(
    pkg: Package, year: int | None = None, *, by: str | Iterable[str] = "activity_type"
) -> pd.DataFrame:
    """Planned against delivered units and money, per group of activities.

    Definition: for the activities planned in ``year`` (all years when None), grouped by
    ``by``:

    - ``units_rate`` = delivered units of the activities that state planned units / planned
      units. An activity without an output row counts as nothing delivered (``n_reported``
      says how many activities have one). Units of different kinds cannot be added: when a
      group mixes units (houses and gifts, say) ``unit`` is missing and the three unit
      columns are NaN.
    - ``amount_rate`` = money spent (disbursements + expenditures, whatever their date) on
      the activities that state a planned amount / planned amount. NaN when no activity of
      the group states an amount, or when the planned amount is zero (no division by zero).
    - ``spent_vnd`` counts every activity of the group, with or without a planned amount.

    Numerators: delivered units; money spent. Denominators: planned units; planned amount.
    Unit: the plan's unit (house, pupil...), đồng, and rates as fractions (1.0 = 100 %).

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years pooled.
        by: One key or a list of keys among activity_id, activity_type, commune_code,
            implementing_unit, province_code, scope, year (commune_code is missing for
            province- and programme-scope activities, which form their own group).

    Returns:
        One row per group: the keys, then unit, n_activities, n_reported, planned_units,
        delivered_units, units_rate, planned_amount_vnd, spent_vnd, amount_rate; sorted by
        the keys (missing last). Empty (same columns) when no activity is planned that year.

    Raises:
        ValueError: For a year outside 2021–2025 or an unknown key.

    Example:
        >>> t = plan_vs_delivery(pkg, 2024, by="activity_type")
        >>> t.loc[t["activity_type"] == "pupil_sponsorship", "units_rate"].item()  # 2 / 5
        0.4
    """
    year = _check_year(year)
    keys = _keys(by, PLAN_KEYS)
    columns = {k: str(pkg["plans"][k].dtype) for k in keys} | PLAN_VS_DELIVERY_MEASURES
    act = _plans(pkg, year)
    if act.empty:
        return _empty(columns)

    outputs = pkg["outputs"].set_index("activity_id")
    act["_planned_units"] = _float(act["planned_units"])
    act["_delivered"] = _float(act["activity_id"].map(outputs["delivered_units"]))
    act["_reported"] = act["activity_id"].isin(outputs.index).to_numpy(bool)
    act["_delivered_on_plan"] = act["_delivered"].fillna(0.0).where(act["_planned_units"].notna())
    act["_amount"] = _float(act["planned_amount_vnd"])
    act["_spent"] = _spent(pkg, act)
    act["_spent_on_plan"] = act["_spent"].where(act["_amount"].notna())

    grouped = _group(act, keys)
    sums = {
        col: grouped[col].sum(min_count=1)  # NaN when no activity of the group has a value
        for col in ("_planned_units", "_delivered", "_delivered_on_plan", "_amount")
    }
    spent_on_plan = grouped["_spent_on_plan"].sum(min_count=1)
    n_units = grouped["unit"].nunique()  # distinct units stated, missing ones not counted
    mixed = (n_units > 1).to_numpy()
    planned_units = sums["_planned_units"].mask(mixed)
    amount = sums["_amount"]
    out = pd.DataFrame(
        {
            "unit": grouped["unit"].first().mask(mixed),  # missing when mixed or none stated
            "n_activities": grouped.size(),
            "n_reported": grouped["_reported"].sum().astype("int64"),
            "planned_units": planned_units,
            "delivered_units": sums["_delivered"].mask(mixed),
            "units_rate": (sums["_delivered_on_plan"] / planned_units).where(planned_units > 0),
            "planned_amount_vnd": amount,
            "spent_vnd": grouped["_spent"].sum(),
            "amount_rate": (spent_on_plan / amount).where(amount > 0),
        }
    )
    out = out.reset_index() if keys else out.reset_index(drop=True)
    for k in keys:
        out[k] = out[k].astype(columns[k])
    out["unit"] = out["unit"].astype("string")
    return _finish(out, keys, columns)


def beneficiaries_reached(
    pkg: Package, year: int | None = None, *, by: str | Iterable[str] | None = ("sex",)
) -> pd.DataFrame:
    """People reached: distinct beneficiaries who entered the programme in ``year``.

    Definition: the number of distinct ``beneficiary_id`` whose ``entry_year`` equals
    ``year`` (every entry year when None), per group. ``activity_type`` is that of the
    activity that supported the person (from the plans). Numerator: people; no denominator.
    Unit: people.

    Args:
        pkg: The loaded package.
        year: Entry year (2021–2025), or None for all years.
        by: Key(s) among sex, ethnicity, poverty_status_entry, commune_code, activity_type,
            age_band; None or ``()`` for a single total row.

    Returns:
        The keys and ``people`` (int64), sorted by the keys. Empty (same columns) when
        nobody entered that year.

    Raises:
        ValueError: For a year outside 2021–2025 or an unknown key.

    Example:
        >>> beneficiaries_reached(pkg, 2024, by="sex")["people"].tolist()  # female, male
        [6, 1]
    """
    year = _check_year(year)
    keys = _keys(by, BENEFICIARY_KEYS)
    ben = pkg["beneficiaries"]
    if year is not None:
        ben = ben[ben["entry_year"].eq(year).fillna(False).to_numpy(bool)]
    else:
        ben = ben.copy(deep=False)  # a column may be added below, never to the package's
    if "activity_type" in keys:
        ben["activity_type"] = (
            ben["activity_id"]
            .map(pkg["plans"].set_index("activity_id")["activity_type"])
            .astype("string")
        )
    columns = {k: str(ben[k].dtype) for k in keys} | {"people": "int64"}
    if ben.empty:
        return _empty(columns)
    counts = _group(ben, keys)["beneficiary_id"].nunique()
    out = (
        counts.rename("people").reset_index()
        if keys
        else pd.DataFrame({"people": [int(counts.iloc[0])]})
    )
    return _finish(out, keys, columns)
