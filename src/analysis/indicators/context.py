"""Context: the published statistics the reports set the partner communes against.

``context_statistics`` holds figures copied from public sources (never generated): poverty
rates and counts of the partner communes, their districts, their provinces and the country,
households and population, and the national totals of the programme's previous phase. This
module selects them for the reports and counts how much of the package is observed rather
than generated.

Three rules keep a reader from comparing what cannot be compared:

* a poverty rate carries the standard it was counted under: the 2016–2020 standard
  (``decision_59_2015``, reviews up to 2021) and the multidimensional 2022–2025 standard
  (``decree_07_2021``, from the review at the end of 2021) are two series, never one;
* a commune formed by the merger of 1 July 2025 (``geography`` ``merged_july_2025``) is another
  area than the old commune of the same name: its figures are listed apart;
* every figure keeps the certainty of its source: it is *uncertain* when its source's
  reliability is not ``verified`` or its own certainty is ``medium`` or ``low``.

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package()  # doctest: +SKIP
    >>> poverty_context(pkg)["measure"].unique()  # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from analysis.package import Package

__all__ = [
    "MERGED",
    "OBSERVED_RESOURCES",
    "POVERTY_RATES",
    "STANDARDS",
    "cited_sources",
    "merged_commune_figures",
    "observed_rows",
    "poverty_context",
    "previous_phase_figures",
    "published_statistics",
]

POVERTY_RATES = (
    "poor_household_rate_pct",
    "poor_or_near_poor_rate_pct",
    "near_poor_household_rate_pct",
)
"""The poverty rates a context table shows, in the order it shows them (percent)."""

STANDARDS = ("decision_59_2015", "decree_07_2021")
"""The poverty standards, oldest first: a series never runs across them."""

MERGED = "merged_july_2025"
"""``context_statistics.geography`` of a commune formed by the July 2025 merger."""

NATIONAL_AREA = "Việt Nam"
"""``area_name`` of the country's own figures (other national rows describe groups, such as
the poor districts, or the programme)."""

PROGRAMME_PREFIX = "programme_"
"""Measures of the national programme's totals start with this."""

OBSERVED_RESOURCES = (
    "plans",
    "outputs",
    "transactions",
    "unit_costs",
    "commune_statistics",
    "context_statistics",
)
"""The resources whose observed (not generated) rows issue 18 counts."""

COLUMNS = [
    "statistic_id",
    "level",
    "area_code",
    "area_name",
    "year",
    "measure",
    "value",
    "unit",
    "poverty_standard",
    "geography",
    "certainty",
    "value_qualifier",
    "source_id",
    "reliability",
    "uncertain",
]


def published_statistics(pkg: Package) -> pd.DataFrame:
    """The package's published context figures, with how sure each is.

    Only rows whose source is not illustrative (a test package may cite the generator: such
    rows are never shown as published). ``geography`` blank is read as before the merger.

    Returns:
        The rows of ``context_statistics`` (the columns of :data:`COLUMNS`), plus
        ``reliability`` (the source's) and ``uncertain`` (True when the source is not
        ``verified`` or the row's certainty is ``medium`` or ``low``). Empty (same columns)
        when the package has no such resource or row.
    """
    if "context_statistics" not in pkg:
        return pd.DataFrame(columns=COLUMNS)
    ctx = pkg["context_statistics"]
    ctx = ctx[~pkg.is_illustrative(ctx).to_numpy(bool)].copy()
    if ctx.empty:
        return pd.DataFrame(columns=COLUMNS)
    for col in ("geography", "certainty", "value_qualifier", "poverty_standard"):
        if col not in ctx.columns:
            ctx[col] = pd.NA
    ctx["geography"] = ctx["geography"].fillna("before_july_2025")
    reliability = pkg["sources"].set_index("source_id")["reliability"]
    ctx["reliability"] = ctx["source_id"].map(reliability).fillna("uncertain")
    ctx["uncertain"] = (
        ctx["reliability"].ne("verified") | ctx["certainty"].isin(["medium", "low"])
    ).astype(bool)
    ctx["year"] = ctx["year"].astype(int)
    ctx["value"] = ctx["value"].astype(float)
    return ctx[COLUMNS].reset_index(drop=True)


def _partner_areas(pkg: Package) -> pd.DataFrame:
    """Each partner commune with its district and province codes."""
    communes = pkg["communes"]
    partners = communes[communes["role"].eq("partner").fillna(False).to_numpy(bool)]
    return partners[["commune_code", "district_code", "province_code"]].reset_index(drop=True)


def poverty_context(pkg: Package, last_year: int | None = None) -> pd.DataFrame:
    """Published poverty rates of the partner communes, their districts, their provinces and
    the country, for the years up to ``last_year`` (every year when None).

    Definition: the rows of :func:`published_statistics` whose measure is one of
    :data:`POVERTY_RATES` (percent of households) and whose area is a partner commune as it
    stood before July 2025, the district or province of a partner commune, or Việt Nam. A
    merged commune's rate is not here (:func:`merged_commune_figures`). Each row keeps its
    poverty standard: rates under two standards are two series.

    Returns:
        The columns of :func:`published_statistics` plus ``group``: the province code of the
        partner communes the row describes, or ``national`` for the country (shown beside
        every province). Sorted by group, level (commune, district, province, national),
        area, measure, year.
    """
    stats = published_statistics(pkg)
    stats = stats[stats["measure"].isin(POVERTY_RATES)]
    if last_year is not None:
        stats = stats[stats["year"] <= last_year]
    stats = stats[stats["geography"].ne(MERGED)]
    areas = _partner_areas(pkg)
    province_of = {
        **dict(zip(areas["commune_code"], areas["province_code"], strict=True)),
        **dict(zip(areas["district_code"], areas["province_code"], strict=True)),
        **{p: p for p in areas["province_code"]},
    }
    level_codes = {
        "commune": set(areas["commune_code"]),
        "district": set(areas["district_code"]),
        "province": set(areas["province_code"]),
    }
    keep = [
        (lvl == "national" and name == NATIONAL_AREA)
        or (lvl in level_codes and code in level_codes[lvl])
        for lvl, code, name in zip(
            stats["level"], stats["area_code"], stats["area_name"], strict=True
        )
    ]
    out = stats.loc[pd.Series(keep, index=stats.index, dtype=bool)].copy()
    out["group"] = [
        "national" if lvl == "national" else province_of[code]
        for lvl, code in zip(out["level"], out["area_code"], strict=True)
    ]
    order = {"commune": 0, "district": 1, "province": 2, "national": 3}
    out["_level"] = out["level"].map(order)
    out["_measure"] = out["measure"].map({m: i for i, m in enumerate(POVERTY_RATES)})
    out = out.sort_values(["group", "_level", "area_name", "_measure", "year"])
    return out.drop(columns=["_level", "_measure"]).reset_index(drop=True)


def merged_commune_figures(pkg: Package, last_year: int | None = None) -> pd.DataFrame:
    """Published figures of the communes formed by the July 2025 merger (never compared with
    the old communes), up to ``last_year``: the columns of :func:`published_statistics`."""
    stats = published_statistics(pkg)
    stats = stats[stats["geography"].eq(MERGED)]
    if last_year is not None:
        stats = stats[stats["year"] <= last_year]
    return stats.sort_values(["area_name", "year", "measure"]).reset_index(drop=True)


def previous_phase_figures(pkg: Package, first_year: int) -> pd.DataFrame:
    """Figures of the programme before ``first_year`` (the phase's first year): the previous
    phase's national totals and its support in the partner communes. Context, not this
    phase's delivery: the columns of :func:`published_statistics`."""
    stats = published_statistics(pkg)
    areas = _partner_areas(pkg)
    programme = stats["measure"].str.startswith(PROGRAMME_PREFIX)
    in_partner = stats["measure"].eq("support_amount_vnd") & stats["area_code"].isin(
        set(areas["commune_code"])
    )
    chosen = stats[(programme | in_partner) & (stats["year"] < first_year)]
    return chosen.sort_values(["level", "area_name", "measure"]).reset_index(drop=True)


def observed_rows(pkg: Package) -> pd.DataFrame:
    """Rows of the package that are observed (their source is not illustrative).

    Returns:
        One row per resource of :data:`OBSERVED_RESOURCES` present in the package: resource,
        rows, observed; and a last row ``all`` with the totals. Example: 17 of 80 plans
        observed gives ``plans, 80, 17``.
    """
    records = []
    for name in OBSERVED_RESOURCES:
        if name not in pkg:
            continue
        frame = pkg[name]
        observed = int((~pkg.is_illustrative(frame)).sum()) if len(frame) else 0
        records.append({"resource": name, "rows": len(frame), "observed": observed})
    out = pd.DataFrame(records, columns=["resource", "rows", "observed"])
    total = {
        "resource": "all",
        "rows": int(out["rows"].sum()),
        "observed": int(out["observed"].sum()),
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def cited_sources(pkg: Package) -> set[str]:
    """The sources the package cites: those a row of any resource names in a ``source_id``
    field, other than the illustrative generator (kind ``illustrative``) and the sources
    table itself. The rule issue 18 counts by (27 when it was filed)."""
    sources = pkg["sources"]
    real = set(sources.loc[sources["kind"].ne("illustrative").to_numpy(bool), "source_id"])
    named: set[str] = set()
    for name in pkg.frames:
        if name == "sources":
            continue
        frame = pkg[name]
        for col in frame.columns:
            if col == "source_id" or col.endswith("_source_id"):
                named |= set(frame[col].dropna().astype(str))
    return named & real
