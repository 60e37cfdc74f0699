"""Impact: did poverty fall faster in partner communes, and did beneficiaries' incomes rise?

Inference comes from :mod:`analysis.inference`: a difference-in-differences of commune poverty
rates whose design follows the programme's (issue 16): districts are the strata of the
matching (each holds its partners and its comparison communes), each partner is compared over
its own partner years only (cohorts by first partner year), communes merged in the 2025
reform are not used after their merger, and the p-value permutes the partners' labels within
districts (descriptive: the partners were chosen, not drawn). :func:`poverty_did` gives the
main estimate (unweighted and household-weighted, per cohort, with a placebo over the
baseline); :func:`poverty_did_sensitivity` shows how it moves when one commune, the flagged
comparison communes (``communes.design_flags``) or the change of poverty standard in 2022 is
left out. :func:`income_change` follows beneficiary households (not pupils) from entry:
a before–after change, not an impact, in nominal and real terms (a price deflator chained from
the sourced national CPI changes of ``context_statistics``, :func:`price_deflator`), by years
since entry, with intervals from a bootstrap that resamples communes
(:func:`cluster_bootstrap_ci`).

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> poverty_did(pkg, 2024).result.estimate  # -14.5 - (-3) percentage points
    -11.5
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.indicators.common import (
    PUPIL_ACTIVITY_TYPES,
    as_float,
    check_year,
    phase_years,
    pupil_ids,
)
from analysis.indicators.spec import indicator
from analysis.inference import (
    BootstrapResult,
    DidResult,
    StaggeredDid,
    Window,
    did_permutation,
    staggered_did,
)
from analysis.package import Package

__all__ = [
    "BEFORE_AFTER_NOTE",
    "CPI_MEASURE",
    "DESCRIPTIVE_NOTE",
    "FEW_COMMUNES",
    "PUPIL_ACTIVITY_TYPES",
    "STANDARD_CHANGE_YEAR",
    "ClusterBootstrapResult",
    "IncomeChange",
    "PovertyDid",
    "cluster_bootstrap_ci",
    "commune_flags",
    "cpi_series",
    "declared_flags",
    "income_change",
    "poverty_did",
    "poverty_did_sensitivity",
    "poverty_panel",
    "price_deflator",
]

MEASURES = ("poor", "poor_or_near_poor")
"""What counts as poor in a poverty rate: poor households, or poor and near-poor households."""


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


STANDARD_CHANGE_YEAR = 2022
"""First year counted under the multidimensional poverty standard (Decree 07/2021/NĐ-CP).

Earlier years (2019–2021) were counted under the 2016–2020 standard (Decision 59/2015/QĐ-TTg,
still in use for 2021): a rate before 2022 and a rate from 2022 on measure different things."""

DESCRIPTIVE_NOTE = (
    "The partner communes were chosen, not drawn at random: the p-value describes how unusual "
    "the estimate is among the reassignments of the partner labels within districts; it is "
    "not a test against a known random assignment."
)
"""What the permutation p-value of :func:`poverty_did` means (reports print it)."""

SENSITIVITY_COLUMNS = (
    "variant",
    "detail",
    "estimate",
    "p_value",
    "min_p_value",
    "n_treated",
    "n_control",
    "n_assignments",
    "exact",
    "estimate_weighted",
    "p_value_weighted",
    "note",
)
"""Columns of :func:`poverty_did_sensitivity`."""


@dataclass(frozen=True, eq=False)
class PovertyDid:
    """Difference-in-differences of commune poverty rates, partners against comparisons.

    The design: districts are strata (each holds its partners and its matched comparison
    communes); each partner is compared over its own exposure years only; the p-value
    permutes the partners' labels within districts. It is descriptive: the partners were
    chosen, not drawn (``descriptive``, ``note``).

    Attributes:
        result: The main estimate, a :class:`~analysis.inference.DidResult` in percentage
            points: the unweighted mean over partner communes of each partner's change minus
            the comparisons' change over the same years; its p-value and smallest reachable
            p-value come from the assignments that keep each district's number of partners
            (and of each cohort). ``control_change`` is the comparisons' change over the
            partners' years, averaged over partners.
        changes: One row per commune kept: commune_code, group (``treated``/``control``),
            pre_rate, post_rate, change (percentage points), district_code, cohort (first
            partner year), pre_first, pre_last, post_first, post_last (the partner's own
            years), control_change, effect (change - control_change), households (the weight:
            mean households over the baseline years), design_flags; treated first, then by
            code. A comparison's rates are over all the baseline and post years of the design.
        dropped: Communes of the design left out for lack of a baseline or post rate (those
            left out only because of a merger are in ``excluded``).
        pre: Baseline years.
        post: Years of the window (the report year, or the phase up to it); each partner
            counts only its own partner years among them.
        measure: ``"poor"`` or ``"poor_or_near_poor"``.
        weighted: The same design weighted by households (partners by their households;
            comparisons' mean change household-weighted): the change for the average
            household rather than the average commune. Same assignments as ``result``.
        cohorts: One row per cohort (first partner year): cohort, communes (``;``-joined
            codes), n_treated, share (its weight in ``result``: n_treated / all partners),
            first_post, last_post, estimate, p_value, estimate_weighted, p_value_weighted.
        strata: One row per district: district_code, district_name, n_treated, n_control,
            n_assignments (distinct arrangements within it; their product is
            ``result.n_assignments`` when exact).
        placebo: Placebo difference-in-differences over the baseline (``placebo_pre`` to
            ``placebo_post``: the last baseline year as "post", the earlier ones as "pre";
            2019 to 2020 by default, before any partner year), same communes and same
            within-district permutation; None when it cannot be computed. Commune statistics
            start in 2019, so the default baseline holds a single pair of years: the placebo
            tests one pre-programme change, not a trend.
        placebo_pre: Placebo "baseline" years.
        placebo_post: Placebo "post" years.
        placebo_note: Why there is no placebo ("" when there is one).
        merged: Communes of the design merged in a year of the window or before
            (``communes.merged_year``): their rates from that year on are not used.
        excluded: Communes of the design left out on purpose: commune_code, role, reason
            (``flagged:<flags>``, ``left_out``, ``other_standard``: no year of the window
            under the poverty standard of its first partner year, ``merged:<year>``: every
            year it would count comes after its merger).
        exclude_flags: Flags whose comparison communes were left out.
        one_standard: True when only years under one poverty standard were compared.
        descriptive: Always True: the partners were chosen, not drawn at random.
        note: :data:`DESCRIPTIVE_NOTE`.
        pretrend: The same as ``placebo`` (the name the rating rules read).
        sensitivity: :func:`poverty_did_sensitivity` of this design, computed on first use
            (None for a variant: flags excluded, communes left out or one standard).
    """

    result: DidResult
    changes: pd.DataFrame
    dropped: list[str]
    pre: tuple[int, ...]
    post: tuple[int, ...]
    measure: str
    weighted: DidResult
    cohorts: pd.DataFrame
    strata: pd.DataFrame
    placebo: DidResult | None
    placebo_pre: tuple[int, ...]
    placebo_post: tuple[int, ...]
    placebo_note: str
    merged: tuple[str, ...]
    excluded: pd.DataFrame
    exclude_flags: tuple[str, ...]
    one_standard: bool
    descriptive: bool = True
    note: str = DESCRIPTIVE_NOTE
    _sensitivity: Callable[[], pd.DataFrame] | None = field(default=None, repr=False, compare=False)

    @property
    def pretrend(self) -> DidResult | None:
        """The placebo over the baseline years (None when there is none)."""
        return self.placebo

    @functools.cached_property
    def sensitivity(self) -> pd.DataFrame | None:
        """:func:`poverty_did_sensitivity` of this design (None for a variant)."""
        return None if self._sensitivity is None else self._sensitivity()

    @property
    def robust_sign(self) -> bool | None:
        """Does every row of :attr:`sensitivity` show a fall (a negative estimate)?

        True when every row has an estimate and each is negative; False when some row's
        estimate is zero or positive; None when it cannot be told (a variant design with no
        sensitivity table, no row, or a row without an estimate and none against). The one
        definition the impact rating and the reports' sentence both read.
        """
        table = self.sensitivity
        if table is None or table.empty:
            return None
        estimates = table["estimate"]
        if (estimates.dropna() >= 0).any():
            return False
        return None if estimates.isna().any() else True


def commune_flags(communes: pd.DataFrame) -> pd.Series:
    """Each commune's design flags as a frozenset (empty when none), indexed like ``communes``.

    ``communes.design_flags`` holds codes separated by ``;``; every code is read the same
    way, whatever it is (a code added to the schema later needs no change here).
    """
    if "design_flags" not in communes.columns:
        return pd.Series([frozenset()] * len(communes), index=communes.index, dtype=object)
    return communes["design_flags"].map(
        lambda v: frozenset() if pd.isna(v) else frozenset(filter(None, str(v).split(";")))
    )


def declared_flags(pkg: Package) -> tuple[str, ...]:
    """The flag codes ``datapackage.json`` declares for ``communes.design_flags``."""
    try:
        values = pkg.field("communes", "design_flags").get("flagValues", [])
    except KeyError:
        return ()
    return tuple(v["value"] for v in values)


def _flags_to_exclude(pkg: Package, exclude_flags: Iterable[str] | bool) -> tuple[str, ...] | None:
    """The flags asked for, checked against the declared ones; None means every flag."""
    if exclude_flags is True:
        return None
    if exclude_flags is False:
        return ()
    asked = (exclude_flags,) if isinstance(exclude_flags, str) else tuple(exclude_flags)
    declared = declared_flags(pkg)
    unknown = sorted(set(asked) - set(declared)) if declared else []
    if unknown:
        raise ValueError(f"unknown design flag(s) {unknown}; declared: {list(declared)}")
    return asked


def _same_standard(
    pre: tuple[int, ...], post: tuple[int, ...], start: int, stats_first: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A partner's baseline and post years restricted to the poverty standard of its first
    partner year: before :data:`STANDARD_CHANGE_YEAR` the 2016–2020 standard, from it the
    multidimensional one. The baseline is ``pre`` under that standard or, when none of it is
    (a partner from 2022 on), the years before the partner's start under it."""
    new = start >= STANDARD_CHANGE_YEAR

    def same(t: int) -> bool:
        return (t >= STANDARD_CHANGE_YEAR) == new

    post_same = tuple(t for t in post if same(t))
    pre_same = tuple(t for t in pre if same(t) and t < start)
    if not pre_same:
        pre_same = tuple(t for t in range(stats_first, start) if same(t))
    return pre_same, post_same


def _design(
    pkg: Package,
    pre: tuple[int, ...],
    window: tuple[int, ...],
    flags: tuple[str, ...] | None,
    leave_out: set[str],
    one_standard: bool,
) -> tuple[dict[str, Window], list[str], pd.DataFrame]:
    """The partners' windows, the comparison communes and the communes left out on purpose.

    A partner is in the design when some of its partner years fall in ``window``; its post
    years are those, its cohort its first partner year. A comparison commune is a control
    unless left out or flagged with one of ``flags`` (None: any flag). A partner is never a
    control, in any year.
    """
    communes = pkg["communes"]
    stats_first, _ = phase_years(pkg, "commune_statistics")
    codes = communes["commune_code"].astype(str).to_numpy()
    role = communes["role"].astype("string").fillna("").to_numpy()
    start = as_float(communes["partner_from"]).to_numpy()
    end = as_float(communes["partner_to"]).to_numpy()
    flagged = commune_flags(communes).to_numpy()
    windows: dict[str, Window] = {}
    controls: list[str] = []
    excluded: list[tuple[str, str, str]] = []
    for code, r, a, b, f in zip(codes, role, start, end, flagged, strict=True):
        if r == "partner":
            post = tuple(t for t in window if a <= t <= b)
            if not post:
                continue  # not a partner in the window: neither treated nor control
            cohort_pre = pre
            if max(pre) >= a:
                raise ValueError(
                    f"baseline years {[t for t in pre if t >= a]} are partner years of {code} "
                    f"(partner from {int(a)}): a baseline must come before"
                )
            if one_standard:
                cohort_pre, post = _same_standard(pre, post, int(a), stats_first)
            if code in leave_out:
                excluded.append((code, r, "left_out"))
            elif not post or not cohort_pre:
                excluded.append((code, r, "other_standard"))
            else:
                windows[code] = Window(cohort_pre, post, int(a))
        elif r == "comparison":
            hit = f if flags is None else f & set(flags)
            if code in leave_out:
                excluded.append((code, r, "left_out"))
            elif hit:
                excluded.append((code, r, "flagged:" + ";".join(sorted(hit))))
            else:
                controls.append(code)
    unknown = sorted(leave_out - set(windows) - set(controls) - {e[0] for e in excluded})
    if unknown:
        raise ValueError(f"communes {unknown} are not in the design: cannot leave them out")
    frame = pd.DataFrame(excluded, columns=["commune_code", "role", "reason"], dtype="string")
    return windows, controls, frame


def _design_panel(pkg: Package, measure: str, codes: list[str]) -> tuple[pd.DataFrame, dict]:
    """Rates of the design's communes, none from the year of a commune's merger on, and the
    communes merged (code -> year of the merger)."""
    panel = poverty_panel(pkg, measure=measure)
    panel = panel[panel["commune_code"].isin(codes).to_numpy(bool)].copy()
    communes = pkg["communes"].set_index("commune_code")
    merged_in = (
        as_float(communes["merged_year"])
        if "merged_year" in communes.columns
        else pd.Series(np.nan, index=communes.index)
    )
    year = as_float(panel["year"])
    merger = as_float(panel["commune_code"].map(merged_in))
    after = (year >= merger).to_numpy(bool)
    panel.loc[after, "rate_pct"] = np.nan
    panel = panel.assign(year=panel["year"].astype(int))
    merged = {c: int(y) for c, y in merged_in.items() if c in set(codes) and not math.isnan(y)}
    return panel, merged


def _weights(panel: pd.DataFrame, pre: tuple[int, ...]) -> dict[str, float]:
    """Households per commune: the mean over the baseline years (over every year used when
    the baseline gives none)."""
    known = panel[panel["rate_pct"].notna().to_numpy(bool)]
    base = known[known["year"].isin(pre).to_numpy(bool)].groupby("commune_code")["households"]
    weights = known.groupby("commune_code")["households"].mean()
    weights.update(base.mean().dropna())
    return {str(k): float(v) for k, v in weights.items()}


def _placebo(
    panel: pd.DataFrame, changes: pd.DataFrame, pre: tuple[int, ...], n_draws: int
) -> tuple[DidResult | None, tuple[int, ...], tuple[int, ...], str]:
    """Placebo over the baseline: the last baseline year as "post", the earlier ones as
    "pre", the same communes and the same permutation within districts."""
    if len(pre) < 2:
        return None, (), (), f"the baseline has one year ({pre[0]}): no placebo"
    placebo_pre, placebo_post = pre[:-1], pre[-1:]
    groups = changes.set_index("commune_code")
    data = panel[panel["commune_code"].isin(groups.index).to_numpy(bool)]
    data = data.assign(
        treated=data["commune_code"].map(groups["group"]).eq("treated").to_numpy(bool),
        district=data["commune_code"].map(groups["district_code"]).astype(str),
    )
    try:
        result = did_permutation(
            data,
            unit="commune_code",
            time="year",
            outcome="rate_pct",
            treated="treated",
            pre=list(placebo_pre),
            post=list(placebo_post),
            strata="district",
            n_draws=n_draws,
        )
    except ValueError as exc:
        return None, placebo_pre, placebo_post, str(exc)
    return result, placebo_pre, placebo_post, ""


def _changes_table(pkg: Package, units: pd.DataFrame, windows: dict[str, Window]) -> pd.DataFrame:
    """:class:`PovertyDid`'s ``changes`` from the design's units (treated first, by code)."""
    communes = pkg["communes"].set_index("commune_code")
    code = units["unit"].astype(str)
    flags = commune_flags(communes.reset_index()).set_axis(communes.index)

    def years(pick) -> pd.array:
        return pd.array([pick(windows[c]) if c in windows else None for c in code], "Int64")

    return pd.DataFrame(
        {
            "commune_code": pd.array(code, dtype="string"),
            "group": pd.array(units["group"], dtype="string"),
            "pre_rate": units["pre_mean"].astype(float),
            "post_rate": units["post_mean"].astype(float),
            "change": units["change"].astype(float),
            "district_code": pd.array(units["stratum"].astype(str), dtype="string"),
            "cohort": pd.array(units["cohort"], dtype="Int64"),
            "pre_first": years(lambda w: min(w.pre)),
            "pre_last": years(lambda w: max(w.pre)),
            "post_first": years(lambda w: min(w.post)),
            "post_last": years(lambda w: max(w.post)),
            "control_change": units["control_change"].astype(float),
            "effect": units["effect"].astype(float),
            "households": units["weight"].astype(float),
            "design_flags": pd.array(
                [";".join(sorted(flags.get(c, frozenset()))) for c in code], dtype="string"
            ),
        }
    )


def _cohorts_table(cohorts: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """:class:`PovertyDid`'s ``cohorts``: the engine's rows with each cohort's communes."""
    treated = changes[(changes["group"] == "treated").to_numpy(bool)]
    members = treated.groupby("cohort")["commune_code"].agg(lambda s: ";".join(s))
    out = cohorts.assign(
        cohort=pd.array(cohorts["cohort"], dtype="Int64"),
        communes=pd.array(cohorts["cohort"].map(members), dtype="string"),
    )
    columns = ["cohort", "communes", "n_treated", "share", "first_post", "last_post"]
    columns += ["estimate", "p_value", "estimate_weighted", "p_value_weighted"]
    return out.sort_values("cohort").reset_index(drop=True)[columns]


def _strata_table(pkg: Package, strata: pd.DataFrame) -> pd.DataFrame:
    """:class:`PovertyDid`'s ``strata``: one row per district, by code."""
    names = pkg["communes"].drop_duplicates("district_code").set_index("district_code")
    code = strata["stratum"].astype(str)
    out = pd.DataFrame(
        {
            "district_code": pd.array(code, dtype="string"),
            "district_name": pd.array(code.map(names["district_name"]), dtype="string"),
            "n_treated": strata["n_treated"].astype(int),
            "n_control": strata["n_control"].astype(int),
            "n_assignments": strata["n_assignments"].astype(int),
        }
    )
    return out.sort_values("district_code").reset_index(drop=True)


def _check_years(
    pkg: Package, year: int, baseline: Sequence[int], phase: bool
) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """The checked year, baseline years and window years (refusing an overlap)."""
    year = check_year(pkg, year, allow_none=False)
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
    return year, pre, post


@indicator(
    "poor_household_rate",
    column="result.estimate",
    evidence=("commune_statistics",),
    level="impact",
    unit="percent",
    ascending=False,
    in_section=True,
)
def poverty_did(
    pkg: Package,
    year: int,
    *,
    baseline: Sequence[int] = (2019, 2020),
    measure: str = "poor",
    phase: bool = False,
    exclude_flags: Iterable[str] | bool = (),
    leave_out: Iterable[str] = (),
    one_standard: bool = False,
    placebo: bool = True,
    n_draws: int = 20_000,
) -> PovertyDid:
    """Change in the poverty rate of partner communes minus that of comparison communes.

    Design. The window is ``year`` (``phase=True``: the phase's first year to ``year``). A
    partner is treated in its own partner years within the window only (Sín Thầu 2021–2023,
    Leng Su Sìn from 2024): its cohort is its first partner year. A partner with no partner
    year in the window takes no part, and a partner is never a control in any year.
    Controls: the comparison communes (``role = comparison``), less those carrying one of
    ``exclude_flags`` in ``communes.design_flags`` (``True``: any flag; any code is read the
    same way) and those in ``leave_out``. A commune merged with others (``merged_year``) has
    no rate from that year on: the merged unit is not the commune (so in 2025 most communes
    drop out). Districts (``district_code``) are the strata of the matching.

    Definition. Rates are those of :func:`poverty_panel` (numerator: counted households;
    denominator: all households; percent). For a partner ``i`` and each of its post years
    ``t``: ``dev_it = rate_it - mean rate of i over the baseline years``; ``C_t`` = mean of
    the same deviation over the controls measured in ``t`` (each relative to its own
    baseline). The partner's effect is ``mean_t (dev_it - C_t)``: its change minus the
    comparisons' change over the same years. The estimate (``result``) is the unweighted
    mean of the partners' effects, in percentage points (negative: poverty fell faster in
    partner communes); it equals the cohort estimates (``cohorts``) weighted by their numbers
    of partners. ``weighted`` weights partners and comparisons by households (mean over the
    baseline years). With ``one_standard``, each partner's baseline and post years are
    restricted to the poverty standard of its first partner year (:func:`_same_standard`):
    the 2021 cohort compares 2021 with 2019–2020 (2021 was still counted under the 2016–2020
    standard; from 2022 the cohort was already a partner, so it has no baseline under the
    new standard and is left out of a window without 2021); a 2024 cohort compares 2024–2025
    with 2022–2023.

    Inference (:func:`analysis.inference.staggered_did`): the partners' windows are permuted
    within districts, keeping each district's partners of each cohort (bundled package, 2024:
    4 x 10 x 3 x 3 = 360 assignments, all enumerated). The p-value is descriptive: the
    partners were chosen, not drawn (:data:`DESCRIPTIVE_NOTE`); read it with ``min_p_value``.

    Placebo (``placebo``): the same communes and permutation from 2019 to 2020. Commune
    statistics start in 2019, so only one baseline pair exists: one change, not a trend.

    Args:
        pkg: The loaded package.
        year: Year of the comparison (2021–2025).
        baseline: Pre-programme years (2019–2025, none of them in the window).
        measure: ``"poor"`` or ``"poor_or_near_poor"``.
        phase: Compare the whole phase so far instead of the single year.
        exclude_flags: Flags (``communes.design_flags``) whose comparison communes are left
            out; ``True`` for any flag.
        leave_out: Commune codes of the design to leave out.
        one_standard: Compare only years measured under one poverty standard.
        placebo: Compute the placebo.
        n_draws: Random assignments drawn when there are more than 200,000 (never for the
            bundled package, whose assignments are all enumerated).

    Returns:
        A :class:`PovertyDid`.

    Raises:
        ValueError: For a year outside 2021–2025, baseline years that are invalid or overlap
            the window, an unknown measure or flag, a commune to leave out that is not in
            the design, or when no partner or no comparison commune has a baseline and a
            post rate.

    Example:
        >>> d = poverty_did(pkg, 2024)
        >>> d.result.n_assignments, round(d.result.p_value, 4)  # C(4, 2) = 6; 2 / 6
        (6, 0.3333)
    """
    year, pre, post = _check_years(pkg, year, baseline, phase)
    _check_measure(measure)
    flags = _flags_to_exclude(pkg, exclude_flags)
    leave_out = {str(c) for c in leave_out}
    windows, controls, excluded = _design(pkg, pre, post, flags, leave_out, one_standard)
    when = f"{post[0]}–{year}" if phase else str(year)
    _check_sides(windows, controls, excluded, when)
    did, panel, merged, out = _run_design(pkg, measure, pre, (windows, controls), when, n_draws)
    changes = _changes_table(pkg, did.units, windows)
    placebo_figures = (
        _placebo(panel, changes, pre, n_draws) if placebo else (None, (), (), "not asked")
    )
    return PovertyDid(
        result=did.result,
        changes=changes,
        dropped=[str(u) for u in did.result.dropped_units if u not in set(out["commune_code"])],
        pre=pre,
        post=post,
        measure=measure,
        weighted=did.weighted,
        cohorts=_cohorts_table(did.cohorts, changes),
        strata=_strata_table(pkg, did.strata),
        placebo=placebo_figures[0],
        placebo_pre=placebo_figures[1],
        placebo_post=placebo_figures[2],
        placebo_note=placebo_figures[3],
        merged=tuple(c for c, y in sorted(merged.items()) if y <= year),
        excluded=pd.concat([excluded, out], ignore_index=True),
        exclude_flags=tuple(declared_flags(pkg)) if flags is None else flags,
        one_standard=one_standard,
        _sensitivity=None
        if (flags or flags is None or leave_out or one_standard)
        else functools.partial(
            poverty_did_sensitivity,
            pkg,
            year,
            baseline=pre,
            measure=measure,
            phase=phase,
        ),
    )


def _check_sides(windows: dict, controls: list, excluded: pd.DataFrame, when: str) -> None:
    """Refuse a design without partner or without comparison commune, saying why."""
    if not windows:
        partners = excluded[(excluded["role"] == "partner").to_numpy(bool)]
        why = "; ".join(partners["commune_code"] + " " + partners["reason"])
        raise ValueError(
            f"no partner commune in {when}: nothing to compare"
            + (f" (left out: {why})" if why else "")
        )
    if not controls:
        raise ValueError("the package has no comparison commune left in the design")


def _run_design(
    pkg: Package,
    measure: str,
    pre: tuple[int, ...],
    units: tuple[dict[str, Window], list[str]],
    when: str,
    n_draws: int,
) -> tuple[StaggeredDid, pd.DataFrame, dict[str, int], pd.DataFrame]:
    """Estimate the design; returns the estimate, the panel used, the merged communes (code
    -> year) and the communes left out because all the years they would count come after
    their merger (commune_code, role, reason ``merged:<year>``)."""
    windows, controls = units
    panel, merged = _design_panel(pkg, measure, [*windows, *controls])
    districts = pkg["communes"].set_index("commune_code")["district_code"].astype(str)
    try:
        did = staggered_did(
            panel,
            unit="commune_code",
            time="year",
            outcome="rate_pct",
            windows=windows,
            controls=controls,
            strata={c: districts[c] for c in [*windows, *controls]},
            weights=_weights(panel, pre),
            n_draws=n_draws,
        )
    except ValueError as exc:
        side = "partner" if "got 0 treated" in str(exc) else "comparison"
        raise ValueError(
            f"no {side} commune has a {measure} rate in both baseline {list(pre)} and its "
            f"post years in {when} ({exc})"
        ) from exc
    every_post = {t for w in windows.values() for t in w.post}
    rows = []
    for code in did.result.dropped_units:
        needed = windows[code].post if code in windows else every_post
        if code in merged and min(needed) >= merged[code]:
            role = "partner" if code in windows else "comparison"
            rows.append((code, role, f"merged:{merged[code]}"))
    out = pd.DataFrame(rows, columns=["commune_code", "role", "reason"], dtype="string")
    return did, panel, merged, out


def poverty_did_sensitivity(
    pkg: Package,
    year: int,
    *,
    baseline: Sequence[int] = (2019, 2020),
    measure: str = "poor",
    phase: bool = False,
    n_draws: int = 2_000,
) -> pd.DataFrame:
    """The main estimate of :func:`poverty_did` and how it moves when the design changes.

    Rows (``variant``, ``detail``): ``main``; ``leave_out_partner`` and
    ``leave_out_comparison``, one per commune of the main design (its code in ``detail``);
    ``without_flag``, one per flag carried by a comparison of the main design (the flag in
    ``detail``), and ``without_flagged`` (every flagged comparison left out);
    ``one_standard`` (only years counted under one poverty standard, see
    :func:`poverty_did`). Each row gives the estimate and its p-value, the smallest p-value
    its design can reach, the numbers of partners, comparisons and assignments, whether the
    assignments were enumerated, and the household-weighted estimate with its p-value; a
    variant that cannot be computed (no partner or no comparison left) has NaN figures and
    says why in ``note``. Every row is a separate design, so its p-value is its own: the
    table shows how far the estimate depends on one commune, on the flagged comparisons or
    on the change of standard, not a corrected test.

    Args:
        pkg: The loaded package.
        year: Year of the comparison (2021–2025).
        baseline: Pre-programme years.
        measure: ``"poor"`` or ``"poor_or_near_poor"``.
        phase: Compare the whole phase so far instead of the single year.
        n_draws: Random assignments per row when a design has more than 200,000 (a national
            package: one row per commune, so fewer draws than :func:`poverty_did`'s 20,000
            keep the table quick; the bundled package is always enumerated).

    Returns:
        A DataFrame with :data:`SENSITIVITY_COLUMNS`, the main row first.

    Raises:
        ValueError: When the main estimate itself cannot be computed (see
            :func:`poverty_did`).

    Example:
        >>> s = poverty_did_sensitivity(pkg, 2024)
        >>> s["variant"].tolist()[:3]
        ['main', 'leave_out_partner', 'leave_out_partner']
    """
    common = {
        "baseline": baseline,
        "measure": measure,
        "phase": phase,
        "placebo": False,
        "n_draws": n_draws,
    }
    main = poverty_did(pkg, year, **common)
    rows = [_sensitivity_row("main", "", main)]
    groups = main.changes.set_index("commune_code")["group"]
    variants: list[tuple[str, str, dict]] = [
        (f"leave_out_{'partner' if g == 'treated' else 'comparison'}", c, {"leave_out": [c]})
        for c, g in groups.items()
    ]
    control_flags = main.changes.loc[
        (main.changes["group"] == "control").to_numpy(bool), "design_flags"
    ]
    present = sorted({f for v in control_flags.dropna() for f in str(v).split(";") if f})
    variants += [("without_flag", f, {"exclude_flags": [f]}) for f in present]
    variants += [("without_flagged", "", {"exclude_flags": True}), ("one_standard", "", {})]
    for variant, detail, options in variants:
        if variant == "one_standard":
            options = {"one_standard": True}
        try:
            did = poverty_did(pkg, year, **common, **options)
        except ValueError as exc:
            rows.append({"variant": variant, "detail": detail, "note": str(exc)})
        else:
            rows.append(_sensitivity_row(variant, detail, did))
    frame = pd.DataFrame(rows).reindex(columns=list(SENSITIVITY_COLUMNS))
    for column in ("n_treated", "n_control", "n_assignments"):
        frame[column] = frame[column].astype("Int64")
    frame["exact"] = frame["exact"].astype("boolean")
    for column in ("variant", "detail", "note"):
        frame[column] = frame[column].fillna("").astype("string")
    return frame


def _sensitivity_row(variant: str, detail: str, did: PovertyDid) -> dict:
    r, w = did.result, did.weighted
    return {
        "variant": variant,
        "detail": detail,
        "estimate": r.estimate,
        "p_value": r.p_value,
        "min_p_value": r.min_p_value,
        "n_treated": r.n_treated,
        "n_control": r.n_control,
        "n_assignments": r.n_assignments,
        "exact": r.exact,
        "estimate_weighted": w.estimate,
        "p_value_weighted": w.p_value,
        "note": "",
    }


# --------------------------------------------------------------------------- beneficiaries

CPI_MEASURE = "cpi_change_pct"
"""``context_statistics.measure`` of the national consumer price index's yearly change: the
year's average index over the previous year's, minus 100, in percent."""

FEW_COMMUNES = 30
"""Below this many communes a cluster bootstrap interval is flagged as too narrow (the
toolkit's threshold: studies of cluster-robust inference find intervals too narrow with a few
dozen clusters or fewer, and here there are a handful)."""

BEFORE_AFTER_NOTE = (
    "Before-after change among the households followed, with no comparison group: prices, "
    "harvests, other programmes and the households' own efforts move it too, so it is not the "
    "programme's impact."
)
"""What :func:`income_change` measures (reports print it beside the figures)."""

_BOOT_DRAWS = 20_000_000
"""At most this many commune draws per cluster bootstrap (at least 1,000 resamples)."""


@dataclass(frozen=True)
class ClusterBootstrapResult(BootstrapResult):
    """A mean with a percentile interval from a bootstrap that resamples communes.

    Attributes (besides :class:`~analysis.inference.BootstrapResult`'s estimate, low, high, n
    and level):
        n_clusters: Communes holding the ``n`` values (the units resampled).
        few_clusters: True when ``n_clusters`` < :data:`FEW_COMMUNES`: the interval is too
            narrow and is a rough range, not a confidence interval to lean on.
        note: What the interval is and why it is fragile ("" with enough communes).
    """

    n_clusters: int = 0
    few_clusters: bool = True
    note: str = ""


def cluster_bootstrap_ci(
    values: Sequence[float] | np.ndarray | pd.Series,
    clusters: Sequence[object] | np.ndarray | pd.Series,
    *,
    n_boot: int = 5000,
    level: float = 0.95,
    seed: int = 20240101,
) -> ClusterBootstrapResult:
    """Mean of ``values`` with a percentile interval from resampling whole clusters.

    Definition: the estimate is the mean over all values (sum of values / number of values).
    Each resample draws as many clusters as there are, with replacement, and takes the mean
    over every value of the clusters drawn (sum of their values / number of their values);
    the interval runs from the ``(1 - level) / 2`` to the ``(1 + level) / 2`` quantile of the
    resampled means. People of one commune share prices, harvests and officials, so their
    outcomes are not independent: resampling communes rather than people respects that.
    Missing values are dropped (a cluster left without values is not counted). With fewer
    than two clusters there is no interval (NaN bounds). With ``G`` clusters only
    ``C(2G - 1, G)`` distinct resamples exist, and with fewer than :data:`FEW_COMMUNES` the
    interval is too narrow: ``few_clusters`` and ``note`` say so.

    Args:
        values: Numbers, one per person.
        clusters: The cluster (commune) of each value, same length.
        n_boot: Number of resamples (fewer when the clusters are very many).
        level: Confidence level strictly between 0 and 1.
        seed: Seed for ``numpy.random.default_rng``.

    Raises:
        ValueError: For lengths that differ, ``n_boot < 1`` or a level outside (0, 1).

    Example:
        >>> r = cluster_bootstrap_ci([1.0, 3.0, 8.0], ["a", "a", "b"])
        >>> r.estimate, r.n, r.n_clusters  # (1 + 3 + 8) / 3
        (4.0, 3, 2)
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be positive, got {n_boot}")
    x = np.asarray(values, dtype=float)
    g = pd.Series(np.asarray(clusters, dtype=object))
    if len(g) != x.size:
        raise ValueError(f"{x.size} values but {len(g)} cluster labels")
    keep = ~np.isnan(x)
    x, g = x[keep], g[keep]
    n = int(x.size)
    if n == 0:
        return ClusterBootstrapResult(math.nan, math.nan, math.nan, 0, level, 0, True, "")
    codes, _ = pd.factorize(g, use_na_sentinel=False)
    sums = np.bincount(codes, weights=x)
    counts = np.bincount(codes).astype(float)
    k = int(sums.size)
    estimate = float(x.sum() / n)
    few = k < FEW_COMMUNES
    note = (
        f"{k} commune(s): the interval resamples communes; with so few of them "
        f"({math.comb(2 * k - 1, k)} distinct resamples) it is too narrow, a rough range only."
        if few
        else ""
    )
    if k < 2:
        return ClusterBootstrapResult(estimate, math.nan, math.nan, n, level, k, few, note)
    if np.all(x == x[0]):
        return ClusterBootstrapResult(estimate, estimate, estimate, n, level, k, few, note)
    rng = np.random.default_rng(seed)
    boots = max(1, min(n_boot, max(1_000, _BOOT_DRAWS // k)))
    per_chunk = max(1, _BOOT_DRAWS // 4 // k)
    stats = []
    for done in range(0, boots, per_chunk):
        drawn = rng.integers(0, k, size=(min(per_chunk, boots - done), k))
        stats.append(sums[drawn].sum(axis=1) / counts[drawn].sum(axis=1))
    alpha = (1 - level) / 2
    low, high = np.quantile(np.concatenate(stats), [alpha, 1 - alpha])
    return ClusterBootstrapResult(estimate, float(low), float(high), n, level, k, few, note)


def cpi_series(pkg: Package) -> pd.DataFrame:
    """The national consumer price index's yearly changes, as sourced in the package.

    Reads ``context_statistics`` rows of measure :data:`CPI_MEASURE`, level ``national``, unit
    ``percent``. A year given by several sources with one value keeps it (its sources joined
    by ``;``); a year whose sources disagree gets no value (NaN, ``conflict`` True): the
    toolkit never picks one. A year with no row is simply absent.

    Returns:
        year (int), change_pct (percent over the previous year's average; NaN on conflict),
        source_id (``;``-joined), reliability (the least sure of its sources: ``verified``
        only when every source is), conflict (bool); one row per year, sorted. Empty (same
        columns) when the package holds no such row.
    """
    columns = ["year", "change_pct", "source_id", "reliability", "conflict"]
    if "context_statistics" not in pkg:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    ctx = pkg["context_statistics"]
    rows = ctx[
        (ctx["measure"].eq(CPI_MEASURE) & ctx["level"].eq("national") & ctx["unit"].eq("percent"))
        .fillna(False)
        .to_numpy(bool)
    ]
    sources = pkg["sources"].set_index("source_id")["reliability"]
    out = []
    for year, group in rows.groupby(rows["year"].astype(int), sort=True):
        values = sorted(set(as_float(group["value"]).dropna()))
        reliability = set(group["source_id"].map(sources).fillna("uncertain"))
        out.append(
            {
                "year": int(year),
                "change_pct": values[0] if len(values) == 1 else math.nan,
                "source_id": ";".join(sorted(set(group["source_id"]))),
                "reliability": "verified" if reliability == {"verified"} else "uncertain",
                "conflict": len(values) > 1,
            }
        )
    frame = pd.DataFrame(out, columns=columns)
    return frame.astype({"year": int, "change_pct": float, "conflict": bool})


def _price_index(changes: dict[int, float], base: int, year: int) -> tuple[float, tuple[int, ...]]:
    """Prices of ``year`` relative to ``base`` (1.0 at the base) chained from the yearly
    changes, and the years of the chain without a sourced change (then NaN)."""
    lo, hi = min(base, year), max(base, year)
    chain = range(lo + 1, hi + 1)
    missing = tuple(t for t in chain if not math.isfinite(changes.get(t, math.nan)))
    if missing:
        return math.nan, missing
    factor = math.prod(1.0 + changes[t] / 100.0 for t in chain)
    return (factor if year >= base else 1.0 / factor), ()


def price_deflator(
    pkg: Package, base_year: int, years: Iterable[int] | None = None
) -> pd.DataFrame:
    """The price level of each year relative to ``base_year``, from the sourced CPI changes.

    Definition: with ``c_s`` the national CPI change of year ``s`` in percent
    (:func:`cpi_series`), ``index(t) = (1 + c_{b+1}/100) x ... x (1 + c_t/100)`` for a year
    ``t`` after the base ``b``, ``1 / ((1 + c_{t+1}/100) x ... x (1 + c_b/100))`` before it,
    and 1 at the base. An amount of year ``t`` at base-year prices is the amount divided by
    ``index(t)``. Unit: a ratio (1.0363 means prices 3.63 % above the base year's). When a
    change the chain needs has no sourced value, the index is NaN and ``missing_years`` names
    those years: no value is ever filled in.

    Args:
        pkg: The loaded package.
        base_year: The year whose prices are the unit.
        years: Years wanted (default: the phase's years).

    Returns:
        year, price_index, missing_years (``;``-joined, "" when the chain is complete).

    Example:
        >>> price_deflator(pkg, 2023, [2022, 2023, 2024])["price_index"].round(4).tolist()
        [0.9685, 1.0, 1.0363]
    """
    if isinstance(base_year, bool) or not isinstance(base_year, int | np.integer):
        raise ValueError(f"base_year must be an integer, got {base_year!r}")
    if years is None:
        first, last = phase_years(pkg)
        years = range(first, last + 1)
    series = cpi_series(pkg)
    changes = dict(zip(series["year"], series["change_pct"], strict=True))
    rows = []
    for t in years:
        index, missing = _price_index(changes, int(base_year), int(t))
        rows.append((int(t), index, ";".join(map(str, missing))))
    return pd.DataFrame(rows, columns=["year", "price_index", "missing_years"])


@dataclass(frozen=True, eq=False)
class IncomeChange:
    """Change in beneficiary households' income and poverty between entry and a later year.

    A before–after change (``design``), not an impact: there is no comparison group.

    Attributes:
        year: The follow-up year compared with each person's entry year.
        measure: ``"poor"`` or ``"poor_or_near_poor"``: what counts as poor.
        changes: One row per household beneficiary followed, sorted by id: beneficiary_id,
            entry_year, income_entry, income_year, change_vnd (nominal), poor_entry,
            poor_year, commune_code, exposure_years (``year - entry_year``),
            price_base_year, price_index_entry and price_index_year (prices of the entry year
            and of ``year`` relative to the base year), real_income_entry, real_income_year
            and real_change_vnd (at base-year prices; NaN when the chain lacks a year),
            cpi_missing (the years lacking, ``;``-joined, "" when complete).
        mean_change: Mean of ``change_vnd`` (nominal đồng per person per month) with its
            interval from a bootstrap over communes (:class:`ClusterBootstrapResult`) and n
            (people with both incomes).
        share_poor_entry: Share poor at entry among the people followed (NaN if none).
        share_poor_year: Share poor in ``year`` among the same people (NaN if none).
        left_poverty: Share no longer poor in ``year`` among those poor at entry, with its
            interval from a bootstrap over communes; n is the number poor at entry.
        real_mean_change: Mean of ``real_change_vnd`` (đồng per person per month at base-year
            prices), interval from a bootstrap over communes; n counts the people whose
            price chain is complete.
        base_year: The stated base year, or None: each person's entry year.
        cpi: The CPI changes the price chains needed: year, change_pct, source_id,
            reliability, conflict (:func:`cpi_series`), used (True when some person's chain
            is complete and uses it); a year without a sourced change has NaN and blanks.
        cpi_missing_years: Years whose change some chain needed and the package does not
            source (or whose sources disagree); their people have no real change.
        cpi_uncertain_years: Years used by a complete chain whose source is not
            ``verified``: the real figures rest on them.
        by_exposure: One row per number of years since entry, 1 to ``year`` minus the
            phase's first year: exposure_years, n and mean_change_vnd (nominal), n_real and
            mean_real_change_vnd, n_communes.
        pupils_excluded: Pupils (beneficiaries of :data:`PUPIL_ACTIVITY_TYPES`) who would
            otherwise have been followed: children, not households, so left out.
        design: ``"before_after"``.
        design_note: :data:`BEFORE_AFTER_NOTE`.
    """

    year: int
    measure: str
    changes: pd.DataFrame
    mean_change: ClusterBootstrapResult
    share_poor_entry: float
    share_poor_year: float
    left_poverty: ClusterBootstrapResult
    real_mean_change: ClusterBootstrapResult
    base_year: int | None
    cpi: pd.DataFrame
    cpi_missing_years: tuple[int, ...]
    cpi_uncertain_years: tuple[int, ...]
    by_exposure: pd.DataFrame
    pupils_excluded: int
    design: str = "before_after"
    design_note: str = BEFORE_AFTER_NOTE


def _followed(pkg: Package, year: int, poor_statuses: list[str]) -> tuple[pd.DataFrame, int]:
    """The household beneficiaries followed from entry to ``year`` (nominal columns), and the
    number of pupils left out."""
    ben = pkg["beneficiaries"].set_index("beneficiary_id")
    fu = pkg["beneficiary_followups"].copy(deep=False)
    fu["entry_year"] = fu["beneficiary_id"].map(ben["entry_year"])
    fu = fu[(fu["entry_year"] < year).fillna(False).to_numpy(bool)]
    at_entry = fu[(fu["year"] == fu["entry_year"]).fillna(False).to_numpy(bool)].set_index(
        "beneficiary_id"
    )
    at_year = fu[fu["year"].eq(year).fillna(False).to_numpy(bool)].set_index("beneficiary_id")
    both = set(at_entry.index) & set(at_year.index)
    pupils = both & pupil_ids(pkg)
    ids = sorted(both - pupils)
    changes = pd.DataFrame({"beneficiary_id": pd.array(ids, dtype="string")})
    bid = changes["beneficiary_id"]
    changes["entry_year"] = bid.map(at_entry["entry_year"]).astype("Int64")
    changes["income_entry"] = as_float(bid.map(at_entry["income_per_person_month_vnd"]))
    changes["income_year"] = as_float(bid.map(at_year["income_per_person_month_vnd"]))
    changes["change_vnd"] = changes["income_year"] - changes["income_entry"]
    for column, frame in (("poor_entry", at_entry), ("poor_year", at_year)):
        status = bid.map(frame["poverty_status"])
        changes[column] = status.isin(poor_statuses).fillna(False).to_numpy(bool)
    changes["commune_code"] = bid.map(ben["commune_code"]).astype("string")
    changes["exposure_years"] = (year - changes["entry_year"]).astype("Int64")
    return changes, len(pupils)


def _real_terms(
    pkg: Package, changes: pd.DataFrame, year: int, base_year: int | None
) -> pd.DataFrame:
    """Add the real-terms columns to ``changes`` (in place); return the CPI years needed."""
    series = cpi_series(pkg).set_index("year")
    known = dict(zip(series.index, series["change_pct"], strict=True))
    entry = changes["entry_year"].astype("Int64")
    base = entry if base_year is None else pd.Series(base_year, index=entry.index, dtype="Int64")
    pairs: dict[tuple[int, int], tuple[float, float, str]] = {}
    needed: set[int] = set()
    used: set[int] = set()
    for b, e in set(zip(base.tolist(), entry.tolist(), strict=True)):  # a few distinct pairs
        p_entry, miss_entry = _price_index(known, b, e)
        p_year, miss_year = _price_index(known, b, year)
        pairs[(b, e)] = (p_entry, p_year, ";".join(map(str, sorted({*miss_entry, *miss_year}))))
        chain = {*range(min(b, e) + 1, max(b, e) + 1), *range(min(b, year) + 1, max(b, year) + 1)}
        needed |= chain
        if not (miss_entry or miss_year):
            used |= chain
    found = [pairs[k] for k in zip(base.tolist(), entry.tolist(), strict=True)]
    changes["price_base_year"] = base.to_numpy()
    changes["price_index_entry"] = np.array([f[0] for f in found], dtype=float)
    changes["price_index_year"] = np.array([f[1] for f in found], dtype=float)
    changes["real_income_entry"] = changes["income_entry"] / changes["price_index_entry"]
    changes["real_income_year"] = changes["income_year"] / changes["price_index_year"]
    changes["real_change_vnd"] = changes["real_income_year"] - changes["real_income_entry"]
    changes["cpi_missing"] = pd.array([f[2] for f in found], dtype="string")
    cpi = series.reindex(sorted(needed)).rename_axis("year").reset_index()
    cpi["conflict"] = cpi["conflict"].fillna(False).astype(bool)
    cpi["used"] = cpi["year"].isin(used).to_numpy(bool)
    return cpi.astype({"year": int, "change_pct": float})


def _by_exposure(changes: pd.DataFrame, year: int, first: int) -> pd.DataFrame:
    """Nominal and real mean change by years since entry (1 to ``year - first``), each with n."""
    rows = []
    for k in range(1, year - first + 1):
        group = changes[changes["exposure_years"].eq(k).fillna(False).to_numpy(bool)]
        nominal, real = group["change_vnd"].dropna(), group["real_change_vnd"].dropna()
        rows.append(
            {
                "exposure_years": k,
                "n": len(nominal),
                "mean_change_vnd": float(nominal.mean()) if len(nominal) else math.nan,
                "n_real": len(real),
                "mean_real_change_vnd": float(real.mean()) if len(real) else math.nan,
                "n_communes": int(group["commune_code"].nunique()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "exposure_years",
            "n",
            "mean_change_vnd",
            "n_real",
            "mean_real_change_vnd",
            "n_communes",
        ],
    )


@indicator(
    "income_change",
    column="mean_change.estimate",
    evidence=("beneficiary_followups",),
    level="outcome",
    unit="vnd",
    in_section=True,
)
def income_change(
    pkg: Package, year: int, *, measure: str = "poor", base_year: int | None = None
) -> IncomeChange:
    """Income and poverty of beneficiary households in ``year`` against their entry year.

    A **before–after change, not an impact**: the households are compared with themselves,
    with no comparison group (``design = "before_after"``, :data:`BEFORE_AFTER_NOTE`).

    Definition: the people followed are beneficiaries who entered before ``year`` and have
    a follow-up both in their entry year (the baseline) and in ``year``. Income and poverty
    status are household outcomes: **pupils** (beneficiaries of a pupil-sponsorship
    activity, :data:`PUPIL_ACTIVITY_TYPES`) are children, so they are left out and counted
    in ``pupils_excluded``. Nominal: ``change_vnd = income in year - income in the entry
    year``. Real: both incomes at the prices of the base year (each person's entry year, or
    ``base_year``), dividing each by the price level of its year relative to the base
    (:func:`price_deflator`, chained from the national CPI changes of
    ``context_statistics``): ``real_change_vnd = income_year / index(year) - income_entry /
    index(entry year)``. When a year of the chain has no sourced CPI change, the person's
    real change is NaN and ``cpi_missing_years`` names the year: nothing is filled in.
    Means (numerator: the sum of the changes; denominator: the people with both incomes, or
    with a complete chain for the real mean) come with a percentile interval from a
    bootstrap that resamples **communes** (:func:`cluster_bootstrap_ci`): people of one
    commune are not independent, and with a handful of communes the interval is too narrow
    (``few_clusters``). ``by_exposure`` gives the means by years since entry. Poverty:
    ``share_poor_entry`` and ``share_poor_year`` have the people followed as denominator;
    ``left_poverty`` = people poor at entry and not poor in ``year`` / people poor at entry.
    Units: đồng per person per month; fractions.

    Args:
        pkg: The loaded package.
        year: Follow-up year (from the phase's second year to its last).
        measure: ``"poor"`` or ``"poor_or_near_poor"`` (both statuses count as poor).
        base_year: Year whose prices measure the real change (None: each entry year).

    Returns:
        An :class:`IncomeChange` (NaN statistics, n = 0 and empty tables when nobody is
        followed).

    Raises:
        ValueError: For a year outside the phase's follow-up years, an unknown measure or a
            base year that is not an integer.

    Example:
        >>> ic = income_change(pkg, 2024)
        >>> ic.mean_change.estimate  # (600 + 300 + 300) / 3 thousand
        400000.0
        >>> round(ic.real_mean_change.estimate)  # (4.3 M / 1.0363 - 3.1 M) / 3, 2023 prices
        349793
    """
    first, last = phase_years(pkg)
    year = check_year(pkg, year, lo=first + 1, hi=last, allow_none=False)
    _check_measure(measure)
    if base_year is not None and (
        isinstance(base_year, bool) or not isinstance(base_year, int | np.integer)
    ):
        raise ValueError(f"base_year must be an integer or None, got {base_year!r}")
    poor_statuses = ["poor"] if measure == "poor" else ["poor", "near_poor"]
    changes, pupils = _followed(pkg, year, poor_statuses)
    cpi = _real_terms(pkg, changes, year, None if base_year is None else int(base_year))
    communes = changes["commune_code"].to_numpy(object)
    mean_change = cluster_bootstrap_ci(changes["change_vnd"].to_numpy(float), communes)
    real = cluster_bootstrap_ci(changes["real_change_vnd"].to_numpy(float), communes)
    poor = changes["poor_entry"].to_numpy(bool)
    left = (~changes["poor_year"].to_numpy(bool))[poor].astype(float)
    left_poverty = cluster_bootstrap_ci(left, communes[poor])
    n = len(changes)
    missing = cpi["change_pct"].isna().to_numpy(bool)
    used = cpi["used"].to_numpy(bool)
    uncertain = used & cpi["reliability"].ne("verified").fillna(False).to_numpy(bool)
    return IncomeChange(
        year=year,
        measure=measure,
        changes=changes,
        mean_change=mean_change,
        share_poor_entry=float(changes["poor_entry"].mean()) if n else math.nan,
        share_poor_year=float(changes["poor_year"].mean()) if n else math.nan,
        left_poverty=left_poverty,
        real_mean_change=real,
        base_year=None if base_year is None else int(base_year),
        cpi=cpi,
        cpi_missing_years=tuple(int(t) for t in cpi.loc[missing, "year"]),
        cpi_uncertain_years=tuple(int(t) for t in cpi.loc[uncertain, "year"]),
        by_exposure=_by_exposure(changes, year, first),
        pupils_excluded=pupils,
    )
