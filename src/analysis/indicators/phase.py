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
from analysis.indicators.sustainability import livestock_summary
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
    rows = []
    for year in _plan_years(pkg):
        pvd = plan_vs_delivery(pkg, year, by="activity_type")
        reached = beneficiaries_reached(pkg, year, by=())
        rows.append(
            {
                "year": year,
                "activities": int(pvd["n_activities"].sum()) if len(pvd) else 0,
                "planned_vnd": float(pvd["planned_amount_vnd"].sum()) if len(pvd) else 0.0,
                "mobilised_vnd": float(mobilised.get(year, 0)),
                "spent_vnd": float(pvd["spent_vnd"].sum()) if len(pvd) else 0.0,
                "people": int(reached["people"].sum()) if len(reached) else 0,
            }
        )
    return pd.DataFrame(
        rows, columns=["year", "activities", "planned_vnd", "mobilised_vnd", "spent_vnd", "people"]
    )


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
    """A herd projection and the rates it assumes, all measured on the ledger.

    Attributes:
        births_per_animal_year, deaths_per_animal_year, sales_per_animal_year: yearly rates.
        pass_on_per_birth: animals passed on to a new household per calf born.
        animal_years: exposure the rates are measured on.
        table: year, herd, new_households (projected), from the ledger's last year to ``until``.
        keeps_revolving: True when births outnumber deaths and sales (the herd grows).
    """

    births_per_animal_year: float
    deaths_per_animal_year: float
    sales_per_animal_year: float
    pass_on_per_birth: float
    animal_years: float
    table: pd.DataFrame
    keeps_revolving: bool


def revolving_projection(pkg: Package, *, until: int = 2030) -> Projection | None:
    """Project the cow herd and the households it reaches, from the ledger's own rates.

    Each animal is exposed from its receipt or birth to its death, sale or the end of the
    ledger (31/12/2025); rates are events per animal-year. From the herd at the end of the
    ledger, each year: ``herd += herd × (births − deaths − sales)`` and ``new households =
    herd × births × pass_on_per_birth``. None when the ledger is empty.

    Example:
        >>> p = revolving_projection(pkg)
        >>> p.keeps_revolving in (True, False)
        True
    """
    ev = pkg["livestock_events"]
    if ev.empty:
        return None
    origin = ev[ev["event_type"].isin(["received", "calf_born"])].groupby("animal_id")["date"].min()
    end = ev[ev["event_type"].isin(["died", "sold"])].groupby("animal_id")["date"].min()
    stop = end.reindex(origin.index).fillna(END_OF_LEDGER)
    exposure = float(((stop - origin).dt.days.clip(lower=0) / 365.25).sum())
    if exposure <= 0:
        return None
    count = ev["event_type"].value_counts()
    births = count.get("calf_born", 0) / exposure
    deaths = count.get("died", 0) / exposure
    sales = count.get("sold", 0) / exposure
    pass_on = (
        count.get("passed_on", 0) / count.get("calf_born", 1) if count.get("calf_born", 0) else 0.0
    )
    last = livestock_summary(pkg, None)
    herd = float(last.loc[last["commune_code"] == "all", "herd_alive"].iloc[0])
    start_year = int(ev["date"].max().year)
    rows = []
    for year in range(start_year + 1, until + 1):
        new_households = herd * births * pass_on
        herd = herd * (1 + births - deaths - sales)
        rows.append({"year": year, "herd": herd, "new_households": new_households})
    return Projection(
        float(births),
        float(deaths),
        float(sales),
        float(pass_on),
        exposure,
        pd.DataFrame(rows),
        bool(births > deaths + sales),
    )
