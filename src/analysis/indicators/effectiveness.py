"""Effectiveness: did the programme deliver what it planned, and whom did it reach?

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> plan_vs_delivery(pkg, 2024, by="activity_type")["spent_vnd"].tolist()
    [50000000.0, 0.0, 55000000.0, 12000000.0, 3000000.0]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from analysis.indicators.common import (
    BENEFICIARY_KEYS,
    PLAN_KEYS,
    as_float,
    check_year,
    empty_frame,
    finish,
    group_by,
    group_keys,
    plans_of,
    spent_on,
)
from analysis.indicators.spec import indicator
from analysis.package import Package

__all__ = ["Completion", "beneficiaries_reached", "completion_rate", "plan_vs_delivery"]

# ------------------------------------------------------------------------------ indicators

PLAN_VS_DELIVERY_MEASURES = {
    "unit": "string",
    "n_activities": "int64",
    "n_reported": "int64",
    "planned_units": "float64",
    "delivered_units": "float64",
    "delivered_on_plan": "float64",
    "delivered_off_plan": "float64",
    "units_rate": "float64",
    "planned_amount_vnd": "float64",
    "spent_vnd": "float64",
    "spent_on_plan_vnd": "float64",
    "spent_off_plan_vnd": "float64",
    "amount_rate": "float64",
}


@indicator(
    "activities_planned",
    column="n_activities",
    evidence=("plans",),
    level="output",
    unit="activities",
    kwargs={"by": ()},
)
@indicator(
    "units_delivered_rate",
    column="units_rate",
    evidence=("outputs",),
    level="output",
    unit="percent",
    kwargs={"by": ()},
    in_section=True,
)
def plan_vs_delivery(
    pkg: Package, year: int | None = None, *, by: str | Iterable[str] = "activity_type"
) -> pd.DataFrame:
    """Planned against delivered units and money, per group of activities.

    Definition: for the activities planned in ``year`` (all years when None), grouped by
    ``by``:

    - ``units_rate`` = ``delivered_on_plan`` / ``planned_units``: the delivered units of the
      activities that state planned units over those planned units, never capped. An
      activity without an output row counts as nothing delivered (``n_reported`` says how
      many activities have one). Units of different kinds cannot be added: when a group
      mixes units (houses and gifts, say) ``unit`` is missing and the unit columns are NaN.
    - ``delivered_units`` = ``delivered_on_plan`` + ``delivered_off_plan``: every activity
      of the group (NaN when none has an output row), the second part from activities that
      state no planned units (an unplanned delivery never raises the rate; it is shown
      beside it). ``delivered_on_plan`` is NaN when no activity of the group states units.
    - ``amount_rate`` = ``spent_on_plan_vnd`` / ``planned_amount_vnd``: money spent
      (disbursements + expenditures, whatever their date) on the activities that state a
      planned amount over that amount, never capped. NaN when no activity of the group
      states an amount, or when the planned amount is zero (no division by zero).
    - ``spent_vnd`` = ``spent_on_plan_vnd`` + ``spent_off_plan_vnd``: every activity of
      the group, the second part from activities that state no planned amount.

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
        delivered_units, delivered_on_plan, delivered_off_plan, units_rate,
        planned_amount_vnd, spent_vnd, spent_on_plan_vnd, spent_off_plan_vnd, amount_rate;
        sorted by
        the keys (missing last). Empty (same columns) when no activity is planned that year.

    Raises:
        ValueError: For a year outside 2021–2025 or an unknown key.

    Example:
        >>> t = plan_vs_delivery(pkg, 2024, by="activity_type")
        >>> t.loc[t["activity_type"] == "pupil_sponsorship", "units_rate"].item()  # 2 / 5
        0.4
    """
    year = check_year(pkg, year)
    keys = group_keys(by, PLAN_KEYS)
    columns = {k: str(pkg["plans"][k].dtype) for k in keys} | PLAN_VS_DELIVERY_MEASURES
    act = plans_of(pkg, year)
    if act.empty:
        return empty_frame(columns)

    outputs = pkg["outputs"].set_index("activity_id")
    act["_planned_units"] = as_float(act["planned_units"])
    act["_delivered"] = as_float(act["activity_id"].map(outputs["delivered_units"]))
    act["_reported"] = act["activity_id"].isin(outputs.index).to_numpy(bool)
    act["_delivered_on_plan"] = act["_delivered"].fillna(0.0).where(act["_planned_units"].notna())
    act["_amount"] = as_float(act["planned_amount_vnd"])
    act["spent_on"] = spent_on(pkg, act)
    act["_delivered_off_plan"] = act["_delivered"].fillna(0.0).where(act["_planned_units"].isna())
    act["_spent_on_plan"] = act["spent_on"].where(act["_amount"].notna())
    act["_spent_off_plan"] = act["spent_on"].where(act["_amount"].isna(), 0.0)

    grouped = group_by(act, keys)
    sums = {
        col: grouped[col].sum(min_count=1)  # NaN when no activity of the group has a value
        for col in (
            "_planned_units",
            "_delivered",
            "_delivered_on_plan",
            "_delivered_off_plan",
            "_amount",
        )
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
            "delivered_on_plan": sums["_delivered_on_plan"].mask(mixed),
            "delivered_off_plan": sums["_delivered_off_plan"].fillna(0.0).mask(mixed),
            "units_rate": (sums["_delivered_on_plan"] / planned_units).where(planned_units > 0),
            "planned_amount_vnd": amount,
            "spent_vnd": grouped["spent_on"].sum(),
            "spent_on_plan_vnd": spent_on_plan.fillna(0.0),
            "spent_off_plan_vnd": grouped["_spent_off_plan"].sum(),
            "amount_rate": (spent_on_plan / amount).where(amount > 0),
        }
    )
    out = out.reset_index() if keys else out.reset_index(drop=True)
    for k in keys:
        out[k] = out[k].astype(columns[k])
    out["unit"] = out["unit"].astype("string")
    return finish(out, keys, columns)


@dataclass(frozen=True)
class Completion:
    """How far the activities with planned units delivered them.

    Attributes:
        n_activities: Activities of the period that state planned units.
        n_complete: Those that delivered at least their planned units.
        n_over: Those that delivered more than planned (counted as complete).
        rate: Mean completion (NaN when no activity states planned units).
    """

    n_activities: int
    n_complete: int
    n_over: int
    rate: float


def completion_rate(pkg: Package, year: int | None = None) -> Completion:
    """Average completion of the planned activities: the effectiveness headline.

    Definition: for each activity of ``year`` (all years when None) that states planned
    units, ``completion = min(delivered units, planned units) / planned units`` (an activity
    without an output row delivered nothing); ``rate`` is the mean over those activities,
    each counting once. Houses, pupils and gifts are never added together, activities
    without planned units are left out, and delivering beyond plan in one activity does not
    make up for another (``n_over`` says how many delivered beyond plan). Unit: fraction.

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years pooled.

    Returns:
        A :class:`Completion`.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> completion_rate(pkg, 2024).rate  # house 1 of 1, pupils 2 of 5: (1 + 0.4) / 2
        0.7
        >>> completion_rate(pkg, None).rate  # and 2023: house 1 of 1, cows 2 of 2
        0.85
    """
    year = check_year(pkg, year)
    act = plans_of(pkg, year)
    planned = as_float(act["planned_units"])
    act = act[(planned > 0).fillna(False).to_numpy(bool)]
    if act.empty:
        return Completion(0, 0, 0, math.nan)
    planned = as_float(act["planned_units"])
    outputs = pkg["outputs"].set_index("activity_id")["delivered_units"]
    delivered = as_float(act["activity_id"].map(outputs)).fillna(0.0)
    completion = delivered.clip(upper=planned) / planned
    return Completion(
        len(act),
        int((delivered >= planned).sum()),
        int((delivered > planned).sum()),
        float(completion.mean()),
    )


@indicator(
    "beneficiaries_reached",
    column="people",
    evidence=("beneficiaries",),
    level="output",
    unit="people",
    kwargs={"by": ()},
    people="reached",
)
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
    year = check_year(pkg, year)
    keys = group_keys(by, BENEFICIARY_KEYS)
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
        return empty_frame(columns)
    counts = group_by(ben, keys)["beneficiary_id"].nunique()
    out = (
        counts.rename("people").reset_index()
        if keys
        else pd.DataFrame({"people": [int(counts.iloc[0])]})
    )
    return finish(out, keys, columns)
