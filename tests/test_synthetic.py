"""National-scale synthetic packages (benchmarks only) are valid against the real schema."""

from __future__ import annotations

import csv
import hashlib

import pytest

from analysis.checks import check_package
from analysis.package import read_package
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
