"""Cross-table rules that a row-by-row validator cannot express.

Each rule is one function taking the loaded :class:`~analysis.package.Package` and returning
problems that name the file, row (header = row 1), field and rule. Errors stop the reports;
warnings (an over-spent activity, say) are findings an evaluator should see, and the reports
list them in their data-quality section.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.errors import Problem
from analysis.package import Package

Rule = Callable[[Package], list[Problem]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    """Register a cross-table rule."""
    RULES.append(fn)
    return fn


def _problems(
    pkg: Package,
    resource: str,
    mask,
    field: str,
    rule_key: str,
    severity="error",
    params: Callable[[int], dict] | None = None,
) -> list[Problem]:
    path = pkg.resource(resource)["path"]
    out = []
    for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
        out.append(
            Problem(path, int(i) + 2, field, rule_key, params(i) if params else {}, severity)
        )
    return out


def _partner_in_year(communes: pd.DataFrame, codes: pd.Series, years: pd.Series) -> np.ndarray:
    info = communes.set_index("commune_code")
    role = codes.map(info["role"])
    start = codes.map(info["partner_from"]).astype("Float64")
    end = codes.map(info["partner_to"]).astype("Float64")
    yrs = years.astype("Float64")
    ok = (role == "partner") & (start <= yrs) & (yrs <= end)
    return ok.fillna(False).to_numpy(dtype=bool)


@rule
def activity_scope(pkg: Package) -> list[Problem]:
    """A plan's scope agrees with the commune and province it names."""
    plans = pkg["plans"]
    has_commune, has_province = plans["commune_code"].notna(), plans["province_code"].notna()
    scope = plans["scope"]
    bad = (
        ((scope == "commune") & ~(has_commune & has_province))
        | ((scope == "province") & (has_commune | ~has_province))
        | ((scope == "programme") & (has_commune | has_province))
    ).fillna(False)
    problems = _problems(
        pkg, "plans", bad, "scope", "scope", params=lambda i: {"scope": scope.iat[i]}
    )
    province_of = plans["commune_code"].map(
        pkg["communes"].set_index("commune_code")["province_code"]
    )
    wrong = (has_commune & (province_of != plans["province_code"])).fillna(False)
    problems += _problems(
        pkg,
        "plans",
        wrong,
        "province_code",
        "commune-province",
        params=lambda i: {
            "commune": plans["commune_code"].iat[i],
            "province": plans["province_code"].iat[i],
        },
    )
    return problems


@rule
def activity_commune_is_partner(pkg: Package) -> list[Problem]:
    """An activity's commune is a partner commune in the activity's year."""
    plans = pkg["plans"]
    with_commune = plans["commune_code"].notna().to_numpy()
    ok = _partner_in_year(pkg["communes"], plans["commune_code"], plans["year"])
    return _problems(
        pkg,
        "plans",
        with_commune & ~ok,
        "commune_code",
        "not-partner",
        params=lambda i: {
            "commune": plans["commune_code"].iat[i],
            "year": int(plans["year"].iat[i]),
        },
    )


@rule
def spending_within_plan(pkg: Package) -> list[Problem]:
    """Money disbursed or spent on an activity does not exceed its planned amount (warning)."""
    tx = pkg["transactions"]
    plans = pkg["plans"].set_index("activity_id")
    spent = tx[tx["transaction_type"].isin(["disbursement", "expenditure"])]
    total = spent.groupby("activity_id")["amount_vnd"].sum()
    planned = total.index.map(plans["planned_amount_vnd"])
    over = total[(planned.notna()) & (total.to_numpy() > planned.fillna(0).to_numpy())]
    plan_rows = pkg["plans"].reset_index(drop=True)
    mask = plan_rows["activity_id"].isin(over.index).to_numpy()
    return _problems(
        pkg,
        "plans",
        mask,
        "planned_amount_vnd",
        "overspent",
        "warning",
        params=lambda i: {
            "activity": plan_rows["activity_id"].iat[i],
            "spent": int(over[plan_rows["activity_id"].iat[i]]),
            "planned": int(plan_rows["planned_amount_vnd"].iat[i]),
        },
    )


@rule
def transaction_dates(pkg: Package) -> list[Problem]:
    """No money moves for an activity before its plan year (error) or two years after (warning)."""
    tx = pkg["transactions"]
    year_of = tx["activity_id"].map(pkg["plans"].set_index("activity_id")["year"])
    tx_year = tx["date"].dt.year.astype("Float64")
    early = (tx_year < year_of.astype("Float64")).fillna(False)
    late = (tx_year > year_of.astype("Float64") + 1).fillna(False)

    def params(i):
        return {"date": str(tx["date"].iat[i].date()), "year": int(year_of.iat[i])}

    return _problems(
        pkg, "transactions", early, "date", "tx-before-plan", params=params
    ) + _problems(pkg, "transactions", late, "date", "tx-late", "warning", params=params)


@rule
def poverty_within_households(pkg: Package) -> list[Problem]:
    """Poor plus near-poor households do not exceed the commune's households."""
    cs = pkg["commune_statistics"]
    hh = cs["households"].astype("Float64")
    both = cs["poor_households"].fillna(0) + cs["near_poor_households"].fillna(0)
    combined = cs["poor_or_near_poor_households"].astype("Float64")
    bad = ((both.astype("Float64") > hh) | (combined > hh)).fillna(False)
    return _problems(
        pkg,
        "commune_statistics",
        bad,
        "poor_households",
        "poverty-exceeds",
        params=lambda i: {"commune": cs["commune_code"].iat[i], "year": int(cs["year"].iat[i])},
    )


@rule
def coordinates_sourced(pkg: Package) -> list[Problem]:
    """A commune's point has a source and a source has a point: latitude, longitude and
    ``coordinates_source`` are all given or all empty (a map cites the source of every
    point it draws)."""
    communes = pkg["communes"]
    given = pd.DataFrame(
        {
            "latitude": communes["latitude"].notna(),
            "longitude": communes["longitude"].notna(),
            "coordinates_source": communes["coordinates_source"].fillna("").astype(str).ne(""),
        }
    )
    bad = given.any(axis=1) & ~given.all(axis=1)
    return _problems(
        pkg,
        "communes",
        bad.to_numpy(bool),
        "coordinates_source",
        "coordinates-unsourced",
        params=lambda i: {"commune": communes["commune_code"].iat[i]},
    )


@rule
def beneficiary_commune(pkg: Package) -> list[Problem]:
    """A beneficiary lives in the activity's commune (or its province, for province scope)."""
    ben = pkg["beneficiaries"]
    plans = pkg["plans"].set_index("activity_id")
    act_commune = ben["activity_id"].map(plans["commune_code"])
    act_province = ben["activity_id"].map(plans["province_code"])
    own_province = ben["commune_code"].map(
        pkg["communes"].set_index("commune_code")["province_code"]
    )
    commune_scope = act_commune.notna()
    bad = (commune_scope & (act_commune != ben["commune_code"])) | (
        ~commune_scope & act_province.notna() & (act_province != own_province)
    )
    problems = _problems(
        pkg,
        "beneficiaries",
        bad.fillna(False),
        "commune_code",
        "beneficiary-commune",
        params=lambda i: {
            "activity": ben["activity_id"].iat[i],
            "commune": ben["commune_code"].iat[i],
        },
    )
    act_year = ben["activity_id"].map(plans["year"]).astype("Float64")
    early = (ben["entry_year"].astype("Float64") < act_year).fillna(False)
    problems += _problems(
        pkg,
        "beneficiaries",
        early,
        "entry_year",
        "entry-before-activity",
        params=lambda i: {"year": int(act_year.iat[i])},
    )
    return problems


@rule
def followups_after_entry(pkg: Package) -> list[Problem]:
    """A follow-up is not dated before the beneficiary's entry year."""
    fu = pkg["beneficiary_followups"]
    entry = fu["beneficiary_id"].map(pkg["beneficiaries"].set_index("beneficiary_id")["entry_year"])
    bad = (fu["year"] < entry).fillna(False)
    return _problems(
        pkg,
        "beneficiary_followups",
        bad,
        "year",
        "followup-before-entry",
        params=lambda i: {"year": int(fu["year"].iat[i]), "entry": int(entry.iat[i])},
    )


@rule
def livestock_order(pkg: Package) -> list[Problem]:
    """An animal's ledger starts with its receipt or birth, and nothing follows death or sale."""
    ev = pkg["livestock_events"].reset_index(drop=True)
    if ev.empty:
        return []
    ordered = ev.assign(_row=np.arange(len(ev))).sort_values(["animal_id", "date", "_row"])
    first = ~ordered["animal_id"].duplicated(keep="first")
    origin = ordered["event_type"].isin(["received", "calf_born"])
    bad_rows = set(ordered.loc[(first & ~origin) | (~first & origin), "_row"])
    ends = ordered[ordered["event_type"].isin(["died", "sold"])].groupby("animal_id")["date"].min()
    if len(ends):  # (mapping onto no end at all would lose the dates' type)
        end_of = ordered["animal_id"].map(ends)
        after_end = (ordered["date"] > end_of).fillna(False)
        bad_rows |= set(ordered.loc[after_end, "_row"])
    mask = np.isin(np.arange(len(ev)), sorted(bad_rows))
    return _problems(
        pkg,
        "livestock_events",
        mask,
        "date",
        "livestock-order",
        params=lambda i: {"animal": ev["animal_id"].iat[i], "event": ev["event_type"].iat[i]},
    )


@rule
def outputs_within_plan(pkg: Package) -> list[Problem]:
    """Delivered units above the plan are worth a look (warning)."""
    out = pkg["outputs"]
    planned = out["activity_id"].map(pkg["plans"].set_index("activity_id")["planned_units"])
    over = (out["delivered_units"] > planned).fillna(False)
    return _problems(
        pkg,
        "outputs",
        over,
        "delivered_units",
        "over-delivered",
        "warning",
        params=lambda i: {"activity": out["activity_id"].iat[i]},
    )


@rule
def question_indicators(pkg: Package) -> list[Problem]:
    """Each evaluation question names indicators the package defines (``indicators.csv``):
    the evaluation matrix would otherwise point at evidence that does not exist."""
    if "evaluation_questions" not in pkg or "indicators" not in pkg:
        return []
    questions = pkg["evaluation_questions"]
    known = set(pkg["indicators"]["indicator_id"])
    unknown = [
        [i for i in str(ids).split(";") if i and i not in known]
        for ids in questions["indicators"].fillna("")
    ]
    return _problems(
        pkg,
        "evaluation_questions",
        [bool(u) for u in unknown],
        "indicators",
        "unknown-indicator",
        params=lambda i: {
            "question": questions["question_id"].iat[i],
            "indicators": ", ".join(unknown[i]),
        },
    )


def check_package(pkg: Package) -> list[Problem]:
    """Run every cross-table rule; errors first, then warnings."""
    problems = [p for fn in RULES for p in fn(pkg)]
    return sorted(problems, key=lambda p: (p.severity != "error", p.file, p.row or 0))
