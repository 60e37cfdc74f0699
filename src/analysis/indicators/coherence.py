"""Coherence: how the planned activities line up with national programmes.

The links between activity types and national programmes are data (``programme_links``),
not code, so an evaluator can dispute and change them.

Example:
    >>> from analysis.package import load_package
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> round(share_of_plan_linked(pkg, 2024).share, 4)  # 80 / 130 million
    0.6154
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analysis.indicators.common import (
    as_float,
    check_year,
    empty_frame,
    finish,
    plans_of,
)
from analysis.indicators.spec import indicator
from analysis.package import Package

__all__ = ["DOCUMENTED_KINDS", "LinkedShare", "programme_alignment", "share_of_plan_linked"]

ALIGNMENT_COLUMNS = {
    "activity_type": "string",
    "programme_id": "string",
    "programme_name_en": "string",
    "n_activities": "int64",
    "planned_amount_vnd": "float64",
}


def programme_alignment(pkg: Package, year: int | None = None) -> pd.DataFrame:
    """Planned activities per activity type and the national programmes that type serves.

    Definition: for each activity type present in the plans of ``year`` (all years when
    None) and each national programme linked to that type in ``programme_links``: the
    number of planned activities of the type and their planned amount. A type linked to no
    programme appears once, with a missing ``programme_id``. An activity linked to two
    programmes is counted under both, so do not add the rows up. No denominator; units:
    activities and đồng (NaN when no activity of the type states an amount).

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years.

    Returns:
        activity_type, programme_id, programme_name_en, n_activities, planned_amount_vnd;
        sorted by activity_type and programme_id (unlinked last). Empty (same columns)
        when nothing was planned that year.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> t = programme_alignment(pkg, 2024)
        >>> t.loc[t["activity_type"] == "charity_house", "programme_id"].tolist()
        ['ntm_2021_2025', 'ntp_1719_p1']
    """
    year = check_year(pkg, year)
    plans = plans_of(pkg, year)
    if plans.empty:
        return empty_frame(ALIGNMENT_COLUMNS)
    plans["_amount"] = as_float(plans["planned_amount_vnd"])
    per_type = (
        plans.groupby("activity_type")
        .agg(
            n_activities=("activity_id", "size"),
            planned_amount_vnd=("_amount", lambda s: s.sum(min_count=1)),
        )
        .reset_index()
    )
    links = pkg["programme_links"][["activity_type", "programme_id"]]
    names = pkg["national_programmes"].set_index("programme_id")["name_en"]
    out = per_type.merge(links, on="activity_type", how="left")
    out["programme_name_en"] = out["programme_id"].map(names).astype("string")
    out["programme_id"] = out["programme_id"].astype("string")
    return finish(out, ["activity_type", "programme_id"], ALIGNMENT_COLUMNS)


DOCUMENTED_KINDS = ("plan", "agreement", "report", "news", "workbook")
"""Kinds of source that can show an activity serving a national programme: documents about
this programme. A ``reference`` (a decision, the toolkit's own results framework) says what
a programme is, not that this programme's activity serves it."""


@dataclass(frozen=True)
class LinkedShare:
    """Planned money in activity types linked to a national programme.

    Attributes:
        planned_amount_vnd: All planned money of the year (activities stating an amount).
        linked_amount_vnd: The part in activity types linked to at least one programme.
        share: ``linked_amount_vnd / planned_amount_vnd`` (NaN when nothing is planned).
        documented_amount_vnd: The part in activity types with a link whose source is a
            document about this programme (:data:`DOCUMENTED_KINDS`).
        documented_share: ``documented_amount_vnd / planned_amount_vnd``; NaN when nothing
            is planned or when no link at all is documented (the links are then the
            toolkit's reading, not evidence).
    """

    planned_amount_vnd: float
    linked_amount_vnd: float
    share: float
    documented_amount_vnd: float = 0.0
    documented_share: float = math.nan


@indicator(
    "plan_linked_to_programmes", column="share", evidence=("plans",), level="output", unit="percent"
)
def share_of_plan_linked(pkg: Package, year: int | None = None) -> LinkedShare:
    """Share of planned money going to activity types linked to a national programme.

    Definition: numerator = planned amounts of the activities of ``year`` (all years when
    None) whose type has at least one row in ``programme_links``; denominator = planned
    amounts of all activities of the year. Activities without a planned amount count in
    neither. Unit: fraction (1.0 = 100 %). The documented share counts in its numerator
    only the activity types with a link whose source is of a documented kind
    (:data:`DOCUMENTED_KINDS`); it is what the coherence rating reads, because links the
    toolkit drew itself make the plain share 100 % by construction.

    Args:
        pkg: The loaded package.
        year: Plan year (2021–2025), or None for all years.

    Returns:
        A :class:`LinkedShare`; its share is NaN when no amount is planned that year.

    Raises:
        ValueError: For a year outside 2021–2025.

    Example:
        >>> s = share_of_plan_linked(pkg, 2024)
        >>> s.linked_amount_vnd, s.planned_amount_vnd  # house 50 + pupils 30; + cows 50
        (80000000.0, 130000000.0)
        >>> s.documented_share  # every link is the toolkit's own results framework
        nan
    """
    year = check_year(pkg, year)
    plans = plans_of(pkg, year)
    amount = as_float(plans["planned_amount_vnd"]).fillna(0.0)
    links = pkg["programme_links"]
    kind = links["source_id"].map(pkg["sources"].set_index("source_id")["kind"])
    documented_types = links.loc[kind.isin(DOCUMENTED_KINDS).fillna(False).to_numpy(bool)]
    linked = plans["activity_type"].isin(links["activity_type"]).fillna(False).to_numpy(bool)
    documented = (
        plans["activity_type"].isin(documented_types["activity_type"]).fillna(False).to_numpy(bool)
    )
    total = float(amount.sum())
    part = float(amount[linked].sum())
    shown = float(amount[documented].sum())
    documented_share = shown / total if total > 0 and len(documented_types) else math.nan
    return LinkedShare(
        total, part, part / total if total > 0 else math.nan, shown, documented_share
    )
