"""Whole-phase figures (2021–2025): totals and trends, trajectories, the cow ledger over time.

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> totals_by_year(pkg)["year"].tolist()
    [2023, 2024]
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.indicators.effectiveness import beneficiaries_reached, plan_vs_delivery
from analysis.indicators.sustainability import calving_rate, livestock_summary
from analysis.inference import BootstrapResult, bootstrap_ci
from analysis.package import Package

__all__ = [
    "Projection",
    "income_trajectories",
    "livestock_by_year",
    "revolving_projection",
    "totals_by",
    "totals_by_year",
]

END_OF_LEDGER = pd.Timestamp(2025, 12, 31)


def _plan_years(pkg: Package) -> list[int]:
    return sorted(int(y) for y in pkg["plans"]["year"].dropna().unique())


def totals_by_year(pkg: Package) -> pd.DataFrame:
    """Per plan year: planned, mobilised, disbursed, activities, people reached.

    Definitions: ``planned_vnd`` sums the plans' stated amounts; ``mobilised_vnd`` sums
    incoming-funds transactions dated in the year; ``spent_vnd`` sums the disbursements and
    expenditures of the year's activities; ``people`` counts distinct beneficiaries whose entry
    year is the year. Unit: đồng, activities, people.

    Example:
        >>> totals_by_year(pkg).set_index("year").loc[2024, "planned_vnd"]  # 50+50+30 M
        np.float64(130000000.0)
    """
    tx = pkg["transactions"]
    incoming = tx[tx["transaction_type"] == "incoming_funds"]
    mobilised = incoming.groupby(incoming["date"].dt.year)["amount_vnd"].sum()
    # plan_vs_delivery and beneficiaries_reached of every year at once, grouped by year
    pvd = plan_vs_delivery(pkg, None, by="year").set_index("year")
    reached = beneficiaries_reached(pkg, None, by="entry_year").set_index("entry_year")["people"]
    years = _plan_years(pkg)
    out = pd.DataFrame({"year": years})
    out["activities"] = [int(pvd["n_activities"].get(y, 0)) for y in years]
    out["planned_vnd"] = [_sum_or_zero(pvd["planned_amount_vnd"].get(y)) for y in years]
    out["mobilised_vnd"] = [float(mobilised.get(y, 0)) for y in years]
    out["spent_vnd"] = [_sum_or_zero(pvd["spent_vnd"].get(y)) for y in years]
    out["people"] = [int(reached.get(y, 0)) for y in years]
    return out


def _sum_or_zero(value) -> float:
    """A year's total of a plan_vs_delivery column: 0 when the year has no value (the sum
    of the year's groups, as ``Series.sum`` gives 0 for nothing)."""
    return 0.0 if value is None or pd.isna(value) else float(value)


def totals_by(pkg: Package, by: str) -> pd.DataFrame:
    """Whole-phase planned, spent and people reached per ``by`` (commune_code, activity_type or
    implementing_unit). People are distinct beneficiaries of the group's activities.

    Example:
        >>> t = totals_by(pkg, "activity_type").set_index("activity_type")
        >>> int(t.loc["charity_house", "people"])  # B1 in 2024, one in 2023 (Sín Thầu)
        2
    """
    if by not in ("commune_code", "activity_type", "implementing_unit"):
        raise ValueError(f"by={by!r}: use commune_code, activity_type or implementing_unit")
    pvd = plan_vs_delivery(pkg, None, by=by)[
        [by, "n_activities", "planned_amount_vnd", "spent_vnd"]
    ]
    plans = pkg["plans"].set_index("activity_id")
    ben = pkg["beneficiaries"]
    key = ben["commune_code"] if by == "commune_code" else ben["activity_id"].map(plans[by])
    people = ben.groupby(key.astype("string"))["beneficiary_id"].nunique().rename("people")
    out = pvd.merge(people, left_on=by, right_index=True, how="left")
    out["people"] = out["people"].fillna(0).astype("int64")
    return out.sort_values(by, na_position="last").reset_index(drop=True)


def income_trajectories(pkg: Package, *, horizon: int = 4, seed: int = 20240101) -> pd.DataFrame:
    """Mean income per person per month by years since entry (0 = entry year), with bootstrap
    95% intervals and the number of beneficiaries observed at each point.

    Example:
        >>> income_trajectories(pkg)["years_since_entry"].tolist()[:1]
        [0]
    """
    fu = pkg["beneficiary_followups"]
    entry = fu["beneficiary_id"].map(pkg["beneficiaries"].set_index("beneficiary_id")["entry_year"])
    since = (fu["year"] - entry).astype("Int64")
    rows = []
    for k in range(horizon + 1):
        values = (
            fu.loc[(since == k).fillna(False).to_numpy(bool), "income_per_person_month_vnd"]
            .dropna()
            .astype(float)
        )
        result: BootstrapResult = bootstrap_ci(values.to_numpy(), seed=seed)
        rows.append(
            {
                "years_since_entry": k,
                "n": result.n,
                "mean_vnd": result.estimate,
                "low_vnd": result.low,
                "high_vnd": result.high,
            }
        )
    out = pd.DataFrame(rows)
    return out[out["n"] > 0].reset_index(drop=True)


def livestock_by_year(pkg: Package) -> pd.DataFrame:
    """The whole ledger at the end of each plan year (the ``all`` row of livestock_summary)."""
    rows = []
    for year in _plan_years(pkg):
        summary = livestock_summary(pkg, year)
        if summary.empty:
            continue
        total = summary[summary["commune_code"] == "all"].iloc[0].to_dict()
        rows.append({"year": year, **{k: v for k, v in total.items() if k != "commune_code"}})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Projection:
    """A herd projection from cohort-based rates measured on the ledger, and its assumptions.

    Attributes:
        births_per_cow_year: Calves per animal-year of the breeding cows handed out
            (:func:`~analysis.indicators.sustainability.calving_rate`): only cows that can
            calve are counted, not calves or the whole herd.
        deaths_per_animal_year, sales_per_animal_year: yearly rates over every animal.
        pass_on_per_birth: animals passed on to a new household per calf born.
        animal_years: exposure of every animal (the deaths' and sales' denominator).
        cow_years: exposure of the breeding cows (the births' denominator).
        female_share: Assumed share of calves that are heifers (the ledger records no sex).
        first_calving_years: Assumed age at which a heifer joins the breeding cows.
        table: year, cows, young, herd, new_households (projected), from the ledger's last
            year to ``until``.
        keeps_revolving: True when the projected herd grows over the projection.
    """

    births_per_cow_year: float
    deaths_per_animal_year: float
    sales_per_animal_year: float
    pass_on_per_birth: float
    animal_years: float
    cow_years: float
    female_share: float
    first_calving_years: int
    table: pd.DataFrame
    keeps_revolving: bool


def revolving_projection(
    pkg: Package,
    *,
    until: int = 2030,
    female_share: float = 0.5,
    first_calving_years: int = 2,
) -> Projection | None:
    """Project the cow herd and the households it reaches, by cohort, from the ledger's rates.

    Rates: births per cow-year of the breeding cows handed out (their calves over the years
    they were held); deaths and sales per animal-year of every animal (each exposed from
    receipt or birth to death, sale or the end of the ledger, 31/12/2025); calves passed on
    per calf born. The herd at the end of the ledger is split into breeding cows (the cows
    received, still alive) and young stock (calves born). Each year: calves = cows x births;
    deaths and sales take their rates from both groups; heifers (``female_share`` of the
    calves, an assumption: the ledger records no sex) join the cows ``first_calving_years``
    after birth; new households = calves x pass-on per calf. Unlike a rate over the whole
    herd, calves do not bear calves before their age. None when the ledger is empty.

    Example:
        >>> p = revolving_projection(pkg)
        >>> p.female_share, p.first_calving_years, p.keeps_revolving in (True, False)
        (0.5, 2, True)
    """
    ev = pkg["livestock_events"]
    if ev.empty:
        return None
    kind = ev["event_type"]
    origin = (
        ev[kind.isin(["received", "calf_born"]).to_numpy(bool)].groupby("animal_id")["date"].min()
    )
    end = ev[kind.isin(["died", "sold"]).to_numpy(bool)].groupby("animal_id")["date"].min()
    stop = end.reindex(origin.index).fillna(END_OF_LEDGER)
    exposure = float(((stop - origin).dt.days.clip(lower=0) / 365.25).sum())
    calving = calving_rate(pkg, None)
    if exposure <= 0 or not calving.animal_years:
        return None
    count = kind.value_counts()
    deaths = count.get("died", 0) / exposure
    sales = count.get("sold", 0) / exposure
    pass_on = count.get("passed_on", 0) / count["calf_born"] if count.get("calf_born", 0) else 0.0
    alive = stop >= END_OF_LEDGER
    received = set(ev.loc[kind.eq("received").to_numpy(bool), "animal_id"])
    cows = float(sum(alive[a] for a in alive.index if a in received))
    young = [0.0] * first_calving_years  # young stock by age, youngest first
    young[-1] = float(alive.sum()) - cows  # calves alive at the end: counted as the oldest
    rows = []
    start = cows + sum(young)
    for year in range(int(ev["date"].max().year) + 1, until + 1):
        keep = 1 - deaths - sales
        calves = cows * calving.rate
        cows = (cows + young[-1] * female_share) * keep
        young = [calves * keep, *(y * keep for y in young[:-1])]
        rows.append(
            {
                "year": year,
                "cows": cows,
                "young": sum(young),
                "herd": cows + sum(young),
                "new_households": calves * pass_on,
            }
        )
    table = pd.DataFrame(rows, columns=["year", "cows", "young", "herd", "new_households"])
    return Projection(
        float(calving.rate),
        float(deaths),
        float(sales),
        float(pass_on),
        exposure,
        float(calving.animal_years),
        female_share,
        first_calving_years,
        table,
        bool(len(table) and table["herd"].iloc[-1] > start),
    )
