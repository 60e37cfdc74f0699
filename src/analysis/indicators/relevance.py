"""Relevance: does the support reach the people it is meant for?

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> targeting_shares(pkg, 2024)["activity_type"].tolist()[-1]
    'all'
"""

from __future__ import annotations

import pandas as pd

from analysis.indicators.common import (
    ALL,
    check_year,
    empty_frame,
    finish,
)
from analysis.indicators.spec import indicator
from analysis.package import Package

__all__ = ["targeting_shares"]

TARGETING_COLUMNS = {
    "activity_type": "string",
    "n": "int64",
    "share_poor": "float64",
    "share_near_poor": "float64",
    "share_poor_or_near_poor": "float64",
    "share_ethnic_minority_women": "float64",
}


@indicator(
    "share_poor_near_poor",
    column="share_poor_or_near_poor",
    evidence=("beneficiaries",),
    level="outcome",
    unit="percent",
    row={"activity_type": "all"},
    count="n",
)
def targeting_shares(pkg: Package, year: int | None = None) -> pd.DataFrame:
    """Shares of beneficiaries from poor, near-poor and ethnic-minority female households.

    Definition: among the beneficiaries whose ``entry_year`` is ``year`` (all years when
    None), per activity type and overall:

    - ``share_poor`` = people whose household was poor at entry / n;
    - ``share_near_poor`` = near-poor at entry / n;
    - ``share_poor_or_near_poor`` = poor or near-poor at entry / n;
    - ``share_ethnic_minority_women`` = female and ethnicity other than ``kinh`` / n
      (girls supported as pupils count as female).

    Numerators: people in each category. Denominator: ``n``, the people who entered that
    year. Unit: fraction (1.0 = 100 %).

    Args:
        pkg: The loaded package.
        year: Entry year (2021–2025), or None for all years.

    Returns:
        activity_type, n, share_poor, share_near_poor, share_poor_or_near_poor,
        share_ethnic_minority_women; one row per activity type (sorted), then the overall
        row with ``activity_type == "all"``. Empty (same columns) when nobody entered.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> t = targeting_shares(pkg, 2024).set_index("activity_type")
        >>> int(t.loc["all", "n"]), round(float(t.loc["all", "share_poor_or_near_poor"]), 4)
        (7, 0.8571)
    """
    year = check_year(pkg, year)
    ben = pkg["beneficiaries"].copy(deep=False)
    if year is not None:
        ben = ben[ben["entry_year"].eq(year).fillna(False).to_numpy(bool)]
    if ben.empty:
        return empty_frame(TARGETING_COLUMNS)
    status = ben["poverty_status_entry"]
    ben["activity_type"] = (
        ben["activity_id"]
        .map(pkg["plans"].set_index("activity_id")["activity_type"])
        .astype("string")
    )
    flags = pd.DataFrame(
        {
            "activity_type": ben["activity_type"],
            "share_poor": status.eq("poor").fillna(False).astype(float),
            "share_near_poor": status.eq("near_poor").fillna(False).astype(float),
            "share_poor_or_near_poor": status.isin(["poor", "near_poor"])
            .fillna(False)
            .astype(float),
            "share_ethnic_minority_women": (ben["sex"].eq("female") & ben["ethnicity"].ne("kinh"))
            .fillna(False)
            .astype(float),
        }
    )
    shares = list(TARGETING_COLUMNS)[2:]
    by_type = flags.groupby("activity_type", dropna=False)[shares].mean()
    by_type.insert(0, "n", flags.groupby("activity_type", dropna=False).size())
    by_type = finish(by_type.reset_index(), ["activity_type"], TARGETING_COLUMNS)
    overall = pd.DataFrame(
        [{"activity_type": ALL, "n": len(flags), **{s: float(flags[s].mean()) for s in shares}}]
    )
    out = pd.concat([by_type, overall], ignore_index=True)
    out["activity_type"] = out["activity_type"].astype("string")
    return out[list(TARGETING_COLUMNS)]
