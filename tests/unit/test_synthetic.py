"""National-scale synthetic packages (benchmarks only) are valid against the real schema."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict

import pytest

from analysis.checks import check_package
from analysis.package import read_package
from analysis.paths import DATAPACKAGE
from analysis.synthetic import make_package
from analysis.validation import frictionless_problems


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return make_package(
        tmp_path_factory.mktemp("syn"), communes=30, provinces=4, followups=3_000, seed=7
    )


def _rows(path, resource):
    with (path.parent / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_loads_without_problems_and_passes_the_cross_table_rules(synthetic):
    pkg, problems = read_package(synthetic)
    assert problems == []
    assert [p for p in check_package(pkg) if p.severity == "error"] == []


def test_frictionless_agrees_it_is_valid(synthetic):
    assert frictionless_problems(synthetic) == []


def test_sizes_are_as_asked(synthetic):
    communes = _rows(synthetic, "communes")
    assert len(communes) == 30
    assert sum(c["role"] == "partner" for c in communes) == 10  # every third: 0, 3, ..., 27
    beneficiaries = _rows(synthetic, "beneficiaries")
    assert len(beneficiaries) == 1_000  # followups // 3
    # one follow-up a year from entry to 2025
    expected = sum(2026 - int(b["entry_year"]) for b in beneficiaries)
    assert len(_rows(synthetic, "beneficiary_followups")) == expected
    assert len(_rows(synthetic, "commune_statistics")) == 30 * 7  # 2019–2025


def test_every_row_is_illustrative(synthetic):
    for resource in (
        "communes",
        "plans",
        "transactions",
        "beneficiaries",
        "beneficiary_followups",
        "commune_statistics",
    ):
        assert {r["source_id"] for r in _rows(synthetic, resource)} == {"illustrative_generator"}


def test_same_seed_same_bytes(tmp_path, synthetic):
    again = make_package(tmp_path, communes=30, provinces=4, followups=3_000, seed=7)
    for path in sorted((synthetic.parent / "data").glob("*.csv")):
        other = again.parent / "data" / path.name
        assert (
            hashlib.sha256(path.read_bytes()).digest()
            == hashlib.sha256(other.read_bytes()).digest()
        ), path.name


def test_refuses_impossible_sizes(tmp_path):
    with pytest.raises(ValueError):
        make_package(tmp_path, communes=2)


# --------------------------------------------------------------------------- a national package
# Expected values below come from the package's own rules (the schema, the bundled package and
# the generator's documented behaviour), never from a copy of the generator's output.

DESCRIPTOR = json.loads(DATAPACKAGE.read_text(encoding="utf-8"))
RESOURCES = [r["name"] for r in DESCRIPTOR["resources"]]
FIELDS = {r["name"]: r["schema"]["fields"] for r in DESCRIPTOR["resources"]}


def _optional(resource):
    return [f["name"] for f in FIELDS[resource] if not f.get("constraints", {}).get("required")]


def _bundled(resource):
    with (DATAPACKAGE.parent / "data" / f"{resource}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _filled(rows, resource):
    return {f["name"] for f in FIELDS[resource] if any(r[f["name"]] != "" for r in rows)}


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    return make_package(
        tmp_path_factory.mktemp("national"), communes=100, provinces=30, followups=20_000, seed=1
    )


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_field_the_bundled_package_fills_is_filled(national, resource):
    expected = _filled(_bundled(resource), resource)
    assert expected - _filled(_rows(national, resource), resource) == set()


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        (resource, field)
        for resource in ("communes", "plans", "beneficiary_followups", "commune_statistics")
        for field in _optional(resource)
    ],
)
def test_optional_fields_are_blank_in_some_rows_but_not_all(national, resource, field):
    values = [r[field] for r in _rows(national, resource)]
    assert 0 < values.count("") < len(values)


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        ("communes", "latitude"),
        ("communes", "coordinates_note"),
        ("communes", "neighbouring_country"),
        ("communes", "successor_name_2025"),
        ("communes", "successor_note"),
        ("beneficiary_followups", "income_per_person_month_vnd"),
        ("beneficiary_followups", "housing_condition"),
        ("beneficiary_followups", "children_in_school"),
        ("commune_statistics", "households"),
        ("commune_statistics", "population"),
        ("commune_statistics", "poor_households"),
    ],
)
def test_missing_data_is_missing_at_realistic_rates(national, resource, field):
    """Fields blank only where a value is unknown: a few per cent up to about a fifth."""
    values = [r[field] for r in _rows(national, resource)]
    assert 0.005 <= values.count("") / len(values) <= 0.2


@pytest.mark.parametrize(
    ("communes", "provinces", "followups", "seed"),
    [
        (3, 1, 300, 1),
        (4, 2, 300, 2),
        (5, 30, 300, 3),
        (7, 3, 300, 4),
        (9, 4, 300, 5),
        (12, 5, 300, 6),
        (12, 12, 300, 7),
        (100, 30, 20_000, 8),
        (150, 89, 6_000, 9),
    ],
)
def test_valid_at_every_size(tmp_path, communes, provinces, followups, seed):
    path = make_package(
        tmp_path, communes=communes, provinces=provinces, followups=followups, seed=seed
    )
    pkg, problems = read_package(path)
    assert problems == []
    assert [p for p in check_package(pkg) if p.severity == "error"] == []
    assert len(pkg["communes"]) == communes
    assert len(pkg["beneficiaries"]) == followups // 3


def test_same_seed_same_bytes_different_seed_other_bytes(tmp_path, national):
    same = make_package(tmp_path / "a", communes=100, provinces=30, followups=20_000, seed=1)
    other = make_package(tmp_path / "b", communes=100, provinces=30, followups=20_000, seed=2)
    for name in RESOURCES:
        data = (national.parent / "data" / f"{name}.csv").read_bytes()
        assert (same.parent / "data" / f"{name}.csv").read_bytes() == data, name
    generated = [n for n in RESOURCES if _rows(national, n) != _bundled(n)]
    assert all(
        (other.parent / "data" / f"{n}.csv").read_bytes()
        != (national.parent / "data" / f"{n}.csv").read_bytes()
        for n in generated
    )


def test_generated_rows_are_illustrative_and_copied_ones_untouched(national):
    for name in RESOURCES:
        rows = _rows(national, name)
        if rows != _bundled(name):
            assert {r["source_id"] for r in rows} == {"illustrative_generator"}, name
    assert _rows(national, "sources") == _bundled("sources")


def test_partners_leave_and_join_and_comparisons_carry_the_notes(national):
    communes = _rows(national, "communes")
    partners = [c for c in communes if c["role"] == "partner"]
    comparisons = [c for c in communes if c["role"] == "comparison"]
    assert all(c["partner_from"] == c["partner_to"] == "" for c in comparisons)
    leaving = [c for c in partners if c["partner_to"] == "2023"]
    joining = [c for c in partners if c["partner_from"] == "2024"]
    assert leaving and joining and len(leaving) + len(joining) < len(partners) / 2
    assert all(c["partner_from"] == "2021" and c["exit_reason"] for c in leaving)
    assert all(c["exit_reason_vi"].endswith("(minh hoạ).") for c in leaving)
    assert all(c["exit_reason"].endswith("(illustrative).") for c in leaving)
    stayed = [c for c in communes if c["partner_to"] != "2023"]
    assert all(c["exit_reason"] == c["exit_reason_vi"] == "" for c in stayed)
    assert all(c["comparison_note"] == "" and c["neighbouring_country"] for c in partners)
    noted = [c for c in comparisons if c["comparison_note"]]
    assert 0 < len(noted) < len(comparisons) / 2
    assert all(c["comparison_note"] for c in comparisons if not c["neighbouring_country"])
    assert sum(c["successor_name_2025"] != "" for c in communes) > 0.8 * len(communes)
    assert all((c["latitude"] == "") == (c["longitude"] == "") for c in communes)
    assert all(c["coordinates_note"] for c in communes if c["latitude"] == "")
    assert all((c["successor_note"] == "") == (c["successor_note_vi"] == "") for c in communes)


def test_plans_leave_blank_what_their_scope_and_type_have_not(national):
    plans = _rows(national, "plans")
    assert {p["scope"] for p in plans} == {"commune", "province", "programme"}
    for p in plans:
        assert (p["commune_code"] == "") == (p["scope"] != "commune")
        assert (p["province_code"] == "") == (p["scope"] == "programme")
        if p["activity_type"] != "livelihood_capital":
            assert p["livelihood_model"] == ""
    models = {p["livelihood_model"] for p in plans if p["activity_type"] == "livelihood_capital"}
    assert models == {"breeding_cows", "ginseng_vine", ""}


def test_money_adds_up(national):
    tx = _rows(national, "transactions")
    for t in tx:  # only funds raised have a contributor, and no activity
        assert (t["activity_id"] == "") == (t["transaction_type"] == "incoming_funds")
        if t["transaction_type"] != "incoming_funds":
            assert t["contributor_kind"] == ""
    incoming = [t for t in tx if t["transaction_type"] == "incoming_funds"]
    assert sum(t["contributor_kind"] != "" for t in incoming) > 0.8 * len(incoming)
    disbursed = Counter()
    for t in tx:
        if t["transaction_type"] == "disbursement":
            disbursed[t["activity_id"]] += int(t["amount_vnd"])
    for out in _rows(national, "outputs"):  # the delivered amount is the money disbursed
        expected = str(disbursed[out["activity_id"]]) if out["activity_id"] in disbursed else ""
        assert out["delivered_amount_vnd"] == expected, out["activity_id"]


def test_livestock_ledger_follows_the_cows(national):
    events = _rows(national, "livestock_events")
    assert {e["event_type"] for e in events} == {
        "received",
        "calf_born",
        "died",
        "sold",
        "passed_on",
    }
    ben = {b["beneficiary_id"]: b for b in _rows(national, "beneficiaries")}
    plans = {p["activity_id"]: p for p in _rows(national, "plans")}
    done = {o["activity_id"]: o["completed_on"] for o in _rows(national, "outputs")}
    first = {}
    for e in events:
        first.setdefault(e["animal_id"], e)
        kind, who = e["event_type"], ben[e["beneficiary_id"]]
        assert (e["mother_animal_id"] != "") == (kind == "calf_born")
        assert (e["to_beneficiary_id"] != "") == (kind == "passed_on")
        if kind == "received":  # a cow for a breeding-cow household, on the hand-over day
            assert plans[who["activity_id"]]["livelihood_model"] == "breeding_cows"
            assert e["date"] == done[who["activity_id"]]
        if kind == "calf_born":  # from a mother already in the ledger
            assert first[e["mother_animal_id"]]["date"] < e["date"]
        if kind == "passed_on":  # a calf, to a new household of the same activity
            to = ben[e["to_beneficiary_id"]]
            assert first[e["animal_id"]]["event_type"] == "calf_born"
            assert to["activity_id"] == who["activity_id"] != ""
            assert to["commune_code"] == who["commune_code"]
            assert to["entry_year"] == e["date"][:4]
            assert to["beneficiary_id"] != who["beneficiary_id"]


def test_livestock_head_is_the_herd_held_on_31_december(national):
    """Counted from the ledger: animals received or born, not yet dead or sold, held by the
    household that received them or that a calf was passed on to."""
    timeline = defaultdict(list)
    for e in _rows(national, "livestock_events"):
        timeline[e["animal_id"]].append(e)
    herd = Counter()
    for events in timeline.values():
        start, end = events[0]["date"], None
        holders = [(start, events[0]["beneficiary_id"])]
        for e in events[1:]:
            if e["event_type"] == "passed_on":
                holders.append((e["date"], e["to_beneficiary_id"]))
            elif e["event_type"] in ("died", "sold"):
                end = e["date"]
        for year in range(2021, 2026):
            day = f"{year}-12-31"
            if start <= day and (end is None or end > day):
                holder = [who for since, who in holders if since <= day][-1]
                herd[holder, str(year)] += 1
    in_ledger = {who for who, _ in herd}
    counted = 0
    for f in _rows(national, "beneficiary_followups"):
        if f["livestock_head"] != "":
            assert int(f["livestock_head"]) == herd[f["beneficiary_id"], f["year"]]
            counted += 1
        else:
            assert f["beneficiary_id"] not in in_ledger
    assert counted and sum(herd.values()) > 0


def test_commune_statistics_and_targets_agree(national):
    for s in _rows(national, "commune_statistics"):
        parts = (s["poor_households"], s["near_poor_households"])
        if "" not in parts and s["poor_or_near_poor_households"]:
            assert int(s["poor_or_near_poor_households"]) == sum(map(int, parts))
    communes = {c["commune_code"]: c for c in _rows(national, "communes")}
    values = defaultdict(dict)
    for v in _rows(national, "indicator_values"):
        values[v["commune_code"]][int(v["year"])] = (v["value_type"], float(v["value"]))
    partners = {code for code, c in communes.items() if c["role"] == "partner"}
    assert set(values) == partners
    for code, by_year in values.items():
        c = communes[code]
        years = range(int(c["partner_from"]), int(c["partner_to"]) + 1)
        assert set(by_year) == {2020, *years}
        kind, baseline = by_year[2020]
        assert kind == "baseline"
        for year in years:  # 3 points lower a year, never below zero
            assert by_year[year][0] == "target"
            assert by_year[year][1] == pytest.approx(max(baseline - 3 * (year - 2020), 0))
