"""National-scale synthetic packages, for benchmarks only.

The programme is national (100 communes in 30 provinces in this phase, more in the next), so
the toolkit is measured on packages far larger than the bundled one. :func:`make_package`
writes a package with the real descriptor and schema, ``n`` communes and as many
beneficiaries and follow-up rows as asked, every row vectorised with numpy (no Python loop per
row) and every row marked illustrative. The result loads with no problem under the strict
loader and the cross-table rules, and validates with frictionless.

Example:
    >>> from analysis.synthetic import make_package
    >>> path = make_package(tmp_path, communes=50, followups=10_000)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.paths import DATAPACKAGE

YEARS = np.arange(2021, 2026)
STAT_YEARS = np.arange(2019, 2026)
SOURCE = "illustrative_generator"
COPIED = (
    "sources",
    "implementing_units",
    "unit_costs",
    "national_programmes",
    "programme_links",
    "indicators",
    "toc_nodes",
    "toc_links",
    "toc_evidence",
)


def _write(out: Path, name: str, frame: pd.DataFrame, columns: list[str]) -> None:
    frame = frame.reindex(columns=columns)
    frame.to_csv(out / "data" / f"{name}.csv", index=False, lineterminator="\n")


def make_package(
    out: Path, *, communes: int = 100, provinces: int = 30, followups: int = 100_000, seed: int = 1
) -> Path:
    """Write a synthetic package into ``out`` and return its ``datapackage.json``.

    Args:
        out: Folder to write (created; an existing package there is replaced).
        communes: Number of communes (a third are partners 2021–2025, the rest comparisons).
        provinces: Number of provinces the communes are spread over.
        followups: Approximate number of beneficiary follow-up rows (the largest resource);
            beneficiaries are about a third of it.
        seed: Random seed.
    """
    if not 3 <= communes <= 89_999 or not 1 <= provinces <= 89:
        raise ValueError("communes must be within 3..89999 and provinces within 1..89")
    rng = np.random.default_rng(seed)
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(DATAPACKAGE, out / "datapackage.json")
    descriptor = json.loads(DATAPACKAGE.read_text(encoding="utf-8"))
    columns = {
        r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]
    }
    for name in COPIED:
        shutil.copy(DATAPACKAGE.parent / "data" / f"{name}.csv", out / "data" / f"{name}.csv")
    _write(out, "indicator_values", pd.DataFrame(), columns["indicator_values"])

    # Communes: every third one is a partner for the whole phase.
    idx = np.arange(communes)
    codes = np.char.zfill((10_000 + idx).astype(str), 5)
    province = np.char.zfill((10 + idx % provinces).astype(str), 2)
    partner = idx % 3 == 0
    _write(
        out,
        "communes",
        pd.DataFrame(
            {
                "commune_code": codes,
                "name_in_source": [f"Xã {i}" for i in idx],
                "name_official": [f"Xã {i}" for i in idx],
                "district_code": np.char.zfill((100 + idx % 800).astype(str), 3),
                "district_name": [f"Huyện {i % 800}" for i in idx],
                "province_code": province,
                "province_name": [f"Tỉnh {p}" for p in province],
                "latitude": np.round(rng.uniform(9, 23, communes), 4),
                "longitude": np.round(rng.uniform(103, 109, communes), 4),
                "border_status": "unverified",
                "role": np.where(partner, "partner", "comparison"),
                "partner_from": np.where(partner, 2021, pd.NA),
                "partner_to": np.where(partner, 2025, pd.NA),
                "source_id": SOURCE,
            }
        ),
        columns["communes"],
    )

    # Plans: a charity house and a livelihood package per partner commune and year.
    p_codes, p_prov = codes[partner], province[partner]
    n_p = p_codes.size
    year = np.repeat(YEARS, n_p * 2)
    commune = np.tile(np.repeat(p_codes, 2), YEARS.size)
    prov = np.tile(np.repeat(p_prov, 2), YEARS.size)
    kind = np.tile(np.array(["charity_house", "livelihood_capital"]), n_p * YEARS.size)
    serial = np.tile(np.array(["51", "52"]), n_p * YEARS.size)
    activity = np.char.add(
        np.char.add(np.char.add(year.astype(str), "-"), np.char.add(commune, "-")), serial
    )
    plans = pd.DataFrame(
        {
            "activity_id": activity,
            "year": year,
            "scope": "commune",
            "commune_code": commune,
            "province_code": prov,
            "activity_type": kind,
            "livelihood_model": np.where(kind == "livelihood_capital", "breeding_cows", ""),
            "implementing_unit": "hanoi_wu",
            "description_vi": "Hoạt động tổng hợp (minh hoạ)",
            "planned_units": np.where(kind == "charity_house", 1, np.nan),
            "unit": np.where(kind == "charity_house", "house", "livelihood_package"),
            "planned_amount_vnd": 50_000_000,
            "is_conditional": "false",
            "source_id": SOURCE,
        }
    )
    _write(out, "plans", plans, columns["plans"])
    _write(
        out,
        "outputs",
        pd.DataFrame(
            {
                "activity_id": activity,
                "status": "completed",
                "delivered_units": 1,
                "delivered_amount_vnd": 45_000_000,
                "completed_on": np.char.add(year.astype(str), "-11-30"),
                "source_id": SOURCE,
            }
        ),
        columns["outputs"],
    )

    n_a = activity.size
    spent = rng.integers(40, 51, n_a) * 1_000_000
    # Funds raised: one contribution per partner commune and year (members' donations).
    in_year = np.repeat(YEARS, n_p)
    n_in = in_year.size
    tx = pd.DataFrame(
        {
            "activity_id": np.concatenate([activity, activity, np.full(n_in, "")]),
            "transaction_type": np.concatenate(
                [
                    np.full(n_a, "commitment"),
                    np.full(n_a, "disbursement"),
                    np.full(n_in, "incoming_funds"),
                ]
            ),
            "date": np.concatenate(
                [
                    np.char.add(year.astype(str), "-03-01"),
                    np.char.add(year.astype(str), "-06-15"),
                    np.char.add(in_year.astype(str), "-02-01"),
                ]
            ),
            "amount_vnd": np.concatenate(
                [np.full(n_a, 50_000_000), spent, np.full(n_in, 100_000_000)]
            ),
            "contributor_kind": np.concatenate([np.full(2 * n_a, ""), np.full(n_in, "members")]),
        }
    )
    tx["transaction_id"] = _unique_ids(tx["date"].str[:4].to_numpy(), "T")
    tx["source_id"] = SOURCE
    _write(out, "transactions", tx, columns["transactions"])

    # Beneficiaries of the livelihood activities, and their yearly follow-ups.
    livelihood = plans[plans["activity_type"] == "livelihood_capital"]
    n_b = max(1, min(999_999, followups // 3))
    pick = rng.integers(0, len(livelihood), n_b)
    chosen = livelihood.iloc[pick]
    entry = chosen["year"].to_numpy()
    ben_ids = np.char.add("B", np.char.zfill((np.arange(n_b) + 1).astype(str), 6))
    _write(
        out,
        "beneficiaries",
        pd.DataFrame(
            {
                "beneficiary_id": ben_ids,
                "activity_id": chosen["activity_id"].to_numpy(),
                "commune_code": chosen["commune_code"].to_numpy(),
                "household_size": rng.integers(2, 9, n_b),
                "ethnicity": rng.choice(["hmong", "thai", "khmu", "ha_nhi", "kinh"], n_b),
                "sex": "female",
                "age_band": rng.choice(["18-29", "30-44", "45-59"], n_b),
                "poverty_status_entry": rng.choice(
                    ["poor", "near_poor", "other"], n_b, p=[0.6, 0.3, 0.1]
                ),
                "entry_year": entry,
                "source_id": SOURCE,
            }
        ),
        columns["beneficiaries"],
    )
    span = 2026 - entry  # follow-up years from entry to 2025
    rows = np.repeat(np.arange(n_b), span)
    offset = np.arange(rows.size) - np.repeat(np.cumsum(span) - span, span)
    fu_year = entry[rows] + offset
    _write(
        out,
        "beneficiary_followups",
        pd.DataFrame(
            {
                "beneficiary_id": ben_ids[rows],
                "year": fu_year,
                "income_per_person_month_vnd": (
                    rng.integers(700, 1400, rows.size) * 1000 * (1.1**offset)
                ).astype(np.int64),
                "livestock_head": rng.integers(0, 4, rows.size),
                "housing_condition": rng.choice(["permanent", "semi_permanent"], rows.size),
                "poverty_status": rng.choice(["poor", "near_poor", "other"], rows.size),
                "children_in_school": rng.integers(0, 4, rows.size),
                "source_id": SOURCE,
            }
        ),
        columns["beneficiary_followups"],
    )
    _write(out, "livestock_events", pd.DataFrame(), columns["livestock_events"])

    # Commune statistics for every commune and year.
    c_rep = np.repeat(codes, STAT_YEARS.size)
    y_rep = np.tile(STAT_YEARS, communes)
    households = np.repeat(rng.integers(300, 1500, communes), STAT_YEARS.size)
    rate = np.clip(
        np.repeat(rng.uniform(0.15, 0.6, communes), STAT_YEARS.size)
        - 0.03 * (y_rep - 2019)
        - 0.01 * np.repeat(partner, STAT_YEARS.size) * np.clip(y_rep - 2020, 0, None),
        0.01,
        0.9,
    )
    poor = (households * rate).astype(np.int64)
    _write(
        out,
        "commune_statistics",
        pd.DataFrame(
            {
                "commune_code": c_rep,
                "year": y_rep,
                "households": households,
                "population": households * 5,
                "poor_households": poor,
                "near_poor_households": (households * 0.1).astype(np.int64),
                "source_id": SOURCE,
            }
        ),
        columns["commune_statistics"],
    )
    return out / "datapackage.json"


def _unique_ids(years: np.ndarray, prefix: str) -> np.ndarray:
    """``TYYYY-NNNN`` ids numbered within each year (the schema allows 9,999 a year)."""
    order = pd.Series(years).groupby(years).cumcount().to_numpy() + 1
    if order.size and order.max() > 9_999:
        raise ValueError("more than 9,999 transactions in a year: use fewer partner communes")
    return np.char.add(
        np.char.add(np.char.add(prefix, years.astype(str)), "-"),
        np.char.zfill(order.astype(str), 4),
    )
