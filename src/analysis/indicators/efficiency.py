"""Efficiency: how well money was turned into outputs, and how fast it moved.

Money spent on an activity is the sum of its disbursements and expenditures (IATI types 3
and 4), whatever their date; activity-level indicators select activities by plan year.
Money mobilised (incoming funds) and the year's spending in ``funds_mobilised`` are
selected by transaction date instead.

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> budget_execution(pkg, 2024)["execution_rate"].item()  # 117 / 130 million
    0.9
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.indicators.common import (
    PLAN_KEYS,
    SPENDING_TYPES,
    as_float,
    check_year,
    empty_frame,
    finish,
    group_by,
    group_keys,
    plans_of,
    ratio,
    spent_on,
)
from analysis.indicators.spec import indicator
from analysis.package import Package

__all__ = [
    "DisbursementDelay",
    "FundsMobilised",
    "budget_execution",
    "cost_per_beneficiary",
    "cost_per_unit",
    "cost_vs_benchmark",
    "disbursement_delay_summary",
    "funds_mobilised",
    "time_to_disbursement",
    "unit_cost_benchmarks",
]


def _aggregate(act: pd.DataFrame, keys: list[str], sums: dict[str, str]) -> pd.DataFrame:
    """Per group: ``n_activities`` and the NaN-aware sums ``{output: input column}``."""
    grouped = group_by(act, keys)
    out = grouped.size().rename("n_activities").to_frame()
    for name, col in sums.items():
        out[name] = grouped[col].sum(min_count=1)
    return out.reset_index() if keys else out.reset_index(drop=True)


@indicator(
    "budget_execution_rate",
    column="execution_rate",
    evidence=("transactions",),
    level="output",
    unit="percent",
)
def budget_execution(
    pkg: Package, year: int | None = None, *, by: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """Budget execution rate: money spent on planned activities / their planned amount.

    Definition: among the activities of ``year`` (all years when None) whose plan states an
    amount, ``execution_rate = spent_vnd / planned_amount_vnd``. Numerator: disbursements +
    expenditures on those activities. Denominator: their planned amounts. Unit: fraction
    (1.0 = 100 %; above 1 means over-spent). When the planned amount of a group is zero the
    rate is NaN, not an error.

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years pooled.
        by: None for one total row, or key(s) among activity_id, activity_type,
            commune_code, implementing_unit, province_code, scope, year.

    Returns:
        The keys, n_activities, planned_amount_vnd, spent_vnd, execution_rate; sorted by
        the keys. Empty (same columns) when no activity of the year states an amount.

    Raises:
        ValueError: For a year outside 2021–2025 or an unknown key.

    Example:
        >>> budget_execution(pkg, 2024)[["planned_amount_vnd", "spent_vnd"]].iloc[0].tolist()
        [130000000.0, 117000000.0]
    """
    year = check_year(pkg, year)
    keys = group_keys(by, PLAN_KEYS)
    columns = {k: str(pkg["plans"][k].dtype) for k in keys} | {
        "n_activities": "int64",
        "planned_amount_vnd": "float64",
        "spent_vnd": "float64",
        "execution_rate": "float64",
    }
    act = plans_of(pkg, year)
    act = act[act["planned_amount_vnd"].notna().to_numpy(bool)]
    if act.empty:
        return empty_frame(columns)
    act["_amount"] = as_float(act["planned_amount_vnd"])
    act["spent_on"] = spent_on(pkg, act)
    out = _aggregate(act, keys, {"planned_amount_vnd": "_amount", "spent_vnd": "spent_on"})
    out["execution_rate"] = ratio(out["spent_vnd"], out["planned_amount_vnd"])
    return finish(out, keys, columns)


@indicator(
    "cost_per_beneficiary",
    column="cost_per_beneficiary_vnd",
    evidence=("transactions",),
    level="output",
    unit="vnd",
    ascending=False,
    kwargs={"by": None},
    count="beneficiaries",
)
def cost_per_beneficiary(
    pkg: Package, year: int | None = None, *, by: str | Iterable[str] | None = "activity_type"
) -> pd.DataFrame:
    """Cost per beneficiary: money spent / people supported, for activities with people.

    Definition: over the activities of ``year`` (all years when None) that have at least
    one registered beneficiary, ``cost_per_beneficiary_vnd = spent_vnd / beneficiaries``.
    Numerator: disbursements + expenditures on those activities. Denominator: distinct
    beneficiaries of those activities who entered the programme in ``year`` (for one year:
    people who joined later, such as households receiving a passed-on calf, belong to the
    year they joined, so re-rendering an old year never changes it; for all years: every
    beneficiary of the activities). Unit: đồng per person. Activities with no registered
    beneficiary (communication, say) are left out of both.

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years pooled.
        by: None for one total row, or key(s) among activity_id, activity_type,
            commune_code, implementing_unit, province_code, scope, year.

    Returns:
        The keys, n_activities, spent_vnd, beneficiaries, cost_per_beneficiary_vnd;
        sorted by the keys. Empty (same columns) when no activity of the year has people.

    Raises:
        ValueError: For a year outside 2021–2025 or an unknown key.

    Example:
        >>> t = cost_per_beneficiary(pkg, 2024)
        >>> t.set_index("activity_type")["cost_per_beneficiary_vnd"]["livelihood_capital"]
        np.float64(27500000.0)
    """
    year = check_year(pkg, year)
    keys = group_keys(by, PLAN_KEYS)
    columns = {k: str(pkg["plans"][k].dtype) for k in keys} | {
        "n_activities": "int64",
        "spent_vnd": "float64",
        "beneficiaries": "int64",
        "cost_per_beneficiary_vnd": "float64",
    }
    ben = pkg["beneficiaries"]
    if year is not None:
        ben = ben[ben["entry_year"].eq(year).fillna(False).to_numpy(bool)]
    people = ben.groupby("activity_id")["beneficiary_id"].nunique()
    act = plans_of(pkg, year)
    act["_people"] = as_float(act["activity_id"].map(people)).fillna(0.0)
    act = act[(act["_people"] > 0).to_numpy(bool)]
    if act.empty:
        return empty_frame(columns)
    act["spent_on"] = spent_on(pkg, act)
    out = _aggregate(act, keys, {"spent_vnd": "spent_on", "beneficiaries": "_people"})
    out["cost_per_beneficiary_vnd"] = ratio(out["spent_vnd"], out["beneficiaries"])
    return finish(out, keys, columns)


COMPARABLE_BASIS = "support_amount"
"""The programme's plans record what it gave per unit: only benchmarks of the same basis
(``unit_costs.cost_basis``) are comparable; a house's full build cost is not."""

UNIT_KEYS = ["activity_type", "unit", "livelihood_model"]
"""What makes two unit costs comparable: the same support, unit and, for livelihood
packages, the same model (four breeding cows are not a pig)."""


def cost_per_unit(pkg: Package, year: int | None = None) -> pd.DataFrame:
    """Cost per delivered unit, per activity type, unit and livelihood model.

    Definition: over the activities of ``year`` (all years when None) that report
    delivered units (> 0) in a stated unit, ``cost_per_unit_vnd = spent_vnd /
    delivered_units``. Numerator: disbursements + expenditures on those activities.
    Denominator: their delivered units. Unit: đồng per unit (per house, per pupil...). A
    plan covers one year, so for pupil sponsorship the cost is per pupil per year.
    ``livelihood_model`` is missing for activities that are not livelihood packages.

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years pooled.

    Returns:
        activity_type, unit, livelihood_model, n_activities, spent_vnd, delivered_units,
        cost_per_unit_vnd; sorted by the first three. Empty (same columns) when nothing was
        delivered.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> t = cost_per_unit(pkg, 2024)
        >>> t.loc[t["unit"] == "house", "cost_per_unit_vnd"].item()
        50000000.0
    """
    year = check_year(pkg, year)
    keys = UNIT_KEYS
    columns = {
        "activity_type": "string",
        "unit": "string",
        "livelihood_model": "string",
        "n_activities": "int64",
        "spent_vnd": "float64",
        "delivered_units": "float64",
        "cost_per_unit_vnd": "float64",
    }
    act = plans_of(pkg, year)
    act["_delivered"] = as_float(
        act["activity_id"].map(pkg["outputs"].set_index("activity_id")["delivered_units"])
    )
    act = act[((act["_delivered"] > 0) & act["unit"].notna()).to_numpy(bool)]
    if act.empty:
        return empty_frame(columns)
    act["spent_on"] = spent_on(pkg, act)
    out = _aggregate(act, keys, {"spent_vnd": "spent_on", "delivered_units": "_delivered"})
    out["cost_per_unit_vnd"] = ratio(out["spent_vnd"], out["delivered_units"])
    return finish(out, keys, columns)


def unit_cost_benchmarks(pkg: Package) -> pd.DataFrame:
    """Sourced benchmark unit costs comparable with the programme's, summarised.

    Definition: over the benchmarks whose ``cost_basis`` is a support amount (what the
    programme's plans record; :data:`COMPARABLE_BASIS`), the minimum, median and maximum of
    ``unit_costs.amount_vnd`` and the number of benchmarks, per activity type, unit and
    livelihood model (:data:`UNIT_KEYS`), over all years and places. Unit: đồng per unit
    (for pupils: per pupil per year). No numerator or denominator: a distribution.

    Args:
        pkg: The loaded package.

    Returns:
        activity_type, unit, livelihood_model, n, min_vnd, median_vnd, max_vnd; sorted by
        the keys. Empty (same columns) when the package has no comparable benchmark.

    Example:
        >>> t = unit_cost_benchmarks(pkg)  # Kon Tum's 90 M house is a worth, not a support
        >>> t.loc[0, ["min_vnd", "median_vnd", "max_vnd"]].tolist(), int(t.loc[0, "n"])
        ([50000000.0, 50000000.0, 50000000.0], 1)
    """
    keys = UNIT_KEYS
    columns = {
        "activity_type": "string",
        "unit": "string",
        "livelihood_model": "string",
        "n": "int64",
        "min_vnd": "float64",
        "median_vnd": "float64",
        "max_vnd": "float64",
    }
    uc = pkg["unit_costs"]
    uc = uc[uc["cost_basis"].eq(COMPARABLE_BASIS).fillna(False).to_numpy(bool)].copy()
    if uc.empty:
        return empty_frame(columns)
    uc["_amount"] = as_float(uc["amount_vnd"])
    out = (
        uc.groupby(keys, dropna=False)["_amount"]
        .agg(n="count", min_vnd="min", median_vnd="median", max_vnd="max")
        .reset_index()
    )
    return finish(out, keys, columns)


def cost_vs_benchmark(pkg: Package, year: int | None = None) -> pd.DataFrame:
    """Cost per unit compared with the median sourced benchmark.

    Definition: ``ratio = cost_per_unit_vnd / benchmark_median_vnd`` for each activity type,
    unit and livelihood model of :func:`cost_per_unit`, matched on all three with the
    comparable benchmarks of :func:`unit_cost_benchmarks` (support amounts only).
    Numerator: the programme's cost per delivered unit. Denominator: the median benchmark.
    Unit: ratio (1.0 = the benchmark; for pupil sponsorship both are per pupil per year).
    NaN when no comparable benchmark exists (a cow package has none: the one published
    livelihood package buys pigs).

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years pooled.

    Returns:
        activity_type, unit, livelihood_model, cost_per_unit_vnd, benchmark_median_vnd,
        benchmark_n, ratio; sorted by the keys. Empty (same columns) when nothing was
        delivered.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> t = cost_vs_benchmark(pkg, 2024)
        >>> t.loc[t["unit"] == "pupil", "ratio"].item()  # 6 million / 6 million
        1.0
    """
    keys = UNIT_KEYS
    columns = {
        "activity_type": "string",
        "unit": "string",
        "livelihood_model": "string",
        "cost_per_unit_vnd": "float64",
        "benchmark_median_vnd": "float64",
        "benchmark_n": "int64",
        "ratio": "float64",
    }
    costs = cost_per_unit(pkg, year)
    if costs.empty:
        return empty_frame(columns)
    bench = unit_cost_benchmarks(pkg).rename(
        columns={"median_vnd": "benchmark_median_vnd", "n": "benchmark_n"}
    )
    # A missing model (a house, say) matches a missing model: merge on text, "" for none.
    left = costs.assign(_model=costs["livelihood_model"].fillna("").astype(str))
    right = bench.assign(_model=bench["livelihood_model"].fillna("").astype(str))
    on = ["activity_type", "unit", "_model"]
    out = left.merge(right[[*on, "benchmark_median_vnd", "benchmark_n"]], on=on, how="left")
    out["benchmark_n"] = out["benchmark_n"].fillna(0)
    out["ratio"] = ratio(out["cost_per_unit_vnd"], out["benchmark_median_vnd"])
    return finish(out, keys, columns)


def time_to_disbursement(pkg: Package, year: int | None = None) -> pd.DataFrame:
    """Days from an activity's first commitment to its first disbursement.

    Definition: for each activity of ``year`` (all years when None) with a commitment or a
    disbursement, ``days = first disbursement date - first commitment date``. Unit: days.
    ``days`` is NaN when either transaction is missing (an activity paid only through
    expenditures, or committed but not yet disbursed); a negative value means money was
    disbursed before it was committed, a data problem worth reporting. Summarise with
    :func:`disbursement_delay_summary`.

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years.

    Returns:
        activity_id, activity_type, first_commitment, first_disbursement (datetime64),
        days (float64); sorted by activity_id. Empty (same columns) when no activity of the
        year has a commitment or disbursement.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> time_to_disbursement(pkg, 2024)["days"].tolist()  # cows, house, pupils
        [30.0, 45.0, 60.0]
    """
    year = check_year(pkg, year)
    columns = {
        "activity_id": "string",
        "activity_type": "string",
        "first_commitment": "datetime64[us]",
        "first_disbursement": "datetime64[us]",
        "days": "float64",
    }
    act = plans_of(pkg, year)
    tx = pkg["transactions"]
    tx = tx[tx["activity_id"].isin(act["activity_id"]).fillna(False).to_numpy(bool)]
    if tx.empty:
        return empty_frame(columns)
    first = tx.groupby(["activity_id", "transaction_type"])["date"].min().unstack()
    first = first.reindex(columns=["commitment", "disbursement"])
    first = first[first.notna().any(axis=1)]
    if first.empty:
        return empty_frame(columns)
    out = pd.DataFrame(
        {
            "activity_id": first.index.astype("string"),
            "first_commitment": pd.to_datetime(first["commitment"]).to_numpy(),
            "first_disbursement": pd.to_datetime(first["disbursement"]).to_numpy(),
        }
    )
    out["activity_type"] = (
        out["activity_id"].map(act.set_index("activity_id")["activity_type"]).astype("string")
    )
    out["days"] = (out["first_disbursement"] - out["first_commitment"]).dt.days.astype(float)
    out = finish(out, ["activity_id"], columns)
    for col in ("first_commitment", "first_disbursement"):
        out[col] = pd.to_datetime(out[col])
    return out


@dataclass(frozen=True)
class DisbursementDelay:
    """Summary of :func:`time_to_disbursement`.

    Attributes:
        n_activities: Activities with a commitment or a disbursement.
        n_measured: Activities with both (the days that are summarised).
        median_days: Median days from first commitment to first disbursement (NaN if none).
        mean_days: Mean of the same (NaN if none).
        max_days: Longest delay (NaN if none).
    """

    n_activities: int
    n_measured: int
    median_days: float
    mean_days: float
    max_days: float


def disbursement_delay_summary(pkg: Package, year: int | None = None) -> DisbursementDelay:
    """Median, mean and longest time from commitment to disbursement.

    Definition: summary statistics of the ``days`` column of :func:`time_to_disbursement`,
    over activities that have both a commitment and a disbursement. Unit: days.

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years.

    Returns:
        A :class:`DisbursementDelay` (NaN statistics when nothing can be measured).

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> disbursement_delay_summary(pkg, 2024).median_days  # 30, 45, 60 days
        45.0
    """
    table = time_to_disbursement(pkg, year)
    days = table["days"].dropna()
    if days.empty:
        return DisbursementDelay(len(table), 0, math.nan, math.nan, math.nan)
    return DisbursementDelay(
        len(table), len(days), float(days.median()), float(days.mean()), float(days.max())
    )


@dataclass(frozen=True, eq=False)
class FundsMobilised:
    """Money mobilised in a year, by contributor, against money spent.

    Attributes:
        table: contributor_kind, incoming_vnd, share (of all incoming funds), sorted by
            contributor_kind (missing last).
        incoming_vnd: All incoming funds.
        spent_vnd: All disbursements and expenditures dated in the period.
        coverage: ``incoming_vnd / spent_vnd`` (NaN when nothing was spent).
    """

    table: pd.DataFrame
    incoming_vnd: float
    spent_vnd: float
    coverage: float


def funds_mobilised(pkg: Package, year: int | None = None) -> FundsMobilised:
    """Incoming funds by contributor kind, and how far they cover the year's spending.

    Definition: transactions dated in ``year`` (all dates when None). ``share`` = incoming
    funds of a contributor kind / all incoming funds. ``coverage`` = all incoming funds /
    all disbursements and expenditures of the same period. Unit: đồng; share and coverage
    are fractions (coverage above 1: more raised than spent).

    Args:
        pkg: The loaded package.
        year: Calendar year of the transactions (2021–2025), or None for all.

    Returns:
        A :class:`FundsMobilised`; its table is empty (same columns) when nothing came in.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> f = funds_mobilised(pkg, 2024)
        >>> f.incoming_vnd, f.spent_vnd, f.coverage  # 150 / 120 million
        (150000000.0, 120000000.0, 1.25)
    """
    year = check_year(pkg, year)
    columns = {"contributor_kind": "string", "incoming_vnd": "float64", "share": "float64"}
    tx = pkg["transactions"]
    if year is not None:
        tx = tx[(tx["date"].dt.year == year).fillna(False).to_numpy(bool)]
    incoming = tx[tx["transaction_type"].eq("incoming_funds").fillna(False).to_numpy(bool)]
    spending = tx[tx["transaction_type"].isin(SPENDING_TYPES).fillna(False).to_numpy(bool)]
    total_in = float(as_float(incoming["amount_vnd"]).sum())
    total_spent = float(as_float(spending["amount_vnd"]).sum())
    if incoming.empty:
        table = empty_frame(columns)
    else:
        table = (
            incoming.assign(_amount=as_float(incoming["amount_vnd"]))
            .groupby("contributor_kind", dropna=False)["_amount"]
            .sum()
            .rename("incoming_vnd")
            .reset_index()
        )
        table["share"] = table["incoming_vnd"] / total_in if total_in > 0 else np.nan
        table = finish(table, ["contributor_kind"], columns)
    coverage = total_in / total_spent if total_spent > 0 else math.nan
    return FundsMobilised(table, total_in, total_spent, coverage)
