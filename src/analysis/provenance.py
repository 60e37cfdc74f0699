"""Where a report's figures come from: illustrative shares, code and library versions."""

from __future__ import annotations

import subprocess
from importlib import metadata

import pandas as pd

from analysis.package import Package
from analysis.paths import PROJECT_ROOT

MONITORED = (
    "plans",
    "outputs",
    "transactions",
    "beneficiaries",
    "beneficiary_followups",
    "livestock_events",
    "commune_statistics",
)
LIBRARIES = ("pandas", "numpy", "frictionless", "matplotlib", "papermill", "nbconvert", "babel")


def year_rows(pkg: Package, year: int) -> dict[str, pd.DataFrame]:
    """The rows of each resource that a report for ``year`` draws on."""
    plans = pkg["plans"]
    year_plans = plans[plans["year"] == year]
    ids = set(year_plans["activity_id"])
    tx = pkg["transactions"]
    ben = pkg["beneficiaries"]
    stats = pkg["commune_statistics"]
    return {
        "plans": year_plans,
        "outputs": pkg["outputs"][pkg["outputs"]["activity_id"].isin(ids)],
        "transactions": tx[tx["activity_id"].isin(ids) | (tx["date"].dt.year == year)],
        "beneficiaries": ben[ben["entry_year"] == year],
        "beneficiary_followups": pkg["beneficiary_followups"][
            pkg["beneficiary_followups"]["year"] <= year
        ],
        "livestock_events": pkg["livestock_events"][
            pkg["livestock_events"]["date"].dt.year <= year
        ],
        "commune_statistics": stats[stats["year"] <= year],
    }


def phase_rows(pkg: Package) -> dict[str, pd.DataFrame]:
    """The rows a whole-phase report draws on: every row of the monitored resources."""
    return {name: pkg[name] for name in MONITORED}


def commune_rows(pkg: Package, commune_code: str) -> dict[str, pd.DataFrame]:
    """The rows a commune profile draws on: its own activities, money, people and counts."""
    plans = pkg["plans"]
    own = plans[plans["commune_code"] == commune_code]
    ids = set(own["activity_id"])
    ben = pkg["beneficiaries"]
    own_ben = ben[ben["commune_code"] == commune_code]
    stats = pkg["commune_statistics"]
    return {
        "plans": own,
        "outputs": pkg["outputs"][pkg["outputs"]["activity_id"].isin(ids)],
        "transactions": pkg["transactions"][pkg["transactions"]["activity_id"].isin(ids)],
        "beneficiaries": own_ben,
        "beneficiary_followups": pkg["beneficiary_followups"][
            pkg["beneficiary_followups"]["beneficiary_id"].isin(set(own_ben["beneficiary_id"]))
        ],
        "livestock_events": pkg["livestock_events"][
            pkg["livestock_events"]["beneficiary_id"].isin(set(own_ben["beneficiary_id"]))
        ],
        "commune_statistics": stats[stats["commune_code"] == commune_code],
    }


def illustrative_share(pkg: Package, rows: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per resource: rows a report uses, how many are illustrative, and the share.

    The last row (resource ``all``) totals them. Example: 40 of 50 rows illustrative gives
    share 0.8.
    """
    records = []
    for name, frame in rows.items():
        n = len(frame)
        k = int(pkg.is_illustrative(frame).sum()) if n else 0
        records.append({"resource": name, "rows": n, "illustrative_rows": k})
    out = pd.DataFrame(records)
    total = {
        "resource": "all",
        "rows": int(out["rows"].sum()),
        "illustrative_rows": int(out["illustrative_rows"].sum()),
    }
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    out["share"] = out["illustrative_rows"] / out["rows"].where(out["rows"] > 0)
    return out


def illustrative_keys(pkg: Package, rows: dict[str, pd.DataFrame], key: str) -> set[str]:
    """The values of ``key`` behind which some of ``rows`` are illustrative.

    A row is attributed to the key value of the plan it belongs to: plans directly; outputs,
    transactions and beneficiaries through their ``activity_id``; follow-ups and livestock
    events through their beneficiary's activity. A resource that carries ``key`` itself
    (``commune_code`` and ``year`` of the commune statistics, say) is attributed directly.
    Values are returned as text, so a table's key column compares whatever its dtype.

    Example: with one illustrative transaction of a 2024 charity-house activity,
    ``illustrative_keys(pkg, rows, "activity_type")`` holds ``"charity_house"``.
    """
    plans = pkg["plans"]
    plan_key = (
        pd.Series(plans[key].to_numpy(), index=plans["activity_id"])
        if key in plans.columns
        else None
    )
    ben = pkg["beneficiaries"].set_index("beneficiary_id")["activity_id"]
    found: set[str] = set()
    for name, frame in rows.items():
        flagged = frame[pkg.is_illustrative(frame).to_numpy(bool)] if len(frame) else frame
        if flagged.empty:
            continue
        if key in flagged.columns and name != "plans" and "activity_id" not in flagged.columns:
            values = flagged[key]
        elif plan_key is None:
            continue
        elif "activity_id" in flagged.columns:
            values = flagged["activity_id"].map(plan_key)
        elif "beneficiary_id" in flagged.columns:
            values = flagged["beneficiary_id"].map(ben).map(plan_key)
        else:
            continue
        found |= {str(v) for v in values.dropna().unique()}
    return found


def illustrative_money_share(pkg: Package, rows: dict[str, pd.DataFrame]) -> float:
    """Share of the transaction amounts (all types) in ``rows`` from illustrative rows."""
    tx = rows["transactions"]
    total = tx["amount_vnd"].sum()
    if not total:
        return float("nan")
    return float(tx.loc[pkg.is_illustrative(tx), "amount_vnd"].sum() / total)


def git_commit() -> str:
    """The code's git commit (with ``+dirty`` when tracked files have changes), or ``unknown``.

    One ``git describe`` that names no tag (``--exclude='*'``): the abbreviated commit, and
    ``+dirty`` as ``git status --untracked-files=no`` would see it.
    """
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty=+dirty", "--abbrev=12", "--exclude=*"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return described.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def library_versions() -> dict[str, str]:
    """Installed versions of the main libraries."""
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out
