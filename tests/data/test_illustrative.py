"""Tests of the illustrative-row generator, run on a copy of the package."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from analysis import illustrative

ROOT = Path(__file__).resolve().parents[2]
SOURCE = illustrative.ILLUSTRATIVE_SOURCE
END = pd.Timestamp("2025-12-31")


def _resource_paths(package: Path) -> dict[str, Path]:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    return {r["name"]: package / r["path"] for r in descriptor["resources"]}


def _snapshot(package: Path) -> dict[str, bytes]:
    paths = _resource_paths(package)
    return {name: paths[name].read_bytes() for name in illustrative.GENERATED}


def _illustrative_ids(package: Path) -> set[str]:
    sources = pd.read_csv(package / "data" / "sources.csv", dtype=str, keep_default_na=False)
    return set(sources.loc[sources["kind"] == "illustrative", "source_id"])


def _real_lines(raw: bytes, illustrative_ids: set[str]) -> list[str]:
    """Raw lines (header excluded) of the rows whose source is not illustrative."""
    lines = raw.decode("utf-8").split("\n")
    header = next(csv.reader([lines[0]]))
    column = header.index("source_id")
    out = []
    for line in lines[1:]:
        if not line:
            continue
        (row,) = list(csv.reader(io.StringIO(line)))
        if row[column] not in illustrative_ids:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the package, its files before and after two runs of ``write``."""
    dest = tmp_path_factory.mktemp("package")
    shutil.copy(ROOT / "datapackage.json", dest / "datapackage.json")
    shutil.copytree(ROOT / "data", dest / "data")
    before = _snapshot(dest)
    counts = illustrative.write(dest)
    first = _snapshot(dest)
    illustrative.write(dest)
    second = _snapshot(dest)
    return {"path": dest, "before": before, "first": first, "second": second, "counts": counts}


@pytest.fixture(scope="module")
def tables(package: dict) -> dict[str, pd.DataFrame]:
    paths = _resource_paths(package["path"])
    return {
        name: pd.read_csv(path, dtype=str, keep_default_na=False) for name, path in paths.items()
    }


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace("", None))


# --------------------------------------------------------------------------- determinism


def test_write_twice_is_byte_identical(package: dict) -> None:
    assert package["first"] == package["second"]


def test_committed_files_hold_the_generated_rows(package: dict) -> None:
    committed = _resource_paths(ROOT)
    for name, data in package["second"].items():
        assert committed[name].read_bytes() == data, f"{name}: run illustrative.write again"


def test_generate_is_deterministic_and_seed_dependent(package: dict) -> None:
    a = illustrative.generate(package["path"])
    b = illustrative.generate(package["path"])
    assert a == b
    other = illustrative.generate(package["path"], seed=7)
    assert other["commune_statistics"] != a["commune_statistics"]


def test_files_are_lf_utf8_in_schema_order(package: dict) -> None:
    descriptor = json.loads((package["path"] / "datapackage.json").read_text(encoding="utf-8"))
    fields = {
        r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]
    }
    for name, data in package["second"].items():
        assert b"\r" not in data
        header = data.decode("utf-8").split("\n", 1)[0]
        assert header.split(",") == fields[name]


# --------------------------------------------------------------------------- provenance


def test_real_rows_preserved_byte_for_byte(package: dict) -> None:
    ids = _illustrative_ids(package["path"])
    for name in illustrative.GENERATED:
        before = _real_lines(package["before"][name], ids)
        after = _real_lines(package["second"][name], ids)
        assert before == after, name
    plans = _real_lines(package["second"]["plans"], ids)
    assert any(line.startswith("2024-03158-01,") for line in plans)
    assert len(_real_lines(package["second"]["commune_statistics"], ids)) >= 2


def test_every_generated_row_is_illustrative(package: dict) -> None:
    rows = illustrative.generate(package["path"])
    for name, generated in rows.items():
        assert generated, name
        assert {r["source_id"] for r in generated} == {SOURCE}, name
    # write() reports the illustrative rows it wrote: count them in the files themselves.
    written = {}
    for name in illustrative.GENERATED:
        with (package["path"] / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            written[name] = sum(r["source_id"] == SOURCE for r in csv.DictReader(fh))
    assert package["counts"] == written


def test_regenerating_never_puts_illustrative_rows_beside_real_ones(tmp_path: Path) -> None:
    """After real rows arrive for a year and place, generate yields that year and place."""
    dest = tmp_path / "pkg"
    shutil.copytree(ROOT / "data", dest / "data")
    shutil.copy(ROOT / "datapackage.json", dest / "datapackage.json")
    plans = dest / "data" / "plans.csv"
    with plans.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    # A real 2025 house plan for Mô Rai (23536), as an import of monitoring data would add.
    rows.append(
        {
            **next(r for r in rows if r["activity_id"] == "2024-23536-01"),
            "activity_id": "2025-23536-01",
            "year": "2025",
        }
    )
    with plans.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    illustrative.write(dest)
    with plans.open(encoding="utf-8", newline="") as fh:
        after = list(csv.DictReader(fh))
    mo_rai_2025 = [r for r in after if r["year"] == "2025" and r["commune_code"] == "23536"]
    assert [r["activity_id"] for r in mo_rai_2025] == ["2025-23536-01"]  # the real one only
    assert other_communes_keep_theirs(after)
    from analysis.checks import check_package
    from analysis.package import load_package

    pkg = load_package(dest / "datapackage.json")  # nothing dangles after the cascade
    assert [p for p in check_package(pkg) if p.severity == "error"] == []


def other_communes_keep_theirs(rows: list[dict]) -> bool:
    return any(r["year"] == "2025" and r["commune_code"] == "23344" for r in rows)


def test_frictionless_validation_passes(package: dict) -> None:
    report = frictionless.validate(str(package["path"] / "datapackage.json"))
    errors = [f"{task.name}: {err.type} {err.note}" for task in report.tasks for err in task.errors]
    assert report.valid, errors[:10]


# --------------------------------------------------------------------------- cross-table rules


def _partner_years(communes: pd.DataFrame) -> dict[str, range]:
    partners = communes[communes["role"] == "partner"]
    return {
        code: range(int(start), int(end) + 1)
        for code, start, end in zip(
            partners["commune_code"], partners["partner_from"], partners["partner_to"], strict=True
        )
    }


def test_commune_activities_are_in_partner_years(tables: dict) -> None:
    years = _partner_years(tables["communes"])
    plans = tables["plans"]
    commune_scope = plans[plans["commune_code"] != ""]
    for code, year in zip(commune_scope["commune_code"], commune_scope["year"], strict=True):
        assert int(year) in years.get(code, range(0)), (code, year)
    generated = plans[plans["source_id"] == SOURCE]
    assert "2024" not in set(generated["year"])
    assert (generated["activity_id"].str[-2:].astype(int) >= 51).all()


def test_beneficiary_communes_match_their_activity(tables: dict) -> None:
    years = _partner_years(tables["communes"])
    province_of = tables["communes"].set_index("commune_code")["province_code"]
    ben = tables["beneficiaries"].merge(
        tables["plans"], on="activity_id", suffixes=("", "_plan"), validate="many_to_one"
    )
    commune_scope = ben["commune_code_plan"] != ""
    assert (
        ben.loc[commune_scope, "commune_code"] == ben.loc[commune_scope, "commune_code_plan"]
    ).all()
    province = ben[ben["scope"] == "province"]
    assert (province["commune_code"].map(province_of) == province["province_code"]).all()
    for code, year in zip(province["commune_code"], province["year"], strict=True):
        assert int(year) in years[code]
    assert (ben["entry_year"].astype(int) >= ben["year"].astype(int)).all()


def test_followups_not_before_entry(tables: dict) -> None:
    fu = tables["beneficiary_followups"].merge(
        tables["beneficiaries"], on="beneficiary_id", validate="many_to_one"
    )
    assert len(fu) == len(tables["beneficiary_followups"])
    assert (fu["year"].astype(int) >= fu["entry_year"].astype(int)).all()
    assert (fu["year"].astype(int) <= 2025).all()


def test_livestock_events_in_order_per_animal(tables: dict) -> None:
    ev = tables["livestock_events"].assign(date=lambda d: pd.to_datetime(d["date"]))
    assert (ev["date"] <= END).all()
    for animal, group in ev.groupby("animal_id"):
        dates = group["date"].sort_values()
        assert dates.is_unique and dates.is_monotonic_increasing, animal
        first = group.loc[group["date"].idxmin(), "event_type"]
        assert first in ("received", "calf_born"), animal
        exits = group[group["event_type"].isin(["died", "sold"])]
        assert len(exits) <= 1, animal
        if len(exits):
            assert (group["date"] <= exits["date"].iloc[0]).all(), animal


def test_pass_on_reaches_a_new_household_of_the_same_commune(tables: dict) -> None:
    ben = tables["beneficiaries"].set_index("beneficiary_id")
    ev = tables["livestock_events"]
    passed = ev[ev["event_type"] == "passed_on"]
    assert len(passed) > 0
    giver, receiver = ben.loc[passed["beneficiary_id"]], ben.loc[passed["to_beneficiary_id"]]
    assert (giver["commune_code"].to_numpy() == receiver["commune_code"].to_numpy()).all()
    assert (giver["activity_id"].to_numpy() == receiver["activity_id"].to_numpy()).all()
    assert (receiver["entry_year"].to_numpy() == passed["date"].str[:4].to_numpy()).all()
    births = ev[ev["event_type"] == "calf_born"]
    assert (births["mother_animal_id"] != "").all()
    assert set(births["mother_animal_id"]) <= set(ev["animal_id"])


def test_poor_plus_near_poor_within_households(tables: dict) -> None:
    cs = tables["commune_statistics"]
    both = _num(cs["poor_households"]).fillna(0) + _num(cs["near_poor_households"]).fillna(0)
    households = _num(cs["households"])
    assert not (both > households).any()
    generated = cs[cs["source_id"] == SOURCE]
    assert (generated["poor_or_near_poor_households"] == "").all()
    assert len(generated) + (cs["source_id"] != SOURCE).sum() == 16 * 7


def test_transaction_dates_within_partnership_years(tables: dict) -> None:
    years = _partner_years(tables["communes"])
    tx = tables["transactions"].merge(
        tables["plans"], on="activity_id", how="left", suffixes=("", "_plan")
    )
    tx_year = tx["date"].str[:4].astype(int)
    assert tx_year.between(2021, 2025).all()
    linked = tx["activity_id"] != ""
    assert (tx_year[linked] == tx.loc[linked, "year"].astype(int)).all()
    commune = linked & (tx["commune_code"] != "")
    for code, year in zip(tx.loc[commune, "commune_code"], tx_year[commune], strict=True):
        assert year in years[code]
    incoming = tx[tx["transaction_type"] == "incoming_funds"]
    assert (incoming["activity_id"] == "").all()
    assert set(incoming["contributor_kind"]) == {
        "members",
        "businesses",
        "individuals",
        "district_unions",
    }


def test_disbursements_follow_commitments_and_one_overspend(tables: dict) -> None:
    tx = tables["transactions"].assign(
        amount=lambda d: d["amount_vnd"].astype(int), when=lambda d: pd.to_datetime(d["date"])
    )
    commit = tx[tx["transaction_type"] == "commitment"].set_index("activity_id")["when"]
    paid = tx[tx["transaction_type"] == "disbursement"]
    first_paid = paid.groupby("activity_id")["when"].min()
    common = first_paid.index.intersection(commit.index)
    assert (first_paid[common] >= commit[common]).all()
    planned = _num(tables["plans"].set_index("activity_id")["planned_amount_vnd"])
    ratio = (paid.groupby("activity_id")["amount"].sum() / planned).dropna()
    assert (ratio > 1).sum() == 1
    assert 1.05 <= ratio.max() <= 1.15
    assert ratio.min() >= 0.85


def test_incoming_funds_cover_the_year(tables: dict) -> None:
    tx = tables["transactions"].assign(
        amount=lambda d: d["amount_vnd"].astype(int), year=lambda d: d["date"].str[:4]
    )
    plans = tables["plans"].assign(amount=lambda d: _num(d["planned_amount_vnd"]))
    planned = plans.groupby("year")["amount"].sum()
    incoming = tx[tx["transaction_type"] == "incoming_funds"].groupby("year")["amount"].sum()
    share = incoming / planned
    assert share.between(0.93, 1.4).all(), share


# --------------------------------------------------------------------------- magnitudes


def test_unit_costs_of_generated_plans(tables: dict) -> None:
    plans = tables["plans"][tables["plans"]["source_id"] == SOURCE]
    plans = plans.assign(
        units=_num(plans["planned_units"]), amount=_num(plans["planned_amount_vnd"])
    )
    houses = plans[plans["activity_type"] == "charity_house"]
    assert len(houses) > 0
    assert (houses["amount"] / houses["units"] == 50_000_000).all()
    pupils = plans[plans["activity_type"] == "pupil_sponsorship"]
    assert len(pupils) > 0
    assert (pupils["amount"] / pupils["units"] == 6_000_000).all()
    gifts = plans[plans["activity_type"] == "tet_gifts"]
    assert (gifts["amount"] / gifts["units"] == 500_000).all()
    livelihood = plans[plans["activity_type"] == "livelihood_capital"]
    assert (livelihood["amount"] == 50_000_000).all()
    assert set(livelihood["livelihood_model"]) == {"breeding_cows", "ginseng_vine"}


def test_four_cows_per_livelihood_package(tables: dict) -> None:
    ev = tables["livestock_events"]
    received = ev[ev["event_type"] == "received"].merge(
        tables["beneficiaries"], on="beneficiary_id"
    )
    per_activity = received.groupby("activity_id").size()
    assert (per_activity == 4).all()
    models = tables["plans"].set_index("activity_id")["livelihood_model"]
    assert set(per_activity.index.map(models)) == {"breeding_cows"}


def test_no_personal_identifiers(tables: dict) -> None:
    for column in tables["beneficiaries"].columns:
        assert not any(word in column.lower() for word in ("name", "phone", "cccd", "cmnd"))
    assert tables["beneficiaries"]["beneficiary_id"].str.fullmatch(r"B\d{6}").all()


def test_built_in_effect_shows_in_commune_statistics(tables: dict) -> None:
    cs = tables["commune_statistics"]
    cs = cs[cs["poor_households"] != ""]
    rate = 100 * _num(cs["poor_households"]) / _num(cs["households"])
    panel = cs.assign(rate=rate, year=cs["year"].astype(int)).pivot(
        index="commune_code", columns="year", values="rate"
    )
    change = panel[2024] - panel[2019]
    role = tables["communes"].set_index("commune_code")["role"]
    mean_change = change.groupby(role).mean()
    # Built in: partners lose an extra 0.8 points a year while they are partners.
    assert mean_change["partner"] < mean_change["comparison"] - 1.0
    # The common 2022 jump (Decree 07/2021 standard) shows in every commune.
    assert ((panel[2022] - panel[2021]).dropna() > 3).all()


def test_indicator_targets_follow_the_baseline(tables: dict) -> None:
    iv = tables["indicator_values"]
    iv = iv[iv["indicator_id"] == "poor_household_rate"]
    cs = tables["commune_statistics"].set_index(["commune_code", "year"])
    years = _partner_years(tables["communes"])
    for code, group in iv.groupby("commune_code"):
        base = group[group["value_type"] == "baseline"]
        assert list(base["year"]) == ["2020"]
        baseline = float(base["value"].iloc[0])
        row = cs.loc[(code, "2020")]
        assert baseline == round(100 * int(row["poor_households"]) / int(row["households"]), 1)
        targets = group[group["value_type"] == "target"]
        assert sorted(targets["year"].astype(int)) == list(years[code])
        for year, value in zip(targets["year"].astype(int), targets["value"], strict=True):
            assert float(value) == pytest.approx(max(0.0, baseline - 3 * (year - 2020)))
