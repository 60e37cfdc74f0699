"""Gender and equity: outcomes by sex, ethnicity and poverty status at entry, and what the
package cannot yet say about women's control over what the programme gave them.

The annual report and the phase evaluation both call :func:`gender_section` (their ``gender``
section) and :func:`register_counts` (from their own ``register_counts``): the counts of
people in these tables go through the report's one disclosure ledger, so a count hidden
here is hidden everywhere, and every share, mean or amount per person computed from a hidden
count is withheld with it.

The scope of a report is its year: the people reached are those who entered that year (the
annual report) or in the whole phase (the phase evaluation); the households followed are those
the follow-ups observe from their entry year to that year (:func:`analysis.indicators.
income_change`; pupils are children and are left out); staying out of poverty is
:func:`analysis.indicators.poverty_persistence` one year after leaving it.

The questions the package cannot answer (who owns the cow, who decides on its sale and on the
income, the woman's working time) have optional fields in the schema, marked with the field
property ``equity``; the section lists them from the descriptor and says how far they are
filled (so far, not at all).
"""

from __future__ import annotations

import math

import pandas as pd

from analysis import indicators as ind
from analysis.i18n import label, sort_key
from analysis.indicators.common import spent_by_activity
from analysis.package import Package
from analysis.report import html as H
from analysis.report.html import Col

DIMENSIONS = ("sex", "ethnicity", "poverty_status_entry")
"""The groups of the equity tables (fields of ``beneficiaries``), in the order shown."""

ENUM_GROUP = {"poverty_status_entry": "poverty_status"}
"""The catalogue group of a dimension's labels, when it is not the field's name."""

PERSISTENCE_HORIZON = 1
"""Years after leaving poverty at which staying out is looked at."""

QUESTIONS = ("ownership", "sale", "income", "time")
"""The questions the proposed fields answer (their ``equity`` property), in the order shown."""

MONEY_STEP = 1_000
"""Means of money (support per person, change in income) are shown to the nearest 1.000
đồng: a mean to the last đồng is false precision."""


# --------------------------------------------------------------------------- figures
def support_per_person(pkg: Package) -> pd.Series:
    """Money spent on the activity that supported each person, shared among its people.

    Definition: for a beneficiary of activity a, ``spent(a) / people(a)``, where ``spent``
    is disbursements plus expenditures on a (every year) and ``people`` the distinct
    beneficiaries of a (every entry year: a passed-on calf's household shares its activity's
    money). NaN when nothing is recorded as spent on the activity (unknown, not zero).
    Unit: đồng per person.

    Returns:
        Float series indexed by ``beneficiary_id``.

    Example:
        >>> float(support_per_person(pkg).loc["B000001"])  # 50 million on a house for one household
        50000000.0
    """
    ben = pkg["beneficiaries"]
    people = ben.groupby("activity_id")["beneficiary_id"].nunique()
    spent = spent_by_activity(pkg).reindex(people.index)
    per = (spent / people).astype(float)
    values = ben["activity_id"].map(per).astype(float).to_numpy()
    return pd.Series(values, index=ben["beneficiary_id"].astype(str).to_numpy(), dtype=float)


def reached_people(pkg: Package, year: int | None) -> pd.DataFrame:
    """The people reached (entered in ``year``; everyone when None), with their groups and
    the support per person (:func:`support_per_person`)."""
    ben = pkg["beneficiaries"]
    if year is not None:
        ben = ben[ben["entry_year"].eq(year).fillna(False).to_numpy(bool)]
    ids = ben["beneficiary_id"].astype(str).to_numpy()
    out = pd.DataFrame({"beneficiary_id": ids})
    for dim in DIMENSIONS:
        out[dim] = ben[dim].astype(str).to_numpy()
    out["support_vnd"] = support_per_person(pkg).reindex(ids).to_numpy()
    return out


def followed_people(report, year: int) -> pd.DataFrame | None:
    """The households followed from entry to ``year`` (:func:`analysis.indicators.
    income_change`, the report's own result) with their groups; None when nobody can be
    followed to that year."""
    try:
        changes = report.indicator(ind.income_change, year).changes
    except ValueError:
        return None
    ben = report.pkg["beneficiaries"].set_index("beneficiary_id")
    ids = changes["beneficiary_id"].astype(str)
    out = pd.DataFrame(
        {
            "beneficiary_id": ids.to_numpy(),
            "change_vnd": changes["change_vnd"].astype(float).to_numpy(),
            "poor_entry": changes["poor_entry"].to_numpy(bool),
            "left": (changes["poor_entry"] & ~changes["poor_year"]).to_numpy(bool),
        }
    )
    for dim in DIMENSIONS:
        out[dim] = ids.map(ben[dim].astype(str)).to_numpy()
    return out


def persistence_by_group(pkg: Package, cases: pd.DataFrame, dim: str) -> pd.DataFrame:
    """Households still out of poverty a year after leaving it, per group of ``dim``: the
    households ``cases`` (:func:`analysis.indicators.persistence_cases` at one horizon, the
    ones :func:`analysis.indicators.poverty_persistence` counts) grouped by their ``dim``.

    Returns:
        ``group``, ``n``, ``still_out``: one row per group of the beneficiaries (0 and 0 for
        a group nobody of which can be observed yet), groups in sorted order.
    """
    ben = pkg["beneficiaries"]
    groups = ben.set_index("beneficiary_id")[dim].astype(str)
    found = (
        cases.assign(group=cases["beneficiary_id"].map(groups).astype(str))
        .groupby("group")["still_out"]
        .agg(["size", "sum"])
    )
    rows = [
        {
            "group": value,
            "n": int(found["size"].get(value, 0)),
            "still_out": int(found["sum"].get(value, 0)),
        }
        for value in sorted(ben[dim].dropna().astype(str).unique())
    ]
    return pd.DataFrame(rows, columns=["group", "n", "still_out"])


# --------------------------------------------------------------------------- scope
def _scope(report) -> tuple[tuple, int | None, int]:
    """The report's total of people reached, the entry year of its people (None: every
    year) and the year its outcomes are measured in."""
    year = getattr(report, "year", 0)
    if year:
        return ("reached", year), year, year
    return ("reached", "phase"), None, report.last_year


def _figures(report) -> dict:
    """The people, followed households and persistence of the report's scope (once)."""
    if "equity" not in report._computed:
        total, entry, year = _scope(report)
        try:
            cases = report.indicator(ind.persistence_cases, year, horizons=(PERSISTENCE_HORIZON,))
            persistence = {dim: persistence_by_group(report.pkg, cases, dim) for dim in DIMENSIONS}
        except ValueError:
            persistence = {}
        report._computed["equity"] = {
            "total": total,
            "year": year,
            "reached": reached_people(report.pkg, entry),
            "followed": followed_people(report, year),
            "persistence": persistence,
        }
    return report._computed["equity"]


# --------------------------------------------------------------------------- ledger
def groups_of(fig: dict, dim: str) -> list[str]:
    """Every group of ``dim`` among the people reached, the households followed and the
    households that left poverty (a group may be in one and not another)."""
    found = set(fig["reached"][dim])
    if fig["followed"] is not None:
        found |= set(fig["followed"][dim])
    if dim in fig["persistence"]:
        found |= set(fig["persistence"][dim]["group"])
    return sorted(found)


def _split(ledger, total: tuple, counts: pd.Series, groups: list[str], prefix: tuple) -> None:
    """Register ``counts`` by group (0 for a group without any) as the parts of ``total``,
    with keys ``(*prefix, group)``."""
    counts = counts.reindex(groups, fill_value=0).astype(int)
    ledger.line({(*prefix, g): int(n) for g, n in counts.items()}, (total, int(counts.sum())))


def register_counts(report, ledger) -> None:
    """Register every count of people the gender section publishes or computes a figure
    from: people reached by group (the report's own breakdown keys), households followed
    with an income by group, poor at entry and left poverty by group, and the households
    still out of poverty a year after leaving it by group. Each split adds up to its total,
    and each group's left + stayed (still out + back) to its poor at entry (observed)."""
    fig = _figures(report)
    total, y, h = fig["total"], fig["year"], PERSISTENCE_HORIZON
    reached = fig["reached"]
    ledger.count(total, len(reached))
    followed = fig["followed"]
    if followed is not None:
        poor = followed[followed["poor_entry"].to_numpy(bool)]
        n_left = int(poor["left"].sum())
        ledger.line(
            {("followed", y, "left"): n_left, ("followed", y, "stayed"): len(poor) - n_left},
            (("followed", y, "poor_entry"), len(poor)),
        )
    for dim in DIMENSIONS:
        groups = groups_of(fig, dim)
        _split(
            ledger, total, reached.groupby(dim)["beneficiary_id"].nunique(), groups, (*total, dim)
        )
        if followed is not None:
            _register_followed(ledger, followed, dim, groups, y)
        table = fig["persistence"].get(dim)
        if table is not None:
            n = table.set_index("group")["n"].reindex(groups, fill_value=0)
            still = table.set_index("group")["still_out"].reindex(groups, fill_value=0)
            _split(ledger, ("persist", y, h, "n"), n, groups, ("persist", y, h, "n", dim))
            _split(
                ledger,
                ("persist", y, h, "still_out"),
                still,
                groups,
                ("persist", y, h, "still_out", dim),
            )
            ledger.line(
                {
                    ("persist", y, h, "still_out"): int(still.sum()),
                    ("persist", y, h, "back"): int(n.sum() - still.sum()),
                },
                (("persist", y, h, "n"), int(n.sum())),
            )
            for g in groups:
                ledger.line(
                    {
                        ("persist", y, h, "still_out", dim, g): int(still[g]),
                        ("persist", y, h, "back", dim, g): int(n[g] - still[g]),
                    },
                    (("persist", y, h, "n", dim, g), int(n[g])),
                )


def _register_followed(ledger, followed: pd.DataFrame, dim: str, groups: list, y: int) -> None:
    """Households followed with an income, poor at entry and left poverty, by group."""
    with_income = followed[followed["change_vnd"].notna().to_numpy(bool)]
    poor = followed[followed["poor_entry"].to_numpy(bool)]
    _split(
        ledger,
        ("followed", y, "income"),
        with_income.groupby(dim).size(),
        groups,
        ("followed", y, "income", dim),
    )
    entry = poor.groupby(dim).size().reindex(groups, fill_value=0).astype(int)
    left = poor.groupby(dim)["left"].sum().reindex(groups, fill_value=0).astype(int)
    _split(ledger, ("followed", y, "poor_entry"), entry, groups, ("followed", y, "poor_entry", dim))
    _split(ledger, ("followed", y, "left"), left, groups, ("followed", y, "left", dim))
    for g in groups:
        ledger.line(
            {
                ("followed", y, "left", dim, g): int(left[g]),
                ("followed", y, "stayed", dim, g): int(entry[g] - left[g]),
            },
            (("followed", y, "poor_entry", dim, g), int(entry[g])),
        )


# --------------------------------------------------------------------------- the section
def gender_section(report) -> H.Fragment:
    """The ``gender`` section: who was reached and how they fared, by group, and the data
    the package lacks to say more."""
    fig = _figures(report)
    total = fig["total"]
    parts = []
    if not report.ledger.values.get(total):
        parts.append(H.missing(report._t("missing.beneficiaries")))
    else:
        parts.append(H.p(_women_sentence(report, total)))
        parts.append(H.p(report._t("equity.reading", **_reading(report, fig)), "note"))
        if fig["followed"] is None:
            parts.append(H.missing(report._t("missing.followups")))
        for dim in DIMENSIONS:
            parts.append(_group_table(report, dim))
    parts += _missing_data_parts(report)
    return H.section("gender", report._t("section.gender"), *parts)


def _reading(report, fig: dict) -> dict:
    """The figures of the note on how to read the tables."""
    if fig["total"][1] == "phase":
        scope = report._t("equity.scope_phase", first=report.first_year, last=report.last_year)
    else:
        scope = report._t("equity.scope_year", year=fig["year"])
    return {"scope": scope, "year": fig["year"], "n": report.min_cell}


def _women_sentence(report, total: tuple) -> str:
    """Women's share of the people reached, through the ledger."""
    female, male = (*total, "sex", "female"), (*total, "sex", "male")
    values = report.ledger.values
    n = values[total]
    share = values.get(female, 0) / n if n else math.nan
    keys = [k for k in (female, male) if k in values]
    return report._t(
        "equity.women",
        women=report.people_text(female) if female in values else "0",
        people=report.people_text(total),
        share=report._pct(report.withheld(share, *keys)),
    )


def _group_table(report, dim: str) -> H.Fragment:
    """One table per dimension: people reached and support per person; households followed,
    their mean change in income, the share who left poverty and the share still out of it a
    year later. Every figure of a hidden count is withheld."""
    fig = _figures(report)
    total, y, h = fig["total"], fig["year"], PERSISTENCE_HORIZON
    values = report.ledger.values
    reached, followed = fig["reached"], fig["followed"]
    if followed is not None and not values.get(("followed", y, "income")):
        followed = None
    persistence = fig["persistence"] if values.get(("persist", y, h, "n")) else {}
    enum = ENUM_GROUP.get(dim, dim)
    groups = sorted(
        groups_of(fig, dim), key=lambda v: sort_key(label(enum, v, report.lang), report.lang)
    )
    rows = []
    for g in [*groups, None]:
        key = total if g is None else (*total, dim, g)
        sel = reached if g is None else reached[reached[dim].eq(g).to_numpy(bool)]
        known = sel["support_vnd"].dropna()
        row = {
            "group": report._t("total") if g is None else label(enum, g, report.lang),
            "reached": key,
            "support": report.withheld(_rounded(known), key),
        }
        if followed is not None:
            row.update(_followed_cells(report, followed, dim, g, y))
        if persistence:
            row.update(_persistence_cells(report, dim, g, y, h))
        rows.append(row)
    cols = {
        "group": Col(report._t(f"col.{dim}")),
        "reached": Col(report._t("equity.col_reached"), "people"),
        "support": Col(report._t("equity.col_support"), "money"),
    }
    if followed is not None:
        cols |= {
            "followed": Col(report._t("equity.col_followed", year=y), "people"),
            "change": Col(report._t("equity.col_change"), "money"),
            "left": Col(report._t("equity.col_left"), "percent"),
        }
    if persistence:
        cols["still_out"] = Col(report._t("equity.col_still_out"), "percent")
    return report.table(
        f"equity_{dim}"[:31],
        pd.DataFrame(rows),
        cols,
        caption=report._t("equity.caption", by=report._t(f"col.{dim}").lower()),
        total_row=True,
        marks="all",
    )


def _followed_cells(report, followed: pd.DataFrame, dim: str, g, y: int) -> dict:
    """A group's households followed (with an income), their mean change and the share of
    the poor at entry who left poverty (withheld with their counts)."""
    sel = followed if g is None else followed[followed[dim].eq(g).to_numpy(bool)]
    suffix = () if g is None else (dim, g)
    income = ("followed", y, "income", *suffix)
    entry = ("followed", y, "poor_entry", *suffix)
    left_keys = [("followed", y, k, *suffix) for k in ("left", "stayed")]
    poor = sel[sel["poor_entry"].to_numpy(bool)]
    share = float(poor["left"].mean()) if len(poor) else math.nan
    return {
        "followed": income,
        "change": report.withheld(_rounded(sel["change_vnd"].dropna()), income),
        "left": report.withheld(report.share(share, entry), entry, *left_keys),
    }


def _rounded(amounts: pd.Series) -> float:
    """The mean of ``amounts`` to the nearest :data:`MONEY_STEP` (NaN when empty)."""
    if not len(amounts):
        return math.nan
    return float(round(float(amounts.mean()) / MONEY_STEP) * MONEY_STEP)


def _persistence_cells(report, dim: str, g, y: int, h: int) -> dict:
    """The share still out of poverty ``h`` years after leaving it (withheld with its
    counts; NaN when nobody of the group can be observed yet)."""
    suffix = () if g is None else (dim, g)
    n_key = ("persist", y, h, "n", *suffix)
    parts = [("persist", y, h, k, *suffix) for k in ("still_out", "back")]
    n = report.ledger.values[n_key]
    if not n:
        return {"still_out": math.nan}
    share = report.ledger.values[parts[0]] / n
    return {"still_out": report.withheld(report.share(share, n_key), n_key, *parts)}


# --------------------------------------------------------------------------- what is missing
def proposed_fields(pkg: Package) -> list[tuple[str, dict]]:
    """The optional fields the schema proposes for women's ownership, decisions and time
    (field property ``equity``), as ``(resource, field)`` in the descriptor's order."""
    found = pkg.schema.fields_with("equity")
    order = {q: i for i, q in enumerate(QUESTIONS)}
    return sorted(found, key=lambda rf: order.get(rf[1]["equity"], len(order)))


def _missing_data_parts(report) -> list:
    """What the package cannot say, and the fields proposed to say it (filled so far?)."""
    resources = report.pkg.schema.resources
    title = f"title_{report.lang}"  # a language without its titles falls back to ``title``
    rows = []
    filled_any = False
    for resource, fld in proposed_fields(report.pkg):
        frame = report.pkg[resource]
        values = frame[fld["name"]] if fld["name"] in frame.columns else pd.Series(dtype=object)
        n_filled = int(values.notna().sum())
        filled_any |= n_filled > 0
        status = "equity.empty" if not n_filled else "equity.partly"
        if len(values) and n_filled == len(values):
            status = "equity.full"
        rows.append(
            {
                "field": fld.get(title, fld.get("title", "")),
                "resource": resources[resource].get(title, resources[resource].get("title", "")),
                "question": report._t(f"equity.question.{fld['equity']}"),
                "values": "; ".join(
                    label(fld["name"], v, report.lang) for v in fld["constraints"]["enum"]
                )
                if "enum" in fld.get("constraints", {})
                else report._t("missing_value"),
                "status": report._t(status),
            }
        )
    parts = [H.h(3, report._t("equity.missing_title")), H.p(report._t("equity.cannot_say"))]
    if not rows:
        return parts
    cols = {
        "question": Col(report._t("equity.col_question")),
        "field": Col(report._t("equity.col_field")),
        "resource": Col(report._t("equity.col_resource")),
        "values": Col(report._t("equity.col_values")),
        "status": Col(report._t("equity.col_status")),
    }
    parts.append(
        report.table(
            "equity_fields",
            pd.DataFrame(rows),
            cols,
            caption=report._t("equity.fields_caption"),
        )
    )
    parts.append(
        H.p(report._t("equity.fields_partly" if filled_any else "equity.fields_empty"), "note")
    )
    return parts
