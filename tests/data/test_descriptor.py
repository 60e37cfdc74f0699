"""The package's descriptor: who and what it names, each resource's role, the tiny fixture's
schema, the indicators table against the code's specs, and the data dictionary made from it.
"""

from __future__ import annotations

import re

from analysis.dictionary import DICTIONARY_PATH, render_dictionary


def test_data_dictionary_is_up_to_date():
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == render_dictionary(), (
        "docs/data_dictionary.md is stale: run `python -m analysis dictionary`"
    )


def test_the_descriptor_names_its_id_contributors_sources_and_homepage():
    import json

    from analysis.paths import DATAPACKAGE

    d = json.loads(DATAPACKAGE.read_text(encoding="utf-8"))
    assert re.fullmatch(r"[0-9a-f-]{36}", d["id"])
    assert d["homepage"].startswith("http")
    assert {c["role"] for c in d["contributors"]} >= {"author", "maintainer"}
    assert any("2024" in s["title"] for s in d["sources"])


def test_the_tiny_fixture_has_the_bundled_schema():
    """The fixture's resources (names, paths, fields, keys, roles) are the bundled package's:
    a test on the fixture tests the real schema (the fixture's descriptor had drifted)."""
    import json

    from analysis.paths import DATAPACKAGE, PROJECT_ROOT

    tiny = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
    bundled = json.loads(DATAPACKAGE.read_text(encoding="utf-8"))["resources"]
    assert json.loads(tiny.read_text(encoding="utf-8"))["resources"] == bundled


def test_every_resource_says_what_it_is_to_the_toolkit():
    from analysis.schema import ROLES, Schema

    schema = Schema.load()
    for name, res in schema.resources.items():
        assert res.get("role") in ROLES, name
        assert isinstance(res.get("personLevel"), bool), name
        assert isinstance(res.get("generated"), bool), name
    # people's rows are the beneficiaries, their follow-ups and their cows; none of them has
    # a field that could hold a name
    assert schema.names(person_level=True) == [
        "beneficiaries", "beneficiary_followups", "livestock_events"
    ]  # fmt: skip
    assert schema.intake_sheets() == [
        "plans", "transactions", "beneficiaries", "beneficiary_followups", "livestock_events",
        "commune_statistics",
    ]  # fmt: skip


def test_the_indicators_table_is_what_the_specs_write():
    """data/indicators.csv is generated from the indicator specs and the catalogue
    (tests/unit/test_indicator_registry.py checks the specs themselves)."""
    from analysis.indicators.registry import indicators_csv
    from analysis.paths import PROJECT_ROOT

    committed = (PROJECT_ROOT / "data" / "indicators.csv").read_text(encoding="utf-8")
    assert committed == indicators_csv(), (
        "data/indicators.csv is stale: run `python -m analysis dictionary`"
    )
