"""Sustainability: do the herds grow, do households stay out of poverty, do communes graduate?

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> graduated_communes(pkg)["name_official"].tolist()
    ['Sín Thầu']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analysis.indicators.common import (
    ALL,
    as_float,
    check_year,
    empty_frame,
    finish,
    phase_years,
    pupil_ids,
)
from analysis.indicators.spec import indicator
from analysis.package import Package

__all__ = [
    "CalvingRate",
    "PassOn",
    "calving_rate",
    "graduated_communes",
    "livestock_summary",
    "pass_on_rate",
    "persistence_cases",
    "poverty_persistence",
]

LIVESTOCK_COLUMNS = {
    "commune_code": "string",
    "animals_received": "int64",
    "calves_born": "int64",
    "died": "int64",
    "sold": "int64",
    "passed_on": "int64",
    "herd_alive": "int64",
    "herd_per_animal_received": "float64",
    "survival_rate": "float64",
    "pass_on_rate": "float64",
}


EVENT_KINDS = ("received", "calf_born", "died", "sold", "passed_on")


def _livestock_counts(events: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
    """The counts and rates of the events of each value of ``group`` (see
    :func:`livestock_summary`), one row per group, indexed by it."""
    kind = events["event_type"]
    # Originally received animals that died: an animal's events all fall in the group of its
    # origin, so the animals received anywhere are the ones received in the group.
    received_ids = events.loc[kind.eq("received").fillna(False).to_numpy(bool), "animal_id"]
    flags = {name: kind.eq(name).fillna(False).to_numpy(bool) for name in EVENT_KINDS}
    flags["died_received"] = flags["died"] & events["animal_id"].isin(received_ids).to_numpy(bool)
    counts = pd.DataFrame(flags).groupby(group.to_numpy(object), dropna=False).sum()
    died_received = counts["died_received"]
    received = counts["received"]
    herd = received + counts["calf_born"] - counts["died"] - counts["sold"]
    per_received = received.where(received > 0)  # NaN rates where nothing was received
    return pd.DataFrame(
        {
            "animals_received": received,
            "calves_born": counts["calf_born"],
            "died": counts["died"],
            "sold": counts["sold"],
            "passed_on": counts["passed_on"],
            "herd_alive": herd,
            "herd_per_animal_received": herd / per_received,
            "survival_rate": 1 - died_received / per_received,
            "pass_on_rate": counts["passed_on"] / per_received,
        }
    )


@indicator(
    "herd_per_animal",
    column="herd_per_animal_received",
    evidence=("livestock_events",),
    level="outcome",
    unit="head",
    in_section=True,
)
def livestock_summary(pkg: Package, year: int | None = None) -> pd.DataFrame:
    """The revolving breeding-cow scheme as of 31 December of ``year``.

    Definition: counting the ledger's events dated up to 31 December of ``year`` (all
    events when None):

    - ``herd_alive`` = animals received + calves born - died - sold. An animal passed on is
      still alive in the scheme, held by the next household, so passing on does not reduce
      the herd.
    - ``herd_per_animal_received`` = herd_alive / animals_received (above 1: the herd grew).
    - ``survival_rate`` = 1 - (originally received animals that died) / animals_received;
      calves that died are not counted here.
    - ``pass_on_rate`` = pass-on events / animals_received.

    An animal belongs to the commune of the household that received it (or in which it was
    born), even if it is later passed on elsewhere. Numerators: animals (events).
    Denominator: animals received. Units: head; fractions.

    Args:
        pkg: The loaded package.
        year: Cut-off year (2021–2025), or None for the whole ledger.

    Returns:
        commune_code, animals_received, calves_born, died, sold, passed_on, herd_alive,
        herd_per_animal_received, survival_rate, pass_on_rate: one row per commune (sorted)
        and a last row with ``commune_code == "all"``. Rates are NaN where no animal was
        received. Empty (same columns) when no event happened by then.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> t = livestock_summary(pkg, 2024).set_index("commune_code")
        >>> int(t.loc["all", "herd_alive"]), t.loc["all", "survival_rate"]  # 2+1-1; 1-1/2
        (2, np.float64(0.5))
    """
    year = check_year(pkg, year)
    ev = pkg["livestock_events"].copy(deep=False)
    if year is not None:
        ev = ev[(ev["date"] <= pd.Timestamp(year, 12, 31)).fillna(False).to_numpy(bool)]
    if ev.empty:
        return empty_frame(LIVESTOCK_COLUMNS)
    commune_of = pkg["beneficiaries"].set_index("beneficiary_id")["commune_code"]
    ev["_commune"] = ev["beneficiary_id"].map(commune_of)
    origin = ev[ev["event_type"].isin(["received", "calf_born"]).fillna(False).to_numpy(bool)]
    origin = origin.sort_values(["date", "event_id"]).drop_duplicates("animal_id")
    ev["_commune"] = (
        ev["animal_id"]
        .map(origin.set_index("animal_id")["_commune"])
        .fillna(ev["_commune"])
        .astype("string")
    )
    by_commune = _livestock_counts(ev, ev["_commune"])
    per_commune = finish(
        by_commune.assign(commune_code=by_commune.index.to_numpy()),
        ["commune_code"],
        LIVESTOCK_COLUMNS,
    )
    total = _livestock_counts(ev, pd.Series(ALL, index=ev.index)).assign(commune_code=ALL)
    out = pd.concat([per_commune, total], ignore_index=True)
    out["commune_code"] = out["commune_code"].astype("string")
    return out[list(LIVESTOCK_COLUMNS)]


DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class CalvingRate:
    """Calves born to the cows the scheme handed out, per year each cow was in the scheme.

    Attributes:
        animals: Animals received by households (the scheme's breeding stock).
        animal_years: Years those animals spent in the scheme by the cut-off.
        calves: Calves born to them by the cut-off.
        rate: ``calves / animal_years`` (NaN when no animal-year has passed).
    """

    animals: int
    animal_years: float
    calves: int
    rate: float


def calving_rate(pkg: Package, year: int | None = None) -> CalvingRate:
    """Calves per animal-year: herd growth adjusted for how long each cow has been held.

    Definition: the animals are those with a ``received`` event dated up to 31 December of
    ``year`` (the whole ledger when None: up to 31 December of the year of its last event).
    Each is exposed from the day it was received to the cut-off, or to the day it died or
    was sold if earlier (passing it on to the next household does not end its exposure).
    Numerator: ``calf_born`` events up to the cut-off whose ``mother_animal_id`` is one of
    these animals. Denominator: the sum of their exposures in years of 365.25 days. Unit:
    calves per animal-year. Unlike :func:`livestock_summary`'s herd per animal received, a
    scheme that has just handed out its cows is not judged on calves they have had no time
    to bear.

    Args:
        pkg: The loaded package.
        year: Cut-off year (2021–2025), or None for the whole ledger.

    Returns:
        A :class:`CalvingRate`.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> r = calving_rate(pkg, 2024)  # 601 + 468 days held; one calf
        >>> r.animals, r.calves, round(r.animal_years * 365.25), round(r.rate, 4)
        (2, 1, 1069, 0.3417)
    """
    year = check_year(pkg, year)
    ev = pkg["livestock_events"]
    if year is not None:
        ev = ev[(ev["date"] <= pd.Timestamp(year, 12, 31)).fillna(False).to_numpy(bool)]
    received = ev[ev["event_type"].eq("received").fillna(False).to_numpy(bool)]
    received = received.drop_duplicates("animal_id")
    if received.empty:
        return CalvingRate(0, 0.0, 0, math.nan)
    # The whole ledger runs to the end of the year of its last event.
    cut_off = pd.Timestamp(year if year is not None else ev["date"].max().year, 12, 31)
    left = ev[ev["event_type"].isin(["died", "sold"]).fillna(False).to_numpy(bool)]
    ended = left.groupby("animal_id")["date"].min()
    # to_datetime: with no death or sale at all the mapped column would be float NaN.
    until = (
        pd.to_datetime(received["animal_id"].map(dict(ended))).fillna(cut_off).clip(upper=cut_off)
    )
    days = float((until - received["date"]).dt.days.clip(lower=0).sum())
    calves = ev["event_type"].eq("calf_born") & ev["mother_animal_id"].isin(received["animal_id"])
    n_calves = int(calves.fillna(False).sum())
    animal_years = days / DAYS_PER_YEAR
    return CalvingRate(
        len(received), animal_years, n_calves, n_calves / animal_years if days else math.nan
    )


@dataclass(frozen=True)
class PassOn:
    """How many cows old enough in the scheme led to a calf passed on.

    Attributes:
        eligible: Cows handed out and held at least ``eligible_years`` by the cut-off.
        passed_on: Of them, those whose household passed an animal on to a new household.
        rate: ``passed_on / eligible`` (NaN when no cow is eligible yet).
        eligible_years: The years a cow must have been held to count.
    """

    eligible: int
    passed_on: int
    rate: float
    eligible_years: int


def pass_on_rate(pkg: Package, year: int | None = None, *, eligible_years: int = 2) -> PassOn:
    """Pass-on rate among the cows that have had time to calve and wean a calf.

    Definition: the eligible cows are those with a ``received`` event that were held at
    least ``eligible_years`` (default 2: a first calving within about a year of receipt and
    8-12 months to weaning) by 31 December of ``year`` (the whole ledger when None: the end
    of its last year), not having died or been sold before that. Numerator: eligible cows
    whose receiving household has a ``passed_on`` event by the cut-off. Denominator: eligible
    cows. Unit: fraction. Unlike passes per animal received, cows handed out last year are
    not counted as failures.

    Example:
        >>> # Both cows received 10/05/2023 are due 10/05/2024; A00002 died after (20/08/2024),
        >>> # so it counts; only A00001's household passed a calf on (15/11/2024).
        >>> pass_on_rate(pkg, 2024, eligible_years=1)
        PassOn(eligible=2, passed_on=1, rate=0.5, eligible_years=1)
        >>> pass_on_rate(pkg, 2024).eligible  # held two years by 31/12/2024: none yet
        0
    """
    year = check_year(pkg, year)
    ev = pkg["livestock_events"]
    if ev.empty:
        return PassOn(0, 0, math.nan, eligible_years)
    cut_off = pd.Timestamp(year if year is not None else ev["date"].max().year, 12, 31)
    ev = ev[(ev["date"] <= cut_off).fillna(False).to_numpy(bool)]
    kind = ev["event_type"]
    received = ev[kind.eq("received").fillna(False).to_numpy(bool)].drop_duplicates("animal_id")
    ended = dict(
        ev[kind.isin(["died", "sold"]).fillna(False).to_numpy(bool)]
        .groupby("animal_id")["date"]
        .min()
    )
    due = received["date"] + pd.DateOffset(years=eligible_years)
    left = pd.to_datetime(received["animal_id"].map(ended))
    eligible = received[((due <= cut_off) & ~(left < due)).fillna(False).to_numpy(bool)]
    givers = set(ev.loc[kind.eq("passed_on").fillna(False).to_numpy(bool), "beneficiary_id"])
    passed = int(eligible["beneficiary_id"].isin(givers).sum())
    n = len(eligible)
    return PassOn(n, passed, passed / n if n else math.nan, eligible_years)


PERSISTENCE_COLUMNS = {
    "horizon_years": "int64",
    "n": "int64",
    "still_out": "int64",
    "share_still_out": "float64",
}


@indicator(
    "stayed_out_of_poverty",
    column="share_still_out",
    evidence=("beneficiary_followups",),
    level="outcome",
    unit="percent",
    row={"horizon_years": 1},
    count="n",
)
def poverty_persistence(
    pkg: Package, year: int, *, horizons: tuple[int, ...] = (1, 2)
) -> pd.DataFrame:
    """Share of beneficiaries who left poverty and were still out of it later.

    Definition: the cohort is the household beneficiaries (pupils of pupil sponsorship are
    children, not households: left out) poor or near-poor at entry whose follow-ups show
    status ``other`` in some year; t is the first such year (the year they left). For
    each horizon h: ``n`` = people of the cohort with a follow-up in year t + h, where
    t + h <= ``year``; ``still_out`` = those whose status in t + h is still ``other``;
    ``share_still_out = still_out / n`` (NaN when n = 0). Units: people; fraction.

    Args:
        pkg: The loaded package.
        year: Last follow-up year considered (2021–2025).
        horizons: Years after leaving poverty at which to look (positive integers).

    Returns:
        horizon_years, n, still_out, share_still_out: one row per horizon, in the order
        given (always present, with n = 0 when nobody can be observed yet).

    Raises:
        ValueError: For a year outside 2021–2025 or a horizon below 1.

    Example:
        >>> poverty_persistence(pkg, 2025)["n"].tolist()  # 2 people left in 2024; none by 2023
        [2, 0]
    """
    cases = persistence_cases(pkg, year, horizons=horizons)
    rows = []
    for h in horizons:
        seen = cases.loc[cases["horizon_years"].eq(h).to_numpy(bool), "still_out"]
        still = int(seen.sum())
        rows.append(
            {
                "horizon_years": h,
                "n": len(seen),
                "still_out": still,
                "share_still_out": still / len(seen) if len(seen) else float("nan"),
            }
        )
    out = pd.DataFrame(rows)
    return out.astype(PERSISTENCE_COLUMNS)[list(PERSISTENCE_COLUMNS)]


def persistence_cases(
    pkg: Package, year: int, *, horizons: tuple[int, ...] = (1, 2)
) -> pd.DataFrame:
    """The households behind :func:`poverty_persistence`, one row per household and horizon.

    Same cohort and rule: household beneficiaries poor or near-poor at entry (pupils left
    out) whose follow-ups show status ``other`` in some year t (the first such year), with a
    follow-up in year t + h <= ``year``; ``still_out`` is whether that follow-up's status is
    still ``other``. :func:`poverty_persistence` counts these rows; the gender section groups
    them by sex, ethnicity or status at entry.

    Returns:
        beneficiary_id, horizon_years, still_out (bool), in the order of the horizons given.

    Raises:
        ValueError: For a year outside 2021–2025 or a horizon below 1.
    """
    year = check_year(pkg, year, allow_none=False)
    if not horizons or any(
        isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in horizons
    ):
        raise ValueError(f"horizons must be positive integers, got {horizons!r}")
    ben = pkg["beneficiaries"]
    cohort = set(
        ben.loc[
            ben["poverty_status_entry"].isin(["poor", "near_poor"]).fillna(False).to_numpy(bool),
            "beneficiary_id",
        ]
    ) - pupil_ids(pkg)
    fu = pkg["beneficiary_followups"]
    fu = fu[(fu["beneficiary_id"].isin(cohort) & (fu["year"] <= year)).fillna(False).to_numpy(bool)]
    status = {
        (b, int(y)): s
        for b, y, s in zip(fu["beneficiary_id"], fu["year"], fu["poverty_status"], strict=True)
    }
    left = fu[fu["poverty_status"].eq("other").fillna(False).to_numpy(bool)]
    first_out = left.groupby("beneficiary_id")["year"].min()
    rows = [
        (b, h, status[(b, int(t) + h)] == "other")
        for h in horizons
        for b, t in first_out.items()
        if (b, int(t) + h) in status
    ]
    return pd.DataFrame(rows, columns=["beneficiary_id", "horizon_years", "still_out"]).astype(
        {"beneficiary_id": "string", "horizon_years": "int64", "still_out": "bool"}
    )


GRADUATED_COLUMNS = {
    "commune_code": "string",
    "name_official": "string",
    "province_name": "string",
    "partner_from": "Int64",
    "partner_to": "Int64",
    "exit_reason": "string",
    "exit_reason_vi": "string",
}


def graduated_communes(pkg: Package, *, programme_end: int | None = None) -> pd.DataFrame:
    """Partner communes whose partnership ended before the end of the phase, and why.

    Definition: communes with role ``partner`` whose ``partner_to`` is before
    ``programme_end``, with the exit reason their source states (missing when none is
    stated). A list, not a rate; unit: communes.

    Args:
        pkg: The loaded package.
        programme_end: Last year of the phase (default: the package's last plan year).

    Returns:
        commune_code, name_official, province_name, partner_from, partner_to, exit_reason
        (in English) and exit_reason_vi (in Vietnamese, as the source states it);
        sorted by commune_code. Empty (same columns) when no partnership ended early.

    Raises:
        ValueError: When ``programme_end`` is outside 2021–2025.

    Example:
        >>> graduated_communes(pkg)["partner_to"].tolist()
        [2023]
    """
    programme_end = check_year(
        pkg, phase_years(pkg)[1] if programme_end is None else programme_end, allow_none=False
    )
    communes = pkg["communes"]
    ended = (
        (communes["role"].eq("partner") & (as_float(communes["partner_to"]) < programme_end))
        .fillna(False)
        .to_numpy(bool)
    )
    return finish(communes[ended], ["commune_code"], GRADUATED_COLUMNS)
